// Package colexec is Conflux's vectorized executor: operators exchange
// Arrow record batches (arrow-go) instead of rows of types.Datum, so
// filters, projections and aggregations run as tight loops over typed
// slices and validity bitmaps with no per-value interface dispatch.
//
// Batches. A scan fills one Arrow builder per column and cuts a batch
// every BatchSize (1024) rows, the same granularity as the row engine's
// batches, so cancellation is still checked once per batch. Every batch
// is owned by its receiver, who Releases it; projections share input
// columns zero-copy (Retain). Buffers come from the allocator the caller
// passes (exec uses memory.DefaultAllocator).
//
// Type mapping (SQL type -> Arrow array):
//
//	bool                    Boolean
//	int2, int4, int8        Int64 (widened; the SQL type, kept beside the
//	                        schema, says the width for overflow checks)
//	float4, float8          Float64 (float4 values are float32-rounded already)
//	text, varchar, bpchar   String
//	date                    Date32 (±infinity stay MinInt32/MaxInt32)
//	timestamp, timestamptz  Timestamp(µs), the latter with zone "UTC"
//	numeric(p,s), p <= 18   Int64 scaled by 10^s; NaN is MaxInt64, which
//	                        no finite value reaches, sorts above all
//	                        numbers and equals itself, as in PostgreSQL
//	anything else           no mapping: Null array placeholder at most
//
// Comparisons use one int64 "key" per fixed-width kind (floats map -0 to
// 0 and every NaN to the largest key, PostgreSQL's float order) or Go
// string order (as types.Compare), and evaluate to a tri-state byte per
// row so AND/OR/NOT follow SQL's three-valued logic exactly.
//
// Sources. A pipeline starts at a row-store scan (NewScan: rows decoded
// into builders) or at a RecordSource (NewRecordScan), data that already
// is Arrow: a lake table's Parquet row groups. Record columns whose type
// is the batch representation are shared zero-copy; int2/int4 and
// float4 are widened, Decimal128 becomes the scaled Int64 (ConvertArray).
//
// Fallback rule. The constructors (NewFilter, NewProject, NewHashAgg)
// answer ok=false unless every expression is one they reproduce exactly:
// comparisons between a column and a constant, parameter, cast of those,
// or another column of the same type; AND/OR/NOT; IS [NOT] NULL; boolean
// columns; projections of columns, constants and + - * on two ints or
// two floats of one type (with PostgreSQL's 22003 range errors) or on
// numerics held as scaled integers (numeric.go: exact, but a result of
// 10^18 or more fails with ErrFallback, so exec runs such a chain only
// under an aggregation and reruns it in rows when that happens); hash
// aggregation grouped by columns with count(*), count, sum and avg on
// ints, floats and numeric(p<=18) (sum(int8), avg(int) and sum/avg of
// numeric go through a 128-bit accumulator of the (scaled) integers and
// the builtin numeric division, so results are bit-identical: every
// numeric value of a column has the column's scale, so the row engine's
// apd sum is the coefficient sum at that scale) and min/max on every
// supported type. Aggregates with DISTINCT, FILTER or ORDER BY are not
// vectorized. Aggregation ends a pipeline: it returns rows
// (RowOperator), since its result types need not fit a batch. Package
// exec decides where pipelines start and end and keeps the row engine
// everywhere else.
//
// Operands of a boolean expression are all evaluated (no short
// circuit); that is only sound because predicates here cannot fail.
// Arithmetic, which can, appears only in projections, where the row
// engine evaluates every expression of every row too.
package colexec
