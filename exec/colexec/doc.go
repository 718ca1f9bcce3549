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
// columns; text LIKE a pattern of literal text and % only (like.go);
// projections of columns, constants and + - * on two ints or two floats
// of one type (with PostgreSQL's 22003 range errors) or on
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
// Operands of a boolean expression are evaluated for whole batches (no
// per-row short circuit; an AND or OR stops once every row is decided);
// that is only sound because predicates here cannot fail. x [NOT] IN
// (constants) is one pass with a set lookup; with parameters or casts it
// is the OR of equalities it means. Arithmetic, which can fail, appears
// only in projections, where the row engine evaluates every expression
// of every row too; a subexpression repeated in one projection (Q1's
// price * (1 - discount)) is computed once per batch.
//
// Late materialization. A filter directly over a record scan converts
// only the columns its predicate reads for every row; the others are
// converted for the kept rows only, so a selective filter over a lake
// table skips most decimal and integer conversions.
//
// Joins. NewHashJoin is the row engine's hash join (inner, semi, anti on
// column equalities of one batch kind; floats stay in rows) over two
// pipelines, emitting batches in exactly the row engine's order: probe
// rows in order, each followed by its build rows in build order. The
// side to hash is chosen at run time -- the build side if it is small,
// else the probe side if that is (the matches are then collected and
// stably sorted by probe row, which restores the order) -- so a filtered
// orders joined with all of lineitem hashes orders whichever side the
// planner put it on. One integer key over a dense range indexes an array
// of chain heads instead of hashing; over a sparse range a bitmap of the
// keys present rejects most misses before the map. Semi and anti joins
// may carry an extra condition (NewHashJoinExtra, TPC-H Q21's
// l2.l_suppkey <> l1.l_suppkey): it is evaluated vectorized on batches
// of key-matching pairs, and a probe row is kept if any pair satisfies
// it (semi) or none does (anti); NULL does not satisfy.
package colexec
