package builtins

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// arg is a typed literal; v == "NULL" means SQL NULL.
type arg struct {
	t *types.T
	v string
}

func A(t *types.T, v string) arg { return arg{t, v} }

func testCtx() *EvalContext {
	now := time.Date(2024, 3, 5, 14, 7, 9, 123456000, time.UTC)
	return &EvalContext{Ctx: context.Background(), TxnTime: now, StmtTime: now}
}

func parseArgs(t *testing.T, args []arg) ([]*types.T, []types.Datum) {
	t.Helper()
	ts := make([]*types.T, len(args))
	ds := make([]types.Datum, len(args))
	for i, a := range args {
		ts[i] = a.t
		if a.v == "NULL" {
			ds[i] = types.DNull
			continue
		}
		d, err := types.ParseText(a.v, a.t, nil)
		if err != nil {
			t.Fatalf("parse %q as %s: %v", a.v, a.t, err)
		}
		ds[i] = d
	}
	return ts, ds
}

func render(ov *Overload, argTypes []*types.T, d types.Datum, err error) string {
	if err != nil {
		var pe *pgerr.Error
		if errors.As(err, &pe) {
			return "ERROR " + pe.Code + ": " + pe.Message
		}
		return "ERROR: " + err.Error()
	}
	if d == types.DNull {
		return "NULL"
	}
	return types.FormatText(d, ov.ReturnType(argTypes), nil)
}

// castArgs applies the casts the planner would insert.
func castArgs(from, to []*types.T, ds []types.Datum) error {
	for i := range ds {
		if ds[i] == types.DNull || from[i].Identical(to[i]) {
			continue
		}
		d, err := types.Cast(ds[i], from[i], to[i], nil)
		if err != nil {
			return err
		}
		ds[i] = d
	}
	return nil
}

func callFn(ctx *EvalContext, ov *Overload, ds []types.Datum) (types.Datum, error) {
	if !ov.CalledOnNull {
		for _, d := range ds {
			if d == types.DNull {
				return types.DNull, nil
			}
		}
	}
	return ov.Fn(ctx, ds)
}

func evalFunc(t *testing.T, name string, args []arg) string {
	t.Helper()
	ts, ds := parseArgs(t, args)
	_, ov, rt, err := ResolveFunc(name, ts)
	if err != nil {
		return render(nil, nil, nil, err)
	}
	if err := castArgs(ts, rt, ds); err != nil {
		return render(nil, nil, nil, err)
	}
	d, err := callFn(testCtx(), ov, ds)
	return render(ov, rt, d, err)
}

func evalOp(t *testing.T, op string, args []arg) string {
	t.Helper()
	ts, ds := parseArgs(t, args)
	var ov *Overload
	var err error
	if len(args) == 1 {
		ov, err = ResolveUnaryOp(op, ts[0])
	} else {
		ov, err = ResolveBinaryOp(op, ts[0], ts[1])
	}
	if err != nil {
		return render(nil, nil, nil, err)
	}
	if err := castArgs(ts, ov.Args, ds); err != nil {
		return render(nil, nil, nil, err)
	}
	d, err := callFn(testCtx(), ov, ds)
	return render(ov, ov.Args, d, err)
}

var (
	i2, i4, i8  = types.Int2, types.Int4, types.Int8
	f4, f8, num = types.Float4, types.Float8, types.Numeric
	txt, unk    = types.Text, types.Unknown
	ts, tz, dt  = types.Timestamp, types.TimestampTZ, types.Date
	iv, tm, jb  = types.Interval, types.Time, types.JSONB
)

func TestOperators(t *testing.T) {
	for _, c := range []struct {
		op   string
		args []arg
		want string
	}{
		{"/", []arg{A(i4, "7"), A(i4, "2")}, "3"},
		{"/", []arg{A(i4, "-7"), A(i4, "2")}, "-3"},
		{"%", []arg{A(i4, "7"), A(i4, "-3")}, "1"},
		{"/", []arg{A(i4, "1"), A(i4, "0")}, "ERROR 22012: division by zero"},
		{"%", []arg{A(i8, "1"), A(i8, "0")}, "ERROR 22012: division by zero"},
		{"+", []arg{A(i4, "2147483647"), A(i4, "1")}, "ERROR 22003: integer out of range"},
		{"*", []arg{A(i8, "9223372036854775807"), A(i8, "2")}, "ERROR 22003: bigint out of range"},
		{"+", []arg{A(i2, "32767"), A(i2, "1")}, "ERROR 22003: smallint out of range"},
		{"-", []arg{A(i4, "-2147483648")}, "ERROR 22003: integer out of range"},
		{"/", []arg{A(i4, "-2147483648"), A(i4, "-1")}, "ERROR 22003: integer out of range"},
		{"*", []arg{A(i8, "-4611686018427387904"), A(i8, "2")}, "-9223372036854775808"},
		{"+", []arg{A(i4, "1"), A(i8, "2")}, "3"},
		{"/", []arg{A(num, "10"), A(num, "3")}, "3.3333333333333333"},
		{"/", []arg{A(num, "1"), A(num, "3")}, "0.33333333333333333333"},
		{"/", []arg{A(num, "2"), A(num, "3.0")}, "0.66666666666666666667"},
		{"/", []arg{A(num, "100.50"), A(num, "7")}, "14.3571428571428571"},
		{"/", []arg{A(num, "1e20"), A(num, "7")}, "14285714285714285714"},
		{"/", []arg{A(num, "12345.678"), A(num, "0.001")}, "12345678.000000000000"},
		{"/", []arg{A(num, "1"), A(num, "0")}, "ERROR 22012: division by zero"},
		{"^", []arg{A(num, "2"), A(num, "3")}, "8.0000000000000000"},
		{"^", []arg{A(num, "1.5"), A(num, "2")}, "2.2500000000000000"},
		{"^", []arg{A(num, "2"), A(num, "0.5")}, "1.4142135623730950"},
		{"^", []arg{A(i4, "2"), A(i4, "3")}, "8"},
		{"+", []arg{A(num, "1.5"), A(i4, "1")}, "2.5"},
		{"*", []arg{A(num, "1.50"), A(num, "2.0")}, "3.000"},
		{"/", []arg{A(f8, "1"), A(f8, "0")}, "ERROR 22012: division by zero"},
		{"+", []arg{A(f8, "0.1"), A(f8, "0.2")}, "0.30000000000000004"},
		{"@", []arg{A(i4, "-5")}, "5"},
		{"=", []arg{A(i4, "1"), A(i8, "1")}, "t"},
		{"<", []arg{A(i2, "1"), A(f8, "1.5")}, "t"},
		{"=", []arg{A(num, "1.0"), A(i4, "1")}, "t"},
		{"=", []arg{A(types.BPChar, "ab  "), A(types.BPChar, "ab")}, "t"},
		{"<", []arg{A(txt, "B"), A(txt, "a")}, "t"},
		{"||", []arg{A(unk, "a"), A(unk, "b")}, "ab"},
		{"||", []arg{A(txt, "a"), A(i4, "1")}, "a1"},
		{"||", []arg{A(i4, "1"), A(txt, "a")}, "1a"},
		{"||", []arg{A(types.ArrayOf(i4), "{1,2}"), A(i4, "3")}, "{1,2,3}"},
		{"||", []arg{A(types.ArrayOf(i4), "{1,2}"), A(types.ArrayOf(i4), "{3}")}, "{1,2,3}"},
		{"~~", []arg{A(txt, "abc"), A(txt, "a%")}, "t"},
		{"~~", []arg{A(txt, "abc"), A(txt, "_b_")}, "t"},
		{"~~", []arg{A(txt, "abc"), A(txt, "a\\%")}, "f"},
		{"~~", []arg{A(txt, "a%"), A(txt, "a\\%")}, "t"},
		{"~~*", []arg{A(txt, "ABC"), A(txt, "a%c")}, "t"},
		{"!~~", []arg{A(txt, "abc"), A(txt, "%d")}, "t"},
		{"~~", []arg{A(txt, "abc"), A(txt, "ab\\")}, "ERROR 22025: LIKE pattern must not end with escape character"},
		{"~", []arg{A(txt, "foobar"), A(txt, "^foo")}, "t"},
		{"~*", []arg{A(txt, "FOOBAR"), A(txt, "bar$")}, "t"},
		{"!~", []arg{A(txt, "foobar"), A(txt, "baz")}, "t"},
		{"~", []arg{A(txt, "a b"), A(txt, "\\mb")}, "t"},
		{"+", []arg{A(dt, "2024-02-28"), A(i4, "2")}, "2024-03-01"},
		{"-", []arg{A(dt, "2024-03-01"), A(dt, "2024-02-01")}, "29"},
		{"+", []arg{A(dt, "2024-01-31"), A(iv, "1 month")}, "2024-02-29 00:00:00"},
		{"+", []arg{A(ts, "2024-01-31 10:00"), A(iv, "1 month 1 day 01:00")}, "2024-03-01 11:00:00"},
		{"-", []arg{A(ts, "2024-03-01"), A(ts, "2024-02-01 12:00")}, "28 days 12:00:00"},
		{"*", []arg{A(iv, "1 day 2 hours"), A(f8, "1.5")}, "1 day 15:00:00"},
		{"/", []arg{A(iv, "1 month"), A(f8, "3")}, "10 days"},
		{"+", []arg{A(tm, "23:00"), A(iv, "2 hours")}, "01:00:00"},
		{"-", []arg{A(iv, "1 day")}, "-1 days"},
		{"->>", []arg{A(jb, `{"a": {"b": 1}}`), A(txt, "a")}, `{"b": 1}`},
		{"->", []arg{A(jb, `[1, "x", null]`), A(i4, "-2")}, `"x"`},
		{"->>", []arg{A(jb, `[1, "x", null]`), A(i4, "2")}, `NULL`},
		{"#>>", []arg{A(jb, `{"a": [1, {"b": "c"}]}`), A(types.ArrayOf(txt), "{a,1,b}")}, `c`},
		{"@>", []arg{A(jb, `{"a": 1, "b": [1, 2]}`), A(jb, `{"b": [2]}`)}, "t"},
		{"@>", []arg{A(jb, `[1, 2, 3]`), A(jb, `3`)}, "t"},
		{"?", []arg{A(jb, `{"a": 1}`), A(txt, "a")}, "t"},
		{"?|", []arg{A(jb, `{"a": 1}`), A(types.ArrayOf(txt), "{b,a}")}, "t"},
		{"?&", []arg{A(jb, `{"a": 1}`), A(types.ArrayOf(txt), "{b,a}")}, "f"},
		{"@>", []arg{A(types.ArrayOf(i4), "{1,2,3}"), A(types.ArrayOf(i4), "{3,1}")}, "t"},
		{"&&", []arg{A(types.ArrayOf(i4), "{1,2}"), A(types.ArrayOf(i4), "{3,4}")}, "f"},
		{"=", []arg{A(types.ArrayOf(i4), "{1,2}"), A(types.ArrayOf(i4), "{1,2}")}, "t"},
		{"+", []arg{A(i4, "1"), A(txt, "a")}, "ERROR 42883: operator does not exist: integer + text"},
	} {
		if got := evalOp(t, c.op, c.args); got != c.want {
			t.Errorf("%s %v: got %q, want %q", c.op, c.args, got, c.want)
		}
	}
}
