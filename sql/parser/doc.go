// Package parser turns SQL text into PostgreSQL's own parse trees.
//
// Conflux parses with pg_query_go, which embeds the real PostgreSQL
// grammar: anything psql, pgx or JDBC sends ($1 parameters, ::casts,
// OPERATOR(pg_catalog.~), COLLATE, RETURNING, table functions) parses
// exactly as it would in PostgreSQL, and syntax errors carry PostgreSQL's
// message and cursor position (SQLSTATE 42601).
//
// A query string may hold several statements (the simple query
// protocol); Parse returns each with its own text so that a statement can
// be prepared, logged and reported on its own. Conflux's extension
// statements (CREATE STREAM, CREATE FEATURE VIEW, ...) will be recognised
// here by their leading keywords and rewritten onto the grammar before
// parsing, so their query bodies go through the same parser. OPTIMIZE
// [table] (lake table compaction) is the first: it becomes VACUUM with the
// OptimizeOption marker (optimize.go); strings without the word never pay
// for the extra scan.
package parser
