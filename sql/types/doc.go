// Package types is Conflux's SQL type system: the type descriptors (T), the
// value representation (Datum), and everything PostgreSQL attaches to a
// type — input/output functions in text and binary form, comparison and
// hashing, casts and the type-resolution rules the planner needs.
//
// The guiding rule is byte-for-byte fidelity with PostgreSQL 15, because
// clients (psql, pgx, JDBC, ORMs) and the sqllogictest corpus compare our
// output with PostgreSQL's literally. Where the code departs from the
// obvious Go idiom it is usually to mirror a PostgreSQL quirk: floats print
// with the shortest round-trip digits but switch to exponent form at
// PostgreSQL's thresholds, bool::text is 'true' while bool output is 't',
// intervals keep months, days and microseconds apart, and numeric values
// keep their display scale (1.50 is not printed as 1.5).
//
// Records may carry their column types and names (RecordOf): a
// set-returning function's record keeps its OUT column labels so that
// (expr).field can be bound wherever the value travels. int2vector and
// oidvector share the array Datum but print space-separated and are
// 0-based on the wire, as PostgreSQL's catalog columns are.
//
// Session-dependent behaviour (time zone, IntervalStyle, DateStyle, the
// transaction's "now") is passed explicitly through *Context so that the
// package holds no global mutable state; a nil *Context means UTC, ISO
// dates and the postgres interval style.
//
// Strings compare bytewise: Conflux runs with the C collation only.
// Compare and AppendHashKey agree with each other (equal values hash
// equally), which hash joins, GROUP BY and DISTINCT rely on.
package types
