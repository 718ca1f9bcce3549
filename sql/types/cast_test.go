package types

import (
	"bufio"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/conflux-db/conflux/sql/pgerr"
)

// TestCastGolden replays testdata/casts.tsv, produced by PostgreSQL 15 as
// SELECT CAST(CAST('input' AS from) AS to) under the given TimeZone.
func TestCastGolden(t *testing.T) {
	f, err := os.Open("testdata/casts.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		parts := strings.SplitN(sc.Text(), "\t", 5)
		if len(parts) != 5 {
			t.Fatalf("bad line %q", sc.Text())
		}
		from, to := parseTypeName(t, parts[0]), parseTypeName(t, parts[1])
		loc, _ := time.LoadLocation(parts[2])
		ctx := &Context{Location: loc}
		input, want := parts[3], parts[4]
		n++
		d, err := Cast(DString(input), Unknown, from, ctx)
		if err != nil {
			t.Errorf("%s: literal %q: %v", parts[0], input, err)
			continue
		}
		out, err := Cast(d, from, to, ctx)
		label := parts[0] + "->" + parts[1] + " " + input + " (" + parts[2] + ")"
		if strings.HasPrefix(want, "ERROR ") {
			fields := strings.SplitN(strings.TrimPrefix(want, "ERROR "), "\t", 2)
			if err == nil {
				t.Errorf("%s: want error %s, got %q", label, want, FormatText(out, to, ctx))
				continue
			}
			if pe := pgerr.As(err); pe.Code != fields[0] || pe.Message != fields[1] {
				t.Errorf("%s: want %s %q, got %s %q", label, fields[0], fields[1], pe.Code, pe.Message)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: unexpected error %v", label, err)
			continue
		}
		if got := FormatText(out, to, ctx); got != want {
			t.Errorf("%s: got %q want %q", label, got, want)
		}
	}
	if n < 80 {
		t.Fatalf("only %d cases", n)
	}
}

func TestCastAssignment(t *testing.T) {
	vc3 := Varchar.WithTypmod(3 + 4)
	bp3 := BPChar.WithTypmod(3 + 4)
	for _, c := range []struct {
		in, want string
		to       *T
		code     string
	}{
		{"abc", "abc", vc3, ""},
		{"abcd", "", vc3, pgerr.StringDataRightTruncation},
		{"ab   ", "ab ", vc3, ""},
		{"a", "a  ", bp3, ""},
		{"abcd", "", bp3, pgerr.StringDataRightTruncation},
	} {
		got, err := CastAssignment(DString(c.in), Text, c.to, nil)
		if c.code != "" {
			if pgerr.Code(err) != c.code {
				t.Errorf("%q -> %s: want %s, got %v", c.in, c.to, c.code, err)
			} else if !strings.Contains(err.Error(), "value too long for type") {
				t.Errorf("message %q", err.Error())
			}
			continue
		}
		if err != nil || got != DString(c.want) {
			t.Errorf("%q -> %s: got %v, %v", c.in, c.to, got, err)
		}
	}
	// The input function with a typmod behaves like assignment.
	if _, err := ParseText("abcd", vc3, nil); pgerr.Code(err) != pgerr.StringDataRightTruncation {
		t.Errorf("ParseText varchar(3): %v", err)
	}
	// NULL casts to NULL everywhere.
	if d, err := Cast(DNull, Int4, Date, nil); err != nil || d != DNull {
		t.Errorf("NULL cast: %v %v", d, err)
	}
	// Casts with no pg_cast entry are 42846.
	if _, err := Cast(DDate(0), Date, Int4, nil); pgerr.Code(err) != pgerr.CannotCoerce {
		t.Errorf("date->int: %v", err)
	}
}

func TestCastKind(t *testing.T) {
	for _, c := range []struct {
		from, to *T
		want     Coercion
	}{
		{Int2, Int4, CoerceImplicit},
		{Int4, Int8, CoerceImplicit},
		{Int4, Numeric, CoerceImplicit},
		{Int8, Float4, CoerceImplicit},
		{Numeric, Float8, CoerceImplicit},
		{Float4, Float8, CoerceImplicit},
		{Int8, Int4, CoerceAssignment},
		{Float8, Int4, CoerceAssignment},
		{Numeric, Int2, CoerceAssignment},
		{Float8, Numeric, CoerceAssignment},
		{Int4, Text, CoerceAssignment},
		{Text, Int4, CoerceExplicit},
		{Text, Varchar, CoerceImplicit},
		{Varchar, Text, CoerceImplicit},
		{BPChar, Text, CoerceImplicit},
		{Text, BPChar, CoerceImplicit},
		{Name, Varchar, CoerceAssignment},
		{Text, Regclass, CoerceImplicit},
		{Int4, Oid, CoerceImplicit},
		{Oid, Int8, CoerceAssignment},
		{Bool, Int4, CoerceExplicit},
		{Int4, Bool, CoerceExplicit},
		{Bool, Float8, CoerceNone},
		{Date, Timestamp, CoerceImplicit},
		{Date, TimestampTZ, CoerceImplicit},
		{Timestamp, TimestampTZ, CoerceImplicit},
		{TimestampTZ, Timestamp, CoerceAssignment},
		{TimestampTZ, Date, CoerceAssignment},
		{Time, Interval, CoerceImplicit},
		{Interval, Time, CoerceAssignment},
		{Date, Int4, CoerceNone},
		{UUID, Int8, CoerceNone},
		{JSONB, Int4, CoerceExplicit},
		{JSON, JSONB, CoerceAssignment},
		{Unknown, Date, CoerceImplicit},
		{Varchar.WithTypmod(10), Varchar, CoerceImplicit},
		{ArrayOf(Int4), ArrayOf(Int8), CoerceImplicit},
		{ArrayOf(Int8), ArrayOf(Int4), CoerceAssignment},
		{ArrayOf(Int4), Text, CoerceAssignment},
	} {
		if got := CastKind(c.from, c.to); got != c.want {
			t.Errorf("%s -> %s: got %s want %s", c.from, c.to, got, c.want)
		}
	}
	if !CoerceImplicit.Allows(CoerceAssignment) || CoerceExplicit.Allows(CoerceAssignment) || CoerceNone.Allows(CoerceExplicit) {
		t.Error("Allows ordering broken")
	}
}

func TestCommonType(t *testing.T) {
	for _, c := range []struct {
		in   []*T
		want *T
		err  string
	}{
		{[]*T{Unknown, Unknown}, Text, ""},
		{[]*T{Int4, Unknown}, Int4, ""},
		{[]*T{Int2, Int4}, Int4, ""},
		{[]*T{Int4, Int8, Int2}, Int8, ""},
		{[]*T{Int4, Numeric}, Numeric, ""},
		{[]*T{Numeric, Float4}, Float4, ""},
		{[]*T{Int8, Float8, Numeric}, Float8, ""},
		{[]*T{Float8, Int4}, Float8, ""},
		{[]*T{Varchar, Text}, Varchar, ""}, // both directions implicit: first wins, as in PostgreSQL
		{[]*T{Text, Varchar}, Text, ""},
		{[]*T{Date, TimestampTZ}, TimestampTZ, ""},
		{[]*T{Date, Timestamp}, Timestamp, ""},
		{[]*T{Timestamp, TimestampTZ}, TimestampTZ, ""},
		{[]*T{Int4, Text}, nil, "UNION types integer and text cannot be matched"},
		{[]*T{Bool, Int4}, nil, "UNION types boolean and integer cannot be matched"},
		{[]*T{Date, Time}, nil, "UNION types date and time without time zone cannot be matched"},
		{[]*T{ArrayOf(Int4), ArrayOf(Int8)}, ArrayOf(Int8), ""},
	} {
		got, err := CommonType(c.in...)
		if c.err != "" {
			if err == nil || err.Error() != c.err || pgerr.Code(err) != pgerr.DatatypeMismatch {
				t.Errorf("%v: want error %q, got %v %v", c.in, c.err, got, err)
			}
			continue
		}
		if err != nil || !got.Identical(c.want) {
			t.Errorf("%v: got %v, %v want %v", c.in, got, err, c.want)
		}
	}
	// Typmods survive only when every input agrees.
	v10 := Varchar.WithTypmod(14)
	if got, _ := CommonType(v10, v10); got.Typmod != 14 {
		t.Errorf("same typmod lost: %v", got)
	}
	if got, _ := CommonType(v10, Varchar.WithTypmod(20)); got.Typmod != -1 {
		t.Errorf("mixed typmod kept: %v", got)
	}
	if _, err := CommonTypeFor("CASE", Int4, Text); err == nil || !strings.HasPrefix(err.Error(), "CASE types") {
		t.Errorf("context not used: %v", err)
	}
}
