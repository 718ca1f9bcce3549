package builtins

import (
	"math"
	"math/big"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

type evalFn = func(ctx *EvalContext, args []types.Datum) (types.Datum, error)

func args1(a *types.T) []*types.T        { return []*types.T{a} }
func args2(a, b *types.T) []*types.T     { return []*types.T{a, b} }
func args3(a, b, c *types.T) []*types.T  { return []*types.T{a, b, c} }
func argsN(ts ...*types.T) []*types.T    { return ts }
func retFirst(args []*types.T) *types.T  { return args[0] }
func retSecond(args []*types.T) *types.T { return args[1] }
func retElem(args []*types.T) *types.T {
	if args[0].Elem != nil {
		return args[0].Elem
	}
	return types.Text
}

func errIntOut(t *types.T) error {
	switch t.Width {
	case 16:
		return pgerr.New(pgerr.NumericValueOutOfRange, "smallint out of range")
	case 64:
		return pgerr.New(pgerr.NumericValueOutOfRange, "bigint out of range")
	}
	return pgerr.New(pgerr.NumericValueOutOfRange, "integer out of range")
}

func divZero() error { return pgerr.New(pgerr.DivisionByZero, "division by zero") }

// intFits reports whether v fits in an integer of the given bit width.
func intFits(v int64, width int) bool {
	switch width {
	case 16:
		return v >= math.MinInt16 && v <= math.MaxInt16
	case 32:
		return v >= math.MinInt32 && v <= math.MaxInt32
	}
	return true
}

func (ctx *EvalContext) loc() *time.Location {
	if ctx == nil || ctx.Types == nil || ctx.Types.Location == nil {
		return time.UTC
	}
	return ctx.Types.Location
}

func (ctx *EvalContext) typesCtx() *types.Context {
	if ctx == nil {
		return nil
	}
	return ctx.Types
}

// --- numeric helpers ---

// decCtx performs exact arithmetic (enough precision for any numeric),
// rounding half away from zero like PostgreSQL.
var decCtx = &apd.Context{
	Precision:   300000,
	MaxExponent: apd.MaxExponent,
	MinExponent: apd.MinExponent,
	Traps:       apd.InvalidOperation,
	Rounding:    apd.RoundHalfUp,
}

func decFromInt(i int64) *types.DDecimal { return types.NewDecimalFromInt(i) }

func dscale(d *types.DDecimal) int32 {
	if d.Form != apd.Finite || d.Exponent >= 0 {
		return 0
	}
	return -d.Exponent
}

// normDec gives a freshly computed value PostgreSQL's form: no positive
// exponent, no negative zero, and a range check.
func normDec(d *types.DDecimal) (*types.DDecimal, error) {
	if d.Form != apd.Finite {
		if d.Form == apd.NaN {
			d.Negative = false
		}
		return d, nil
	}
	if d.Exponent > 0 {
		var t apd.Decimal
		if _, err := decCtx.Quantize(&t, &d.Decimal, 0); err != nil {
			return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value overflows numeric format")
		}
		d.Decimal.Set(&t)
	}
	if d.IsZero() {
		d.Negative = false
	}
	if !d.IsZero() && int64(d.NumDigits())+int64(d.Exponent) > 131072 {
		return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value overflows numeric format")
	}
	return d, nil
}

// roundDec rounds d to scale digits after the point (half away from zero).
func roundDec(d *types.DDecimal, scale int32) *types.DDecimal {
	r := &types.DDecimal{}
	if d.Form != apd.Finite {
		r.Set(&d.Decimal)
		return r
	}
	_, _ = decCtx.Quantize(&r.Decimal, &d.Decimal, -scale)
	if r.IsZero() {
		r.Negative = false
	}
	return r
}

// truncDec truncates d to scale digits after the point.
func truncDec(d *types.DDecimal, scale int32) *types.DDecimal {
	r := &types.DDecimal{}
	if d.Form != apd.Finite {
		r.Set(&d.Decimal)
		return r
	}
	c := *decCtx
	c.Rounding = apd.RoundDown
	_, _ = c.Quantize(&r.Decimal, &d.Decimal, -scale)
	if r.IsZero() {
		r.Negative = false
	}
	return r
}

// nbaseWeight returns PostgreSQL's base-10000 weight and first digit of a
// nonzero finite value (used by the result-scale heuristics).
func nbaseWeight(d *types.DDecimal) (weight int64, first int64) {
	if d.Form != apd.Finite || d.IsZero() {
		return 0, 0
	}
	coeff := d.Coeff.String()
	n := int64(len(coeff))
	e := n + int64(d.Exponent) - 1 // decimal exponent of the leading digit
	weight = floorDiv(e, 4)
	intDigits := n + int64(d.Exponent) - 4*weight
	s := coeff
	for int64(len(s)) < intDigits {
		s += "0"
	}
	for _, c := range s[:intDigits] {
		first = first*10 + int64(c-'0')
	}
	return weight, first
}

var floorDiv = types.FloorDiv

// selectDivScale is numeric.c's select_div_scale.
func selectDivScale(a, b *types.DDecimal) int32 {
	w1, f1 := nbaseWeight(a)
	w2, f2 := nbaseWeight(b)
	qweight := w1 - w2
	if f1 <= f2 {
		qweight--
	}
	rscale := int64(16) - qweight*4
	rscale = max(rscale, int64(dscale(a)), int64(dscale(b)), 0)
	rscale = min(rscale, 1000)
	return int32(rscale)
}

// divDec divides exactly and rounds to rscale digits (half away from zero).
func divDec(a, b *types.DDecimal, rscale int32) (*types.DDecimal, error) {
	if b.Form == apd.Finite && b.IsZero() {
		if a.Form == apd.NaN {
			return nanDec(), nil
		}
		return nil, divZero()
	}
	if a.Form != apd.Finite || b.Form != apd.Finite {
		r := &types.DDecimal{}
		if _, err := decCtx.Quo(&r.Decimal, &a.Decimal, &b.Decimal); err != nil {
			return nanDec(), nil
		}
		return r, nil
	}
	num := new(big.Int).Set(a.Coeff.MathBigInt())
	den := new(big.Int).Set(b.Coeff.MathBigInt())
	s := int64(a.Exponent) - int64(b.Exponent) + int64(rscale)
	ten := big.NewInt(10)
	if s >= 0 {
		num.Mul(num, new(big.Int).Exp(ten, big.NewInt(s), nil))
	} else {
		den.Mul(den, new(big.Int).Exp(ten, big.NewInt(-s), nil))
	}
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	rem.Lsh(rem, 1)
	if rem.Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	r := &types.DDecimal{}
	r.Coeff.SetMathBigInt(q)
	r.Exponent = -rscale
	r.Negative = (a.Negative != b.Negative) && q.Sign() != 0
	return normDec(r)
}

func nanDec() *types.DDecimal {
	d := &types.DDecimal{}
	d.Form = apd.NaN
	return d
}

func decToFloat(d *types.DDecimal) float64 {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return math.NaN()
	case apd.Infinite:
		if d.Negative {
			return math.Inf(-1)
		}
		return math.Inf(1)
	}
	f, _ := d.Float64()
	return f
}

func decFromFloat(f float64) (*types.DDecimal, error) {
	d := &types.DDecimal{}
	switch {
	case math.IsNaN(f):
		d.Form = apd.NaN
		return d, nil
	case math.IsInf(f, 0):
		d.Form = apd.Infinite
		d.Negative = f < 0
		return d, nil
	}
	// float8 -> numeric uses 15 significant digits (DBL_DIG).
	if _, err := d.SetFloat64(f); err != nil {
		return nil, err
	}
	var r apd.Decimal
	c := *decCtx
	c.Precision = 15
	_, _ = c.Round(&r, &d.Decimal)
	d.Decimal.Set(&r)
	d.Decimal.Reduce(&d.Decimal)
	return normDec(d)
}

// decInt64 converts an integral numeric to int64 after rounding.
func decInt64(d *types.DDecimal) (int64, bool) {
	if d.Form != apd.Finite {
		return 0, false
	}
	r := roundDec(d, 0)
	i, err := r.Int64()
	return i, err == nil
}

// --- float helpers ---

func checkFloat(v float64, inf, zeroOK bool, width int) (types.Datum, error) {
	if math.IsInf(v, 0) && !inf {
		return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value out of range: overflow")
	}
	if v == 0 && !zeroOK {
		return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value out of range: underflow")
	}
	if width == 32 {
		f := float32(v)
		if math.IsInf(float64(f), 0) && !inf {
			return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value out of range: overflow")
		}
		return types.DFloat(f), nil
	}
	return types.DFloat(v), nil
}

func asFloat(d types.Datum) float64 {
	switch v := d.(type) {
	case types.DFloat:
		return float64(v)
	case types.DInt:
		return float64(v)
	case *types.DDecimal:
		return decToFloat(v)
	}
	return 0
}

func asString(d types.Datum) string {
	switch v := d.(type) {
	case types.DString:
		return string(v)
	case types.DBytes:
		return string(v)
	}
	return ""
}

func asInt(d types.Datum) int64 {
	switch v := d.(type) {
	case types.DInt:
		return int64(v)
	case types.DFloat:
		return int64(v)
	}
	return 0
}

// maxFieldSize is PostgreSQL's limit on one value (MaxAllocSize - 1):
// functions that build values from client-chosen sizes check it before
// allocating, so a query gets 54000 instead of exhausting the server's memory.
const maxFieldSize = 1<<30 - 1

func errTooLarge() error {
	return pgerr.New(pgerr.ProgramLimitExceeded, "requested length too large")
}

// errOutOfMemory is PostgreSQL's error for a value growing past maxFieldSize.
func errOutOfMemory(n int) error {
	return pgerr.New(pgerr.OutOfMemory, "out of memory").WithDetail("Cannot enlarge string buffer containing %d bytes.", n)
}
