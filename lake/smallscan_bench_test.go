package lake

import (
	"fmt"
	"testing"

	"github.com/conflux-db/conflux/txn"
)

// BenchmarkSmallScan measures the fixed per-scan costs of a lake table
// made of many small files (30 files, 990 rows), the shape the
// sqllogictest lake mode produces: manifest decoding, reader setup and
// goroutine handoffs, not column decoding, dominate.
func BenchmarkSmallScan(b *testing.B) {
	const files, perFile = 30, 33
	e := newEnv(b, Options{DirectWriteRows: 1})
	d := testDesc(300, "")
	for f := range files {
		e.commitInsert(d, f*perFile, (f+1)*perFile, func(a int) string { return fmt.Sprintf("row %d", a) })
	}
	for _, bc := range []struct {
		name   string
		needed []bool
	}{{"all", nil}, {"a", []bool{true, false, false}}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tx := e.begin(txn.ReadCommitted)
				sc, err := e.table(d).Scan(ctx, tx, ScanSpec{Needed: bc.needed})
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
				if got != files*perFile {
					b.Fatalf("scanned %d rows", got)
				}
			}
		})
	}
}
