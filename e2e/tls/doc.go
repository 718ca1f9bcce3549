// Package tls checks that TLS and pg_hba-style connection rules work for
// the clients people actually use: pgx, psql (libpq) and pgJDBC, each
// against the real conflux binary started with --tls-cert, --tls-key and
// --hba-file.
//
// Every test makes its own certificate authority and server certificate
// (server/tlstest), for 127.0.0.1 and localhost, so verify-full checks a
// real chain and host name, and a second CA stands in for a wrong
// sslrootcert. The rules used are hostssl-only, so a plain-text client
// must be refused with PostgreSQL's own FATAL 28000 wording.
//
// Whether a connection is encrypted is asked of the server: its
// pg_stat_ssl row (ssl, and for pgx the protocol version, cipher and key
// bits, checked against the client's own handshake) and SHOW ssl (on with
// a certificate, off without one), as well as of the client (pgx's
// *tls.Conn, psql's \conninfo).
package tls
