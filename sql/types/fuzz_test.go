package types

import (
	"testing"
)

var fuzzTypes = []*T{
	Bool, Int2, Int4, Int8, Oid, Float4, Float8, Numeric, Numeric.WithTypmod(NumericTypmod(6, 2)),
	Text, Varchar.WithTypmod(7), BPChar.WithTypmod(5), Name, QChar, Bytea, Date, Time, Timestamp,
	TimestampTZ, Interval, UUID, JSONB, ArrayOf(Int4), ArrayOf(Text), ArrayOf(Numeric), ArrayOf(TimestampTZ),
}

// FuzzParseText feeds arbitrary text to every input function. It must
// never panic, and whatever it accepts must print, re-read to an equal
// value, and survive a binary round trip.
func FuzzParseText(f *testing.F) {
	for _, s := range []string{"1", "-0", "1e400", "NaN", "{1,NULL}", `{"a":[1]}`, "2024-01-02 03:04:05+02",
		"1 year 2 mons -3 days 04:05:06.5", "P1Y2M", `\x0102`, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
		"infinity", "Jan 8 1999", "[2:3]={a,b}", "  t ", "9223372036854775808", "1.5e-3"} {
		for i := range fuzzTypes {
			f.Add(s, uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, s string, which uint8) {
		typ := fuzzTypes[int(which)%len(fuzzTypes)]
		d, err := ParseText(s, typ, nil)
		_, _ = DecodeBinary([]byte(s), typ)
		if err != nil {
			return
		}
		out := FormatText(d, typ, nil)
		back, err := ParseText(out, typ, nil)
		if err != nil {
			t.Fatalf("%s: output %q of %q does not re-parse: %v", typ, out, s, err)
		}
		if Compare(back, d) != 0 {
			t.Fatalf("%s: %q -> %q re-parsed to a different value", typ, s, out)
		}
		if again := FormatText(back, typ, nil); again != out {
			t.Fatalf("%s: output not stable: %q then %q", typ, out, again)
		}
		b, err := AppendBinary(nil, d, typ)
		if err != nil {
			t.Fatalf("%s: AppendBinary(%q): %v", typ, out, err)
		}
		bd, err := DecodeBinary(b, typ)
		if err != nil {
			t.Fatalf("%s: DecodeBinary of %q: %v", typ, out, err)
		}
		if Compare(bd, d) != 0 {
			t.Fatalf("%s: binary round trip of %q changed the value", typ, out)
		}
		_ = AppendHashKey(nil, d)
	})
}
