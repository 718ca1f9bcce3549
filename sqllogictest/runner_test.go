package sqllogictest

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// fakeExec answers from a table keyed by SQL text; unknown SQL is a
// syntax error. It records what ran.
type fakeExec struct {
	results map[string]Result
	errs    map[string]error
	ran     []string
}

func (f *fakeExec) Exec(ctx context.Context, sql string) error {
	_, err := f.Query(ctx, sql)
	return err
}

func (f *fakeExec) Query(_ context.Context, sql string) (Result, error) {
	f.ran = append(f.ran, sql)
	if sql == "PANIC" {
		panic("boom")
	}
	if err, ok := f.errs[sql]; ok {
		return Result{}, err
	}
	if r, ok := f.results[sql]; ok {
		return r, nil
	}
	return Result{}, &pgconn.PgError{Code: "42601", Message: "syntax error"}
}

func rows(cols int, vals ...string) Result {
	r := Result{}
	for i := 0; i < cols; i++ {
		r.Columns = append(r.Columns, "c")
	}
	for i := 0; i < len(vals); i += cols {
		var row []Value
		for _, v := range vals[i : i+cols] {
			if v == "<null>" {
				row = append(row, Null)
			} else {
				row = append(row, Text(v))
			}
		}
		r.Rows = append(r.Rows, row)
	}
	return r
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		v    Value
		typ  byte
		want string
	}{
		{Text("42"), 'I', "42"},
		{Text("-7"), 'I', "-7"},
		{Text("2.7"), 'I', "2"},
		{Text("-2.7"), 'I', "-2"},
		{Text("1e3"), 'I', "1000"},
		{Text("12.50"), 'I', "12"},
		{Text("t"), 'I', "1"},
		{Text("f"), 'I', "0"},
		{Text("abc"), 'I', "abc"},
		{Null, 'I', "NULL"},
		{Text("1"), 'R', "1.000"},
		{Text("2.34567"), 'R', "2.346"},
		{Text("-0.0001"), 'R', "-0.000"},
		{Text("123456789.5"), 'R', "123456789.500"},
		{Null, 'R', "NULL"},
		{Text("hello world"), 'T', "hello world"},
		{Text(""), 'T', "(empty)"},
		{Text("a\tb\nc"), 'T', "a@b@c"},
		{Text("é"), 'T', "@@"},
		{Text("NULL"), 'T', "NULL"},
		{Text("3.5"), 'T', "3.5"},
	} {
		if got := FormatValue(tc.v, tc.typ); got != tc.want {
			t.Errorf("FormatValue(%+v, %c) = %q, want %q", tc.v, tc.typ, got, tc.want)
		}
	}
}

func TestFormatRowsAndHash(t *testing.T) {
	rs := rows(2, "b", "2", "a", "10", "a", "9").Rows
	for _, tc := range []struct {
		mode SortMode
		want string
	}{
		{NoSort, "b 2 a 10 a 9"},
		// rowsort compares formatted strings: "10" < "9".
		{RowSort, "a 10 a 9 b 2"},
		{ValueSort, "10 2 9 a a b"},
	} {
		got := strings.Join(FormatRows(rs, "TI", tc.mode), " ")
		if got != tc.want {
			t.Errorf("%v: got %q, want %q", tc.mode, got, tc.want)
		}
	}
	if got, want := Hash([]string{"1", "NULL"}), md5hex("1\nNULL\n"); got != want {
		t.Errorf("Hash = %s, want %s", got, want)
	}
	if got, want := Hash(nil), md5hex(""); got != want {
		t.Errorf("Hash(nil) = %s, want %s", got, want)
	}
}

func TestParse(t *testing.T) {
	src := `# a comment
hash-threshold 8

statement ok
CREATE TABLE t1(a INTEGER,
  b INTEGER)

skipif mysql
onlyif postgresql
statement error 23505
INSERT INTO t1 VALUES(1)

statement error
garbage

query IT rowsort label-1
SELECT a, b
FROM t1
----
1
x

query I nosort
SELECT 1
----
3 values hashing to 0123456789abcdef0123456789abcdef

query error 42P01
SELECT * FROM nope

query I valuesort error 22012
SELECT 1/0

halt
`
	f, err := Parse("x.test", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Records) != 9 {
		t.Fatalf("got %d records, want 9", len(f.Records))
	}
	r := f.Records
	if r[0].Kind != HashThreshold || r[0].Threshold != 8 || r[0].Line != 2 {
		t.Errorf("record 0: %+v", r[0])
	}
	if r[1].Kind != Statement || r[1].ExpectError || r[1].SQL != "CREATE TABLE t1(a INTEGER,\n  b INTEGER)" {
		t.Errorf("record 1: %+v", r[1])
	}
	if r[2].Line != 8 || len(r[2].Conditions) != 2 || !r[2].ExpectError || r[2].ErrorCode != "23505" {
		t.Errorf("record 2: %+v", r[2])
	}
	if r[2].ShouldRun("mysql") || !r[2].ShouldRun("postgresql") || r[2].ShouldRun("sqlite") {
		t.Errorf("record 2 conditions wrong")
	}
	if !r[3].ExpectError || r[3].ErrorCode != "" {
		t.Errorf("record 3: %+v", r[3])
	}
	if r[4].Types != "IT" || r[4].Sort != RowSort || r[4].Label != "label-1" || r[4].SQL != "SELECT a, b\nFROM t1" ||
		strings.Join(r[4].Expected, ",") != "1,x" {
		t.Errorf("record 4: %+v", r[4])
	}
	if !r[5].Hashed || r[5].ExpectedCount != 3 || r[5].ExpectedHash != "0123456789abcdef0123456789abcdef" {
		t.Errorf("record 5: %+v", r[5])
	}
	if !r[6].ExpectError || r[6].ErrorCode != "42P01" || r[6].Types != "" {
		t.Errorf("record 6: %+v", r[6])
	}
	if !r[7].ExpectError || r[7].ErrorCode != "22012" || r[7].Sort != ValueSort {
		t.Errorf("record 7: %+v", r[7])
	}
	if r[8].Kind != Halt {
		t.Errorf("record 8: %+v", r[8])
	}

	for _, bad := range []string{"bogus\nSELECT 1\n", "statement maybe\nSELECT 1\n", "query X\nSELECT 1\n", "statement ok\n\n", "skipif x\n"} {
		if _, err := Parse("bad.test", strings.NewReader(bad)); err == nil {
			t.Errorf("Parse(%q) succeeded, want error", bad)
		}
	}
}

func TestRunner(t *testing.T) {
	fx := &fakeExec{
		results: map[string]Result{
			"CREATE": {},
			"Q1":     rows(2, "1", "a", "2", "<null>"),
			"Q2":     rows(1, "3", "1", "2"),
			"Q3":     rows(1, "1", "2", "3"),
			"QF":     rows(1, "2.9"),
			"Q1COL":  rows(1, "1"),
		},
		errs: map[string]error{
			"DUP":      &pgconn.PgError{Code: "23505"},
			"PLAINERR": errors.New("no sqlstate"),
		},
	}
	src := `statement ok
CREATE

statement error 23505
DUP

statement error 22012
DUP

statement error
PLAINERR

statement error
CREATE

statement ok
DUP

query IT
Q1
----
1
a
2
NULL

query IT
Q1
----
1
a
2
b

query I rowsort
Q2
----
1
2
3

query I nosort lbl
Q3
----
3 values hashing to ` + md5hex("1\n2\n3\n") + `

query I valuesort lbl
Q2
----
1
2
3

query I nosort lbl
Q2
----
3
1
2

query I
QF
----
2

query II
Q1COL
----
1

query I
PANIC
----
1

query error 42601
unknown sql

query error 42P01
unknown sql

skipif postgresql
statement ok
NEVER1

onlyif sqlite
statement ok
NEVER2

onlyif postgresql
halt

statement ok
NEVER3
`
	f, err := Parse("r.test", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&Runner{Exec: fx}).Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	wantFail := map[int]string{
		7:  "expected SQLSTATE 22012, got 23505",
		13: "statement succeeded, expected an error",
		16: "statement failed",
		27: "results differ",
		54: "differs from earlier result labelled lbl",
		66: "expected 2 columns",
		71: "panic: boom",
		79: "expected SQLSTATE 42P01, got 42601",
	}
	got := map[int]string{}
	for _, fl := range res.Failures {
		got[fl.Line] = fl.Msg
	}
	for line, frag := range wantFail {
		if !strings.Contains(got[line], frag) {
			t.Errorf("line %d: failure %q, want one containing %q", line, got[line], frag)
		}
	}
	for line, msg := range got {
		if _, ok := wantFail[line]; !ok {
			t.Errorf("unexpected failure at line %d: %s", line, msg)
		}
	}
	if res.Passed != 9 || res.Failed != len(wantFail) || res.Skipped != 2 || !res.Halted {
		t.Errorf("passed %d failed %d skipped %d halted %v", res.Passed, res.Failed, res.Skipped, res.Halted)
	}
	for _, sql := range fx.ran {
		if strings.HasPrefix(sql, "NEVER") {
			t.Errorf("ran %s", sql)
		}
	}
}

func TestRewrite(t *testing.T) {
	fx := &fakeExec{
		results: map[string]Result{"Q": rows(1, "5", "6"), "BIG": rows(1, "1", "2", "3")},
		errs:    map[string]error{"E": &pgconn.PgError{Code: "22012"}},
	}
	src := `hash-threshold 2

query I
Q
----
wrong

statement error
E

query I rowsort
BIG
----

# trailing comment
query I
Q
----
`
	f, err := Parse("w.test", strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&Runner{Exec: fx, Rewrite: true}).Run(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	want := `hash-threshold 2

query I
Q
----
5
6

statement error 22012
E

query I rowsort
BIG
----
3 values hashing to ` + md5hex("1\n2\n3\n") + `

# trailing comment
query I
Q
----
5
6
`
	if string(res.Rewritten) != want {
		t.Errorf("rewritten:\n%s\nwant:\n%s", res.Rewritten, want)
	}
}

func TestSQLState(t *testing.T) {
	if got := SQLState(&pgconn.PgError{Code: "42P01"}); got != "42P01" {
		t.Errorf("got %q", got)
	}
	if got := SQLState(errors.New("x")); got != "" {
		t.Errorf("got %q", got)
	}
}
