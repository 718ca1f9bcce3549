// Package exec runs physical plans built by the planner.
//
// The planner hands over plain Physical nodes; exec implements
// planner.Factory and turns them into operators. Operators exchange
// batches of up to BatchSize rows of types.Datum (batch-at-a-time, so the
// per-row interface cost is amortised and cancellation is checked once
// per batch). Scalar expressions are compiled once per execution into
// closures, so evaluation does no type dispatch on the plan tree.
//
// The primary-key point lookup (SELECT ... WHERE pk = $1 and pk = ANY($1))
// is a dedicated operator: it encodes each key into a reused buffer, does
// one txn.Get per key and decodes only the columns the query reads.
//
// A prepared statement keeps its whole operator tree between executions
// (Reuse, reuse.go) when every operator resets its state in open and no
// expression has per-execution state (subqueries cache their result):
// scans, point lookups, VALUES, filters, projections, LIMIT, sorts, row
// locks and row-table INSERT/UPDATE/DELETE. A second run of the same plan
// while the first is open (two portals, nesting) builds a private tree.
// TPC-B's statements then skip plan construction and expression
// compilation entirely.
//
// Analytical chains run vectorized over Arrow record batches (package
// colexec): when the factory builds a full primary-key Seq Scan, and over
// it Filter, Project and HashAggregate nodes whose expressions and types
// colexec supports, it builds the colexec pipeline alongside the row
// operators (vec.go). The chain runs vectorized only if it has a filter
// or an aggregation (a bare scan would just convert rows to Arrow and
// back) and every column the row engine may read has a batch type; a
// small adapter (vecNode) turns its output back into row batches for the
// operator above. A hash join (inner, semi, anti) of two such chains on
// column equalities is vectorized too (vecHashJoin, always worth it: it
// keeps both inputs columnar) and continues the chain, so TPC-H's
// join -> aggregate plans stay in batches. Anything else (index scans,
// other joins, sorts, windows, unsupported types or expressions,
// EXPLAIN ANALYZE) runs row at a time.
// EXPLAIN marks vectorized nodes "(vectorized)"; Runtime.RowOnly turns
// the vectorized path off.
//
// Aggregate arguments that are expressions (sum(price * (1 - disc)))
// are computed by a colexec projection inserted under the aggregation.
// A chain whose numeric arithmetic may outgrow the batch representation
// (colexec.ErrFallback) runs vectorized only when an aggregation ends
// it: the aggregation reads everything in open, so on ErrFallback
// nothing has been returned and the row plan runs instead.
//
// Row locks follow PostgreSQL. UPDATE and DELETE lock each target row's
// primary key (exclusive, waiting) before writing it; INSERT locks the
// primary and unique keys before checking them (rowstore), so a
// concurrent uncommitted insert of the same key is waited for. LockRows
// (SELECT ... FOR UPDATE) locks by key per row and passes rows up one at
// a time, so a LIMIT above it stops locking exactly where it stops
// reading. When a lock reports a commit newer than the snapshot,
// REPEATABLE READ and SERIALIZABLE fail with 40001; READ COMMITTED
// re-reads the newest version, re-evaluates the WHERE clause the planner
// handed over (Recheck) and, if it still holds, works on that version
// (UPDATE applies SET to it, LockRows re-projects it); a row gone in its
// newest version is skipped. Plans with joins answer with
// *txn.RetryStatementError: the SQL layer re-runs the statement on a new
// snapshot. NOWAIT's 55P03 is re-worded with the relation's name, as
// PostgreSQL reports it.
//
// Lake tables (lakescan.go, lakedml.go). A Lake Scan runs a lake.Scanner
// with the plan's projection and pruning ranges (evaluated per execution,
// so parameters prune too). A goroutine reads ahead, decoding the next
// Parquet record while the pipeline works on the current one: safe
// because the scanner reads all transaction state when it starts and
// afterwards only immutable files. Its records enter colexec directly
// (NewRecordScan), so scan -> filter -> project -> hash aggregate over a
// lake table runs vectorized with no row conversion; the row path
// converts them with pqfile.AppendRows. INSERT hands its rows to one
// lake.Appender per statement (the whole insert runs at open, so the
// appender is always closed); UPDATE and DELETE pass the locators the
// scan put in lake_rowid to Table.Update/Delete. A row deleted in the
// snapshot is skipped. One changed after it is, at READ COMMITTED, a
// lake.RowChangedError carrying its newest version (an UPDATE links the
// old row to the new one): single-table UPDATE/DELETE re-check the WHERE
// clause on that version and write it (EvalPlanQual, as for row tables);
// with FROM/USING, and in MERGE, the error unwraps to a
// RetryStatementError and the statement restarts. REPEATABLE READ and
// SERIALIZABLE get 40001. as_of() scans read
// through a read-only transaction from txn.DB.BeginAsOf.
//
// Correlated subqueries and LATERAL joins re-run their sub-plan per
// outer row; the outer rows form a stack that OuterRef expressions index
// by depth. Uncorrelated subqueries run once per execution.
package exec
