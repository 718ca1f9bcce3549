package colexec

import (
	"errors"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/apd/v3"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/types"
)

// Numeric arithmetic. + - * over numerics held as scaled int64 (a
// numeric(p<=18,s) column, a numeric constant, or such an expression)
// compute exactly what the row engine's apd arithmetic does: a sum's
// scale is the larger operand scale, a product's the sum of the scales,
// and the values are exact. The result is unconstrained numeric, so it
// may outgrow the int64 representation (|v| >= 10^18, where PostgreSQL
// just carries on); the evaluator then fails with ErrFallback. Only a
// pipeline that has emitted nothing yet can honour that by running the
// row plan instead -- one ending in an aggregation, which consumes its
// whole input in Open -- so exec vectorizes a chain with such an
// expression (Specs.Fallible) only when an aggregation ends it.

// ErrFallback reports a batch value the vectorized representation cannot
// hold; the caller reruns the plan in the row engine.
var ErrFallback = errors.New("colexec: value outside the batch representation")

// numericConst is a numeric constant as a scaled int64 (its scale is its
// number of fraction digits); ok is false for values that do not fit.
func numericConst(d types.Datum) (int64, int32, bool) {
	x, ok := d.(*types.DDecimal)
	if !ok || x.Form != apd.Finite {
		return 0, 0, false
	}
	scale := max(-x.Exponent, 0)
	if scale > 18 {
		return 0, 0, false
	}
	v, ok := decimalToScaled(x, scale)
	return v, scale, ok
}

// numericVal compiles a numeric operand: a kNumeric column or expression,
// or a constant of any numeric type.
func (c *compiler) numericVal(e planner.Expr) (valExpr, bool) {
	if e.Type().Family != types.DecimalFamily {
		return nil, false
	}
	if v, ok := c.val(e); ok && v.spec().k == kNumeric {
		return v, true
	}
	if c.consts.Fold == nil {
		return nil, false
	}
	switch e.(type) {
	case *planner.Const, *planner.CastExpr:
	default:
		return nil, false
	}
	d, ok := c.consts.Fold(e)
	if !ok || d == types.DNull {
		return nil, false
	}
	v, scale, ok := numericConst(d)
	if !ok {
		return nil, false
	}
	return &scaledConst{v: v, s: colSpec{t: e.Type(), k: kNumeric, scale: scale}, mem: c.mem}, true
}

// numArith compiles x op y for numeric x and y.
func (c *compiler) numArith(x *planner.CallExpr) (valExpr, bool) {
	if x.Typ.Family != types.DecimalFamily {
		return nil, false
	}
	l, ok := c.numericVal(x.Args[0])
	if !ok {
		return nil, false
	}
	r, ok := c.numericVal(x.Args[1])
	if !ok {
		return nil, false
	}
	ls, rs := l.spec().scale, r.spec().scale
	scale := max(ls, rs)
	if x.Name == "*" {
		scale = ls + rs
	}
	if scale > 18 {
		return nil, false
	}
	return &numArithVal{op: x.Name[0], l: l, r: r, s: colSpec{t: x.Typ, k: kNumeric, scale: scale}, mem: c.mem}, true
}

type scaledConst struct {
	v   int64
	s   colSpec
	mem memory.Allocator
	buf []int64 // v repeated, reused by numArithVal across batches
}

// fill returns n copies of the constant (read-only, shared).
func (v *scaledConst) fill(n int) []int64 {
	if len(v.buf) < n {
		v.buf = make([]int64, n)
		for i := range v.buf {
			v.buf[i] = v.v
		}
	}
	return v.buf[:n]
}

func (v *scaledConst) spec() colSpec { return v.s }
func (v *scaledConst) eval(_ *Env, b *Batch) (arrow.Array, error) {
	out := make([]int64, b.Len())
	for i := range out {
		out[i] = v.v
	}
	return sliceArray(arrow.PrimitiveTypes.Int64, out, nil), nil
}

type numArithVal struct {
	op   byte
	l, r valExpr
	s    colSpec
	mem  memory.Allocator
}

func (v *numArithVal) spec() colSpec { return v.s }

// operand returns an operand's values and validity; constants are not
// materialized as arrays. release frees what eval allocated.
func operand(env *Env, b *Batch, e valExpr) (vals []int64, arr arrow.Array, err error) {
	if c, ok := e.(*scaledConst); ok {
		return c.fill(b.Len()), nil, nil
	}
	a, err := e.eval(env, b)
	if err != nil {
		return nil, nil, err
	}
	return a.(*array.Int64).Int64Values(), a, nil
}

func (v *numArithVal) eval(env *Env, b *Batch) (arrow.Array, error) {
	x, la, err := operand(env, b, v.l)
	if err != nil {
		return nil, err
	}
	if la != nil {
		defer la.Release()
	}
	y, ra, err := operand(env, b, v.r)
	if err != nil {
		return nil, err
	}
	if ra != nil {
		defer ra.Release()
	}
	n := b.Len()
	var valid []bool
	if la != nil && la.NullN() > 0 || ra != nil && ra.NullN() > 0 {
		valid = make([]bool, n)
		for i := range valid {
			valid[i] = (la == nil || la.IsValid(i)) && (ra == nil || ra.IsValid(i))
		}
	}
	// Operands of + and - are brought to the result scale first.
	var lm, rm int64 = 1, 1
	if v.op != '*' {
		lm, rm = pow10[v.s.scale-v.l.spec().scale], pow10[v.s.scale-v.r.spec().scale]
	}
	out := make([]int64, n)
	for i := range out {
		if valid != nil && !valid[i] {
			continue
		}
		a, c := x[i], y[i]
		if a == numericNaN || c == numericNaN {
			out[i] = numericNaN // NaN op anything is NaN
			continue
		}
		var r int64
		ok := true
		switch v.op {
		case '*':
			r, ok = mulScaled(a, c)
		case '+', '-':
			if lm != 1 {
				a, ok = mulScaled(a, lm)
			}
			if ok && rm != 1 {
				c, ok = mulScaled(c, rm)
			}
			if v.op == '+' {
				r = a + c // |a|,|c| < 10^18: no int64 overflow
			} else {
				r = a - c
			}
		}
		if !ok || r >= pow10[18] || r <= -pow10[18] {
			return nil, ErrFallback
		}
		out[i] = r
	}
	return sliceArray(arrow.PrimitiveTypes.Int64, out, valid), nil
}

// mulScaled multiplies two scaled values; ok is false unless |x*y| < 10^18.
func mulScaled(x, y int64) (int64, bool) {
	neg := (x < 0) != (y < 0)
	hi, lo := bits.Mul64(absU(x), absU(y))
	if hi != 0 || lo >= uint64(pow10[18]) {
		return 0, false
	}
	if neg {
		return -int64(lo), true
	}
	return int64(lo), true
}

func absU(x int64) uint64 {
	if x < 0 {
		return uint64(-x)
	}
	return uint64(x)
}

// hasFallible reports whether v or an operand of it may fail with ErrFallback.
func hasFallible(v valExpr) bool {
	switch x := v.(type) {
	case *memoVal:
		return hasFallible(x.v)
	case *numArithVal:
		return true
	case *arithVal:
		return hasFallible(x.l) || hasFallible(x.r)
	}
	return false
}
