package pgcatalog

import (
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/conflux-db/conflux/catalog"

	"github.com/conflux-db/conflux/sql/parser"
	"github.com/conflux-db/conflux/sql/types"
)

// This file prints column defaults and CHECK expressions the way
// PostgreSQL's ruleutils.c deparses them (pg_get_expr,
// pg_get_constraintdef). The catalog keeps expressions as the SQL text the
// user wrote; PostgreSQL shows the analysed tree instead, with the
// coercions the parser inserted: 'x' on a text column reads 'x'::text, a
// varchar compared with a literal reads c::text <> ''::text, 0 compared
// with a numeric reads 0::numeric. psql prints these strings verbatim, so
// to match \d we re-type the expression against the table's columns with
// the few coercion rules that matter for constraints and defaults, and
// print it with ruleutils' parenthesisation (every operator wrapped when
// not pretty; only where precedence needs it when pretty). Anything this
// does not model is printed as pg_query deparses it.

type dkind int

const (
	xVar dkind = iota
	xConst
	xOp
	xBool
	xCast
	xFunc
	xNullTest
	xArrayOp
	xArray
	xRaw
)

type dexpr struct {
	kind dkind
	// text: column name (quoted), constant's external form, operator,
	// function name, BoolExpr operator (AND, OR, NOT) or raw SQL.
	text string
	typ  *types.T // nil when unknown
	// unknown marks a string literal (or NULL) not yet coerced to a type.
	unknown bool
	null    bool
	args    []*dexpr
	// implicit marks a coercion the parser inserted (shown only where
	// ruleutils shows implicit casts: operator and function arguments).
	implicit bool
	not      bool // IS NOT NULL; ALL instead of ANY
}

type deparser struct {
	cols   map[string]*types.T
	pretty bool
	res    *pg_query.ParseResult // the parsed "SELECT <expr>", for rawNode
	// scope, when set, resolves column references against a view's FROM
	// clause (qualified Vars) instead of cols.
	scope *viewScope
}

// deparseCheck is pg_get_constraintdef for CHECK constraints.
func deparseCheck(expr string, cols map[string]*types.T, pretty bool) string {
	return "CHECK (" + deparseExprText(expr, cols, nil, pretty) + ")"
}

// deparseExprText parses a stored SQL expression and prints it as
// pg_get_expr would. target, when set, is the type the expression is
// assigned to (a column default). The text is returned unchanged when it
// does not parse.
func deparseExprText(expr string, cols map[string]*types.T, target *types.T, pretty bool) string {
	res, err := pg_query.Parse("SELECT " + expr)
	if err != nil || len(res.Stmts) != 1 {
		return expr
	}
	sel := res.Stmts[0].Stmt.GetSelectStmt()
	if sel == nil || len(sel.TargetList) != 1 || sel.TargetList[0].GetResTarget() == nil {
		return expr
	}
	d := &deparser{cols: cols, pretty: pretty, res: res}
	e := d.build(sel.TargetList[0].GetResTarget().Val)
	if target != nil && e.kind == xConst && e.unknown {
		e = coerceConst(e, target)
	}
	return d.print(e, false)
}

// rawNode prints a node this file does not model as pg_query deparses
// it, by putting it in place of the parsed statement's target.
func (d *deparser) rawNode(n *pg_query.Node) *dexpr {
	if d.res == nil {
		return &dexpr{kind: xRaw, text: "?"}
	}
	rt := d.res.Stmts[0].Stmt.GetSelectStmt().TargetList[0].GetResTarget()
	saved := rt.Val
	rt.Val = n
	s, err := pg_query.Deparse(d.res)
	rt.Val = saved
	if err != nil {
		return &dexpr{kind: xRaw, text: "?"}
	}
	s = strings.TrimPrefix(s, "SELECT ")
	if n.GetSqlvalueFunction() != nil {
		s = strings.ToUpper(s) // ruleutils spells CURRENT_TIMESTAMP, CURRENT_USER...
	}
	return &dexpr{kind: xRaw, text: s}
}

func nodeString(n *pg_query.Node) string {
	if s := n.GetString_(); s != nil {
		return s.Sval
	}
	return ""
}

func (d *deparser) build(n *pg_query.Node) *dexpr {
	switch {
	case n.GetColumnRef() != nil:
		f := n.GetColumnRef().Fields
		if len(f) == 0 || f[len(f)-1].GetString_() == nil {
			return d.rawNode(n)
		}
		if d.scope != nil {
			if e, ok := d.scope.column(f); ok {
				return e
			}
			d.scope.ok = false
			return d.rawNode(n)
		}
		name := nodeString(f[len(f)-1])
		return &dexpr{kind: xVar, text: quoteIdent(name), typ: d.cols[name]}
	case n.GetAConst() != nil:
		return buildConst(n.GetAConst())
	case n.GetTypeCast() != nil:
		tc := n.GetTypeCast()
		t, err := parser.ResolveTypeName(tc.TypeName)
		if err != nil {
			return d.rawNode(n)
		}
		arg := d.build(tc.Arg)
		if arg.kind == xConst && arg.unknown {
			return coerceConst(arg, t)
		}
		return &dexpr{kind: xCast, typ: t, args: []*dexpr{arg}}
	case n.GetBoolExpr() != nil:
		b := n.GetBoolExpr()
		e := &dexpr{kind: xBool, typ: types.Bool}
		switch b.Boolop {
		case pg_query.BoolExprType_AND_EXPR:
			e.text = "AND"
		case pg_query.BoolExprType_OR_EXPR:
			e.text = "OR"
		default:
			e.text = "NOT"
		}
		for _, a := range b.Args {
			e.args = append(e.args, d.build(a))
		}
		return e
	case n.GetNullTest() != nil:
		nt := n.GetNullTest()
		return &dexpr{kind: xNullTest, typ: types.Bool, args: []*dexpr{d.build(nt.Arg)},
			not: nt.Nulltesttype == pg_query.NullTestType_IS_NOT_NULL}
	case n.GetFuncCall() != nil:
		return d.buildFunc(n)
	case n.GetAExpr() != nil:
		return d.buildAExpr(n)
	}
	return d.rawNode(n)
}

func buildConst(c *pg_query.A_Const) *dexpr {
	switch {
	case c.Isnull:
		return &dexpr{kind: xConst, unknown: true, null: true, text: "NULL"}
	case c.GetIval() != nil:
		return &dexpr{kind: xConst, typ: types.Int4, text: strconv.FormatInt(int64(c.GetIval().Ival), 10)}
	case c.GetFval() != nil:
		s := c.GetFval().Fval
		// Integers too big for int4 come through as Float: int8 or numeric.
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return &dexpr{kind: xConst, typ: types.Int8, text: s}
		}
		return &dexpr{kind: xConst, typ: types.Numeric, text: s}
	case c.GetBoolval() != nil:
		return &dexpr{kind: xConst, typ: types.Bool, text: strconv.FormatBool(c.GetBoolval().Boolval)}
	case c.GetSval() != nil:
		return &dexpr{kind: xConst, unknown: true, text: c.GetSval().Sval}
	}
	return &dexpr{kind: xRaw, text: "?"}
}

// coerceConst types an unknown literal as t, as the parser folds
// 'x'::t into a constant of type t (typmods are applied by a separate
// length coercion PostgreSQL does not show, so the label has none).
func coerceConst(e *dexpr, t *types.T) *dexpr {
	c := *e
	c.unknown = false
	c.typ = t.WithTypmod(-1)
	if t.Oid == types.OidBool && !c.null {
		switch strings.ToLower(strings.TrimSpace(c.text)) {
		case "t", "true", "y", "yes", "on", "1":
			c.text = "true"
		case "f", "false", "n", "no", "off", "0":
			c.text = "false"
		}
	}
	return &c
}

// implicitCast wraps e in the coercion the parser would add to reach t.
func implicitCast(e *dexpr, t *types.T) *dexpr {
	if e.typ != nil && e.typ.Oid == t.Oid {
		return e
	}
	if e.kind == xConst && e.unknown {
		return coerceConst(e, t)
	}
	return &dexpr{kind: xCast, typ: t, args: []*dexpr{e}, implicit: true}
}

var knownFuncTypes = map[string]*types.T{
	"length": types.Int4, "char_length": types.Int4, "octet_length": types.Int4,
	"lower": types.Text, "upper": types.Text, "btrim": types.Text, "trim": types.Text,
	"now": types.TimestampTZ, "nextval": types.Int8, "abs": nil,
}

func (d *deparser) buildFunc(n *pg_query.Node) *dexpr {
	fc := n.GetFuncCall()
	if fc.AggStar || fc.AggDistinct || fc.Over != nil || len(fc.AggOrder) > 0 || fc.AggFilter != nil ||
		fc.FuncVariadic || len(fc.Funcname) == 0 {
		return d.rawNode(n)
	}
	name := nodeString(fc.Funcname[len(fc.Funcname)-1])
	if fc.Funcformat != pg_query.CoercionForm_COERCE_EXPLICIT_CALL {
		return d.rawNode(n) // SQL-syntax functions (EXTRACT, SUBSTRING ...) print as written
	}
	e := &dexpr{kind: xFunc, text: quoteIdent(name), typ: knownFuncTypes[name]}
	for _, a := range fc.Args {
		arg := d.build(a)
		if arg.kind == xConst && arg.unknown && !arg.null {
			// Every builtin that takes a literal here takes text.
			arg = coerceConst(arg, types.Text)
		}
		e.args = append(e.args, arg)
	}
	return e
}

func (d *deparser) buildAExpr(n *pg_query.Node) *dexpr {
	a := n.GetAExpr()
	if len(a.Name) == 0 {
		return d.rawNode(n)
	}
	op := nodeString(a.Name[len(a.Name)-1])
	switch a.Kind {
	case pg_query.A_Expr_Kind_AEXPR_OP, pg_query.A_Expr_Kind_AEXPR_LIKE, pg_query.A_Expr_Kind_AEXPR_ILIKE:
		if a.Lexpr == nil || a.Rexpr == nil {
			return d.rawNode(n)
		}
		return binop(op, d.build(a.Lexpr), d.build(a.Rexpr))
	case pg_query.A_Expr_Kind_AEXPR_OP_ANY, pg_query.A_Expr_Kind_AEXPR_OP_ALL:
		arr := a.Rexpr.GetAArrayExpr()
		if arr == nil || a.Lexpr == nil {
			return d.rawNode(n)
		}
		e := d.inList(op, d.build(a.Lexpr), arr.Elements)
		e.not = a.Kind == pg_query.A_Expr_Kind_AEXPR_OP_ALL
		return e
	case pg_query.A_Expr_Kind_AEXPR_BETWEEN, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN:
		l := a.Rexpr.GetList()
		if l == nil || len(l.Items) != 2 {
			return d.rawNode(n)
		}
		lo, hi := d.build(l.Items[0]), d.build(l.Items[1])
		if a.Kind == pg_query.A_Expr_Kind_AEXPR_BETWEEN {
			return &dexpr{kind: xBool, text: "AND", typ: types.Bool, args: []*dexpr{
				binop(">=", d.build(a.Lexpr), lo), binop("<=", d.build(a.Lexpr), hi)}}
		}
		return &dexpr{kind: xBool, text: "OR", typ: types.Bool, args: []*dexpr{
			binop("<", d.build(a.Lexpr), lo), binop(">", d.build(a.Lexpr), hi)}}
	case pg_query.A_Expr_Kind_AEXPR_IN:
		l := a.Rexpr.GetList()
		if l == nil || len(l.Items) == 0 {
			return d.rawNode(n)
		}
		left := d.build(a.Lexpr)
		if len(l.Items) == 1 {
			return binop(op, left, d.build(l.Items[0]))
		}
		e := d.inList(op, left, l.Items)
		e.not = op == "<>"
		return e
	}
	return d.rawNode(n)
}

// inList is x IN (a, b): x = ANY (ARRAY[a, b]) over the list's common type.
func (d *deparser) inList(op string, left *dexpr, items []*pg_query.Node) *dexpr {
	elems := make([]*dexpr, len(items))
	common := left.typ
	for i, it := range items {
		elems[i] = d.build(it)
		if elems[i].typ != nil && !elems[i].unknown {
			common = widerType(common, elems[i].typ)
		}
	}
	if common == nil {
		common = types.Text
	}
	arr := &dexpr{kind: xArray, typ: types.ArrayOf(common)}
	for _, e := range elems {
		arr.args = append(arr.args, implicitCast(e, common))
	}
	if left.typ != nil {
		left = implicitCast(left, common)
	}
	if common.Oid == types.OidVarchar || common.Oid == types.OidBPChar {
		// varchar has no operators of its own: both sides become text.
		left = implicitCast(left, types.Text)
		arr = implicitCast(arr, types.ArrayOf(types.Text))
	}
	return &dexpr{kind: xArrayOp, text: op, typ: types.Bool, args: []*dexpr{left, arr}}
}

func typeCat(t *types.T) byte {
	if t == nil {
		return 0
	}
	switch t.Oid {
	case types.OidInt2, types.OidInt4, types.OidInt8:
		return 'i'
	case types.OidNumeric:
		return 'n'
	case types.OidFloat4, types.OidFloat8:
		return 'f'
	case types.OidText, types.OidVarchar, types.OidBPChar, types.OidName:
		return 's'
	}
	return 'o'
}

// widerType is the common type of two numeric or string types.
func widerType(a, b *types.T) *types.T {
	if a == nil {
		return b
	}
	if b == nil || a.Oid == b.Oid {
		return a
	}
	rank := map[uint32]int{types.OidInt2: 1, types.OidInt4: 2, types.OidInt8: 3, types.OidNumeric: 4,
		types.OidFloat4: 5, types.OidFloat8: 6}
	ra, rb := rank[a.Oid], rank[b.Oid]
	if ra > 0 && rb > 0 {
		if ra >= rb {
			return a
		}
		return b
	}
	if typeCat(a) == 's' && typeCat(b) == 's' {
		return types.Text
	}
	return a
}

var comparisonOps = map[string]bool{"=": true, "<>": true, "<": true, ">": true, "<=": true, ">=": true,
	"~~": true, "!~~": true, "~~*": true, "!~~*": true, "~": true, "!~": true}

// binop types a binary operator the way operator resolution would for
// the common cases: literals take the other side's type, integers mix
// freely, integer meets numeric as numeric, numeric meets float as
// float8, varchar is compared as text.
func binop(op string, l, r *dexpr) *dexpr {
	switch {
	case l.unknown && r.unknown:
		l, r = coerceConst(l, types.Text), coerceConst(r, types.Text)
	case l.unknown:
		l = coerceConst(l, literalPeer(r))
	case r.unknown:
		r = coerceConst(r, literalPeer(l))
	}
	cl, cr := typeCat(l.typ), typeCat(r.typ)
	var res *types.T
	switch {
	case cl == 'i' && cr == 'i':
		res = widerType(l.typ, r.typ)
	case (cl == 'i' || cl == 'n') && (cr == 'i' || cr == 'n'):
		l, r = implicitCast(l, types.Numeric), implicitCast(r, types.Numeric)
		res = types.Numeric
	case (cl == 'i' || cl == 'n' || cl == 'f') && (cr == 'i' || cr == 'n' || cr == 'f'):
		if !(cl == 'f' && cr == 'f') {
			l, r = implicitCast(l, types.Float8), implicitCast(r, types.Float8)
		}
		res = types.Float8
	case cl == 's' && cr == 's':
		if l.typ.Oid != r.typ.Oid || l.typ.Oid == types.OidVarchar {
			if !(l.typ.Oid == types.OidName || r.typ.Oid == types.OidName) {
				l, r = implicitCast(l, types.Text), implicitCast(r, types.Text)
			}
		}
		res = types.Text
	}
	if comparisonOps[op] {
		res = types.Bool
	}
	return &dexpr{kind: xOp, text: op, typ: res, args: []*dexpr{l, r}}
}

// literalPeer is the type a literal compared with e takes.
func literalPeer(e *dexpr) *types.T {
	if e.typ == nil {
		return types.Text
	}
	if e.typ.Oid == types.OidVarchar {
		return types.Text
	}
	return e.typ
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (d *deparser) printConst(e *dexpr) string {
	if e.null {
		if e.typ == nil {
			return "NULL"
		}
		return "NULL::" + formatType(e.typ.Oid, -1, false)
	}
	if e.typ == nil {
		return quoteLiteral(e.text)
	}
	switch e.typ.Oid {
	case types.OidInt4:
		if !strings.HasPrefix(e.text, "-") && strings.Trim(e.text, "0123456789") == "" && e.text != "" {
			return e.text
		}
	case types.OidNumeric:
		if e.text != "" && e.text[0] >= '0' && e.text[0] <= '9' && strings.ContainsAny(e.text, "eE.") {
			return e.text
		}
	case types.OidBool:
		if e.text == "true" || e.text == "false" {
			return e.text
		}
	}
	return quoteLiteral(e.text) + "::" + formatType(e.typ.Oid, -1, false)
}

// print is ruleutils' get_rule_expr.
func (d *deparser) print(e *dexpr, showImplicit bool) string {
	switch e.kind {
	case xVar, xRaw:
		return e.text
	case xConst:
		return d.printConst(e)
	case xCast:
		if e.implicit && !showImplicit {
			return d.paren(e.args[0], e, false)
		}
		var arg string
		if d.pretty {
			arg = d.paren(e.args[0], e, false)
		} else {
			arg = "(" + d.print(e.args[0], false) + ")"
		}
		return arg + "::" + formatType(e.typ.Oid, e.typ.Typmod, false)
	case xOp:
		s := d.paren(e.args[0], e, true) + " " + e.text + " " + d.paren(e.args[1], e, true)
		return d.wrap(s)
	case xBool:
		if e.text == "NOT" {
			return d.wrap("NOT " + d.paren(e.args[0], e, false))
		}
		parts := make([]string, len(e.args))
		for i, a := range e.args {
			parts[i] = d.paren(a, e, false)
		}
		return d.wrap(strings.Join(parts, " "+e.text+" "))
	case xNullTest:
		s := d.paren(e.args[0], e, true) + " IS NULL"
		if e.not {
			s = d.paren(e.args[0], e, true) + " IS NOT NULL"
		}
		return d.wrap(s)
	case xFunc:
		parts := make([]string, len(e.args))
		for i, a := range e.args {
			parts[i] = d.print(a, true)
		}
		return e.text + "(" + strings.Join(parts, ", ") + ")"
	case xArray:
		parts := make([]string, len(e.args))
		for i, a := range e.args {
			parts[i] = d.print(a, true)
		}
		return "ARRAY[" + strings.Join(parts, ", ") + "]"
	case xArrayOp:
		q := "ANY"
		if e.not {
			q = "ALL"
		}
		return d.wrap(d.paren(e.args[0], e, true) + " " + e.text + " " + q + " (" + d.paren(e.args[1], e, true) + ")")
	}
	return e.text
}

// wrap adds the parentheses ruleutils puts around every operator and
// boolean expression when not pretty-printing.
func (d *deparser) wrap(s string) string {
	if d.pretty {
		return s
	}
	return "(" + s + ")"
}

// paren is get_rule_expr_paren: in pretty mode, parenthesise e unless it
// binds tighter than its parent.
func (d *deparser) paren(e, parent *dexpr, showImplicit bool) string {
	s := d.print(e, showImplicit)
	if d.pretty && !isSimple(e, parent, showImplicit) {
		return "(" + s + ")"
	}
	return s
}

// isSimple is ruleutils' isSimpleNode under PRETTY_PAREN.
func isSimple(e, parent *dexpr, showImplicit bool) bool {
	switch e.kind {
	case xVar, xConst, xFunc, xArray, xRaw:
		return true
	case xCast:
		if e.implicit && !showImplicit {
			return isSimple(e.args[0], parent, showImplicit)
		}
		return true
	case xOp:
		if parent.kind == xOp {
			op, pop := e.text, parent.text
			lo, hi := strings.Contains("+-", op), strings.Contains("*/%", op)
			plo, phi := strings.Contains("+-", pop), strings.Contains("*/%", pop)
			if len(op) != 1 || len(pop) != 1 || !(lo || hi) || !(plo || phi) {
				return false
			}
			if hi && plo {
				return true
			}
			if lo && phi {
				return false
			}
			return parent.args[0] == e
		}
		fallthrough
	case xNullTest:
		switch parent.kind {
		case xBool, xFunc, xArray:
			return true
		}
		return false
	case xBool:
		switch parent.kind {
		case xBool:
			switch e.text {
			case "NOT", "AND":
				return parent.text == "AND" || parent.text == "OR"
			case "OR":
				return parent.text == "OR"
			}
			return false
		case xFunc, xArray:
			return true
		case xCast:
			return false
		}
		return false
	}
	return false
}

// columnTypes maps a table's column names to their types.
func columnTypes(cols []attr) map[string]*types.T {
	m := make(map[string]*types.T, len(cols))
	for _, c := range cols {
		m[c.name] = c.typ
	}
	return m
}

// checkColumns is pg_constraint.conkey for a CHECK: the attnums of the
// columns the expression names, in order of first appearance.
func checkColumns(t *catalog.Table, expr string) []int16 {
	res, err := pg_query.Parse("SELECT " + expr)
	if err != nil {
		return nil
	}
	nums := map[string]int16{}
	for i, c := range t.VisibleColumns() {
		nums[c.Name] = int16(i + 1)
	}
	var out []int16
	seen := map[int16]bool{}
	var walk func(m protoreflect.Message)
	walk = func(m protoreflect.Message) {
		if cr, ok := m.Interface().(*pg_query.ColumnRef); ok {
			if f := cr.Fields; len(f) > 0 {
				if n, ok := nums[nodeString(f[len(f)-1])]; ok && !seen[n] {
					seen[n] = true
					out = append(out, n)
				}
			}
			return
		}
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsList() && fd.Message() != nil:
				l := v.List()
				for i := 0; i < l.Len(); i++ {
					walk(l.Get(i).Message())
				}
			case fd.Message() != nil && !fd.IsMap():
				walk(v.Message())
			}
			return true
		})
	}
	walk(res.ProtoReflect())
	return out
}
