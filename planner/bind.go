package planner

import (
	"context"
	"errors"
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// binder holds the state of binding one statement.
type binder struct {
	ctx       context.Context
	env       Env
	cat       catalog.Reader
	params    []*types.T
	declared  int // number of client-declared parameter types
	nextWT    int
	viewDepth int
	// dmlCTEs are the data-modifying WITH queries, run once before the
	// statement (see LogicalWithDML).
	dmlCTEs []DMLCTE
	reg     *builtins.Registry
	// privs are the privileges the statement needs (Plan.Privileges);
	// asRole is whose privileges apply while binding a view's body.
	privs  []RequiredPrivilege
	asRole string
}

func newBinder(ctx context.Context, env Env) *binder {
	b := &binder{ctx: ctx, env: env, cat: env.Catalog(), reg: builtins.Default()}
	if re, ok := env.(RegistryEnv); ok && re.Registry() != nil {
		b.reg = re.Registry()
	}
	for _, t := range env.ParamTypes() {
		if t == nil {
			t = types.Unknown
		}
		b.params = append(b.params, t)
	}
	return b
}

func nodeName(n *pg_query.Node) string {
	if n == nil || n.Node == nil {
		return "empty"
	}
	s := fmt.Sprintf("%T", n.Node)
	return strings.TrimPrefix(s, "*pg_query.Node_")
}

func strVal(n *pg_query.Node) string {
	if s := n.GetString_(); s != nil {
		return s.Sval
	}
	return ""
}

func nameList(ns []*pg_query.Node) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		out = append(out, strVal(n))
	}
	return out
}

// ---------------------------------------------------------------- SELECT

// selectResult is a bound query: its plan and the names of its output columns.
type selectResult struct {
	plan  Logical
	names []string
}

func (r *selectResult) outScope(alias string, colAliases []string) *scope {
	cols := r.plan.Cols()
	sc := &scope{}
	for i, c := range cols {
		name := r.names[i]
		if i < len(colAliases) {
			name = colAliases[i]
		}
		sc.cols = append(sc.cols, scopeCol{table: alias, name: name, expr: &ColRef{Idx: i, Typ: c.Typ, Name: name}, meta: c, star: true})
	}
	return sc
}

// bindSelect binds any SELECT (simple, VALUES, set operation) with its
// WITH, ORDER BY and LIMIT. parent is the enclosing query's scope.
func (b *binder) bindSelect(st *pg_query.SelectStmt, parent *scope) (*selectResult, error) {
	if err := b.ctx.Err(); err != nil {
		// Clients must get 57014, never the bare context error (XX000).
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, pgerr.New(pgerr.QueryCanceled, "canceling statement due to statement timeout")
		}
		return nil, pgerr.New(pgerr.QueryCanceled, "canceling statement due to user request")
	}
	sc := &scope{parent: parent}
	if st.WithClause != nil {
		if err := b.bindWith(st.WithClause, sc); err != nil {
			return nil, err
		}
	}
	if len(st.LockingClause) > 0 {
		clauses, err := parseLockingClauses(st.LockingClause)
		if err != nil {
			return nil, err
		}
		if len(clauses) > 0 {
			if st.Op != pg_query.SetOperation_SETOP_NONE && st.Op != pg_query.SetOperation_SET_OPERATION_UNDEFINED {
				return nil, pgerr.New(pgerr.FeatureNotSupported, "%s is not allowed with UNION/INTERSECT/EXCEPT", clauses[0].strength)
			}
			if len(st.ValuesLists) > 0 {
				return nil, pgerr.New(pgerr.FeatureNotSupported, "%s cannot be applied to VALUES", clauses[0].strength)
			}
		}
	}
	if st.IntoClause != nil {
		return nil, pgerr.Unsupported("SELECT INTO")
	}
	switch {
	case st.Op != pg_query.SetOperation_SETOP_NONE && st.Op != pg_query.SetOperation_SET_OPERATION_UNDEFINED:
		res, err := b.bindSetOp(st, sc)
		if err != nil {
			return nil, err
		}
		return b.bindOrderLimit(st, res, sc)
	case len(st.ValuesLists) > 0:
		res, err := b.bindValues(st.ValuesLists, sc)
		if err != nil {
			return nil, err
		}
		return b.bindOrderLimit(st, res, sc)
	}
	return b.bindSimpleSelect(st, sc)
}

// bindOrderLimit applies ORDER BY (by output column name/ordinal or
// expression over the output) and LIMIT to a set operation or VALUES.
func (b *binder) bindOrderLimit(st *pg_query.SelectStmt, res *selectResult, sc *scope) (*selectResult, error) {
	plan := res.plan
	if len(st.SortClause) > 0 {
		out := res.outScope("", nil)
		out.parent = sc.parent
		out.ctes = sc.ctes
		var keys []SortKey
		for _, sn := range st.SortClause {
			sb := sn.GetSortBy()
			var e Expr
			if idx, ok, err := b.outputRef(sb.Node, res.names); err != nil {
				return nil, err
			} else if ok {
				c := plan.Cols()[idx]
				e = &ColRef{Idx: idx, Typ: c.Typ, Name: res.names[idx]}
			} else {
				var err error
				if e, err = b.bindExpr(sb.Node, out); err != nil {
					return nil, err
				}
			}
			keys = append(keys, sortKeyOf(sb, e))
		}
		plan = &LogicalSort{Input: plan, Keys: keys}
	}
	var err error
	plan, err = b.bindLimit(st, plan, sc)
	if err != nil {
		return nil, err
	}
	return &selectResult{plan: plan, names: res.names}, nil
}

func (b *binder) bindLimit(st *pg_query.SelectStmt, plan Logical, sc *scope) (Logical, error) {
	if st.LimitCount == nil && st.LimitOffset == nil {
		return plan, nil
	}
	if st.LimitOption == pg_query.LimitOption_LIMIT_OPTION_WITH_TIES {
		return nil, pgerr.Unsupported("FETCH ... WITH TIES")
	}
	lim := &LogicalLimit{Input: plan}
	noCols := &scope{parent: sc.parent}
	for i, n := range []*pg_query.Node{st.LimitCount, st.LimitOffset} {
		if n == nil {
			continue
		}
		if c := n.GetAConst(); c != nil && c.Isnull {
			continue // LIMIT NULL / LIMIT ALL
		}
		e, err := b.bindExpr(n, noCols)
		if err != nil {
			return nil, err
		}
		e, err = b.coerce(e, types.Int8, "LIMIT")
		if err != nil {
			return nil, err
		}
		if i == 0 {
			lim.Limit = e
		} else {
			lim.Offset = e
		}
	}
	return lim, nil
}

func sortKeyOf(sb *pg_query.SortBy, e Expr) SortKey {
	k := SortKey{Expr: e}
	k.Desc = sb.SortbyDir == pg_query.SortByDir_SORTBY_DESC
	switch sb.SortbyNulls {
	case pg_query.SortByNulls_SORTBY_NULLS_FIRST:
		k.NullsFirst = true
	case pg_query.SortByNulls_SORTBY_NULLS_LAST:
		k.NullsFirst = false
	default:
		k.NullsFirst = k.Desc // NULL is larger than every value
	}
	return k
}

// outputRef resolves an ORDER BY item that names an output column (bare
// name matching an alias) or is an ordinal.
func (b *binder) outputRef(n *pg_query.Node, names []string) (int, bool, error) {
	if c := n.GetAConst(); c != nil {
		if iv, ok := c.Val.(*pg_query.A_Const_Ival); ok {
			i := int(iv.Ival.Ival)
			if i < 1 || i > len(names) {
				return 0, false, pgerr.New(pgerr.InvalidColumnReference, "ORDER BY position %d is not in select list", i)
			}
			return i - 1, true, nil
		}
	}
	if cr := n.GetColumnRef(); cr != nil && len(cr.Fields) == 1 {
		name := strVal(cr.Fields[0])
		idx := -1
		for i, nm := range names {
			if nm == name {
				if idx >= 0 {
					return 0, false, pgerr.New(pgerr.AmbiguousColumn, "ORDER BY \"%s\" is ambiguous", name)
				}
				idx = i
			}
		}
		if idx >= 0 {
			return idx, true, nil
		}
	}
	return 0, false, nil
}

func (b *binder) bindValues(lists []*pg_query.Node, sc *scope) (*selectResult, error) {
	var rows [][]Expr
	width := -1
	for _, l := range lists {
		items := l.GetList().GetItems()
		if width >= 0 && len(items) != width {
			return nil, pgerr.New(pgerr.SyntaxError, "VALUES lists must all be the same length")
		}
		width = len(items)
		row := make([]Expr, len(items))
		for i, it := range items {
			if it.GetSetToDefault() != nil {
				return nil, pgerr.New(pgerr.SyntaxError, "DEFAULT is not allowed in this context")
			}
			e, err := b.bindExpr(it, sc)
			if err != nil {
				return nil, err
			}
			row[i] = e
		}
		rows = append(rows, row)
	}
	cols := make([]ColMeta, width)
	names := make([]string, width)
	for i := 0; i < width; i++ {
		ts := make([]*types.T, len(rows))
		for r := range rows {
			ts[r] = rows[r][i].Type()
		}
		t, err := commonType(ts, "VALUES")
		if err != nil {
			return nil, err
		}
		for r := range rows {
			if rows[r][i], err = b.coerce(rows[r][i], t, "VALUES"); err != nil {
				return nil, err
			}
		}
		names[i] = fmt.Sprintf("column%d", i+1)
		cols[i] = ColMeta{Name: names[i], Typ: t}
	}
	return &selectResult{plan: &LogicalValues{Rows: rows, cols: cols}, names: names}, nil
}

func (b *binder) bindSetOp(st *pg_query.SelectStmt, sc *scope) (*selectResult, error) {
	l, err := b.bindSelect(st.Larg, sc)
	if err != nil {
		return nil, err
	}
	r, err := b.bindSelect(st.Rarg, sc)
	if err != nil {
		return nil, err
	}
	var kind SetOpKind
	opName := "UNION"
	switch st.Op {
	case pg_query.SetOperation_SETOP_INTERSECT:
		kind, opName = Intersect, "INTERSECT"
	case pg_query.SetOperation_SETOP_EXCEPT:
		kind, opName = Except, "EXCEPT"
	}
	lc, rc := l.plan.Cols(), r.plan.Cols()
	if len(lc) != len(rc) {
		return nil, pgerr.New(pgerr.SyntaxError, "each %s query must have the same number of columns", opName)
	}
	cols := make([]ColMeta, len(lc))
	lconv, rconv := false, false
	lex, rex := make([]Expr, len(lc)), make([]Expr, len(lc))
	lu, ru := leafUnknownCols(st.Larg, len(lc)), leafUnknownCols(st.Rarg, len(rc))
	for i := range lc {
		// A bare literal in a leaf SELECT is still of unknown type when
		// the set operation resolves its column type (the leaf typed it
		// text, so the coercion below parses it at run time, failing
		// like PostgreSQL with 22P02 when it does not fit).
		ltyp, rtyp := lc[i].Typ, rc[i].Typ
		if lu[i] {
			ltyp = types.Unknown
		}
		if ru[i] {
			rtyp = types.Unknown
		}
		t, err := commonType([]*types.T{ltyp, rtyp}, opName)
		if err != nil {
			return nil, err
		}
		cols[i] = ColMeta{Name: l.names[i], Typ: t}
		lex[i], err = b.coerce(&ColRef{Idx: i, Typ: lc[i].Typ}, t, opName)
		if err != nil {
			return nil, err
		}
		rex[i], err = b.coerce(&ColRef{Idx: i, Typ: rc[i].Typ}, t, opName)
		if err != nil {
			return nil, err
		}
		if !lc[i].Typ.Identical(t) {
			lconv = true
		}
		if !rc[i].Typ.Identical(t) {
			rconv = true
		}
	}
	lp, rp := l.plan, r.plan
	if lconv {
		lp = &LogicalProject{Input: lp, Exprs: lex, cols: cols}
	}
	if rconv {
		rp = &LogicalProject{Input: rp, Exprs: rex, cols: cols}
	}
	return &selectResult{plan: &LogicalSetOp{Kind: kind, All: st.All, Left: lp, Right: rp, cols: cols}, names: l.names}, nil
}

// leafUnknownCols reports, per output column of a set operation's leaf
// SELECT, whether it is a bare string or NULL literal.
func leafUnknownCols(st *pg_query.SelectStmt, n int) []bool {
	out := make([]bool, n)
	if st == nil || (st.Op != pg_query.SetOperation_SETOP_NONE && st.Op != pg_query.SetOperation_SET_OPERATION_UNDEFINED) ||
		len(st.ValuesLists) > 0 || len(st.TargetList) != n {
		return out
	}
	for i, tn := range st.TargetList {
		c := tn.GetResTarget().GetVal().GetAConst()
		if c == nil {
			continue
		}
		if c.Isnull {
			out[i] = true
		} else if _, ok := c.Val.(*pg_query.A_Const_Sval); ok {
			out[i] = true
		}
	}
	return out
}

// bindWith registers the CTEs of a WITH clause in sc. Non-recursive CTEs
// are inlined at each reference (PostgreSQL's default for side-effect
// free CTEs; results are identical).
func (b *binder) bindWith(w *pg_query.WithClause, sc *scope) error {
	sc.ctes = map[string]*cteDef{}
	for _, n := range w.Ctes {
		cte := n.GetCommonTableExpr()
		if cte == nil {
			continue
		}
		q := cte.Ctequery.GetSelectStmt()
		def := &cteDef{name: cte.Ctename, colNames: nameList(cte.Aliascolnames)}
		if q == nil {
			if err := b.bindDMLCTE(def, cte, sc); err != nil {
				return err
			}
			sc.ctes[cte.Ctename] = def
			continue
		}
		if w.Recursive && (q.Op == pg_query.SetOperation_SETOP_UNION) && b.refersTo(q.Rarg, cte.Ctename) {
			// Like the non-recursive case below: bound at the WITH's level,
			// not seeing its query's FROM items.
			if err := b.bindRecursiveCTE(def, q, &scope{parent: sc.parent, ctes: sc.ctes, transparent: true}); err != nil {
				return err
			}
		} else {
			// The definition sees the WITH's CTEs and the enclosing query
			// levels, never the FROM items of the query the WITH belongs
			// to (bound later, but before this lazy bind runs).
			defScope := &scope{parent: sc.parent, ctes: sc.ctes, transparent: true}
			if w.Recursive && b.refersTo(q, cte.Ctename) {
				if q.Op == pg_query.SetOperation_SETOP_UNION {
					return pgerr.New(pgerr.InvalidRecursion, "recursive reference to query \"%s\" must not appear within its non-recursive term", cte.Ctename)
				}
				return pgerr.New(pgerr.InvalidRecursion, "recursive query \"%s\" does not have the form non-recursive-term UNION [ALL] recursive-term", cte.Ctename)
			}
			def.bind = func() (Logical, []ColMeta, error) {
				def.binding = true
				defer func() { def.binding = false }()
				r, err := b.bindSelect(q, defScope)
				if err != nil {
					return nil, nil, err
				}
				return r.plan, renameCols(r.plan.Cols(), r.names, def.colNames), nil
			}
		}
		sc.ctes[cte.Ctename] = def
	}
	return nil
}

// bindDMLCTE binds WITH x AS (INSERT/UPDATE/DELETE ... RETURNING ...):
// the statement runs exactly once, before the main query, and every
// reference reads its RETURNING rows from a work table.
func (b *binder) bindDMLCTE(def *cteDef, cte *pg_query.CommonTableExpr, sc *scope) error {
	if sc.parent != nil {
		return pgerr.New(pgerr.FeatureNotSupported, "WITH clause containing a data-modifying statement must be at the top level")
	}
	var l Logical
	var names []string
	var returning bool
	var err error
	switch x := cte.Ctequery.Node.(type) {
	case *pg_query.Node_InsertStmt:
		l, names, err = b.bindInsert(x.InsertStmt)
		returning = len(x.InsertStmt.ReturningList) > 0
	case *pg_query.Node_UpdateStmt:
		l, names, err = b.bindUpdate(x.UpdateStmt)
		returning = len(x.UpdateStmt.ReturningList) > 0
	case *pg_query.Node_DeleteStmt:
		l, names, err = b.bindDelete(x.DeleteStmt)
		returning = len(x.DeleteStmt.ReturningList) > 0
	default:
		return pgerr.Unsupported("this statement in WITH")
	}
	if err != nil {
		return err
	}
	b.nextWT++
	id := b.nextWT
	b.dmlCTEs = append(b.dmlCTEs, DMLCTE{ID: id, Plan: l})
	def.bind = func() (Logical, []ColMeta, error) {
		if !returning {
			return nil, nil, pgerr.New(pgerr.FeatureNotSupported, "WITH query \"%s\" does not have a RETURNING clause", def.name)
		}
		cols := renameCols(l.Cols(), names, def.colNames)
		return &LogicalWorkTable{ID: id, cols: cols}, cols, nil
	}
	return nil
}

func renameCols(cols []ColMeta, names []string, aliases []string) []ColMeta {
	out := make([]ColMeta, len(cols))
	for i := range cols {
		out[i] = cols[i]
		out[i].Name = names[i]
		if i < len(aliases) {
			out[i].Name = aliases[i]
		}
	}
	return out
}

// refersTo reports (approximately, by text) whether a query mentions name.
func (b *binder) refersTo(st *pg_query.SelectStmt, name string) bool {
	found := false
	var walk func(n *pg_query.Node)
	walk = func(n *pg_query.Node) {
		if n == nil || found {
			return
		}
		if rv := n.GetRangeVar(); rv != nil && rv.Schemaname == "" && rv.Relname == name {
			found = true
			return
		}
		if j := n.GetJoinExpr(); j != nil {
			walk(j.Larg)
			walk(j.Rarg)
		}
		if s := n.GetRangeSubselect(); s != nil {
			walk(s.Subquery)
		}
		if s := n.GetSelectStmt(); s != nil {
			for _, f := range s.FromClause {
				walk(f)
			}
			if s.Larg != nil {
				walk(&pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: s.Larg}})
				walk(&pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: s.Rarg}})
			}
		}
	}
	walk(&pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: st}})
	return found
}

func (b *binder) bindRecursiveCTE(def *cteDef, q *pg_query.SelectStmt, sc *scope) error {
	init, err := b.bindSelect(q.Larg, sc)
	if err != nil {
		return err
	}
	cols := renameCols(init.plan.Cols(), init.names, def.colNames)
	b.nextWT++
	wt := &LogicalWorkTable{ID: b.nextWT, cols: cols}
	def.recursive = wt
	sc.ctes[def.name] = def
	rec, err := b.bindSelect(q.Rarg, sc)
	if err != nil {
		return err
	}
	rc := rec.plan.Cols()
	if len(rc) != len(cols) {
		return pgerr.New(pgerr.SyntaxError, "each UNION query must have the same number of columns")
	}
	recPlan := rec.plan
	var conv []Expr
	needConv := false
	for i := range rc {
		e, err := b.coerce(&ColRef{Idx: i, Typ: rc[i].Typ}, cols[i].Typ, "UNION")
		if err != nil {
			return pgerr.New(pgerr.DatatypeMismatch, "recursive query \"%s\" column %d has type %s in non-recursive term but type %s overall", def.name, i+1, cols[i].Typ.SQLString(), rc[i].Typ.SQLString())
		}
		if !rc[i].Typ.Identical(cols[i].Typ) {
			needConv = true
		}
		conv = append(conv, e)
	}
	if needConv {
		recPlan = &LogicalProject{Input: recPlan, Exprs: conv, cols: cols}
	}
	node := &LogicalRecursiveCTE{ID: wt.ID, Init: init.plan, Recursive: recPlan, UnionAll: q.All, cols: cols}
	def.recursive = nil
	def.bind = func() (Logical, []ColMeta, error) { return node, cols, nil }
	return nil
}
