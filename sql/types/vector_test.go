package types

import (
	"encoding/hex"
	"testing"
)

// TestVectorText covers int2vector/oidvector I/O beyond the golden file:
// the empty vector, casts to text and back, and that a plain array of the
// same elements keeps the brace form.
func TestVectorText(t *testing.T) {
	for _, tc := range []struct {
		typ      *T
		in, want string
	}{
		{Int2Vector, "", ""},
		{Int2Vector, "   ", ""},
		{Int2Vector, "2 5", "2 5"},
		{OidVector, "25", "25"},
		{OidVector, "4294967295 0", "4294967295 0"},
	} {
		d, err := ParseText(tc.in, tc.typ, nil)
		if err != nil {
			t.Fatalf("%s %q: %v", tc.typ, tc.in, err)
		}
		if got := FormatText(d, tc.typ, nil); got != tc.want {
			t.Errorf("%s %q: output %q, want %q", tc.typ, tc.in, got, tc.want)
		}
		s, err := Cast(d, tc.typ, Text, nil)
		if err != nil || s != DString(tc.want) {
			t.Errorf("%s %q::text = %v, %v; want %q", tc.typ, tc.in, s, err, tc.want)
		}
		back, err := Cast(DString(tc.want), Text, tc.typ, nil)
		if err != nil || Compare(back, d) != 0 {
			t.Errorf("%q::%s = %v, %v", tc.want, tc.typ, back, err)
		}
		arr := ArrayOf(tc.typ.Elem)
		if got := FormatText(d, arr, nil); got[0] != '{' {
			t.Errorf("%s as array prints %q, want braces", tc.typ, got)
		}
	}
	for _, name := range []string{"int2vector", "pg_catalog.oidvector"} {
		if ByName(name) == nil || !ByName(name).IsVector() {
			t.Errorf("ByName(%q) is not a vector type", name)
		}
	}
}

// TestVectorBinary checks PostgreSQL's array_send form with lower bound 0
// (bytes captured from PostgreSQL 15: SELECT '1 2'::int2vector).
func TestVectorBinary(t *testing.T) {
	d, err := ParseText("1 2", Int2Vector, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := AppendBinary(nil, d, Int2Vector)
	if err != nil {
		t.Fatal(err)
	}
	const want = "0000000100000000000000150000000200000000000000020001000000020002"
	if got := hex.EncodeToString(b); got != want {
		t.Errorf("binary %s, want %s", got, want)
	}
	back, err := DecodeBinary(b, Int2Vector)
	if err != nil || Compare(back, d) != 0 {
		t.Errorf("decode: %v, %v", back, err)
	}
}

func TestRecordOf(t *testing.T) {
	r := RecordOf([]*T{Int2, Int4}, []string{"x", "n"})
	if !r.Equivalent(Record) || r.SQLString() != "record" {
		t.Errorf("labelled record %v is not a plain record", r)
	}
	for name, want := range map[string]int{"x": 0, "n": 1, "X": -1, "y": -1} {
		if got := r.FieldIndex(name); got != want {
			t.Errorf("FieldIndex(%q) = %d, want %d", name, got, want)
		}
	}
	if Record.FieldIndex("x") != -1 {
		t.Error("anonymous record has fields")
	}
}
