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
//   - TLS is negotiated before the StartupMessage: SSLRequest gets 'S' and
//     a crypto/tls handshake when Config.TLS is set ('N' otherwise), and a
//     first byte of 0x16 is PostgreSQL 17's direct TLS (sslnegotiation=
//     direct), accepted only with the "postgresql" ALPN name, as PostgreSQL
//     insists. GSSENCRequest is always declined. Plain-text bytes pipelined
//     behind an SSLRequest are refused (08P01) rather than dropped or
//     trusted (CVE-2021-23214). The raw socket stays in conn.nc for
//     deadlines (tls.Conn delegates them); the codec reads the TLS stream.
//     The floor is TLS 1.2; Go's default suites are all AEAD with forward
//     secrecy, so there is no cipher list to get wrong.
//
//   - Who may connect and how they authenticate is decided once the
//     StartupMessage names the user and database: with Config.HBA the
//     first matching pg_hba.conf-style rule (server/hba) picks trust,
//     scram-sha-256, password (cleartext, checked against the SCRAM
//     verifier) or reject; without it Config.Auth applies to everyone.
//     Refusals use PostgreSQL's FATAL 28000 wording ("no pg_hba.conf
//     entry for host ..., SSL encryption|no encryption"), which clients
//     and operators already recognise. TLSRequired refuses plain TCP the
//     same way, before any rule.
//
//   - Passwords and SCRAM messages are never logged: logs name the user,
//     database, address and outcome only (a test captures debug logs of a
//     full login and CREATE/ALTER ROLE ... PASSWORD run and checks).
//
// SCRAM-SHA-256 lives in the scram subpackage so the SQL layer can build
// stored verifiers for CREATE ROLE ... PASSWORD without importing this
// package. Test certificates come from the tlstest subpackage.
package server
