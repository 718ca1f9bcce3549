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
// A failure inside BEGIN also undoes the work at once, as PostgreSQL's
// abort does: without a savepoint the transaction is rolled back (its row
// locks are released while the client still has to send ROLLBACK); with
// one, the work since the innermost savepoint is, and ROLLBACK TO SAVEPOINT
// resumes. Waiting transactions therefore never wait on an aborted one.
//
// # Row locks and statement restart
//
// Writes take row locks in package txn and may wait for them. The session
// passes its settings down before each statement (lock_timeout, its pid as
// the lock owner for pg_locks and deadlock reports) and before COMMIT
// (synchronous_commit; off is the only value that does not wait for
// fsync). A statement canceled while waiting (statement_timeout, a
// CancelRequest) reports 57014 with the reason taken from its context.
//
// At READ COMMITTED the executor re-checks a row that another transaction
// changed while the statement waited for its lock (EvalPlanQual). Where a
// write meets a newer version it did not re-check, txn returns a
// RetryStatementError; the session then rolls the statement back to a
// savepoint taken at its start, takes a new snapshot and runs it again, up
// to maxStatementRestarts times, but only while no row of it has reached
// the client (a streaming cursor restarts only before its first row).
// Otherwise the client gets the 40001. REPEATABLE READ and SERIALIZABLE
// never restart: the 40001 is the answer there.
//
// # Runtime views
//
// pg_locks, pg_stat_activity and conflux_gc_status show live state, not
// catalog: the engine wraps every system table's generator so its env
// also implements pgcatalog.RuntimeEnv (lock table, GC status, and a
// registry of sessions that each session updates at statement start and
// at ReadyForQuery). catalog.VirtualEnv stays catalog-only.
//
// A multi-statement simple-protocol string is one implicit transaction
// (the server brackets it with BeginImplicitBlock/EndImplicitBlock): a
// failure rolls back the statements before it, COMMIT inside it commits
// what ran so far, and BEGIN inside it adopts them, as in PostgreSQL.
//
// # Where things are
//
//   - cursors.go: DECLARE/FETCH/MOVE/CLOSE. A cursor's rows are
//     materialised at DECLARE, which gives PostgreSQL's visibility and
//     makes WITH HOLD free; Session.Cursors feeds pg_cursors.
//   - privileges.go: where catalog.HasPrivilege is enforced (every
//     execution of a plan, utility statements, sequence functions), GRANT,
//     REVOKE, SET ROLE, ownership changes, and the session side of
//     has_*_privilege and session_user.
//   - parsecache.go: the parser-free path for BEGIN/COMMIT/ROLLBACK and a
//     per-session LRU of parsed query strings (the cgo parser dominates
//     the cost of short statements).
//   - activity.go: the registry of live sessions behind pg_stat_activity
//     and pg_stat_ssl (SetSSL records the connection's TLS state), and the
//     env wrapper that hands system-table generators the engine's runtime
//     state and the querying session (pg_cursors), the latter through the
//     statement's context because the executor's env is catalog-only.
//   - sizes.go: pg_relation_size and friends, estimated from the key span
//     a table or index occupies in storage.
//   - lake.go, lakeddl.go, lakemaint.go, lakeviews.go, asof.go,
//     copy_sink.go, copy_parquet.go: lake tables (see below).
//   - settings.go: the GUCs. pgcatalog's preset build parameters
//     (max_index_keys, ...) are part of the list, so SHOW, SHOW ALL,
//     current_setting and pg_settings agree.
//
// # Lake tables
//
// The engine owns one lake.Store (Config.LakeURL, Config.Lake) and runs
// its maintenance loop for its lifetime; sessions build a lake.Table per
// statement. The SQL layer's part is the edges: CREATE TABLE ... WITH
// (format = 'lake') validates options and adds the hidden lake_rowid
// column (keys and indexes are refused: lake tables have no unique
// constraints, as in Delta Lake and Iceberg); ALTER TABLE is catalog-only
// because old files read missing columns as NULL by column id; TRUNCATE
// and DROP hand the work to the lake. COPY FROM feeds every format (text,
// csv, binary, parquet) into one copySink, which streams lake rows into a
// single Appender so a large load writes files with bounded memory.
// VACUUM, VACUUM FULL and OPTIMIZE (rewritten onto VACUUM by sql/parser)
// run lake maintenance outside any transaction block and relay progress as
// NOTICEs. SET conflux.as_of makes every transaction a read-only
// txn.DB.BeginAsOf at that time. The conflux_lake_* views read through the
// querying session's transaction (pgcatalog.LakeState), so they
// time-travel with it.
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
