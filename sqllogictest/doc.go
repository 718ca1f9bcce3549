// Package sqllogictest runs sqllogictest files (SQLite's format, as used by
// the corpus in ../shared/sqllogictest and by the project's own files under
// testdata/) against an Executor: the engine in process, or any server
// speaking the PostgreSQL wire protocol (Conflux or a real PostgreSQL).
//
// Design notes:
//
//   - Executors return every value as text, exactly as a client sees it in
//     the simple query protocol. Formatting for the record's column types
//     (I, R, T) happens here, from that text, so the in-process path, the
//     wire path and real PostgreSQL are judged by the same code. This is
//     also why the reference runners' conventions are reproduced from text:
//     an I column holding 2.7 prints 2 (the ODBC-based C runner converts
//     with truncation toward zero), R prints %.3f, NULL prints NULL, an
//     empty string prints (empty) and bytes outside printable ASCII print
//     as @.
//
//   - The runner never stops at the first failure: a file's result is the
//     list of failed records (file:line and why), so corpus tests can report
//     per-file counts and compare against a list of known failures.
//
//   - Running the project's files against a real PostgreSQL 15 is the
//     oracle for their expected results; Rewrite mode regenerates the
//     expected blocks from whatever the executor returns, which is how the
//     files under testdata/ were produced (against PostgreSQL, never
//     against Conflux).
//
// Lake mode (LakeMode, TestLakeMode): the same corpus -- select1-3,
// evidence/ and testdata/*.test -- runs again with every table a lake
// table, judged by the same expected results, because lake tables promise
// the same SQL answers as row tables. Lake tables have no keys or indexes
// (as in Delta Lake and Iceberg), so the rewrite is: WITH (format = 'lake')
// on every CREATE TABLE (CREATE TABLE AS, SELECT INTO), PRIMARY KEY becomes
// NOT NULL, UNIQUE is dropped, CREATE INDEX is a no-op. Where that
// legitimately changes an outcome -- an expected unique violation, ON
// CONFLICT, ADD PRIMARY KEY, catalog queries about keys, EXPLAIN -- the
// record is skipped with a named reason, counted per reason and logged
// (FileResult.SkippedBy), never silently; a record reading a table or
// cursor that a skipped statement would have changed is skipped too
// ("depends"). Features lake tables still refuse (0A000) are skipped
// under "gap:" reasons, to be removed when fixed. The corpus runs in four
// storage layouts (inline rows, a file per INSERT, background flushing,
// VACUUM FULL before queries), each checked to really have put the rows
// where it claims. Files under testdata/lake/ are written for lake tables
// and run in every layout as they are; their expected results come from
// PostgreSQL with the lake options stripped (RowOracle,
// TestLakeFilesPostgres). testdata/lake/bugs/ holds reproductions of open
// bugs, run only with CONFLUX_LAKE_BUGS=1.
//
// Format extensions (beyond SQLite's):
//
//	statement error <SQLSTATE>   the statement must fail with that SQLSTATE
//	query <types> error <SQLSTATE>
//	query error <SQLSTATE>       the query must fail with that SQLSTATE
//
// A bare "statement error" (or an error token that is not a five-character
// SQLSTATE) accepts any error, as in SQLite's format. A "query ... error"
// record has no "----" block.
package sqllogictest
