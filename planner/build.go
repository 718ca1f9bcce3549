package planner

import (
	"context"
	"fmt"
	"runtime/debug"
	"strconv"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// ResultColumn describes one output column (RowDescription).
type ResultColumn struct {
	Name     string
	Type     *types.T
	TableOID uint32
	AttNum   int16
}

// Plan is a bound, optimized, executable statement.
type Plan struct {
	Root       Physical
	Columns    []ResultColumn
	ParamTypes []*types.T
	// ReturnsRows is false for INSERT/UPDATE/DELETE without RETURNING.
	ReturnsRows bool
	// Tag is the command tag's verb: SELECT, INSERT, UPDATE, DELETE, EXPLAIN.
	Tag string
	// Explain/Analyze mark EXPLAIN [ANALYZE] of Root.
	Explain, Analyze bool
	// Privileges lists what the statement needs on each relation it
	// touches; the caller checks them before every execution.
	Privileges []RequiredPrivilege
}

// CommandTag formats the tag for a statement that affected rows rows.
func (p *Plan) CommandTag(rows int64) string {
	switch p.Tag {
	case "INSERT":
		return "INSERT 0 " + strconv.FormatInt(rows, 10)
	case "EXPLAIN":
		return "EXPLAIN"
	}
	return p.Tag + " " + strconv.FormatInt(rows, 10)
}

// Explain returns the EXPLAIN text of the plan (without ANALYZE figures).
func (p *Plan) ExplainText() []string { return ExplainLines(p.Root, nil) }

// Build binds and plans one statement (the Stmt of a RawStmt).
func Build(ctx context.Context, stmt *pg_query.Node, env Env) (p *Plan, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, pgerr.New(pgerr.InternalError, "planner: internal error: %v", r).WithDetail("%s", debug.Stack())
		}
	}()
	if stmt == nil || stmt.Node == nil {
		return nil, pgerr.New(pgerr.SyntaxError, "empty statement")
	}
	if raw := stmt.GetRawStmt(); raw != nil {
		stmt = raw.Stmt
	}
	b := newBinder(ctx, env)
	plan := &Plan{}
	if ex := stmt.GetExplainStmt(); ex != nil {
		for _, o := range ex.Options {
			de := o.GetDefElem()
			switch de.Defname {
			case "analyze":
				plan.Analyze = defBool(de)
			case "verbose", "costs", "buffers", "timing", "summary", "settings", "wal":
			case "format":
				if s := de.Arg.GetString_(); s != nil && s.Sval != "text" {
					return nil, pgerr.Unsupported("EXPLAIN format " + s.Sval)
				}
			default:
				return nil, pgerr.New(pgerr.SyntaxError, "unrecognized EXPLAIN option \"%s\"", de.Defname)
			}
		}
		plan.Explain = true
		stmt = ex.Query
	}
	var l Logical
	var names []string
	switch x := stmt.Node.(type) {
	case *pg_query.Node_SelectStmt:
		res, err := b.bindSelect(x.SelectStmt, nil)
		if err != nil {
			return nil, err
		}
		l, names, plan.Tag, plan.ReturnsRows = res.plan, res.names, "SELECT", true
	case *pg_query.Node_InsertStmt:
		if l, names, err = b.bindInsert(x.InsertStmt); err != nil {
			return nil, err
		}
		plan.Tag, plan.ReturnsRows = "INSERT", len(x.InsertStmt.ReturningList) > 0
	case *pg_query.Node_UpdateStmt:
		if l, names, err = b.bindUpdate(x.UpdateStmt); err != nil {
			return nil, err
		}
		plan.Tag, plan.ReturnsRows = "UPDATE", len(x.UpdateStmt.ReturningList) > 0
	case *pg_query.Node_DeleteStmt:
		if l, names, err = b.bindDelete(x.DeleteStmt); err != nil {
			return nil, err
		}
		plan.Tag, plan.ReturnsRows = "DELETE", len(x.DeleteStmt.ReturningList) > 0
	case *pg_query.Node_MergeStmt:
		if l, err = b.bindMerge(x.MergeStmt); err != nil {
			return nil, err
		}
		plan.Tag = "MERGE"
	default:
		return nil, pgerr.Unsupported("statement " + nodeName(stmt))
	}
	if len(b.dmlCTEs) > 0 {
		l = &LogicalWithDML{CTEs: b.dmlCTEs, Input: l}
	}
	root, err := b.physicalize(l)
	if err != nil {
		return nil, err
	}
	plan.Root = root
	plan.Privileges = b.privs
	for i := range b.params {
		if b.params[i] == nil || b.params[i].Family == types.UnknownFamily {
			b.params[i] = types.Text
		}
	}
	plan.ParamTypes = b.params
	if plan.ReturnsRows {
		for i, c := range l.Cols() {
			name := c.Name
			if i < len(names) {
				name = names[i]
			}
			plan.Columns = append(plan.Columns, ResultColumn{Name: name, Type: c.Typ, TableOID: uint32(c.TableID), AttNum: c.AttNum})
		}
	}
	if plan.Explain {
		plan.Columns = []ResultColumn{{Name: "QUERY PLAN", Type: types.Text}}
		plan.ReturnsRows = true
	}
	return plan, nil
}

func defBool(de *pg_query.DefElem) bool {
	if de.Arg == nil {
		return true
	}
	if s := de.Arg.GetString_(); s != nil {
		return s.Sval == "true" || s.Sval == "on" || s.Sval == "1"
	}
	if c := de.Arg.GetAConst(); c != nil {
		if bv, ok := c.Val.(*pg_query.A_Const_Boolval); ok {
			return bv.Boolval.Boolval
		}
		if iv, ok := c.Val.(*pg_query.A_Const_Ival); ok {
			return iv.Ival.Ival != 0
		}
	}
	return true
}

// physicalize applies the rewrite rules and maps a logical tree onto
// physical operators.
func (b *binder) physicalize(l Logical) (Physical, error) {
	return b.phys(l, nil)
}

// phys converts l; needed (when non-nil) lists the output columns the
// parent reads, so scans can skip decoding the rest.
func (b *binder) phys(l Logical, needed []bool) (Physical, error) {
	switch n := l.(type) {
	case *LogicalScan:
		s := *n
		for i := range s.Filter {
			s.Filter[i] = foldConstants(s.Filter[i])
		}
		if needed != nil {
			needed = append([]bool(nil), needed...)
			for _, f := range s.Filter {
				markCols(f, needed)
			}
		}
		if s.Table.IsLake() {
			return planLakeScan(&s, needed), nil
		}
		return chooseAccessPath(&s, needed), nil
	case *LogicalVirtualScan:
		return &PhysicalVirtualScan{VT: n.VT, cols: n.cols}, nil
	case *LogicalValues:
		rows := make([][]Expr, len(n.Rows))
		for i, r := range n.Rows {
			rows[i] = make([]Expr, len(r))
			for j, e := range r {
				rows[i][j] = foldConstants(e)
			}
		}
		return &PhysicalValues{Rows: rows, cols: n.cols}, nil
	case *LogicalFilter:
		pred := foldConstants(n.Pred)
		pushed := pushFilter(&LogicalFilter{Input: n.Input, Pred: pred})
		if f, ok := pushed.(*LogicalFilter); ok {
			var childNeeded []bool
			if needed != nil {
				childNeeded = append([]bool(nil), needed...)
				markCols(f.Pred, childNeeded)
			}
			in, err := b.phys(f.Input, childNeeded)
			if err != nil {
				return nil, err
			}
			return &PhysicalFilter{Input: in, Pred: f.Pred}, nil
		}
		return b.phys(pushed, needed)
	case *LogicalProject:
		exprs := make([]Expr, len(n.Exprs))
		childNeeded := make([]bool, len(n.Input.Cols()))
		for i, e := range n.Exprs {
			exprs[i] = pruneProjectOutput(foldConstants(e), i, needed)
			markCols(exprs[i], childNeeded)
		}
		in, err := b.phys(n.Input, childNeeded)
		if err != nil {
			return nil, err
		}
		return &PhysicalProject{Input: in, Exprs: exprs, cols: n.cols}, nil
	case *LogicalJoin:
		leftNeeded, rightNeeded := joinNeeded(n, needed)
		left, err := b.phys(n.Left, leftNeeded)
		if err != nil {
			return nil, err
		}
		right, err := b.phys(n.Right, rightNeeded)
		if err != nil {
			return nil, err
		}
		on := foldConstants(n.On)
		if !n.Lateral && on != nil {
			lk, rk, rest := extractHashKeys(on, len(n.Left.Cols()))
			if len(lk) > 0 {
				return &PhysicalHashJoin{Kind: n.Kind, Left: left, Right: right, LeftKeys: lk, RightKeys: rk, Extra: rest}, nil
			}
		}
		return &PhysicalNestedLoopJoin{Kind: n.Kind, Left: left, Right: right, On: on, Lateral: n.Lateral}, nil
	case *LogicalAggregate:
		in, err := b.phys(n.Input, aggNeeded(n))
		if err != nil {
			return nil, err
		}
		return &PhysicalHashAgg{Input: in, GroupBy: n.GroupBy, Aggs: n.Aggs, cols: n.cols}, nil
	case *LogicalWindow:
		in, err := b.phys(n.Input, nil)
		if err != nil {
			return nil, err
		}
		return &PhysicalWindow{Input: in, Calls: n.Calls, cols: n.cols}, nil
	case *LogicalSort:
		if needed != nil {
			needed = append([]bool(nil), needed...)
			for _, k := range n.Keys {
				markCols(k.Expr, needed)
			}
		}
		in, err := b.phys(n.Input, needed)
		if err != nil {
			return nil, err
		}
		return &PhysicalSort{Input: in, Keys: n.Keys}, nil
	case *LogicalLockRows:
		in, err := b.phys(n.Input, nil)
		if err != nil {
			return nil, err
		}
		return &PhysicalLockRows{Input: in, Targets: n.Targets, EPQ: n.EPQ, Recheck: foldConstants(n.Recheck), Reproject: n.Reproject}, nil
	case *LogicalLimit:
		in, err := b.phys(n.Input, needed)
		if err != nil {
			return nil, err
		}
		return &PhysicalLimit{Input: in, Limit: foldConstants(n.Limit), Offset: foldConstants(n.Offset)}, nil
	case *LogicalDistinct:
		in, err := b.phys(n.Input, nil)
		if err != nil {
			return nil, err
		}
		return &PhysicalDistinct{Input: in, On: n.On}, nil
	case *LogicalSetOp:
		left, err := b.phys(n.Left, nil)
		if err != nil {
			return nil, err
		}
		right, err := b.phys(n.Right, nil)
		if err != nil {
			return nil, err
		}
		return &PhysicalSetOp{Kind: n.Kind, All: n.All, Left: left, Right: right, cols: n.cols}, nil
	case *LogicalProjectSet:
		in, err := b.phys(n.Input, nil)
		if err != nil {
			return nil, err
		}
		return &PhysicalProjectSet{Input: in, SRFs: n.SRFs, Ordinality: n.Ordinality, cols: n.cols}, nil
	case *LogicalRecursiveCTE:
		init, err := b.phys(n.Init, nil)
		if err != nil {
			return nil, err
		}
		rec, err := b.phys(n.Recursive, nil)
		if err != nil {
			return nil, err
		}
		return &PhysicalRecursiveCTE{ID: n.ID, Init: init, Recursive: rec, UnionAll: n.UnionAll, cols: n.cols}, nil
	case *LogicalWorkTable:
		return &PhysicalWorkTable{ID: n.ID, cols: n.cols}, nil
	case *LogicalWithDML:
		out := &PhysicalWithDML{}
		for _, c := range n.CTEs {
			p, err := b.phys(c.Plan, nil)
			if err != nil {
				return nil, err
			}
			out.IDs, out.CTEs = append(out.IDs, c.ID), append(out.CTEs, p)
		}
		in, err := b.phys(n.Input, needed)
		if err != nil {
			return nil, err
		}
		out.Input = in
		return out, nil
	case *LogicalInsert:
		in, err := b.phys(n.Input, nil)
		if err != nil {
			return nil, err
		}
		return &PhysicalInsert{Table: n.Table, Input: in, OnConflict: n.OnConflict, Returning: n.Returning, Checks: n.Checks, cols: n.cols}, nil
	case *LogicalUpdate:
		in, err := b.phys(n.Input, nil)
		if err != nil {
			return nil, err
		}
		return &PhysicalUpdate{Table: n.Table, Input: in, Set: n.Set, Returning: n.Returning, Checks: n.Checks,
			EPQ: n.EPQ, Recheck: foldConstants(n.Recheck), cols: n.cols}, nil
	case *LogicalMerge:
		return b.physMerge(n)
	case *LogicalDelete:
		in, err := b.phys(n.Input, nil)
		if err != nil {
			return nil, err
		}
		return &PhysicalDelete{Table: n.Table, Input: in, Returning: n.Returning,
			EPQ: n.EPQ, Recheck: foldConstants(n.Recheck), cols: n.cols}, nil
	}
	return nil, fmt.Errorf("planner: cannot physicalize %T", l)
}

// joinNeeded splits the columns a join's parent reads into the columns
// each input must produce, adding those the ON clause reads. nil (all)
// stays nil; a lateral join's right side may read any left column.
func joinNeeded(n *LogicalJoin, needed []bool) (left, right []bool) {
	if needed == nil {
		return nil, nil
	}
	nl, nr := len(n.Left.Cols()), len(n.Right.Cols())
	both := make([]bool, nl+nr)
	copy(both, needed) // semi/anti joins output only the left columns
	markCols(n.On, both)
	left, right = both[:nl:nl], both[nl:]
	if n.Lateral {
		left = nil
	}
	return left, right
}

// aggNeeded lists the input columns an aggregation reads.
func aggNeeded(n *LogicalAggregate) []bool {
	needed := make([]bool, len(n.Input.Cols()))
	for _, e := range n.GroupBy {
		markCols(e, needed)
	}
	for _, a := range n.Aggs {
		for _, e := range a.Args {
			markCols(e, needed)
		}
		markCols(a.Filter, needed)
		for _, k := range a.OrderBy {
			markCols(k.Expr, needed)
		}
	}
	return needed
}

func markCols(e Expr, needed []bool) {
	WalkExpr(e, func(x Expr) bool {
		if c, ok := x.(*ColRef); ok && c.Idx < len(needed) {
			needed[c.Idx] = true
		}
		if s, ok := x.(*SubqueryExpr); ok && s.Correlated {
			for i := range needed {
				needed[i] = true
			}
		}
		return true
	})
}

// logicalHasOuterRefs reports whether any expression in the tree reads
// an enclosing query's row.
func logicalHasOuterRefs(l Logical) bool {
	found := false
	check := func(es ...Expr) {
		for _, e := range es {
			WalkExpr(e, func(x Expr) bool {
				switch x := x.(type) {
				case *OuterRef:
					found = true
				case *SubqueryExpr:
					if x.Correlated {
						found = true
					}
				}
				return !found
			})
		}
	}
	forEachLogicalExpr(l, func(es ...Expr) bool {
		check(es...)
		return !found
	})
	return found
}
