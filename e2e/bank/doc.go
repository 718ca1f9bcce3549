// Package bank holds the transaction durability tests: the bank
// invariant under concurrent cross-table transfers, the same workload
// with the server killed by SIGKILL and restarted, and a probe for
// partially visible transactions.
//
// Design notes:
//
//   - Money moves between accounts in three tables, and every transfer
//     also inserts a row into a log table keyed by a client-generated id.
//     The sum over all accounts never changes, so any reader that sees a
//     different sum has seen part of a transaction (or a lost update).
//   - The log makes the crash test precise. Clients record each transfer
//     id as acknowledged (COMMIT returned OK), rolled back (an error came
//     back before or at COMMIT, or COMMIT was never sent) or in doubt
//     (the connection died while COMMIT was in flight). After the last
//     restart every acknowledged id must be in the log, no rolled-back id
//     may be, and replaying the log from the initial balances must give
//     exactly the balances on disk: each surviving transfer is all or
//     nothing, whichever way its in-doubt COMMIT went.
//   - Clients retry 40001 and 40P01 (write conflicts above READ
//     COMMITTED, SSI aborts, deadlocks) with a fresh transfer id (the
//     failed id stays "rolled back").
//   - Every test also runs on lake tables (the *Lake tests): all four
//     tables lake, and a mix where the accounts are row, lake, row and
//     the log is lake; the paired probe runs lake+row and lake+lake.
//     Lake tables have no primary key, so keys there are only NOT NULL
//     and verify checks that no account or transfer id appears twice.
//     The lake runs are shorter, to keep the package near three minutes.
//   - SIGKILL loses the process, not the OS page cache, so the crash test
//     proves atomicity and that acknowledged commits reached the WAL
//     before the ack; it cannot tell an fsync from a plain write. Power
//     loss needs a fault-injecting filesystem and is out of scope here.
//   - Workers stop between operations rather than by cancelling a
//     context, since cancelling mid-statement closes the connection and
//     would turn a clean outcome into an in-doubt one.
package bank
