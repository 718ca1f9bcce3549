// Package sql is the SQL layer a client session talks to: it owns
// sessions, statement dispatch, transaction control, settings (GUCs),
// DDL and the catalog store, and hands queries to the planner and
// executor.
//
// # Statement flow
//
// The server calls Session.Parse (simple protocol) or Prepare (extended
// protocol), then Execute, which returns a Cursor. SELECT, DML and
// EXPLAIN are planned by package planner (the plan is cached in the
// Prepared statement and rebuilt only when the catalog changes) and run
// by package exec. Utility statements (DDL, SET, SHOW, BEGIN...) are
// executed here.
//
// # Transactions
//
// Outside BEGIN, each statement runs in its own implicit transaction,
// committed when the statement (or its cursor) finishes. BEGIN starts an
// explicit transaction whose snapshot is taken by its first statement, so
// SET TRANSACTION can still choose the isolation level. A failed statement
// aborts an explicit transaction (SQLSTATE 25P02 until ROLLBACK), exactly
// as in PostgreSQL; an implicit one is simply rolled back. READ COMMITTED
// takes a fresh snapshot per statement.
//
// A multi-statement simple-protocol string is one implicit transaction
// (the server brackets it with BeginImplicitBlock/EndImplicitBlock): a
// failure rolls back the statements before it, COMMIT inside it commits
// what ran so far, and BEGIN inside it adopts them, as in PostgreSQL.
//
// # Catalog
//
// Descriptors (schemas, tables, views, sequences, roles) are JSON values
// under keys.DescPrefix in the same MVCC key space as table data, so DDL
// is transactional and commits atomically with data. The engine caches
// the latest committed catalog as an immutable catalog.Snapshot; a
// transaction sees the snapshot current when it began, and one that runs
// DDL edits a private copy. Committing DDL swaps the cached snapshot under
// a lock that also orders transaction starts, so no transaction can see
// a catalog newer or older than its data snapshot.
//
// Sequences are non-transactional, as in PostgreSQL, with a persisted
// high-water mark so a crash skips values but never repeats them.
package sql
