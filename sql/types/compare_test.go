package types

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
)

func mustParse(t *testing.T, s string, typ *T) Datum {
	t.Helper()
	d, err := ParseText(s, typ, nil)
	if err != nil {
		t.Fatalf("parse %q as %s: %v", s, typ, err)
	}
	return d
}

func TestCompare(t *testing.T) {
	for _, c := range []struct {
		typ  *T
		a, b string
		want int
	}{
		{Int8, "1", "2", -1},
		{Float8, "NaN", "Infinity", 1},
		{Float8, "NaN", "NaN", 0},
		{Float8, "-0", "0", 0},
		{Float8, "-Infinity", "-1e308", -1},
		{Numeric, "1.0", "1.00", 0},
		{Numeric, "NaN", "Infinity", 1},
		{Numeric, "-0.5", "0.1", -1},
		{Text, "a", "B", 1}, // C collation: bytewise
		{Text, "abc", "abd", -1},
		{Text, "ab", "abc", -1},
		{Bytea, `\x00`, `\x0000`, -1},
		{Bool, "f", "t", -1},
		{Date, "-infinity", "4714-11-24 BC", -1},
		{Date, "infinity", "5874897-12-31", 1},
		{Timestamp, "2024-01-01", "2023-12-31 23:59:59.999999", 1},
		{Interval, "1 mon", "30 days", 0},
		{Interval, "1 day", "24 hours", 0},
		{Interval, "1 year", "360 days", 0},
		{Interval, "1 mon", "29 days 23:59:59", 1},
		{Interval, "-1 day", "-23:00:00", -1},
		{UUID, "00000000-0000-0000-0000-000000000001", "10000000-0000-0000-0000-000000000000", -1},
		{ArrayOf(Int4), "{1,2}", "{1,2,3}", -1},
		{ArrayOf(Int4), "{1,NULL}", "{1,5}", 1},
		{ArrayOf(Int4), "{2}", "{1,9,9}", 1},
		{ArrayOf(Int4), "{NULL}", "{NULL}", 0},
		{JSONB, `{"a":1}`, `[1,2,3]`, 1},
		{JSONB, `[1,2]`, `true`, 1},
		{JSONB, `true`, `1`, 1},
		{JSONB, `1`, `"a"`, 1},
		{JSONB, `"a"`, `null`, 1},
		{JSONB, `1.0`, `1`, 0},
		{JSONB, `[1]`, `[0, 0]`, -1},
		{JSONB, `{"b":1}`, `{"b":2}`, -1},
	} {
		a, b := mustParse(t, c.a, c.typ), mustParse(t, c.b, c.typ)
		if got := Compare(a, b); got != c.want {
			t.Errorf("%s: Compare(%q, %q) = %d, want %d", c.typ, c.a, c.b, got, c.want)
		}
		if got := Compare(b, a); got != -c.want {
			t.Errorf("%s: Compare(%q, %q) = %d, want %d (antisymmetry)", c.typ, c.b, c.a, got, -c.want)
		}
	}
}

// TestHashKeyConsistency checks that AppendHashKey agrees with Compare:
// equal values give equal keys and unequal values different keys.
func TestHashKeyConsistency(t *testing.T) {
	pools := []struct {
		typ  *T
		vals []string
	}{
		{Numeric, []string{"1", "1.0", "1.000", "0", "-0", "0.00", "NaN", "Infinity", "-Infinity", "10", "1e1", "0.1", "0.10", "-0.1", "123456789012345678901234567890", "1e-20"}},
		{Float8, []string{"0", "-0", "NaN", "1", "1.5", "-1.5", "Infinity", "-Infinity", "1e300", "5e-324"}},
		{Interval, []string{"1 mon", "30 days", "720 hours", "1 day", "24:00:00", "-1 day", "00:00:00", "1 year", "12 mons", "360 days"}},
		{Text, []string{"", "a", "ab", "b", "日本"}},
		{Date, []string{"2024-01-01", "infinity", "-infinity", "1970-01-01"}},
		{JSONB, []string{`1`, `1.0`, `1.00`, `"1"`, `[1]`, `[1.0]`, `{"a":1}`, `{"a":1.0}`, `null`, `true`}},
		{ArrayOf(Numeric), []string{"{1,2}", "{1.0,2.00}", "{1,NULL}", "{}", "{NULL}"}},
		{ArrayOf(Text), []string{`{a,b}`, `{"a,b"}`, `{ab}`, `{a}`}},
	}
	for _, p := range pools {
		ds := make([]Datum, len(p.vals))
		keys := make([][]byte, len(p.vals))
		for i, v := range p.vals {
			ds[i] = mustParse(t, v, p.typ)
			keys[i] = AppendHashKey(nil, ds[i])
		}
		for i := range ds {
			for j := range ds {
				eq := Compare(ds[i], ds[j]) == 0
				heq := bytes.Equal(keys[i], keys[j])
				if eq != heq {
					t.Errorf("%s: %q vs %q: Compare equal=%v, hash equal=%v", p.typ, p.vals[i], p.vals[j], eq, heq)
				}
			}
		}
	}
	// Integers hash like equal numerics and floats (cross-type joins).
	one := AppendHashKey(nil, DInt(1))
	if !bytes.Equal(one, AppendHashKey(nil, mustParse(t, "1.00", Numeric))) || !bytes.Equal(one, AppendHashKey(nil, DFloat(1))) {
		t.Error("1, 1.00 and 1.0::float8 should share a hash key")
	}
	// Concatenated keys are unambiguous.
	k1 := AppendHashKey(AppendHashKey(nil, DString("ab")), DString("c"))
	k2 := AppendHashKey(AppendHashKey(nil, DString("a")), DString("bc"))
	if bytes.Equal(k1, k2) {
		t.Error("composite keys collide")
	}
	if !bytes.Equal(AppendHashKey(nil, DFloat(math.Copysign(0, -1))), AppendHashKey(nil, DFloat(0))) {
		t.Error("-0 and 0 differ")
	}
}

func TestTypeJSONRoundTrip(t *testing.T) {
	for _, typ := range []*T{Int4, Varchar.WithTypmod(14), Numeric.WithTypmod(NumericTypmod(12, 2)), ArrayOf(Text),
		ArrayOf(BPChar.WithTypmod(9)), JSONB, TimestampTZ, Int2Vector} {
		b, err := json.Marshal(typ)
		if err != nil {
			t.Fatal(err)
		}
		var back T
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !back.Identical(typ) || back.Width != typ.Width || (typ.Elem != nil && !back.Elem.Identical(typ.Elem)) {
			t.Errorf("%s: round trip gave %s (%s)", typ, &back, b)
		}
	}
}
