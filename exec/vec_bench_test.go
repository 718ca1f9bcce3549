package exec_test

import (
	"context"
	"testing"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/exec"
	"github.com/conflux-db/conflux/rowstore"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/txn"
)

// BenchmarkVecGroupBy compares the row engine with the vectorized
// pipeline on SELECT k, count(*), sum(v) FROM t WHERE v > 10 GROUP BY k
// over 1M in-memory rows (100 groups).
func BenchmarkVecGroupBy(b *testing.B) {
	ctx := context.Background()
	h := newVecHarness(b)
	tbl := &catalog.Table{ID: 300, SchemaID: catalog.PublicSchemaID, Name: "big", Kind: catalog.KindTable,
		Columns: []catalog.Column{{ID: 1, Name: "id", Type: types.Int8, NotNull: true}, {ID: 2, Name: "k", Type: types.Int4}, {ID: 3, Name: "v", Type: types.Int4}},
		Primary: catalog.Index{ID: 1, Name: "big_pkey", ColumnIDs: []uint32{1}, Unique: true, Primary: true}}
	schemas := []*catalog.Schema{{ID: catalog.PublicSchemaID, Name: "public"}, {ID: catalog.PgCatalogSchemaID, Name: "pg_catalog"}}
	h.cat = catalog.NewSnapshot(schemas, []*catalog.Table{tbl}, nil, nil, nil)
	rt := rowstore.For(tbl)
	const n = 1_000_000
	for start := 0; start < n; start += 50_000 {
		tx := h.db.Begin(txn.Options{})
		for i := start; i < start+50_000; i++ {
			if err := rt.Insert(ctx, tx, types.Row{types.DInt(i), types.DInt(i % 100), types.DInt(i % 1000)}); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
	}
	const q = "SELECT k, count(*), sum(v) FROM big WHERE v > 10 GROUP BY k"
	p, err := h.plan(q)
	if err != nil {
		b.Fatal(err)
	}
	for _, mode := range []struct {
		name    string
		rowOnly bool
	}{{"row", true}, {"vectorized", false}} {
		b.Run(mode.name, func(b *testing.B) {
			for b.Loop() {
				tx := h.db.Begin(txn.Options{})
				r, err := exec.Run(ctx, p, exec.Runtime{Txn: tx, RowOnly: mode.rowOnly})
				if err != nil {
					b.Fatal(err)
				}
				rows, err := r.All(ctx)
				if err != nil || len(rows) != 100 {
					b.Fatal(err, len(rows))
				}
				tx.Rollback()
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
		})
	}
}
