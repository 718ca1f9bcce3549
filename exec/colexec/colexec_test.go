package colexec

import (
	"math"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/conflux-db/conflux/sql/types"
)

func dec(t *testing.T, s string) types.Datum {
	t.Helper()
	d, err := types.ParseText(s, types.Numeric.WithTypmod(types.NumericTypmod(12, 2)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestRoundTrip converts rows of every supported type to a batch and back
// and checks that no Arrow buffer leaks.
func TestRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	typs := []*types.T{types.Bool, types.Int2, types.Int4, types.Int8, types.Float4, types.Float8, types.Text,
		types.Varchar.WithTypmod(14), types.Date, types.Timestamp, types.TimestampTZ, types.Numeric.WithTypmod(types.NumericTypmod(12, 2))}
	rows := []types.Row{
		{types.DBool(true), types.DInt(-3), types.DInt(math.MaxInt32), types.DInt(math.MinInt64), types.DFloat(1.5), types.DFloat(math.NaN()),
			types.DString("héllo"), types.DString(""), types.DDate(math.MaxInt32), types.DTimestamp(-1), types.DTimestampTZ(1e15), dec(t, "-12.34")},
		make(types.Row, len(typs)),
		{types.DBool(false), types.DInt(0), types.DInt(0), types.DInt(0), types.DFloat(math.Inf(-1)), types.DFloat(0),
			types.DString("x"), types.DString("y"), types.DDate(0), types.DTimestamp(0), types.DTimestampTZ(0), dec(t, "NaN")},
	}
	for i := range rows[1] {
		rows[1][i] = types.DNull
	}
	b, err := BatchFromRows(mem, typs, rows)
	if err != nil {
		t.Fatal(err)
	}
	got := b.AppendRows(nil)
	b.Release()
	for i := range rows {
		for j := range rows[i] {
			w, g := rows[i][j], got[i][j]
			if types.Compare(w, g) != 0 || reflect.TypeOf(w) != reflect.TypeOf(g) {
				t.Errorf("row %d col %d: got %v, want %v", i, j, g, w)
			}
			if wd, ok := w.(*types.DDecimal); ok && wd.String() != g.(*types.DDecimal).String() {
				t.Errorf("numeric text: got %s, want %s", g.(*types.DDecimal).String(), wd.String())
			}
		}
	}
}

func TestFloatKeyOrder(t *testing.T) {
	vals := []float64{math.Inf(-1), -1e300, -1, -math.SmallestNonzeroFloat64, 0, math.SmallestNonzeroFloat64, 1, math.Inf(1), math.NaN()}
	for i := 1; i < len(vals); i++ {
		if floatKey(vals[i-1]) >= floatKey(vals[i]) {
			t.Errorf("key(%v) >= key(%v)", vals[i-1], vals[i])
		}
	}
	if floatKey(math.Copysign(0, -1)) != floatKey(0) || floatKey(math.NaN()) != floatKey(-math.NaN()) {
		t.Error("-0 and 0, or two NaNs, differ")
	}
}

func TestIntArithOverflow(t *testing.T) {
	cases := []struct {
		op    byte
		x, y  int64
		width int
		ok    bool
	}{
		{'+', math.MaxInt32, 1, 32, false},
		{'+', math.MaxInt32 - 1, 1, 32, true},
		{'-', math.MinInt64, 1, 64, false},
		{'*', math.MinInt64, -1, 64, false},
		{'*', -1, math.MinInt64, 64, false},
		{'*', 1 << 32, 1 << 31, 64, false},
		{'*', 181, 181, 16, true},
		{'*', 182, 182, 16, false},
		{'*', 0, math.MinInt64, 64, true},
	}
	for _, c := range cases {
		if _, ok := intArith(c.op, c.x, c.y, c.width); ok != c.ok {
			t.Errorf("%d %c %d (int%d): ok=%v, want %v", c.x, c.op, c.y, c.width/8, ok, c.ok)
		}
	}
}
