package exec

import (
	"errors"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/conflux-db/conflux/exec/colexec"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// vecNode is a vectorized pipeline (package colexec) seen from the row
// engine: a Scan -> Filter -> Project -> HashAgg chain, or a hash join of
// two such chains continued the same way, whose every node the factory
// could vectorize. It also holds the equivalent row plan, built
// alongside, because whether the pipeline pays off is only known once
// the chain is complete: a bare scan (or a scan under a projection) would
// only convert rows to Arrow and back, so it runs the row plan; a chain
// with a filter or an aggregation runs vectorized. The decision depends
// only on the chain, so EXPLAIN shows exactly what runs.
type vecNode struct {
	src   colexec.Operator    // batch-producing pipeline, or nil when agg is set
	specs colexec.Specs       // layout of src's batches
	agg   colexec.RowOperator // aggregation: ends the pipeline with rows
	row   operator            // the same plan, row at a time
	phys  []planner.Physical  // nodes of the chain, bottom-up
	worth bool                // the chain has a filter or an aggregation
	// lossy: some column the row engine might read has a type batches
	// cannot hold (a Null array stands in). Filters and projections over
	// such a scan only vectorize when they do not reference it, and the
	// pipeline only runs once a projection or aggregation dropped it.
	lossy bool
	// extended is set when a parent node continued the chain: the parent
	// vecNode runs it, so this one is never opened.
	extended bool
	// fallible: the chain computes values that may not fit a batch
	// (colexec.ErrFallback). It runs vectorized only under an aggregation,
	// which reads its whole input in open: on ErrFallback nothing has been
	// returned yet and the row plan takes over.
	fallible bool

	useVec bool
	env    colexec.Env
}

var vecMem = memory.DefaultAllocator

func (f *factory) newVecNode(v *vecNode, child *vecNode) *vecNode {
	if child != nil {
		child.extended = true
		v.phys = append(append([]planner.Physical{}, child.phys...), v.phys...)
		v.worth = v.worth || child.worth
		v.fallible = v.fallible || child.fallible
	}
	f.rc.vecNodes = append(f.rc.vecNodes, v)
	return v
}

// rowPlan builds n's row operator through the normal constructors (the
// vectorization hooks are off meanwhile).
func (f *factory) rowPlan(build func() (planner.ExecNode, error)) (operator, error) {
	f.noVec = true
	defer func() { f.noVec = false }()
	n, err := build()
	if err != nil {
		return nil, err
	}
	return n.(operator), nil
}

// vecEnabled says whether this execution may vectorize: EXPLAIN ANALYZE
// keeps per-node row statistics, so it runs the row engine.
func (f *factory) vecEnabled() bool { return !f.noVec && f.rc.stats == nil && !f.rc.rowOnly }

func (f *factory) vecScan(n *planner.PhysicalScan) (planner.ExecNode, bool, error) {
	if !f.vecEnabled() || n.Index == nil || n.Index.ID != n.Table.Primary.ID ||
		len(n.Span.Eq) > 0 || n.Span.Lo != nil || n.Span.Hi != nil {
		return nil, false, nil
	}
	typs := make([]*types.T, len(n.Cols()))
	for i, c := range n.Cols() {
		typs[i] = c.Typ
	}
	specs, lossy := colexec.ScanSpecs(typs, n.Needed)
	var src colexec.Operator = colexec.NewScan(vecMem, colexec.ScanSpec{Table: f.table(n.Table), Index: n.Index, Types: typs, Needed: n.Needed})
	if n.Filter != nil {
		var ok bool
		if src, ok = colexec.NewFilter(vecMem, src, specs, n.Filter, f.vecC()); !ok {
			return nil, false, nil
		}
	}
	row, err := f.rowPlan(func() (planner.ExecNode, error) { return f.ConstructScan(n) })
	if err != nil {
		return nil, true, err
	}
	return f.newVecNode(&vecNode{src: src, specs: specs, row: row, phys: []planner.Physical{n}, worth: n.Filter != nil, lossy: lossy}, nil), true, nil
}

func (f *factory) vecFilter(n *planner.PhysicalFilter, in *vecNode) (planner.ExecNode, error) {
	if in.src != nil {
		if src, ok := colexec.NewFilter(vecMem, in.src, in.specs, n.Pred, f.vecC()); ok {
			row, err := f.rowPlan(func() (planner.ExecNode, error) { return f.ConstructFilter(n, in.row) })
			if err != nil {
				return nil, err
			}
			return f.newVecNode(&vecNode{src: src, specs: in.specs, row: row, phys: []planner.Physical{n}, worth: true, lossy: in.lossy}, in), nil
		}
	}
	return f.rowPlan(func() (planner.ExecNode, error) { return f.ConstructFilter(n, in) })
}

func (f *factory) vecProject(n *planner.PhysicalProject, in *vecNode) (planner.ExecNode, error) {
	if in.src != nil {
		if src, specs, ok := colexec.NewProject(vecMem, in.src, in.specs, n.Exprs, f.vecC()); ok {
			row, err := f.rowPlan(func() (planner.ExecNode, error) { return f.ConstructProject(n, in.row) })
			if err != nil {
				return nil, err
			}
			return f.newVecNode(&vecNode{src: src, specs: specs, row: row, phys: []planner.Physical{n}, fallible: specs.Fallible()}, in), nil
		}
	}
	return f.rowPlan(func() (planner.ExecNode, error) { return f.ConstructProject(n, in) })
}

func (f *factory) vecHashAgg(n *planner.PhysicalHashAgg, in *vecNode) (planner.ExecNode, error) {
	if in.src != nil {
		src, specs, groupBy, aggs := in.src, in.specs, n.GroupBy, n.Aggs
		if p, ps, g, a, ok := f.vecAggArgs(n, in); ok {
			src, specs, groupBy, aggs = p, ps, g, a
		}
		if agg, ok := colexec.NewHashAgg(src, specs, groupBy, aggs); ok {
			row, err := f.rowPlan(func() (planner.ExecNode, error) { return f.ConstructHashAgg(n, in.row) })
			if err != nil {
				return nil, err
			}
			return f.newVecNode(&vecNode{agg: agg, row: row, phys: []planner.Physical{n}, worth: true, fallible: specs.Fallible()}, in), nil
		}
	}
	return f.rowPlan(func() (planner.ExecNode, error) { return f.ConstructHashAgg(n, in) })
}

// vecHashJoin joins two vectorized chains with colexec's hash join
// (inner, semi, anti; the row engine's hashJoinOp builds on the right
// input and probes with the left, and so does colexec's). The join
// continues the pipeline: parents may vectorize over its batches. An
// inner join's extra condition becomes a vectorized filter over the
// joined batches, which is what the row engine computes; a semi or anti
// join evaluates its own over the matched pairs (it decides what
// matches), and stays in rows if that condition cannot be vectorized.
func (f *factory) vecHashJoin(n *planner.PhysicalHashJoin, l, r *vecNode) (planner.ExecNode, bool, error) {
	if l.src == nil || r.src == nil || l.lossy || r.lossy {
		return nil, false, nil
	}
	var typ colexec.JoinType
	switch n.Kind {
	case planner.InnerJoin:
		typ = colexec.InnerJoin
	case planner.SemiJoin:
		typ = colexec.SemiJoin
	case planner.AntiJoin:
		typ = colexec.AntiJoin
	default:
		return nil, false, nil
	}
	var (
		src   colexec.Operator
		specs colexec.Specs
		ok    bool
	)
	if typ == colexec.InnerJoin {
		src, specs, ok = colexec.NewHashJoin(vecMem, l.src, l.specs, r.src, r.specs, n.LeftKeys, n.RightKeys, typ)
	} else {
		src, specs, ok = colexec.NewHashJoinExtra(vecMem, l.src, l.specs, r.src, r.specs, n.LeftKeys, n.RightKeys, typ, n.Extra, f.vecC())
	}
	if !ok {
		return nil, false, nil
	}
	if n.Extra != nil && typ == colexec.InnerJoin {
		if src, ok = colexec.NewFilter(vecMem, src, specs, n.Extra, f.vecC()); !ok {
			return nil, false, nil
		}
	}
	row, err := f.rowPlan(func() (planner.ExecNode, error) { return f.ConstructHashJoin(n, l.row, r.row) })
	if err != nil {
		return nil, true, err
	}
	l.extended, r.extended = true, true
	v := &vecNode{src: src, specs: specs, row: row, worth: true,
		fallible: l.fallible || r.fallible || specs.Fallible()}
	v.phys = append(append(append([]planner.Physical{}, l.phys...), r.phys...), n)
	f.rc.vecNodes = append(f.rc.vecNodes, v)
	return v, true, nil
}

// vecAggArgs computes aggregate arguments that are expressions (TPC-H's
// sum(price * (1 - discount))) in a vectorized projection under the
// aggregation: the projection yields the referenced input columns and
// one column per computed argument, and the aggregation reads those.
// ok is false when every argument already is a column (nothing to do)
// or the projection cannot be vectorized.
func (f *factory) vecAggArgs(n *planner.PhysicalHashAgg, in *vecNode) (colexec.Operator, colexec.Specs, []planner.Expr, []*planner.AggCall, bool) {
	computed := false
	for _, a := range n.Aggs {
		for _, e := range a.Args {
			if _, isCol := e.(*planner.ColRef); !isCol {
				computed = true
			}
		}
		if a.Filter != nil || len(a.OrderBy) > 0 || a.Distinct {
			return nil, colexec.Specs{}, nil, nil, false
		}
	}
	if !computed {
		return nil, colexec.Specs{}, nil, nil, false
	}
	var exprs []planner.Expr
	pos := map[int]int{} // input column -> projected column
	col := func(c *planner.ColRef) *planner.ColRef {
		p, ok := pos[c.Idx]
		if !ok {
			p = len(exprs)
			pos[c.Idx] = p
			exprs = append(exprs, c)
		}
		return &planner.ColRef{Idx: p, Typ: c.Typ, Name: c.Name}
	}
	groupBy := make([]planner.Expr, len(n.GroupBy))
	for i, g := range n.GroupBy {
		c, ok := g.(*planner.ColRef)
		if !ok {
			return nil, colexec.Specs{}, nil, nil, false
		}
		groupBy[i] = col(c)
	}
	aggs := make([]*planner.AggCall, len(n.Aggs))
	for i, a := range n.Aggs {
		c := *a
		c.Args = make([]planner.Expr, len(a.Args))
		for j, e := range a.Args {
			if r, ok := e.(*planner.ColRef); ok {
				c.Args[j] = col(r)
				continue
			}
			c.Args[j] = &planner.ColRef{Idx: len(exprs), Typ: e.Type()}
			exprs = append(exprs, e)
		}
		aggs[i] = &c
	}
	src, specs, ok := colexec.NewProject(vecMem, in.src, in.specs, exprs, f.vecC())
	if !ok {
		return nil, colexec.Specs{}, nil, nil, false
	}
	return src, specs, groupBy, aggs, true
}

func (v *vecNode) runsVec() bool { return v.worth && !v.lossy && (!v.fallible || v.agg != nil) }

func (v *vecNode) open(rc *runCtx) error {
	v.useVec = v.runsVec()
	if !v.useVec {
		return v.row.open(rc)
	}
	v.env = colexec.Env{
		Ctx:    rc.ctx,
		KV:     rc.kv,
		Cancel: func() error { return checkCancel(rc) },
		Param: func(i int, t *types.T) (types.Datum, error) {
			if i >= len(rc.params) {
				return nil, pgerr.New(pgerr.UndefinedParameter, "there is no parameter $%d", i+1)
			}
			d := rc.params[i]
			if d == nil {
				return types.DNull, nil
			}
			if s, ok := d.(types.DString); ok && t.Family != types.StringFamily && t.Family != types.UnknownFamily {
				return types.ParseText(string(s), t, rc.tctx)
			}
			return d, nil
		},
	}
	if v.agg != nil {
		err := v.agg.Open(&v.env)
		if errors.Is(err, colexec.ErrFallback) {
			v.agg.Close()
			v.useVec = false
			return v.row.open(rc)
		}
		return err
	}
	return v.src.Open(&v.env)
}

func (v *vecNode) next(rc *runCtx) ([]types.Row, error) {
	if !v.useVec {
		return v.row.next(rc)
	}
	v.env.Ctx = rc.ctx
	if v.agg != nil {
		return v.agg.NextRows(&v.env)
	}
	b, err := v.src.Next(&v.env)
	if err != nil || b == nil {
		return nil, err
	}
	defer b.Release()
	return b.AppendRows(make([]types.Row, 0, b.Len())), nil
}

func (v *vecNode) close() {
	if !v.useVec {
		v.row.close()
		return
	}
	if v.agg != nil {
		v.agg.Close()
		return
	}
	v.src.Close()
}

// vecAnnotate marks the plan nodes that run vectorized for EXPLAIN
// (nil when none do).
func (rc *runCtx) vecAnnotate() func(planner.Physical) string {
	marked := map[planner.Physical]bool{}
	for _, v := range rc.vecNodes {
		if !v.extended && v.runsVec() {
			for _, p := range v.phys {
				marked[p] = true
			}
		}
	}
	if len(marked) == 0 {
		return nil
	}
	return func(p planner.Physical) string {
		if marked[p] {
			return "(vectorized)"
		}
		return ""
	}
}

// vecConsts lets colexec evaluate row-independent operands (casts of
// constants and parameters) with the row engine's compiled expressions,
// once per batch. Only casts over Const and Param qualify: they are
// immutable or stable, so evaluating them once per batch instead of once
// per row cannot change the result.
func (f *factory) vecConsts(e planner.Expr) (colexec.ScalarFn, bool) {
	ok := true
	planner.WalkExpr(e, func(x planner.Expr) bool {
		switch x.(type) {
		case *planner.Const, *planner.Param, *planner.CastExpr:
		default:
			ok = false
		}
		return ok
	})
	if !ok {
		return nil, false
	}
	fn, err := f.compile(e)
	if err != nil {
		return nil, false
	}
	rc := f.rc
	return func(*colexec.Env) (types.Datum, error) { return fn(rc, nil) }, true
}

// vecFold evaluates a cast of a constant (no parameters) once, at
// construction; colexec needs the value then to check that it compares
// exactly with a numeric column. Failures leave the plan to the row engine.
func (f *factory) vecFold(e planner.Expr) (types.Datum, bool) {
	ok := true
	planner.WalkExpr(e, func(x planner.Expr) bool {
		switch x.(type) {
		case *planner.Const, *planner.CastExpr:
		default:
			ok = false
		}
		return ok
	})
	if !ok {
		return nil, false
	}
	fn, err := f.compile(e)
	if err != nil {
		return nil, false
	}
	d, err := fn(f.rc, nil)
	return d, err == nil
}

func (f *factory) vecC() colexec.ConstCompiler {
	return colexec.ConstCompiler{Fn: f.vecConsts, Fold: f.vecFold}
}
