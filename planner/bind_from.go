package planner

import (
	"fmt"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// bindFromList binds a comma-separated FROM list as cross joins; the
// scope sc receives every visible column.
func (b *binder) bindFromList(items []*pg_query.Node, sc *scope) (Logical, error) {
	var plan Logical
	var seen []refName
	for _, it := range items {
		p, cols, err := b.bindFromItem(it, sc, sc.cols)
		if err != nil {
			return nil, err
		}
		names := fromRefNames(it)
		if err := checkRefNames(seen, names); err != nil {
			return nil, err
		}
		seen = append(seen, names...)
		if plan == nil {
			plan = p
			sc.cols = cols
			continue
		}
		lateral := isLateral(it)
		plan = &LogicalJoin{Kind: InnerJoin, Left: plan, Right: p, Lateral: lateral}
		sc.cols = append(sc.cols, shiftCols(cols, len(plan.(*LogicalJoin).Left.Cols()))...)
	}
	return plan, nil
}

// refName is the name a FROM item is known by (its alias, or the
// relation's own name); schema is set for unaliased relations.
type refName struct {
	name, schema string
	unaliased    bool
}

// fromRefNames lists the names a FROM item adds to the query level's
// namespace (a JOIN without an alias exposes both sides).
func fromRefNames(n *pg_query.Node) []refName {
	switch x := n.Node.(type) {
	case *pg_query.Node_RangeVar:
		if x.RangeVar.Alias != nil {
			return []refName{{name: x.RangeVar.Alias.Aliasname}}
		}
		return []refName{{name: x.RangeVar.Relname, schema: x.RangeVar.Schemaname, unaliased: true}}
	case *pg_query.Node_RangeSubselect:
		if x.RangeSubselect.Alias != nil {
			return []refName{{name: x.RangeSubselect.Alias.Aliasname}}
		}
	case *pg_query.Node_RangeFunction:
		rf := x.RangeFunction
		if rf.Alias != nil {
			return []refName{{name: rf.Alias.Aliasname}}
		}
		if len(rf.Functions) == 1 && !rf.IsRowsfrom {
			if l := rf.Functions[0].GetList(); l != nil && len(l.Items) > 0 {
				if fc := l.Items[0].GetFuncCall(); fc != nil {
					if n := asOfRefName(fc); n != "" {
						return []refName{{name: n}}
					}
					return []refName{{name: strVal(fc.Funcname[len(fc.Funcname)-1])}}
				}
			}
		}
	case *pg_query.Node_JoinExpr:
		if x.JoinExpr.Alias != nil {
			return []refName{{name: x.JoinExpr.Alias.Aliasname}}
		}
		return append(fromRefNames(x.JoinExpr.Larg), fromRefNames(x.JoinExpr.Rarg)...)
	}
	return nil
}

// checkRefNames is checkNameSpaceConflicts: two items of one level may not
// share a name, except unaliased relations from different schemas.
func checkRefNames(a, b []refName) error {
	for _, x := range a {
		for _, y := range b {
			if x.name != y.name {
				continue
			}
			if x.unaliased && y.unaliased && x.schema != y.schema {
				continue
			}
			return pgerr.New(pgerr.DuplicateAlias, "table name \"%s\" specified more than once", x.name)
		}
	}
	return nil
}

func isLateral(n *pg_query.Node) bool {
	if s := n.GetRangeSubselect(); s != nil {
		return s.Lateral
	}
	if f := n.GetRangeFunction(); f != nil {
		return true // functions in FROM may always refer to earlier items
	}
	return false
}

// shiftCols offsets the column references of scope columns by off.
func shiftCols(cols []scopeCol, off int) []scopeCol {
	out := make([]scopeCol, len(cols))
	for i, c := range cols {
		out[i] = c
		out[i].expr, _ = MapExpr(c.expr, func(x Expr) (Expr, error) {
			if cr, ok := x.(*ColRef); ok {
				return &ColRef{Idx: cr.Idx + off, Typ: cr.Typ, Name: cr.Name}, nil
			}
			return x, nil
		})
	}
	return out
}

// bindFromItem binds one FROM item. left holds the columns of the items
// to its left (visible to LATERAL items as an enclosing level). The
// returned columns index into the item's own row.
func (b *binder) bindFromItem(n *pg_query.Node, sc *scope, left []scopeCol) (Logical, []scopeCol, error) {
	switch x := n.Node.(type) {
	case *pg_query.Node_RangeVar:
		l, cols, err := b.bindRangeVar(x.RangeVar, sc)
		return l, cols, withPosition(err, x.RangeVar.Location)
	case *pg_query.Node_JoinExpr:
		return b.bindJoin(x.JoinExpr, sc, left)
	case *pg_query.Node_RangeSubselect:
		rs := x.RangeSubselect
		outer := &scope{parent: sc.parent, ctes: sc.ctes, transparent: true}
		var lat *scope
		if rs.Lateral && len(left) > 0 {
			lat = &scope{cols: left, parent: sc.parent, ctes: sc.ctes}
			outer = lat
		}
		q := rs.Subquery.GetSelectStmt()
		if q == nil {
			return nil, nil, pgerr.Unsupported("this FROM item")
		}
		res, err := b.bindSelect(q, outer)
		if err != nil {
			return nil, nil, err
		}
		if lat == nil {
			// A non-lateral subquery that resolved names in an outer
			// query is correlated with that query.
		}
		alias := ""
		var colAliases []string
		if rs.Alias != nil {
			alias = rs.Alias.Aliasname
			colAliases = nameList(rs.Alias.Colnames)
		}
		return res.plan, res.outScope(alias, colAliases).cols, nil
	case *pg_query.Node_RangeFunction:
		return b.bindRangeFunction(x.RangeFunction, sc, left)
	}
	return nil, nil, pgerr.Unsupported("FROM item " + nodeName(n))
}

func (b *binder) lookupSchema(name string) (*catalog.Schema, error) {
	s := b.cat.SchemaByName(name)
	if s == nil {
		return nil, pgerr.New(pgerr.UndefinedSchema, "schema \"%s\" does not exist", name)
	}
	return s, nil
}

// resolveRelation finds a table, view or virtual table by (optionally
// qualified) name following search_path (pg_catalog implicitly first).
func (b *binder) resolveRelation(schema, name string) (*catalog.Table, *catalog.VirtualTable, error) {
	try := func(s *catalog.Schema) (*catalog.Table, *catalog.VirtualTable) {
		if t := b.cat.TableByName(s.ID, name); t != nil {
			return t, nil
		}
		if v := b.cat.VirtualTableByName(s.ID, name); v != nil {
			return nil, v
		}
		return nil, nil
	}
	if schema != "" {
		s, err := b.lookupSchema(schema)
		if err != nil {
			return nil, nil, err
		}
		t, v := try(s)
		if t == nil && v == nil {
			return nil, nil, pgerr.New(pgerr.UndefinedTable, "relation \"%s.%s\" does not exist", schema, name)
		}
		return t, v, nil
	}
	path := b.env.SearchPath()
	hasCatalog := false
	for _, p := range path {
		if p == "pg_catalog" {
			hasCatalog = true
		}
	}
	if !hasCatalog {
		path = append([]string{"pg_catalog"}, path...)
	}
	for _, p := range path {
		s := b.cat.SchemaByName(p)
		if s == nil {
			continue
		}
		if t, v := try(s); t != nil || v != nil {
			return t, v, nil
		}
	}
	return nil, nil, pgerr.New(pgerr.UndefinedTable, "relation \"%s\" does not exist", name)
}

func (b *binder) bindRangeVar(rv *pg_query.RangeVar, sc *scope) (Logical, []scopeCol, error) {
	alias := rv.Relname
	var colAliases []string
	if rv.Alias != nil {
		alias = rv.Alias.Aliasname
		colAliases = nameList(rv.Alias.Colnames)
	}
	if rv.Schemaname == "" {
		if def, levels := sc.lookupCTELevels(rv.Relname); def != nil {
			var plan Logical
			var cols []ColMeta
			if def.recursive != nil {
				plan, cols = def.recursive, def.recursive.cols
			} else {
				var err error
				if plan, cols, err = def.bind(); err != nil {
					return nil, nil, err
				}
				// The definition's outer references count levels from the
				// WITH's own query; from a nested subquery they would read
				// the wrong enclosing row (XX000 "outer reference out of
				// range" at best), so refuse rather than rebase them.
				if levels > 1 && logicalHasOuterRefs(plan) {
					return nil, nil, pgerr.Unsupported("a WITH query that references an outer query, used from a nested subquery,")
				}
			}
			out := make([]scopeCol, len(cols))
			for i, c := range cols {
				name := c.Name
				if i < len(colAliases) {
					name = colAliases[i]
				}
				out[i] = scopeCol{table: alias, name: name, expr: &ColRef{Idx: i, Typ: c.Typ, Name: name}, meta: c, star: true}
			}
			return plan, out, nil
		}
	}
	t, vt, err := b.resolveRelation(rv.Schemaname, rv.Relname)
	if err != nil {
		return nil, nil, err
	}
	if vt != nil {
		cols := make([]ColMeta, len(vt.Columns))
		out := make([]scopeCol, len(vt.Columns))
		for i, c := range vt.Columns {
			cols[i] = ColMeta{Name: c.Name, Typ: c.Type, TableID: vt.ID, AttNum: int16(i + 1)}
			name := c.Name
			if i < len(colAliases) {
				name = colAliases[i]
			}
			out[i] = scopeCol{table: alias, name: name, expr: &ColRef{Idx: i, Typ: c.Type, Name: name}, meta: cols[i], star: true}
		}
		return &LogicalVirtualScan{VT: vt, cols: cols}, out, nil
	}
	b.require(t, catalog.PrivSelect)
	if t.Kind == catalog.KindView {
		return b.bindView(t, alias, colAliases, sc)
	}
	cols, out := scanScope(t, alias, colAliases)
	return &LogicalScan{Table: t, cols: cols}, out, nil
}

// scanScope is the scope a scan of t introduces under alias: every
// column not dropped, visible ones renamed by colAliases in order, hidden
// ones (row ids) addressable but left out of *.
func scanScope(t *catalog.Table, alias string, colAliases []string) ([]ColMeta, []scopeCol) {
	cols := tableCols(t)
	out := make([]scopeCol, 0, len(cols))
	vis := 0
	for i, c := range t.Columns {
		if c.Dropped {
			continue
		}
		name := c.Name
		if !c.Hidden {
			if vis < len(colAliases) {
				name = colAliases[vis]
			}
			vis++
		}
		out = append(out, scopeCol{table: alias, name: name, expr: &ColRef{Idx: i, Typ: c.Type, Name: name}, meta: cols[i], star: !c.Hidden, hidden: c.Hidden})
	}
	return cols, out
}

func (b *binder) bindView(t *catalog.Table, alias string, colAliases []string, sc *scope) (Logical, []scopeCol, error) {
	if b.viewDepth > 32 {
		return nil, nil, pgerr.New(pgerr.InvalidObjectDefinition, "infinite recursion detected in view \"%s\"", t.Name)
	}
	res, err := pg_query.Parse(t.ViewQuery)
	if err != nil || len(res.Stmts) != 1 || res.Stmts[0].Stmt.GetSelectStmt() == nil {
		return nil, nil, pgerr.New(pgerr.InvalidObjectDefinition, "view \"%s\" has an invalid definition", t.Name)
	}
	b.viewDepth++
	// The view's relations are read with its owner's privileges.
	prevRole := b.asRole
	b.asRole = catalog.OwnerName(b.cat, t.Owner)
	defer func() { b.viewDepth--; b.asRole = prevRole }()
	r, err := b.bindSelect(res.Stmts[0].Stmt.GetSelectStmt(), nil)
	if err != nil {
		return nil, nil, err
	}
	// The view's declared column names win over the query's.
	names := append([]string(nil), r.names...)
	vis := t.VisibleColumns()
	for i := range names {
		if i < len(vis) {
			names[i] = vis[i].Name
		}
	}
	r.names = names
	return r.plan, r.outScope(alias, colAliases).cols, nil
}

// bindJoin binds JOIN ... ON / USING / NATURAL.
func (b *binder) bindJoin(j *pg_query.JoinExpr, sc *scope, left []scopeCol) (Logical, []scopeCol, error) {
	lp, lcols, err := b.bindFromItem(j.Larg, sc, left)
	if err != nil {
		return nil, nil, err
	}
	lateral := isLateral(j.Rarg)
	rp, rcols, err := b.bindFromItem(j.Rarg, sc, lcols)
	if err != nil {
		return nil, nil, err
	}
	if err := checkRefNames(fromRefNames(j.Larg), fromRefNames(j.Rarg)); err != nil {
		return nil, nil, err
	}
	var kind JoinKind
	switch j.Jointype {
	case pg_query.JoinType_JOIN_INNER:
		kind = InnerJoin
	case pg_query.JoinType_JOIN_LEFT:
		kind = LeftJoin
	case pg_query.JoinType_JOIN_RIGHT:
		kind = RightJoin
	case pg_query.JoinType_JOIN_FULL:
		kind = FullJoin
	default:
		return nil, nil, pgerr.Unsupported("join type")
	}
	if lateral && (kind == RightJoin || kind == FullJoin) {
		return nil, nil, pgerr.New(pgerr.InvalidColumnReference, "invalid reference to FROM-clause entry for table in a LATERAL item of a RIGHT or FULL JOIN")
	}
	nl := len(lp.Cols())
	rshift := shiftCols(rcols, nl)
	join := &LogicalJoin{Kind: kind, Left: lp, Right: rp, Lateral: lateral}
	var cols []scopeCol

	var using []string
	if j.IsNatural {
		for _, lc := range lcols {
			if !lc.star {
				continue
			}
			for _, rc := range rcols {
				if rc.star && rc.name == lc.name {
					using = append(using, lc.name)
					break
				}
			}
		}
	} else {
		using = nameList(j.UsingClause)
	}
	if j.IsNatural || len(j.UsingClause) > 0 {
		var conds []Expr
		var merged []scopeCol
		usedL, usedR := map[string]bool{}, map[string]bool{}
		combined := &scope{cols: append(append([]scopeCol{}, lcols...), rshift...)}
		for _, name := range using {
			le, lfound, err := (&scope{cols: lcols}).resolveLocal("", name)
			if err != nil {
				return nil, nil, pgerr.New(pgerr.AmbiguousColumn, "common column name \"%s\" appears more than once in left table", name)
			}
			re, rfound, err := (&scope{cols: rshift}).resolveLocal("", name)
			if err != nil {
				return nil, nil, pgerr.New(pgerr.AmbiguousColumn, "common column name \"%s\" appears more than once in right table", name)
			}
			if !lfound {
				return nil, nil, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" specified in USING clause does not exist in left table", name)
			}
			if !rfound {
				return nil, nil, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" specified in USING clause does not exist in right table", name)
			}
			c, err := b.bindCmp(CmpEQ, le, re, "=")
			if err != nil {
				return nil, nil, err
			}
			conds = append(conds, c)
			usedL[name], usedR[name] = true, true
			var me Expr
			switch kind {
			case RightJoin:
				me = re
			case FullJoin:
				t, err := commonType([]*types.T{le.Type(), re.Type()}, "JOIN/USING")
				if err != nil {
					return nil, nil, err
				}
				l2, _ := b.coerce(le, t, "JOIN")
				r2, _ := b.coerce(re, t, "JOIN")
				me = &CoalesceExpr{Args: []Expr{l2, r2}, Typ: t}
			default:
				me = le
			}
			merged = append(merged, scopeCol{name: name, expr: me, meta: ColMeta{Name: name, Typ: me.Type()}, star: true})
		}
		_ = combined
		join.On = andAll(conds)
		cols = append(cols, merged...)
		for _, c := range lcols {
			if usedL[c.name] && c.star {
				c.qualOnly, c.star = true, false
			}
			cols = append(cols, c)
		}
		for _, c := range rshift {
			if usedR[c.name] && c.star {
				c.qualOnly, c.star = true, false
			}
			cols = append(cols, c)
		}
		if j.JoinUsingAlias != nil {
			for _, m := range merged {
				m.table = j.JoinUsingAlias.Aliasname
				m.qualOnly = true
				m.star = false
				cols = append(cols, m)
			}
		}
	} else {
		cols = append(append(cols, lcols...), rshift...)
		if j.Quals != nil {
			on := &scope{cols: cols, parent: sc.parent, ctes: sc.ctes}
			if len(left) > 0 {
				// ON may not see earlier FROM items, only the join's inputs.
			}
			pred, err := b.bindPredicate(j.Quals, on, "JOIN/ON")
			if err != nil {
				return nil, nil, err
			}
			join.On = pred
		}
	}
	if j.Alias != nil {
		// The join alias hides the inputs' names.
		var out []scopeCol
		aliases := nameList(j.Alias.Colnames)
		i := 0
		for _, c := range cols {
			if !c.star {
				continue
			}
			c.table = j.Alias.Aliasname
			if i < len(aliases) {
				c.name = aliases[i]
			}
			i++
			out = append(out, c)
		}
		cols = out
	}
	return join, cols, nil
}

func andAll(es []Expr) Expr {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	return &BoolOp{Op: "AND", Args: es}
}

// bindRangeFunction binds a function call in FROM (set-returning or
// scalar, optionally WITH ORDINALITY); it becomes a ProjectSet over a
// single empty row, joined laterally when its arguments refer to
// earlier FROM items.
func (b *binder) bindRangeFunction(rf *pg_query.RangeFunction, sc *scope, left []scopeCol) (Logical, []scopeCol, error) {
	if rf.IsRowsfrom || len(rf.Functions) != 1 {
		return nil, nil, pgerr.Unsupported("ROWS FROM")
	}
	if len(rf.Coldeflist) > 0 {
		return nil, nil, pgerr.Unsupported("column definition lists")
	}
	items := rf.Functions[0].GetList().GetItems()
	fc := items[0].GetFuncCall()
	if fc == nil {
		return nil, nil, pgerr.Unsupported("this FROM function item")
	}
	if isAsOf(fc) {
		return b.bindAsOf(rf, fc, sc)
	}
	parent := &scope{parent: sc.parent, ctes: sc.ctes, transparent: true}
	if len(left) > 0 {
		parent = &scope{cols: left, parent: sc.parent, ctes: sc.ctes}
	}
	inner := &scope{parent: parent, ctes: sc.ctes}
	coll := &collector{}
	inner.coll = coll
	e, err := b.bindExpr(items[0], inner)
	if err != nil {
		return nil, nil, err
	}
	name := strVal(fc.Funcname[len(fc.Funcname)-1])
	var srf *SRFCall
	var colTypes []*types.T
	if srfPlaceholder(e) && len(coll.srfs) == 1 {
		srf = coll.srfs[0]
		colTypes = srfColTypes(srf)
	} else {
		if len(coll.aggs) > 0 || len(coll.windows) > 0 {
			return nil, nil, pgerr.New(pgerr.GroupingError, "aggregate functions are not allowed in functions in FROM")
		}
		// A scalar function in FROM yields one row with one column.
		srf = &SRFCall{Name: name, Args: []Expr{e}, NumCols: 1}
		colTypes = []*types.T{e.Type()}
	}
	ps := &LogicalProjectSet{Input: &LogicalValues{Rows: [][]Expr{{}}}, SRFs: []*SRFCall{srf}, Ordinality: rf.Ordinality}
	alias := name
	var colAliases []string
	if rf.Alias != nil {
		alias = rf.Alias.Aliasname
		colAliases = nameList(rf.Alias.Colnames)
	}
	var out []scopeCol
	for i, t := range colTypes {
		cname := name
		if srf.Overload != nil && len(srf.Overload.GenCols) > 0 {
			cname = srf.Overload.GenCols[i].Name
		} else if srf.Overload != nil && srf.Overload.OutName != "" {
			cname = srf.Overload.OutName
		} else if len(colTypes) == 1 && rf.Alias != nil {
			cname = alias
		}
		if i < len(colAliases) {
			cname = colAliases[i]
		}
		m := ColMeta{Name: cname, Typ: t}
		ps.cols = append(ps.cols, m)
		out = append(out, scopeCol{table: alias, name: cname, expr: &ColRef{Idx: i, Typ: t, Name: cname}, meta: m, star: true})
	}
	if rf.Ordinality {
		cname := "ordinality"
		if len(colTypes) < len(colAliases) {
			cname = colAliases[len(colTypes)]
		}
		m := ColMeta{Name: cname, Typ: types.Int8}
		ps.cols = append(ps.cols, m)
		out = append(out, scopeCol{table: alias, name: cname, expr: &ColRef{Idx: len(colTypes), Typ: types.Int8, Name: cname}, meta: m, star: true})
	}
	return ps, out, nil
}

func srfColTypes(s *SRFCall) []*types.T {
	if s.Overload != nil && len(s.Overload.GenCols) > 0 {
		out := make([]*types.T, len(s.Overload.GenCols))
		for i, c := range s.Overload.GenCols {
			out[i] = c.Type
		}
		return out
	}
	argTypes := make([]*types.T, len(s.Args))
	for i, a := range s.Args {
		argTypes[i] = a.Type()
	}
	return []*types.T{retType(s.Overload, argTypes)}
}

func retType(ov *builtins.Overload, args []*types.T) *types.T {
	if ov == nil {
		return types.Text
	}
	if ov.RetFn != nil {
		return ov.RetFn(args)
	}
	if ov.Ret == nil {
		return types.Text
	}
	return ov.Ret
}

var _ = fmt.Sprintf
