// Package locking tests row locks, waiting and the transaction error
// states over the wire with pgx: deadlock detection, lock_timeout,
// NOWAIT, SKIP LOCKED, SELECT FOR UPDATE, statement_timeout and
// CancelRequest while waiting, savepoints releasing locks, the aborted
// transaction state, idle_in_transaction_session_timeout, READ COMMITTED
// re-checks versus REPEATABLE READ failures, and unique-key waits.
//
// Design notes:
//
//   - Every scenario runs against an in-process Conflux and, when its
//     binaries are installed, a real PostgreSQL 15 started by
//     internal/pgtest, asserting the same SQLSTATEs and outcomes: the
//     expectations are checked against PostgreSQL, not remembered.
//   - "Blocks" is observed, not assumed: a statement runs on its own
//     goroutine and must still be running after a short grace period, then
//     finish once the other transaction ends. Which of two deadlocked
//     transactions PostgreSQL aborts depends on deadlock_timeout timing, so
//     the deadlock test asserts that exactly one fails with 40P01 and the
//     other proceeds.
//   - Each scenario creates its own table, so scenarios share one server.
package locking
