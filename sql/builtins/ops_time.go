package builtins

import (
	"math"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

const (
	usecPerSec  = int64(1_000_000)
	usecPerMin  = 60 * usecPerSec
	usecPerHour = 60 * usecPerMin
	usecPerDay  = 24 * usecPerHour
)

// The calendar arithmetic lives in sql/types; these names keep the
// builtins' call sites short.
var (
	floorMod      = types.FloorMod
	daysFromCivil = types.DaysFromCivil
	civilFromDays = types.CivilFromDays
	daysInMonth   = types.DaysInMonth
)

func errTSRange() error   { return pgerr.New(pgerr.DatetimeFieldOverflow, "timestamp out of range") }
func errDateRange() error { return pgerr.New(pgerr.DatetimeFieldOverflow, "date out of range") }
func errIntervalRange() error {
	return pgerr.New(pgerr.DatetimeFieldOverflow, "interval out of range")
}

// addMonthsDays adds months then days to a wall-clock timestamp the way
// timestamp_pl_interval does (clamping to the month's last day).
func addMonthsDays(local int64, months, days int32) (int64, error) {
	if months == 0 && days == 0 {
		return local, nil
	}
	dd := floorDiv(local, usecPerDay)
	tod := local - dd*usecPerDay
	if months != 0 {
		y, m, d := civilFromDays(dd)
		mm := y*12 + (m - 1) + int64(months)
		y, m = floorDiv(mm, 12), floorMod(mm, 12)+1
		if dim := daysInMonth(y, m); d > dim {
			d = dim
		}
		dd = daysFromCivil(y, m, d)
	}
	dd += int64(days)
	return dd*usecPerDay + tod, nil
}

func tsPlusInterval(ts int64, iv types.DInterval) (int64, error) {
	if types.IsInfiniteTimestamp(ts) {
		return ts, nil
	}
	v, err := addMonthsDays(ts, iv.Months, iv.Days)
	if err != nil {
		return 0, err
	}
	v += iv.Micros
	if !types.ValidTimestamp(v) || types.IsInfiniteTimestamp(v) {
		return 0, errTSRange()
	}
	return v, nil
}

func tstzPlusInterval(ctx *EvalContext, ts int64, iv types.DInterval) (int64, error) {
	if types.IsInfiniteTimestamp(ts) {
		return ts, nil
	}
	if iv.Months != 0 || iv.Days != 0 {
		loc := ctx.loc()
		local := int64(types.TimestampTZToLocal(types.DTimestampTZ(ts), loc))
		v, err := addMonthsDays(local, iv.Months, iv.Days)
		if err != nil {
			return 0, err
		}
		ts = int64(types.LocalToTimestampTZ(types.DTimestamp(v), loc))
	}
	ts += iv.Micros
	if !types.ValidTimestamp(ts) || types.IsInfiniteTimestamp(ts) {
		return 0, errTSRange()
	}
	return ts, nil
}

func negInterval(iv types.DInterval) (types.DInterval, error) {
	if iv.Months == math.MinInt32 || iv.Days == math.MinInt32 || iv.Micros == math.MinInt64 {
		return iv, errIntervalRange()
	}
	return types.DInterval{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}, nil
}

func addInterval(a, b types.DInterval) (types.DInterval, error) {
	m := int64(a.Months) + int64(b.Months)
	d := int64(a.Days) + int64(b.Days)
	us := a.Micros + b.Micros
	if m != int64(int32(m)) || d != int64(int32(d)) || (a.Micros >= 0) == (b.Micros >= 0) && (us >= 0) != (a.Micros >= 0) {
		return a, errIntervalRange()
	}
	return types.DInterval{Months: int32(m), Days: int32(d), Micros: us}, nil
}

func tsround(x float64) float64 { return math.RoundToEven(x*1e6) / 1e6 }

// mulInterval is interval_mul (and interval_div with 1/factor semantics
// reproduced separately, since PostgreSQL divides rather than multiplies).
func mulInterval(iv types.DInterval, factor float64, div bool) (types.DInterval, error) {
	op := func(x float64) float64 {
		if div {
			return x / factor
		}
		return x * factor
	}
	if div && factor == 0 {
		return iv, divZero()
	}
	md := op(float64(iv.Months))
	if math.IsNaN(md) || md > math.MaxInt32 || md < math.MinInt32 {
		return iv, errIntervalRange()
	}
	dd := op(float64(iv.Days))
	if math.IsNaN(dd) || dd > math.MaxInt32 || dd < math.MinInt32 {
		return iv, errIntervalRange()
	}
	res := types.DInterval{Months: int32(md), Days: int32(dd)}
	monthRem := tsround((md - float64(res.Months)) * 30)
	secRem := tsround((dd - float64(res.Days) + monthRem - float64(int64(monthRem))) * 86400)
	if math.Abs(secRem) >= 86400 {
		res.Days += int32(secRem / 86400)
		secRem -= float64(int64(secRem/86400)) * 86400
	}
	res.Days += int32(monthRem)
	us := math.RoundToEven(op(float64(iv.Micros)) + secRem*1e6)
	if math.IsNaN(us) || us >= 9.223372036854775807e18 || us < -9.223372036854775808e18 {
		return iv, errIntervalRange()
	}
	res.Micros = int64(us)
	return res, nil
}

func dateToTS(d types.DDate) int64 {
	switch d {
	case types.DateNegInfinity:
		return types.TimestampNegInfinity
	case types.DatePosInfinity:
		return types.TimestampPosInfinity
	}
	return int64(d) * usecPerDay
}

func checkDate(v int64) (types.Datum, error) {
	if v < math.MinInt32+1 || v > math.MaxInt32-1 || !types.ValidDate(types.DDate(v)) {
		return nil, errDateRange()
	}
	return types.DDate(v), nil
}

func registerDateTimeOps(r *Registry) {
	D, T, TS, TZ, I := types.Date, types.Time, types.Timestamp, types.TimestampTZ, types.Interval
	fn := func(op string, l, rt, ret *types.T, f evalFn) {
		r.binOp(op, &Overload{Args: args2(l, rt), Ret: ret, Fn: f})
	}
	datePlus := func(d types.DDate, n int64) (types.Datum, error) {
		if types.IsInfiniteDate(d) {
			return d, nil
		}
		return checkDate(int64(d) + n)
	}
	fn("+", D, types.Int4, D, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return datePlus(a[0].(types.DDate), int64(a[1].(types.DInt)))
	})
	fn("+", types.Int4, D, D, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return datePlus(a[1].(types.DDate), int64(a[0].(types.DInt)))
	})
	fn("-", D, types.Int4, D, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return datePlus(a[0].(types.DDate), -int64(a[1].(types.DInt)))
	})
	fn("-", D, D, types.Int4, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		x, y := a[0].(types.DDate), a[1].(types.DDate)
		if types.IsInfiniteDate(x) || types.IsInfiniteDate(y) {
			return nil, pgerr.New(pgerr.DatetimeFieldOverflow, "cannot subtract infinite dates")
		}
		return types.DInt(int64(x) - int64(y)), nil
	})
	fn("+", D, T, TS, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.DTimestamp(dateToTS(a[0].(types.DDate)) + int64(a[1].(types.DTime))), nil
	})
	fn("+", T, D, TS, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.DTimestamp(dateToTS(a[1].(types.DDate)) + int64(a[0].(types.DTime))), nil
	})
	tsI := func(ts int64, iv types.DInterval) (types.Datum, error) {
		v, err := tsPlusInterval(ts, iv)
		return types.DTimestamp(v), err
	}
	fn("+", D, I, TS, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return tsI(dateToTS(a[0].(types.DDate)), a[1].(types.DInterval))
	})
	fn("+", I, D, TS, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return tsI(dateToTS(a[1].(types.DDate)), a[0].(types.DInterval))
	})
	fn("-", D, I, TS, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		n, err := negInterval(a[1].(types.DInterval))
		if err != nil {
			return nil, err
		}
		return tsI(dateToTS(a[0].(types.DDate)), n)
	})
	fn("+", TS, I, TS, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return tsI(int64(a[0].(types.DTimestamp)), a[1].(types.DInterval))
	})
	fn("+", I, TS, TS, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return tsI(int64(a[1].(types.DTimestamp)), a[0].(types.DInterval))
	})
	fn("-", TS, I, TS, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		n, err := negInterval(a[1].(types.DInterval))
		if err != nil {
			return nil, err
		}
		return tsI(int64(a[0].(types.DTimestamp)), n)
	})
	tzI := func(ctx *EvalContext, ts int64, iv types.DInterval) (types.Datum, error) {
		v, err := tstzPlusInterval(ctx, ts, iv)
		return types.DTimestampTZ(v), err
	}
	r.binOp("+", &Overload{Args: args2(TZ, I), Ret: TZ, Volatility: Stable, Fn: func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
		return tzI(ctx, int64(a[0].(types.DTimestampTZ)), a[1].(types.DInterval))
	}})
	r.binOp("+", &Overload{Args: args2(I, TZ), Ret: TZ, Volatility: Stable, Fn: func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
		return tzI(ctx, int64(a[1].(types.DTimestampTZ)), a[0].(types.DInterval))
	}})
	r.binOp("-", &Overload{Args: args2(TZ, I), Ret: TZ, Volatility: Stable, Fn: func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
		n, err := negInterval(a[1].(types.DInterval))
		if err != nil {
			return nil, err
		}
		return tzI(ctx, int64(a[0].(types.DTimestampTZ)), n)
	}})
	tsDiff := func(x, y int64) (types.Datum, error) {
		if types.IsInfiniteTimestamp(x) || types.IsInfiniteTimestamp(y) {
			return nil, pgerr.New(pgerr.DatetimeFieldOverflow, "cannot subtract infinite timestamps")
		}
		return types.JustifyHours(types.DInterval{Micros: x - y}), nil
	}
	fn("-", TS, TS, I, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return tsDiff(int64(a[0].(types.DTimestamp)), int64(a[1].(types.DTimestamp)))
	})
	fn("-", TZ, TZ, I, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return tsDiff(int64(a[0].(types.DTimestampTZ)), int64(a[1].(types.DTimestampTZ)))
	})
	timeI := func(t types.DTime, us int64) types.Datum {
		return types.DTime(floorMod(int64(t)+us, usecPerDay))
	}
	fn("+", T, I, T, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return timeI(a[0].(types.DTime), a[1].(types.DInterval).Micros), nil
	})
	fn("+", I, T, T, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return timeI(a[1].(types.DTime), a[0].(types.DInterval).Micros), nil
	})
	fn("-", T, I, T, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return timeI(a[0].(types.DTime), -a[1].(types.DInterval).Micros), nil
	})
	fn("-", T, T, I, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.DInterval{Micros: int64(a[0].(types.DTime)) - int64(a[1].(types.DTime))}, nil
	})
	fn("+", I, I, I, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return addInterval(a[0].(types.DInterval), a[1].(types.DInterval))
	})
	fn("-", I, I, I, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		n, err := negInterval(a[1].(types.DInterval))
		if err != nil {
			return nil, err
		}
		return addInterval(a[0].(types.DInterval), n)
	})
	fn("*", I, types.Float8, I, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return mulInterval(a[0].(types.DInterval), float64(a[1].(types.DFloat)), false)
	})
	fn("*", types.Float8, I, I, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return mulInterval(a[1].(types.DInterval), float64(a[0].(types.DFloat)), false)
	})
	fn("/", I, types.Float8, I, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return mulInterval(a[0].(types.DInterval), float64(a[1].(types.DFloat)), true)
	})
	r.unOp("-", &Overload{Args: args1(I), Ret: I, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return negInterval(a[0].(types.DInterval))
	}})
	r.unOp("+", &Overload{Args: args1(I), Ret: I, Fn: identity})
}
