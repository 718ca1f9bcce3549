package types

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/conflux-db/conflux/sql/pgerr"
)

// Time constants in microseconds.
const (
	usecPerSec  = int64(1_000_000)
	usecPerMin  = 60 * usecPerSec
	usecPerHour = 60 * usecPerMin
	usecPerDay  = 24 * usecPerHour

	// pgEpochDays is 2000-01-01 (PostgreSQL's epoch) in days since 1970-01-01.
	pgEpochDays = 10957
	// PGEpochMicros is 2000-01-01 in microseconds since the Unix epoch.
	PGEpochMicros = pgEpochDays * usecPerDay
)

// Infinite values, the same sentinels PostgreSQL uses (and sends in binary).
const (
	DateNegInfinity      = DDate(math.MinInt32)
	DatePosInfinity      = DDate(math.MaxInt32)
	TimestampNegInfinity = math.MinInt64
	TimestampPosInfinity = math.MaxInt64
)

// Range limits (PostgreSQL: 4714-11-24 BC to 5874897-12-31 for dates and
// 294276-12-31 23:59:59.999999 for timestamps).
var (
	minDateDays = daysFromCivil(-4713, 11, 24)
	maxDateDays = daysFromCivil(5874897, 12, 31)
	minTsMicros = daysFromCivil(-4713, 11, 24) * usecPerDay
	// endTsMicros is exclusive. PostgreSQL allows up to 294276-12-31, but
	// Datums count microseconds from 1970 rather than 2000, so the last
	// thirty years of its range do not fit in an int64: the limit is the
	// last whole day below math.MaxInt64 (which means +infinity).
	endTsMicros = floorDiv(math.MaxInt64, usecPerDay) * usecPerDay
)

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// daysFromCivil converts a proleptic Gregorian date (astronomical year: 0 is
// 1 BC) to days since 1970-01-01.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func civilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return
}

func isLeap(y int64) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysInMonth(y, m int64) int64 {
	switch m {
	case 2:
		if isLeap(y) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// --- exported helpers for builtins ---

// Calendar arithmetic shared with builtins (date_trunc, make_date, age...),
// so the proleptic Gregorian conversion exists once.

// FloorDiv divides rounding toward negative infinity.
func FloorDiv(a, b int64) int64 { return floorDiv(a, b) }

// FloorMod is the remainder matching FloorDiv (never negative for b > 0).
func FloorMod(a, b int64) int64 { return floorMod(a, b) }

// DaysFromCivil converts a proleptic Gregorian date (astronomical year) to
// days since 1970-01-01.
func DaysFromCivil(y, m, d int64) int64 { return daysFromCivil(y, m, d) }

// CivilFromDays is the inverse of DaysFromCivil.
func CivilFromDays(z int64) (y, m, d int64) { return civilFromDays(z) }

// DaysInMonth returns the length of month m of year y.
func DaysInMonth(y, m int64) int64 { return daysInMonth(y, m) }

// DateToTime returns midnight UTC of the date. Infinite dates map to the
// zero time; callers should check IsInfinite first.
func DateToTime(d DDate) time.Time {
	y, m, day := civilFromDays(int64(d))
	return time.Date(int(y), time.Month(m), int(day), 0, 0, 0, 0, time.UTC)
}

// MakeDate returns the date of t's wall clock (in t's location).
func MakeDate(t time.Time) DDate {
	y, m, d := t.Date()
	return DDate(daysFromCivil(int64(y), int64(m), int64(d)))
}

// TimestampToTime returns the wall-clock time as a UTC time.Time.
func TimestampToTime(ts DTimestamp) time.Time {
	return time.UnixMicro(int64(ts)).UTC()
}

// TimestampTZToTime returns the instant in loc (UTC when nil).
func TimestampTZToTime(ts DTimestampTZ, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return time.UnixMicro(int64(ts)).In(loc)
}

// MakeTimestamp returns t's wall clock as a timestamp without time zone.
func MakeTimestamp(t time.Time) DTimestamp {
	y, m, d := t.Date()
	days := daysFromCivil(int64(y), int64(m), int64(d))
	return DTimestamp(days*usecPerDay + int64(t.Hour())*usecPerHour + int64(t.Minute())*usecPerMin +
		int64(t.Second())*usecPerSec + int64(t.Nanosecond()/1000))
}

// MakeTimestampTZ returns the instant t.
func MakeTimestampTZ(t time.Time) DTimestampTZ { return DTimestampTZ(t.UnixMicro()) }

// IsInfiniteDate reports whether d is ±infinity.
func IsInfiniteDate(d DDate) bool { return d == DateNegInfinity || d == DatePosInfinity }

// IsInfiniteTimestamp reports whether micros is ±infinity.
func IsInfiniteTimestamp(micros int64) bool {
	return micros == TimestampNegInfinity || micros == TimestampPosInfinity
}

// ValidTimestamp reports whether micros lies within PostgreSQL's range.
func ValidTimestamp(micros int64) bool {
	return IsInfiniteTimestamp(micros) || (micros >= minTsMicros && micros < endTsMicros)
}

// ValidDate reports whether d lies within PostgreSQL's range.
func ValidDate(d DDate) bool {
	return IsInfiniteDate(d) || (int64(d) >= minDateDays && int64(d) <= maxDateDays)
}

// zoneOffset returns the UTC offset (seconds east) of loc at the instant.
func zoneOffset(utcMicros int64, loc *time.Location) int {
	if loc == nil || loc == time.UTC {
		return 0
	}
	_, off := time.Unix(floorDiv(utcMicros, usecPerSec), 0).In(loc).Zone()
	return off
}

// localToUTC converts a wall-clock timestamp in loc to UTC micros.
func localToUTC(local int64, loc *time.Location) int64 {
	if loc == nil || loc == time.UTC || IsInfiniteTimestamp(local) {
		return local
	}
	days := floorDiv(local, usecPerDay)
	rem := local - days*usecPerDay
	y, m, d := civilFromDays(days)
	secs := rem / usecPerSec
	t := time.Date(int(y), time.Month(m), int(d), int(secs/3600), int(secs/60%60), int(secs%60), 0, loc)
	return t.Unix()*usecPerSec + rem%usecPerSec
}

// TimestampTZToLocal converts an instant to the wall clock in loc.
func TimestampTZToLocal(ts DTimestampTZ, loc *time.Location) DTimestamp {
	if IsInfiniteTimestamp(int64(ts)) {
		return DTimestamp(ts)
	}
	return DTimestamp(int64(ts) + int64(zoneOffset(int64(ts), loc))*usecPerSec)
}

// LocalToTimestampTZ interprets a wall clock in loc as an instant.
func LocalToTimestampTZ(ts DTimestamp, loc *time.Location) DTimestampTZ {
	return DTimestampTZ(localToUTC(int64(ts), loc))
}

// --- output ---

func appendPad(buf []byte, v int64, width int) []byte {
	s := strconv.FormatInt(v, 10)
	for i := len(s); i < width; i++ {
		buf = append(buf, '0')
	}
	return append(buf, s...)
}

func appendYMD(buf []byte, days int64) ([]byte, bool) {
	y, m, d := civilFromDays(days)
	bc := y <= 0
	if bc {
		y = 1 - y
	}
	buf = appendPad(buf, y, 4)
	buf = append(buf, '-')
	buf = appendPad(buf, m, 2)
	buf = append(buf, '-')
	buf = appendPad(buf, d, 2)
	return buf, bc
}

// appendHMS writes HH:MM:SS[.ffffff] with trailing zeros trimmed.
func appendHMS(buf []byte, micros int64) []byte {
	h := micros / usecPerHour
	micros -= h * usecPerHour
	mi := micros / usecPerMin
	micros -= mi * usecPerMin
	buf = appendPad(buf, h, 2)
	buf = append(buf, ':')
	buf = appendPad(buf, mi, 2)
	buf = append(buf, ':')
	return appendSeconds(buf, micros)
}

func appendSeconds(buf []byte, micros int64) []byte {
	buf = appendPad(buf, micros/usecPerSec, 2)
	if f := micros % usecPerSec; f != 0 {
		buf = append(buf, '.')
		var tmp [6]byte
		for i := 5; i >= 0; i-- {
			tmp[i] = byte('0' + f%10)
			f /= 10
		}
		n := 6
		for n > 0 && tmp[n-1] == '0' {
			n--
		}
		buf = append(buf, tmp[:n]...)
	}
	return buf
}

func appendDate(buf []byte, d DDate) []byte {
	switch d {
	case DateNegInfinity:
		return append(buf, "-infinity"...)
	case DatePosInfinity:
		return append(buf, "infinity"...)
	}
	buf, bc := appendYMD(buf, int64(d))
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

func appendTimestamp(buf []byte, micros int64, tz bool, loc *time.Location) []byte {
	switch micros {
	case TimestampNegInfinity:
		return append(buf, "-infinity"...)
	case TimestampPosInfinity:
		return append(buf, "infinity"...)
	}
	off := 0
	if tz {
		off = zoneOffset(micros, loc)
		micros += int64(off) * usecPerSec
	}
	days := floorDiv(micros, usecPerDay)
	buf, bc := appendYMD(buf, days)
	buf = append(buf, ' ')
	buf = appendHMS(buf, micros-days*usecPerDay)
	if tz {
		buf = appendTZOffset(buf, off)
	}
	if bc {
		buf = append(buf, " BC"...)
	}
	return buf
}

// appendTZOffset writes +HH[:MM[:SS]] as PostgreSQL's EncodeTimezone does.
func appendTZOffset(buf []byte, off int) []byte {
	if off < 0 {
		buf = append(buf, '-')
		off = -off
	} else {
		buf = append(buf, '+')
	}
	h, m, s := off/3600, off/60%60, off%60
	buf = appendPad(buf, int64(h), 2)
	if m != 0 || s != 0 {
		buf = append(buf, ':')
		buf = appendPad(buf, int64(m), 2)
	}
	if s != 0 {
		buf = append(buf, ':')
		buf = appendPad(buf, int64(s), 2)
	}
	return buf
}

// --- input ---

// dtFields is the result of lexing a date/time string.
type dtFields struct {
	special          string
	hasDate, hasTime bool
	year, mon, day   int64
	bc               bool
	hour, min, sec   int64
	usec             int64
	ampm             int // 0 none, 1 am, 2 pm
	hasTZ            bool
	tzOff            int // seconds east of UTC, when tzLoc is nil
	tzLoc            *time.Location
}

var monthNames = map[string]int64{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
	"may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
	"september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}

var dayNames = map[string]bool{
	"sun": true, "sunday": true, "mon": true, "monday": true, "tue": true, "tues": true, "tuesday": true,
	"wed": true, "wednesday": true, "thu": true, "thur": true, "thurs": true, "thursday": true,
	"fri": true, "friday": true, "sat": true, "saturday": true,
}

// zoneAbbrevs are the common fixed-offset abbreviations (seconds east).
var zoneAbbrevs = map[string]int{
	"utc": 0, "gmt": 0, "z": 0, "zulu": 0, "ut": 0,
	"est": -5 * 3600, "edt": -4 * 3600, "cst": -6 * 3600, "cdt": -5 * 3600,
	"mst": -7 * 3600, "mdt": -6 * 3600, "pst": -8 * 3600, "pdt": -7 * 3600,
	"cet": 3600, "cest": 2 * 3600, "eet": 2 * 3600, "eest": 3 * 3600, "bst": 3600,
	"msk": 3 * 3600, "jst": 9 * 3600, "kst": 9 * 3600, "hkt": 8 * 3600, "aest": 10 * 3600,
	"aedt": 11 * 3600, "nzst": 12 * 3600, "nzdt": 13 * 3600, "wet": 0, "west": 3600,
}

type dtError struct {
	code string
	msg  string
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// parseDT lexes s into fields. It accepts ISO 8601 (with 'T' or space),
// PostgreSQL's traditional "Mon DD YYYY" forms and MDY/DMY/YMD numeric dates.
func parseDT(s string, ctx *Context) (dtFields, *dtError) {
	var f dtFields
	syntax := &dtError{code: pgerr.InvalidDatetimeFormat}
	// Split on whitespace and commas; split a 'T' between digits.
	var fields []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			fields = append(fields, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',':
			flush()
		case (c == 'T' || c == 't') && i > 0 && isDigit(s[i-1]) && i+1 < len(s) && isDigit(s[i+1]):
			flush()
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	if len(fields) == 0 {
		return f, syntax
	}
	var pendingNums []int64 // bare numbers seen alongside a month name
	for fi, orig := range fields {
		fl := strings.ToLower(orig)
		switch fl {
		case "epoch", "infinity", "-infinity", "+infinity", "now", "today", "tomorrow", "yesterday", "allballs":
			if f.special != "" {
				return f, syntax
			}
			f.special = strings.TrimPrefix(fl, "+")
			continue
		case "bc":
			f.bc = true
			continue
		case "ad", "at":
			continue
		case "am", "a.m.":
			f.ampm = 1
			continue
		case "pm", "p.m.":
			f.ampm = 2
			continue
		}
		c := fl[0]
		switch {
		case isAlpha(c):
			if m, ok := monthNames[strings.TrimSuffix(fl, ".")]; ok && !f.hasDate && f.mon == 0 {
				f.mon = m
				continue
			}
			if dayNames[strings.TrimSuffix(fl, ".")] {
				continue
			}
			if f.hasTZ {
				return f, syntax
			}
			if off, ok := zoneAbbrevs[fl]; ok {
				f.hasTZ, f.tzOff = true, off
				continue
			}
			// Like PostgreSQL's lexer, only a word with a slash is taken as a
			// zone name (America/New_York); other unknown words are syntax errors.
			if strings.Contains(orig, "/") {
				if loc, err := time.LoadLocation(orig); err == nil {
					f.hasTZ, f.tzLoc = true, loc
					continue
				}
				return f, &dtError{code: pgerr.InvalidParameterValue, msg: "time zone \"" + fl + "\" not recognized"}
			}
			return f, syntax
		case c == '+' || c == '-':
			if f.hasTZ || len(fl) < 2 || !isDigit(fl[1]) {
				return f, syntax
			}
			off, err := parseTZOffset(fl)
			if err != nil {
				return f, err
			}
			f.hasTZ, f.tzOff = true, off
		case isDigit(c):
			if strings.Contains(fl, ":") {
				if f.hasTime {
					return f, syntax
				}
				rest, err := parseTimeField(fl, &f)
				if err != nil {
					return f, err
				}
				if rest != "" {
					if f.hasTZ {
						return f, syntax
					}
					if rest == "z" {
						f.hasTZ = true
						continue
					}
					off, err := parseTZOffset(rest)
					if err != nil {
						return f, err
					}
					f.hasTZ, f.tzOff = true, off
				}
				continue
			}
			if strings.ContainsAny(fl, "-/.") && !f.hasDate && f.mon == 0 {
				if err := parseDateField(fl, ctx, &f); err != nil {
					return f, err
				}
				continue
			}
			if !allDigits(fl) {
				return f, syntax
			}
			n, err := strconv.ParseInt(fl, 10, 64)
			if err != nil || n > math.MaxInt32 {
				return f, &dtError{code: pgerr.DatetimeFieldOverflow}
			}
			switch {
			case f.mon != 0 && !f.hasDate:
				pendingNums = append(pendingNums, n)
				if len(pendingNums) > 2 {
					return f, syntax
				}
			case !f.hasDate && len(fl) == 8:
				f.hasDate = true
				f.year, f.mon, f.day = n/10000, n/100%100, n%100
			case !f.hasDate && !f.hasTime && len(fl) == 6 && f.mon == 0:
				f.hasTime = true
				f.hour, f.min, f.sec = n/10000, n/100%100, n%100
			case f.hasDate && !f.hasTime && (len(fl) == 6 || len(fl) == 4) && fi > 0:
				f.hasTime = true
				if len(fl) == 6 {
					f.hour, f.min, f.sec = n/10000, n/100%100, n%100
				} else {
					f.hour, f.min = n/100, n%100
				}
			default:
				return f, syntax
			}
		default:
			return f, syntax
		}
	}
	if f.mon != 0 && !f.hasDate {
		// "Jan 8 1999", "January 8, 1999", "8 Jan 1999" (day first is the
		// first bare number when it is <= 31 and the second is a year).
		switch len(pendingNums) {
		case 2:
			f.day, f.year = pendingNums[0], pendingNums[1]
			if f.day > 31 {
				f.day, f.year = f.year, f.day
			}
			f.hasDate = true
		default:
			return f, syntax
		}
	}
	if f.hasDate && !f.bc && f.year == 0 {
		return f, &dtError{code: pgerr.DatetimeFieldOverflow} // there is no year 0
	}
	if f.bc && f.hasDate {
		if f.year <= 0 {
			return f, &dtError{code: pgerr.DatetimeFieldOverflow}
		}
		f.year = 1 - f.year
	}
	if f.ampm != 0 {
		if !f.hasTime || f.hour > 12 {
			return f, &dtError{code: pgerr.DatetimeFieldOverflow}
		}
		if f.ampm == 1 && f.hour == 12 {
			f.hour = 0
		} else if f.ampm == 2 && f.hour != 12 {
			f.hour += 12
		}
	}
	if f.special != "" && (f.hasDate || f.hasTime) && f.special != "today" && f.special != "tomorrow" && f.special != "yesterday" {
		return f, syntax
	}
	if f.hasDate {
		if f.mon < 1 || f.mon > 12 || f.day < 1 || f.day > daysInMonth(f.year, f.mon) {
			return f, &dtError{code: pgerr.DatetimeFieldOverflow}
		}
	}
	if f.hasTime {
		if f.hour < 0 || f.hour > 24 || f.min < 0 || f.min > 59 || f.sec < 0 || f.sec > 60 ||
			(f.hour == 24 && (f.min != 0 || f.sec != 0 || f.usec != 0)) {
			return f, &dtError{code: pgerr.DatetimeFieldOverflow}
		}
	}
	return f, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// parseTimeField parses HH:MM[:SS[.frac]] at the start of s and returns
// what follows (a zone, usually).
func parseTimeField(s string, f *dtFields) (string, *dtError) {
	syntax := &dtError{code: pgerr.InvalidDatetimeFormat}
	i := 0
	num := func() (int64, bool) {
		st := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == st || i-st > 9 {
			return 0, false
		}
		v, _ := strconv.ParseInt(s[st:i], 10, 64)
		return v, true
	}
	var ok bool
	if f.hour, ok = num(); !ok || i >= len(s) || s[i] != ':' {
		return "", syntax
	}
	i++
	if f.min, ok = num(); !ok {
		return "", syntax
	}
	if i < len(s) && s[i] == ':' {
		i++
		if f.sec, ok = num(); !ok {
			return "", syntax
		}
		if i < len(s) && s[i] == '.' {
			i++
			st := i
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			f.usec = fracToMicros(s[st:i])
		}
	}
	f.hasTime = true
	return s[i:], nil
}

// fracToMicros turns the digits after a decimal point into microseconds
// the way PostgreSQL does: strtod of the fraction, then rint(frac * 1e6)
// (so .1234565 becomes 123456 because the double is just below the tie).
func fracToMicros(digits string) int64 {
	if digits == "" {
		return 0
	}
	if len(digits) > 30 {
		digits = digits[:30]
	}
	f, err := strconv.ParseFloat("0."+digits, 64)
	if err != nil {
		return 0
	}
	return int64(math.RoundToEven(f * 1e6))
}

func parseTZOffset(s string) (int, *dtError) {
	syntax := &dtError{code: pgerr.InvalidDatetimeFormat}
	if len(s) < 2 {
		return 0, syntax
	}
	sign := 1
	if s[0] == '-' {
		sign = -1
	} else if s[0] != '+' {
		return 0, syntax
	}
	s = s[1:]
	var h, m, sec int
	parts := strings.Split(s, ":")
	for _, p := range parts {
		if !allDigits(p) || len(p) > 4 {
			return 0, syntax
		}
	}
	switch len(parts) {
	case 1:
		p := parts[0]
		switch len(p) {
		case 1, 2:
			h, _ = strconv.Atoi(p)
		case 3, 4:
			v, _ := strconv.Atoi(p)
			h, m = v/100, v%100
		default:
			return 0, syntax
		}
	case 2, 3:
		h, _ = strconv.Atoi(parts[0])
		m, _ = strconv.Atoi(parts[1])
		if len(parts) == 3 {
			sec, _ = strconv.Atoi(parts[2])
		}
	default:
		return 0, syntax
	}
	if m > 59 || sec > 59 {
		return 0, &dtError{code: pgerr.DatetimeFieldOverflow}
	}
	if h > 15 {
		return 0, &dtError{code: pgerr.InvalidDatetimeFormatTZ}
	}
	return sign * (h*3600 + m*60 + sec), nil
}

// parseDateField parses Y-M-D, M/D/Y, D.M.Y and friends following DateStyle.
func parseDateField(s string, ctx *Context, f *dtFields) *dtError {
	syntax := &dtError{code: pgerr.InvalidDatetimeFormat}
	sep := byte('-')
	if strings.IndexByte(s, '/') >= 0 {
		sep = '/'
	} else if strings.IndexByte(s, '.') >= 0 {
		sep = '.'
	}
	parts := strings.Split(s, string(sep))
	if len(parts) != 3 {
		return syntax
	}
	var nums [3]int64
	monIdx := -1
	for i, p := range parts {
		if allDigits(p) {
			if len(p) > 9 {
				return &dtError{code: pgerr.DatetimeFieldOverflow}
			}
			nums[i], _ = strconv.ParseInt(p, 10, 64)
			continue
		}
		m, ok := monthNames[p]
		if !ok || monIdx >= 0 {
			return syntax
		}
		monIdx, nums[i] = i, m
	}
	order := "mdy"
	if ctx != nil {
		ds := strings.ToLower(ctx.DateStyle)
		switch {
		case strings.Contains(ds, "dmy") || strings.Contains(ds, "european") || strings.Contains(ds, "german"):
			order = "dmy"
		case strings.Contains(ds, "ymd"):
			order = "ymd"
		}
	}
	switch {
	case len(parts[0]) >= 3 || monIdx == 1 && len(parts[0]) > 2:
		order = "ymd"
	case monIdx == 0:
		order = "mdy"
	case monIdx == 1:
		order = "dmy"
	}
	switch order {
	case "ymd":
		f.year, f.mon, f.day = nums[0], nums[1], nums[2]
	case "dmy":
		f.day, f.mon, f.year = nums[0], nums[1], nums[2]
	default:
		f.mon, f.day, f.year = nums[0], nums[1], nums[2]
	}
	// Two-digit years map to 1970..2069 like PostgreSQL.
	yIdx := map[string]int{"ymd": 0, "dmy": 2, "mdy": 2}[order]
	if len(parts[yIdx]) <= 2 {
		if f.year < 70 {
			f.year += 2000
		} else {
			f.year += 1900
		}
	}
	f.hasDate = true
	return nil
}

func (ctx *Context) loc() *time.Location {
	if ctx == nil || ctx.Location == nil {
		return time.UTC
	}
	return ctx.Location
}

func (ctx *Context) now() time.Time {
	if ctx != nil && !ctx.Now.IsZero() {
		return ctx.Now
	}
	return time.Now()
}

func dtErr(e *dtError, typ, s string) error {
	switch {
	case e.msg != "":
		return pgerr.New(e.code, "%s", e.msg)
	case e.code == pgerr.DatetimeFieldOverflow:
		return pgerr.New(e.code, "date/time field value out of range: %q", s)
	case e.code == pgerr.InvalidDatetimeFormatTZ:
		return pgerr.New(e.code, "time zone displacement out of range: %q", s)
	}
	return pgerr.New(pgerr.InvalidDatetimeFormat, "invalid input syntax for type %s: %q", typ, s)
}

// ParseDate is date_in.
func ParseDate(s string, ctx *Context) (DDate, error) {
	f, e := parseDT(s, ctx)
	if e != nil {
		return 0, dtErr(e, "date", s)
	}
	switch f.special {
	case "infinity":
		return DatePosInfinity, nil
	case "-infinity":
		return DateNegInfinity, nil
	case "epoch":
		return 0, nil
	case "now", "today", "tomorrow", "yesterday":
		d := MakeDate(ctx.now().In(ctx.loc()))
		switch f.special {
		case "tomorrow":
			d++
		case "yesterday":
			d--
		}
		return d, nil
	case "allballs":
		return 0, dtErr(&dtError{code: pgerr.InvalidDatetimeFormat}, "date", s)
	}
	if !f.hasDate {
		return 0, dtErr(&dtError{code: pgerr.InvalidDatetimeFormat}, "date", s)
	}
	days := daysFromCivil(f.year, f.mon, f.day)
	if days < minDateDays || days > maxDateDays {
		return 0, pgerr.New(pgerr.DatetimeFieldOverflow, "date out of range: %q", s)
	}
	return DDate(days), nil
}

// ParseTime is time_in (a zone, if given, is ignored as PostgreSQL does).
func ParseTime(s string, ctx *Context) (DTime, error) {
	f, e := parseDT(s, ctx)
	if e != nil {
		return 0, dtErr(e, "time", s)
	}
	switch f.special {
	case "allballs":
		return 0, nil
	case "now":
		t := ctx.now().In(ctx.loc())
		return DTime(int64(t.Hour())*usecPerHour + int64(t.Minute())*usecPerMin + int64(t.Second())*usecPerSec + int64(t.Nanosecond()/1000)), nil
	case "":
	default:
		return 0, dtErr(&dtError{code: pgerr.InvalidDatetimeFormat}, "time", s)
	}
	if !f.hasTime {
		return 0, dtErr(&dtError{code: pgerr.InvalidDatetimeFormat}, "time", s)
	}
	v := f.hour*usecPerHour + f.min*usecPerMin + f.sec*usecPerSec + f.usec
	if v > usecPerDay {
		return 0, dtErr(&dtError{code: pgerr.DatetimeFieldOverflow}, "time", s)
	}
	return DTime(v), nil
}

// parseTimestamp is timestamp_in / timestamptz_in; the result is wall
// clock micros for timestamp and UTC micros for timestamptz.
func parseTimestamp(s string, tz bool, ctx *Context) (int64, error) {
	typ := "timestamp"
	if tz {
		typ = "timestamp with time zone"
	}
	f, e := parseDT(s, ctx)
	if e != nil {
		return 0, dtErr(e, typ, s)
	}
	loc := ctx.loc()
	switch f.special {
	case "infinity":
		return TimestampPosInfinity, nil
	case "-infinity":
		return TimestampNegInfinity, nil
	case "epoch":
		return 0, nil
	case "now":
		now := ctx.now()
		if tz {
			return now.UnixMicro(), nil
		}
		return int64(MakeTimestamp(now.In(loc))), nil
	case "today", "tomorrow", "yesterday":
		d := int64(MakeDate(ctx.now().In(loc)))
		switch f.special {
		case "tomorrow":
			d++
		case "yesterday":
			d--
		}
		local := d * usecPerDay
		if tz {
			return localToUTC(local, loc), nil
		}
		return local, nil
	case "allballs":
		return 0, dtErr(&dtError{code: pgerr.InvalidDatetimeFormat}, typ, s)
	}
	if !f.hasDate {
		return 0, dtErr(&dtError{code: pgerr.InvalidDatetimeFormat}, typ, s)
	}
	days := daysFromCivil(f.year, f.mon, f.day)
	if days < minDateDays-1 || days > endTsMicros/usecPerDay {
		return 0, pgerr.New(pgerr.DatetimeFieldOverflow, "timestamp out of range: %q", s)
	}
	local := days*usecPerDay + f.hour*usecPerHour + f.min*usecPerMin + f.sec*usecPerSec + f.usec
	v := local
	if tz {
		switch {
		case f.hasTZ && f.tzLoc != nil:
			v = localToUTC(local, f.tzLoc)
		case f.hasTZ:
			v = local - int64(f.tzOff)*usecPerSec
		default:
			v = localToUTC(local, loc)
		}
	}
	if v < minTsMicros || v >= endTsMicros {
		return 0, pgerr.New(pgerr.DatetimeFieldOverflow, "timestamp out of range: %q", s)
	}
	return v, nil
}

// ParseTimestamp is timestamp_in.
func ParseTimestamp(s string, ctx *Context) (DTimestamp, error) {
	v, err := parseTimestamp(s, false, ctx)
	return DTimestamp(v), err
}

// ParseTimestampTZ is timestamptz_in.
func ParseTimestampTZ(s string, ctx *Context) (DTimestampTZ, error) {
	v, err := parseTimestamp(s, true, ctx)
	return DTimestampTZ(v), err
}

// timestampScales[p] is the rounding unit for timestamp(p)/time(p).
var timestampScales = [7]int64{1000000, 100000, 10000, 1000, 100, 10, 1}

// RoundMicros rounds micros to typmod fractional digits (half away from
// zero), as AdjustTimestampForTypmod does. typmod < 0 or >= 6 is a no-op.
func RoundMicros(v int64, typmod int32) int64 {
	if typmod < 0 || typmod >= 6 || IsInfiniteTimestamp(v) {
		return v
	}
	sc := timestampScales[typmod]
	if v >= 0 {
		return (v + sc/2) / sc * sc
	}
	return -((-v + sc/2) / sc * sc)
}
