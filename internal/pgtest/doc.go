// Package pgtest starts real database servers for tests: a throwaway
// PostgreSQL 15 cluster (the oracle for differential and corpus tests) and
// an in-process Conflux server on a loopback port.
//
// Design notes:
//
//   - Each StartPostgres call runs initdb into a fresh directory and starts
//     its own postmaster on a free loopback port, with fsync off and the
//     output settings pinned (TimeZone UTC, DateStyle ISO, lc_messages C):
//     tests compare text output, so nothing may depend on the host.
//   - PostgreSQL refuses to run as root, and CI runs as root. Then the
//     cluster belongs to an unprivileged account (postgres, else nobody):
//     its directory is made outside t.TempDir (whose parents are private to
//     root) and owned by that account, and the binaries run with that uid
//     through SysProcAttr.Credential, so no su/runuser is needed.
//   - Missing binaries skip the test with a message naming the binary; CI
//     installs them, so CI never skips.
package pgtest
