package types

import (
	"math"
	"strconv"
	"strings"

	"github.com/conflux-db/conflux/sql/pgerr"
)

// intervalUnits maps a unit word to (months, days, micros) per unit.
type ivUnit struct {
	months float64
	days   float64
	micros float64
	kind   int // 0 micros-based, 1 days, 2 months, 3 years-ish (fraction rounds to months)
	mask   int // field bit: a field may appear only once, as in DecodeInterval
}

const (
	ivYear = 1 << iota
	ivMonth
	ivDay
	ivHour
	ivMinute
	ivSecond
	ivMillisecond
	ivMicrosecond
	ivWeek
	ivDecade
	ivCentury
	ivMillennium
)

var intervalUnits = map[string]ivUnit{}

func init() {
	add := func(u ivUnit, names ...string) {
		for _, n := range names {
			intervalUnits[n] = u
		}
	}
	add(ivUnit{micros: 1, mask: ivMicrosecond}, "microsecond", "microseconds", "usec", "usecs", "us", "microsecon")
	add(ivUnit{micros: 1000, mask: ivMillisecond}, "millisecond", "milliseconds", "msec", "msecs", "ms", "millisecon")
	add(ivUnit{micros: 1e6, mask: ivSecond}, "second", "seconds", "sec", "secs", "s")
	add(ivUnit{micros: 60e6, mask: ivMinute}, "minute", "minutes", "min", "mins", "m")
	add(ivUnit{micros: 3600e6, mask: ivHour}, "hour", "hours", "hr", "hrs", "h")
	add(ivUnit{days: 1, kind: 1, mask: ivDay}, "day", "days", "d")
	add(ivUnit{days: 7, kind: 1, mask: ivWeek}, "week", "weeks", "w")
	add(ivUnit{months: 1, kind: 2, mask: ivMonth}, "month", "months", "mon", "mons")
	add(ivUnit{months: 12, kind: 3, mask: ivYear}, "year", "years", "yr", "yrs", "y")
	add(ivUnit{months: 120, kind: 3, mask: ivDecade}, "decade", "decades", "dec", "decs")
	add(ivUnit{months: 1200, kind: 3, mask: ivCentury}, "century", "centuries", "cent", "c")
	add(ivUnit{months: 12000, kind: 3, mask: ivMillennium}, "millennium", "millennia", "mil", "mils")
}

// ivAcc accumulates an interval in wide integers so overflow is detectable.
type ivAcc struct {
	m, d, us int64
}

func (a *ivAcc) addUnit(val float64, u ivUnit) {
	switch u.kind {
	case 3: // years: fractional part rounds to whole months
		whole := math.Trunc(val)
		a.m += int64(whole * u.months)
		a.m += int64(math.RoundToEven((val - whole) * u.months))
	case 2:
		whole := math.Trunc(val)
		a.m += int64(whole)
		a.addDays((val - whole) * 30)
	case 1:
		a.addDays(val * u.days)
	default:
		a.addMicros(val * u.micros)
	}
}

func (a *ivAcc) addDays(v float64) {
	whole := math.Trunc(v)
	a.d += int64(whole)
	a.addMicros((v - whole) * float64(usecPerDay))
}

func (a *ivAcc) addMicros(v float64) {
	a.us += int64(math.RoundToEven(v))
}

// ParseInterval is interval_in (postgres, postgres_verbose, sql_standard
// "Y-M D H:M:S" and ISO 8601 "P1Y2M3DT4H5M6S" inputs).
func ParseInterval(s string) (DInterval, error) {
	bad := func() (DInterval, error) {
		return DInterval{}, pgerr.New(pgerr.InvalidDatetimeFormat, "invalid input syntax for type interval: %q", s)
	}
	overflow := func() (DInterval, error) {
		return DInterval{}, pgerr.New(intervalFieldOverflow, "interval field value out of range: %q", s)
	}
	rangeErr := func() (DInterval, error) {
		return DInterval{}, pgerr.New(pgerr.DatetimeFieldOverflow, "interval out of range")
	}
	var fmask int
	use := func(bits int) bool {
		if fmask&bits != 0 {
			return false
		}
		fmask |= bits
		return true
	}
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return bad()
	}
	if t[0] == 'p' {
		iv, ok := parseISOInterval(t[1:])
		if !ok {
			return bad()
		}
		return iv, nil
	}
	var acc ivAcc
	fields := strings.Fields(t)
	ago := false
	seen := false
	for i := 0; i < len(fields); i++ {
		fl := fields[i]
		if fl == "@" {
			continue
		}
		if fl == "ago" {
			if i != len(fields)-1 {
				return bad()
			}
			ago = true
			continue
		}
		if strings.HasPrefix(fl, "@") {
			fl = fl[1:]
		}
		seen = true
		// Time field [-]HH:MM[:SS[.f]] or MM:SS.f
		if strings.Contains(fl, ":") {
			neg := false
			body := fl
			if body[0] == '-' || body[0] == '+' {
				neg = body[0] == '-'
				body = body[1:]
			}
			parts := strings.Split(body, ":")
			if len(parts) > 3 {
				return bad()
			}
			var us float64
			mult := []float64{3600e6, 60e6, 1e6}
			if len(parts) == 2 && strings.Contains(parts[1], ".") {
				mult = []float64{60e6, 1e6}
			}
			for k, p := range parts {
				if p == "" {
					return bad()
				}
				if k < len(parts)-1 && !allDigits(p) {
					return bad()
				}
				v, err := strconv.ParseFloat(p, 64)
				if err != nil || strings.ContainsAny(p, "eE_xXpPnNiI+-") {
					return bad()
				}
				us += v * mult[k]
			}
			if neg {
				us = -us
			}
			if !use(ivHour | ivMinute | ivSecond) {
				return bad()
			}
			if math.Abs(us) > 9.2e18 {
				return rangeErr()
			}
			acc.addMicros(us)
			continue
		}
		// SQL-standard year-month "1-2".
		if k := strings.IndexByte(fl[1:], '-'); k >= 0 && allDigits(strings.TrimLeft(fl[:k+1], "+-")) && allDigits(fl[k+2:]) {
			neg := fl[0] == '-'
			y, _ := strconv.ParseInt(strings.TrimLeft(fl[:k+1], "+-"), 10, 64)
			m, _ := strconv.ParseInt(fl[k+2:], 10, 64)
			if !use(ivYear | ivMonth) {
				return bad()
			}
			if y > math.MaxInt32 || m > 11 {
				return overflow()
			}
			v := y*12 + m
			if neg {
				v = -v
			}
			acc.m += v
			continue
		}
		// Number, with the unit attached ("1day") or in the next field.
		j := 0
		if j < len(fl) && (fl[j] == '-' || fl[j] == '+') {
			j++
		}
		st := j
		for j < len(fl) && (isDigit(fl[j]) || fl[j] == '.') {
			j++
		}
		if j == st {
			return bad()
		}
		numStr, unit := fl[:j], fl[j:]
		val, err := strconv.ParseFloat(numStr, 64)
		if err != nil {
			return bad()
		}
		if unit == "" && i+1 < len(fields) {
			if _, ok := intervalUnits[strings.TrimSuffix(fields[i+1], ",")]; ok {
				unit = fields[i+1]
				i++
			}
		}
		if unit == "" {
			// A bare number before a time field is days; otherwise seconds.
			if i+1 < len(fields) && strings.Contains(fields[i+1], ":") {
				unit = "day"
			} else {
				unit = "second"
			}
		}
		u, ok := intervalUnits[unit]
		if !ok {
			return bad()
		}
		if !use(u.mask) {
			return bad()
		}
		if val > math.MaxInt32 || val < math.MinInt32 {
			return overflow()
		}
		if math.Abs(val)*u.micros > 9.2e18 ||
			(u.kind >= 2 && math.Abs(val*u.months) > math.MaxInt32+1) || (u.kind == 1 && math.Abs(val*u.days) > math.MaxInt32+1) {
			return rangeErr()
		}
		acc.addUnit(val, u)
	}
	if !seen {
		return bad()
	}
	if ago {
		acc.m, acc.d, acc.us = -acc.m, -acc.d, -acc.us
	}
	if acc.m > math.MaxInt32 || acc.m < math.MinInt32 || acc.d > math.MaxInt32 || acc.d < math.MinInt32 {
		return rangeErr()
	}
	return DInterval{Months: int32(acc.m), Days: int32(acc.d), Micros: acc.us}, nil
}

// intervalFieldOverflow is SQLSTATE 22015 (interval_field_overflow).
const intervalFieldOverflow = "22015"

func parseISOInterval(t string) (DInterval, bool) {
	var acc ivAcc
	inTime := false
	any := false
	for len(t) > 0 {
		if t[0] == 't' {
			if inTime {
				return DInterval{}, false
			}
			inTime = true
			t = t[1:]
			continue
		}
		j := 0
		if t[0] == '-' || t[0] == '+' {
			j++
		}
		st := j
		for j < len(t) && (isDigit(t[j]) || t[j] == '.') {
			j++
		}
		if j == st || j >= len(t) {
			return DInterval{}, false
		}
		val, err := strconv.ParseFloat(t[:j], 64)
		if err != nil || math.Abs(val) > 1e12 {
			return DInterval{}, false
		}
		var u string
		switch c := t[j]; {
		case c == 'y' && !inTime:
			u = "year"
		case c == 'm' && !inTime:
			u = "month"
		case c == 'w' && !inTime:
			u = "week"
		case c == 'd' && !inTime:
			u = "day"
		case c == 'h' && inTime:
			u = "hour"
		case c == 'm' && inTime:
			u = "minute"
		case c == 's' && inTime:
			u = "second"
		default:
			return DInterval{}, false
		}
		acc.addUnit(val, intervalUnits[u])
		any = true
		t = t[j+1:]
	}
	if !any || acc.m > math.MaxInt32 || acc.m < math.MinInt32 || acc.d > math.MaxInt32 || acc.d < math.MinInt32 {
		return DInterval{}, false
	}
	return DInterval{Months: int32(acc.m), Days: int32(acc.d), Micros: acc.us}, true
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// appendInterval writes the interval in the given IntervalStyle
// ("postgres" when empty; "iso_8601" supported; others fall back).
func appendInterval(buf []byte, iv DInterval, style string) []byte {
	years := int64(iv.Months / 12)
	mons := int64(iv.Months % 12)
	days := int64(iv.Days)
	t := iv.Micros
	hour := t / usecPerHour
	t -= hour * usecPerHour
	min := t / usecPerMin
	t -= min * usecPerMin
	sec := t // micros incl. fraction
	if strings.EqualFold(style, "iso_8601") {
		if years == 0 && mons == 0 && days == 0 && hour == 0 && min == 0 && sec == 0 {
			return append(buf, "PT0S"...)
		}
		buf = append(buf, 'P')
		add := func(v int64, c byte) {
			if v != 0 {
				buf = strconv.AppendInt(buf, v, 10)
				buf = append(buf, c)
			}
		}
		add(years, 'Y')
		add(mons, 'M')
		add(days, 'D')
		if hour != 0 || min != 0 || sec != 0 {
			buf = append(buf, 'T')
			add(hour, 'H')
			add(min, 'M')
			if sec != 0 {
				if sec < 0 {
					buf = append(buf, '-')
				}
				buf = strconv.AppendInt(buf, abs64(sec)/usecPerSec, 10)
				if f := abs64(sec) % usecPerSec; f != 0 {
					b := appendSeconds(nil, f)
					buf = append(buf, b[2:]...)
				}
				buf = append(buf, 'S')
			}
		}
		return buf
	}
	isZero, isBefore := true, false
	part := func(v int64, unit string) {
		if v == 0 {
			return
		}
		if !isZero {
			buf = append(buf, ' ')
		}
		if isBefore && v > 0 {
			buf = append(buf, '+')
		}
		buf = strconv.AppendInt(buf, v, 10)
		buf = append(buf, ' ')
		buf = append(buf, unit...)
		if v != 1 {
			buf = append(buf, 's')
		}
		isBefore = v < 0
		isZero = false
	}
	part(years, "year")
	part(mons, "mon")
	part(days, "day")
	if isZero || hour != 0 || min != 0 || sec != 0 {
		minus := hour < 0 || min < 0 || sec < 0
		if !isZero {
			buf = append(buf, ' ')
		}
		if minus {
			buf = append(buf, '-')
		} else if isBefore {
			buf = append(buf, '+')
		}
		buf = appendPad(buf, abs64(hour), 2)
		buf = append(buf, ':')
		buf = appendPad(buf, abs64(min), 2)
		buf = append(buf, ':')
		buf = appendSeconds(buf, abs64(sec))
	}
	return buf
}

// IntervalSpan returns the interval as (days, micros-within-day) after
// converting months to 30 days and carrying micros into days, the
// normalisation PostgreSQL uses to compare intervals.
func IntervalSpan(iv DInterval) (days int64, micros int64) {
	days = int64(iv.Months)*30 + int64(iv.Days)
	days += floorDiv(iv.Micros, usecPerDay)
	micros = floorMod(iv.Micros, usecPerDay)
	return days, micros
}

// JustifyInterval applies justify_interval: 24h → 1 day, 30 days → 1 month,
// with all fields taking the same sign.
func JustifyInterval(iv DInterval) DInterval {
	months := int64(iv.Months)
	days := int64(iv.Days) + iv.Micros/usecPerDay
	us := iv.Micros % usecPerDay
	months += days / 30
	days %= 30
	if months > 0 && (days < 0 || days == 0 && us < 0) {
		days += 30
		months--
	} else if months < 0 && (days > 0 || days == 0 && us > 0) {
		days -= 30
		months++
	}
	if days > 0 && us < 0 {
		us += usecPerDay
		days--
	} else if days < 0 && us > 0 {
		us -= usecPerDay
		days++
	}
	return DInterval{Months: int32(months), Days: int32(days), Micros: us}
}

// JustifyHours applies justify_hours (24h → 1 day).
func JustifyHours(iv DInterval) DInterval {
	days := int64(iv.Days) + iv.Micros/usecPerDay
	us := iv.Micros % usecPerDay
	if days > 0 && us < 0 {
		us += usecPerDay
		days--
	} else if days < 0 && us > 0 {
		us -= usecPerDay
		days++
	}
	return DInterval{Months: iv.Months, Days: int32(days), Micros: us}
}

// JustifyDays applies justify_days (30 days → 1 month).
func JustifyDays(iv DInterval) DInterval {
	months := int64(iv.Months) + int64(iv.Days)/30
	days := int64(iv.Days) % 30
	if months > 0 && days < 0 {
		days += 30
		months--
	} else if months < 0 && days > 0 {
		days -= 30
		months++
	}
	return DInterval{Months: int32(months), Days: int32(days), Micros: iv.Micros}
}
