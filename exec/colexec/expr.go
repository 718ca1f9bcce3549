package colexec

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// Tri-state truth values of a predicate, one byte per row.
const (
	tFalse uint8 = 0
	tTrue  uint8 = 1
	tNull  uint8 = 2
)

// pred evaluates a boolean expression over a batch into out (len = rows).
type pred interface {
	eval(env *Env, b *Batch, out []uint8) error
}

// ScalarFn evaluates a row-independent expression (the row engine
// compiles it; see ConstCompiler).
type ScalarFn func(env *Env) (types.Datum, error)

// ConstCompiler lets the row engine handle operands that do not depend
// on the row (casts of constants and parameters): Fold evaluates one
// without parameters at construction, Fn compiles one for evaluation
// once per batch; ok=false means "not such an expression". Nil functions
// accept nothing.
type ConstCompiler struct {
	Fn   func(e planner.Expr) (ScalarFn, bool)
	Fold func(e planner.Expr) (types.Datum, bool)
}

// scalar is a constant operand: a Const, a Param or a row-independent
// expression, resolved once per batch.
type scalar struct {
	val   types.Datum // Const
	param int         // Param index, -1 for Const
	fn    ScalarFn    // other row-independent expressions
	typ   *types.T
}

func (s *scalar) get(env *Env) (types.Datum, error) {
	if s.fn != nil {
		return s.fn(env)
	}
	if s.param < 0 {
		return s.val, nil
	}
	if env.Param == nil {
		return nil, pgerr.New(pgerr.UndefinedParameter, "there is no parameter $%d", s.param+1)
	}
	return env.Param(s.param, s.typ)
}

func (c *compiler) asScalar(e planner.Expr) (*scalar, bool) {
	switch x := e.(type) {
	case *planner.Const:
		return &scalar{val: x.Val, param: -1, typ: x.Typ}, true
	case *planner.Param:
		return &scalar{param: x.Idx, typ: x.Typ}, true
	}
	if c.consts.Fold != nil {
		if d, ok := c.consts.Fold(e); ok {
			return &scalar{val: d, param: -1, typ: e.Type()}, true
		}
	}
	if c.consts.Fn != nil {
		if fn, ok := c.consts.Fn(e); ok {
			return &scalar{fn: fn, param: -1, typ: e.Type()}, true
		}
	}
	return nil, false
}

// compiler turns planner expressions over a batch with the given column
// specs into vectorized evaluators; ok=false means "not supported".
type compiler struct {
	specs  []colSpec
	mem    memory.Allocator
	consts ConstCompiler
	memo   map[string]*memoVal // computed subexpressions by text
}

func (c *compiler) colRef(e planner.Expr) (int, bool) {
	r, ok := e.(*planner.ColRef)
	if !ok || r.Idx < 0 || r.Idx >= len(c.specs) || c.specs[r.Idx].k == kNull {
		return 0, false
	}
	return r.Idx, true
}

func (c *compiler) pred(e planner.Expr) (pred, bool) {
	switch x := e.(type) {
	case *planner.Const:
		switch x.Val {
		case types.DNull:
			return constPred(tNull), true
		case types.DBool(true):
			return constPred(tTrue), true
		case types.DBool(false):
			return constPred(tFalse), true
		}
	case *planner.ColRef:
		if i, ok := c.colRef(x); ok && c.specs[i].k == kBool {
			return &boolColPred{col: i}, true
		}
	case *planner.IsNullExpr:
		if i, ok := c.colRef(x.Arg); ok {
			return &isNullPred{col: i, not: x.Not}, true
		}
	case *planner.BoolOp:
		p := &boolPred{op: x.Op}
		if x.Op != "AND" && x.Op != "OR" && (x.Op != "NOT" || len(x.Args) != 1) {
			return nil, false
		}
		for _, a := range x.Args {
			ap, ok := c.pred(a)
			if !ok {
				return nil, false
			}
			p.args = append(p.args, ap)
		}
		return p, true
	case *planner.Cmp:
		return c.cmp(x)
	case *planner.CallExpr:
		return c.like(x)
	case *planner.InList:
		// x IN (a, b) is x = a OR x = b under three-valued logic (a NULL
		// item or x makes a non-match NULL), and NOT IN is its negation:
		// exactly the row engine's answers.
		if len(x.List) == 0 {
			return nil, false
		}
		if p, ok := c.inConsts(x); ok {
			return p, true
		}
		or := &boolPred{op: "OR"}
		for _, item := range x.List {
			p, ok := c.cmp(&planner.Cmp{Op: planner.CmpEQ, L: x.Arg, R: item})
			if !ok {
				return nil, false
			}
			or.args = append(or.args, p)
		}
		if x.Not {
			return &boolPred{op: "NOT", args: []pred{or}}, true
		}
		return or, true
	}
	return nil, false
}

func (c *compiler) cmp(x *planner.Cmp) (pred, bool) {
	li, lok := c.colRef(x.L)
	ri, rok := c.colRef(x.R)
	switch {
	case lok && rok:
		ls, rs := c.specs[li], c.specs[ri]
		if ls.k != rs.k || ls.k == kNumeric && ls.scale != rs.scale || ls.t.Family != rs.t.Family {
			return nil, false
		}
		return &cmpPred{op: x.Op, l: li, r: ri, spec: ls}, true
	case lok:
		s, ok := c.asScalar(x.R)
		if !ok || !c.scalarFits(c.specs[li], s) {
			return nil, false
		}
		return &cmpPred{op: x.Op, l: li, r: -1, c: s, spec: c.specs[li]}, true
	case rok:
		s, ok := c.asScalar(x.L)
		if !ok || !c.scalarFits(c.specs[ri], s) {
			return nil, false
		}
		return &cmpPred{op: x.Op.Commute(), l: ri, r: -1, c: s, spec: c.specs[ri]}, true
	}
	return nil, false
}

// scalarFits checks at plan time that a constant compares with a column
// of spec exactly as types.Compare would (same family; numeric constants
// exactly representable at the column's scale; numeric parameters are
// not known yet and are left to the row engine).
func (c *compiler) scalarFits(s colSpec, sc *scalar) bool {
	if sc.typ.Family != s.t.Family {
		return false
	}
	if s.k == kNumeric {
		if sc.param >= 0 || sc.fn != nil {
			return false
		}
		if sc.val == types.DNull {
			return true
		}
		d, ok := sc.val.(*types.DDecimal)
		if !ok {
			return false
		}
		_, ok = decimalToScaled(d, s.scale)
		return ok
	}
	if sc.param < 0 && sc.fn == nil && sc.val != types.DNull {
		_, _, ok := scalarKey(s, sc.val)
		return ok
	}
	return true
}

// scalarKey converts a non-NULL datum to the comparison key used for
// columns of spec s: an int64 for every fixed-width kind, or a string.
func scalarKey(s colSpec, d types.Datum) (int64, string, bool) {
	switch s.k {
	case kBool:
		if v, ok := d.(types.DBool); ok {
			if v {
				return 1, "", true
			}
			return 0, "", true
		}
	case kInt:
		if v, ok := d.(types.DInt); ok {
			return int64(v), "", true
		}
	case kFloat:
		if v, ok := d.(types.DFloat); ok {
			return floatKey(float64(v)), "", true
		}
	case kString:
		if v, ok := d.(types.DString); ok {
			return 0, string(v), true
		}
	case kDate:
		if v, ok := d.(types.DDate); ok {
			return int64(v), "", true
		}
	case kTS:
		switch v := d.(type) {
		case types.DTimestamp:
			if s.t.Family == types.TimestampFamily {
				return int64(v), "", true
			}
		case types.DTimestampTZ:
			if s.t.Family == types.TimestampTZFamily {
				return int64(v), "", true
			}
		}
	case kNumeric:
		if v, ok := d.(*types.DDecimal); ok {
			k, ok := decimalToScaled(v, s.scale)
			return k, "", ok
		}
	}
	return 0, "", false
}

// floatKey maps a float64 to an int64 with PostgreSQL's float ordering:
// -0 = +0, and NaN equals itself and sorts above everything.
func floatKey(f float64) int64 {
	if f != f {
		return math.MaxInt64
	}
	if f == 0 {
		return 0
	}
	b := int64(math.Float64bits(f))
	if b < 0 {
		b ^= math.MaxInt64
	}
	return b
}

// intKeys returns the comparison keys of a fixed-width column (zero-copy
// for int64-backed kinds).
func intKeys(s colSpec, arr arrow.Array, buf []int64) []int64 {
	switch s.k {
	case kInt, kNumeric:
		return arr.(*array.Int64).Int64Values()
	}
	n := arr.Len()
	if cap(buf) < n {
		buf = make([]int64, n)
	}
	buf = buf[:n]
	switch s.k {
	case kBool:
		a := arr.(*array.Boolean)
		for i := range buf {
			if a.Value(i) {
				buf[i] = 1
			} else {
				buf[i] = 0
			}
		}
	case kFloat:
		for i, v := range arr.(*array.Float64).Float64Values() {
			buf[i] = floatKey(v)
		}
	case kDate:
		for i, v := range arr.(*array.Date32).Date32Values() {
			buf[i] = int64(v)
		}
	case kTS:
		for i, v := range arr.(*array.Timestamp).TimestampValues() {
			buf[i] = int64(v)
		}
	}
	return buf
}

func stringKeys(arr arrow.Array, buf []string) []string {
	a := arr.(*array.String)
	n := a.Len()
	if cap(buf) < n {
		buf = make([]string, n)
	}
	buf = buf[:n]
	for i := range buf {
		buf[i] = a.Value(i)
	}
	return buf
}

type constPred uint8

func (p constPred) eval(_ *Env, _ *Batch, out []uint8) error {
	for i := range out {
		out[i] = uint8(p)
	}
	return nil
}

type boolColPred struct{ col int }

func (p *boolColPred) eval(_ *Env, b *Batch, out []uint8) error {
	a := b.Rec.Column(p.col).(*array.Boolean)
	for i := range out {
		switch {
		case a.IsNull(i):
			out[i] = tNull
		case a.Value(i):
			out[i] = tTrue
		default:
			out[i] = tFalse
		}
	}
	return nil
}

type isNullPred struct {
	col int
	not bool
}

func (p *isNullPred) eval(_ *Env, b *Batch, out []uint8) error {
	a := b.Rec.Column(p.col)
	isNull, notNull := tTrue, tFalse
	if p.not {
		isNull, notNull = tFalse, tTrue
	}
	if a.NullN() == 0 {
		for i := range out {
			out[i] = notNull
		}
		return nil
	}
	for i := range out {
		if a.IsNull(i) {
			out[i] = isNull
		} else {
			out[i] = notNull
		}
	}
	return nil
}

// boolPred is AND / OR / NOT with SQL's three-valued logic. All operands
// are evaluated for every row; that is safe because predicates here
// cannot fail (comparisons and null tests only).
type boolPred struct {
	op   string
	args []pred
	tmp  []uint8
}

func (p *boolPred) eval(env *Env, b *Batch, out []uint8) error {
	if err := p.args[0].eval(env, b, out); err != nil {
		return err
	}
	if p.op == "NOT" {
		for i, v := range out {
			if v != tNull {
				out[i] = 1 - v
			}
		}
		return nil
	}
	if cap(p.tmp) < len(out) {
		p.tmp = make([]uint8, len(out))
	}
	tmp := p.tmp[:len(out)]
	// The value decided by every row (false for AND, true for OR) ends
	// the evaluation: the remaining operands cannot change it, and
	// predicates cannot fail, so skipping them is unobservable.
	decided := tFalse
	if p.op == "OR" {
		decided = tTrue
	}
	for _, a := range p.args[1:] {
		if allEqual(out, decided) {
			return nil
		}
		if err := a.eval(env, b, tmp); err != nil {
			return err
		}
		tab := &andTab
		if p.op == "OR" {
			tab = &orTab
		}
		tmp = tmp[:len(out)]
		for i, v := range tmp {
			out[i] = tab[(out[i]<<2|v)&15]
		}
	}
	return nil
}

// cmpPred compares column l with column r, or with scalar c when r < 0.
type cmpPred struct {
	op         planner.CmpOp
	l, r       int
	c          *scalar
	spec       colSpec
	lbuf, rbuf []int64
	lsb, rsb   []string
}

func (p *cmpPred) eval(env *Env, b *Batch, out []uint8) error {
	la := b.Rec.Column(p.l)
	var ra arrow.Array
	if p.r >= 0 {
		ra = b.Rec.Column(p.r)
	} else {
		d, err := p.c.get(env)
		if err != nil {
			return err
		}
		if d == types.DNull {
			return constPred(tNull).eval(env, b, out)
		}
		ik, sk, ok := scalarKey(p.spec, d)
		if !ok {
			return pgerr.New(pgerr.InternalError, "colexec: parameter $%d has an unexpected type", p.c.param+1)
		}
		if p.spec.k == kString {
			if p.op == planner.CmpEQ || p.op == planner.CmpNE {
				strEqConst(la.(*array.String), sk, p.op == planner.CmpNE, out)
			} else {
				p.lsb = stringKeys(la, p.lsb)
				cmpConst(p.op, p.lsb, sk, out)
			}
		} else {
			p.lbuf = intKeys(p.spec, la, p.lbuf)
			cmpConst(p.op, p.lbuf, ik, out)
		}
		applyNulls(la, out)
		return nil
	}
	if p.spec.k == kString {
		p.lsb, p.rsb = stringKeys(la, p.lsb), stringKeys(ra, p.rsb)
		cmpVec(p.op, p.lsb, p.rsb, out)
	} else {
		p.lbuf, p.rbuf = intKeys(p.spec, la, p.lbuf), intKeys(p.spec, ra, p.rbuf)
		cmpVec(p.op, p.lbuf, p.rbuf, out)
	}
	applyNulls(la, out)
	applyNulls(ra, out)
	return nil
}

func applyNulls(a arrow.Array, out []uint8) {
	if a.NullN() == 0 {
		return
	}
	for i := range out {
		if a.IsNull(i) {
			out[i] = tNull
		}
	}
}

func b2u(b bool) uint8 {
	if b {
		return tTrue
	}
	return tFalse
}

type ordered interface{ ~int64 | ~string }

func cmpConst[T ordered](op planner.CmpOp, l []T, c T, out []uint8) {
	switch op {
	case planner.CmpEQ:
		for i := range out {
			out[i] = b2u(l[i] == c)
		}
	case planner.CmpNE:
		for i := range out {
			out[i] = b2u(l[i] != c)
		}
	case planner.CmpLT:
		for i := range out {
			out[i] = b2u(l[i] < c)
		}
	case planner.CmpLE:
		for i := range out {
			out[i] = b2u(l[i] <= c)
		}
	case planner.CmpGT:
		for i := range out {
			out[i] = b2u(l[i] > c)
		}
	case planner.CmpGE:
		for i := range out {
			out[i] = b2u(l[i] >= c)
		}
	}
}

func cmpVec[T ordered](op planner.CmpOp, l, r []T, out []uint8) {
	switch op {
	case planner.CmpEQ:
		for i := range out {
			out[i] = b2u(l[i] == r[i])
		}
	case planner.CmpNE:
		for i := range out {
			out[i] = b2u(l[i] != r[i])
		}
	case planner.CmpLT:
		for i := range out {
			out[i] = b2u(l[i] < r[i])
		}
	case planner.CmpLE:
		for i := range out {
			out[i] = b2u(l[i] <= r[i])
		}
	case planner.CmpGT:
		for i := range out {
			out[i] = b2u(l[i] > r[i])
		}
	case planner.CmpGE:
		for i := range out {
			out[i] = b2u(l[i] >= r[i])
		}
	}
}

// andTab and orTab combine two tri-state values a, b at index a<<2|b.
var (
	andTab = triTable(func(a, b uint8) uint8 {
		switch {
		case a == tFalse || b == tFalse:
			return tFalse
		case a == tNull || b == tNull:
			return tNull
		}
		return tTrue
	})
	orTab = triTable(func(a, b uint8) uint8 {
		switch {
		case a == tTrue || b == tTrue:
			return tTrue
		case a == tNull || b == tNull:
			return tNull
		}
		return tFalse
	})
)

func triTable(f func(a, b uint8) uint8) (t [16]uint8) {
	for _, a := range []uint8{tFalse, tTrue, tNull} {
		for _, b := range []uint8{tFalse, tTrue, tNull} {
			t[a<<2|b] = f(a, b)
		}
	}
	return t
}

func allEqual(out []uint8, v uint8) bool {
	for _, x := range out {
		if x != v {
			return false
		}
	}
	return true
}

// strEqConst compares a string column with a constant for (in)equality,
// comparing lengths before bytes.
func strEqConst(a *array.String, c string, ne bool, out []uint8) {
	eq, neq := tTrue, tFalse
	if ne {
		eq, neq = tFalse, tTrue
	}
	for i := range out {
		if a.ValueLen(i) == len(c) && a.Value(i) == c {
			out[i] = eq
		} else {
			out[i] = neq
		}
	}
}

// inPred is x [NOT] IN (constants): one pass over the column with a set
// lookup, instead of one comparison per item.
type inPred struct {
	col     int
	spec    colSpec
	ints    map[int64]struct{}
	strs    map[string]struct{}
	intList []int64 // the items when few: a scan beats hashing
	strList []string
	sawNull bool // a NULL item: non-matches are NULL, not false
	not     bool
	kbuf    []int64
}

// inConsts compiles x IN (list) when x is a column and every item a
// constant that compares exactly with it (as cmp would accept).
func (c *compiler) inConsts(x *planner.InList) (pred, bool) {
	col, ok := c.colRef(x.Arg)
	if !ok {
		return nil, false
	}
	s := c.specs[col]
	if s.k == kNull || s.k == kBool {
		return nil, false
	}
	p := &inPred{col: col, spec: s, not: x.Not}
	if s.k == kString {
		p.strs = map[string]struct{}{}
	} else {
		p.ints = map[int64]struct{}{}
	}
	for _, item := range x.List {
		sc, ok := c.asScalar(item)
		if !ok || sc.param >= 0 || sc.fn != nil || !c.scalarFits(s, sc) {
			return nil, false
		}
		if sc.val == types.DNull {
			p.sawNull = true
			continue
		}
		var ik int64
		var sk string
		if s.k == kNumeric {
			d, ok := sc.val.(*types.DDecimal)
			if !ok {
				return nil, false
			}
			if ik, ok = decimalToScaled(d, s.scale); !ok {
				return nil, false
			}
		} else if ik, sk, ok = scalarKey(s, sc.val); !ok {
			return nil, false
		}
		if s.k == kString {
			p.strs[sk] = struct{}{}
		} else {
			p.ints[ik] = struct{}{}
		}
	}
	if len(p.strs) <= smallIn {
		for k := range p.strs {
			p.strList = append(p.strList, k)
		}
	}
	if len(p.ints) <= smallIn {
		for k := range p.ints {
			p.intList = append(p.intList, k)
		}
	}
	return p, true
}

// smallIn: IN lists up to this many items are scanned, not hashed.
const smallIn = 8

func (p *inPred) hasStr(v string) bool {
	if p.strList == nil {
		_, ok := p.strs[v]
		return ok
	}
	for _, c := range p.strList {
		if len(c) == len(v) && c == v {
			return true
		}
	}
	return false
}

func (p *inPred) hasInt(v int64) bool {
	if p.intList == nil {
		_, ok := p.ints[v]
		return ok
	}
	for _, c := range p.intList {
		if c == v {
			return true
		}
	}
	return false
}

func (p *inPred) eval(_ *Env, b *Batch, out []uint8) error {
	a := b.Rec.Column(p.col)
	hit, miss := tTrue, tFalse
	if p.not {
		hit, miss = tFalse, tTrue
	}
	if p.sawNull {
		miss = tNull
	}
	if p.spec.k == kString {
		sa := a.(*array.String)
		for i := range out {
			if p.hasStr(sa.Value(i)) {
				out[i] = hit
			} else {
				out[i] = miss
			}
		}
	} else {
		p.kbuf = intKeys(p.spec, a, p.kbuf)
		for i, k := range p.kbuf {
			if p.hasInt(k) {
				out[i] = hit
			} else {
				out[i] = miss
			}
		}
	}
	applyNulls(a, out)
	return nil
}
