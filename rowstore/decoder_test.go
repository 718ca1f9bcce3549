package rowstore

import (
	"testing"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/types"
)

// TestDecoderColumns decodes one stored row through decoders for every
// column (nil and all-true needed share the table's RowDecoder), a
// subset, and a table with a dropped column (stored order differs from
// the row's), over more rows than one slab holds.
func TestDecoderColumns(t *testing.T) {
	plain := rowidTable()
	dropped := rowidTable()
	dropped.Columns = append([]catalog.Column(nil), dropped.Columns...)
	dropped.Columns[1].Dropped = true
	tests := []struct {
		name   string
		tab    *catalog.Table
		needed []bool
		want   types.Row
	}{
		{"all nil", plain, nil, types.Row{types.DInt(7), types.DString("x"), types.DInt(9)}},
		{"all true", plain, []bool{true, true, true}, types.Row{types.DInt(7), types.DString("x"), types.DInt(9)}},
		{"subset", plain, []bool{false, true, false}, types.Row{types.DNull, types.DString("x"), types.DNull}},
		{"dropped nil", dropped, nil, types.Row{types.DInt(7), types.DNull, types.DInt(9)}},
		{"dropped subset", dropped, []bool{false, false, true}, types.Row{types.DNull, types.DNull, types.DInt(9)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt := For(tc.tab)
			v, err := rt.encodeValue(nil, types.Row{types.DInt(7), types.DString("x"), types.DInt(9)})
			if err != nil {
				t.Fatal(err)
			}
			dec := rt.NewDecoder(tc.needed)
			var rows []types.Row
			for range 3 * decoderSlabRows {
				row, err := dec.Decode(v)
				if err != nil {
					t.Fatal(err)
				}
				rows = append(rows, row)
			}
			for i, row := range rows { // earlier rows survive later decodes
				if len(row) != len(tc.want) {
					t.Fatalf("row %d: %v, want %v", i, row, tc.want)
				}
				for j := range row {
					if types.Compare(row[j], tc.want[j]) != 0 || (row[j] == types.DNull) != (tc.want[j] == types.DNull) {
						t.Fatalf("row %d: %v, want %v", i, row, tc.want)
					}
				}
			}
			if tc.needed == nil && rt.NewDecoder([]bool{true, true, true}).rd != dec.rd {
				t.Error("all-column decoders do not share the table's RowDecoder")
			}
		})
	}
}

// BenchmarkDMLDecoder is what a DML statement does per execution: build
// an all-column decoder and decode the one row it changes.
func BenchmarkDMLDecoder(b *testing.B) {
	rt := For(rowidTable())
	v, err := rt.encodeValue(nil, types.Row{types.DInt(7), types.DString("x"), types.DInt(9)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := rt.NewDecoder(nil).Decode(v); err != nil {
			b.Fatal(err)
		}
	}
}
