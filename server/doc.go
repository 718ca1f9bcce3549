// Package server speaks the PostgreSQL v3 wire protocol (as PostgreSQL 16
// does) on top of pgproto3 and drives a SQL session per connection.
//
// Design notes:
//
//   - The server is written against a small interface (Backend,
//     BackendSession, BackendCursor) rather than *sql.Engine directly, so
//     the protocol machinery can be tested with a fake backend while the
//     SQL layer evolves; FromEngine adapts the real engine. The interface
//     also carries the datum <-> wire codec, because text output depends on
//     session settings (DateStyle, TimeZone, ...).
//
//   - One goroutine per connection owns all of that connection's state
//     (prepared statements, portals, the session); nothing else touches it.
//     The only cross-goroutine paths are CancelRequest (which cancels the
//     context of the statement currently running, after checking the secret
//     key) and shutdown (which cancels statement contexts and sets a read
//     deadline to wake idle connections, which then say 57P01 and close).
//
//   - idle_in_transaction_session_timeout is a read deadline: it is armed
//     only when the last message sent was ReadyForQuery with status T or E
//     (PostgreSQL measures the same interval), and when it fires the
//     connection ends with FATAL 25P03; closing the session rolls the
//     transaction back and releases its row locks. A shutdown's wake-up
//     deadline is never overwritten by it.
//
//   - The BackendKeyData pid is the session's own pid when the backend has
//     one, so CancelRequest, pg_backend_pid(), pg_locks and
//     pg_stat_activity all name a connection the same way.
//
//   - Prepared statements and portals are owned here, not by the session:
//     their names are a protocol concept. A portal keeps its cursor (and its
//     statement context) across Execute messages, so max-rows suspension is
//     just "stop reading and come back later".
//
//   - Errors a client can cause never end the process. A malformed message
//     or protocol violation ends that connection with FATAL 08P01 (the
//     stream cannot be resynchronised); a panic while handling one message
//     is recovered, logged with its stack, reported as XX000 and the
//     connection goes on, as PostgreSQL's elog(ERROR) would.
//
//   - COPY FROM STDIN reads the client's CopyData messages lazily through an
//     io.Reader handed to the session, so back-pressure is natural and no
//     extra goroutine touches the connection.
//
//   - Output is buffered and flushed at ReadyForQuery, Flush, and every
//     flushThreshold bytes so a large result never sits entirely in memory.
//
// SCRAM-SHA-256 lives in the scram subpackage so the SQL layer can build
// stored verifiers for CREATE ROLE ... PASSWORD without importing this
// package.
package server
