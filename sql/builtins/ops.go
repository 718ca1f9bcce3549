package builtins

import (
	"math"
	"math/bits"

	"github.com/cockroachdb/apd/v3"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

var intTypes = []*types.T{types.Int2, types.Int4, types.Int8}

func registerOperators(r *Registry) {
	registerIntOps(r)
	registerFloatOps(r)
	registerNumericOps(r)
	registerComparisons(r)
	registerStringOps(r)
	registerDateTimeOps(r)
	registerJSONOps(r)
	registerArrayOps(r)
}

func registerIntOps(r *Registry) {
	for _, t := range intTypes {
		t := t
		r.binOp("+", &Overload{Args: args2(t, t), Ret: t, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			x, y := int64(a[0].(types.DInt)), int64(a[1].(types.DInt))
			s := x + y
			if (x >= 0) == (y >= 0) && (s >= 0) != (x >= 0) || !intFits(s, t.Width) {
				return nil, errIntOut(t)
			}
			return types.DInt(s), nil
		}})
		r.binOp("-", &Overload{Args: args2(t, t), Ret: t, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			x, y := int64(a[0].(types.DInt)), int64(a[1].(types.DInt))
			s := x - y
			if (x >= 0) != (y >= 0) && (s >= 0) != (x >= 0) || !intFits(s, t.Width) {
				return nil, errIntOut(t)
			}
			return types.DInt(s), nil
		}})
		r.binOp("*", &Overload{Args: args2(t, t), Ret: t, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			x, y := int64(a[0].(types.DInt)), int64(a[1].(types.DInt))
			hi, lo := bits.Mul64(uint64(abs64(x)), uint64(abs64(y)))
			if hi != 0 || lo > math.MaxInt64 && !(lo == 1<<63 && (x < 0) != (y < 0)) ||
				x == math.MinInt64 && y != 1 && y != 0 || y == math.MinInt64 && x != 1 && x != 0 {
				return nil, errIntOut(t)
			}
			s := x * y
			if !intFits(s, t.Width) {
				return nil, errIntOut(t)
			}
			return types.DInt(s), nil
		}})
		r.binOp("/", &Overload{Args: args2(t, t), Ret: t, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			x, y := int64(a[0].(types.DInt)), int64(a[1].(types.DInt))
			if y == 0 {
				return nil, divZero()
			}
			if y == -1 {
				if x == math.MinInt64 || !intFits(-x, t.Width) {
					return nil, errIntOut(t)
				}
				return types.DInt(-x), nil
			}
			return types.DInt(x / y), nil
		}})
		r.binOp("%", &Overload{Args: args2(t, t), Ret: t, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			x, y := int64(a[0].(types.DInt)), int64(a[1].(types.DInt))
			if y == 0 {
				return nil, divZero()
			}
			if y == -1 {
				return types.DInt(0), nil
			}
			return types.DInt(x % y), nil
		}})
		bitop := func(op string, f func(x, y int64) int64) {
			r.binOp(op, &Overload{Args: args2(t, t), Ret: t, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
				return types.DInt(f(int64(a[0].(types.DInt)), int64(a[1].(types.DInt)))), nil
			}})
		}
		bitop("&", func(x, y int64) int64 { return x & y })
		bitop("|", func(x, y int64) int64 { return x | y })
		bitop("#", func(x, y int64) int64 { return x ^ y })
		shift := func(op string, left bool) {
			r.binOp(op, &Overload{Args: args2(t, types.Int4), Ret: t, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
				x, n := int64(a[0].(types.DInt)), uint(a[1].(types.DInt))&uint(t.Width-1)
				var v int64
				switch t.Width {
				case 16:
					if left {
						v = int64(int16(x) << n)
					} else {
						v = int64(int16(x) >> n)
					}
				case 32:
					if left {
						v = int64(int32(x) << n)
					} else {
						v = int64(int32(x) >> n)
					}
				default:
					if left {
						v = x << n
					} else {
						v = x >> n
					}
				}
				return types.DInt(v), nil
			}})
		}
		shift("<<", true)
		shift(">>", false)
		r.unOp("-", &Overload{Args: args1(t), Ret: t, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			x := int64(a[0].(types.DInt))
			if x == math.MinInt64 || !intFits(-x, t.Width) {
				return nil, errIntOut(t)
			}
			return types.DInt(-x), nil
		}})
		r.unOp("+", &Overload{Args: args1(t), Ret: t, Fn: identity})
		r.unOp("@", &Overload{Args: args1(t), Ret: t, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return intAbs(a[0], t)
		}})
		r.unOp("~", &Overload{Args: args1(t), Ret: t, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return types.DInt(^int64(a[0].(types.DInt))), nil
		}})
	}
}

func identity(_ *EvalContext, a []types.Datum) (types.Datum, error) { return a[0], nil }

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func intAbs(d types.Datum, t *types.T) (types.Datum, error) {
	x := int64(d.(types.DInt))
	if x < 0 {
		if x == math.MinInt64 || !intFits(-x, t.Width) {
			return nil, errIntOut(t)
		}
		x = -x
	}
	return types.DInt(x), nil
}

func registerFloatOps(r *Registry) {
	for _, t := range []*types.T{types.Float4, types.Float8} {
		t := t
		arith := func(op string, f func(x, y float64) (types.Datum, error)) {
			r.binOp(op, &Overload{Args: args2(t, t), Ret: t, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
				return f(float64(a[0].(types.DFloat)), float64(a[1].(types.DFloat)))
			}})
		}
		w := t.Width
		arith("+", func(x, y float64) (types.Datum, error) {
			return checkFloat(x+y, math.IsInf(x, 0) || math.IsInf(y, 0), true, w)
		})
		arith("-", func(x, y float64) (types.Datum, error) {
			return checkFloat(x-y, math.IsInf(x, 0) || math.IsInf(y, 0), true, w)
		})
		arith("*", func(x, y float64) (types.Datum, error) {
			return checkFloat(x*y, math.IsInf(x, 0) || math.IsInf(y, 0), x == 0 || y == 0, w)
		})
		arith("/", func(x, y float64) (types.Datum, error) {
			if y == 0 && !math.IsNaN(x) {
				return nil, divZero()
			}
			return checkFloat(x/y, math.IsInf(x, 0), x == 0 || math.IsInf(y, 0), w)
		})
		r.unOp("-", &Overload{Args: args1(t), Ret: t, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return -a[0].(types.DFloat), nil
		}})
		r.unOp("+", &Overload{Args: args1(t), Ret: t, Fn: identity})
		r.unOp("@", &Overload{Args: args1(t), Ret: t, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return types.DFloat(math.Abs(float64(a[0].(types.DFloat)))), nil
		}})
	}
	// float48pl and friends: mixed float4/float8 arithmetic is done in
	// float8. Their existence is what makes float4 + int4 resolve to
	// double precision (float8 is the preferred type of the category).
	for _, pair := range [][2]*types.T{{types.Float4, types.Float8}, {types.Float8, types.Float4}} {
		mixed := func(op string, f func(x, y float64) (types.Datum, error)) {
			r.binOp(op, &Overload{Args: args2(pair[0], pair[1]), Ret: types.Float8, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
				return f(float64(a[0].(types.DFloat)), float64(a[1].(types.DFloat)))
			}})
		}
		mixed("+", func(x, y float64) (types.Datum, error) {
			return checkFloat(x+y, math.IsInf(x, 0) || math.IsInf(y, 0), true, 64)
		})
		mixed("-", func(x, y float64) (types.Datum, error) {
			return checkFloat(x-y, math.IsInf(x, 0) || math.IsInf(y, 0), true, 64)
		})
		mixed("*", func(x, y float64) (types.Datum, error) {
			return checkFloat(x*y, math.IsInf(x, 0) || math.IsInf(y, 0), x == 0 || y == 0, 64)
		})
		mixed("/", func(x, y float64) (types.Datum, error) {
			if y == 0 && !math.IsNaN(x) {
				return nil, divZero()
			}
			return checkFloat(x/y, math.IsInf(x, 0), x == 0 || math.IsInf(y, 0), 64)
		})
	}
	r.binOp("^", &Overload{Args: args2(types.Float8, types.Float8), Ret: types.Float8, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return floatPow(float64(a[0].(types.DFloat)), float64(a[1].(types.DFloat)))
	}})
	r.unOp("|/", &Overload{Args: args1(types.Float8), Ret: types.Float8, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return floatSqrt(float64(a[0].(types.DFloat)))
	}})
	r.unOp("||/", &Overload{Args: args1(types.Float8), Ret: types.Float8, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.DFloat(math.Cbrt(float64(a[0].(types.DFloat)))), nil
	}})
}

func floatSqrt(x float64) (types.Datum, error) {
	if x < 0 {
		return nil, pgerr.New("2201F", "cannot take square root of a negative number")
	}
	return types.DFloat(math.Sqrt(x)), nil
}

func floatPow(x, y float64) (types.Datum, error) {
	if x == 0 && y < 0 {
		return nil, pgerr.New("2201F", "zero raised to a negative power is undefined")
	}
	if x < 0 && y != math.Trunc(y) && !math.IsInf(y, 0) {
		return nil, pgerr.New("2201F", "a negative number raised to a non-integer power yields a complex result")
	}
	if math.IsNaN(x) {
		if y == 0 {
			return types.DFloat(1), nil
		}
		return types.DFloat(math.NaN()), nil
	}
	if math.IsNaN(y) {
		if x == 1 {
			return types.DFloat(1), nil
		}
		return types.DFloat(math.NaN()), nil
	}
	v := math.Pow(x, y)
	return checkFloat(v, math.IsInf(x, 0) || math.IsInf(y, 0), x == 0 || math.IsInf(y, 0) || math.Abs(x) < 1 && y > 0 || math.Abs(x) > 1 && y < 0, 64)
}

func registerNumericOps(r *Registry) {
	n := types.Numeric
	arith := func(op string, f func(x, y *types.DDecimal) (*types.DDecimal, error)) {
		r.binOp(op, &Overload{Args: args2(n, n), Ret: n, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			v, err := f(a[0].(*types.DDecimal), a[1].(*types.DDecimal))
			if err != nil {
				return nil, err
			}
			return v, nil
		}})
	}
	arith("+", numAdd)
	arith("-", numSub)
	arith("*", numMul)
	arith("/", numDiv)
	arith("%", numMod)
	arith("^", numPow)
	r.unOp("-", &Overload{Args: args1(n), Ret: n, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		x := a[0].(*types.DDecimal)
		v := &types.DDecimal{}
		v.Set(&x.Decimal)
		if v.Form != apd.NaN && !(v.Form == apd.Finite && v.IsZero()) {
			v.Negative = !v.Negative
		}
		return v, nil
	}})
	r.unOp("+", &Overload{Args: args1(n), Ret: n, Fn: identity})
	r.unOp("@", &Overload{Args: args1(n), Ret: n, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return numAbs(a[0].(*types.DDecimal)), nil
	}})
}

func numAbs(x *types.DDecimal) *types.DDecimal {
	v := &types.DDecimal{}
	v.Set(&x.Decimal)
	if v.Form != apd.NaN {
		v.Negative = false
	}
	return v
}

func numBinary(f func(d, x, y *apd.Decimal) (apd.Condition, error), x, y *types.DDecimal) (*types.DDecimal, error) {
	v := &types.DDecimal{}
	if _, err := f(&v.Decimal, &x.Decimal, &y.Decimal); err != nil {
		if x.Form != apd.NaN && y.Form != apd.NaN {
			// Infinity - Infinity and friends.
			return nanDec(), nil
		}
		return nanDec(), nil
	}
	return normDec(v)
}

func numAdd(x, y *types.DDecimal) (*types.DDecimal, error) { return numBinary(decCtx.Add, x, y) }
func numSub(x, y *types.DDecimal) (*types.DDecimal, error) { return numBinary(decCtx.Sub, x, y) }
func numMul(x, y *types.DDecimal) (*types.DDecimal, error) {
	v, err := numBinary(decCtx.Mul, x, y)
	if err == nil && v.Form == apd.Finite && -v.Exponent > 16383 {
		v = roundDec(v, 16383)
	}
	return v, err
}

func numDiv(x, y *types.DDecimal) (*types.DDecimal, error) {
	if x.Form == apd.NaN || y.Form == apd.NaN {
		return nanDec(), nil
	}
	return divDec(x, y, selectDivScale(x, y))
}

func numMod(x, y *types.DDecimal) (*types.DDecimal, error) {
	if x.Form == apd.NaN || y.Form == apd.NaN {
		return nanDec(), nil
	}
	if y.Form == apd.Finite && y.IsZero() {
		return nil, divZero()
	}
	if x.Form == apd.Infinite {
		return nanDec(), nil
	}
	if y.Form == apd.Infinite {
		v := &types.DDecimal{}
		v.Set(&x.Decimal)
		return v, nil
	}
	return numBinary(decCtx.Rem, x, y)
}

// numPow is numeric ^ numeric. Integral exponents are computed exactly
// then rounded to PostgreSQL's result scale; others go through ln/exp at
// high precision.
func numPow(x, y *types.DDecimal) (*types.DDecimal, error) {
	if x.Form == apd.NaN || y.Form == apd.NaN {
		if x.Form == apd.Finite && x.Cmp(apd.New(1, 0)) == 0 || y.Form == apd.Finite && y.IsZero() {
			return decFromInt(1), nil
		}
		return nanDec(), nil
	}
	if x.Form == apd.Finite && x.IsZero() && y.Negative {
		return nil, pgerr.New("2201F", "zero raised to a negative power is undefined")
	}
	yInt := y.Form == apd.Finite
	if yInt {
		var frac apd.Decimal
		var ip apd.Decimal
		y.Modf(&ip, &frac)
		yInt = frac.IsZero()
	}
	if x.Negative && !yInt {
		return nil, pgerr.New("2201F", "a negative number raised to a non-integer power yields a complex result")
	}
	// Result scale (power_var/power_var_int): 16 significant digits,
	// at least either input's scale; the weight estimate truncates toward zero.
	fx := decToFloat(x)
	fy := decToFloat(y)
	var dweight float64
	if val := math.Abs(fx); val > 0 {
		dweight = fy * math.Log10(val)
	}
	if dweight > 4*32768 {
		return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value overflows numeric format")
	}
	rscale := int64(16) - int64(dweight)
	rscale = max(rscale, int64(dscale(x)), int64(dscale(y)), 0)
	rscale = min(rscale, 1000)
	c := *decCtx
	c.Precision = uint32(max(int64(math.Abs(dweight))+rscale+20, 40))
	v := &types.DDecimal{}
	if _, err := c.Pow(&v.Decimal, &x.Decimal, &y.Decimal); err != nil {
		return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value overflows numeric format")
	}
	if v.Form == apd.Finite {
		v = roundDec(v, int32(rscale))
	}
	return normDec(v)
}
