package builtins

import (
	"math"
	"math/big"
	"math/rand/v2"

	"github.com/cockroachdb/apd/v3"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

func f8fn(f func(x float64) (types.Datum, error)) evalFn {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) { return f(float64(a[0].(types.DFloat))) }
}

func f8v(f func(x float64) float64) evalFn {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.DFloat(f(float64(a[0].(types.DFloat)))), nil
	}
}

func numArg(f func(x *types.DDecimal) (types.Datum, error)) evalFn {
	return func(_ *EvalContext, a []types.Datum) (types.Datum, error) { return f(a[0].(*types.DDecimal)) }
}

func registerMathFuncs(r *Registry) {
	F, N := types.Float8, types.Numeric
	abs := []*Overload{
		ov(1395, args1(F), F, f8v(math.Abs)),
		ov(1394, args1(types.Float4), types.Float4, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return types.DFloat(math.Abs(float64(a[0].(types.DFloat)))), nil
		}),
		ov(1705, args1(N), N, numArg(func(x *types.DDecimal) (types.Datum, error) { return numAbs(x), nil })),
	}
	for i, t := range intTypes {
		t := t
		abs = append(abs, ov([]uint32{1398, 1397, 1396}[i], args1(t), t, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return intAbs(a[0], t)
		}))
	}
	r.scalar("abs", abs...)
	ceil := []*Overload{ov(2308, args1(F), F, f8v(math.Ceil)), ov(2167, args1(N), N, numArg(func(x *types.DDecimal) (types.Datum, error) {
		return decRound(x, 0, apd.RoundCeiling), nil
	}))}
	r.scalar("ceil", ceil...)
	r.scalar("ceiling", ov(2320, args1(F), F, f8v(math.Ceil)), ov(1711, args1(N), N, ceil[1].Fn))
	r.scalar("floor", ov(2309, args1(F), F, f8v(math.Floor)), ov(1712, args1(N), N, numArg(func(x *types.DDecimal) (types.Datum, error) {
		return decRound(x, 0, apd.RoundFloor), nil
	})))
	r.scalar("round",
		ov(228, args1(F), F, f8v(math.RoundToEven)),
		ov(1708, args1(N), N, numArg(func(x *types.DDecimal) (types.Datum, error) { return decRound(x, 0, apd.RoundHalfUp), nil })),
		ov(1707, args2(N, types.Int4), N, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return decRound(a[0].(*types.DDecimal), integer(a[1]), apd.RoundHalfUp), nil
		}))
	r.scalar("trunc",
		ov(229, args1(F), F, f8v(math.Trunc)),
		ov(1710, args1(N), N, numArg(func(x *types.DDecimal) (types.Datum, error) { return decRound(x, 0, apd.RoundDown), nil })),
		ov(1709, args2(N, types.Int4), N, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return decRound(a[0].(*types.DDecimal), integer(a[1]), apd.RoundDown), nil
		}))
	r.scalar("sqrt", ov(230, args1(F), F, f8fn(floatSqrt)), ov(1730, args1(N), N, numArg(numSqrt)))
	r.scalar("cbrt", ov(231, args1(F), F, f8v(math.Cbrt)))
	powF := func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return floatPow(float64(a[0].(types.DFloat)), float64(a[1].(types.DFloat)))
	}
	powN := func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return numPow(a[0].(*types.DDecimal), a[1].(*types.DDecimal))
	}
	r.scalar("power", ov(1368, args2(F, F), F, powF), ov(2169, args2(N, N), N, powN))
	r.scalar("pow", ov(1346, args2(F, F), F, powF), ov(1738, args2(N, N), N, powN))
	r.scalar("exp", ov(233, args1(F), F, f8fn(func(x float64) (types.Datum, error) {
		return checkFloat(math.Exp(x), math.IsInf(x, 1), math.IsInf(x, -1), 64)
	})), ov(1732, args1(N), N, numArg(numExp)))
	lnF := func(x float64) (types.Datum, error) {
		if x == 0 {
			return nil, pgerr.New("2201E", "cannot take logarithm of zero")
		}
		if x < 0 {
			return nil, pgerr.New("2201E", "cannot take logarithm of a negative number")
		}
		return types.DFloat(math.Log(x)), nil
	}
	r.scalar("ln", ov(234, args1(F), F, f8fn(lnF)), ov(1734, args1(N), N, numArg(func(x *types.DDecimal) (types.Datum, error) {
		return numLog(nil, x)
	})))
	log10F := func(x float64) (types.Datum, error) {
		if _, err := lnF(x); err != nil {
			return nil, err
		}
		return types.DFloat(math.Log10(x)), nil
	}
	ten := decFromInt(10)
	log10N := numArg(func(x *types.DDecimal) (types.Datum, error) { return numLog(ten, x) })
	r.scalar("log", ov(1340, args1(F), F, f8fn(log10F)), ov(1741, args1(N), N, log10N),
		ov(1736, args2(N, N), N, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return numLog(a[0].(*types.DDecimal), a[1].(*types.DDecimal))
		}))
	r.scalar("log10", ov(1194, args1(F), F, f8fn(log10F)), ov(1481, args1(N), N, log10N))
	mods := []*Overload{ov(1728, args2(N, N), N, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return numMod(a[0].(*types.DDecimal), a[1].(*types.DDecimal))
	})}
	for i, t := range intTypes {
		mods = append(mods, ov([]uint32{940, 941, 947}[i], args2(t, t), t, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			y := integer(a[1])
			if y == 0 {
				return nil, divZero()
			}
			if y == -1 {
				return types.DInt(0), nil
			}
			return types.DInt(integer(a[0]) % y), nil
		}))
	}
	r.scalar("mod", mods...)
	r.scalar("sign", ov(2310, args1(F), F, f8v(func(x float64) float64 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return 0
	})), ov(1706, args1(N), N, numArg(func(x *types.DDecimal) (types.Datum, error) {
		switch {
		case x.Form == apd.NaN:
			return nanDec(), nil
		case x.Form == apd.Finite && x.IsZero():
			return decFromInt(0), nil
		case x.Negative:
			return decFromInt(-1), nil
		}
		return decFromInt(1), nil
	})))
	r.scalar("pi", ov(1610, []*types.T{}, F, func(_ *EvalContext, _ []types.Datum) (types.Datum, error) { return types.DFloat(math.Pi), nil }))
	r.scalar("random", &Overload{Oid: 1598, Args: []*types.T{}, Ret: F, Volatility: Volatile, Fn: func(_ *EvalContext, _ []types.Datum) (types.Datum, error) {
		return types.DFloat(rand.Float64()), nil
	}})
	r.scalar("degrees", ov(1608, args1(F), F, f8v(func(x float64) float64 { return x * (180 / math.Pi) })))
	r.scalar("radians", ov(1609, args1(F), F, f8v(func(x float64) float64 { return x * (math.Pi / 180) })))
	trig := func(name string, oid uint32, f func(float64) float64, domain func(float64) bool) {
		r.scalar(name, ov(oid, args1(F), F, f8fn(func(x float64) (types.Datum, error) {
			if domain != nil && !domain(x) && !math.IsNaN(x) {
				return nil, pgerr.New(pgerr.NumericValueOutOfRange, "input is out of range")
			}
			return types.DFloat(f(x)), nil
		})))
	}
	finite := func(x float64) bool { return !math.IsInf(x, 0) }
	unit := func(x float64) bool { return x >= -1 && x <= 1 }
	trig("sin", 1604, math.Sin, finite)
	trig("cos", 1605, math.Cos, finite)
	trig("tan", 1606, math.Tan, finite)
	trig("cot", 1607, func(x float64) float64 { return 1 / math.Tan(x) }, finite)
	trig("asin", 1600, math.Asin, unit)
	trig("acos", 1601, math.Acos, unit)
	trig("atan", 1602, math.Atan, nil)
	r.scalar("atan2", ov(1603, args2(F, F), F, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.DFloat(math.Atan2(float64(a[0].(types.DFloat)), float64(a[1].(types.DFloat)))), nil
	}))
	r.scalar("div", ov(1980, args2(N, N), N, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		x, y := a[0].(*types.DDecimal), a[1].(*types.DDecimal)
		if y.Form == apd.Finite && y.IsZero() {
			return nil, divZero()
		}
		// Truncate the exact quotient toward zero.
		v := &types.DDecimal{}
		if _, err := decCtx.QuoInteger(&v.Decimal, &x.Decimal, &y.Decimal); err != nil {
			return nanDec(), nil
		}
		return normDec(roundDec(v, 0))
	}))
	gcd := func(x, y int64) int64 {
		for y != 0 {
			x, y = y, x%y
		}
		return x
	}
	r.scalar("gcd",
		ov(5045, args2(types.Int4, types.Int4), types.Int4, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			g := abs64(gcd(integer(a[0]), integer(a[1])))
			if g > math.MaxInt32 {
				return nil, errIntOut(types.Int4)
			}
			return types.DInt(g), nil
		}),
		ov(5046, args2(types.Int8, types.Int8), types.Int8, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			g := gcd(integer(a[0]), integer(a[1]))
			if g == math.MinInt64 {
				return nil, errIntOut(types.Int8)
			}
			return types.DInt(abs64(g)), nil
		}),
		ov(5048, args2(N, N), N, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			x, y := a[0].(*types.DDecimal), a[1].(*types.DDecimal)
			s := max(dscale(x), dscale(y))
			bx := new(big.Int).Set(roundDec(x, s).Coeff.MathBigInt())
			by := new(big.Int).Set(roundDec(y, s).Coeff.MathBigInt())
			g := new(big.Int).GCD(nil, nil, bx, by)
			v := &types.DDecimal{}
			v.Coeff.SetMathBigInt(g)
			v.Exponent = -s
			return v, nil
		}))
	lcm := func(t *types.T) evalFn {
		return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			x, y := integer(a[0]), integer(a[1])
			if x == 0 || y == 0 {
				return types.DInt(0), nil
			}
			g := gcd(x, y)
			v := new(big.Int).Mul(big.NewInt(x/g), big.NewInt(y))
			v.Abs(v)
			if !v.IsInt64() || !intFits(v.Int64(), t.Width) {
				return nil, errIntOut(t)
			}
			return types.DInt(v.Int64()), nil
		}
	}
	r.scalar("lcm", ov(5047, args2(types.Int4, types.Int4), types.Int4, lcm(types.Int4)),
		ov(5049, args2(types.Int8, types.Int8), types.Int8, lcm(types.Int8)))
	r.scalar("width_bucket",
		ov(320, argsN(F, F, F, types.Int4), types.Int4, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return widthBucket(float64(a[0].(types.DFloat)), float64(a[1].(types.DFloat)), float64(a[2].(types.DFloat)), integer(a[3]))
		}),
		ov(2170, argsN(N, N, N, types.Int4), types.Int4, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return widthBucket(decToFloat(a[0].(*types.DDecimal)), decToFloat(a[1].(*types.DDecimal)), decToFloat(a[2].(*types.DDecimal)), integer(a[3]))
		}))
}

func widthBucket(x, lo, hi float64, n int64) (types.Datum, error) {
	if n <= 0 {
		return nil, pgerr.New("2201G", "count must be greater than zero")
	}
	if lo == hi {
		return nil, pgerr.New("2201G", "lower bound cannot equal upper bound")
	}
	if math.IsNaN(x) || math.IsNaN(lo) || math.IsNaN(hi) {
		return nil, pgerr.New("2201G", "operand, lower bound, and upper bound cannot be NaN")
	}
	var res int64
	if lo < hi {
		switch {
		case x < lo:
			res = 0
		case x >= hi:
			res = n + 1
		default:
			res = int64(float64(n)*((x-lo)/(hi-lo))) + 1
		}
	} else {
		switch {
		case x > lo:
			res = 0
		case x <= hi:
			res = n + 1
		default:
			res = int64(float64(n)*((lo-x)/(lo-hi))) + 1
		}
	}
	if res > math.MaxInt32 {
		return nil, errIntOut(types.Int4)
	}
	return types.DInt(res), nil
}

// decRound rounds to scale digits with the given mode. A negative scale
// rounds to tens, hundreds, ...; the result's display scale is max(scale, 0).
func decRound(x *types.DDecimal, scale int64, mode apd.Rounder) *types.DDecimal {
	if x.Form != apd.Finite {
		return x
	}
	scale = max(min(scale, 16383), -131072)
	c := *decCtx
	c.Rounding = mode
	v := &types.DDecimal{}
	_, _ = c.Quantize(&v.Decimal, &x.Decimal, int32(-scale))
	if scale < 0 {
		var t apd.Decimal
		_, _ = c.Quantize(&t, &v.Decimal, 0)
		v.Decimal.Set(&t)
	}
	if v.IsZero() {
		v.Negative = false
	}
	return v
}

// estimateLnDweight is numeric.c's estimate_ln_dweight.
func estimateLnDweight(x *types.DDecimal) int64 {
	if x.Negative || x.IsZero() {
		return 0
	}
	f := decToFloat(x)
	if f >= 0.9 && f <= 1.1 {
		d := &types.DDecimal{}
		_, _ = decCtx.Sub(&d.Decimal, &x.Decimal, apd.New(1, 0))
		if d.IsZero() {
			return 0
		}
		return int64(d.NumDigits()) + int64(d.Exponent) - 1
	}
	w, first := nbaseWeight(x)
	digits := float64(first)
	dweight := w * 4
	// Include the next base-10000 digit, as PostgreSQL does.
	if next := nextNbaseDigit(x, w); next >= 0 {
		digits = digits*10000 + float64(next)
		dweight -= 4
	}
	lnv := math.Log(digits) + float64(dweight)*2.302585092994046
	return int64(math.Log10(math.Abs(lnv)))
}

// nextNbaseDigit returns the base-10000 digit after the leading one, or -1
// when the value has no further nonzero digits (PostgreSQL strips them).
func nextNbaseDigit(x *types.DDecimal, w int64) int64 {
	scaled := &apd.Decimal{}
	// x / 10000^(w-1), truncated, mod 10000.
	scaled.Set(&x.Decimal)
	scaled.Exponent -= int32(4 * (w - 1))
	var ip, frac apd.Decimal
	scaled.Modf(&ip, &frac)
	i, _ := ip.Int64()
	next := i % 10000
	// ndigits > 1 only when some digit after the first is stored.
	rest := &apd.Decimal{}
	rest.Set(&x.Decimal)
	rest.Exponent -= int32(4 * w)
	var ip2, frac2 apd.Decimal
	rest.Modf(&ip2, &frac2)
	if frac2.IsZero() {
		return -1
	}
	return next
}

func numSqrt(x *types.DDecimal) (types.Datum, error) {
	if x.Form == apd.NaN {
		return nanDec(), nil
	}
	if x.Negative && !(x.Form == apd.Finite && x.IsZero()) {
		return nil, pgerr.New("2201F", "cannot take square root of a negative number")
	}
	if x.Form == apd.Infinite {
		return x, nil
	}
	w, _ := nbaseWeight(x)
	sweight := (w+1)*4/2 - 1
	rscale := max(16-sweight, int64(dscale(x)), 0)
	rscale = min(rscale, 1000)
	c := *decCtx
	c.Precision = uint32(max(rscale+int64(x.NumDigits())+int64(x.Exponent)+20, 40))
	v := &types.DDecimal{}
	if _, err := c.Sqrt(&v.Decimal, &x.Decimal); err != nil {
		return nil, err
	}
	return normDec(roundDec(v, int32(rscale)))
}

func numExp(x *types.DDecimal) (types.Datum, error) {
	if x.Form == apd.NaN {
		return nanDec(), nil
	}
	if x.Form == apd.Infinite {
		if x.Negative {
			return decFromInt(0), nil
		}
		return x, nil
	}
	val := decToFloat(x) * 0.434294481903252
	if val > 131072 {
		return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value overflows numeric format")
	}
	rscale := max(16-int64(val), int64(dscale(x)), 0)
	rscale = min(rscale, 1000)
	c := *decCtx
	c.Precision = uint32(max(rscale+int64(math.Abs(val))+20, 40))
	v := &types.DDecimal{}
	if _, err := c.Exp(&v.Decimal, &x.Decimal); err != nil {
		return nil, err
	}
	return normDec(roundDec(v, int32(rscale)))
}

// numLog is ln(x) when base is nil, else log(base, x), with log_var's
// result scale.
func numLog(base, x *types.DDecimal) (types.Datum, error) {
	if x.Form == apd.NaN || base != nil && base.Form == apd.NaN {
		return nanDec(), nil
	}
	check := func(d *types.DDecimal) error {
		if d.Form == apd.Finite && d.IsZero() {
			return pgerr.New("2201E", "cannot take logarithm of zero")
		}
		if d.Negative {
			return pgerr.New("2201E", "cannot take logarithm of a negative number")
		}
		return nil
	}
	if err := check(x); err != nil {
		return nil, err
	}
	if base != nil {
		if err := check(base); err != nil {
			return nil, err
		}
	}
	var rscale int64
	if base == nil {
		rscale = 16 - estimateLnDweight(x)
	} else {
		rscale = 16 - (estimateLnDweight(x) - estimateLnDweight(base))
		rscale = max(rscale, int64(dscale(base)))
	}
	rscale = max(rscale, int64(dscale(x)), 0)
	rscale = min(rscale, 1000)
	c := *decCtx
	c.Precision = uint32(rscale + 40)
	v := &types.DDecimal{}
	if _, err := c.Ln(&v.Decimal, &x.Decimal); err != nil {
		return nil, err
	}
	if base != nil {
		lb := &apd.Decimal{}
		if _, err := c.Ln(lb, &base.Decimal); err != nil {
			return nil, err
		}
		if lb.IsZero() {
			return nil, divZero()
		}
		if _, err := c.Quo(&v.Decimal, &v.Decimal, lb); err != nil {
			return nil, err
		}
	}
	return normDec(roundDec(v, int32(rscale)))
}
