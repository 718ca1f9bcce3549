package colexec

import (
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/conflux-db/conflux/sql/types"
)

// sliceRows is a RowOperator over fixed rows, returned step at a time.
type sliceRows struct {
	rows         []types.Row
	step, pos    int
	opens, close int
}

func (s *sliceRows) Open(*Env) error { s.pos = 0; s.opens++; return nil }
func (s *sliceRows) NextRows(*Env) ([]types.Row, error) {
	end := min(s.pos+s.step, len(s.rows))
	out := s.rows[s.pos:end]
	s.pos = end
	return out, nil
}
func (s *sliceRows) Close() { s.close++ }

func TestFromRows(t *testing.T) {
	typs := []*types.T{types.Int8, types.Text}
	for _, tc := range []struct{ n, step int }{{0, 7}, {1, 1}, {BatchSize, 100}, {2*BatchSize + 5, 3000}, {3000, 1}} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		var rows []types.Row
		for i := range tc.n {
			s := types.Datum(types.DString("v"))
			if i%3 == 0 {
				s = types.DNull
			}
			rows = append(rows, types.Row{types.DInt(i), s})
		}
		src := &sliceRows{rows: rows, step: tc.step}
		op, specs, ok := NewFromRows(mem, typs, src)
		if !ok || specs.Fallible() {
			t.Fatalf("NewFromRows: ok=%v fallible=%v", ok, specs.Fallible())
		}
		env := &Env{}
		if err := op.Open(env); err != nil {
			t.Fatal(err)
		}
		var got []types.Row
		for {
			b, err := op.Next(env)
			if err != nil {
				t.Fatal(err)
			}
			if b == nil {
				break
			}
			if b.Len() == 0 || b.Len() > BatchSize {
				t.Errorf("n=%d: batch of %d rows", tc.n, b.Len())
			}
			got = b.AppendRows(got)
			b.Release()
		}
		op.Close()
		if len(got) != len(rows) {
			t.Fatalf("n=%d step=%d: got %d rows", tc.n, tc.step, len(got))
		}
		for i := range rows {
			if types.Compare(got[i][0], rows[i][0]) != 0 || types.Compare(got[i][1], rows[i][1]) != 0 {
				t.Fatalf("row %d: got %v, want %v", i, got[i], rows[i])
			}
		}
		if src.opens != 1 || src.close != 1 {
			t.Errorf("opens=%d closes=%d", src.opens, src.close)
		}
		mem.AssertSize(t, 0)
	}
}

func TestFromRowsTypes(t *testing.T) {
	mem := memory.NewGoAllocator()
	if _, _, ok := NewFromRows(mem, []*types.T{types.Int8, types.Bytea}, &sliceRows{}); ok {
		t.Error("bytea has no batch representation")
	}
	num := types.Numeric.WithTypmod(types.NumericTypmod(12, 2))
	// A value with more fraction digits than the column's scale does not
	// fit the scaled form: the pipeline falls back to rows.
	wide, err := types.ParseText("1.125", types.Numeric, nil)
	if err != nil {
		t.Fatal(err)
	}
	op, specs, ok := NewFromRows(mem, []*types.T{num}, &sliceRows{rows: []types.Row{{wide}}, step: 1})
	if !ok || !specs.Fallible() {
		t.Fatalf("numeric: ok=%v fallible=%v", ok, specs.Fallible())
	}
	env := &Env{}
	if err := op.Open(env); err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	if _, err := op.Next(env); !errors.Is(err, ErrFallback) {
		t.Errorf("got %v, want ErrFallback", err)
	}
	// A datum of the wrong Go type is an error, not a crash.
	op, _, _ = NewFromRows(mem, []*types.T{types.Int8}, &sliceRows{rows: []types.Row{{types.DString("x")}}, step: 1})
	if err := op.Open(env); err != nil {
		t.Fatal(err)
	}
	defer op.Close()
	if _, err := op.Next(env); err == nil || errors.Is(err, ErrFallback) {
		t.Errorf("got %v, want an internal error", err)
	}
}
