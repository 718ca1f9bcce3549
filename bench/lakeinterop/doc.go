// Package lakeinterop checks the claim that makes lake tables a lakehouse:
// the Parquet files Conflux writes are ordinary Parquet that another
// engine reads with the same rows and types. Its test starts a Conflux
// server, fills a lake table covering every commonly used column type
// (NULLs included), and has DuckDB read the table's files straight from
// the server's data directory with read_parquet, comparing row by row with
// the same query over the wire.
//
// Values are compared in a canonical text form (Canon) rather than as Go
// values because the two drivers decode the same SQL type differently:
// pgx gives pgtype.Numeric and [16]byte where DuckDB gives Decimal and
// UUID. Canon is exported for the TPC-H runner, which checks that Conflux
// and DuckDB return the same answers before comparing their speed.
package lakeinterop
