// Package pgbench runs PostgreSQL's own pgbench, unmodified, against
// Conflux: initialisation (`pgbench -i`: CREATE TABLE ... WITH
// (fillfactor), COPY, ALTER TABLE ADD PRIMARY KEY, VACUUM, TRUNCATE) and
// the built-in TPC-B, select-only (-S) and simple-update (-N) scripts in
// each query mode (-M simple, extended, prepared), with several clients so
// that row locks are contended. After the runs the money must add up:
// every transaction moved the same delta into an account, a teller, a
// branch and the history table, so the sums agree exactly. Throughput is
// measured in bench/cmd/tpcb, not here.
package pgbench
