// Package planner turns a parsed statement (pg_query's AST) into an
// executable plan, in the three classic steps:
//
//   - The binder resolves names (search_path, pg_catalog, aliases, scopes
//     for subqueries and LATERAL), infers types following PostgreSQL's
//     rules (unknown literals and $n parameters take their type from
//     context) and produces a tree of Logical* nodes whose scalar
//     expressions are typed and refer to columns by position.
//   - Small named rewrite rules (rules.go) fold constants, push filters
//     towards scans and pick access paths: a primary-key point lookup when
//     WHERE pins every key column, an index scan when it pins a prefix of
//     a secondary index, a full scan otherwise.
//   - Bind-time rewrites for analytical queries (bind_select.go, named
//     and tested one by one in testdata/decorrelate): a condition common
//     to every arm of an OR is factored out; an OR across tables also
//     yields a per-table filter; [NOT] EXISTS in WHERE becomes a hash semi
//     (anti) join; a scalar sum/avg/min/max subquery correlated by
//     equalities becomes a left join to the aggregate grouped by the
//     correlated columns; the FROM list is reordered only to avoid cross
//     products (each next table joins one already joined). Correlation is
//     tracked per nesting level, so a subquery whose own subquery reads
//     only its rows runs once.
//   - The physical planner maps the logical tree onto Physical* nodes.
//     They are plain data: EXPLAIN prints them and the executor builds its
//     operators from them through the Factory interface declared here, so
//     the planner never imports the executor (CockroachDB's exec.Factory).
//
// Lake tables (lake.go) are never read through the row store: a scan of
// one is a Lake Scan carrying the columns the plan reads and pruning
// ranges derived from its filter (col op const/param, BETWEEN, IN), with
// the filter kept above it; there are no index paths. The projection
// pushdown that feeds it (needed columns) passes through projections,
// filters, joins and aggregations. as_of('t', ts) in FROM (asof.go) is
// such a scan at a past timestamp. Lake tables have no unique
// constraints, so ON CONFLICT with an arbiter is 42P10 and row locking
// clauses are 0A000.
//
// DML plans carry the table's CHECK constraints bound over the new row
// (the executor evaluates them after defaults and assignment casts).
// Data-modifying WITH queries are planned once and run to completion
// before the main statement, which reads their RETURNING rows as work
// tables; unlike PostgreSQL, the main query therefore sees their effects.
//
// Row locking. SELECT ... FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE
// [OF ...] [NOWAIT | SKIP LOCKED] adds a LockRows node where PostgreSQL
// puts it: above scans, joins, filters and the sort, below LIMIT, so
// only returned rows are locked and `ORDER BY id LIMIT 1 FOR UPDATE SKIP
// LOCKED` yields the first row nobody holds. The locked tables' primary
// keys travel as junk columns (like ORDER BY's) and the final projection
// drops them. Views and subqueries in FROM are refused with 0A000 rather
// than left unlocked (PostgreSQL would lock their base tables); functions,
// VALUES and CTEs are ignored unless named in OF, virtual catalog
// relations always. For a single-table query LockRows also carries the
// WHERE clause and the projection over the table row, so READ COMMITTED
// can re-check a row committed after its snapshot on the newest version
// (EvalPlanQual); single-table UPDATE and DELETE carry their WHERE as
// Recheck for the same purpose. With joins (or UPDATE ... FROM, DELETE
// ... USING) the executor restarts the statement instead, a documented
// deviation from PostgreSQL's per-row re-check.
//
// Composite values. A multi-column set-returning function in a select
// list yields one record per row, typed with a labelled record type
// (types.RecordOf), so (expr).field and (expr).* resolve by label even
// through a subquery; selecting from a TupleExpr folds to the element, and
// anything else becomes an ordinary field-extracting call (bind_field.go),
// so the executor needs no node of its own for it.
//
// A Plan is immutable once built and depends only on the catalog version
// it was bound against: prepared statements Build once and Run many times
// with different parameters.
package planner
