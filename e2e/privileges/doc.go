// Package privileges tests roles and GRANT/REVOKE over the wire, the same
// script against Conflux and a real PostgreSQL 15: every statement kind
// run by a role without the privilege must fail with 42501 and
// PostgreSQL's message, and change nothing; after GRANT it succeeds;
// after REVOKE it fails again, also through an already-prepared
// statement (privileges are checked at execution, not at PREPARE).
package privileges
