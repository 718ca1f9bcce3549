package types

import (
	"bytes"
	"testing"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/jackc/pgx/v5/pgtype"
)

var binaryCases = []struct {
	typ  *T
	text []string
}{
	{Bool, []string{"t", "f"}},
	{Int2, []string{"0", "-32768", "32767"}},
	{Int4, []string{"42", "-2147483648", "2147483647"}},
	{Int8, []string{"9223372036854775807", "-1"}},
	{Oid, []string{"4294967295", "0", "1259"}},
	{Float4, []string{"0.1", "-0", "NaN", "Infinity", "3.4028235e38"}},
	{Float8, []string{"0.1", "1e300", "-Infinity", "5e-324"}},
	{Numeric, []string{"0", "1.50", "-123456789.0123456789", "0.0001", "10000", "1e20", "NaN", "0.00000001",
		"12345678901234567890.123", "-0.5", "99990000", "Infinity", "-Infinity"}},
	{Text, []string{"", "hello", "日本語"}},
	{Varchar, []string{"x"}},
	{Name, []string{"pg_class"}},
	{Bytea, []string{`\x`, `\x00ff10`}},
	{Date, []string{"2000-01-01", "1999-12-31", "2024-02-29", "0044-03-15 BC", "infinity", "-infinity", "5874897-12-31"}},
	{Time, []string{"00:00:00", "23:59:59.999999", "24:00:00"}},
	{Timestamp, []string{"2000-01-01 00:00:00", "1970-01-01 00:00:00", "2024-01-02 03:04:05.123456", "0044-03-15 12:00:00 BC", "infinity", "-infinity"}},
	{TimestampTZ, []string{"2024-01-02 03:04:05.5+00", "1900-06-01 00:00:00+00", "infinity"}},
	{Interval, []string{"1 year 2 mons 3 days 04:05:06.789", "-1 days +02:00:00", "00:00:00"}},
	{UUID, []string{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"}},
	{JSONB, []string{`{"a": [1, 2.50], "b": null}`, `"x"`, `[]`}},
	{JSON, []string{`{"a": 1}`}},
	{ArrayOf(Int4), []string{"{1,2,NULL}", "{}", "{-5}"}},
	{ArrayOf(Text), []string{`{a,"b c",NULL,""}`}},
	{ArrayOf(Numeric), []string{"{1.5,NaN,0}"}},
	{ArrayOf(Float8), []string{"{1.5,NaN}"}},
	{ArrayOf(Bool), []string{"{t,f}"}},
	{ArrayOf(Date), []string{"{2024-01-02}"}},
	{ArrayOf(TimestampTZ), []string{`{"2024-01-02 03:04:05+00"}`}},
	{ArrayOf(UUID), []string{"{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}"}},
	{ArrayOf(Int8), []string{"{1,2,3}"}},
	{ArrayOf(Varchar), []string{"{x,y}"}},
}

// TestBinaryAgainstPgtype encodes each value with our send function,
// decodes it with pgx's codec, re-encodes with pgx and decodes that with
// our receive function: both directions must agree with PostgreSQL's
// wire format as pgx implements it.
func TestBinaryAgainstPgtype(t *testing.T) {
	m := pgtype.NewMap()
	for _, c := range binaryCases {
		for _, txt := range c.text {
			d, err := ParseText(txt, c.typ, nil)
			if err != nil {
				t.Fatalf("%s %q: %v", c.typ, txt, err)
			}
			ours, err := AppendBinary(nil, d, c.typ)
			if err != nil {
				t.Fatalf("%s %q: AppendBinary: %v", c.typ, txt, err)
			}
			back, err := DecodeBinary(ours, c.typ)
			if err != nil {
				t.Fatalf("%s %q: DecodeBinary: %v", c.typ, txt, err)
			}
			if Compare(back, d) != 0 || FormatText(back, c.typ, nil) != FormatText(d, c.typ, nil) {
				t.Errorf("%s %q: round trip gave %q", c.typ, txt, FormatText(back, c.typ, nil))
			}
			var v any
			if err := m.Scan(c.typ.Oid, pgtype.BinaryFormatCode, ours, &v); err != nil {
				t.Errorf("%s %q: pgtype cannot decode our bytes %x: %v", c.typ, txt, ours, err)
				continue
			}
			// pgtype scans infinities to a bare InfinityModifier it cannot
			// encode again, and treats a Go string as raw JSON text.
			if inf, ok := v.(pgtype.InfinityModifier); ok {
				switch c.typ.Family {
				case DateFamily:
					v = pgtype.Date{InfinityModifier: inf, Valid: true}
				case TimestampFamily:
					v = pgtype.Timestamp{InfinityModifier: inf, Valid: true}
				default:
					v = pgtype.Timestamptz{InfinityModifier: inf, Valid: true}
				}
			}
			if _, ok := v.(string); ok && c.typ.Family == JSONFamily {
				continue
			}
			theirs, err := m.Encode(c.typ.Oid, pgtype.BinaryFormatCode, v, nil)
			if err != nil {
				t.Errorf("%s %q: pgtype re-encode of %#v: %v", c.typ, txt, v, err)
				continue
			}
			got, err := DecodeBinary(theirs, c.typ)
			if err != nil {
				t.Errorf("%s %q: decoding pgtype bytes %x: %v", c.typ, txt, theirs, err)
				continue
			}
			if Compare(got, d) != 0 {
				t.Errorf("%s %q: pgtype bytes %x decoded to %q", c.typ, txt, theirs, FormatText(got, c.typ, nil))
			}
			// Fixed-width and text-like encodings must match byte for byte.
			if c.typ.Family != DecimalFamily && c.typ.Family != JSONFamily && c.typ.Family != ArrayFamily && !bytes.Equal(ours, theirs) {
				t.Errorf("%s %q: ours %x, pgtype %x", c.typ, txt, ours, theirs)
			}
		}
	}
}

// TestNumericBinaryExact pins the base-10000 layout for a few values whose
// encoding PostgreSQL documents implicitly via numeric_send.
func TestNumericBinaryExact(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []byte
	}{
		// ndigits, weight, sign, dscale, digits...
		{"0", []byte{0, 0, 0, 0, 0, 0, 0, 0}},
		{"1.50", []byte{0, 2, 0, 0, 0, 0, 0, 2, 0, 1, 0x13, 0x88}},
		{"-10000", []byte{0, 1, 0, 1, 0x40, 0, 0, 0, 0, 1}},
		{"0.0001", []byte{0, 1, 0xff, 0xff, 0, 0, 0, 4, 0, 1}},
		{"NaN", []byte{0, 0, 0, 0, 0xc0, 0, 0, 0}},
	} {
		d, err := ParseDecimal(c.in)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := AppendBinary(nil, d, Numeric)
		if !bytes.Equal(got, c.want) {
			t.Errorf("%s: got %x want %x", c.in, got, c.want)
		}
	}
}

func TestDecodeBinaryErrors(t *testing.T) {
	for _, c := range []struct {
		typ *T
		b   []byte
	}{
		{Int4, []byte{1, 2, 3}},
		{Int8, []byte{1}},
		{Bool, nil},
		{Float8, []byte{1, 2, 3, 4}},
		{UUID, make([]byte, 15)},
		{Interval, make([]byte, 15)},
		{Numeric, []byte{0, 1, 0, 0, 0, 0, 0, 0}}, // missing digit
		{Numeric, []byte{0, 1, 0, 0, 0x12, 0x34, 0, 0, 0x27, 0x10}}, // bad sign
		{Numeric, []byte{0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10}},       // digit 10000
		{JSONB, []byte(`{}`)}, // no version byte
		{ArrayOf(Int4), []byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0, 5, 0, 0, 0, 1}},
		{ArrayOf(Int4), []byte{0, 0, 0, 1}},
		{Text, []byte{0xff, 0xfe}},
	} {
		_, err := DecodeBinary(c.b, c.typ)
		if err == nil {
			t.Errorf("%s %x: expected error", c.typ, c.b)
			continue
		}
		if code := pgerr.Code(err); code != pgerr.InvalidBinaryRepresentation && code != pgerr.CharacterNotInRepertoire {
			t.Errorf("%s %x: code %s (%v)", c.typ, c.b, code, err)
		}
	}
}
