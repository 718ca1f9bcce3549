package lake

import (
	"fmt"
	"testing"

	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/txn"
)

// BenchmarkLake loads 1M rows through one Appender (direct write) and
// scans them back, all columns and none (count(*)).
func BenchmarkLake(b *testing.B) {
	const n = 1 << 20
	rows := make([]types.Row, 0, 4096)
	for b.Loop() {
		e := newEnv(b, Options{})
		d := testDesc(200, "")
		tx := e.begin(txn.ReadCommitted)
		ap := e.table(d).NewAppender(tx)
		for i := 0; i < n; i++ {
			rows = append(rows, types.Row{types.DInt(i), types.DString(fmt.Sprintf("row %d", i%1000)), types.DNull})
			if len(rows) == cap(rows) {
				must(b, ap.Append(ctx, rows))
				rows = rows[:0]
			}
		}
		_, err := ap.Close(ctx)
		must(b, err)
		must(b, tx.Commit(ctx))
		for _, needed := range [][]bool{nil, {false, false, false}} {
			tx := e.begin(txn.ReadCommitted)
			sc, err := e.table(d).Scan(ctx, tx, ScanSpec{Needed: needed})
			must(b, err)
			var got int64
			for {
				rec, err := sc.Next(ctx)
				must(b, err)
				if rec == nil {
					break
				}
				got += rec.NumRows()
				rec.Release()
			}
			sc.Close()
			tx.Rollback()
			if got != n {
				b.Fatalf("scanned %d rows", got)
			}
		}
	}
}
