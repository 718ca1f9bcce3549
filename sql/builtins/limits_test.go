package builtins

import (
	"strings"
	"testing"

	"github.com/conflux-db/conflux/sql/types"
)

// TestValueSizeLimits: functions whose output size the client chooses
// fail with PostgreSQL's 54000 before allocating past the 1 GB value
// limit. Found by sql's FuzzSQL (lpad('x', 2000000000) allocated ~10 GB
// and the process was killed).
func TestValueSizeLimits(t *testing.T) {
	tooLarge := "ERROR 54000: requested length too large"
	for _, c := range []struct {
		fn   string
		args []arg
		want string
	}{
		{"lpad", []arg{A(txt, "x"), A(i4, "2000000000")}, tooLarge},
		{"rpad", []arg{A(txt, "x"), A(i4, "2000000000"), A(txt, "ab")}, tooLarge},
		{"lpad", []arg{A(txt, "x"), A(i4, "3"), A(txt, "ab")}, "abx"},
		{"repeat", []arg{A(txt, "ab"), A(i4, "1000000000")}, tooLarge},
		{"replace", []arg{A(txt, strings.Repeat("a", 1000000)), A(txt, "a"), A(txt, strings.Repeat("b", 2000))}, tooLarge},
		{"replace", []arg{A(txt, "aXa"), A(txt, "a"), A(txt, "bb")}, "bbXbb"},
		{"format", []arg{A(txt, "%*s"), A(i4, "-2147483648"), A(txt, "x")}, tooLarge},
		{"format", []arg{A(txt, "%*s|"), A(i4, "-3"), A(txt, "x")}, "x  |"},
	} {
		if got := evalFunc(t, c.fn, c.args); got != c.want {
			t.Errorf("%s: got %q, want %q", c.fn, got, c.want)
		}
	}
	if testing.Short() {
		return // the string_agg case below really builds 1 GB
	}
	big := strings.Repeat("x", 1<<20)
	vals := make([]string, 1100)
	for i := range vals {
		vals[i] = big
	}
	if got := runAgg2(t, "string_agg", vals, ""); !strings.HasPrefix(got, "ERROR 53200") {
		t.Errorf("string_agg past 1 GB: got %.60q", got)
	}
}

// runAgg2 runs a two-argument text aggregate (string_agg) over vals.
func runAgg2(t *testing.T, name string, vals []string, sep string) string {
	t.Helper()
	at := []*types.T{types.Text, types.Text}
	_, ov, rt, err := ResolveFunc(name, at)
	if err != nil {
		t.Fatal(err)
	}
	st := ov.Agg(rt)
	ctx := testCtx()
	for _, v := range vals {
		if err := st.Add(ctx, []types.Datum{types.DString(v), types.DString(sep)}); err != nil {
			return render(nil, nil, nil, err)
		}
	}
	d, err := st.Result(ctx)
	return render(ov, rt, d, err)
}

func TestPad(t *testing.T) {
	for _, c := range []struct {
		s, fill string
		n       int64
		left    bool
		want    string
	}{
		{"hi", "ab", 5, true, "abahi"},
		{"hi", "ab", 5, false, "hiaba"},
		{"hello", "x", 3, true, "hel"},
		{"héllo", "x", 2, false, "hé"},
		{"é", "éü", 4, true, "éüéé"},
		{"é", "éü", 4, false, "ééüé"},
		{"x", "", 5, true, "x"},
		{"x", "ab", 0, true, ""},
		{"x", "ab", -3, true, ""},
		{"ab", "z", 2, true, "ab"},
	} {
		got, err := padString(c.s, c.n, c.fill, c.left)
		if err != nil || got != c.want {
			t.Errorf("pad(%q, %d, %q, left=%v) = %q, %v; want %q", c.s, c.n, c.fill, c.left, got, err, c.want)
		}
	}
}
