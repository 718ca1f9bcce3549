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
// Whether a connection is encrypted is asked of the server
// (pg_stat_ssl.ssl for the backend's pid) when it reports a row for the
// connection, and otherwise taken from the client's own view (pgx's
// *tls.Conn, psql's \conninfo); verify-full can never fall back to plain
// text, which pins down the rest.
package tls
