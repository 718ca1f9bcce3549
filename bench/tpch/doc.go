// Package tpch is TPC-H for Conflux: the schema, a data generator and the
// 22 queries, shared by the CI correctness test (this package's test,
// PostgreSQL as the oracle) and the SF1 benchmark (bench/cmd/tpch).
//
// The generator follows the specification's clause 4.2.3 (cardinalities,
// key formulas, value ranges, the sparse order keys, the derived columns
// o_totalprice, o_orderstatus, l_returnflag and l_linestatus, the
// "Customer ... Complaints" supplier comments) and its text grammar, with
// the word lists of go-tpc's dbgen port (package dist). It does not
// reproduce dbgen's random streams bit for bit, so answers differ from the
// specification's reference answers; correctness is checked against
// PostgreSQL running the same queries over the same generated data
// instead. Any scale factor works (SF 0.01 for CI), and the same scale
// factor always yields the same rows: every table draws from its own
// PCG stream with a fixed seed, so tables can be generated independently
// and in parallel.
//
// Rows are written in COPY text format (tab-separated), ready for
// COPY ... FROM STDIN on either system. Queries use the specification's
// validation substitution parameters, in PostgreSQL dialect.
package tpch
