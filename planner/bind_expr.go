package planner

import (
	"errors"
	"reflect"
	"slices"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/sql/pgcatalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// RowIDExpr generates a new unique row id (the default of the hidden
// rowid column of tables without a primary key).
type RowIDExpr struct{}

func (RowIDExpr) Type() *types.T { return types.Int8 }
func (RowIDExpr) String() string { return "unique_rowid()" }

func (b *binder) bindPredicate(n *pg_query.Node, sc *scope, clause string) (Expr, error) {
	e, err := b.bindExpr(n, sc)
	if err != nil {
		return nil, err
	}
	e, err = b.coerce(e, types.Bool, clause)
	if err != nil {
		return nil, err
	}
	if e.Type().Family != types.BoolFamily {
		return nil, pgerr.New(pgerr.DatatypeMismatch, "argument of %s must be type boolean, not type %s", clause, e.Type().SQLString())
	}
	return factorOr(e), nil
}

// factorOr pulls the conjuncts every branch of an OR shares out of it:
// (a AND b) OR (a AND c) is a AND (b OR c). This holds in three-valued
// logic too, and turns a join condition repeated in each branch (TPC-H
// Q19) into one the planner can hash on. Only conjuncts built from
// columns, constants and deterministic operators are shared, so no
// volatile call is evaluated a different number of times.
func factorOr(e Expr) Expr {
	var out []Expr
	for _, c := range conjuncts(e) {
		out = append(out, factorOrConjunct(c)...)
	}
	if len(out) == 1 {
		return out[0]
	}
	return &BoolOp{Op: "AND", Args: out}
}

func factorOrConjunct(e Expr) []Expr {
	or, ok := e.(*BoolOp)
	if !ok || or.Op != "OR" || len(or.Args) < 2 {
		return []Expr{e}
	}
	branches := make([][]Expr, len(or.Args))
	for i, a := range or.Args {
		branches[i] = conjuncts(a)
	}
	var common []Expr
	for _, c := range branches[0] {
		if !factorable(c) {
			continue
		}
		inAll := true
		for _, br := range branches[1:] {
			if !slices.ContainsFunc(br, func(x Expr) bool { return reflect.DeepEqual(x, c) }) {
				inAll = false
				break
			}
		}
		if inAll && !slices.ContainsFunc(common, func(x Expr) bool { return reflect.DeepEqual(x, c) }) {
			common = append(common, c)
		}
	}
	if len(common) == 0 {
		return []Expr{e}
	}
	rest := make([]Expr, 0, len(branches))
	for _, br := range branches {
		var left []Expr
		for _, c := range br {
			if !slices.ContainsFunc(common, func(x Expr) bool { return reflect.DeepEqual(x, c) }) {
				left = append(left, c)
			}
		}
		switch len(left) {
		case 0:
			return common // one branch is just the common part: the OR adds nothing
		case 1:
			rest = append(rest, left[0])
		default:
			rest = append(rest, &BoolOp{Op: "AND", Args: left})
		}
	}
	return append(common, &BoolOp{Op: "OR", Args: rest})
}

// factorable: e consists of column references, constants, parameters,
// comparisons, IN lists, IS NULL and boolean operators only.
func factorable(e Expr) bool {
	ok := true
	WalkExpr(e, func(x Expr) bool {
		switch x.(type) {
		case *ColRef, *OuterRef, *Const, *Param, *Cmp, *InList, *IsNullExpr, *BoolOp:
		default:
			ok = false
		}
		return ok
	})
	return ok
}

// nameEnv is the name-resolution environment for reg* literals.
func (b *binder) nameEnv() pgcatalog.NameEnv {
	env := pgcatalog.NameEnv{Catalog: b.cat, SearchPath: b.env.SearchPath(), Registry: b.reg}
	if ue, ok := b.env.(interface{ CurrentUser() string }); ok {
		env.User = ue.CurrentUser()
	}
	return env
}

// coerce converts e to t: unknown literals are parsed, untyped
// parameters take the type, anything else gets a cast node.
func (b *binder) coerce(e Expr, t *types.T, ctx string) (Expr, error) {
	et := e.Type()
	if et.Identical(t) || t.Family == types.UnknownFamily {
		return e, nil
	}
	switch x := e.(type) {
	case *Const:
		if x.Val == types.DNull {
			return &Const{Val: types.DNull, Typ: t}, nil
		}
		if et.Family == types.UnknownFamily && pgcatalog.IsRegType(t) {
			// 'name'::regclass resolves the name now, as PostgreSQL's parser does.
			d, err := pgcatalog.RegIn(string(x.Val.(types.DString)), t, b.nameEnv())
			if err != nil {
				return nil, err
			}
			return &Const{Val: d, Typ: t}, nil
		}
		if et.Family == types.UnknownFamily {
			d, err := types.ParseText(string(x.Val.(types.DString)), t, nil)
			if err != nil {
				return nil, err
			}
			return &Const{Val: d, Typ: t}, nil
		}
	case *Param:
		if et.Family == types.UnknownFamily {
			b.params[x.Idx] = t
			return &Param{Idx: x.Idx, Typ: t}, nil
		}
	}
	if et.Family == types.BoolFamily && t.Family == types.BoolFamily {
		return e, nil
	}
	if ctx == "WHERE" || ctx == "HAVING" || ctx == "JOIN/ON" || ctx == "CASE/WHEN" {
		if et.Family != types.UnknownFamily {
			return nil, pgerr.New(pgerr.DatatypeMismatch, "argument of %s must be type boolean, not type %s", ctx, et.SQLString())
		}
	}
	return &CastExpr{Arg: e, Typ: t}, nil
}

// resolveUnknownParam gives an untyped $n or literal in a position with no
// context (a select list item) the type text, as PostgreSQL does.
func (b *binder) resolveUnknownParam(e Expr) Expr {
	if p, ok := e.(*Param); ok && p.Typ.Family == types.UnknownFamily {
		if b.params[p.Idx].Family == types.UnknownFamily {
			b.params[p.Idx] = types.Text
		}
		return &Param{Idx: p.Idx, Typ: b.params[p.Idx]}
	}
	return e
}

func (b *binder) bindExprs(ns []*pg_query.Node, sc *scope) ([]Expr, error) {
	out := make([]Expr, len(ns))
	for i, n := range ns {
		e, err := b.bindExpr(n, sc)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

func (b *binder) bindExpr(n *pg_query.Node, sc *scope) (Expr, error) {
	if n == nil || n.Node == nil {
		return nil, pgerr.New(pgerr.SyntaxError, "missing expression")
	}
	switch x := n.Node.(type) {
	case *pg_query.Node_ColumnRef:
		e, err := b.bindColumnRef(x.ColumnRef, sc)
		return e, withPosition(err, x.ColumnRef.Location)
	case *pg_query.Node_AConst:
		return constFromAConst(x.AConst)
	case *pg_query.Node_ParamRef:
		idx := int(x.ParamRef.Number) - 1
		if idx < 0 || idx > 65535 {
			return nil, pgerr.New(pgerr.UndefinedParameter, "there is no parameter $%d", idx+1)
		}
		for len(b.params) <= idx {
			b.params = append(b.params, types.Unknown)
		}
		return &Param{Idx: idx, Typ: b.params[idx]}, nil
	case *pg_query.Node_TypeCast:
		e, err := b.bindCast(x.TypeCast, sc)
		if err != nil && x.TypeCast.Arg.GetAConst() != nil {
			// Bad literals point at the literal, as PostgreSQL's errors do.
			err = withPosition(err, x.TypeCast.Arg.GetAConst().Location)
		}
		return e, err
	case *pg_query.Node_AExpr:
		return b.bindAExpr(x.AExpr, sc)
	case *pg_query.Node_BoolExpr:
		args, err := b.bindExprs(x.BoolExpr.Args, sc)
		if err != nil {
			return nil, err
		}
		op := "AND"
		switch x.BoolExpr.Boolop {
		case pg_query.BoolExprType_OR_EXPR:
			op = "OR"
		case pg_query.BoolExprType_NOT_EXPR:
			op = "NOT"
		}
		for i := range args {
			if args[i], err = b.coerce(args[i], types.Bool, op); err != nil {
				return nil, err
			}
			if args[i].Type().Family != types.BoolFamily {
				return nil, pgerr.New(pgerr.DatatypeMismatch, "argument of %s must be type boolean, not type %s", op, args[i].Type().SQLString())
			}
		}
		return &BoolOp{Op: op, Args: args}, nil
	case *pg_query.Node_NullTest:
		arg, err := b.bindExpr(x.NullTest.Arg, sc)
		if err != nil {
			return nil, err
		}
		return &IsNullExpr{Arg: arg, Not: x.NullTest.Nulltesttype == pg_query.NullTestType_IS_NOT_NULL}, nil
	case *pg_query.Node_BooleanTest:
		arg, err := b.bindExpr(x.BooleanTest.Arg, sc)
		if err != nil {
			return nil, err
		}
		if arg, err = b.coerce(arg, types.Bool, "IS"); err != nil {
			return nil, err
		}
		if arg.Type().Family != types.BoolFamily {
			return nil, pgerr.New(pgerr.DatatypeMismatch, "argument of IS TRUE must be type boolean, not type %s", arg.Type().SQLString())
		}
		test := map[pg_query.BoolTestType]string{
			pg_query.BoolTestType_IS_TRUE: "TRUE", pg_query.BoolTestType_IS_NOT_TRUE: "NOT TRUE",
			pg_query.BoolTestType_IS_FALSE: "FALSE", pg_query.BoolTestType_IS_NOT_FALSE: "NOT FALSE",
			pg_query.BoolTestType_IS_UNKNOWN: "UNKNOWN", pg_query.BoolTestType_IS_NOT_UNKNOWN: "NOT UNKNOWN",
		}[x.BooleanTest.Booltesttype]
		return &BoolTest{Arg: arg, Test: test}, nil
	case *pg_query.Node_CaseExpr:
		return b.bindCase(x.CaseExpr, sc)
	case *pg_query.Node_CoalesceExpr:
		args, err := b.bindExprs(x.CoalesceExpr.Args, sc)
		if err != nil {
			return nil, err
		}
		t, err := b.unify(args, "COALESCE")
		if err != nil {
			return nil, err
		}
		return &CoalesceExpr{Args: args, Typ: t}, nil
	case *pg_query.Node_MinMaxExpr:
		args, err := b.bindExprs(x.MinMaxExpr.Args, sc)
		if err != nil {
			return nil, err
		}
		g := x.MinMaxExpr.Op == pg_query.MinMaxOp_IS_GREATEST
		name := "LEAST"
		if g {
			name = "GREATEST"
		}
		t, err := b.unify(args, name)
		if err != nil {
			return nil, err
		}
		return &MinMaxExpr{Greatest: g, Args: args, Typ: t}, nil
	case *pg_query.Node_NullIfExpr:
		args, err := b.bindExprs(x.NullIfExpr.Args, sc)
		if err != nil {
			return nil, err
		}
		c, err := b.bindCmp(CmpEQ, args[0], args[1], "=")
		if err != nil {
			return nil, err
		}
		cc := c.(*Cmp)
		return &NullIfExpr{L: cc.L, R: cc.R}, nil
	case *pg_query.Node_FuncCall:
		return b.bindFuncCall(x.FuncCall, sc)
	case *pg_query.Node_SubLink:
		return b.bindSubLink(x.SubLink, sc)
	case *pg_query.Node_AArrayExpr:
		return b.bindArray(x.AArrayExpr, sc, nil)
	case *pg_query.Node_AIndirection:
		return b.bindIndirection(x.AIndirection, sc)
	case *pg_query.Node_RowExpr:
		args, err := b.bindExprs(x.RowExpr.Args, sc)
		if err != nil {
			return nil, err
		}
		// PostgreSQL names an anonymous row's columns f1, f2, ...
		fields := make([]*types.T, len(args))
		labels := make([]string, len(args))
		for i, a := range args {
			fields[i], labels[i] = a.Type(), "f"+itoa(i+1)
		}
		return &TupleExpr{Elems: args, Typ: types.RecordOf(fields, labels)}, nil
	case *pg_query.Node_SqlvalueFunction:
		return b.bindSQLValueFunc(x.SqlvalueFunction, sc)
	case *pg_query.Node_CollateClause:
		return b.bindExpr(x.CollateClause.Arg, sc)
	case *pg_query.Node_SetToDefault:
		return nil, pgerr.New(pgerr.SyntaxError, "DEFAULT is not allowed in this context")
	case *pg_query.Node_AStar:
		return nil, pgerr.New(pgerr.SyntaxError, "* is not allowed here")
	}
	return nil, pgerr.Unsupported("expression " + nodeName(n))
}

func (b *binder) bindColumnRef(cr *pg_query.ColumnRef, sc *scope) (Expr, error) {
	if isStar(cr) {
		return nil, pgerr.Unsupported("row-valued * in expressions")
	}
	f := nameList(cr.Fields)
	switch len(f) {
	case 1:
		return sc.resolve("", f[0])
	case 2:
		return sc.resolve(f[0], f[1])
	case 3:
		return sc.resolve(f[1], f[2])
	}
	return nil, pgerr.New(pgerr.SyntaxError, "improper qualified name (too many dotted names): %s", strings.Join(f, "."))
}

func (b *binder) unify(args []Expr, ctx string) (*types.T, error) {
	ts := make([]*types.T, len(args))
	for i, a := range args {
		ts[i] = a.Type()
	}
	t, err := commonType(ts, ctx)
	if err != nil {
		return nil, err
	}
	for i := range args {
		if args[i], err = b.coerce(args[i], t, ctx); err != nil {
			return nil, err
		}
	}
	return t, nil
}

func (b *binder) bindCast(tc *pg_query.TypeCast, sc *scope) (Expr, error) {
	t, err := resolveTypeName(tc.TypeName)
	if err != nil {
		return nil, err
	}
	var arg Expr
	if ae := tc.Arg.GetAArrayExpr(); ae != nil && t.Family == types.ArrayFamily {
		arg, err = b.bindArray(ae, sc, t.Elem)
	} else {
		arg, err = b.bindExpr(tc.Arg, sc)
	}
	if err != nil {
		return nil, err
	}
	at := arg.Type()
	if c, ok := arg.(*Const); ok && at.Family == types.UnknownFamily {
		if s, isStr := c.Val.(types.DString); isStr && t.Family == types.IntervalFamily {
			if rng := intervalRange(tc.TypeName); rng != ivFullRange {
				// INTERVAL '90' DAY: the range gives bare numbers their
				// unit and truncates lower fields.
				iv, err := types.ParseInterval(intervalUnitless(string(s), rng))
				if err != nil {
					return nil, err
				}
				return &Const{Val: truncateInterval(iv, rng), Typ: t}, nil
			}
		}
		if s, isStr := c.Val.(types.DString); isStr && t.Family == types.StringFamily && t.VarcharLen() >= 0 {
			// An explicit length coercion truncates: 'abc'::varchar(2) is 'ab'.
			d, err := types.Cast(s, types.Text, t, nil)
			if err != nil {
				return nil, err
			}
			return &Const{Val: d, Typ: t}, nil
		}
		return b.coerce(c, t, "CAST")
	}
	if p, ok := arg.(*Param); ok && at.Family == types.UnknownFamily {
		return b.coerce(p, t, "CAST")
	}
	if at.Identical(t) {
		return arg, nil
	}
	if !explicitCastOK(at, t) {
		return nil, pgerr.New(pgerr.CannotCoerce, "cannot cast type %s to %s", at.SQLString(), t.SQLString())
	}
	return &CastExpr{Arg: arg, Typ: t}, nil
}

func explicitCastOK(from, to *types.T) bool {
	if assignmentCastOK(from, to) || from.Family == types.StringFamily || from.Family == types.UnknownFamily {
		return true
	}
	switch {
	case from.Family == types.BoolFamily && to.Family == types.IntFamily, from.Family == types.IntFamily && to.Family == types.BoolFamily:
		return true
	case from.Family == types.JSONFamily && (typeCategory(to) == 'N' || to.Family == types.BoolFamily):
		return true
	case from.Family == types.TimeFamily && to.Family == types.IntervalFamily, from.Family == types.IntervalFamily && to.Family == types.TimeFamily:
		return true
	case from.Family == types.RecordFamily:
		return to.Family == types.RecordFamily
	}
	return false
}

func opName(names []*pg_query.Node) string {
	l := nameList(names)
	return l[len(l)-1] // OPERATOR(pg_catalog.~) -> "~"
}

var cmpOps = map[string]CmpOp{"=": CmpEQ, "<>": CmpNE, "!=": CmpNE, "<": CmpLT, "<=": CmpLE, ">": CmpGT, ">=": CmpGE}

func (b *binder) bindAExpr(a *pg_query.A_Expr, sc *scope) (Expr, error) {
	switch a.Kind {
	case pg_query.A_Expr_Kind_AEXPR_OP:
		op := opName(a.Name)
		if a.Lexpr == nil {
			r, err := b.bindExpr(a.Rexpr, sc)
			if err != nil {
				return nil, err
			}
			return b.bindUnaryOp(op, r)
		}
		l, err := b.bindExpr(a.Lexpr, sc)
		if err != nil {
			return nil, err
		}
		r, err := b.bindExpr(a.Rexpr, sc)
		if err != nil {
			return nil, err
		}
		return b.bindBinaryOp(op, l, r)
	case pg_query.A_Expr_Kind_AEXPR_OP_ANY, pg_query.A_Expr_Kind_AEXPR_OP_ALL:
		op := opName(a.Name)
		l, err := b.bindExpr(a.Lexpr, sc)
		if err != nil {
			return nil, err
		}
		r, err := b.bindExpr(a.Rexpr, sc)
		if err != nil {
			return nil, err
		}
		return b.bindAnyOp(op, l, r, a.Kind == pg_query.A_Expr_Kind_AEXPR_OP_ALL)
	case pg_query.A_Expr_Kind_AEXPR_DISTINCT, pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT:
		l, err := b.bindExpr(a.Lexpr, sc)
		if err != nil {
			return nil, err
		}
		r, err := b.bindExpr(a.Rexpr, sc)
		if err != nil {
			return nil, err
		}
		c, err := b.bindCmp(CmpEQ, l, r, "=")
		if err != nil {
			return nil, err
		}
		if cc, ok := c.(*Cmp); ok {
			return &IsDistinct{L: cc.L, R: cc.R, Not: a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT}, nil
		}
		return nil, pgerr.Unsupported("IS DISTINCT FROM on rows")
	case pg_query.A_Expr_Kind_AEXPR_NULLIF:
		l, err := b.bindExpr(a.Lexpr, sc)
		if err != nil {
			return nil, err
		}
		r, err := b.bindExpr(a.Rexpr, sc)
		if err != nil {
			return nil, err
		}
		c, err := b.bindCmp(CmpEQ, l, r, "=")
		if err != nil {
			return nil, err
		}
		cc := c.(*Cmp)
		return &NullIfExpr{L: cc.L, R: cc.R}, nil
	case pg_query.A_Expr_Kind_AEXPR_IN:
		op := opName(a.Name) // "=" or "<>"
		l, err := b.bindExpr(a.Lexpr, sc)
		if err != nil {
			return nil, err
		}
		list, err := b.bindExprs(a.Rexpr.GetList().GetItems(), sc)
		if err != nil {
			return nil, err
		}
		all := append([]Expr{l}, list...)
		if _, isTuple := l.(*TupleExpr); isTuple {
			// Row IN (rows): expand into ORed row comparisons.
			var ors []Expr
			for _, it := range list {
				c, err := b.bindCmp(CmpEQ, l, it, "=")
				if err != nil {
					return nil, err
				}
				ors = append(ors, c)
			}
			var e Expr = &BoolOp{Op: "OR", Args: ors}
			if op == "<>" {
				e = &BoolOp{Op: "NOT", Args: []Expr{e}}
			}
			return e, nil
		}
		if _, err := b.unify(all, "IN"); err != nil {
			// Fall back to pairwise resolution for cross-type lists (int IN (numeric)).
			return nil, pgerr.New(pgerr.UndefinedFunction, "operator does not exist: %s = %s", l.Type().SQLString(), list[0].Type().SQLString())
		}
		return &InList{Arg: all[0], List: all[1:], Not: op == "<>"}, nil
	case pg_query.A_Expr_Kind_AEXPR_LIKE, pg_query.A_Expr_Kind_AEXPR_ILIKE, pg_query.A_Expr_Kind_AEXPR_SIMILAR:
		op := opName(a.Name)
		l, err := b.bindExpr(a.Lexpr, sc)
		if err != nil {
			return nil, err
		}
		r, err := b.bindExpr(a.Rexpr, sc)
		if err != nil {
			return nil, err
		}
		return b.bindBinaryOp(op, l, r)
	case pg_query.A_Expr_Kind_AEXPR_BETWEEN, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN,
		pg_query.A_Expr_Kind_AEXPR_BETWEEN_SYM, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM:
		x, err := b.bindExpr(a.Lexpr, sc)
		if err != nil {
			return nil, err
		}
		bounds := a.Rexpr.GetList().GetItems()
		lo, err := b.bindExpr(bounds[0], sc)
		if err != nil {
			return nil, err
		}
		hi, err := b.bindExpr(bounds[1], sc)
		if err != nil {
			return nil, err
		}
		between := func(lo, hi Expr) (Expr, error) {
			c1, err := b.bindCmp(CmpGE, x, lo, ">=")
			if err != nil {
				return nil, err
			}
			c2, err := b.bindCmp(CmpLE, x, hi, "<=")
			if err != nil {
				return nil, err
			}
			return &BoolOp{Op: "AND", Args: []Expr{c1, c2}}, nil
		}
		e, err := between(lo, hi)
		if err != nil {
			return nil, err
		}
		if a.Kind == pg_query.A_Expr_Kind_AEXPR_BETWEEN_SYM || a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM {
			e2, err := between(hi, lo)
			if err != nil {
				return nil, err
			}
			e = &BoolOp{Op: "OR", Args: []Expr{e, e2}}
		}
		if a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN || a.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM {
			e = &BoolOp{Op: "NOT", Args: []Expr{e}}
		}
		return e, nil
	}
	return nil, pgerr.Unsupported("operator expression kind")
}

// bindCmp binds a comparison, resolving operand types like PostgreSQL's
// operator resolution (unknown literals take the other side's type).
func (b *binder) bindCmp(op CmpOp, l, r Expr, name string) (Expr, error) {
	lt, rt := l.Type(), r.Type()
	if (lt.Family == types.RecordFamily) != (rt.Family == types.RecordFamily) &&
		lt.Family != types.UnknownFamily && rt.Family != types.UnknownFamily {
		return nil, pgerr.New(pgerr.UndefinedFunction, "operator does not exist: %s %s %s", lt.SQLString(), name, rt.SQLString()).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	}
	if lt.Family == types.RecordFamily || rt.Family == types.RecordFamily {
		return b.bindRowCmp(op, l, r)
	}
	if lt.Family == types.UnknownFamily && rt.Family == types.UnknownFamily {
		var err error
		if l, err = b.coerce(l, types.Text, name); err != nil {
			return nil, err
		}
		if r, err = b.coerce(r, types.Text, name); err != nil {
			return nil, err
		}
		return &Cmp{Op: op, L: l, R: r}, nil
	}
	if lt.Family == types.UnknownFamily {
		var err error
		l, err = b.coerce(l, rt, name)
		return &Cmp{Op: op, L: l, R: r}, err
	}
	if rt.Family == types.UnknownFamily {
		var err error
		r, err = b.coerce(r, lt, name)
		return &Cmp{Op: op, L: l, R: r}, err
	}
	if lt.Equivalent(rt) || (lt.Family == rt.Family && lt.Family != types.ArrayFamily) {
		return &Cmp{Op: op, L: l, R: r}, nil
	}
	t, err := commonType([]*types.T{lt, rt}, name)
	if err != nil || (!implicitCastOK(lt, t) || !implicitCastOK(rt, t)) {
		return nil, pgerr.New(pgerr.UndefinedFunction, "operator does not exist: %s %s %s", lt.SQLString(), name, rt.SQLString()).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	}
	if l, err = b.coerce(l, t, name); err != nil {
		return nil, err
	}
	if r, err = b.coerce(r, t, name); err != nil {
		return nil, err
	}
	return &Cmp{Op: op, L: l, R: r}, nil
}

// bindRowCmp expands a row comparison into scalar comparisons.
func (b *binder) bindRowCmp(op CmpOp, l, r Expr) (Expr, error) {
	lt, lok := l.(*TupleExpr)
	rt, rok := r.(*TupleExpr)
	if !lok || !rok {
		return nil, pgerr.Unsupported("comparison of record values")
	}
	if len(lt.Elems) != len(rt.Elems) {
		return nil, pgerr.New(pgerr.SyntaxError, "unequal number of entries in row expressions")
	}
	n := len(lt.Elems)
	eqs := make([]Expr, n)
	for i := 0; i < n; i++ {
		c, err := b.bindCmp(CmpEQ, lt.Elems[i], rt.Elems[i], "=")
		if err != nil {
			return nil, err
		}
		eqs[i] = c
	}
	switch op {
	case CmpEQ:
		return &BoolOp{Op: "AND", Args: eqs}, nil
	case CmpNE:
		return &BoolOp{Op: "NOT", Args: []Expr{&BoolOp{Op: "AND", Args: eqs}}}, nil
	}
	// Lexicographic: a < b  <=>  a1 < b1 OR (a1 = b1 AND (a2 < b2 OR ...)); the
	// last column uses op itself (<= for <=).
	var build func(i int) (Expr, error)
	build = func(i int) (Expr, error) {
		o := op
		if i < n-1 {
			if op == CmpLE {
				o = CmpLT
			} else if op == CmpGE {
				o = CmpGT
			}
		}
		c, err := b.bindCmp(o, lt.Elems[i], rt.Elems[i], o.String())
		if err != nil || i == n-1 {
			return c, err
		}
		rest, err := build(i + 1)
		if err != nil {
			return nil, err
		}
		return &BoolOp{Op: "OR", Args: []Expr{c, &BoolOp{Op: "AND", Args: []Expr{eqs[i], rest}}}}, nil
	}
	return build(0)
}

func (b *binder) bindBinaryOp(op string, l, r Expr) (Expr, error) {
	if c, ok := cmpOps[op]; ok {
		return b.bindCmp(c, l, r, op)
	}
	lt, rt := l.Type(), r.Type()
	// An unknown literal next to a typed operand is first tried as that type.
	qlt, qrt := lt, rt
	ov, err := b.reg.ResolveBinaryOp(op, qlt, qrt)
	if err != nil {
		return nil, err
	}
	args := []Expr{l, r}
	argTypes := make([]*types.T, 2)
	for i := range args {
		want := ov.Args[i]
		if want != nil && !isPseudoType(want) {
			if args[i], err = b.coerce(args[i], want, op); err != nil {
				return nil, err
			}
		} else if args[i].Type().Family == types.UnknownFamily {
			if args[i], err = b.coerce(args[i], types.Text, op); err != nil {
				return nil, err
			}
		}
		argTypes[i] = args[i].Type()
	}
	return &CallExpr{Name: op, Overload: ov, Args: args, Typ: retType(ov, argTypes)}, nil
}

func isPseudoType(t *types.T) bool {
	switch t.Oid {
	case types.OidAny, types.OidAnyElement, types.OidAnyArray, types.OidRecord:
		return true
	}
	return false
}

func (b *binder) bindUnaryOp(op string, r Expr) (Expr, error) {
	if c, ok := r.(*Const); ok && op == "-" {
		// Fold negative literals so -2147483648 is an int4 like in PostgreSQL.
		switch v := c.Val.(type) {
		case types.DInt:
			return &Const{Val: -v, Typ: c.Typ}, nil
		}
	}
	ov, err := b.reg.ResolveUnaryOp(op, r.Type())
	if err != nil {
		return nil, err
	}
	if want := ov.Args[0]; want != nil && !isPseudoType(want) {
		if r, err = b.coerce(r, want, op); err != nil {
			return nil, err
		}
	}
	return &CallExpr{Name: op, Overload: ov, Args: []Expr{r}, Typ: retType(ov, []*types.T{r.Type()})}, nil
}

// bindAnyOp binds x op ANY/ALL (array).
func (b *binder) bindAnyOp(op string, l, r Expr, all bool) (Expr, error) {
	rt := r.Type()
	if rt.Family == types.UnknownFamily {
		// '{1,2}' literal or untyped $n: an array of the left operand's type.
		lt := l.Type()
		if lt.Family == types.UnknownFamily {
			lt = types.Text
			var err error
			if l, err = b.coerce(l, lt, op); err != nil {
				return nil, err
			}
		}
		var err error
		if r, err = b.coerce(r, types.ArrayOf(lt), op); err != nil {
			return nil, err
		}
		rt = r.Type()
	}
	if rt.Family != types.ArrayFamily {
		return nil, pgerr.New(pgerr.WrongObjectType, "op ANY/ALL (array) requires array on right side")
	}
	if c, ok := cmpOps[op]; ok {
		// Resolve the element comparison, then re-type the array to match.
		ph := &Const{Val: types.DNull, Typ: rt.Elem}
		ce, err := b.bindCmp(c, l, ph, op)
		if err != nil {
			return nil, err
		}
		cc := ce.(*Cmp)
		if !cc.R.Type().Equivalent(rt.Elem) {
			r = &CastExpr{Arg: r, Typ: types.ArrayOf(cc.R.Type())}
		}
		return &AnyExpr{Op: c, All: all, Arg: cc.L, Array: r}, nil
	}
	ov, err := b.reg.ResolveBinaryOp(op, l.Type(), rt.Elem)
	if err != nil {
		return nil, err
	}
	if want := ov.Args[0]; want != nil && !isPseudoType(want) {
		if l, err = b.coerce(l, want, op); err != nil {
			return nil, err
		}
	}
	return &AnyExpr{All: all, Arg: l, Array: r, Overload: ov, OpName: op}, nil
}

func (b *binder) bindCase(c *pg_query.CaseExpr, sc *scope) (Expr, error) {
	var arg Expr
	var err error
	if c.Arg != nil {
		if arg, err = b.bindExpr(c.Arg, sc); err != nil {
			return nil, err
		}
	}
	out := &CaseExpr{}
	var results []Expr
	for _, wn := range c.Args {
		w := wn.GetCaseWhen()
		cond, err := b.bindExpr(w.Expr, sc)
		if err != nil {
			return nil, err
		}
		if arg != nil {
			if cond, err = b.bindCmp(CmpEQ, arg, cond, "="); err != nil {
				return nil, err
			}
		} else if cond, err = b.coerce(cond, types.Bool, "CASE/WHEN"); err != nil {
			return nil, err
		}
		if cond.Type().Family != types.BoolFamily {
			return nil, pgerr.New(pgerr.DatatypeMismatch, "argument of CASE/WHEN must be type boolean, not type %s", cond.Type().SQLString())
		}
		res, err := b.bindExpr(w.Result, sc)
		if err != nil {
			return nil, err
		}
		out.Whens = append(out.Whens, CaseWhen{Cond: cond})
		results = append(results, res)
	}
	if c.Defresult != nil {
		res, err := b.bindExpr(c.Defresult, sc)
		if err != nil {
			return nil, err
		}
		results = append(results, res)
	}
	t, err := b.unify(results, "CASE")
	if err != nil {
		return nil, err
	}
	for i := range out.Whens {
		out.Whens[i].Result = results[i]
	}
	if c.Defresult != nil {
		out.Else = results[len(results)-1]
	}
	out.Typ = t
	return out, nil
}

func (b *binder) bindArray(a *pg_query.A_ArrayExpr, sc *scope, elem *types.T) (Expr, error) {
	var elems []Expr
	for _, en := range a.Elements {
		if sub := en.GetAArrayExpr(); sub != nil {
			return nil, pgerr.Unsupported("multidimensional arrays")
		}
		e, err := b.bindExpr(en, sc)
		if err != nil {
			return nil, err
		}
		elems = append(elems, e)
	}
	var t *types.T
	var err error
	if elem != nil {
		t = elem
		for i := range elems {
			if elems[i], err = b.coerce(elems[i], t, "ARRAY"); err != nil {
				return nil, err
			}
		}
	} else {
		if len(elems) == 0 {
			return nil, pgerr.New(pgerr.IndeterminateDatatype, "cannot determine type of empty array").
				WithHint("Explicitly cast to the desired type, for example ARRAY[]::integer[].")
		}
		if t, err = b.unify(elems, "ARRAY"); err != nil {
			return nil, err
		}
	}
	return &ArrayExpr{Elems: elems, Typ: types.ArrayOf(t)}, nil
}

func (b *binder) bindIndirection(ind *pg_query.A_Indirection, sc *scope) (Expr, error) {
	e, err := b.bindExpr(ind.Arg, sc)
	if err != nil {
		return nil, err
	}
	for _, in := range ind.Indirection {
		if in.GetAStar() != nil {
			return nil, pgerr.Unsupported("(expression).* outside a select list")
		}
		if f := strVal(in); f != "" {
			if e, err = selectField(e, f); err != nil {
				return nil, withPosition(err, argLocation(ind.Arg))
			}
			continue
		}
		idx := in.GetAIndices()
		if idx == nil {
			return nil, pgerr.Unsupported("this indirection")
		}
		t := e.Type()
		if t.Family != types.ArrayFamily {
			if t.Family == types.JSONFamily {
				return nil, pgerr.Unsupported("jsonb subscripting")
			}
			return nil, pgerr.New(pgerr.DatatypeMismatch, "cannot subscript type %s because it does not support subscripting", t.SQLString())
		}
		if idx.IsSlice {
			sl := &SliceExpr{Arr: e, Typ: t}
			bound := func(n *pg_query.Node) (Expr, bool, error) {
				if n == nil {
					return &Const{Val: types.DNull, Typ: types.Int4}, false, nil
				}
				x, err := b.bindExpr(n, sc)
				if err != nil {
					return nil, false, err
				}
				if x, err = b.coerce(x, types.Int4, "subscript"); err != nil {
					return nil, false, err
				}
				if x.Type().Family != types.IntFamily {
					return nil, false, pgerr.New(pgerr.DatatypeMismatch, "array subscript must have type integer")
				}
				return x, true, nil
			}
			if sl.Lo, sl.HasLo, err = bound(idx.Lidx); err != nil {
				return nil, err
			}
			if sl.Hi, sl.HasHi, err = bound(idx.Uidx); err != nil {
				return nil, err
			}
			if t.IsVector() {
				// A 0-based vector's slice is a plain array.
				sl.Typ = types.ArrayOf(t.Elem)
				for _, x := range []*Expr{&sl.Lo, &sl.Hi} {
					if *x, err = b.shiftSubscript(*x); err != nil {
						return nil, err
					}
				}
			}
			e = sl
			continue
		}
		i, err := b.bindExpr(idx.Uidx, sc)
		if err != nil {
			return nil, err
		}
		if i, err = b.coerce(i, types.Int4, "subscript"); err != nil {
			return nil, err
		}
		if i.Type().Family != types.IntFamily {
			return nil, pgerr.New(pgerr.DatatypeMismatch, "array subscript must have type integer")
		}
		if t.IsVector() {
			// int2vector/oidvector count from 0 (indkey[0] is the first
			// key); their datums use the default lower bound 1.
			if i, err = b.shiftSubscript(i); err != nil {
				return nil, err
			}
		}
		e = &SubscriptExpr{Arr: e, Idx: i, Typ: t.Elem}
	}
	return e, nil
}

func (b *binder) bindSQLValueFunc(f *pg_query.SQLValueFunction, sc *scope) (Expr, error) {
	name := map[pg_query.SQLValueFunctionOp]string{
		pg_query.SQLValueFunctionOp_SVFOP_CURRENT_DATE:        "current_date",
		pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME:        "current_time",
		pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIME_N:      "current_time",
		pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP:   "now",
		pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N: "now",
		pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME:           "localtime",
		pg_query.SQLValueFunctionOp_SVFOP_LOCALTIME_N:         "localtime",
		pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP:      "localtimestamp",
		pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N:    "localtimestamp",
		pg_query.SQLValueFunctionOp_SVFOP_CURRENT_ROLE:        "current_user",
		pg_query.SQLValueFunctionOp_SVFOP_CURRENT_USER:        "current_user",
		pg_query.SQLValueFunctionOp_SVFOP_USER:                "current_user",
		pg_query.SQLValueFunctionOp_SVFOP_SESSION_USER:        "session_user",
		pg_query.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:     "current_database",
		pg_query.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:      "current_schema",
	}[f.Op]
	_, ov, _, err := b.reg.ResolveFunc(name, nil)
	if err != nil {
		return nil, err
	}
	var e Expr = &CallExpr{Name: name, Overload: ov, Typ: retType(ov, nil)}
	if f.Typmod >= 0 && (name == "now" || name == "localtimestamp") {
		e = &CastExpr{Arg: e, Typ: e.Type().WithTypmod(f.Typmod)}
	}
	return e, nil
}

// withPosition sets the error's cursor position (1-based, as the
// protocol wants) from a parse-tree location when it has none yet.
func withPosition(err error, location int32) error {
	if err == nil || location < 0 {
		return err
	}
	var pe *pgerr.Error
	if errors.As(err, &pe) && pe.Position == 0 {
		c := *pe
		c.Position = location + 1
		return &c
	}
	return err
}
