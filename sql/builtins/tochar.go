package builtins

import (
	"strconv"
	"strings"

	"github.com/conflux-db/conflux/sql/pgerr"
)

var monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
var dayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// toChar formats a wall-clock timestamp with a to_char template.
func toChar(local int64, f string, tzOff *int64, tzName string) string {
	return toCharFields(splitTS(local), f, tzOff, tzName, false)
}

// toCharKeywords are matched longest first, as formatting.c does.
var toCharKeywords = []string{
	"A.M.", "a.m.", "P.M.", "p.m.", "AM", "am", "PM", "pm",
	"HH24", "HH12", "HH", "MI", "SSSSS", "SSSS", "SS", "MS", "US",
	"YYYY", "YYY", "YY", "Y,YYY", "Y", "IYYY", "IYY", "IY", "I",
	"MONTH", "Month", "month", "MON", "Mon", "mon", "MM",
	"DAY", "Day", "day", "DY", "Dy", "dy", "DDD", "DD", "D", "IDDD", "ID",
	"WW", "IW", "W", "Q", "J", "CC", "TZH", "TZM", "TZ", "tz", "OF",
	"FF1", "FF2", "FF3", "FF4", "FF5", "FF6",
}

func toCharFields(t tmFields, f string, tzOff *int64, tzName string, isInterval bool) string {
	var sb strings.Builder
	days := daysFromCivil(t.year, t.mon, t.mday)
	num := func(v int64, width int, fm bool) {
		s := strconv.FormatInt(abs64(v), 10)
		if v < 0 {
			sb.WriteByte('-')
		}
		if !fm {
			for i := len(s); i < width; i++ {
				sb.WriteByte('0')
			}
		}
		sb.WriteString(s)
	}
	word := func(s string, fm bool, width int) {
		sb.WriteString(s)
		if !fm {
			for i := len(s); i < width; i++ {
				sb.WriteByte(' ')
			}
		}
	}
	year := t.year
	if year <= 0 && !isInterval {
		year = 1 - year
	}
	hour12 := t.hour % 12
	if hour12 == 0 {
		hour12 = 12
	}
	for i := 0; i < len(f); {
		fm := false
		if strings.HasPrefix(f[i:], "FM") || strings.HasPrefix(f[i:], "fm") {
			fm = true
			i += 2
		}
		if i >= len(f) {
			break
		}
		if f[i] == '"' {
			j := i + 1
			for j < len(f) && f[j] != '"' {
				if f[j] == '\\' && j+1 < len(f) {
					j++
				}
				sb.WriteByte(f[j])
				j++
			}
			i = j + 1
			continue
		}
		if f[i] == '\\' && i+1 < len(f) {
			sb.WriteByte(f[i+1])
			i += 2
			continue
		}
		kw := ""
		for _, k := range toCharKeywords {
			if strings.HasPrefix(f[i:], k) && len(k) > len(kw) {
				kw = k
			}
		}
		if kw == "" {
			sb.WriteByte(f[i])
			i++
			continue
		}
		i += len(kw)
		switch kw {
		case "AM", "PM":
			sb.WriteString(map[bool]string{true: "PM", false: "AM"}[t.hour >= 12])
		case "am", "pm":
			sb.WriteString(map[bool]string{true: "pm", false: "am"}[t.hour >= 12])
		case "A.M.", "P.M.":
			sb.WriteString(map[bool]string{true: "P.M.", false: "A.M."}[t.hour >= 12])
		case "a.m.", "p.m.":
			sb.WriteString(map[bool]string{true: "p.m.", false: "a.m."}[t.hour >= 12])
		case "HH24":
			num(t.hour, 2, fm)
		case "HH12", "HH":
			num(hour12, 2, fm)
		case "MI":
			num(t.min, 2, fm)
		case "SS":
			num(t.sec, 2, fm)
		case "SSSS", "SSSSS":
			num(t.hour*3600+t.min*60+t.sec, 1, fm)
		case "MS":
			num(t.usec/1000, 3, fm)
		case "US":
			num(t.usec, 6, fm)
		case "FF1", "FF2", "FF3", "FF4", "FF5", "FF6":
			n := int(kw[2] - '0')
			v := t.usec
			for k := 6; k > n; k-- {
				v /= 10
			}
			num(v, n, fm)
		case "YYYY", "IYYY":
			y := year
			if kw == "IYYY" {
				_, y = isoWeek(t.year, t.mon, t.mday)
			}
			num(y, 4, fm)
		case "Y,YYY":
			sb.WriteString(strconv.FormatInt(year/1000, 10) + "," + padNum(year%1000, 3))
		case "YYY", "IYY":
			num(year%1000, 3, fm)
		case "YY", "IY":
			num(year%100, 2, fm)
		case "Y", "I":
			num(year%10, 1, fm)
		case "CC":
			c := (year + 99) / 100
			num(c, 2, fm)
		case "MONTH", "Month", "month", "MON", "Mon", "mon":
			if t.mon < 1 {
				continue
			}
			n := monthNames[t.mon-1]
			if strings.HasPrefix(strings.ToUpper(kw), "MON") && len(kw) == 3 {
				n = n[:3]
			}
			switch kw {
			case "MONTH", "MON":
				n = strings.ToUpper(n)
			case "month", "mon":
				n = strings.ToLower(n)
			}
			w := 9
			if len(kw) == 3 {
				w = 3
			}
			word(n, fm, w)
		case "MM":
			num(t.mon, 2, fm)
		case "DAY", "Day", "day", "DY", "Dy", "dy":
			n := dayNames[dow(days)]
			if len(kw) == 2 {
				n = n[:3]
			}
			switch kw {
			case "DAY", "DY":
				n = strings.ToUpper(n)
			case "day", "dy":
				n = strings.ToLower(n)
			}
			w := 9
			if len(kw) == 2 {
				w = 3
			}
			word(n, fm, w)
		case "DDD":
			num(days-daysFromCivil(t.year, 1, 1)+1, 3, fm)
		case "IDDD":
			_, iy := isoWeek(t.year, t.mon, t.mday)
			// Day of ISO year: days since the Monday of ISO week 1.
			jan4 := daysFromCivil(iy, 1, 4)
			start := jan4 - floorMod(dow(jan4)+6, 7)
			num(days-start+1, 3, fm)
		case "DD":
			num(t.mday, 2, fm)
		case "D":
			num(dow(days)+1, 1, fm)
		case "ID":
			d := dow(days)
			if d == 0 {
				d = 7
			}
			num(d, 1, fm)
		case "WW":
			num((days-daysFromCivil(t.year, 1, 1))/7+1, 2, fm)
		case "IW":
			w, _ := isoWeek(t.year, t.mon, t.mday)
			num(w, 2, fm)
		case "W":
			num((t.mday-1)/7+1, 1, fm)
		case "Q":
			if t.mon >= 1 {
				num((t.mon-1)/3+1, 1, fm)
			}
		case "J":
			num(days+2440588, 1, fm)
		case "TZ", "tz":
			if tzOff != nil {
				n := tzName
				if kw == "tz" {
					n = strings.ToLower(n)
				}
				sb.WriteString(n)
			}
		case "TZH":
			if tzOff != nil {
				if *tzOff < 0 {
					sb.WriteByte('-')
				} else {
					sb.WriteByte('+')
				}
				num(abs64(*tzOff)/3600, 2, fm)
			}
		case "TZM":
			if tzOff != nil {
				num(abs64(*tzOff)/60%60, 2, fm)
			}
		case "OF":
			if tzOff != nil {
				if *tzOff < 0 {
					sb.WriteByte('-')
				} else {
					sb.WriteByte('+')
				}
				num(abs64(*tzOff)/3600, 2, fm)
				if m := abs64(*tzOff) / 60 % 60; m != 0 {
					sb.WriteByte(':')
					num(m, 2, false)
				}
			}
		}
	}
	return sb.String()
}

func padNum(v int64, w int) string {
	s := strconv.FormatInt(v, 10)
	for len(s) < w {
		s = "0" + s
	}
	return s
}

// parseFormatted is the reverse of toChar for to_date/to_timestamp. It
// returns wall-clock micros and, when the input had TZH/TZM/OF, the offset.
func parseFormatted(s, f string) (int64, *int64, error) {
	t := tmFields{year: 1, mon: 1, mday: 1}
	pm, hasAMPM := false, false
	var tz *int64
	bad := func(field string) error {
		return pgerr.New(pgerr.InvalidDatetimeFormat, "invalid value \"%s\" for \"%s\"", strings.TrimSpace(s), field)
	}
	readInt := func(maxDigits int) (int64, bool) {
		j := 0
		neg := false
		if j < len(s) && (s[j] == '-' || s[j] == '+') && maxDigits > 4 {
			neg = s[j] == '-'
			j++
		}
		k := j
		for k < len(s) && k-j < maxDigits && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k == j {
			return 0, false
		}
		v, _ := strconv.ParseInt(s[j:k], 10, 64)
		s = s[k:]
		if neg {
			v = -v
		}
		return v, true
	}
	for i := 0; i < len(f); {
		if strings.HasPrefix(f[i:], "FM") || strings.HasPrefix(f[i:], "fm") {
			i += 2
			continue
		}
		kw := ""
		for _, k := range toCharKeywords {
			if strings.HasPrefix(f[i:], k) && len(k) > len(kw) {
				kw = k
			}
		}
		if kw == "" {
			// Separators in the template skip any one character of input;
			// spaces skip runs of spaces.
			if f[i] == ' ' {
				s = strings.TrimLeft(s, " ")
			} else if len(s) > 0 && !(s[0] >= '0' && s[0] <= '9') {
				s = s[1:]
			}
			i++
			continue
		}
		i += len(kw)
		s = strings.TrimLeft(s, " ")
		var ok bool
		switch kw {
		case "YYYY", "IYYY":
			t.year, ok = readInt(9)
		case "YYY":
			t.year, ok = readInt(3)
			if ok && t.year < 100 {
				t.year += 2000
			} else if ok {
				t.year += 1000
			}
		case "YY":
			t.year, ok = readInt(2)
			if ok {
				if t.year < 70 {
					t.year += 2000
				} else {
					t.year += 1900
				}
			}
		case "MM":
			t.mon, ok = readInt(2)
		case "DD":
			t.mday, ok = readInt(2)
		case "DDD":
			var doy int64
			doy, ok = readInt(3)
			if ok {
				t.year, t.mon, t.mday = civilFromDays(daysFromCivil(t.year, 1, 1) + doy - 1)
			}
		case "HH24":
			t.hour, ok = readInt(2)
		case "HH", "HH12":
			t.hour, ok = readInt(2)
		case "MI":
			t.min, ok = readInt(2)
		case "SS":
			t.sec, ok = readInt(2)
		case "MS":
			var v int64
			v, ok = readInt(3)
			t.usec += v * 1000
		case "US":
			t.usec, ok = readInt(6)
		case "AM", "PM", "am", "pm", "A.M.", "P.M.", "a.m.", "p.m.":
			up := strings.ToUpper(s)
			hasAMPM = true
			switch {
			case strings.HasPrefix(up, "PM"), strings.HasPrefix(up, "P.M."):
				pm, ok = true, true
			case strings.HasPrefix(up, "AM"), strings.HasPrefix(up, "A.M."):
				ok = true
			}
			if ok {
				s = s[len(kw):]
			}
		case "MONTH", "Month", "month", "MON", "Mon", "mon":
			for m, n := range monthNames {
				if len(kw) == 3 {
					n = n[:3]
				}
				if len(s) >= len(n) && strings.EqualFold(s[:len(n)], n) {
					t.mon, ok = int64(m+1), true
					s = s[len(n):]
					break
				}
			}
		case "DAY", "Day", "day", "DY", "Dy", "dy":
			for _, n := range dayNames {
				if len(kw) == 2 {
					n = n[:3]
				}
				if len(s) >= len(n) && strings.EqualFold(s[:len(n)], n) {
					ok = true
					s = s[len(n):]
					break
				}
			}
		case "TZH":
			var v int64
			v, ok = readInt(9)
			off := v * 3600
			tz = &off
		case "TZM":
			var v int64
			v, ok = readInt(2)
			if tz != nil {
				if *tz < 0 {
					*tz -= v * 60
				} else {
					*tz += v * 60
				}
			}
		default:
			return 0, nil, pgerr.New(pgerr.FeatureNotSupported, "formatting field \"%s\" is only supported in to_char", kw)
		}
		if !ok {
			return 0, nil, bad(kw)
		}
	}
	if hasAMPM {
		if t.hour < 1 || t.hour > 12 {
			return 0, nil, pgerr.New(pgerr.InvalidDatetimeFormat, "hour \"%d\" is invalid for the 12-hour clock", t.hour).
				WithHint("Use the 24-hour clock, or give an hour between 1 and 12.")
		}
		if pm && t.hour < 12 {
			t.hour += 12
		} else if !pm && t.hour == 12 {
			t.hour = 0
		}
	}
	if t.mon < 1 || t.mon > 12 || t.mday < 1 || t.mday > daysInMonth(t.year, t.mon) || t.hour > 24 || t.min > 59 || t.sec > 60 {
		return 0, nil, pgerr.New(pgerr.DatetimeFieldOverflow, "date/time field value out of range: \"%s\"", s)
	}
	return t.join(), tz, nil
}
