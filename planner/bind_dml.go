package planner

import (
	"sort"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

func (b *binder) targetTable(rv *pg_query.RangeVar, verb string) (*catalog.Table, string, error) {
	t, vt, err := b.resolveRelation(rv.Schemaname, rv.Relname)
	if err != nil {
		return nil, "", err
	}
	if vt != nil {
		return nil, "", pgerr.New(pgerr.WrongObjectType, "cannot %s relation \"%s\"", verb, rv.Relname)
	}
	if t.Kind == catalog.KindView {
		return nil, "", pgerr.New(pgerr.ObjectNotInPrerequisiteState, "cannot %s view \"%s\"", verb, t.Name).
			WithDetail("Views that do not select from a single table or view are not automatically updatable.")
	}
	alias := t.Name
	if rv.Alias != nil {
		alias = rv.Alias.Aliasname
	}
	return t, alias, nil
}

// tableScope exposes a table's columns (row positions = table.Columns ordinals).
func tableScope(t *catalog.Table, alias string, off int) []scopeCol {
	cols := tableCols(t)
	var out []scopeCol
	for i, c := range t.Columns {
		if c.Dropped {
			continue
		}
		out = append(out, scopeCol{table: alias, name: c.Name, expr: &ColRef{Idx: i + off, Typ: c.Type, Name: c.Name}, meta: cols[i], star: !c.Hidden, hidden: c.Hidden})
	}
	return out
}

// defaultExpr binds a column's DEFAULT (or NULL).
func (b *binder) defaultExpr(t *catalog.Table, c *catalog.Column) (Expr, error) {
	if c.Default == "" {
		return &Const{Val: types.DNull, Typ: c.Type}, nil
	}
	if c.Default == "unique_rowid()" {
		return RowIDExpr{}, nil
	}
	res, err := pg_query.Parse("SELECT " + c.Default)
	if err != nil || len(res.Stmts) != 1 {
		return nil, pgerr.New(pgerr.InvalidObjectDefinition, "invalid default expression for column \"%s\": %s", c.Name, c.Default)
	}
	rt := res.Stmts[0].Stmt.GetSelectStmt().TargetList[0].GetResTarget()
	e, err := b.bindExpr(rt.Val, &scope{})
	if err != nil {
		return nil, err
	}
	return b.assignCoerce(e, t, c)
}

// bindChecks binds the table's CHECK constraints over a row of the table
// (positions = column ordinals), in name order as PostgreSQL evaluates them.
func (b *binder) bindChecks(t *catalog.Table) ([]CheckConstraint, error) {
	if len(t.Checks) == 0 {
		return nil, nil
	}
	sc := &scope{cols: tableScope(t, t.Name, 0)}
	out := make([]CheckConstraint, 0, len(t.Checks))
	for _, c := range t.Checks {
		res, err := pg_query.Parse("SELECT " + c.Expr)
		if err != nil || len(res.Stmts) != 1 {
			return nil, pgerr.New(pgerr.InvalidObjectDefinition, "invalid check constraint \"%s\": %s", c.Name, c.Expr)
		}
		rt := res.Stmts[0].Stmt.GetSelectStmt().TargetList[0].GetResTarget()
		e, err := b.bindPredicate(rt.Val, sc, "CHECK")
		if err != nil {
			return nil, err
		}
		out = append(out, CheckConstraint{Name: c.Name, Expr: e})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// assignCoerce applies an assignment cast to store e in column c.
func (b *binder) assignCoerce(e Expr, t *catalog.Table, c *catalog.Column) (Expr, error) {
	et := e.Type()
	if et.Identical(c.Type) {
		return e, nil
	}
	if et.Family == types.UnknownFamily {
		return b.coerce(e, c.Type, "INSERT")
	}
	if !assignmentCastOK(et, c.Type) {
		return nil, pgerr.New(pgerr.DatatypeMismatch, "column \"%s\" is of type %s but expression is of type %s", c.Name, c.Type.SQLString(), et.SQLString()).
			WithHint("You will need to rewrite or cast the expression.")
	}
	return &CastExpr{Arg: e, Typ: c.Type, Assignment: true}, nil
}

func (b *binder) bindReturning(list []*pg_query.Node, sc *scope) ([]Expr, []ColMeta, []string, error) {
	var exprs []Expr
	var cols []ColMeta
	var names []string
	for _, n := range list {
		rt := n.GetResTarget()
		if cr := rt.Val.GetColumnRef(); cr != nil && isStar(cr) {
			ts, err := b.expandStar(cr, sc)
			if err != nil {
				return nil, nil, nil, err
			}
			for _, t := range ts {
				exprs = append(exprs, t.expr)
				cols = append(cols, t.meta)
				names = append(names, t.name)
			}
			continue
		}
		e, err := b.bindExpr(rt.Val, sc)
		if err != nil {
			return nil, nil, nil, err
		}
		if c, ok := e.(*Const); ok && c.Typ.Family == types.UnknownFamily {
			e, _ = b.coerce(c, types.Text, "RETURNING")
		}
		e = b.resolveUnknownParam(e)
		name := rt.Name
		if name == "" {
			name = b.deriveName(rt.Val)
		}
		m := ColMeta{Name: name, Typ: e.Type()}
		if cr, ok := e.(*ColRef); ok {
			for _, sc := range sc.cols {
				if c2, ok := sc.expr.(*ColRef); ok && c2.Idx == cr.Idx {
					m.TableID, m.AttNum = sc.meta.TableID, sc.meta.AttNum
					break
				}
			}
		}
		exprs = append(exprs, e)
		cols = append(cols, m)
		names = append(names, name)
	}
	return exprs, cols, names, nil
}

func (b *binder) bindInsert(st *pg_query.InsertStmt) (Logical, []string, error) {
	sc := &scope{}
	if st.WithClause != nil {
		if err := b.bindWith(st.WithClause, sc); err != nil {
			return nil, nil, err
		}
	}
	t, alias, err := b.targetTable(st.Relation, "insert into")
	if err != nil {
		return nil, nil, err
	}
	b.require(t, catalog.PrivInsert)
	if len(st.ReturningList) > 0 || (st.OnConflictClause != nil && st.OnConflictClause.Infer != nil && len(st.OnConflictClause.Infer.IndexElems) > 0) {
		b.require(t, catalog.PrivSelect) // RETURNING and the conflict target read columns
	}
	if oc := st.OnConflictClause; oc != nil && oc.Action == pg_query.OnConflictAction_ONCONFLICT_UPDATE {
		b.require(t, catalog.PrivUpdate)
	}
	// identityOverride reports whether a value given for column c is
	// replaced by the column default (OVERRIDING USER VALUE), and rejects
	// values for GENERATED ALWAYS columns unless OVERRIDING SYSTEM VALUE.
	identityOverride := func(c *catalog.Column) (useDefault bool, err error) {
		if c.Identity == 0 {
			return false, nil
		}
		switch st.Override {
		case pg_query.OverridingKind_OVERRIDING_USER_VALUE:
			return true, nil
		case pg_query.OverridingKind_OVERRIDING_SYSTEM_VALUE:
			return false, nil
		}
		if c.Identity == 'a' {
			return false, pgerr.New(sqlstateGeneratedAlways, "cannot insert a non-DEFAULT value into column \"%s\"", c.Name).
				WithDetail("Column \"%s\" is an identity column defined as GENERATED ALWAYS.", c.Name).
				WithHint("Use OVERRIDING SYSTEM VALUE to override.")
		}
		return false, nil
	}
	// Target columns (ordinals into t.Columns).
	var targets []int
	if len(st.Cols) == 0 {
		for i, c := range t.Columns {
			if !c.Hidden && !c.Dropped {
				targets = append(targets, i)
			}
		}
	} else {
		seen := map[int]bool{}
		for _, cn := range st.Cols {
			rt := cn.GetResTarget()
			if len(rt.Indirection) > 0 {
				return nil, nil, pgerr.Unsupported("INSERT into subscripted or field columns")
			}
			idx := -1
			for i, c := range t.Columns {
				if c.Name == rt.Name && !c.Dropped && !c.Hidden {
					idx = i
				}
			}
			if idx < 0 {
				return nil, nil, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", rt.Name, t.Name)
			}
			if seen[idx] {
				return nil, nil, pgerr.New(pgerr.DuplicateColumn, "column \"%s\" specified more than once", rt.Name)
			}
			seen[idx] = true
			targets = append(targets, idx)
		}
	}
	posOf := make([]int, len(t.Columns)) // table column -> position in targets, or -1
	for i := range posOf {
		posOf[i] = -1
	}
	for p, idx := range targets {
		posOf[idx] = p
	}
	tcols := tableCols(t)
	var input Logical
	sel := st.SelectStmt.GetSelectStmt()
	switch {
	case sel == nil:
		// INSERT ... DEFAULT VALUES
		row := make([]Expr, len(t.Columns))
		for i := range t.Columns {
			if row[i], err = b.defaultExpr(t, &t.Columns[i]); err != nil {
				return nil, nil, err
			}
		}
		input = &LogicalValues{Rows: [][]Expr{row}, cols: tcols}
	case len(sel.ValuesLists) > 0 && sel.WithClause == nil && len(sel.SortClause) == 0 && sel.LimitCount == nil:
		var rows [][]Expr
		for _, l := range sel.ValuesLists {
			items := l.GetList().GetItems()
			if len(items) > len(targets) {
				return nil, nil, pgerr.New(pgerr.SyntaxError, "INSERT has more expressions than target columns")
			}
			if len(items) < len(targets) && len(st.Cols) > 0 {
				return nil, nil, pgerr.New(pgerr.SyntaxError, "INSERT has more target columns than expressions")
			}
			row := make([]Expr, len(t.Columns))
			for i := range t.Columns {
				c := &t.Columns[i]
				p := posOf[i]
				useDefault := p < 0 || p >= len(items) || items[p].GetSetToDefault() != nil
				if !useDefault {
					if useDefault, err = identityOverride(c); err != nil {
						return nil, nil, err
					}
				}
				if useDefault {
					if row[i], err = b.defaultExpr(t, c); err != nil {
						return nil, nil, err
					}
					continue
				}
				e, err := b.bindExpr(items[p], sc)
				if err != nil {
					return nil, nil, err
				}
				if row[i], err = b.assignCoerce(e, t, c); err != nil {
					return nil, nil, err
				}
			}
			rows = append(rows, row)
		}
		input = &LogicalValues{Rows: rows, cols: tcols}
	default:
		res, err := b.bindSelect(sel, sc)
		if err != nil {
			return nil, nil, err
		}
		scols := res.plan.Cols()
		if len(scols) > len(targets) {
			return nil, nil, pgerr.New(pgerr.SyntaxError, "INSERT has more expressions than target columns")
		}
		proj := &LogicalProject{Input: res.plan, cols: tcols}
		for i := range t.Columns {
			c := &t.Columns[i]
			p := posOf[i]
			var e Expr
			useDefault := p < 0 || p >= len(scols)
			if !useDefault {
				if useDefault, err = identityOverride(c); err != nil {
					return nil, nil, err
				}
			}
			if useDefault {
				if e, err = b.defaultExpr(t, c); err != nil {
					return nil, nil, err
				}
			} else if e, err = b.assignCoerce(&ColRef{Idx: p, Typ: scols[p].Typ, Name: scols[p].Name}, t, c); err != nil {
				return nil, nil, err
			}
			proj.Exprs = append(proj.Exprs, e)
		}
		input = proj
	}
	ins := &LogicalInsert{Table: t, Input: input}
	if ins.Checks, err = b.bindChecks(t); err != nil {
		return nil, nil, err
	}
	rowScope := &scope{cols: tableScope(t, alias, 0)}
	if oc := st.OnConflictClause; oc != nil {
		if ins.OnConflict, err = b.bindOnConflict(t, alias, oc); err != nil {
			return nil, nil, err
		}
	}
	var names []string
	if len(st.ReturningList) > 0 {
		if ins.Returning, ins.cols, names, err = b.bindReturning(st.ReturningList, rowScope); err != nil {
			return nil, nil, err
		}
	}
	return ins, names, nil
}

func (b *binder) bindOnConflict(t *catalog.Table, alias string, oc *pg_query.OnConflictClause) (*OnConflict, error) {
	out := &OnConflict{DoNothing: oc.Action == pg_query.OnConflictAction_ONCONFLICT_NOTHING}
	if t.IsLake() {
		// Lake tables have no unique constraints (their primary index over
		// lake_rowid is bookkeeping): no arbiter exists, so DO NOTHING
		// without one is a plain insert and anything else is PostgreSQL's
		// error for a table without a matching constraint.
		switch {
		case oc.Infer != nil && oc.Infer.Conname != "":
			return nil, pgerr.New(pgerr.UndefinedObject, "constraint \"%s\" for table \"%s\" does not exist", oc.Infer.Conname, t.Name)
		case oc.Infer != nil:
			return nil, pgerr.New(pgerr.InvalidColumnReference, "there is no unique or exclusion constraint matching the ON CONFLICT specification")
		case out.DoNothing:
			return nil, nil
		}
		return nil, pgerr.New(pgerr.SyntaxError, "ON CONFLICT DO UPDATE requires inference specification or constraint name")
	}
	if oc.Infer != nil {
		if oc.Infer.Conname != "" {
			for _, ix := range append([]catalog.Index{t.Primary}, t.Indexes...) {
				if ix.Name == oc.Infer.Conname {
					ix := ix
					out.Index = &ix
				}
			}
			if out.Index == nil {
				return nil, pgerr.New(pgerr.UndefinedObject, "constraint \"%s\" for table \"%s\" does not exist", oc.Infer.Conname, t.Name)
			}
		} else {
			want := map[uint32]bool{}
			for _, e := range oc.Infer.IndexElems {
				ie := e.GetIndexElem()
				if ie == nil || ie.Name == "" {
					return nil, pgerr.Unsupported("ON CONFLICT on expressions")
				}
				c := t.ColumnByName(ie.Name)
				if c == nil {
					return nil, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" does not exist", ie.Name)
				}
				want[c.ID] = true
			}
			for _, ix := range append([]catalog.Index{t.Primary}, t.Indexes...) {
				if !ix.Unique && !ix.Primary {
					continue
				}
				if len(ix.ColumnIDs) != len(want) {
					continue
				}
				match := true
				for _, id := range ix.ColumnIDs {
					match = match && want[id]
				}
				if match {
					ix := ix
					out.Index = &ix
					break
				}
			}
			if out.Index == nil {
				return nil, pgerr.New(pgerr.InvalidColumnReference, "there is no unique or exclusion constraint matching the ON CONFLICT specification")
			}
		}
	} else if !out.DoNothing {
		return nil, pgerr.New(pgerr.SyntaxError, "ON CONFLICT DO UPDATE requires inference specification or constraint name")
	}
	if out.DoNothing {
		return out, nil
	}
	n := len(t.Columns)
	sc := &scope{cols: append(tableScope(t, alias, 0), tableScope(t, "excluded", n)...)}
	for i := n; i < len(sc.cols); i++ {
		sc.cols[i].star = false
	}
	set, err := b.bindSetList(t, oc.TargetList, sc)
	if err != nil {
		return nil, err
	}
	out.Set = set
	if oc.WhereClause != nil {
		if out.Where, err = b.bindPredicate(oc.WhereClause, sc, "WHERE"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// bindSetList binds UPDATE's SET list into per-column expressions.
func (b *binder) bindSetList(t *catalog.Table, list []*pg_query.Node, sc *scope) ([]Expr, error) {
	set := make([]Expr, len(t.Columns))
	colIdx := func(name string) (int, error) {
		for i, c := range t.Columns {
			if c.Name == name && !c.Dropped && !c.Hidden {
				if set[i] != nil {
					return 0, pgerr.New(pgerr.DuplicateColumn, "multiple assignments to same column \"%s\"", name)
				}
				return i, nil
			}
		}
		return 0, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", name, t.Name)
	}
	var multiSrc Expr
	for _, n := range list {
		rt := n.GetResTarget()
		if len(rt.Indirection) > 0 {
			return nil, pgerr.Unsupported("UPDATE of subscripted or field columns")
		}
		i, err := colIdx(rt.Name)
		if err != nil {
			return nil, err
		}
		c := &t.Columns[i]
		var e Expr
		switch {
		case rt.Val.GetSetToDefault() != nil:
			e, err = b.defaultExpr(t, c)
		case rt.Val.GetMultiAssignRef() != nil:
			mar := rt.Val.GetMultiAssignRef()
			if mar.Colno == 1 {
				src, err := b.bindExpr(mar.Source, sc)
				if err != nil {
					return nil, err
				}
				multiSrc = src
			}
			tup, ok := multiSrc.(*TupleExpr)
			if !ok {
				return nil, pgerr.Unsupported("multiple-column UPDATE from a subquery")
			}
			if int(mar.Ncolumns) != len(tup.Elems) {
				return nil, pgerr.New(pgerr.SyntaxError, "number of columns does not match number of values")
			}
			e = tup.Elems[mar.Colno-1]
			if e.Type().Family != types.UnknownFamily || true {
				e, err = b.assignCoerce(e, t, c)
			}
		default:
			e, err = b.bindExpr(rt.Val, sc)
			if err == nil {
				e, err = b.assignCoerce(e, t, c)
			}
		}
		if err != nil {
			return nil, err
		}
		set[i] = e
	}
	return set, nil
}

func (b *binder) bindUpdate(st *pg_query.UpdateStmt) (Logical, []string, error) {
	sc := &scope{}
	if st.WithClause != nil {
		if err := b.bindWith(st.WithClause, sc); err != nil {
			return nil, nil, err
		}
	}
	t, alias, err := b.targetTable(st.Relation, "update")
	if err != nil {
		return nil, nil, err
	}
	b.require(t, catalog.PrivUpdate)
	if readsColumns(append(append([]*pg_query.Node{st.WhereClause}, st.TargetList...), st.ReturningList...)...) {
		b.require(t, catalog.PrivSelect)
	}
	var input Logical = &LogicalScan{Table: t, cols: tableCols(t)}
	sc.cols = tableScope(t, alias, 0)
	n := len(t.Columns)
	if len(st.FromClause) > 0 {
		from := &scope{parent: sc.parent, ctes: sc.ctes}
		fp, err := b.bindFromList(st.FromClause, from)
		if err != nil {
			return nil, nil, err
		}
		input = &LogicalJoin{Kind: InnerJoin, Left: input, Right: fp}
		sc.cols = append(sc.cols, shiftCols(from.cols, n)...)
	}
	if st.WhereClause != nil {
		pred, err := b.bindPredicate(st.WhereClause, sc, "WHERE")
		if err != nil {
			return nil, nil, err
		}
		input = &LogicalFilter{Input: input, Pred: pred}
	}
	set, err := b.bindSetList(t, st.TargetList, sc)
	if err != nil {
		return nil, nil, err
	}
	up := &LogicalUpdate{Table: t, Input: input, Set: set, EPQ: len(st.FromClause) == 0}
	if up.EPQ {
		if f, ok := input.(*LogicalFilter); ok {
			up.Recheck = f.Pred
		}
	}
	if up.Checks, err = b.bindChecks(t); err != nil {
		return nil, nil, err
	}
	var names []string
	if len(st.ReturningList) > 0 {
		if up.Returning, up.cols, names, err = b.bindReturning(st.ReturningList, sc); err != nil {
			return nil, nil, err
		}
	}
	return up, names, nil
}

func (b *binder) bindDelete(st *pg_query.DeleteStmt) (Logical, []string, error) {
	sc := &scope{}
	if st.WithClause != nil {
		if err := b.bindWith(st.WithClause, sc); err != nil {
			return nil, nil, err
		}
	}
	t, alias, err := b.targetTable(st.Relation, "delete from")
	if err != nil {
		return nil, nil, err
	}
	b.require(t, catalog.PrivDelete)
	if readsColumns(append([]*pg_query.Node{st.WhereClause}, st.ReturningList...)...) {
		b.require(t, catalog.PrivSelect)
	}
	var input Logical = &LogicalScan{Table: t, cols: tableCols(t)}
	sc.cols = tableScope(t, alias, 0)
	n := len(t.Columns)
	if len(st.UsingClause) > 0 {
		from := &scope{parent: sc.parent, ctes: sc.ctes}
		fp, err := b.bindFromList(st.UsingClause, from)
		if err != nil {
			return nil, nil, err
		}
		input = &LogicalJoin{Kind: InnerJoin, Left: input, Right: fp}
		sc.cols = append(sc.cols, shiftCols(from.cols, n)...)
	}
	if st.WhereClause != nil {
		pred, err := b.bindPredicate(st.WhereClause, sc, "WHERE")
		if err != nil {
			return nil, nil, err
		}
		input = &LogicalFilter{Input: input, Pred: pred}
	}
	del := &LogicalDelete{Table: t, Input: input, EPQ: len(st.UsingClause) == 0}
	if del.EPQ {
		if f, ok := input.(*LogicalFilter); ok {
			del.Recheck = f.Pred
		}
	}
	var names []string
	if len(st.ReturningList) > 0 {
		if del.Returning, del.cols, names, err = b.bindReturning(st.ReturningList, sc); err != nil {
			return nil, nil, err
		}
	}
	return del, names, nil
}

// sqlstateGeneratedAlways is generated_always (428C9); pgerr has no
// constant for it yet.
const sqlstateGeneratedAlways = "428C9"
