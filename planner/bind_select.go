package planner

import (
	"slices"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

type target struct {
	expr Expr
	name string
	meta ColMeta
}

func (b *binder) bindSimpleSelect(st *pg_query.SelectStmt, sc *scope) (*selectResult, error) {
	// FROM
	var plan Logical
	if len(st.FromClause) == 0 {
		plan = &LogicalValues{Rows: [][]Expr{{}}}
	} else {
		var err error
		plan, err = b.bindFromList(st.FromClause, sc)
		if err != nil {
			return nil, err
		}
	}
	fromPlan := plan
	// WHERE
	var wherePred Expr
	if st.WhereClause != nil {
		sc.noAggReason = "WHERE"
		pred, err := b.bindPredicate(st.WhereClause, sc, "WHERE")
		if err != nil {
			return nil, err
		}
		sc.noAggReason = ""
		wherePred = pred
		if len(st.LockingClause) == 0 {
			plan = reorderFrom(plan, pred)
		} else {
			plan = &LogicalFilter{Input: plan, Pred: pred}
		}
	}

	coll := &collector{}
	for _, w := range st.WindowClause {
		wd := w.GetWindowDef()
		if coll.windowDefs == nil {
			coll.windowDefs = map[string]*pg_query.WindowDef{}
		}
		if _, dup := coll.windowDefs[wd.Name]; dup {
			return nil, pgerr.New(pgerr.WindowingError, "window \"%s\" is already defined", wd.Name)
		}
		if wd.Refname != "" {
			m, err := mergeWindowDef(wd, coll.windowDefs)
			if err != nil {
				return nil, err
			}
			m.Name = wd.Name
			wd = m
		}
		coll.windowDefs[wd.Name] = wd
	}
	sc.coll = coll
	defer func() { sc.coll = nil }()

	// Select list.
	var targets []target
	for _, tn := range st.TargetList {
		rt := tn.GetResTarget()
		if cr := rt.Val.GetColumnRef(); cr != nil && isStar(cr) {
			ts, err := b.expandStar(cr, sc)
			if err != nil {
				return nil, err
			}
			targets = append(targets, ts...)
			continue
		}
		if ind := rt.Val.GetAIndirection(); ind != nil && isFieldStar(ind) {
			ts, err := b.expandFieldStar(ind, sc)
			if err != nil {
				return nil, err
			}
			targets = append(targets, ts...)
			continue
		}
		e, err := b.bindExpr(rt.Val, sc)
		if err != nil {
			return nil, err
		}
		name := rt.Name
		if name == "" {
			name = b.deriveName(rt.Val)
		}
		if c, ok := e.(*Const); ok && c.Typ.Family == types.UnknownFamily {
			e = &Const{Val: c.Val, Typ: types.Text}
			if c.Val == types.DNull {
				e = &Const{Val: types.DNull, Typ: types.Text}
			}
		}
		e = b.resolveUnknownParam(e)
		meta := ColMeta{Name: name, Typ: e.Type()}
		if cr, ok := e.(*ColRef); ok {
			m := plan.Cols()[cr.Idx]
			meta.TableID, meta.AttNum = m.TableID, m.AttNum
		}
		targets = append(targets, target{expr: e, name: name, meta: meta})
	}
	names := make([]string, len(targets))
	for i, t := range targets {
		names[i] = t.name
	}

	// GROUP BY
	var groups []Expr
	for _, g := range st.GroupClause {
		if g.GetGroupingSet() != nil {
			gs := g.GetGroupingSet()
			if gs.Kind != pg_query.GroupingSetKind_GROUPING_SET_EMPTY {
				return nil, pgerr.Unsupported("GROUPING SETS, ROLLUP and CUBE")
			}
			continue
		}
		e, err := b.bindGroupItem(g, sc, targets)
		if err != nil {
			return nil, err
		}
		groups = append(groups, e)
	}
	if len(coll.aggs) > 0 {
		for _, g := range groups {
			if containsPH(g, phAgg) {
				return nil, pgerr.New(pgerr.GroupingError, "aggregate functions are not allowed in GROUP BY")
			}
		}
	}

	// HAVING
	var having Expr
	if st.HavingClause != nil {
		e, err := b.bindPredicate(st.HavingClause, sc, "HAVING")
		if err != nil {
			return nil, err
		}
		having = e
	}

	// ORDER BY: output aliases and ordinals first, then input expressions.
	var sortKeys []SortKey
	nTargets := len(targets)
	for _, sn := range st.SortClause {
		sb := sn.GetSortBy()
		idx, ok, err := b.outputRef(sb.Node, names)
		if err != nil {
			return nil, err
		}
		// A bare name that is both an output alias and an input column
		// refers to the output column (PostgreSQL's rule for ORDER BY).
		if !ok {
			e, err := b.bindExpr(sb.Node, sc)
			if err != nil {
				return nil, err
			}
			e = b.resolveUnknownParam(e)
			k := exprKey(e)
			idx = -1
			for i := 0; i < nTargets; i++ {
				if exprKey(targets[i].expr) == k {
					idx = i
					break
				}
			}
			if idx < 0 {
				if len(st.DistinctClause) == 1 && st.DistinctClause[0].Node == nil {
					return nil, pgerr.New(pgerr.InvalidColumnReference, "for SELECT DISTINCT, ORDER BY expressions must appear in select list")
				}
				idx = len(targets)
				targets = append(targets, target{expr: e, name: "?junk?", meta: ColMeta{Name: "?junk?", Typ: e.Type()}})
			}
		}
		sortKeys = append(sortKeys, sortKeyOf(sb, &ColRef{Idx: idx, Typ: targets[idx].expr.Type(), Name: targets[idx].name}))
	}

	// DISTINCT ON expressions.
	var distinctOn []Expr
	isDistinct := len(st.DistinctClause) > 0
	if isDistinct && !(len(st.DistinctClause) == 1 && st.DistinctClause[0].Node == nil) {
		for _, dn := range st.DistinctClause {
			idx, ok, err := b.outputRef(dn, names[:nTargets])
			if err != nil {
				return nil, err
			}
			if !ok {
				e, err := b.bindExpr(dn, sc)
				if err != nil {
					return nil, err
				}
				k := exprKey(e)
				idx = -1
				for i := range targets {
					if exprKey(targets[i].expr) == k {
						idx = i
						break
					}
				}
				if idx < 0 {
					idx = len(targets)
					targets = append(targets, target{expr: e, name: "?junk?", meta: ColMeta{Typ: e.Type()}})
				}
			}
			distinctOn = append(distinctOn, &ColRef{Idx: idx, Typ: targets[idx].expr.Type()})
		}
		// DISTINCT ON expressions must match the leftmost ORDER BY items
		// (in any order); later ORDER BY items pick the row kept.
		on := map[int]bool{}
		for _, d := range distinctOn {
			on[d.(*ColRef).Idx] = true
		}
		skipped := false
		for _, k := range sortKeys {
			if cr, ok := k.Expr.(*ColRef); ok && on[cr.Idx] {
				if skipped {
					return nil, pgerr.New(pgerr.InvalidColumnReference, "SELECT DISTINCT ON expressions must match initial ORDER BY expressions")
				}
			} else {
				skipped = true
			}
		}
	}

	// Locking clause: the primary keys of the locked tables ride along
	// as junk columns (like ORDER BY's) so LockRows, above the sort,
	// can lock by key; the final trim drops them.
	var lockRows *LogicalLockRows
	if len(st.LockingClause) > 0 {
		clauses, err := parseLockingClauses(st.LockingClause)
		if err != nil {
			return nil, err
		}
		if len(clauses) > 0 {
			if err := checkSelectLocking(st, clauses[0].strength, len(coll.aggs) > 0, len(coll.windows) > 0, len(coll.srfs) > 0); err != nil {
				return nil, err
			}
		}
		if len(clauses) > 0 && len(st.FromClause) > 0 {
			lts, offs, err := b.bindLocking(st, clauses, fromPlan, sc)
			if err != nil {
				return nil, err
			}
			if len(lts) > 0 {
				lockRows = &LogicalLockRows{Targets: lts}
				fromCols := fromPlan.Cols()
				for i := range lts {
					t := lts[i].Table
					for _, id := range t.Primary.ColumnIDs {
						ord := -1
						for o := range t.Columns {
							if t.Columns[o].ID == id {
								ord = o
							}
						}
						idx := offs[i] + ord
						lts[i].KeyCols = append(lts[i].KeyCols, len(targets))
						targets = append(targets, target{expr: &ColRef{Idx: idx, Typ: fromCols[idx].Typ, Name: t.Columns[ord].Name},
							name: "?junk?", meta: ColMeta{Name: "?junk?", Typ: fromCols[idx].Typ}})
					}
				}
				if _, single := fromPlan.(*LogicalScan); single && len(lts) == 1 {
					lockRows.EPQ, lockRows.Recheck = true, wherePred
				}
			}
		}
	}

	// Aggregation.
	if len(coll.aggs) > 0 || len(groups) > 0 || having != nil {
		agg := &LogicalAggregate{Input: plan, GroupBy: groups, Aggs: coll.aggs}
		inCols := plan.Cols()
		for i, g := range groups {
			m := ColMeta{Name: "group", Typ: g.Type()}
			if cr, ok := g.(*ColRef); ok {
				m = inCols[cr.Idx]
			}
			_ = i
			agg.cols = append(agg.cols, m)
		}
		for _, a := range coll.aggs {
			agg.cols = append(agg.cols, ColMeta{Name: a.Name, Typ: a.Typ})
		}
		plan = agg
		remap := func(e Expr) (Expr, error) { return remapPostAgg(e, groups, len(groups)) }
		for i := range targets {
			e, err := remap(targets[i].expr)
			if err != nil {
				return nil, err
			}
			targets[i].expr = e
		}
		for _, w := range coll.windows {
			if err := remapWindow(w, remap); err != nil {
				return nil, err
			}
		}
		if having != nil {
			e, err := remap(having)
			if err != nil {
				return nil, err
			}
			plan = &LogicalFilter{Input: plan, Pred: e}
		}
	} else {
		for i := range targets {
			if containsPH(targets[i].expr, phAgg) {
				return nil, pgerr.New(pgerr.InternalError, "aggregate placeholder without aggregation")
			}
		}
	}

	// Window functions.
	if len(coll.windows) > 0 {
		base := len(plan.Cols())
		win := &LogicalWindow{Input: plan, Calls: coll.windows}
		win.cols = append([]ColMeta{}, plan.Cols()...)
		for _, w := range coll.windows {
			win.cols = append(win.cols, ColMeta{Name: w.Name, Typ: w.Typ})
		}
		plan = win
		for i := range targets {
			e, err := replacePH(targets[i].expr, phWindow, func(p *phExpr) Expr {
				return &ColRef{Idx: base + p.idx, Typ: p.typ, Name: coll.windows[p.idx].Name}
			})
			if err != nil {
				return nil, err
			}
			targets[i].expr = e
		}
	}

	// Set-returning functions in the select list.
	if len(coll.srfs) > 0 {
		base := len(plan.Cols())
		ps := &LogicalProjectSet{Input: plan, SRFs: coll.srfs}
		ps.cols = append([]ColMeta{}, plan.Cols()...)
		offsets := make([]int, len(coll.srfs))
		for i, s := range coll.srfs {
			offsets[i] = len(ps.cols) - base
			for c := 0; c < s.NumCols; c++ {
				m := ColMeta{Name: s.Name}
				if s.Overload != nil && c < len(s.Overload.GenCols) && s.NumCols > 1 {
					m.Typ = s.Overload.GenCols[c].Type
				}
				ps.cols = append(ps.cols, m)
			}
		}
		for i := range targets {
			e, err := replacePH(targets[i].expr, phSRF, func(p *phExpr) Expr {
				ps.cols[base+offsets[p.idx]+p.col].Typ = p.typ
				return &ColRef{Idx: base + offsets[p.idx] + p.col, Typ: p.typ, Name: coll.srfs[p.idx].Name}
			})
			if err != nil {
				return nil, err
			}
			targets[i].expr = e
		}
		for i := range ps.cols {
			if ps.cols[i].Typ == nil {
				ps.cols[i].Typ = types.Text
			}
		}
		plan = ps
	}

	// Projection.
	proj := &LogicalProject{Input: plan}
	for _, t := range targets {
		proj.Exprs = append(proj.Exprs, t.expr)
		m := t.meta
		m.Name = t.name
		m.Typ = t.expr.Type()
		proj.cols = append(proj.cols, m)
	}
	plan = proj

	if isDistinct {
		if len(distinctOn) > 0 {
			// DISTINCT ON keeps the first row of each group in ORDER BY order.
			if len(sortKeys) > 0 {
				plan = &LogicalSort{Input: plan, Keys: sortKeys}
			}
			plan = &LogicalDistinct{Input: plan, On: distinctOn}
			sortKeys = nil
		} else {
			plan = &LogicalDistinct{Input: plan}
		}
	}
	if len(sortKeys) > 0 {
		plan = &LogicalSort{Input: plan, Keys: sortKeys}
	}
	if lockRows != nil {
		lockRows.Input = plan
		if lockRows.EPQ {
			lockRows.Reproject = proj.Exprs
		}
		plan = lockRows
	}
	var err error
	if plan, err = b.bindLimit(st, plan, sc); err != nil {
		return nil, err
	}
	if len(targets) > nTargets {
		trim := &LogicalProject{Input: plan}
		for i := 0; i < nTargets; i++ {
			trim.Exprs = append(trim.Exprs, &ColRef{Idx: i, Typ: proj.cols[i].Typ, Name: names[i]})
			trim.cols = append(trim.cols, proj.cols[i])
		}
		plan = trim
	}
	return &selectResult{plan: plan, names: names[:nTargets]}, nil
}

func isStar(cr *pg_query.ColumnRef) bool {
	return len(cr.Fields) > 0 && cr.Fields[len(cr.Fields)-1].GetAStar() != nil
}

func (b *binder) expandStar(cr *pg_query.ColumnRef, sc *scope) ([]target, error) {
	qual := ""
	if len(cr.Fields) > 1 {
		qual = strVal(cr.Fields[len(cr.Fields)-2])
	}
	var out []target
	found := false
	for _, c := range sc.cols {
		if qual != "" {
			if c.table != qual || c.hidden {
				continue
			}
			found = true
			if !c.star && !c.qualOnly {
				continue
			}
		} else if !c.star {
			continue
		}
		m := c.meta
		m.Name = c.name
		out = append(out, target{expr: c.expr, name: c.name, meta: m})
	}
	if qual != "" && !found {
		return nil, pgerr.New(pgerr.UndefinedTable, "missing FROM-clause entry for table \"%s\"", qual)
	}
	if qual == "" && len(sc.cols) == 0 {
		return nil, pgerr.New(pgerr.SyntaxError, "SELECT * with no tables specified is not valid")
	}
	return out, nil
}

// deriveName is PostgreSQL's FigureColname.
func (b *binder) deriveName(n *pg_query.Node) string {
	if name, strength := b.figureName(n); strength > 0 {
		return name
	}
	return "?column?"
}

// figureName is FigureColnameInternal: a name and its strength (2 = a
// real name, 1 = a fallback such as a cast's type name, 0 = none), so an
// outer cast's type name replaces an inner one but not a column name.
func (b *binder) figureName(n *pg_query.Node) (string, int) {
	if n == nil {
		return "", 0
	}
	switch x := n.Node.(type) {
	case *pg_query.Node_ColumnRef:
		f := x.ColumnRef.Fields
		if len(f) > 0 {
			if s := strVal(f[len(f)-1]); s != "" {
				return s, 2
			}
		}
	case *pg_query.Node_FuncCall:
		f := x.FuncCall.Funcname
		return strVal(f[len(f)-1]), 2
	case *pg_query.Node_TypeCast:
		name, strength := b.figureName(x.TypeCast.Arg)
		if strength <= 1 && x.TypeCast.TypeName != nil {
			tn := x.TypeCast.TypeName.Names
			if len(tn) > 0 {
				return strVal(tn[len(tn)-1]), 1
			}
		}
		return name, strength
	case *pg_query.Node_CollateClause:
		return b.figureName(x.CollateClause.Arg)
	case *pg_query.Node_GroupingFunc:
		return "grouping", 2
	case *pg_query.Node_AIndirection:
		for i := len(x.AIndirection.Indirection) - 1; i >= 0; i-- {
			if s := strVal(x.AIndirection.Indirection[i]); s != "" {
				return s, 2
			}
		}
		return b.figureName(x.AIndirection.Arg)
	case *pg_query.Node_CaseExpr:
		name, strength := b.figureName(x.CaseExpr.Defresult)
		if strength <= 1 {
			return "case", 1
		}
		return name, strength
	case *pg_query.Node_CoalesceExpr:
		return "coalesce", 2
	case *pg_query.Node_NullIfExpr:
		return "nullif", 2
	case *pg_query.Node_MinMaxExpr:
		if x.MinMaxExpr.Op == pg_query.MinMaxOp_IS_GREATEST {
			return "greatest", 2
		}
		return "least", 2
	case *pg_query.Node_AArrayExpr:
		return "array", 2
	case *pg_query.Node_RowExpr:
		return "row", 2
	case *pg_query.Node_SubLink:
		switch x.SubLink.SubLinkType {
		case pg_query.SubLinkType_EXISTS_SUBLINK:
			return "exists", 2
		case pg_query.SubLinkType_ARRAY_SUBLINK:
			return "array", 2
		case pg_query.SubLinkType_EXPR_SUBLINK:
			if ss := x.SubLink.Subselect.GetSelectStmt(); ss != nil && len(ss.TargetList) == 1 {
				rt := ss.TargetList[0].GetResTarget()
				if rt.Name != "" {
					return rt.Name, 2
				}
				return b.deriveName(rt.Val), 2
			}
		}
	case *pg_query.Node_SqlvalueFunction:
		switch x.SqlvalueFunction.Op {
		case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_DATE:
			return "current_date", 2
		case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N:
			return "current_timestamp", 2
		case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_USER:
			return "current_user", 2
		case pg_query.SQLValueFunctionOp_SVFOP_SESSION_USER:
			return "session_user", 2
		case pg_query.SQLValueFunctionOp_SVFOP_USER:
			return "current_user", 2
		case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:
			return "current_schema", 2
		case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:
			return "current_catalog", 2
		case pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME, pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME_N:
			return "localtime", 2
		case pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP, pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N:
			return "localtimestamp", 2
		case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME_N:
			return "current_time", 2
		}
	case *pg_query.Node_AExpr:
		if x.AExpr.Kind == pg_query.A_Expr_Kind_AEXPR_NULLIF {
			return "nullif", 2
		}
	}
	return "", 0
}

// bindGroupItem resolves a GROUP BY item: an ordinal, an input column, an
// output alias (when no input column has that name), or an expression.
func (b *binder) bindGroupItem(n *pg_query.Node, sc *scope, targets []target) (Expr, error) {
	if c := n.GetAConst(); c != nil {
		if iv, ok := c.Val.(*pg_query.A_Const_Ival); ok {
			i := int(iv.Ival.Ival)
			if i < 1 || i > len(targets) {
				return nil, pgerr.New(pgerr.InvalidColumnReference, "GROUP BY position %d is not in select list", i)
			}
			return targets[i-1].expr, nil
		}
	}
	if cr := n.GetColumnRef(); cr != nil && len(cr.Fields) == 1 && !isStar(cr) {
		name := strVal(cr.Fields[0])
		if _, found, _ := sc.resolveLocal("", name); !found {
			for _, t := range targets {
				if t.name == name {
					return t.expr, nil
				}
			}
		}
	}
	save := sc.noAggReason
	sc.noAggReason = "GROUP BY"
	defer func() { sc.noAggReason = save }()
	e, err := b.bindExpr(n, sc)
	if err != nil {
		return nil, err
	}
	return b.resolveUnknownParam(e), nil
}

// remapPostAgg rewrites an expression bound over the aggregation input
// into one over the aggregation output: grouped expressions and
// aggregates become column references; any other input column is a
// grouping error.
func remapPostAgg(e Expr, groups []Expr, nGroups int) (Expr, error) {
	keys := make([]string, len(groups))
	for i, g := range groups {
		keys[i] = exprKey(g)
	}
	var rec func(e Expr) (Expr, error)
	rec = func(e Expr) (Expr, error) {
		if e == nil {
			return nil, nil
		}
		if _, isConst := e.(*Const); !isConst {
			k := exprKey(e)
			for i, gk := range keys {
				if gk == k {
					return &ColRef{Idx: i, Typ: e.Type(), Name: e.String()}, nil
				}
			}
		}
		switch x := e.(type) {
		case *phExpr:
			if x.kind == phAgg {
				return &ColRef{Idx: nGroups + x.idx, Typ: x.typ}, nil
			}
			return x, nil
		case *ColRef:
			return nil, pgerr.New(pgerr.GroupingError, "column \"%s\" must appear in the GROUP BY clause or be used in an aggregate function", x.Name)
		case *SubqueryExpr:
			if x.Correlated {
				return nil, pgerr.Unsupported("correlated subqueries in an aggregated select list")
			}
		}
		// Recurse one level: rebuild children through rec.
		return mapChildren(e, rec)
	}
	return rec(e)
}

// mapChildren applies fn to the direct children of e (top-down rewrites).
func mapChildren(e Expr, fn func(Expr) (Expr, error)) (Expr, error) {
	cs := children(e)
	if len(cs) == 0 {
		return e, nil
	}
	out := make([]Expr, len(cs))
	for i, c := range cs {
		var err error
		if out[i], err = fn(c); err != nil {
			return nil, err
		}
	}
	return withChildren(e, out), nil
}

func remapWindow(w *WindowCall, remap func(Expr) (Expr, error)) error {
	var err error
	for i := range w.Args {
		if w.Args[i], err = remap(w.Args[i]); err != nil {
			return err
		}
	}
	for i := range w.PartitionBy {
		if w.PartitionBy[i], err = remap(w.PartitionBy[i]); err != nil {
			return err
		}
	}
	for i := range w.OrderBy {
		if w.OrderBy[i].Expr, err = remap(w.OrderBy[i].Expr); err != nil {
			return err
		}
	}
	if w.Filter != nil {
		if w.Filter, err = remap(w.Filter); err != nil {
			return err
		}
	}
	return nil
}

func containsPH(e Expr, kind int) bool {
	found := false
	WalkExpr(e, func(x Expr) bool {
		if p, ok := x.(*phExpr); ok && p.kind == kind {
			found = true
		}
		return !found
	})
	return found
}

func replacePH(e Expr, kind int, fn func(*phExpr) Expr) (Expr, error) {
	return MapExpr(e, func(x Expr) (Expr, error) {
		if p, ok := x.(*phExpr); ok && p.kind == kind {
			return fn(p), nil
		}
		return x, nil
	})
}

// exprKey is a structural fingerprint used to match expressions (GROUP
// BY items, ORDER BY items against the select list).
func exprKey(e Expr) string {
	k, _ := MapExpr(e, func(x Expr) (Expr, error) {
		switch c := x.(type) {
		case *ColRef:
			return &ColRef{Idx: c.Idx, Typ: c.Typ, Name: "@" + itoa(c.Idx)}, nil
		case *OuterRef:
			return &ColRef{Idx: c.Idx, Typ: c.Typ, Name: "^" + itoa(c.Depth) + "@" + itoa(c.Idx)}, nil
		}
		return x, nil
	})
	if k == nil {
		return ""
	}
	return k.String() + ":" + e.Type().String()
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 && i >= 0 {
		return digits[i : i+1]
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var buf [20]byte
	p := len(buf)
	for i > 0 {
		p--
		buf[p] = digits[i%10]
		i /= 10
	}
	if neg {
		p--
		buf[p] = '-'
	}
	return string(buf[p:])
}

// decorrelateWhere filters from by pred, turning each top-level
// [NOT] EXISTS conjunct whose subquery is correlated only through
// conjuncts of its own WHERE into a semi (anti) join: TPC-H Q4, Q21 and
// Q22 then run as hash joins instead of one subquery execution per row.
// The other conjuncts filter from first; semi and anti joins output the
// left columns only, so column references above are unchanged.
func decorrelateWhere(from Logical, pred Expr) Logical {
	type semi struct {
		right Logical
		on    Expr
		anti  bool
	}
	nl := len(from.Cols())
	var keep, withScalar []Expr
	var joins []semi
	for _, c := range conjuncts(pred) {
		if sq, anti := existsConjunct(c); sq != nil {
			if right, on, ok := semiJoinInput(sq.Logical, nl); ok {
				joins = append(joins, semi{right, on, anti})
				continue
			}
		}
		if right, on, ok := inSemiJoin(c, nl); ok {
			joins = append(joins, semi{right, on, false})
			continue
		}
		if hasGroupableScalar(c) {
			withScalar = append(withScalar, c)
			continue
		}
		keep = append(keep, c)
	}
	from = filterBy(from, keep)
	for _, j := range joins {
		kind := SemiJoin
		if j.anti {
			kind = AntiJoin
		}
		from = &LogicalJoin{Kind: kind, Left: from, Right: j.right, On: j.on}
	}
	if len(withScalar) == 0 {
		return from
	}
	// Scalar aggregate subqueries correlated by equalities (TPC-H Q2, Q17,
	// Q20) become a left join to the aggregate grouped by the correlated
	// columns, computed once instead of once per row.
	cols := from.Cols()
	width := nl
	for i, c := range withScalar {
		withScalar[i], _ = MapExpr(c, func(x Expr) (Expr, error) {
			sq, ok := x.(*SubqueryExpr)
			if !ok {
				return x, nil
			}
			right, on, ok := groupedScalarInput(sq, width)
			if !ok {
				return x, nil
			}
			from = &LogicalJoin{Kind: LeftJoin, Left: from, Right: right, On: on}
			rc := right.Cols()
			width += len(rc)
			return &ColRef{Idx: width - 1, Typ: sq.Typ, Name: rc[len(rc)-1].Name}, nil
		})
	}
	from = filterBy(from, withScalar)
	if width == nl {
		return from
	}
	out := make([]Expr, nl)
	for i := range out {
		out[i] = &ColRef{Idx: i, Typ: cols[i].Typ, Name: cols[i].Name}
	}
	return &LogicalProject{Input: from, Exprs: out, cols: cols}
}

// inSemiJoin is the rule uncorrelatedInToSemiJoin: a top-level WHERE
// conjunct x IN (uncorrelated one-column subquery) becomes a hash semi
// join on x = column instead of a per-row search of the subquery's
// result (TPC-H Q18, Q20: ps_partkey IN (SELECT p_partkey ...) over all
// of partsupp). In WHERE a NULL comparison rejects the row as a false
// one does, and the semi join emits each left row at most once, so the
// result is unchanged. NOT IN stays: its NULL semantics differ from an
// anti join's.
func inSemiJoin(e Expr, nl int) (Logical, Expr, bool) {
	sq, ok := e.(*SubqueryExpr)
	if !ok || sq.Kind != SubqueryAny || sq.All || sq.Op != CmpEQ || sq.OuterDepth != 0 || sq.Logical == nil {
		return nil, nil, false
	}
	cols := sq.Logical.Cols()
	if len(cols) != 1 || sq.Arg == nil || !sq.Arg.Type().Equivalent(cols[0].Typ) || !derivable(sq.Arg) {
		return nil, nil, false
	}
	if lo, hi := colRange(sq.Arg); lo < 0 || hi >= nl {
		return nil, nil, false
	}
	return sq.Logical, &Cmp{Op: CmpEQ, L: sq.Arg, R: &ColRef{Idx: nl, Typ: cols[0].Typ, Name: cols[0].Name}}, true
}

func filterBy(l Logical, preds []Expr) Logical {
	switch len(preds) {
	case 0:
		return l
	case 1:
		return &LogicalFilter{Input: l, Pred: preds[0]}
	}
	return &LogicalFilter{Input: l, Pred: &BoolOp{Op: "AND", Args: preds}}
}

// hasGroupableScalar: e holds a scalar subquery groupedScalarInput may
// turn into a join.
func hasGroupableScalar(e Expr) bool {
	found := false
	WalkExpr(e, func(x Expr) bool {
		if sq, ok := x.(*SubqueryExpr); ok {
			if _, _, ok := groupedScalarInput(sq, 0); ok {
				found = true
			}
		}
		return !found
	})
	return found
}

// nullOnEmptyAggs are the aggregates that return NULL over no rows, as a
// left join's missing group does; count would return 0, so it stays a
// correlated subquery.
var nullOnEmptyAggs = map[string]bool{"sum": true, "avg": true, "min": true, "max": true}

// groupedScalarInput rewrites a scalar subquery of the shape
// SELECT f(agg(...)) FROM ... WHERE inner = outer AND ... (no GROUP BY,
// f strict, agg NULL over no rows, only equalities correlated) into the
// right side of a left join: the aggregate grouped by the inner
// expressions, projecting the keys and then f. on joins the outer columns
// (the left side, nl wide) to the keys. A row without a group gets NULL,
// which is what the subquery returns for it.
func groupedScalarInput(sq *SubqueryExpr, nl int) (Logical, Expr, bool) {
	if sq.Kind != SubqueryScalar || sq.OuterDepth != 1 || sq.Logical == nil {
		return nil, nil, false
	}
	top := sq.Logical
	var fexpr Expr = &ColRef{Idx: 0, Typ: sq.Typ}
	if p, ok := top.(*LogicalProject); ok {
		if len(p.Exprs) != 1 || !strictExpr(p.Exprs[0]) {
			return nil, nil, false
		}
		fexpr, top = p.Exprs[0], p.Input
	}
	agg, ok := top.(*LogicalAggregate)
	if !ok || len(agg.GroupBy) > 0 || len(agg.Aggs) == 0 {
		return nil, nil, false
	}
	for _, a := range agg.Aggs {
		if !nullOnEmptyAggs[a.Name] || a.Star || logicalOuterDepthExprs(a.Args...) > 0 || logicalOuterDepthExprs(a.Filter) > 0 {
			return nil, nil, false
		}
	}
	input, corr, ok := correlatedFilter(agg.Input)
	if !ok {
		return nil, nil, false
	}
	var inner, outer []Expr
	for _, c := range corr {
		cmp, ok := c.(*Cmp)
		if !ok || cmp.Op != CmpEQ {
			return nil, nil, false
		}
		in, out := cmp.L, cmp.R
		if _, isOuter := in.(*OuterRef); isOuter {
			in, out = out, in
		}
		o, isOuter := out.(*OuterRef)
		if !isOuter || o.Depth != 1 || logicalOuterDepthExprs(in) > 0 {
			return nil, nil, false
		}
		inner = append(inner, in)
		outer = append(outer, &ColRef{Idx: o.Idx, Typ: o.Typ, Name: o.Name})
	}
	if len(inner) == 0 {
		return nil, nil, false
	}
	k := len(inner)
	grouped := &LogicalAggregate{Input: input, GroupBy: inner, Aggs: agg.Aggs}
	for _, g := range inner {
		grouped.cols = append(grouped.cols, ColMeta{Name: "group", Typ: g.Type()})
	}
	grouped.cols = append(grouped.cols, agg.cols...)
	shifted, err := MapExpr(fexpr, func(x Expr) (Expr, error) {
		if c, ok := x.(*ColRef); ok {
			return &ColRef{Idx: c.Idx + k, Typ: c.Typ, Name: c.Name}, nil
		}
		return x, nil
	})
	if err != nil {
		return nil, nil, false
	}
	proj := &LogicalProject{Input: grouped, Exprs: make([]Expr, 0, k+1)}
	on := make([]Expr, 0, k)
	for i, g := range inner {
		proj.Exprs = append(proj.Exprs, &ColRef{Idx: i, Typ: g.Type(), Name: "group"})
		proj.cols = append(proj.cols, ColMeta{Name: "group", Typ: g.Type()})
		on = append(on, &Cmp{Op: CmpEQ, L: outer[i], R: &ColRef{Idx: nl + i, Typ: g.Type(), Name: "group"}})
	}
	proj.Exprs = append(proj.Exprs, shifted)
	proj.cols = append(proj.cols, ColMeta{Name: "?column?", Typ: sq.Typ})
	if len(on) == 1 {
		return proj, on[0], true
	}
	return proj, &BoolOp{Op: "AND", Args: on}, true
}

// strictExpr: e is built from columns, constants, operators and casts
// only, so a NULL input gives a NULL result.
func strictExpr(e Expr) bool {
	ok := true
	WalkExpr(e, func(x Expr) bool {
		switch x := x.(type) {
		case *ColRef, *Const:
		case *CastExpr:
		case *CallExpr:
			ok = ok && isOperatorName(x.Name)
		default:
			ok = false
		}
		return ok
	})
	return ok
}

// logicalOuterDepthExprs is logicalOuterDepth for loose expressions.
func logicalOuterDepthExprs(es ...Expr) int {
	return logicalOuterDepth(&LogicalProject{Exprs: es})
}

// existsConjunct matches EXISTS (subquery) and NOT EXISTS (subquery).
func existsConjunct(e Expr) (sq *SubqueryExpr, anti bool) {
	if n, ok := e.(*BoolOp); ok && n.Op == "NOT" && len(n.Args) == 1 {
		sq, _ = existsConjunct(n.Args[0])
		return sq, sq != nil
	}
	if s, ok := e.(*SubqueryExpr); ok && s.Kind == SubqueryExists && s.OuterDepth == 1 && s.Logical != nil {
		return s, false
	}
	return nil, false
}

// semiJoinInput splits an EXISTS subquery's plan, Project* over
// Filter(pred) over an uncorrelated input, into the join's right side
// (the input filtered by pred's uncorrelated conjuncts) and its ON
// condition (the correlated conjuncts, with outer references turned into
// columns of the left side and the subquery's columns shifted past them).
func semiJoinInput(sub Logical, nl int) (Logical, Expr, bool) {
	for {
		p, ok := sub.(*LogicalProject)
		if !ok {
			break
		}
		sub = p.Input
	}
	f, ok := sub.(*LogicalFilter)
	if !ok || logicalOuterDepth(f.Input) > 0 {
		return nil, nil, false
	}
	var local, on []Expr
	for _, c := range conjuncts(f.Pred) {
		depth, nested := 0, false
		WalkExpr(c, func(x Expr) bool {
			switch x := x.(type) {
			case *OuterRef:
				depth = max(depth, x.Depth)
			case *SubqueryExpr:
				nested = true
			}
			return true
		})
		switch {
		case depth == 0 && !nested:
			local = append(local, c)
		case depth == 1 && !nested:
			m, err := MapExpr(c, func(x Expr) (Expr, error) {
				switch x := x.(type) {
				case *OuterRef:
					return &ColRef{Idx: x.Idx, Typ: x.Typ, Name: x.Name}, nil
				case *ColRef:
					return &ColRef{Idx: x.Idx + nl, Typ: x.Typ, Name: x.Name}, nil
				}
				return x, nil
			})
			if err != nil {
				return nil, nil, false
			}
			on = append(on, m)
		default:
			return nil, nil, false
		}
	}
	if len(on) == 0 {
		return nil, nil, false
	}
	right := f.Input
	if len(local) == 1 {
		right = &LogicalFilter{Input: right, Pred: local[0]}
	} else if len(local) > 1 {
		right = &LogicalFilter{Input: right, Pred: &BoolOp{Op: "AND", Args: local}}
	}
	onExpr := on[0]
	if len(on) > 1 {
		onExpr = &BoolOp{Op: "AND", Args: on}
	}
	return right, onExpr, true
}

// reorderFrom filters the FROM list's cross product by pred (through
// decorrelateWhere), first reordering the list so that each table joins
// one already joined through an equality of pred where possible: the
// planner joins in FROM order, and TPC-H lists tables so that following
// it literally makes cross products (Q2, Q8, Q9: part x supplier). The
// result keeps the original column order (a projection over the
// reordered joins), so everything bound against the FROM scope is
// unchanged. Lists with LATERAL items, and predicates holding subqueries
// that read the FROM row, keep their order.
func reorderFrom(from Logical, pred Expr) Logical {
	var items []Logical
	var flatten func(l Logical) bool
	flatten = func(l Logical) bool {
		if j, ok := l.(*LogicalJoin); ok && j.Kind == InnerJoin && j.On == nil {
			return !j.Lateral && flatten(j.Left) && flatten(j.Right)
		}
		items = append(items, l)
		return true
	}
	if !flatten(from) || len(items) < 2 {
		return decorrelateWhere(from, pred)
	}
	// Conjuncts without subqueries filter the reordered joins; the rest
	// (whose subqueries may read the FROM row in its original order) go
	// above the projection restoring that order.
	var plain, rest []Expr
	for _, c := range conjuncts(pred) {
		sub := false
		WalkExpr(c, func(x Expr) bool {
			_, isSub := x.(*SubqueryExpr)
			sub = sub || isSub
			return !sub
		})
		if sub {
			rest = append(rest, c)
		} else {
			plain = append(plain, c)
		}
	}
	// item of each column, and the items an expression reads.
	var itemOf, posIn []int
	for i, it := range items {
		for p := range it.Cols() {
			itemOf = append(itemOf, i)
			posIn = append(posIn, p)
		}
	}
	refs := func(e Expr) map[int]bool {
		m := map[int]bool{}
		WalkExpr(e, func(x Expr) bool {
			if c, ok := x.(*ColRef); ok && c.Idx < len(itemOf) {
				m[itemOf[c.Idx]] = true
			}
			return true
		})
		return m
	}
	plain = append(plain, orRestrictions(plain, len(items), refs)...)
	if kept := semiJoinEarly(items, itemOf, posIn, rest); len(kept) < len(rest) {
		// Items changed: rebuild the cross product (same columns, same
		// order) for the paths below that keep the FROM order.
		rest, from = kept, items[0]
		for _, it := range items[1:] {
			from = &LogicalJoin{Kind: InnerJoin, Left: from, Right: it}
		}
	}
	if len(items) < 3 {
		return decorrelateWhere(from, andOf(append(plain, rest...)))
	}
	adj := make([]map[int]bool, len(items))
	keyCols := make([]map[string]bool, len(items))
	for i := range adj {
		adj[i], keyCols[i] = map[int]bool{}, map[string]bool{}
	}
	for _, c := range plain {
		cmp, ok := c.(*Cmp)
		if !ok || cmp.Op != CmpEQ {
			continue
		}
		l, r := refs(cmp.L), refs(cmp.R)
		if len(l) != 1 || len(r) != 1 {
			continue
		}
		for a := range l {
			for b := range r {
				if a != b {
					adj[a][b], adj[b][a] = true, true
					keyCols[a][exprKey(cmp.L)] = true
					keyCols[b][exprKey(cmp.R)] = true
				}
			}
		}
	}
	// Greedy: start from factFirst's table, then take the first table in
	// FROM order that joins what is joined so far (or, failing that, the
	// first one left).
	start := factFirst(keyCols)
	order := []int{start}
	joined := map[int]bool{start: true}
	for len(order) < len(items) {
		next := -1
		for i := range items {
			if joined[i] {
				continue
			}
			if next < 0 {
				next = i
			}
			linked := false
			for j := range adj[i] {
				linked = linked || joined[j]
			}
			if linked {
				next = i
				break
			}
		}
		order = append(order, next)
		joined[next] = true
	}
	if slices.IsSorted(order) {
		return decorrelateWhere(from, andOf(append(plain, rest...)))
	}
	offset := make([]int, len(items))
	var plan Logical
	width := 0
	for _, i := range order {
		offset[i] = width
		width += len(items[i].Cols())
		if plan == nil {
			plan = items[i]
		} else {
			plan = &LogicalJoin{Kind: InnerJoin, Left: plan, Right: items[i]}
		}
	}
	newIdx := func(orig int) int { return offset[itemOf[orig]] + posIn[orig] }
	for i, c := range plain {
		plain[i], _ = MapExpr(c, func(x Expr) (Expr, error) {
			if c, ok := x.(*ColRef); ok && c.Idx < len(itemOf) {
				return &ColRef{Idx: newIdx(c.Idx), Typ: c.Typ, Name: c.Name}, nil
			}
			return x, nil
		})
	}
	cols := from.Cols()
	out := make([]Expr, len(cols))
	for i, c := range cols {
		out[i] = &ColRef{Idx: newIdx(i), Typ: c.Typ, Name: c.Name}
	}
	plan = &LogicalProject{Input: filterBy(plan, plain), Exprs: out, cols: cols}
	if len(rest) == 0 {
		return plan
	}
	return decorrelateWhere(plan, andOf(rest))
}

// factFirst is the rule factTableProbes: the join chain starts (is the
// probe side of every hash join) at the table joined on the most distinct
// key expressions, when that is at least three and more than the first
// table's. Without statistics this picks a star schema's fact table:
// lineitem joins part, supplier and orders on three different keys (TPC-H
// Q8, Q9), and starting from it hashes the small, filtered dimensions
// instead of all of lineitem. Otherwise the FROM order's first table
// stays first.
func factFirst(keyCols []map[string]bool) int {
	best := 0
	for i, k := range keyCols {
		if len(k) > len(keyCols[best]) {
			best = i
		}
	}
	if len(keyCols[best]) < 3 {
		return 0
	}
	return best
}

// semiJoinEarly is the rule semiJoinEarly: an x IN (subquery) conjunct
// (see inSemiJoin) whose x reads one FROM item becomes a semi join of
// that item alone, before the joins, instead of a filter over their
// result: TPC-H Q18's o_orderkey IN (the few large orders) then cuts
// orders to a handful of rows before lineitem and customer join it. A
// semi join keeps its left columns, so the item's columns are
// unchanged. It returns the conjuncts left for above the joins.
func semiJoinEarly(items []Logical, itemOf, posIn []int, rest []Expr) []Expr {
	var left []Expr
	for _, c := range rest {
		sq, _ := c.(*SubqueryExpr)
		item := -1
		ok := sq != nil
		if ok {
			WalkExpr(sq.Arg, func(x Expr) bool {
				if r, isCol := x.(*ColRef); isCol {
					if r.Idx >= len(itemOf) || (item >= 0 && item != itemOf[r.Idx]) {
						ok = false
					} else {
						item = itemOf[r.Idx]
					}
				}
				return ok
			})
		}
		if !ok || item < 0 {
			left = append(left, c)
			continue
		}
		local, _ := MapExpr(sq.Arg, func(x Expr) (Expr, error) {
			if r, isCol := x.(*ColRef); isCol {
				return &ColRef{Idx: posIn[r.Idx], Typ: r.Typ, Name: r.Name}, nil
			}
			return x, nil
		})
		nl := len(items[item].Cols())
		right, on, ok := inSemiJoin(&SubqueryExpr{Kind: sq.Kind, OuterDepth: sq.OuterDepth, Logical: sq.Logical,
			Arg: local, Op: sq.Op, All: sq.All, Typ: sq.Typ}, nl)
		if !ok {
			left = append(left, c)
			continue
		}
		items[item] = &LogicalJoin{Kind: SemiJoin, Left: items[item], Right: right, On: on}
	}
	return left
}

func andOf(es []Expr) Expr {
	if len(es) == 1 {
		return es[0]
	}
	return &BoolOp{Op: "AND", Args: es}
}

// orRestrictions derives, from each OR over several tables, one filter
// per table that every branch restricts: (n1 = 'FRANCE' AND n2 =
// 'GERMANY') OR (n1 = 'GERMANY' AND n2 = 'FRANCE') implies n1 = 'FRANCE'
// OR n1 = 'GERMANY', which the planner pushes into n1's scan (TPC-H Q7,
// Q19; PostgreSQL does the same). The OR itself stays: the derived
// filters are implied by it, so adding them changes no result.
func orRestrictions(preds []Expr, nItems int, refs func(Expr) map[int]bool) []Expr {
	var out []Expr
	for _, c := range preds {
		or, ok := c.(*BoolOp)
		if !ok || or.Op != "OR" {
			continue
		}
		for i := 0; i < nItems; i++ {
			var branches []Expr
			for _, br := range or.Args {
				var mine []Expr
				for _, bc := range conjuncts(br) {
					if r := refs(bc); len(r) == 1 && r[i] && derivable(bc) {
						mine = append(mine, bc)
					}
				}
				if len(mine) == 0 {
					branches = nil
					break
				}
				branches = append(branches, andOf(mine))
			}
			if len(branches) > 0 && len(refs(c)) > 1 {
				out = append(out, &BoolOp{Op: "OR", Args: branches})
			}
		}
	}
	return out
}

// derivable: e is deterministic and cheap to evaluate twice (columns,
// constants, comparisons, operators, casts, IN lists, boolean logic).
func derivable(e Expr) bool {
	ok := true
	WalkExpr(e, func(x Expr) bool {
		switch x := x.(type) {
		case *ColRef, *Const, *Param, *Cmp, *InList, *IsNullExpr, *BoolOp, *CastExpr:
		case *CallExpr:
			ok = ok && isOperatorName(x.Name)
		default:
			ok = false
		}
		return ok
	})
	return ok
}

// correlatedFilter splits the filter of a subquery's FROM ... WHERE: l
// is that filter, or reorderFrom's column permutation over it. It
// returns l without the correlated conjuncts (which must be the only
// correlation) and those conjuncts, in l's columns.
func correlatedFilter(l Logical) (Logical, []Expr, bool) {
	var perm *LogicalProject
	if p, ok := l.(*LogicalProject); ok {
		for _, e := range p.Exprs {
			if _, isCol := e.(*ColRef); !isCol {
				return nil, nil, false
			}
		}
		perm, l = p, p.Input
	}
	f, ok := l.(*LogicalFilter)
	if !ok || logicalOuterDepth(f.Input) > 0 {
		return nil, nil, false
	}
	var local, corr []Expr
	for _, c := range conjuncts(f.Pred) {
		if logicalOuterDepthExprs(c) == 0 {
			local = append(local, c)
		} else {
			corr = append(corr, c)
		}
	}
	input := filterBy(f.Input, local)
	if perm == nil {
		return input, corr, true
	}
	// Map the conjuncts from the filter's columns to the projection's.
	outIdx := map[int]int{}
	for i, e := range perm.Exprs {
		outIdx[e.(*ColRef).Idx] = i
	}
	for i, c := range corr {
		bad := false
		corr[i], _ = MapExpr(c, func(x Expr) (Expr, error) {
			if cr, ok := x.(*ColRef); ok {
				j, found := outIdx[cr.Idx]
				bad = bad || !found
				return &ColRef{Idx: j, Typ: cr.Typ, Name: cr.Name}, nil
			}
			return x, nil
		})
		if bad {
			return nil, nil, false
		}
	}
	return &LogicalProject{Input: input, Exprs: perm.Exprs, cols: perm.cols}, corr, true
}
