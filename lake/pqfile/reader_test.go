package pqfile

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/types"
)

// TestReadModes reads one file concurrently through a shared Reader in
// each way a read can go: inline on the caller's goroutine, with
// read-ahead, and with read-ahead and column-parallel decoding; and
// closes read-ahead iterators early.
func TestReadModes(t *testing.T) {
	cols := []catalog.Column{{ID: 1, Name: "a", Type: types.Int8}, {ID: 2, Name: "b", Type: types.Text}}
	var rows []types.Row
	for i := range 2000 {
		rows = append(rows, types.Row{types.DInt(i), types.DString(strings.Repeat("y", i%7))})
	}
	data, _ := writeFile(t, cols, WriterOptions{RowGroupRows: 300}, func(w *Writer) error { return w.WriteRows(rows) })
	ctx := context.Background()
	for _, tc := range []struct {
		name                   string
		inlineMax, parallelMin int64
		wantReadAhead          bool
	}{
		{"inline", inlineMaxRows, parallelMinRows, false},
		{"read-ahead", 1, parallelMinRows, true},
		{"read-ahead parallel", 1, 1, true},
		{"inline parallel", inlineMaxRows, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := OpenReader(bytes.NewReader(data), int64(len(data)), cols)
			if err != nil {
				t.Fatal(err)
			}
			r.rs.inlineMaxRows, r.rs.parallelMinRows = tc.inlineMax, tc.parallelMin
			groups := make([]int, len(r.RowGroups()))
			for g := range groups {
				groups[g] = g
			}
			var wg sync.WaitGroup
			for w := range 4 {
				wg.Go(func() {
					it, err := r.Read(ctx, groups, []uint32{2, 1}, 128)
					if err != nil {
						t.Error(err)
						return
					}
					defer it.Close()
					if got := it.(*recordIter).ch != nil; got != tc.wantReadAhead {
						t.Errorf("read-ahead %v, want %v", got, tc.wantReadAhead)
					}
					var n int64
					for {
						rec, pos, err := it.Next(ctx)
						if err != nil {
							t.Error(err)
							return
						}
						if rec == nil {
							break
						}
						got, err := AppendRows(nil, rec, []*types.T{types.Text, types.Int8})
						rec.Release()
						if err != nil {
							t.Error(err)
							return
						}
						for i, row := range got {
							if p := pos + int64(i); p != n || row[1] != rows[p][0] || row[0] != rows[p][1] {
								t.Errorf("row %d at %d: %v", n, p, row)
								return
							}
							n++
						}
						if w%2 == 1 && n >= 600 {
							return // closed early, mid-file
						}
					}
					if n != int64(len(rows)) {
						t.Errorf("read %d rows", n)
					}
				})
			}
			wg.Wait()
		})
	}
}
