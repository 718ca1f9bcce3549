// Package e2e holds end-to-end tests that treat Conflux as a black box:
// the real conflux binary driven by the real psql, restart durability, and
// a differential test that runs the same SQL against Conflux and a real
// PostgreSQL 15 and requires identical answers.
//
// Design notes:
//
//   - Expected psql output is PostgreSQL's own output for the same script
//     (regenerate with E2E_UPDATE=1 against a real PostgreSQL 15), so the
//     test measures compatibility rather than a snapshot of Conflux. Where
//     Conflux legitimately differs, a documented normalisation is applied
//     to both outputs instead of editing the expected file by hand.
//   - The differential test uses the extended protocol with text results
//     (pgconn.ExecParams), complementing the sqllogictest runs, which use
//     the simple protocol: together they cover both query paths.
//   - Rows are compared in order only when the statement has a top-level
//     ORDER BY; otherwise as multisets, as SQL defines.
package e2e
