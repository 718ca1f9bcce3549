package lake

import (
	"testing"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/txn"
)

// TestOptimizeFlushesInlined: OPTIMIZE (VACUUM FULL) leaves no inlined
// rows, whatever the flush thresholds; found by the sqllogictest lake mode,
// where queries after VACUUM FULL still read inlined rows.
func TestOptimizeFlushesInlined(t *testing.T) {
	e := newEnv(t, Options{DirectWriteRows: 3})
	d := testDesc(120, "")
	e.commitInsert(d, 0, 2, bX) // inlined
	e.commitInsert(d, 2, 5, bX) // a file
	e.commitInsert(d, 5, 6, bX) // inlined
	must(t, e.s.Optimize(ctx, d, nil))
	n, _, err := e.s.inlineStats(ctx, e.table(d))
	must(t, err)
	tx := e.begin(txn.ReadCommitted)
	defer tx.Rollback()
	files, err := e.table(d).manifest(ctx, tx, nil, nil)
	must(t, err)
	if n != 0 || len(files) != 1 || files[0].Rows != 6 {
		t.Fatalf("after OPTIMIZE: %d inlined rows, %d files (%+v), want 0 and one file of 6 rows", n, len(files), files)
	}
	e.expectNow(d, "0|x 1|x 2|x 3|x 4|x 5|x")
}

// TestAppendNotNull: the appender enforces NOT NULL on inlined and direct
// writes alike (23502, PostgreSQL's message), so no writer can store a NULL
// in a NOT NULL column of a lake table.
func TestAppendNotNull(t *testing.T) {
	d := testDesc(121, "")
	d.Columns[1].NotNull = true
	for _, tc := range []struct {
		name string
		rows int
	}{{"inline", 1}, {"direct", 4}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, Options{DirectWriteRows: 3})
			tx := e.begin(txn.ReadCommitted)
			defer tx.Rollback()
			ap := e.table(d).NewAppender(tx)
			defer ap.Abort()
			var rows []types.Row
			for i := 0; i < tc.rows; i++ {
				rows = append(rows, types.Row{types.DInt(i), types.DNull, types.DNull})
			}
			err := ap.Append(ctx, rows)
			if err == nil {
				_, err = ap.Close(ctx)
			}
			pe, ok := err.(*pgerr.Error)
			if !ok || pe.Code != pgerr.NotNullViolation ||
				pe.Message != `null value in column "b" of relation "t121" violates not-null constraint` || pe.Detail != "Failing row contains (0, null)." {
				t.Fatalf("got %v, want a 23502 not-null violation on b", err)
			}
		})
	}
}
