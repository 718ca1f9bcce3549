package types

import (
	"testing"
	"time"

	"github.com/conflux-db/conflux/sql/pgerr"
)

func TestIntervalISOOutput(t *testing.T) {
	// Expected strings from PostgreSQL 15 with IntervalStyle = iso_8601.
	ctx := &Context{IntervalStyle: "iso_8601"}
	for in, want := range map[string]string{
		"1 year 2 mons 3 days 04:05:06.789": "P1Y2M3DT4H5M6.789S",
		"-1 days +02:00:00":                 "P-1DT2H",
		"00:00:00":                          "PT0S",
		"-00:00:01.5":                       "PT-1.5S",
		"1 mon -1 days":                     "P1M-1D",
		"10 days 12:00:00":                  "P10DT12H",
		"-3 hours -4 mins":                  "PT-3H-4M",
	} {
		iv, err := ParseInterval(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatText(iv, Interval, ctx); got != want {
			t.Errorf("%q: got %q want %q", in, got, want)
		}
		back, err := ParseInterval(want)
		if err != nil || back != iv {
			t.Errorf("%q: ISO form %q reads back as %+v (%v)", in, want, back, err)
		}
	}
}

func TestJustify(t *testing.T) {
	for _, c := range []struct {
		in   DInterval
		fn   func(DInterval) DInterval
		want DInterval
	}{
		{DInterval{Micros: 27 * usecPerHour}, JustifyHours, DInterval{Days: 1, Micros: 3 * usecPerHour}},
		{DInterval{Days: 35}, JustifyDays, DInterval{Months: 1, Days: 5}},
		{DInterval{Months: 1, Micros: -usecPerHour}, JustifyInterval, DInterval{Days: 29, Micros: 23 * usecPerHour}},
		{DInterval{Days: -1, Micros: 2 * usecPerHour}, JustifyHours, DInterval{Micros: -22 * usecPerHour}},
	} {
		if got := c.fn(c.in); got != c.want {
			t.Errorf("%+v: got %+v want %+v", c.in, got, c.want)
		}
	}
}

func TestDateTimeHelpers(t *testing.T) {
	ts, err := ParseTimestamp("2024-02-29 12:34:56.789", nil)
	if err != nil {
		t.Fatal(err)
	}
	tm := TimestampToTime(ts)
	if tm.Year() != 2024 || tm.Month() != 2 || tm.Day() != 29 || tm.Nanosecond() != 789000000 {
		t.Errorf("TimestampToTime: %v", tm)
	}
	if MakeTimestamp(tm) != ts {
		t.Errorf("MakeTimestamp round trip")
	}
	d, _ := ParseDate("0001-01-01 BC", nil)
	if got := MakeDate(DateToTime(d)); got != d {
		t.Errorf("date round trip: %v vs %v", got, d)
	}
	if RoundMicros(1_500_000, 0) != 2_000_000 || RoundMicros(-1_500_000, 0) != -2_000_000 || RoundMicros(1_234_567, 3) != 1_235_000 {
		t.Error("RoundMicros")
	}
	// Days since 1970 are consistent with the proleptic Gregorian calendar.
	for _, days := range []int64{-2440588, -719528, -1, 0, 1, 10957, 2932896} {
		y, m, dd := civilFromDays(days)
		if back := daysFromCivil(y, m, dd); back != days {
			t.Errorf("%d -> %d-%d-%d -> %d", days, y, m, dd, back)
		}
	}
}

func TestContextInput(t *testing.T) {
	now := time.Date(2024, 3, 10, 23, 30, 0, 0, time.UTC)
	ny, _ := time.LoadLocation("America/New_York")
	ctx := &Context{Location: ny, Now: now, DateStyle: "ISO, DMY"}
	d, err := ParseDate("01/02/2024", ctx)
	if err != nil || FormatText(d, Date, ctx) != "2024-02-01" {
		t.Errorf("DMY input: %v %v", FormatText(d, Date, ctx), err)
	}
	d, _ = ParseDate("today", ctx)
	if got := FormatText(d, Date, ctx); got != "2024-03-10" {
		t.Errorf("today in New York: %s", got)
	}
	ts, _ := ParseTimestampTZ("now", ctx)
	if time.UnixMicro(int64(ts)).UTC() != now {
		t.Errorf("now: %v", ts)
	}
	ts, _ = ParseTimestampTZ("tomorrow", ctx)
	if got := FormatText(ts, TimestampTZ, ctx); got != "2024-03-11 00:00:00-04" {
		t.Errorf("tomorrow: %s", got)
	}
	if _, err := ParseText("1e200000", Numeric, nil); pgerr.Code(err) != pgerr.NumericValueOutOfRange {
		t.Errorf("huge exponent: %v", err)
	}
}
