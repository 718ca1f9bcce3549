package builtins

import (
	"testing"

	"github.com/conflux-db/conflux/sql/types"
)

func runAgg(t *testing.T, name string, at *types.T, vals []string) string {
	t.Helper()
	_, ov, rt, err := ResolveFunc(name, []*types.T{at})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	st := ov.Agg(rt)
	ctx := testCtx()
	for _, v := range vals {
		_, ds := parseArgs(t, []arg{A(at, v)})
		if err := castArgs([]*types.T{at}, rt, ds); err != nil {
			t.Fatal(err)
		}
		if err := st.Add(ctx, ds); err != nil {
			return render(nil, nil, nil, err)
		}
	}
	d, err := st.Result(ctx)
	return render(ov, rt, d, err)
}

func TestAggregates(t *testing.T) {
	ints := []string{"1", "2", "NULL", "4"}
	for _, c := range []struct {
		fn   string
		t    *types.T
		vals []string
		want string
	}{
		{"count", i4, ints, "3"},
		{"sum", i4, ints, "7"},
		{"sum", i8, []string{"9223372036854775807", "1"}, "9223372036854775808"},
		{"sum", i4, []string{"NULL"}, "NULL"},
		{"avg", i4, ints, "2.3333333333333333"},
		{"avg", num, []string{"1.50", "2.25"}, "1.8750000000000000"},
		{"avg", f8, []string{"1", "2"}, "1.5"},
		{"stddev", i4, ints, "1.5275252316519467"},
		{"variance", i4, ints, "2.3333333333333333"},
		{"stddev_pop", f8, ints, "1.247219128924647"},
		{"var_samp", f8, ints, "2.3333333333333335"},
		{"variance", num, []string{"1.5", "2.25"}, "0.28125000000000000000"},
		{"variance", i4, []string{"1"}, "NULL"},
		{"min", txt, []string{"b", "a", "NULL"}, "a"},
		{"max", dt, []string{"2024-01-01", "2025-01-01"}, "2025-01-01"},
		{"bool_and", types.Bool, []string{"t", "NULL", "f"}, "f"},
		{"array_agg", i4, ints, "{1,2,NULL,4}"},
		{"bit_or", i4, []string{"1", "4"}, "5"},
		{"jsonb_agg", i4, ints, "[1, 2, null, 4]"},
		{"sum", iv, []string{"1 day", "2 hours"}, "1 day 02:00:00"},
		{"avg", iv, []string{"1 day", "2 days"}, "1 day 12:00:00"},
	} {
		if got := runAgg(t, c.fn, c.t, c.vals); got != c.want {
			t.Errorf("%s(%s): got %q, want %q", c.fn, c.t, got, c.want)
		}
	}
}

func TestWindowFuncs(t *testing.T) {
	// Partition of 5 rows ordered by a key with peers {0,1} {2} {3,4}.
	w := &WindowFrame{
		PeerStart:  []int{0, 0, 2, 3, 3},
		PeerEnd:    []int{2, 2, 3, 5, 5},
		FrameStart: []int{0, 0, 0, 0, 0},
		FrameEnd:   []int{2, 2, 3, 5, 5},
	}
	get := func(name string, argTypes []*types.T) []string {
		w.Args = nil
		for i := 0; i < 5; i++ {
			row := []types.Datum{types.DInt(10 * (i + 1)), types.DInt(2), types.DInt(-1)}
			if name == "ntile" {
				row[0] = types.DInt(3)
			}
			w.Args = append(w.Args, row[:len(argTypes)])
		}
		_, ov, rt, err := ResolveFunc(name, argTypes)
		if err != nil {
			t.Fatal(err)
		}
		fn := ov.Window(rt)
		var out []string
		for i := 0; i < 5; i++ {
			d, err := fn.Compute(testCtx(), w, i)
			out = append(out, render(ov, rt, d, err))
		}
		return out
	}
	for _, c := range []struct {
		name string
		args []*types.T
		want string
	}{
		{"row_number", nil, "[1 2 3 4 5]"},
		{"rank", nil, "[1 1 3 4 4]"},
		{"dense_rank", nil, "[1 1 2 3 3]"},
		{"percent_rank", nil, "[0 0 0.5 0.75 0.75]"},
		{"cume_dist", nil, "[0.4 0.4 0.6 1 1]"},
		{"ntile", []*types.T{i4}, "[1 1 2 2 3]"},
		{"lag", []*types.T{i4}, "[NULL 10 20 30 40]"},
		{"lead", []*types.T{i4, i4, i4}, "[30 40 50 -1 -1]"},
		{"first_value", []*types.T{i4}, "[10 10 10 10 10]"},
		{"last_value", []*types.T{i4}, "[20 20 30 50 50]"},
		{"nth_value", []*types.T{i4, i4}, "[20 20 20 20 20]"},
	} {
		if got := fmtList(get(c.name, c.args)); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
}

func fmtList(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}

func TestGenerators(t *testing.T) {
	for _, c := range []struct {
		fn   string
		args []arg
		want string
	}{
		{"generate_series", []arg{A(i4, "1"), A(i4, "3")}, "[1 2 3]"},
		{"generate_series", []arg{A(i4, "5"), A(i4, "1"), A(i4, "-2")}, "[5 3 1]"},
		{"generate_series", []arg{A(num, "0.5"), A(num, "2"), A(num, "0.5")}, "[0.5 1.0 1.5 2.0]"},
		{"generate_series", []arg{A(ts, "2024-01-31"), A(ts, "2024-04-30"), A(iv, "1 month")}, "[2024-01-31 00:00:00 2024-02-29 00:00:00 2024-03-29 00:00:00 2024-04-29 00:00:00]"},
		{"unnest", []arg{A(types.ArrayOf(txt), "{a,NULL}")}, "[a NULL]"},
		{"generate_subscripts", []arg{A(types.ArrayOf(txt), "{a,b}"), A(i4, "1")}, "[1 2]"},
		{"regexp_matches", []arg{A(txt, "abab"), A(txt, "(a)(b)"), A(txt, "g")}, "[{a,b} {a,b}]"},
		{"jsonb_array_elements_text", []arg{A(jb, `[1,"x",null]`)}, "[1 x NULL]"},
		{"jsonb_object_keys", []arg{A(jb, `{"bb":1,"a":2}`)}, "[a bb]"},
		{"generate_series", []arg{A(i4, "1"), A(i4, "3"), A(i4, "0")}, "ERROR 22023: step size cannot equal zero"},
	} {
		ts, ds := parseArgs(t, c.args)
		_, ov, rt, err := ResolveFunc(c.fn, ts)
		if err != nil {
			t.Fatal(err)
		}
		g, err := ov.Gen(testCtx(), ds)
		var out []string
		for err == nil {
			var row types.Row
			var ok bool
			row, ok, err = g.Next(testCtx())
			if !ok || err != nil {
				break
			}
			out = append(out, render(ov, rt, row[0], nil))
		}
		got := fmtList(out)
		if err != nil {
			got = render(nil, nil, nil, err)
		}
		if got != c.want {
			t.Errorf("%s: got %s, want %s", c.fn, got, c.want)
		}
	}
}
