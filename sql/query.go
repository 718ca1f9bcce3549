package sql

import (
	"context"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/exec"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// queryPrep is a planned statement (SELECT, DML, EXPLAIN) with the
// catalog it was planned against; it is re-planned when the catalog the
// executing transaction sees is a different version.
type queryPrep struct {
	ast         *pg_query.Node
	declared    []*types.T
	plan        *planner.Plan
	cat         *catalog.Snapshot
	paramTypes  []*types.T
	columns     []Column
	returnsRows bool
	// reuse keeps compiled point-lookup operators between executions of
	// this prepared statement (sessions run one statement at a time).
	reuse exec.Reuse
	// bulk marks COPY FROM's insert: its writes skip the row-lock table
	// (rowstore.Bulk).
	bulk bool
}

// planEnv is the planner's view of the session.
type planEnv struct {
	s        *Session
	cat      catalog.Reader
	declared []*types.T
}

func (e *planEnv) Catalog() catalog.Reader      { return e.cat }
func (e *planEnv) SearchPath() []string         { return e.s.searchPath() }
func (e *planEnv) ParamTypes() []*types.T       { return e.declared }
func (e *planEnv) Registry() *builtins.Registry { return e.s.e.registry }
func (e *planEnv) CurrentUser() string          { return e.s.currentUser() }

func (s *Session) planQuery(ctx context.Context, ast *pg_query.Node, declared []*types.T) (*queryPrep, error) {
	cat := s.catalog()
	plan, err := planner.Build(ctx, ast, &planEnv{s: s, cat: cat, declared: declared})
	if err != nil {
		return nil, err
	}
	q := &queryPrep{ast: ast, declared: declared, plan: plan, cat: cat, paramTypes: plan.ParamTypes, returnsRows: plan.ReturnsRows}
	for _, c := range plan.Columns {
		q.columns = append(q.columns, Column{Name: c.Name, Type: c.Type, TableOID: c.TableOID, ColumnNumber: c.AttNum})
	}
	return q, nil
}

// evalContext builds the builtins evaluation context for one statement.
func (s *Session) evalContext(ctx context.Context) *builtins.EvalContext {
	now := time.Now()
	txnTime := s.txnTime
	if txnTime.IsZero() {
		txnTime = now
	}
	return &builtins.EvalContext{Ctx: ctx, Types: s.typesContext(), TxnTime: txnTime, StmtTime: now,
		Session: sessionInfo{s}, Catalog: s.catalog()}
}

// runPlanned executes a planned statement in the open transaction.
func (s *Session) runPlanned(ctx context.Context, p *Prepared, params []types.Datum) (*Cursor, error) {
	q := p.query
	if q.cat != s.catalog() {
		// The catalog changed since planning: plan again. The client already
		// has the row description, so the shape must not change (PostgreSQL
		// reports the same error for a stale prepared statement).
		nq, err := s.planQuery(ctx, q.ast, q.declared)
		if err != nil {
			return nil, err
		}
		if !sameShape(q.columns, nq.columns) || len(nq.paramTypes) != len(q.paramTypes) {
			return nil, pgerr.New(pgerr.FeatureNotSupported, "cached plan must not change result type")
		}
		nq.bulk = q.bulk
		p.query, q = nq, nq
	}
	// Privileges are checked on every execution, cached plan or not.
	if err := s.checkPlan(q.plan); err != nil {
		return nil, err
	}
	ctx = withSession(ctx, s) // session-local system views (pg_cursors)
	res, err := exec.Run(ctx, q.plan, exec.Runtime{Txn: s.txn, Params: params, Eval: s.evalContext(ctx), Reuse: &q.reuse, Bulk: q.bulk, Lake: s.e.lake, DB: s.e.db})
	if err != nil {
		return nil, err
	}
	if q.returnsRows && q.plan.Tag == "SELECT" {
		return &Cursor{cursorState{iter: res, tagFn: q.plan.CommandTag}}, nil
	}
	// DML: run to completion now so errors surface before any row is sent.
	var rows []types.Row
	for {
		row, ok, err := res.Next(ctx)
		if err != nil {
			res.Close()
			return nil, err
		}
		if !ok {
			break
		}
		if q.returnsRows {
			rows = append(rows, row)
		}
	}
	res.Close()
	n := res.RowsAffected()
	tag := q.plan.CommandTag(n)
	if q.returnsRows {
		return rowsCursor(rows, func(int64) string { return tag }), nil
	}
	return tagCursor(tag), nil
}

// evalDefault evaluates a column's DEFAULT for existing rows (ALTER TABLE
// ADD COLUMN); nil when the column has none.
func (s *Session) evalDefault(ctx context.Context, c *catalog.Column) (types.Datum, error) {
	if c.Default == "" {
		return types.DNull, nil
	}
	st, err := s.Parse("SELECT (" + c.Default + ")::" + c.Type.SQLString())
	if err != nil {
		return nil, err
	}
	p, err := s.Prepare(ctx, st[0], nil)
	if err != nil {
		return nil, err
	}
	cur, err := s.runPlanned(ctx, p, nil)
	if err != nil {
		return nil, err
	}
	defer cur.Close()
	row, ok, err := cur.Next(ctx)
	if err != nil || !ok {
		return types.DNull, err
	}
	return row[0], nil
}

func sameShape(a, b []Column) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Type.Identical(b[i].Type) {
			return false
		}
	}
	return true
}
