package builtins

import (
	"testing"

	"github.com/conflux-db/conflux/sql/types"
)

func TestFunctions(t *testing.T) {
	for _, c := range []struct {
		fn   string
		args []arg
		want string
	}{
		{"sqrt", []arg{A(num, "2")}, "1.414213562373095"},
		{"ln", []arg{A(num, "2")}, "0.6931471805599453"},
		{"log", []arg{A(num, "100")}, "2.0000000000000000"},
		{"exp", []arg{A(num, "1")}, "2.7182818284590452"},
		{"round", []arg{A(f8, "2.5")}, "2"},
		{"round", []arg{A(num, "2.5")}, "3"},
		{"round", []arg{A(num, "-2.5")}, "-3"},
		{"round", []arg{A(num, "1234.5678"), A(i4, "-2")}, "1200"},
		{"round", []arg{A(unk, "1.005"), A(i4, "2")}, "1.01"},
		{"trunc", []arg{A(num, "-1.99")}, "-1"},
		{"ceil", []arg{A(num, "1.2")}, "2"},
		{"floor", []arg{A(num, "-1.2")}, "-2"},
		{"abs", []arg{A(i4, "-3")}, "3"},
		{"mod", []arg{A(i4, "7"), A(i4, "-3")}, "1"},
		{"length", []arg{A(txt, "héllo")}, "5"},
		{"octet_length", []arg{A(txt, "héllo")}, "6"},
		{"upper", []arg{A(unk, "abc")}, "ABC"},
		{"initcap", []arg{A(txt, "hi THOMAS o'neil")}, "Hi Thomas O'Neil"},
		{"substr", []arg{A(txt, "hello"), A(i4, "0"), A(i4, "3")}, "he"},
		{"substr", []arg{A(txt, "hello"), A(i4, "2")}, "ello"},
		{"substr", []arg{A(txt, "hello"), A(i4, "1"), A(i4, "-1")}, "ERROR 22011: negative substring length not allowed"},
		{"strpos", []arg{A(txt, "hello"), A(txt, "ll")}, "3"},
		{"btrim", []arg{A(txt, "xxhixx"), A(txt, "x")}, "hi"},
		{"lpad", []arg{A(txt, "hi"), A(i4, "5"), A(txt, "ab")}, "abahi"},
		{"rpad", []arg{A(txt, "hello"), A(i4, "3")}, "hel"},
		{"left", []arg{A(txt, "hello"), A(i4, "-2")}, "hel"},
		{"right", []arg{A(txt, "hello"), A(i4, "2")}, "lo"},
		{"repeat", []arg{A(txt, "ab"), A(i4, "3")}, "ababab"},
		{"reverse", []arg{A(txt, "abc")}, "cba"},
		{"split_part", []arg{A(txt, "a,b,c"), A(txt, ","), A(i4, "-1")}, "c"},
		{"split_part", []arg{A(txt, "a,b,c"), A(txt, ","), A(i4, "0")}, "ERROR 22023: field position must not be zero"},
		{"concat", []arg{A(unk, "a"), A(i4, "1"), A(txt, "NULL"), A(f4, "2.5")}, "a12.5"},
		{"concat_ws", []arg{A(txt, ","), A(i4, "1"), A(txt, "NULL"), A(txt, "b")}, "1,b"},
		{"md5", []arg{A(txt, "abc")}, "900150983cd24fb0d6963f7d28e17f72"},
		{"chr", []arg{A(i4, "65")}, "A"},
		{"ascii", []arg{A(txt, "A")}, "65"},
		{"to_hex", []arg{A(i4, "-1")}, "ffffffff"},
		{"format", []arg{A(txt, "%s %I %L %L"), A(unk, "a"), A(unk, "B c"), A(unk, "it's"), A(txt, "NULL")}, `a "B c" 'it''s' NULL`},
		{"format", []arg{A(txt, "%2$s-%1$s|%-4s|"), A(txt, "x"), A(txt, "y")}, "y-x|y   |"},
		{"quote_ident", []arg{A(txt, "select")}, `"select"`},
		{"quote_ident", []arg{A(txt, "abc_1")}, `abc_1`},
		{"quote_literal", []arg{A(txt, `a\b`)}, `E'a\\b'`},
		{"quote_nullable", []arg{A(txt, "NULL")}, `NULL`},
		{"regexp_replace", []arg{A(txt, "Thomas"), A(txt, ".[mN]a."), A(txt, "M")}, "ThM"},
		{"regexp_replace", []arg{A(txt, "foobarbaz"), A(txt, "b(..)"), A(txt, `X\1Y`), A(txt, "g")}, "fooXarYXazY"},
		{"regexp_match", []arg{A(txt, "foobarbequebaz"), A(txt, "(bar)(beque)")}, "{bar,beque}"},
		{"starts_with", []arg{A(txt, "alphabet"), A(txt, "alph")}, "t"},
		{"string_to_array", []arg{A(txt, "a,b,,c"), A(txt, ","), A(txt, "")}, "{a,b,NULL,c}"},
		{"array_to_string", []arg{A(types.ArrayOf(i4), "{1,NULL,3}"), A(txt, "-"), A(txt, "*")}, "1-*-3"},
		{"encode", []arg{A(types.Bytea, `\x0001ff`), A(txt, "base64")}, "AAH/"},
		{"encode", []arg{A(types.Bytea, `\x61005c`), A(txt, "escape")}, `a\000\\`},
		{"decode", []arg{A(txt, "AAH/"), A(txt, "base64")}, `\x0001ff`},
		{"gcd", []arg{A(i4, "12"), A(i4, "18")}, "6"},
		{"lcm", []arg{A(i4, "4"), A(i4, "6")}, "12"},
		{"width_bucket", []arg{A(f8, "5.35"), A(f8, "0.024"), A(f8, "10.06"), A(i4, "5")}, "3"},
		{"div", []arg{A(num, "9"), A(num, "4")}, "2"},
		{"power", []arg{A(f8, "0"), A(f8, "-1")}, "ERROR 2201F: zero raised to a negative power is undefined"},
		{"array_length", []arg{A(types.ArrayOf(i4), "{1,2,3}"), A(i4, "1")}, "3"},
		{"array_upper", []arg{A(types.ArrayOf(i4), "{}"), A(i4, "1")}, "NULL"},
		{"cardinality", []arg{A(types.ArrayOf(i4), "{1,2}")}, "2"},
		{"array_append", []arg{A(types.ArrayOf(i4), "{1,2}"), A(i4, "3")}, "{1,2,3}"},
		{"array_prepend", []arg{A(i4, "0"), A(types.ArrayOf(i4), "{1}")}, "{0,1}"},
		{"array_cat", []arg{A(types.ArrayOf(i4), "{1}"), A(types.ArrayOf(i4), "{2}")}, "{1,2}"},
		{"array_position", []arg{A(types.ArrayOf(txt), "{a,b,c}"), A(txt, "b")}, "2"},
		{"array_remove", []arg{A(types.ArrayOf(i4), "{1,2,1}"), A(i4, "1")}, "{2}"},
		{"date_trunc", []arg{A(txt, "week"), A(ts, "2024-03-13 10:11:12")}, "2024-03-11 00:00:00"},
		{"date_trunc", []arg{A(txt, "quarter"), A(ts, "2024-05-13 10:11:12")}, "2024-04-01 00:00:00"},
		{"date_trunc", []arg{A(txt, "bogus"), A(ts, "2024-05-13")}, `ERROR 22023: unit "bogus" not recognized for type timestamp without time zone`},
		{"age", []arg{A(ts, "2024-03-01"), A(ts, "2023-01-15 10:00")}, "1 year 1 mon 16 days 14:00:00"},
		{"extract", []arg{A(txt, "epoch"), A(ts, "2020-01-01 12:00:00")}, "1577880000.000000"},
		{"extract", []arg{A(txt, "second"), A(ts, "2020-01-01 12:00:05.5")}, "5.500000"},
		{"extract", []arg{A(txt, "julian"), A(dt, "2020-01-01")}, "2458850"},
		{"extract", []arg{A(txt, "milliseconds"), A(tm, "01:02:03.5")}, "3500.000"},
		{"extract", []arg{A(txt, "epoch"), A(iv, "1 year 2 months 3 days 04:05:06.5")}, "37015506.500000"},
		{"extract", []arg{A(txt, "dow"), A(dt, "2024-03-10")}, "0"},
		{"date_part", []arg{A(txt, "hour"), A(iv, "50 hours")}, "50"},
		{"date_part", []arg{A(txt, "doy"), A(ts, "2024-03-01")}, "61"},
		{"date_part", []arg{A(txt, "isodow"), A(ts, "2024-03-10")}, "7"},
		{"date_part", []arg{A(txt, "week"), A(ts, "2024-01-01")}, "1"},
		{"date_part", []arg{A(txt, "quarter"), A(ts, "2024-08-01")}, "3"},
		{"to_char", []arg{A(ts, "2024-03-05 14:07:09.123456"), A(txt, "YYYY-MM-DD HH24:MI:SS.MS US Mon Month Day Dy FMDD FMMonth HH12 AM")},
			"2024-03-05 14:07:09.123 123456 Mar March     Tuesday   Tue 5 March 02 PM"},
		{"to_date", []arg{A(txt, "05 Mar 2024"), A(txt, "DD Mon YYYY")}, "2024-03-05"},
		{"make_date", []arg{A(i4, "2024"), A(i4, "2"), A(i4, "30")}, "ERROR 22008: date field value out of range: 2024-02-30"},
		{"make_interval", []arg{A(i4, "1"), A(i4, "2")}, "1 year 2 mons"},
		{"to_timestamp", []arg{A(f8, "0")}, "1970-01-01 00:00:00+00"},
		{"justify_interval", []arg{A(iv, "1 mon -1 hour")}, "29 days 23:00:00"},
		{"date_bin", []arg{A(iv, "15 minutes"), A(ts, "2020-02-11 15:44:17"), A(ts, "2001-01-01")}, "2020-02-11 15:30:00"},
		{"now", nil, "2024-03-05 14:07:09.123456+00"},
		{"jsonb_typeof", []arg{A(jb, "[1]")}, "array"},
		{"jsonb_array_length", []arg{A(jb, "[1,2]")}, "2"},
		{"jsonb_build_object", []arg{A(unk, "a"), A(i4, "1"), A(unk, "b"), A(types.ArrayOf(i4), "{1,2}"), A(unk, "c"), A(f8, "1.5")}, `{"a": 1, "b": [1, 2], "c": 1.5}`},
		{"jsonb_build_array", []arg{A(i4, "1"), A(txt, "NULL"), A(types.Bool, "t")}, `[1, null, true]`},
		{"to_jsonb", []arg{A(ts, "2024-01-01 10:00")}, `"2024-01-01T10:00:00"`},
		{"jsonb_extract_path_text", []arg{A(jb, `{"a":{"b":"x"}}`), A(txt, "a"), A(txt, "b")}, `x`},
		{"jsonb_set", []arg{A(jb, `{"a":[1,2]}`), A(types.ArrayOf(txt), "{a,0}"), A(jb, `9`)}, `{"a": [9, 2]}`},
		{"jsonb_strip_nulls", []arg{A(jb, `{"a":null,"b":[null]}`)}, `{"b": [null]}`},
		{"jsonb_pretty", []arg{A(jb, `{"a":[1,{"b":2}],"c":{}}`)}, "{\n    \"a\": [\n        1,\n        {\n            \"b\": 2\n        }\n    ],\n    \"c\": {\n    }\n}"},
		{"pg_typeof", []arg{A(num, "1")}, "1700"},
		{"nosuch", []arg{A(i4, "1")}, "ERROR 42883: function nosuch(integer) does not exist"},
		{"length", []arg{A(i4, "1")}, "ERROR 42883: function length(integer) does not exist"},
	} {
		if got := evalFunc(t, c.fn, c.args); got != c.want {
			t.Errorf("%s(%v): got %q, want %q", c.fn, c.args, got, c.want)
		}
	}
}

func TestResolve(t *testing.T) {
	for _, c := range []struct {
		fn   string
		in   []*types.T
		want string
	}{
		{"round", []*types.T{i4}, "double precision"},
		{"round", []*types.T{unk}, "double precision"},
		{"abs", []*types.T{i2}, "smallint"},
		{"length", []*types.T{unk}, "text"},
		{"substr", []*types.T{types.Varchar, i2, i4}, "text, integer, integer"},
		{"substr", []*types.T{types.Varchar, i2, i8}, "ERROR"},
		{"sum", []*types.T{i4}, "integer"},
		{"array_append", []*types.T{types.ArrayOf(i8), i4}, "bigint[], bigint"},
		{"coalescex", []*types.T{i4}, "ERROR"},
	} {
		_, _, rt, err := ResolveFunc(c.fn, c.in)
		got := "ERROR"
		if err == nil {
			got = typeListString(rt)
		}
		if got != c.want {
			t.Errorf("%s(%s): got %s, want %s", c.fn, typeListString(c.in), got, c.want)
		}
	}
	ov, err := ResolveBinaryOp("+", i4, unk)
	if err != nil || ov.Ret != i4 {
		t.Errorf("int4 + unknown: %v %v", ov, err)
	}
	ov, err = ResolveBinaryOp("=", types.Varchar, unk)
	if err != nil || typeListString(ov.Args) != "text, text" {
		t.Errorf("varchar = unknown: %v", err)
	}
}
