// Package hermitage runs Martin Kleppmann's Hermitage isolation tests
// (https://github.com/ept/hermitage) against Conflux over real wire
// connections, at READ COMMITTED, REPEATABLE READ and SERIALIZABLE, and
// asserts PostgreSQL's outcome for every cell.
//
// Design notes:
//
//   - Each test is a step list in the shape of Hermitage's postgres.md:
//     which connection, what SQL, what it must return (rows, an SQLSTATE,
//     or "blocks"). The expectations are PostgreSQL's; the same scripts run
//     against a real PostgreSQL 15 when one is installed, so the
//     expectations are checked, not remembered.
//   - Every test also runs in a cross-table variant: item 1 lives in table
//     tx and item 2 in table ty, so the dependencies that make up each
//     anomaly cross tables (a transaction reads one table and writes the
//     other). Read-set validation and write conflicts must not be per-table.
//   - Every script also runs on lake tables (TestHermitageLake: the
//     same-table and cross-table layouts with lake tables) and on a mix
//     (TestHermitageLakeMixed: one item in a lake table, the other in a
//     row table, both ways round), against the same expectations. Lake
//     tables have no primary key, so there the scripts exercise per-row
//     conflicts found by scans rather than by key. Queries returning
//     more than one row ORDER BY id: a lake scan returns file rows before
//     inlined ones. Only the row-table suite runs against PostgreSQL;
//     its expectations are what the lake suites must meet.
//   - Both servers run exactly the same expectations. A step marked
//     blocking must still be running after a grace period (it waits on a
//     row lock) and is checked once a later step of another transaction
//     releases the lock; a 40001 must come from the statement PostgreSQL
//     raises it at, not later. There are no per-server overrides.
package hermitage
