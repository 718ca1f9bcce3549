package builtins

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// tmFields is a broken-down wall-clock time (astronomical year).
type tmFields struct {
	year, mon, mday, hour, min, sec, usec int64
}

func splitTS(local int64) tmFields {
	days := floorDiv(local, usecPerDay)
	tod := local - days*usecPerDay
	y, m, d := civilFromDays(days)
	return tmFields{y, m, d, tod / usecPerHour, tod / usecPerMin % 60, tod / usecPerSec % 60, tod % usecPerSec}
}

func (t tmFields) join() int64 {
	return daysFromCivil(t.year, t.mon, t.mday)*usecPerDay + t.hour*usecPerHour + t.min*usecPerMin + t.sec*usecPerSec + t.usec
}

// isoWeek returns the ISO 8601 week number and ISO year of a date.
func isoWeek(y, m, d int64) (week, isoYear int64) {
	t := time.Date(int(y), time.Month(m), int(d), 0, 0, 0, 0, time.UTC)
	iy, w := t.ISOWeek()
	return int64(w), int64(iy)
}

func dow(days int64) int64 { return floorMod(days+4, 7) } // 1970-01-01 was a Thursday

func unitErr(unit string, t *types.T) error {
	return pgerr.New(pgerr.InvalidParameterValue, "unit \"%s\" not recognized for type %s", unit, t.SQLString())
}

func unitUnsupported(unit string, t *types.T) error {
	return pgerr.New(pgerr.FeatureNotSupported, "unit \"%s\" not supported for type %s", unit, t.SQLString())
}

var unitAliases = map[string]string{
	"microsecond": "microseconds", "microseconds": "microseconds", "us": "microseconds", "usec": "microseconds", "usecs": "microseconds", "useconds": "microseconds",
	"millisecond": "milliseconds", "milliseconds": "milliseconds", "ms": "milliseconds", "msec": "milliseconds", "msecs": "milliseconds", "mseconds": "milliseconds",
	"second": "second", "seconds": "second", "s": "second", "sec": "second", "secs": "second",
	"minute": "minute", "minutes": "minute", "m": "minute", "min": "minute", "mins": "minute",
	"hour": "hour", "hours": "hour", "h": "hour", "hr": "hour", "hrs": "hour",
	"day": "day", "days": "day", "d": "day",
	"week": "week", "weeks": "week", "w": "week",
	"month": "month", "months": "month", "mon": "month", "mons": "month",
	"quarter": "quarter", "qtr": "quarter",
	"year": "year", "years": "year", "y": "year", "yr": "year", "yrs": "year",
	"decade": "decade", "decades": "decade", "dec": "decade",
	"century": "century", "centuries": "century", "c": "century", "cent": "century",
	"millennium": "millennium", "millennia": "millennium", "millenniums": "millennium", "mil": "millennium", "mils": "millennium",
	"epoch": "epoch", "dow": "dow", "isodow": "isodow", "doy": "doy", "isoyear": "isoyear", "julian": "julian",
	"timezone": "timezone", "timezone_hour": "timezone_hour", "timezone_minute": "timezone_minute",
}

func normUnit(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if u, ok := unitAliases[s]; ok {
		return u
	}
	return s
}

// truncFields truncates broken-down time to unit; ok is false for an
// unknown unit.
func truncFields(t tmFields, unit string) (tmFields, bool) {
	switch unit {
	case "millennium":
		if t.year > 0 {
			t.year = ((t.year+999)/1000)*1000 - 999
		} else {
			t.year = -((999-(t.year-1))/1000)*1000 + 1
		}
		t.mon = 1
		t.mday = 1
	case "century":
		if t.year > 0 {
			t.year = ((t.year+99)/100)*100 - 99
		} else {
			t.year = -((99-(t.year-1))/100)*100 + 1
		}
		t.mon, t.mday = 1, 1
	case "decade":
		if t.year > 0 {
			t.year = (t.year / 10) * 10
		} else {
			t.year = -((8 - (t.year - 1)) / 10) * 10
		}
		t.mon, t.mday = 1, 1
	case "year":
		t.mon, t.mday = 1, 1
	case "quarter":
		t.mon = 3*((t.mon-1)/3) + 1
		t.mday = 1
	case "month":
		t.mday = 1
	case "week":
		days := daysFromCivil(t.year, t.mon, t.mday)
		days -= floorMod(dow(days)+6, 7)
		t.year, t.mon, t.mday = civilFromDays(days)
	case "day", "hour", "minute", "second", "milliseconds", "microseconds":
	default:
		return t, false
	}
	switch unit {
	case "microseconds":
		return t, true
	case "milliseconds":
		t.usec = t.usec / 1000 * 1000
		return t, true
	}
	t.usec = 0
	if unit == "second" {
		return t, true
	}
	t.sec = 0
	if unit == "minute" {
		return t, true
	}
	t.min = 0
	if unit == "hour" {
		return t, true
	}
	t.hour = 0
	return t, true
}

func dateTruncTS(unit string, ts int64) (types.Datum, error) {
	if types.IsInfiniteTimestamp(ts) {
		return types.DTimestamp(ts), nil
	}
	u := normUnit(unit)
	t, ok := truncFields(splitTS(ts), u)
	if !ok {
		return nil, unitErr(unit, types.Timestamp)
	}
	return types.DTimestamp(t.join()), nil
}

func dateTruncTZ(ctx *EvalContext, unit string, ts int64, loc *time.Location) (types.Datum, error) {
	if types.IsInfiniteTimestamp(ts) {
		return types.DTimestampTZ(ts), nil
	}
	u := normUnit(unit)
	local := int64(types.TimestampTZToLocal(types.DTimestampTZ(ts), loc))
	t, ok := truncFields(splitTS(local), u)
	if !ok {
		return nil, unitErr(unit, types.TimestampTZ)
	}
	switch u {
	case "hour", "minute", "second", "milliseconds", "microseconds":
		return types.DTimestampTZ(t.join() - (local - ts)), nil
	}
	return types.LocalToTimestampTZ(types.DTimestamp(t.join()), loc), nil
}

// extractTS computes a field of a wall-clock timestamp as a numeric
// value (scale as extract() prints it). tzOff is the zone offset in
// seconds for timestamptz (nil for timestamp), utc the instant.
func extractTS(unit string, local int64, tzOff *int64, utc int64, typ *types.T) (*types.DDecimal, error) {
	u := normUnit(unit)
	t := splitTS(local)
	days := floorDiv(local, usecPerDay)
	var v int64
	scale := int32(0)
	switch u {
	case "microseconds":
		v = t.sec*usecPerSec + t.usec
	case "milliseconds":
		v, scale = t.sec*usecPerSec+t.usec, 3
	case "second":
		v, scale = t.sec*usecPerSec+t.usec, 6
	case "minute":
		v = t.min
	case "hour":
		v = t.hour
	case "day":
		v = t.mday
	case "month":
		v = t.mon
	case "quarter":
		v = (t.mon-1)/3 + 1
	case "week":
		v, _ = isoWeek(t.year, t.mon, t.mday)
	case "year":
		v = t.year
		if v <= 0 {
			v--
		}
	case "decade":
		if t.year >= 0 {
			v = t.year / 10
		} else {
			v = -((8 - (t.year - 1)) / 10)
		}
	case "century":
		if t.year > 0 {
			v = (t.year + 99) / 100
		} else {
			v = -((99 - (t.year - 1)) / 100)
		}
	case "millennium":
		if t.year > 0 {
			v = (t.year + 999) / 1000
		} else {
			v = -((999 - (t.year - 1)) / 1000)
		}
	case "julian":
		jd := days + 2440588
		tod := local - days*usecPerDay
		d := &types.DDecimal{}
		num := decFromInt(jd*usecPerDay + tod)
		r, err := divDec(num, decFromInt(usecPerDay), selectDivScale(num, decFromInt(usecPerDay)))
		if err != nil {
			return nil, err
		}
		if tod == 0 {
			return decFromInt(jd), nil
		}
		_ = d
		return r, nil
	case "isoyear":
		_, v = isoWeek(t.year, t.mon, t.mday)
		if v <= 0 {
			v--
		}
	case "dow":
		v = dow(days)
	case "isodow":
		v = dow(days)
		if v == 0 {
			v = 7
		}
	case "doy":
		v = days - daysFromCivil(t.year, 1, 1) + 1
	case "epoch":
		v, scale = utc, 6
	case "timezone", "timezone_hour", "timezone_minute":
		if tzOff == nil {
			return nil, unitUnsupported(unit, typ)
		}
		switch u {
		case "timezone":
			v = *tzOff
		case "timezone_hour":
			v = *tzOff / 3600
		default:
			v = *tzOff / 60 % 60
		}
	default:
		return nil, unitErr(unit, typ)
	}
	d := decFromInt(v)
	if scale > 0 {
		d.Exponent = -scale
	}
	return d, nil
}

func extractInterval(unit string, iv types.DInterval) (*types.DDecimal, error) {
	u := normUnit(unit)
	var v int64
	scale := int32(0)
	tm := iv.Micros
	switch u {
	case "microseconds":
		v = tm % usecPerMin
	case "milliseconds":
		v, scale = tm%usecPerMin, 3
	case "second":
		v, scale = tm%usecPerMin, 6
	case "minute":
		v = tm / usecPerMin % 60
	case "hour":
		v = tm / usecPerHour
	case "day":
		v = int64(iv.Days)
	case "month":
		v = int64(iv.Months % 12)
	case "quarter":
		v = int64(iv.Months%12)/3 + 1
	case "year":
		v = int64(iv.Months / 12)
	case "decade":
		v = int64(iv.Months / 12 / 10)
	case "century":
		v = int64(iv.Months / 12 / 100)
	case "millennium":
		v = int64(iv.Months / 12 / 1000)
	case "epoch":
		secs := (1461*int64(iv.Months/12) + 120*int64(iv.Months%12) + 4*int64(iv.Days)) * 86400 / 4
		v, scale = secs*usecPerSec+tm, 6
	default:
		if _, known := unitAliases[strings.ToLower(strings.TrimSpace(unit))]; known {
			return nil, unitUnsupported(unit, types.Interval)
		}
		return nil, unitErr(unit, types.Interval)
	}
	d := decFromInt(v)
	if scale > 0 {
		d.Exponent = -scale
	}
	return d, nil
}

func extractDate(unit string, d types.DDate) (*types.DDecimal, error) {
	switch normUnit(unit) {
	case "microseconds", "milliseconds", "second", "minute", "hour", "timezone", "timezone_hour", "timezone_minute":
		return nil, unitUnsupported(unit, types.Date)
	case "epoch":
		return decFromInt(int64(d) * 86400), nil
	}
	v, err := extractTS(unit, int64(d)*usecPerDay, nil, 0, types.Date)
	if err != nil {
		return nil, err
	}
	return v, nil
}

func extractTime(unit string, t types.DTime) (*types.DDecimal, error) {
	u := normUnit(unit)
	switch u {
	case "microseconds", "milliseconds", "second", "minute", "hour":
		return extractTS(unit, int64(t), nil, 0, types.Time)
	case "epoch":
		d := decFromInt(int64(t))
		d.Exponent = -6
		return d, nil
	}
	if _, known := unitAliases[strings.ToLower(strings.TrimSpace(unit))]; known {
		return nil, unitUnsupported(unit, types.Time)
	}
	return nil, unitErr(unit, types.Time)
}

func decToFloatDatum(d *types.DDecimal, err error) (types.Datum, error) {
	if err != nil {
		return nil, err
	}
	return types.DFloat(decToFloat(d)), nil
}

func infExtract(unit string, neg bool, asFloat bool) (types.Datum, bool) {
	switch normUnit(unit) {
	case "epoch", "year", "decade", "century", "millennium", "julian", "isoyear":
		v := math.Inf(1)
		if neg {
			v = math.Inf(-1)
		}
		if asFloat {
			return types.DFloat(v), true
		}
		d, _ := decFromFloat(v)
		return d, true
	}
	return types.DNull, true
}

func registerTimeFuncs(r *Registry) {
	T, D, TM, TS, TZ, IV, F8, N, I4 := types.Text, types.Date, types.Time, types.Timestamp, types.TimestampTZ, types.Interval, types.Float8, types.Numeric, types.Int4
	stable := func(oid uint32, args []*types.T, ret *types.T, f evalFn) *Overload {
		return &Overload{Oid: oid, Args: args, Ret: ret, Fn: f, Volatility: Stable}
	}
	txnNow := func(ctx *EvalContext, _ []types.Datum) (types.Datum, error) {
		return types.MakeTimestampTZ(ctx.TxnTime), nil
	}
	none := []*types.T{}
	r.scalar("now", stable(1299, none, TZ, txnNow))
	r.scalar("transaction_timestamp", stable(2647, none, TZ, txnNow))
	r.scalar("current_timestamp", stable(0, none, TZ, txnNow))
	r.scalar("statement_timestamp", stable(2648, none, TZ, func(ctx *EvalContext, _ []types.Datum) (types.Datum, error) {
		return types.MakeTimestampTZ(ctx.StmtTime), nil
	}))
	r.scalar("clock_timestamp", &Overload{Oid: 2649, Args: none, Ret: TZ, Volatility: Volatile, Fn: func(*EvalContext, []types.Datum) (types.Datum, error) {
		return types.MakeTimestampTZ(time.Now()), nil
	}})
	r.scalar("current_date", stable(0, none, D, func(ctx *EvalContext, _ []types.Datum) (types.Datum, error) {
		return types.MakeDate(ctx.TxnTime.In(ctx.loc())), nil
	}))
	r.scalar("localtimestamp", stable(0, none, TS, func(ctx *EvalContext, _ []types.Datum) (types.Datum, error) {
		return types.MakeTimestamp(ctx.TxnTime.In(ctx.loc())), nil
	}))
	localTime := func(ctx *EvalContext, _ []types.Datum) (types.Datum, error) {
		ts := int64(types.MakeTimestamp(ctx.TxnTime.In(ctx.loc())))
		return types.DTime(floorMod(ts, usecPerDay)), nil
	}
	r.scalar("localtime", stable(0, none, TM, localTime))
	// current_time is timetz in PostgreSQL; Conflux has no timetz and
	// returns the local time of day.
	r.scalar("current_time", stable(0, none, TM, localTime))

	r.scalar("date_trunc",
		ov(2020, args2(T, TS), TS, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return dateTruncTS(text(a[0]), int64(a[1].(types.DTimestamp)))
		}),
		stable(1217, args2(T, TZ), TZ, func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			return dateTruncTZ(ctx, text(a[0]), int64(a[1].(types.DTimestampTZ)), ctx.loc())
		}),
		ov(1284, args3(T, TZ, T), TZ, func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			loc, err := loadZone(text(a[2]))
			if err != nil {
				return nil, err
			}
			return dateTruncTZ(ctx, text(a[0]), int64(a[1].(types.DTimestampTZ)), loc)
		}),
		ov(1218, args2(T, IV), IV, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return truncInterval(text(a[0]), a[1].(types.DInterval))
		}))

	// timezone(zone, ts) is AT TIME ZONE: timestamptz -> local time in the
	// zone, timestamp -> the instant that local time denotes in the zone.
	zoneOf := func(d types.Datum) (*time.Location, error) {
		if iv, ok := d.(types.DInterval); ok {
			if iv.Months != 0 || iv.Days != 0 {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "interval time zone \"%s\" must not include months or days", types.FormatText(iv, types.Interval, nil))
			}
			return time.FixedZone("", int(iv.Micros/1000000)), nil
		}
		return loadZone(text(d))
	}
	toLocal := func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		loc, err := zoneOf(a[0])
		if err != nil {
			return nil, err
		}
		ts := a[1].(types.DTimestampTZ)
		if types.IsInfiniteTimestamp(int64(ts)) {
			return types.DTimestamp(ts), nil
		}
		return types.TimestampTZToLocal(ts, loc), nil
	}
	fromLocal := func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		loc, err := zoneOf(a[0])
		if err != nil {
			return nil, err
		}
		ts := a[1].(types.DTimestamp)
		if types.IsInfiniteTimestamp(int64(ts)) {
			return types.DTimestampTZ(ts), nil
		}
		return types.LocalToTimestampTZ(ts, loc), nil
	}
	r.scalar("timezone",
		ov(1159, args2(T, TZ), TS, toLocal),
		ov(2069, args2(T, TS), TZ, fromLocal),
		ov(1026, args2(IV, TZ), TS, toLocal),
		ov(2070, args2(IV, TS), TZ, fromLocal))

	tsPart := func(asFloat bool) evalFn {
		return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			ts := int64(a[1].(types.DTimestamp))
			if types.IsInfiniteTimestamp(ts) {
				d, _ := infExtract(text(a[0]), ts < 0, asFloat)
				return d, nil
			}
			d, err := extractTS(text(a[0]), ts, nil, ts, types.Timestamp)
			if asFloat {
				return decToFloatDatum(d, err)
			}
			return d, err
		}
	}
	tzPart := func(asFloat bool) evalFn {
		return func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			ts := int64(a[1].(types.DTimestampTZ))
			if types.IsInfiniteTimestamp(ts) {
				d, _ := infExtract(text(a[0]), ts < 0, asFloat)
				return d, nil
			}
			local := int64(types.TimestampTZToLocal(types.DTimestampTZ(ts), ctx.loc()))
			off := (local - ts) / usecPerSec
			d, err := extractTS(text(a[0]), local, &off, ts, types.TimestampTZ)
			if asFloat {
				return decToFloatDatum(d, err)
			}
			return d, err
		}
	}
	datePart := func(asFloat bool) evalFn {
		return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			dd := a[1].(types.DDate)
			if types.IsInfiniteDate(dd) {
				d, _ := infExtract(text(a[0]), dd < 0, asFloat)
				return d, nil
			}
			if asFloat {
				// date_part(text, date) is date_part(text, date::timestamp).
				ts := int64(dd) * usecPerDay
				return decToFloatDatum(extractTS(text(a[0]), ts, nil, ts, types.Timestamp))
			}
			return extractDate(text(a[0]), dd)
		}
	}
	ivPart := func(asFloat bool) evalFn {
		return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			d, err := extractInterval(text(a[0]), a[1].(types.DInterval))
			if asFloat {
				return decToFloatDatum(d, err)
			}
			return d, err
		}
	}
	timePart := func(asFloat bool) evalFn {
		return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			d, err := extractTime(text(a[0]), a[1].(types.DTime))
			if asFloat {
				return decToFloatDatum(d, err)
			}
			return d, err
		}
	}
	r.scalar("date_part",
		ov(2021, args2(T, TS), F8, tsPart(true)),
		stable(1171, args2(T, TZ), F8, tzPart(true)),
		ov(1384, args2(T, D), F8, datePart(true)),
		ov(1172, args2(T, IV), F8, ivPart(true)),
		ov(1385, args2(T, TM), F8, timePart(true)))
	r.scalar("extract",
		ov(6202, args2(T, TS), N, tsPart(false)),
		stable(6203, args2(T, TZ), N, tzPart(false)),
		ov(6199, args2(T, D), N, datePart(false)),
		ov(6204, args2(T, IV), N, ivPart(false)),
		ov(6200, args2(T, TM), N, timePart(false)))

	ageTS := func(x, y int64) (types.Datum, error) {
		if types.IsInfiniteTimestamp(x) || types.IsInfiniteTimestamp(y) {
			return nil, pgerr.New(pgerr.DatetimeFieldOverflow, "cannot subtract infinite timestamps")
		}
		return age(x, y), nil
	}
	r.scalar("age",
		ov(2058, args2(TS, TS), IV, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return ageTS(int64(a[0].(types.DTimestamp)), int64(a[1].(types.DTimestamp)))
		}),
		stable(1199, args2(TZ, TZ), IV, func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			loc := ctx.loc()
			return ageTS(int64(types.TimestampTZToLocal(a[0].(types.DTimestampTZ), loc)), int64(types.TimestampTZToLocal(a[1].(types.DTimestampTZ), loc)))
		}),
		stable(2059, args1(TS), IV, func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			today := int64(types.MakeDate(ctx.TxnTime.In(ctx.loc()))) * usecPerDay
			return ageTS(today, int64(a[0].(types.DTimestamp)))
		}),
		stable(1200, args1(TZ), IV, func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			today := int64(types.MakeDate(ctx.TxnTime.In(ctx.loc()))) * usecPerDay
			return ageTS(today, int64(types.TimestampTZToLocal(a[0].(types.DTimestampTZ), ctx.loc())))
		}))

	r.scalar("make_date", ov(3846, args3(I4, I4, I4), D, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		y, m, d := integer(a[0]), integer(a[1]), integer(a[2])
		days, err := makeDate(y, m, d)
		if err != nil {
			return nil, err
		}
		return types.DDate(days), nil
	}))
	mkTS := func(a []types.Datum) (int64, error) {
		days, err := makeDate(integer(a[0]), integer(a[1]), integer(a[2]))
		if err != nil {
			return 0, err
		}
		h, mi, sec := integer(a[3]), integer(a[4]), float64(a[5].(types.DFloat))
		if h < 0 || h > 24 || mi < 0 || mi > 59 || sec < 0 || sec > 60 || math.IsNaN(sec) ||
			h == 24 && (mi > 0 || sec > 0) {
			return 0, pgerr.New(pgerr.DatetimeFieldOverflow, "time field value out of range: %d:%02d:%s", h, mi,
				types.FormatText(types.DFloat(sec), F8, nil))
		}
		us := int64(math.RoundToEven(sec * 1e6))
		return days*usecPerDay + h*usecPerHour + mi*usecPerMin + us, nil
	}
	r.scalar("make_timestamp", ov(3461, argsN(I4, I4, I4, I4, I4, F8), TS, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		v, err := mkTS(a)
		return types.DTimestamp(v), err
	}))
	r.scalar("make_timestamptz",
		stable(3462, argsN(I4, I4, I4, I4, I4, F8), TZ, func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			v, err := mkTS(a)
			if err != nil {
				return nil, err
			}
			return types.LocalToTimestampTZ(types.DTimestamp(v), ctx.loc()), nil
		}),
		stable(3463, argsN(I4, I4, I4, I4, I4, F8, T), TZ, func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			v, err := mkTS(a)
			if err != nil {
				return nil, err
			}
			loc, err := loadZone(text(a[6]))
			if err != nil {
				return nil, err
			}
			return types.LocalToTimestampTZ(types.DTimestamp(v), loc), nil
		}))
	mkInterval := func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		vals := [7]float64{}
		for i := range a {
			if i < 6 {
				vals[i] = float64(integer(a[i]))
			} else {
				vals[i] = float64(a[i].(types.DFloat))
			}
		}
		years, months, weeks, days, hours, mins, secs := vals[0], vals[1], vals[2], vals[3], vals[4], vals[5], vals[6]
		m := years*12 + months
		d := weeks*7 + days
		us := hours*float64(usecPerHour) + mins*float64(usecPerMin) + math.RoundToEven(secs*1e6)
		if m > math.MaxInt32 || m < math.MinInt32 || d > math.MaxInt32 || d < math.MinInt32 || math.IsNaN(us) || math.Abs(us) > 9.2e18 {
			return nil, errIntervalRange()
		}
		return types.DInterval{Months: int32(m), Days: int32(d), Micros: int64(us)}, nil
	}
	mi := []*Overload{}
	params := []*types.T{I4, I4, I4, I4, I4, I4, F8}
	for n := 0; n <= 7; n++ {
		oid := uint32(0)
		if n == 7 {
			oid = 3464
		}
		mi = append(mi, ov(oid, append([]*types.T{}, params[:n]...), IV, mkInterval))
	}
	mi[7].ArgNames = []string{"years", "months", "weeks", "days", "hours", "mins", "secs"}
	mi[7].ArgDefaults = []types.Datum{types.DInt(0), types.DInt(0), types.DInt(0), types.DInt(0), types.DInt(0), types.DInt(0), types.DFloat(0)}
	r.scalar("make_interval", mi...)
	r.scalar("to_timestamp",
		ov(1158, args1(F8), TZ, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			f := float64(a[0].(types.DFloat))
			switch {
			case math.IsNaN(f):
				return nil, pgerr.New(pgerr.InvalidParameterValue, "timestamp cannot be NaN")
			case math.IsInf(f, 1):
				return types.DTimestampTZ(types.TimestampPosInfinity), nil
			case math.IsInf(f, -1):
				return types.DTimestampTZ(types.TimestampNegInfinity), nil
			}
			v := math.RoundToEven(f * 1e6)
			if v > 9.2e18 || v < -9.2e18 || !types.ValidTimestamp(int64(v)) {
				return nil, pgerr.New(pgerr.DatetimeFieldOverflow, "timestamp out of range: \"%s\"", types.FormatText(a[0], F8, nil))
			}
			return types.DTimestampTZ(int64(v)), nil
		}),
		stable(1778, args2(T, T), TZ, func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			v, tz, err := parseFormatted(text(a[0]), text(a[1]))
			if err != nil {
				return nil, err
			}
			if tz != nil {
				return types.DTimestampTZ(v - *tz*usecPerSec), nil
			}
			return types.LocalToTimestampTZ(types.DTimestamp(v), ctx.loc()), nil
		}))
	r.scalar("to_date", stable(1780, args2(T, T), D, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		v, _, err := parseFormatted(text(a[0]), text(a[1]))
		if err != nil {
			return nil, err
		}
		return types.DDate(floorDiv(v, usecPerDay)), nil
	}))
	r.scalar("to_char",
		stable(2049, args2(TS, T), T, func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			ts := int64(a[0].(types.DTimestamp))
			if types.IsInfiniteTimestamp(ts) {
				return types.DNull, nil
			}
			return types.DString(toChar(ts, text(a[1]), nil, "")), nil
		}),
		stable(1770, args2(TZ, T), T, func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			ts := int64(a[0].(types.DTimestampTZ))
			if types.IsInfiniteTimestamp(ts) {
				return types.DNull, nil
			}
			loc := ctx.loc()
			local := int64(types.TimestampTZToLocal(types.DTimestampTZ(ts), loc))
			off := (local - ts) / usecPerSec
			name, _ := time.UnixMicro(ts).In(loc).Zone()
			return types.DString(toChar(local, text(a[1]), &off, name)), nil
		}),
		stable(1768, args2(IV, T), T, func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			iv := a[0].(types.DInterval)
			t := tmFields{year: int64(iv.Months / 12), mon: int64(iv.Months % 12), mday: int64(iv.Days),
				hour: iv.Micros / usecPerHour, min: iv.Micros / usecPerMin % 60, sec: iv.Micros / usecPerSec % 60, usec: iv.Micros % usecPerSec}
			return types.DString(toCharFields(t, text(a[1]), nil, "", true)), nil
		}))
	r.scalar("justify_days", ov(1295, args1(IV), IV, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.JustifyDays(a[0].(types.DInterval)), nil
	}))
	r.scalar("justify_hours", ov(1175, args1(IV), IV, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.JustifyHours(a[0].(types.DInterval)), nil
	}))
	r.scalar("justify_interval", ov(2711, args1(IV), IV, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.JustifyInterval(a[0].(types.DInterval)), nil
	}))
	bin := func(stride types.DInterval, src, origin int64) (int64, error) {
		if stride.Months != 0 {
			return 0, pgerr.New(pgerr.FeatureNotSupported, "timestamps cannot be binned into intervals containing months or years")
		}
		s := int64(stride.Days)*usecPerDay + stride.Micros
		if s <= 0 {
			return 0, pgerr.New(pgerr.DatetimeFieldOverflow, "stride must be greater than zero")
		}
		d := src - origin
		return origin + floorDiv(d, s)*s, nil
	}
	r.scalar("date_bin",
		ov(6177, args3(IV, TS, TS), TS, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			v, err := bin(a[0].(types.DInterval), int64(a[1].(types.DTimestamp)), int64(a[2].(types.DTimestamp)))
			return types.DTimestamp(v), err
		}),
		ov(6178, args3(IV, TZ, TZ), TZ, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			v, err := bin(a[0].(types.DInterval), int64(a[1].(types.DTimestampTZ)), int64(a[2].(types.DTimestampTZ)))
			return types.DTimestampTZ(v), err
		}))
	r.scalar("isfinite",
		ov(1373, args1(D), types.Bool, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return types.DBool(!types.IsInfiniteDate(a[0].(types.DDate))), nil
		}),
		ov(2048, args1(TS), types.Bool, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return types.DBool(!types.IsInfiniteTimestamp(int64(a[0].(types.DTimestamp)))), nil
		}),
		ov(1389, args1(TZ), types.Bool, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return types.DBool(!types.IsInfiniteTimestamp(int64(a[0].(types.DTimestampTZ)))), nil
		}))
}

func loadZone(name string) (*time.Location, error) {
	if strings.EqualFold(name, "utc") || strings.EqualFold(name, "gmt") || strings.EqualFold(name, "z") {
		return time.UTC, nil
	}
	if loc, ok := posixOffsetZone(name); ok {
		return loc, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, pgerr.New(pgerr.InvalidParameterValue, "time zone \"%s\" not recognized", name)
	}
	return loc, nil
}

func makeDate(y, m, d int64) (int64, error) {
	if y == 0 {
		return 0, pgerr.New(pgerr.DatetimeFieldOverflow, "date field value out of range: %d-%02d-%02d", y, m, d)
	}
	ay := y
	if y < 0 {
		ay = y + 1
	}
	if m < 1 || m > 12 || d < 1 || d > daysInMonth(ay, m) {
		return 0, pgerr.New(pgerr.DatetimeFieldOverflow, "date field value out of range: %d-%02d-%02d", y, m, d)
	}
	days := daysFromCivil(ay, m, d)
	if !types.ValidDate(types.DDate(days)) {
		return 0, errDateRange()
	}
	return days, nil
}

// age is timestamp_age: field-wise difference with borrowing.
func age(x, y int64) types.DInterval {
	t1, t2 := splitTS(x), splitTS(y)
	neg := x < y
	f := tmFields{t1.year - t2.year, t1.mon - t2.mon, t1.mday - t2.mday, t1.hour - t2.hour, t1.min - t2.min, t1.sec - t2.sec, t1.usec - t2.usec}
	if neg {
		f = tmFields{-f.year, -f.mon, -f.mday, -f.hour, -f.min, -f.sec, -f.usec}
	}
	for f.usec < 0 {
		f.usec += usecPerSec
		f.sec--
	}
	for f.sec < 0 {
		f.sec += 60
		f.min--
	}
	for f.min < 0 {
		f.min += 60
		f.hour--
	}
	for f.hour < 0 {
		f.hour += 24
		f.mday--
	}
	for f.mday < 0 {
		if neg {
			f.mday += daysInMonth(t1.year, t1.mon)
		} else {
			f.mday += daysInMonth(t2.year, t2.mon)
		}
		f.mon--
	}
	for f.mon < 0 {
		f.mon += 12
		f.year--
	}
	if neg {
		f = tmFields{-f.year, -f.mon, -f.mday, -f.hour, -f.min, -f.sec, -f.usec}
	}
	return types.DInterval{Months: int32(f.year*12 + f.mon), Days: int32(f.mday),
		Micros: f.hour*usecPerHour + f.min*usecPerMin + f.sec*usecPerSec + f.usec}
}

func truncInterval(unit string, iv types.DInterval) (types.Datum, error) {
	u := normUnit(unit)
	t := tmFields{year: int64(iv.Months / 12), mon: int64(iv.Months % 12), mday: int64(iv.Days),
		hour: iv.Micros / usecPerHour, min: iv.Micros / usecPerMin % 60, sec: iv.Micros / usecPerSec % 60, usec: iv.Micros % usecPerSec}
	switch u {
	case "millennium":
		t.year = t.year / 1000 * 1000
		t.mon = 0
	case "century":
		t.year = t.year / 100 * 100
		t.mon = 0
	case "decade":
		t.year = t.year / 10 * 10
		t.mon = 0
	case "year":
		t.mon = 0
	case "quarter":
		t.mon = 3 * (t.mon / 3)
	case "month", "day", "hour", "minute", "second", "milliseconds", "microseconds":
	case "week":
		return nil, pgerr.New(pgerr.FeatureNotSupported, "unit \"%s\" not supported for type interval", unit).
			WithDetail("Months usually have fractional weeks.")
	default:
		return nil, unitErr(unit, types.Interval)
	}
	switch u {
	case "millennium", "century", "decade", "year", "quarter", "month":
		t.mday = 0
		fallthrough
	case "day":
		t.hour = 0
		fallthrough
	case "hour":
		t.min = 0
		fallthrough
	case "minute":
		t.sec = 0
		fallthrough
	case "second":
		t.usec = 0
	case "milliseconds":
		t.usec = t.usec / 1000 * 1000
	}
	return types.DInterval{Months: int32(t.year*12 + t.mon), Days: int32(t.mday),
		Micros: t.hour*usecPerHour + t.min*usecPerMin + t.sec*usecPerSec + t.usec}, nil
}

// posixOffsetZone reads a numeric zone such as '+05' or '-03:30'. Like
// PostgreSQL, which treats it as a POSIX spec, positive means west of
// Greenwich.
func posixOffsetZone(name string) (*time.Location, bool) {
	s := name
	sign := 1
	switch {
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	case strings.HasPrefix(s, "-"):
		sign, s = -1, s[1:]
	}
	h, m, ok := strings.Cut(s, ":")
	if h == "" || len(h) > 2 || (ok && len(m) != 2) {
		return nil, false
	}
	hours, err := strconv.Atoi(h)
	if err != nil {
		return nil, false
	}
	mins := 0
	if ok {
		if mins, err = strconv.Atoi(m); err != nil {
			return nil, false
		}
	}
	return time.FixedZone(name, -sign*(hours*3600+mins*60)), true
}
