// Package txn provides transactions over the storage engine: snapshot
// reads, buffered writes, row locks with waiting, and one durable batch
// per commit.
//
// # Design
//
// A transaction reads at a snapshot timestamp (the Manager's visible
// watermark when it began) and buffers its writes in a sorted in-memory
// map. Nothing is written to storage until Commit, so aborts cost nothing
// and a commit is a single Pebble batch covering every table, index and
// catalog key it touched: atomic by construction.
//
// Every write first takes an exclusive row lock on its key (see Row
// locks), so write-write conflicts are settled when the write happens,
// as in PostgreSQL, not at COMMIT. Commit still asks the Manager, under a
// mutex, to validate and timestamp the transaction (the Manager's
// first-committer-wins check remains as a backstop, and SERIALIZABLE
// validation happens there), then writes the batch outside the mutex with
// fsync. Many commits can be in Pebble's commit pipeline at once and share
// one fsync (group commit); SetSynchronousCommit(false) skips the fsync
// (a crash may lose the last commits, never tear one). Because commits may
// finish out of order, the Manager only advances the visible watermark
// past a timestamp once every lower one is applied; Commit returns after
// that, so a transaction begun afterwards always sees it, and no snapshot
// ever observes a gap. The batch is built from views of the buffer's keys
// (never copied) and the buffer is dropped before the write, so a large
// transaction is not held in memory twice over.
//
// The Manager (manager.go) and the lock table (locktable.go) are
// deterministic state machines with no I/O, locks or goroutines, in the
// style of etcd's raft core, so every interleaving can be driven step by
// step in tests (testdata/locktable).
//
// Recovery: each batch also merges its timestamp into a max-register in
// storage; Open reads it and continues the clock above it, so timestamps
// increase across restarts and no new version can collide with an old one.
//
// # Row locks
//
// Lock takes a shared (FOR SHARE, FOR KEY SHARE) or exclusive (FOR
// UPDATE, FOR NO KEY UPDATE, every Put and Delete) lock on a key. A key
// has one exclusive holder or any number of shared ones, and a FIFO queue
// of waiters (a shared request queues behind a waiting exclusive one, so
// writers do not starve); a shared holder upgrading to exclusive waits
// ahead of the queue for the other shared holders to leave. Requests
// block until granted, the context ends (statement_timeout, cancel), the
// lock timeout passes (55P03), or they would close a deadlock; NOWAIT
// fails at once (55P03) and SKIP LOCKED reports LockSkipped.
//
// Once the lock is held, Lock reports LockedNewer if the key has a commit
// newer than the snapshot. READ COMMITTED callers then re-read the latest
// version (GetLatest) and re-check it, PostgreSQL's EvalPlanQual, and may
// write on top of it; REPEATABLE READ and SERIALIZABLE fail with 40001
// "could not serialize access due to concurrent update" unless the write
// does not depend on the old version (an insert whose conflicting row was
// deleted). A Put that was not preceded by such a Lock fails when the key
// is newer, at READ COMMITTED as a RetryStatementError the SQL layer
// answers by re-running the statement on a new snapshot
// (RollbackToKeepLocks keeps the locks it already won, so the retry makes
// progress). The check does not ask the Manager (whose mutex every commit
// takes): every commit of a key holds the key's exclusive lock, so the
// committer records its timestamp in the lock table's shard before
// releasing, and the next transaction to lock the key reads it in the same
// critical section that grants the lock. Records are dropped once below
// the pruning horizon, which no snapshot predates. Bulk writes that skip
// row locks (bulk.go) are not recorded; while such a commit is newer than
// what the record answers, the Manager is asked instead. The answer stays true
// while the lock is held (nobody else can commit the key), so re-checks
// after a new READ COMMITTED snapshot touch no shared state at all.
//
// Deadlocks are detected when a wait starts, on the waits-for graph
// (holders and conflicting requests queued ahead): the transaction whose
// wait would close a cycle gets 40P01 and the others proceed once it
// rolls back, so a deadlock costs exactly one victim and no timer
// (PostgreSQL waits deadlock_timeout first; a check per wait is cheap
// here because it only reads the waiting transactions).
//
// Locks are released when the transaction ends: at Rollback, or at Commit
// only after the commit is applied and visible. Releasing earlier would
// let a waiter lock the row, find no newer commit and build on a version
// its snapshot (or GetLatest) cannot yet see: a lost update. RollbackTo a
// savepoint releases the locks first taken after it and undoes later
// upgrades, as PostgreSQL releases an aborted subtransaction's row locks.
//
// The table is sharded by key hash, each shard behind its own mutex; an
// uncontended lock is one short critical section with a map insert and a
// map lookup (the commit record), and a transaction keeps the keys it
// holds, so re-locking one touches no shared state at all. Deadlock detection reads across shards (one at a
// time, under a detector mutex) only when a wait actually starts.
// DB.Locks lists held and awaited locks for pg_locks.
//
// # Isolation levels
//
//   - READ COMMITTED calls Refresh before each statement. Writers wait for
//     each other's row locks; after a wait for a transaction that
//     committed, the row is re-checked at its latest version (above), so
//     concurrent updates of one row serialise instead of failing.
//   - REPEATABLE READ is snapshot isolation: one snapshot for the whole
//     transaction. The second writer of a row waits for the first; if the
//     first commits it fails with 40001, if it rolls back it proceeds.
//   - SERIALIZABLE is serializable snapshot isolation (ssi.go): it records
//     the keys it reads and the ranges it scans. It aborts with 40001 only
//     on a dangerous structure of two read/write conflicts whose last
//     writer committed first, as PostgreSQL's SSI does — when it writes a
//     key a committed concurrent reader read (checked at the write, so the
//     error comes at the statement as in PostgreSQL) and at commit. A
//     read-only transaction can abort too (the read-only anomaly). It runs
//     on the same row locks as REPEATABLE READ.
//
// # Extensions this leaves room for
//
//   - Savepoints are an undo log over the write buffer plus the length of
//     the held-lock list (Savepoint records both); the SQL layer also uses
//     one per statement for statement atomicity.
//   - Table-level locks (LOCK TABLE) and advisory locks would be more keys
//     in the same lock table, in a keyspace of their own.
//   - PostgreSQL's four row-lock modes collapse to two; FOR KEY SHARE not
//     blocking FOR NO KEY UPDATE (foreign-key checks vs non-key updates)
//     would need the full conflict matrix in compatible.
//   - A transaction larger than memory would spill its write buffer to a
//     temporary Pebble batch instead of the in-memory tree.
//
// # Garbage collection
//
// Old versions are collected in the background (gc.go, storage/gc.go):
// GCHorizon is the oldest snapshot any live or future transaction reads at
// (the Manager's pruning horizon); for each key the sweeper keeps the
// newest version at or below it and everything newer, and deletes the
// rest. DB.GCStatus feeds the conflux_gc_status system view. Lake
// metadata keys (keys.LakePrefix) have a horizon of their own, at most
// now minus the lake retention period, so their history stays readable.
//
// # Timestamps and time travel (asof.go)
//
// Commit timestamps are hybrid-logical-clock values in microseconds since
// the Unix epoch, so a wall-clock time names a snapshot. BeginAsOf opens a
// read-only transaction at a past timestamp; it pins the GC like any
// snapshot, and ScanVersions lists the retained versions of a key range
// (lake tables' snapshot history).
package txn
