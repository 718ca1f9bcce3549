// Package txn provides transactions over the storage engine: snapshot
// reads, buffered writes, optimistic conflict detection and one durable
// batch per commit.
//
// # Design
//
// A transaction reads at a snapshot timestamp (the Manager's visible
// watermark when it began) and buffers its writes in a sorted in-memory
// map. Nothing is written to storage until Commit, so aborts cost nothing
// and a commit is a single Pebble batch covering every table, index and
// catalog key it touched: atomic by construction.
//
// Commit asks the Manager, under a mutex, to validate and timestamp the
// transaction (first committer wins: a key written by someone else after
// our snapshot aborts us with 40001), then writes the batch outside the
// mutex with fsync. Many commits can be in Pebble's commit pipeline at once
// and share one fsync (group commit). Because they may finish out of
// order, the Manager only advances the visible watermark past a timestamp
// once every lower one is applied; Commit returns after that, so a
// transaction begun afterwards always sees it, and no snapshot ever
// observes a gap.
//
// The Manager (manager.go) is a deterministic state machine with no I/O,
// locks or goroutines, in the style of etcd's raft core, so every
// interleaving can be driven step by step in tests.
//
// Recovery: each batch also merges its timestamp into a max-register in
// storage; Open reads it and continues the clock above it, so timestamps
// increase across restarts and no new version can collide with an old one.
//
// # Isolation levels
//
//   - REPEATABLE READ is snapshot isolation: one snapshot for the whole
//     transaction, write-write conflicts abort (as PostgreSQL's does, with
//     "could not serialize access due to concurrent update").
//   - READ COMMITTED calls Refresh before each statement. A buffered write
//     remembers the snapshot of the statement that first wrote the key and
//     is validated against that. PostgreSQL would instead block on the row
//     lock and re-evaluate the row (EvalPlanQual); without locks we report
//     40001, which the SQL layer can retry transparently for a single
//     statement whose results were not yet sent.
//   - SERIALIZABLE records the keys it reads (Get) and the spans it scans
//     (narrowed on Close to what was actually visited) and validates them
//     at commit: if anyone committed a write into its read set after its
//     snapshot, it aborts. That is backward-validating optimistic
//     concurrency control; it makes the commit order a serial order, so it
//     is serializable (stricter than PostgreSQL's SSI, which only aborts on
//     a dangerous structure of two rw-antidependencies). Full SSI would
//     keep committed transactions' read sets alongside the Manager's write
//     history and track in/out conflict flags per transaction; the read and
//     span recording here is the input it needs. Read-only transactions
//     never need validation: they read a prefix of the serial order.
//
// # Extensions this leaves room for
//
//   - SELECT FOR UPDATE: a lock is a key the transaction "writes" for
//     conflict purposes without a value; add it to the Prepare intents
//     (and skip it in the storage batch). Blocking waiters would need a lock
//     table in front of the Manager.
//   - Savepoints are an undo log over the write buffer (Savepoint is its
//     length); the SQL layer also uses one per statement for statement
//     atomicity.
//
// Old versions are never collected yet; the Manager's lowest live snapshot
// (pruneBelow) is the GC horizon a future sweeper would use.
package txn
