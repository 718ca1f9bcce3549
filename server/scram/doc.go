// Package scram implements the server side of SCRAM-SHA-256 (RFC 5802,
// RFC 7677) the way PostgreSQL does, and the stored verifier format it
// keeps in pg_authid.rolpassword.
//
// It lives apart from package server so that the SQL layer (CREATE ROLE
// ... PASSWORD) can build verifiers without importing the wire server,
// which itself depends on the SQL layer.
//
// Only the verifier is ever stored: a stolen catalog does not reveal the
// password, and the exchange proves knowledge of the password without
// sending it. The pg_hba "password" method (cleartext over, normally,
// TLS) is checked against the same verifier (Verifier.CheckPassword), so
// one stored secret serves both. Channel binding (SCRAM-SHA-256-PLUS) needs TLS and is not
// offered. Passwords are not SASLprep-normalised; for ASCII passwords
// this is identical to PostgreSQL, and PostgreSQL itself falls back to
// the raw bytes whenever normalisation fails.
package scram
