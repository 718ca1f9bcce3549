package planner

import (
	"fmt"
	"strings"

	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/types"
)

// Expr is a bound, typed scalar expression. Column references are
// positions in the row of the operator that evaluates the expression.
type Expr interface {
	Type() *types.T
	String() string
}

// Const is a constant.
type Const struct {
	Val types.Datum
	Typ *types.T
}

// ColRef reads column Idx of the current input row.
type ColRef struct {
	Idx  int
	Typ  *types.T
	Name string
}

// OuterRef reads column Idx of the row of an enclosing query, Depth
// levels up (1 = the immediately enclosing query). Correlated
// subqueries and LATERAL use it; the executor keeps a stack of outer rows.
type OuterRef struct {
	Depth int
	Idx   int
	Typ   *types.T
	Name  string
}

// Param is $N (Idx = N-1).
type Param struct {
	Idx int
	Typ *types.T
}

// CallExpr calls a scalar function or operator overload.
type CallExpr struct {
	Name     string
	Overload *builtins.Overload
	Args     []Expr
	Typ      *types.T
}

// CmpOp is a comparison operator evaluated with types.Compare.
type CmpOp uint8

const (
	CmpEQ CmpOp = iota
	CmpNE
	CmpLT
	CmpLE
	CmpGT
	CmpGE
)

var cmpNames = [...]string{"=", "<>", "<", "<=", ">", ">="}

func (o CmpOp) String() string { return cmpNames[o] }

// Commute returns the operator with its operands swapped (a < b  <=>  b > a).
func (o CmpOp) Commute() CmpOp {
	switch o {
	case CmpLT:
		return CmpGT
	case CmpLE:
		return CmpGE
	case CmpGT:
		return CmpLT
	case CmpGE:
		return CmpLE
	}
	return o
}

// Cmp compares two expressions of the same (common) type.
type Cmp struct {
	Op   CmpOp
	L, R Expr
}

// BoolOp is AND / OR over any number of operands, or NOT over one.
type BoolOp struct {
	Op   string // "AND", "OR", "NOT"
	Args []Expr
}

// IsNullExpr is IS [NOT] NULL.
type IsNullExpr struct {
	Arg Expr
	Not bool
}

// IsDistinct is IS [NOT] DISTINCT FROM.
type IsDistinct struct {
	L, R Expr
	Not  bool
}

// BoolTest is IS [NOT] TRUE/FALSE/UNKNOWN.
type BoolTest struct {
	Arg  Expr
	Test string // "TRUE", "NOT TRUE", "FALSE", "NOT FALSE", "UNKNOWN", "NOT UNKNOWN"
}

// CaseExpr is the searched form; the simple form is rewritten to it.
type CaseExpr struct {
	Whens []CaseWhen
	Else  Expr // nil means NULL
	Typ   *types.T
}

// CaseWhen is one WHEN cond THEN result arm.
type CaseWhen struct{ Cond, Result Expr }

// CoalesceExpr returns its first non-NULL argument.
type CoalesceExpr struct {
	Args []Expr
	Typ  *types.T
}

// NullIfExpr is NULLIF(a, b).
type NullIfExpr struct {
	L, R Expr
}

// MinMaxExpr is GREATEST / LEAST (NULLs ignored).
type MinMaxExpr struct {
	Greatest bool
	Args     []Expr
	Typ      *types.T
}

// CastExpr converts Arg to Typ (explicit casts and implicit/assignment coercions).
type CastExpr struct {
	Arg Expr
	Typ *types.T
	// Assignment marks an INSERT/UPDATE assignment cast (typmod errors
	// instead of silent truncation where PostgreSQL does so).
	Assignment bool
}

// InList is x [NOT] IN (a, b, ...).
type InList struct {
	Arg  Expr
	List []Expr
	Not  bool
}

// AnyExpr is x op ANY/ALL (array).
type AnyExpr struct {
	Op    CmpOp
	All   bool
	Arg   Expr
	Array Expr
	// Like is set for LIKE/ILIKE ANY: then Overload is the matching operator.
	Overload *builtins.Overload
	OpName   string
}

// ArrayExpr is ARRAY[...].
type ArrayExpr struct {
	Elems []Expr
	Typ   *types.T
}

// SubscriptExpr is arr[i].
type SubscriptExpr struct {
	Arr, Idx Expr
	Typ      *types.T
}

// SliceExpr is arr[lo:hi]; a bound left out (arr[:hi]) is a NULL Const
// with its Has flag unset, so children stay positional.
type SliceExpr struct {
	Arr, Lo, Hi  Expr
	HasLo, HasHi bool
	Typ          *types.T
}

// TupleExpr is ROW(a, b) / (a, b).
type TupleExpr struct {
	Elems []Expr
	Typ   *types.T
}

// SubqueryKind says how a subquery is used in an expression.
type SubqueryKind uint8

const (
	SubqueryScalar SubqueryKind = iota
	SubqueryExists
	SubqueryAny // Arg op ANY (subquery); All for ALL
	SubqueryArray
)

// SubqueryExpr evaluates a nested plan.
type SubqueryExpr struct {
	Kind       SubqueryKind
	Plan       Physical
	Correlated bool
	// OuterDepth is how many query levels up the subquery reads (0 =
	// uncorrelated, 1 = the row of the query it is in); a subquery nested
	// in it that reads only this subquery's rows does not count.
	OuterDepth int
	// Logical is the subquery's logical plan, kept for decorrelation.
	Logical Logical
	// For SubqueryAny.
	Arg Expr
	Op  CmpOp
	All bool
	Typ *types.T
}

// AggRef and WindowRef are placeholders the binder uses while building
// aggregation and window nodes; they never reach the executor.
type phExpr struct {
	kind int // phAgg, phWindow, phSRF
	idx  int
	col  int // result column of a multi-column SRF
	typ  *types.T
}

func (e *Const) Type() *types.T         { return e.Typ }
func (e *ColRef) Type() *types.T        { return e.Typ }
func (e *OuterRef) Type() *types.T      { return e.Typ }
func (e *Param) Type() *types.T         { return e.Typ }
func (e *CallExpr) Type() *types.T      { return e.Typ }
func (e *Cmp) Type() *types.T           { return types.Bool }
func (e *BoolOp) Type() *types.T        { return types.Bool }
func (e *IsNullExpr) Type() *types.T    { return types.Bool }
func (e *IsDistinct) Type() *types.T    { return types.Bool }
func (e *BoolTest) Type() *types.T      { return types.Bool }
func (e *CaseExpr) Type() *types.T      { return e.Typ }
func (e *CoalesceExpr) Type() *types.T  { return e.Typ }
func (e *NullIfExpr) Type() *types.T    { return e.L.Type() }
func (e *MinMaxExpr) Type() *types.T    { return e.Typ }
func (e *CastExpr) Type() *types.T      { return e.Typ }
func (e *InList) Type() *types.T        { return types.Bool }
func (e *AnyExpr) Type() *types.T       { return types.Bool }
func (e *ArrayExpr) Type() *types.T     { return e.Typ }
func (e *SubscriptExpr) Type() *types.T { return e.Typ }
func (e *SliceExpr) Type() *types.T     { return e.Typ }
func (e *TupleExpr) Type() *types.T     { return e.Typ }
func (e *SubqueryExpr) Type() *types.T  { return e.Typ }
func (e *phExpr) Type() *types.T        { return e.typ }

func (e *Const) String() string {
	if e.Val == types.DNull {
		return "NULL"
	}
	s := datumString(e.Val)
	if e.Typ.IsVector() {
		s = types.FormatText(e.Val, e.Typ, nil)
	}
	switch e.Typ.Family {
	case types.IntFamily, types.FloatFamily, types.DecimalFamily, types.BoolFamily:
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'::" + e.Typ.SQLString()
}
func (e *ColRef) String() string {
	if e.Name != "" {
		return e.Name
	}
	return fmt.Sprintf("@%d", e.Idx+1)
}
func (e *OuterRef) String() string {
	return fmt.Sprintf("outer(%d).%s", e.Depth, e.Name)
}
func (e *Param) String() string { return fmt.Sprintf("$%d", e.Idx+1) }
func (e *CallExpr) String() string {
	if len(e.Args) == 1 && strings.HasPrefix(e.Name, fieldSelectPrefix) {
		return "(" + e.Args[0].String() + ")" + e.Name
	}
	if len(e.Args) == 2 && isOperatorName(e.Name) {
		return "(" + e.Args[0].String() + " " + e.Name + " " + e.Args[1].String() + ")"
	}
	if len(e.Args) == 1 && isOperatorName(e.Name) {
		return "(" + e.Name + " " + e.Args[0].String() + ")"
	}
	return e.Name + "(" + joinExprs(e.Args, ", ") + ")"
}
func (e *Cmp) String() string {
	return "(" + e.L.String() + " " + e.Op.String() + " " + e.R.String() + ")"
}
func (e *BoolOp) String() string {
	if e.Op == "NOT" {
		return "(NOT " + e.Args[0].String() + ")"
	}
	return "(" + joinExprs(e.Args, " "+e.Op+" ") + ")"
}
func (e *IsNullExpr) String() string {
	if e.Not {
		return "(" + e.Arg.String() + " IS NOT NULL)"
	}
	return "(" + e.Arg.String() + " IS NULL)"
}
func (e *IsDistinct) String() string {
	n := ""
	if e.Not {
		n = "NOT "
	}
	return "(" + e.L.String() + " IS " + n + "DISTINCT FROM " + e.R.String() + ")"
}
func (e *BoolTest) String() string { return "(" + e.Arg.String() + " IS " + e.Test + ")" }
func (e *CaseExpr) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, w := range e.Whens {
		b.WriteString(" WHEN " + w.Cond.String() + " THEN " + w.Result.String())
	}
	if e.Else != nil {
		b.WriteString(" ELSE " + e.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}
func (e *CoalesceExpr) String() string { return "COALESCE(" + joinExprs(e.Args, ", ") + ")" }
func (e *NullIfExpr) String() string   { return "NULLIF(" + e.L.String() + ", " + e.R.String() + ")" }
func (e *MinMaxExpr) String() string {
	if e.Greatest {
		return "GREATEST(" + joinExprs(e.Args, ", ") + ")"
	}
	return "LEAST(" + joinExprs(e.Args, ", ") + ")"
}
func (e *CastExpr) String() string { return "(" + e.Arg.String() + ")::" + e.Typ.SQLString() }
func (e *InList) String() string {
	n := ""
	if e.Not {
		n = "NOT "
	}
	return "(" + e.Arg.String() + " " + n + "IN (" + joinExprs(e.List, ", ") + "))"
}
func (e *AnyExpr) String() string {
	q := "ANY"
	if e.All {
		q = "ALL"
	}
	op := e.Op.String()
	if e.OpName != "" {
		op = e.OpName
	}
	return "(" + e.Arg.String() + " " + op + " " + q + " (" + e.Array.String() + "))"
}
func (e *ArrayExpr) String() string     { return "ARRAY[" + joinExprs(e.Elems, ", ") + "]" }
func (e *SubscriptExpr) String() string { return e.Arr.String() + "[" + e.Idx.String() + "]" }
func (e *SliceExpr) String() string {
	lo, hi := "", ""
	if e.HasLo {
		lo = e.Lo.String()
	}
	if e.HasHi {
		hi = e.Hi.String()
	}
	return e.Arr.String() + "[" + lo + ":" + hi + "]"
}
func (e *TupleExpr) String() string { return "ROW(" + joinExprs(e.Elems, ", ") + ")" }
func (e *SubqueryExpr) String() string {
	switch e.Kind {
	case SubqueryExists:
		return "EXISTS(SubPlan)"
	case SubqueryAny:
		q := "ANY"
		if e.All {
			q = "ALL"
		}
		return "(" + e.Arg.String() + " " + e.Op.String() + " " + q + " (SubPlan))"
	case SubqueryArray:
		return "ARRAY(SubPlan)"
	}
	return "(SubPlan)"
}
func (e *phExpr) String() string { return fmt.Sprintf("ph%d#%d.%d", e.kind, e.idx, e.col) }

func joinExprs(es []Expr, sep string) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, sep)
}

func isOperatorName(n string) bool {
	if n == "" {
		return false
	}
	c := n[0]
	return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_')
}

// WalkExpr calls fn on e and every sub-expression (pre-order) until fn returns false.
func WalkExpr(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	for _, c := range children(e) {
		WalkExpr(c, fn)
	}
}

func children(e Expr) []Expr {
	switch e := e.(type) {
	case *CallExpr:
		return e.Args
	case *Cmp:
		return []Expr{e.L, e.R}
	case *BoolOp:
		return e.Args
	case *IsNullExpr:
		return []Expr{e.Arg}
	case *IsDistinct:
		return []Expr{e.L, e.R}
	case *BoolTest:
		return []Expr{e.Arg}
	case *CaseExpr:
		var out []Expr
		for _, w := range e.Whens {
			out = append(out, w.Cond, w.Result)
		}
		if e.Else != nil {
			out = append(out, e.Else)
		}
		return out
	case *CoalesceExpr:
		return e.Args
	case *NullIfExpr:
		return []Expr{e.L, e.R}
	case *MinMaxExpr:
		return e.Args
	case *CastExpr:
		return []Expr{e.Arg}
	case *InList:
		return append([]Expr{e.Arg}, e.List...)
	case *AnyExpr:
		return []Expr{e.Arg, e.Array}
	case *ArrayExpr:
		return e.Elems
	case *SubscriptExpr:
		return []Expr{e.Arr, e.Idx}
	case *SliceExpr:
		return []Expr{e.Arr, e.Lo, e.Hi}
	case *TupleExpr:
		return e.Elems
	case *SubqueryExpr:
		if e.Arg != nil {
			return []Expr{e.Arg}
		}
	}
	return nil
}

// MapExpr rebuilds e bottom-up, replacing each node by fn(node) (fn sees
// the node with already-mapped children). It never mutates e.
func MapExpr(e Expr, fn func(Expr) (Expr, error)) (Expr, error) {
	if e == nil {
		return nil, nil
	}
	cs := children(e)
	if len(cs) > 0 {
		out := make([]Expr, len(cs))
		for i, c := range cs {
			var err error
			if out[i], err = MapExpr(c, fn); err != nil {
				return nil, err
			}
		}
		e = withChildren(e, out)
	}
	return fn(e)
}

// exprHasVolatile reports whether e contains something that must not be
// evaluated at plan time (parameters, columns, subqueries, volatile calls).
func isConstExpr(e Expr) bool {
	ok := true
	WalkExpr(e, func(x Expr) bool {
		switch x := x.(type) {
		case *ColRef, *OuterRef, *Param, *SubqueryExpr, *phExpr:
			ok = false
		case *CallExpr:
			if x.Overload == nil || x.Overload.Volatility != builtins.Immutable || x.Overload.Fn == nil {
				ok = false
			}
		case *CastExpr:
			// Casts that depend on session settings (timestamptz <-> text) are stable.
			if x.Typ.Family == types.TimestampTZFamily || x.Arg.Type().Family == types.TimestampTZFamily {
				ok = false
			}
		}
		return ok
	})
	return ok
}

// withChildren returns a copy of e whose children (in children() order) are cs.
func withChildren(e Expr, cs []Expr) Expr {
	switch e := e.(type) {
	case *CallExpr:
		c := *e
		c.Args = cs
		return &c
	case *Cmp:
		return &Cmp{Op: e.Op, L: cs[0], R: cs[1]}
	case *BoolOp:
		return &BoolOp{Op: e.Op, Args: cs}
	case *IsNullExpr:
		return &IsNullExpr{Arg: cs[0], Not: e.Not}
	case *IsDistinct:
		return &IsDistinct{L: cs[0], R: cs[1], Not: e.Not}
	case *BoolTest:
		return &BoolTest{Arg: cs[0], Test: e.Test}
	case *CaseExpr:
		c := &CaseExpr{Typ: e.Typ}
		for i := range e.Whens {
			c.Whens = append(c.Whens, CaseWhen{Cond: cs[2*i], Result: cs[2*i+1]})
		}
		if e.Else != nil {
			c.Else = cs[len(cs)-1]
		}
		return c
	case *CoalesceExpr:
		return &CoalesceExpr{Args: cs, Typ: e.Typ}
	case *NullIfExpr:
		return &NullIfExpr{L: cs[0], R: cs[1]}
	case *MinMaxExpr:
		return &MinMaxExpr{Greatest: e.Greatest, Args: cs, Typ: e.Typ}
	case *CastExpr:
		return &CastExpr{Arg: cs[0], Typ: e.Typ, Assignment: e.Assignment}
	case *InList:
		return &InList{Arg: cs[0], List: cs[1:], Not: e.Not}
	case *AnyExpr:
		c := *e
		c.Arg, c.Array = cs[0], cs[1]
		return &c
	case *ArrayExpr:
		return &ArrayExpr{Elems: cs, Typ: e.Typ}
	case *SubscriptExpr:
		return &SubscriptExpr{Arr: cs[0], Idx: cs[1], Typ: e.Typ}
	case *SliceExpr:
		return &SliceExpr{Arr: cs[0], Lo: cs[1], Hi: cs[2], HasLo: e.HasLo, HasHi: e.HasHi, Typ: e.Typ}
	case *TupleExpr:
		return &TupleExpr{Elems: cs, Typ: e.Typ}
	case *SubqueryExpr:
		c := *e
		c.Arg = cs[0]
		return &c
	}
	return e
}
