// Package clients runs the ecosystem's real client libraries against
// Conflux: pgJDBC (Debian's libpostgresql-jdbc-java on the machine's JRE)
// and psycopg2 (Debian's python3-psycopg2). Each client program lives in
// testdata/ and prints what it read in a normalised text form; the Go
// test runs it against a real PostgreSQL 15 and against Conflux and
// requires the same output, so the oracle is PostgreSQL itself rather than
// a file someone wrote by hand. The programs also assert values they wrote
// and read back ("FAIL" lines), which catches a bug both systems would
// otherwise share, such as a driver-side conversion.
//
// When a client or the PostgreSQL server is missing the test skips and
// says which; .ci/run installs all of them so nothing skips in CI.
package clients
