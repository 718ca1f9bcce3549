package builtins

import (
	"math"
	"math/big"

	"github.com/cockroachdb/apd/v3"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

func (r *Registry) agg(name string, ovs ...*Overload) {
	for _, o := range ovs {
		if o.Volatility == 0 {
			o.Volatility = Immutable
		}
		o.CalledOnNull = true
	}
	r.mustRegister(&Func{Name: name, Class: AggregateClass, Overloads: ovs})
}

func aggOv(oid uint32, args []*types.T, ret *types.T, mk func(at []*types.T) AggState) *Overload {
	return &Overload{Oid: oid, Args: args, Ret: ret, Agg: mk}
}

type aggFunc struct {
	add    func(ctx *EvalContext, args []types.Datum) error
	result func(ctx *EvalContext) (types.Datum, error)
}

func (a *aggFunc) Add(ctx *EvalContext, args []types.Datum) error { return a.add(ctx, args) }
func (a *aggFunc) Result(ctx *EvalContext) (types.Datum, error)   { return a.result(ctx) }

// strictAgg skips rows whose first argument is NULL, as strict transition
// functions do.
func strictAgg(add func(d types.Datum) error, result func() (types.Datum, error)) AggState {
	return &aggFunc{
		add: func(_ *EvalContext, a []types.Datum) error {
			if a[0] == types.DNull {
				return nil
			}
			return add(a[0])
		},
		result: func(*EvalContext) (types.Datum, error) { return result() },
	}
}

func registerAggregates(r *Registry) {
	I2, I4, I8, F4, F8, N, IV := types.Int2, types.Int4, types.Int8, types.Float4, types.Float8, types.Numeric, types.Interval
	r.agg("count",
		aggOv(2803, []*types.T{}, I8, func([]*types.T) AggState {
			var n int64
			return &aggFunc{add: func(*EvalContext, []types.Datum) error { n++; return nil },
				result: func(*EvalContext) (types.Datum, error) { return types.DInt(n), nil }}
		}),
		aggOv(2147, args1(Any), I8, func([]*types.T) AggState {
			var n int64
			return strictAgg(func(types.Datum) error { n++; return nil },
				func() (types.Datum, error) { return types.DInt(n), nil })
		}))

	// sum
	intSum := func(types.T) func([]*types.T) AggState {
		return func([]*types.T) AggState {
			var s int64
			seen := false
			return strictAgg(func(d types.Datum) error {
				v := int64(d.(types.DInt))
				n := s + v
				if (s >= 0) == (v >= 0) && (n >= 0) != (s >= 0) {
					return errIntOut(I8)
				}
				s, seen = n, true
				return nil
			}, func() (types.Datum, error) {
				if !seen {
					return types.DNull, nil
				}
				return types.DInt(s), nil
			})
		}
	}
	bigSum := func() (func(d types.Datum) error, func() *types.DDecimal, *bool) {
		s := new(big.Int)
		seen := false
		return func(d types.Datum) error {
				s.Add(s, big.NewInt(int64(d.(types.DInt))))
				seen = true
				return nil
			}, func() *types.DDecimal {
				v := &types.DDecimal{}
				v.Coeff.SetMathBigInt(s)
				if s.Sign() < 0 {
					v.Coeff.Neg(&v.Coeff)
					v.Negative = true
				}
				return v
			}, &seen
	}
	numSumState := func() (func(d types.Datum) error, func() *types.DDecimal, *int64) {
		sum := decFromInt(0)
		var n int64
		return func(d types.Datum) error {
				v, err := numAdd(sum, d.(*types.DDecimal))
				if err != nil {
					return err
				}
				sum, n = v, n+1
				return nil
			}, func() *types.DDecimal {
				return sum
			}, &n
	}
	floatSum := func(width int) func([]*types.T) AggState {
		return func([]*types.T) AggState {
			var s float64
			seen := false
			return strictAgg(func(d types.Datum) error {
				v := float64(d.(types.DFloat))
				n := s + v
				if math.IsInf(n, 0) && !math.IsInf(s, 0) && !math.IsInf(v, 0) {
					return pgerr.New(pgerr.NumericValueOutOfRange, "value out of range: overflow")
				}
				s, seen = n, true
				return nil
			}, func() (types.Datum, error) {
				if !seen {
					return types.DNull, nil
				}
				if width == 32 {
					return types.DFloat(float32(s)), nil
				}
				return types.DFloat(s), nil
			})
		}
	}
	r.agg("sum",
		aggOv(2109, args1(I2), I8, intSum(*I2)),
		aggOv(2108, args1(I4), I8, intSum(*I4)),
		aggOv(2107, args1(I8), N, func([]*types.T) AggState {
			add, res, seen := bigSum()
			return strictAgg(add, func() (types.Datum, error) {
				if !*seen {
					return types.DNull, nil
				}
				return res(), nil
			})
		}),
		aggOv(2110, args1(F4), F4, floatSum(32)),
		aggOv(2111, args1(F8), F8, floatSum(64)),
		aggOv(2114, args1(N), N, func([]*types.T) AggState {
			add, res, n := numSumState()
			return strictAgg(add, func() (types.Datum, error) {
				if *n == 0 {
					return types.DNull, nil
				}
				return res(), nil
			})
		}),
		aggOv(2113, args1(IV), IV, func([]*types.T) AggState {
			var s types.DInterval
			seen := false
			return strictAgg(func(d types.Datum) error {
				v, err := addInterval(s, d.(types.DInterval))
				s, seen = v, true
				return err
			}, func() (types.Datum, error) {
				if !seen {
					return types.DNull, nil
				}
				return s, nil
			})
		}))

	// avg
	avgNum := func(sum *types.DDecimal, n int64) (types.Datum, error) {
		if n == 0 {
			return types.DNull, nil
		}
		cnt := decFromInt(n)
		if sum.Form == apd.NaN {
			return nanDec(), nil
		}
		return divDec(sum, cnt, selectDivScale(sum, cnt))
	}
	intAvg := func([]*types.T) AggState {
		add, res, _ := bigSum()
		var n int64
		return strictAgg(func(d types.Datum) error { n++; return add(d) },
			func() (types.Datum, error) { return avgNum(res(), n) })
	}
	floatAvg := func([]*types.T) AggState {
		var s float64
		var n int64
		return strictAgg(func(d types.Datum) error { s += float64(d.(types.DFloat)); n++; return nil },
			func() (types.Datum, error) {
				if n == 0 {
					return types.DNull, nil
				}
				return types.DFloat(s / float64(n)), nil
			})
	}
	r.agg("avg",
		aggOv(2102, args1(I2), N, intAvg),
		aggOv(2101, args1(I4), N, intAvg),
		aggOv(2100, args1(I8), N, intAvg),
		aggOv(2104, args1(F4), F8, floatAvg),
		aggOv(2105, args1(F8), F8, floatAvg),
		aggOv(2103, args1(N), N, func([]*types.T) AggState {
			add, res, n := numSumState()
			return strictAgg(add, func() (types.Datum, error) { return avgNum(res(), *n) })
		}),
		aggOv(2106, args1(IV), IV, func([]*types.T) AggState {
			var s types.DInterval
			var n int64
			return strictAgg(func(d types.Datum) error {
				v, err := addInterval(s, d.(types.DInterval))
				s = v
				n++
				return err
			}, func() (types.Datum, error) {
				if n == 0 {
					return types.DNull, nil
				}
				return mulInterval(s, float64(n), true)
			})
		}))

	// min / max
	minmax := func(name string, sign int, oids []uint32) {
		var ovs []*Overload
		ts := []*types.T{I8, I4, I2, types.Oid, F4, F8, types.Date, types.Time, types.TimestampTZ, IV, types.Text, N, AnyArray, types.BPChar, types.Timestamp}
		for i, t := range ts {
			t := t
			var oid uint32
			if i < len(oids) {
				oid = oids[i]
			}
			o := aggOv(oid, args1(t), t, func(at []*types.T) AggState {
				var best types.Datum = types.DNull
				et := at[0]
				return strictAgg(func(d types.Datum) error {
					if best == types.DNull || compareDatum(d, best, et)*sign > 0 {
						best = d
					}
					return nil
				}, func() (types.Datum, error) { return best, nil })
			})
			if t == AnyArray {
				o.RetFn = retFirst
			}
			ovs = append(ovs, o)
		}
		r.agg(name, ovs...)
	}
	minmax("max", 1, []uint32{2115, 2116, 2117, 2118, 2119, 2120, 2122, 2123, 2127, 2128, 2129, 2130, 2050, 2244, 2126})
	minmax("min", -1, []uint32{2131, 2132, 2133, 2134, 2135, 2136, 2138, 2139, 2143, 2144, 2145, 2146, 2051, 2245, 2142})

	boolAgg := func(and bool) func([]*types.T) AggState {
		return func([]*types.T) AggState {
			var res types.Datum = types.DNull
			return strictAgg(func(d types.Datum) error {
				b := bool(d.(types.DBool))
				if res == types.DNull {
					res = types.DBool(b)
				} else if and {
					res = types.DBool(bool(res.(types.DBool)) && b)
				} else {
					res = types.DBool(bool(res.(types.DBool)) || b)
				}
				return nil
			}, func() (types.Datum, error) { return res, nil })
		}
	}
	r.agg("bool_and", aggOv(2517, args1(types.Bool), types.Bool, boolAgg(true)))
	r.agg("bool_or", aggOv(2518, args1(types.Bool), types.Bool, boolAgg(false)))
	r.agg("every", aggOv(2519, args1(types.Bool), types.Bool, boolAgg(true)))

	for _, t := range []*types.T{types.Text, types.Bytea} {
		t := t
		r.agg("string_agg", aggOv(map[bool]uint32{true: 3538, false: 3545}[t == types.Text], args2(t, t), t, func([]*types.T) AggState {
			var buf []byte
			seen := false
			return &aggFunc{add: func(_ *EvalContext, a []types.Datum) error {
				if a[0] == types.DNull {
					return nil
				}
				if seen && a[1] != types.DNull {
					buf = append(buf, asString(a[1])...)
				}
				seen = true
				buf = append(buf, asString(a[0])...)
				if len(buf) > maxFieldSize {
					return errOutOfMemory(len(buf))
				}
				return nil
			}, result: func(*EvalContext) (types.Datum, error) {
				if !seen {
					return types.DNull, nil
				}
				if t == types.Bytea {
					return types.DBytes(buf), nil
				}
				return types.DString(buf), nil
			}}
		}))
	}
	r.agg("array_agg", &Overload{Oid: 2335, Args: args1(AnyNonArray), RetFn: func(at []*types.T) *types.T { return types.ArrayOf(at[0]) },
		Agg: func(at []*types.T) AggState {
			var elems []types.Datum
			et := at[0]
			return &aggFunc{add: func(_ *EvalContext, a []types.Datum) error {
				elems = append(elems, a[0])
				return nil
			}, result: func(*EvalContext) (types.Datum, error) {
				if elems == nil {
					return types.DNull, nil
				}
				return &types.DArray{Elem: et, Elems: elems, LowerBound: 1}, nil
			}}
		}})

	// Statistics: Youngs-Cramer for floats, exact numeric sums for the rest.
	type statKind struct {
		name     string
		sample   bool
		variance bool
		oids     [3]uint32 // int-ish, float8, numeric
	}
	for _, k := range []statKind{
		{"stddev", true, false, [3]uint32{2157, 2159, 2160}},
		{"stddev_samp", true, false, [3]uint32{2713, 2715, 2716}},
		{"stddev_pop", false, false, [3]uint32{2725, 2727, 2728}},
		{"variance", true, true, [3]uint32{2151, 2153, 2154}},
		{"var_samp", true, true, [3]uint32{2643, 2645, 2646}},
		{"var_pop", false, true, [3]uint32{2719, 2721, 2722}},
	} {
		k := k
		numState := func(at []*types.T) AggState {
			sum, sum2 := decFromInt(0), decFromInt(0)
			var n int64
			return strictAgg(func(d types.Datum) error {
				var x *types.DDecimal
				switch v := d.(type) {
				case types.DInt:
					x = decFromInt(int64(v))
				case *types.DDecimal:
					x = v
				}
				sq, err := numMul(x, x)
				if err != nil {
					return err
				}
				if sum, err = numAdd(sum, x); err != nil {
					return err
				}
				sum2, err = numAdd(sum2, sq)
				n++
				return err
			}, func() (types.Datum, error) { return numericStat(sum, sum2, n, k.sample, k.variance) })
		}
		floatState := func([]*types.T) AggState {
			var n, sx, sxx float64
			return strictAgg(func(d types.Datum) error {
				x := float64(d.(types.DFloat))
				old := n
				n++
				sx += x
				if old > 0 {
					tmp := x*n - sx
					sxx += tmp * tmp / (n * old)
				} else if math.IsNaN(x) || math.IsInf(x, 0) {
					sxx = math.NaN()
				}
				return nil
			}, func() (types.Datum, error) {
				if n == 0 || k.sample && n == 1 {
					return types.DNull, nil
				}
				den := n
				if k.sample {
					den = n - 1
				}
				v := sxx / den
				if !k.variance {
					v = math.Sqrt(v)
				}
				return types.DFloat(v), nil
			})
		}
		r.agg(k.name,
			aggOv(k.oids[0], args1(I8), N, numState),
			aggOv(0, args1(I4), N, numState),
			aggOv(0, args1(I2), N, numState),
			aggOv(k.oids[1], args1(F8), F8, floatState),
			aggOv(0, args1(F4), F8, floatState),
			aggOv(k.oids[2], args1(N), N, numState))
	}

	for _, t := range intTypes {
		t := t
		bit := func(and bool) func([]*types.T) AggState {
			return func([]*types.T) AggState {
				var res types.Datum = types.DNull
				return strictAgg(func(d types.Datum) error {
					v := int64(d.(types.DInt))
					if res == types.DNull {
						res = types.DInt(v)
					} else if and {
						res = types.DInt(int64(res.(types.DInt)) & v)
					} else {
						res = types.DInt(int64(res.(types.DInt)) | v)
					}
					return nil
				}, func() (types.Datum, error) { return res, nil })
			}
		}
		r.agg("bit_and", aggOv(0, args1(t), t, bit(true)))
		r.agg("bit_or", aggOv(0, args1(t), t, bit(false)))
	}

	r.agg("jsonb_agg", &Overload{Oid: 3267, Args: args1(nil), Ret: types.JSONB, Volatility: Stable, Agg: func(at []*types.T) AggState {
		var elems []any
		seen := false
		return &aggFunc{add: func(ctx *EvalContext, a []types.Datum) error {
			seen = true
			v, err := toJSON(ctx, a[0], at[0])
			elems = append(elems, v)
			return err
		}, result: func(*EvalContext) (types.Datum, error) {
			if !seen {
				return types.DNull, nil
			}
			return newJSON(elems), nil
		}}
	}})
	r.agg("jsonb_object_agg", &Overload{Oid: 3270, Args: args2(Any, Any), Ret: types.JSONB, Volatility: Stable, Agg: func(at []*types.T) AggState {
		m := map[string]any{}
		seen := false
		return &aggFunc{add: func(ctx *EvalContext, a []types.Datum) error {
			seen = true
			if a[0] == types.DNull {
				return pgerr.New(pgerr.NullValueNotAllowed, "field name must not be null")
			}
			k, err := jsonKey(ctx, a[0], at[0])
			if err != nil {
				return err
			}
			v, err := toJSON(ctx, a[1], at[1])
			m[k] = v
			return err
		}, result: func(*EvalContext) (types.Datum, error) {
			if !seen {
				return types.DNull, nil
			}
			return newJSON(m), nil
		}}
	}})
}

// numericStat is numeric_stddev_internal.
func numericStat(sum, sum2 *types.DDecimal, n int64, sample, variance bool) (types.Datum, error) {
	if n == 0 || sample && n == 1 {
		return types.DNull, nil
	}
	N := decFromInt(n)
	sq, _ := numMul(sum, sum)
	nx2, _ := numMul(N, sum2)
	num, _ := numSub(nx2, sq)
	if num.Sign() <= 0 {
		return decFromInt(0), nil
	}
	den := decFromInt(n * n)
	if sample {
		den = decFromInt(n * (n - 1))
	}
	rscale := selectDivScale(num, den)
	v, err := divDec(num, den, rscale)
	if err != nil || variance {
		return v, err
	}
	c := *decCtx
	c.Precision = uint32(rscale) + uint32(max(v.NumDigits()+int64(v.Exponent), 0)) + 20
	s := &types.DDecimal{}
	if _, err := c.Sqrt(&s.Decimal, &v.Decimal); err != nil {
		return nil, err
	}
	return normDec(roundDec(s, rscale))
}
