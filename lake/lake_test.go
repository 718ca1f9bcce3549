package lake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/lake/objstore"
	"github.com/conflux-db/conflux/lake/pqfile"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/storage"
	"github.com/conflux-db/conflux/txn"
)

var ctx = context.Background()

type env struct {
	t   testing.TB
	db  *txn.DB
	obj objstore.Store
	s   *Store
}

func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	e, err := storage.Open(ctx, "", storage.Options{InMemory: true})
	must(t, err)
	t.Cleanup(func() { e.Close() })
	db, err := txn.Open(ctx, e)
	must(t, err)
	obj := objstore.NewMemory()
	return &env{t: t, db: db, obj: obj, s: New(db, obj, opts)}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// testDesc is a lake table (a int8, b text, hidden lake_rowid), optionally
// partitioned.
func testDesc(id catalog.ID, partitionBy string) *catalog.Table {
	d := &catalog.Table{
		ID: id, Name: fmt.Sprintf("t%d", id), Kind: catalog.KindTable,
		Columns: []catalog.Column{
			{ID: 1, Name: "a", Type: types.Int8},
			{ID: 2, Name: "b", Type: types.Text},
			{ID: 3, Name: catalog.LakeRowIDColumn, Type: types.Bytea, Hidden: true},
		},
		Options: map[string]string{"format": "lake"},
	}
	if partitionBy != "" {
		d.Options["partition_by"] = partitionBy
	}
	return d
}

func (e *env) table(d *catalog.Table) *Table {
	tb, err := e.s.Table(d)
	must(e.t, err)
	return tb
}

func (e *env) begin(iso txn.Isolation) *txn.Txn {
	return e.db.Begin(txn.Options{Isolation: iso})
}

func row(a int, b string) types.Row {
	return types.Row{types.DInt(a), types.DString(b), types.DNull}
}

// insert appends rows a=lo..hi-1, b=bFor(a) in tx.
func (e *env) insert(d *catalog.Table, tx *txn.Txn, lo, hi int, bFor func(int) string) {
	e.t.Helper()
	ap := e.table(d).NewAppender(tx)
	var rows []types.Row
	for a := lo; a < hi; a++ {
		rows = append(rows, row(a, bFor(a)))
	}
	must(e.t, ap.Append(ctx, rows))
	n, err := ap.Close(ctx)
	must(e.t, err)
	if n != int64(hi-lo) {
		e.t.Fatalf("inserted %d rows, want %d", n, hi-lo)
	}
}

func (e *env) commitInsert(d *catalog.Table, lo, hi int, bFor func(int) string) {
	e.t.Helper()
	tx := e.begin(txn.ReadCommitted)
	e.insert(d, tx, lo, hi, bFor)
	must(e.t, tx.Commit(ctx))
}

func bX(int) string { return "x" }

// scanned is one row read back: "a|b" and its locator.
type scanned struct {
	text string
	loc  Locator
}

func (e *env) scan(d *catalog.Table, tx *txn.Txn, ranges ...pqfile.Range) []scanned {
	e.t.Helper()
	sc, err := e.table(d).Scan(ctx, tx, ScanSpec{Ranges: ranges, Locators: true, BatchRows: 7})
	must(e.t, err)
	defer sc.Close()
	var out []scanned
	for {
		rec, err := sc.Next(ctx)
		must(e.t, err)
		if rec == nil {
			break
		}
		rows, err := pqfile.AppendRows(nil, rec, []*types.T{types.Int8, types.Text, types.Bytea})
		must(e.t, err)
		for _, r := range rows {
			out = append(out, scanned{
				text: fmt.Sprintf("%d|%s", r[0].(types.DInt), r[1].(types.DString)),
				loc:  Locator(r[2].(types.DBytes)),
			})
		}
		rec.Release()
	}
	slices.SortFunc(out, func(x, y scanned) int { return strings.Compare(x.text, y.text) })
	return out
}

func texts(rows []scanned) string {
	var s []string
	for _, r := range rows {
		s = append(s, r.text)
	}
	return strings.Join(s, " ")
}

func (e *env) find(rows []scanned, text string) Locator {
	e.t.Helper()
	for _, r := range rows {
		if r.text == text {
			return r.loc
		}
	}
	e.t.Fatalf("row %s not found", text)
	return nil
}

// without removes one row from a texts() string.
func without(all, text string) string {
	return strings.Join(slices.DeleteFunc(strings.Fields(all), func(s string) bool { return s == text }), " ")
}

func sortedWords(s string) string {
	w := strings.Fields(s)
	slices.Sort(w)
	return strings.Join(w, " ")
}

func (e *env) expect(d *catalog.Table, tx *txn.Txn, want string) {
	e.t.Helper()
	want = sortedWords(want)
	if got := texts(e.scan(d, tx)); got != want {
		e.t.Fatalf("scan:\n got %q\nwant %q", got, want)
	}
}

func (e *env) expectNow(d *catalog.Table, want string) {
	e.t.Helper()
	tx := e.begin(txn.RepeatableRead)
	defer tx.Rollback()
	e.expect(d, tx, want)
}

func TestLocatorsAndManifestEncoding(t *testing.T) {
	for _, l := range []locator{
		{kind: locFile, part: []byte("p\x00q"), id: 1 << 40, pos: 12345},
		{kind: locFile, id: 7},
		{kind: locInline, part: []byte{1, 2}, id: 99},
	} {
		got, err := parseLocator(appendLocator(nil, l.kind, l.part, l.id, l.pos))
		must(t, err)
		if got.kind != l.kind || string(got.part) != string(l.part) || got.id != l.id || got.pos != l.pos {
			t.Fatalf("round trip %+v -> %+v", l, got)
		}
	}
	for _, bad := range [][]byte{nil, {'x'}, {'f', 5, 1}, append(appendLocator(nil, locInline, nil, 1, 0), 0)} {
		if _, err := parseLocator(bad); err == nil {
			t.Fatalf("parseLocator(%x) succeeded", bad)
		}
	}

	typs := map[uint32]*types.T{1: types.Int8, 2: types.Text}
	m := FileMeta{ID: 42, Path: "1/x.parquet", Rows: 10, Bytes: 100, Partition: []string{"x"},
		Stats: []pqfile.ColumnStats{
			{ColumnID: 1, Min: types.DInt(-3), Max: types.DInt(9), NullCount: 1},
			{ColumnID: 2, Min: nil, Max: nil, NullCount: 10},
			{ColumnID: 9, Min: types.DInt(1), Max: types.DInt(2)}, // dropped column
		}}
	v, err := encodeFileMeta(&m, []byte("pk"), typs)
	must(t, err)
	got, part, err := decodeFileMeta(v, typs)
	must(t, err)
	if string(part) != "pk" || got.ID != 42 || got.Path != m.Path || got.Rows != 10 || len(got.Stats) != 2 {
		t.Fatalf("decoded %+v part %q", got, part)
	}
	if got.Stats[0].Min != types.DInt(-3) || got.Stats[0].Max != types.DInt(9) || got.Stats[0].NullCount != 1 || got.Stats[1].Min != nil {
		t.Fatalf("stats %+v", got.Stats)
	}
	if _, _, err := decodeFileMeta(v[:len(v)-1], typs); err == nil {
		t.Fatal("truncated manifest entry decoded")
	}
}

func TestInlineVisibility(t *testing.T) {
	e := newEnv(t, Options{})
	d := testDesc(100, "")
	old := e.begin(txn.RepeatableRead)
	defer old.Rollback()
	e.expect(d, old, "")

	tx := e.begin(txn.ReadCommitted)
	e.insert(d, tx, 1, 4, bX)
	e.expect(d, tx, "1|x 2|x 3|x") // own writes
	e.expectNow(d, "")             // not yet committed
	must(t, tx.Commit(ctx))
	e.expectNow(d, "1|x 2|x 3|x")
	e.expect(d, old, "") // older snapshot

	tx = e.begin(txn.ReadCommitted)
	n, err := e.table(d).InlinedRows(ctx, tx)
	must(t, err)
	if n != 3 {
		t.Fatalf("inlined rows %d", n)
	}
	files, err := e.table(d).Files(ctx, tx)
	must(t, err)
	if len(files) != 0 {
		t.Fatalf("files %v", files)
	}
	tx.Rollback()
}

func TestDirectWriteAndDelete(t *testing.T) {
	e := newEnv(t, Options{DirectWriteRows: 10, TargetFileRows: 25})
	d := testDesc(101, "")
	e.commitInsert(d, 0, 60, bX) // 3 files: 25 + 25 + 10
	e.commitInsert(d, 60, 62, bX)

	tx := e.begin(txn.ReadCommitted)
	files, err := e.table(d).Files(ctx, tx)
	must(t, err)
	if len(files) != 3 || files[0].Rows+files[1].Rows+files[2].Rows != 60 {
		t.Fatalf("files %+v", files)
	}
	rows := e.scan(d, tx)
	if len(rows) != 62 {
		t.Fatalf("scanned %d rows", len(rows))
	}
	tb := e.table(d)
	for _, victim := range []string{"0|x", "30|x", "59|x", "61|x"} {
		found, err := tb.Delete(ctx, tx, e.find(rows, victim))
		must(t, err)
		if !found {
			t.Fatalf("delete %s: not found", victim)
		}
	}
	// Already deleted in our own snapshot: found = false.
	found, err := tb.Delete(ctx, tx, e.find(rows, "30|x"))
	must(t, err)
	if found {
		t.Fatal("second delete found the row")
	}
	found, err = tb.Update(ctx, tx, e.find(rows, "7|x"), row(7, "y"))
	must(t, err)
	if !found {
		t.Fatal("update: not found")
	}
	must(t, tb.FinishStatement(ctx, tx, ""))
	after := e.scan(d, tx)
	if len(after) != 58 || texts(after) == texts(rows) || slices.Contains(strings.Fields(texts(after)), "7|x") || !slices.Contains(strings.Fields(texts(after)), "7|y") {
		t.Fatalf("after delete/update: %s", texts(after))
	}
	e.expectNow(d, texts(rows)) // uncommitted
	must(t, tx.Commit(ctx))
	e.expectNow(d, texts(after))

	// count(*)-style scans read no column at all.
	tx = e.begin(txn.ReadCommitted)
	defer tx.Rollback()
	sc, err := tb.Scan(ctx, tx, ScanSpec{Needed: []bool{false, false, false}})
	must(t, err)
	var n int64
	for {
		rec, err := sc.Next(ctx)
		must(t, err)
		if rec == nil {
			break
		}
		if rec.NumCols() != 0 {
			t.Fatalf("%d columns", rec.NumCols())
		}
		n += rec.NumRows()
		rec.Release()
	}
	sc.Close()
	if n != 58 {
		t.Fatalf("counted %d rows", n)
	}
	snaps, err := tb.Snapshots(ctx, tx)
	must(t, err)
	var ops []string
	for _, s := range snaps {
		ops = append(ops, fmt.Sprintf("%s+%d-%d", s.Operation, s.RowsAdded, s.RowsDeleted))
	}
	if got := strings.Join(ops, " "); got != "INSERT+60-0 INSERT+2-0 UPDATE+1-5" {
		t.Fatalf("snapshots %s", got)
	}
}

func code(err error) string { return pgerr.Code(err) }

// TestConcurrentDeletes: deleting the same row waits for the other
// deleter and then conflicts; different rows of one file do not.
func TestConcurrentDeletes(t *testing.T) {
	for _, iso := range []txn.Isolation{txn.ReadCommitted, txn.RepeatableRead, txn.Serializable} {
		t.Run(iso.String(), func(t *testing.T) {
			e := newEnv(t, Options{DirectWriteRows: 5})
			d := testDesc(102, "")
			e.commitInsert(d, 0, 10, bX) // one file
			e.commitInsert(d, 10, 12, bX)
			for _, target := range []string{"3|x", "11|x"} { // file row, inline row
				t1, t2 := e.begin(iso), e.begin(iso)
				rows := e.scan(d, t2)
				loc := e.find(rows, target)
				_, err := e.table(d).Delete(ctx, t1, loc)
				must(t, err)
				done := make(chan error, 1)
				go func() {
					_, err := e.table(d).Delete(ctx, t2, loc)
					done <- err
				}()
				select {
				case err := <-done:
					t.Fatalf("second deleter did not wait: %v", err)
				case <-time.After(50 * time.Millisecond):
				}
				must(t, t1.Commit(ctx))
				err = <-done
				var retry *txn.RetryStatementError
				if iso == txn.ReadCommitted {
					if !errors.As(err, &retry) {
						t.Fatalf("%s: want statement retry, got %v", target, err)
					}
				} else if code(err) != pgerr.SerializationFailure {
					t.Fatalf("%s: want 40001, got %v", target, err)
				}
				t2.Rollback()
			}
			// Different rows of the same file: no conflict.
			t1, t2 := e.begin(iso), e.begin(iso)
			rows := e.scan(d, t1)
			for i, tx := range []*txn.Txn{t1, t2} {
				found, err := e.table(d).Delete(ctx, tx, e.find(rows, fmt.Sprintf("%d|x", 5+i)))
				must(t, err)
				if !found {
					t.Fatal("not found")
				}
			}
			must(t, t1.Commit(ctx))
			must(t, t2.Commit(ctx))
			e.expectNow(d, "0|x 1|x 10|x 2|x 4|x 7|x 8|x 9|x")
		})
	}
}

func TestPartitionPruning(t *testing.T) {
	e := newEnv(t, Options{DirectWriteRows: 10})
	d := testDesc(103, "b")
	part := func(a int) string { return []string{"p", "q", "r"}[a%3] }
	e.commitInsert(d, 0, 30, part) // direct: one file per partition
	e.commitInsert(d, 30, 33, part)

	tx := e.begin(txn.ReadCommitted)
	defer tx.Rollback()
	files, err := e.table(d).Files(ctx, tx)
	must(t, err)
	if len(files) != 3 {
		t.Fatalf("%d files", len(files))
	}
	eq := pqfile.Range{ColumnID: 2, Lo: types.DString("q"), Hi: types.DString("q"), LoIncl: true, HiIncl: true}
	sc, err := e.table(d).Scan(ctx, tx, ScanSpec{Ranges: []pqfile.Range{eq}})
	must(t, err)
	if len(sc.files) != 1 || len(sc.inline) != 1 {
		t.Fatalf("partition q: %d files, %d inlined rows", len(sc.files), len(sc.inline))
	}
	sc.Close()
	got := e.scan(d, tx, eq)
	for _, r := range got {
		if !strings.HasSuffix(r.text, "|q") {
			t.Fatalf("row %s from another partition", r.text)
		}
	}
	if len(got) != 11 {
		t.Fatalf("%d rows in q", len(got))
	}
	// Stats pruning inside a partition's files: a > 100 matches nothing.
	gt := pqfile.Range{ColumnID: 1, Lo: types.DInt(100)}
	sc, err = e.table(d).Scan(ctx, tx, ScanSpec{Ranges: []pqfile.Range{gt}})
	must(t, err)
	if len(sc.files) != 0 {
		t.Fatalf("a > 100 kept %d files", len(sc.files))
	}
	sc.Close()
}

// TestSerializablePartitions: write skew across two partitions aborts
// one transaction; transactions on different partitions do not conflict.
func TestSerializablePartitions(t *testing.T) {
	e := newEnv(t, Options{})
	d := testDesc(104, "b")
	e.commitInsert(d, 0, 4, func(a int) string { return []string{"p", "q"}[a%2] })
	in := func(p string) pqfile.Range {
		return pqfile.Range{ColumnID: 2, Lo: types.DString(p), Hi: types.DString(p), LoIncl: true, HiIncl: true}
	}
	// Disjoint: each reads and writes its own partition.
	t1, t2 := e.begin(txn.Serializable), e.begin(txn.Serializable)
	e.scan(d, t1, in("p"))
	e.scan(d, t2, in("q"))
	e.insert(d, t1, 10, 11, func(int) string { return "p" })
	e.insert(d, t2, 11, 12, func(int) string { return "q" })
	must(t, t1.Commit(ctx))
	must(t, t2.Commit(ctx))

	// Write skew: each reads one partition and writes the other.
	t1, t2 = e.begin(txn.Serializable), e.begin(txn.Serializable)
	e.scan(d, t1, in("p"))
	e.scan(d, t2, in("q"))
	e.insert(d, t1, 20, 21, func(int) string { return "q" })
	e.insert(d, t2, 21, 22, func(int) string { return "p" })
	must(t, t1.Commit(ctx))
	if err := t2.Commit(ctx); code(err) != pgerr.SerializationFailure {
		t.Fatalf("write skew committed: %v", err)
	}
}

func TestFlush(t *testing.T) {
	e := newEnv(t, Options{})
	d := testDesc(105, "b")
	e.commitInsert(d, 0, 6, func(a int) string { return []string{"p", "q"}[a%2] })
	want := "0|p 1|q 2|p 3|q 4|p 5|q"
	old := e.begin(txn.RepeatableRead)
	defer old.Rollback()
	e.expect(d, old, want)

	// A user holds the lock of one inlined row (uncommitted delete): the
	// flush leaves it inlined.
	user := e.begin(txn.ReadCommitted)
	_, err := e.table(d).Delete(ctx, user, e.find(e.scan(d, user), "3|q"))
	must(t, err)

	must(t, e.s.Flush(ctx, d))
	e.expect(d, old, want)
	e.expectNow(d, want)
	tx := e.begin(txn.ReadCommitted)
	n, err := e.table(d).InlinedRows(ctx, tx)
	must(t, err)
	files, err := e.table(d).Files(ctx, tx)
	must(t, err)
	tx.Rollback()
	if n != 1 || len(files) != 2 {
		t.Fatalf("after flush: %d inlined rows, %d files", n, len(files))
	}
	must(t, user.Commit(ctx))
	e.expectNow(d, "0|p 1|q 2|p 4|p 5|q")
	must(t, e.s.Flush(ctx, d)) // nothing left to flush
	e.expect(d, old, want)
}

// TestOptimizeKeepsConcurrentDeletes interleaves deletions with OPTIMIZE
// at each step of its protocol.
func TestOptimizeKeepsConcurrentDeletes(t *testing.T) {
	e := newEnv(t, Options{DirectWriteRows: 3, TargetFileRows: 100})
	d := testDesc(106, "")
	for i := range 3 {
		e.commitInsert(d, i*4, i*4+4, bX) // 3 small files
	}
	all := texts(e.scan(d, e.begin(txn.ReadCommitted)))
	nfiles := func() int {
		tx := e.begin(txn.ReadCommitted)
		defer tx.Rollback()
		f, err := e.table(d).Files(ctx, tx)
		must(t, err)
		return len(f)
	}
	del := func(tx *txn.Txn, text string) {
		t.Helper()
		rows := e.scan(d, tx)
		found, err := e.table(d).Delete(ctx, tx, e.find(rows, text))
		must(t, err)
		if !found {
			t.Fatalf("%s not found", text)
		}
	}

	// 1. A deleter holds KEY SHARE on a file: OPTIMIZE skips the partition.
	user := e.begin(txn.RepeatableRead)
	del(user, "5|x")
	must(t, e.s.Optimize(ctx, d, nil))
	if nfiles() != 3 {
		t.Fatal("optimize rewrote a file with an uncommitted deletion")
	}
	must(t, user.Commit(ctx))
	all = without(all, "5|x")
	e.expectNow(d, all)

	// 2. A deletion commits after OPTIMIZE read the file, before it locked.
	e.s.testHookBeforeLock = func() {
		e.s.testHookBeforeLock = nil
		u := e.begin(txn.ReadCommitted)
		del(u, "9|x")
		must(t, u.Commit(ctx))
	}
	must(t, e.s.Optimize(ctx, d, nil))
	if nfiles() != 3 {
		t.Fatal("optimize rewrote a file whose deletions changed")
	}
	all = without(all, "9|x")
	e.expectNow(d, all)

	// 3. Undisturbed: the files are merged, deletions applied.
	old := e.begin(txn.RepeatableRead)
	defer old.Rollback()
	user = e.begin(txn.ReadCommitted)
	rows := e.scan(d, user) // a statement that read before the rewrite
	must(t, e.s.Optimize(ctx, d, nil))
	if n := nfiles(); n != 1 {
		t.Fatalf("%d files after optimize", n)
	}
	e.expectNow(d, all)
	e.expect(d, old, all) // the old snapshot still reads the old files

	// 4. Deleters whose snapshot predates the rewrite delete the row at
	// its new place, at every isolation level.
	found, err := e.table(d).Delete(ctx, user, e.find(rows, "1|x"))
	must(t, err)
	if !found {
		t.Fatal("forwarded delete: not found")
	}
	rr := e.begin(txn.RepeatableRead)
	oldRows := e.scan(d, rr)
	must(t, user.Commit(ctx))
	all = without(all, "1|x")
	e.expectNow(d, all)
	// ... but a row deleted meanwhile is a conflict.
	if _, err := e.table(d).Delete(ctx, rr, e.find(oldRows, "1|x")); code(err) != pgerr.SerializationFailure {
		t.Fatalf("delete of a concurrently deleted row: %v", err)
	}
	rr.Rollback()
}

// TestMaintenanceNeverAbortsUsers: transactions whose snapshots predate
// a flush and an optimize delete and update the moved rows.
func TestMaintenanceNeverAbortsUsers(t *testing.T) {
	for _, iso := range []txn.Isolation{txn.RepeatableRead, txn.Serializable} {
		t.Run(iso.String(), func(t *testing.T) {
			e := newEnv(t, Options{TargetFileRows: 100})
			d := testDesc(110, "b")
			part := func(a int) string { return []string{"p", "q"}[a%2] }
			e.commitInsert(d, 0, 6, part)
			e.commitInsert(d, 6, 10, part)
			user := e.begin(iso)
			rows := e.scan(d, user)
			must(t, e.s.Flush(ctx, d)) // inline -> 2 files
			user2 := e.begin(iso)
			rows2 := e.scan(d, user2)
			e.commitInsert(d, 10, 12, part)
			must(t, e.s.Flush(ctx, d)) // 2 more files
			must(t, e.s.Optimize(ctx, d, nil))
			tx := e.begin(txn.ReadCommitted)
			files, err := e.table(d).Files(ctx, tx)
			must(t, err)
			tx.Rollback()
			if len(files) != 2 {
				t.Fatalf("%d files after optimize", len(files))
			}
			tb := e.table(d)
			for _, text := range []string{"3|q", "4|p"} {
				found, err := tb.Delete(ctx, user, e.find(rows, text))
				must(t, err)
				if !found {
					t.Fatalf("%s not found", text)
				}
			}
			must(t, user.Commit(ctx))
			want := "0|p 1|q 2|p 5|q 6|p 7|q 8|p 9|q 10|p 11|q"
			e.expectNow(d, want)
			if iso == txn.Serializable {
				// Two serializable users that both read the whole table
				// and both write are a real rw-cycle (PostgreSQL aborts it
				// too); only the single-writer case applies here.
				user2.Rollback()
				return
			}
			found, err := tb.Delete(ctx, user2, e.find(rows2, "7|q"))
			must(t, err)
			if !found {
				t.Fatal("7|q not found")
			}
			found, err = tb.Update(ctx, user2, e.find(rows2, "8|p"), row(8, "q"))
			must(t, err)
			if !found {
				t.Fatal("update: not found")
			}
			must(t, user2.Commit(ctx))
			e.expectNow(d, "0|p 1|q 2|p 5|q 6|p 8|q 9|q 10|p 11|q")
		})
	}
}

// TestSerializableAcrossFlush: a serializable reader of rows that a flush
// then moves still conflicts with a writer that deletes them at their new
// place (write skew through the flush).
func TestSerializableAcrossFlush(t *testing.T) {
	e := newEnv(t, Options{})
	d, other := testDesc(111, ""), testDesc(112, "")
	e.commitInsert(d, 0, 2, bX)
	t1 := e.begin(txn.Serializable)
	e.expect(d, t1, "0|x 1|x")
	must(t, e.s.Flush(ctx, d))
	t2 := e.begin(txn.Serializable)
	rows := e.scan(d, t2)
	e.expect(d, t2, "0|x 1|x")
	e.expect(other, t2, "")
	_, err := e.table(d).Delete(ctx, t2, e.find(rows, "0|x"))
	must(t, err)
	e.insert(other, t1, 5, 6, bX)
	must(t, t2.Commit(ctx))
	if err := t1.Commit(ctx); code(err) != pgerr.SerializationFailure {
		t.Fatalf("write skew through a flush committed: %v", err)
	}
}

func TestVacuum(t *testing.T) {
	e := newEnv(t, Options{DirectWriteRows: 3, TargetFileRows: 100, Retention: time.Hour, VacuumGrace: time.Nanosecond})
	d := testDesc(107, "")
	e.commitInsert(d, 0, 4, bX)
	e.commitInsert(d, 4, 8, bX)
	// An orphan: a file whose transaction aborted.
	tx := e.begin(txn.ReadCommitted)
	e.insert(d, tx, 8, 12, bX)
	tx.Rollback()
	objects := func() int {
		n := 0
		must(t, e.obj.List(ctx, objectPrefix(107), func(objstore.ObjectInfo) error { n++; return nil }))
		return n
	}
	if objects() != 3 {
		t.Fatalf("%d objects", objects())
	}
	must(t, e.s.Optimize(ctx, d, nil)) // 2 files -> 1; the old ones are retained
	if objects() != 4 {
		t.Fatalf("%d objects after optimize", objects())
	}
	var last Progress
	must(t, e.s.Vacuum(ctx, d, func(p Progress) { last = p }))
	if objects() != 3 || last.Job != "vacuum" || last.Done != 1 || last.Finished.IsZero() {
		t.Fatalf("after vacuum: %d objects, progress %+v", objects(), last)
	}
	e.expectNow(d, "0|x 1|x 2|x 3|x 4|x 5|x 6|x 7|x")

	e.db.SetLakeRetention(time.Nanosecond)
	time.Sleep(time.Millisecond)
	must(t, e.s.Vacuum(ctx, d, nil))
	if objects() != 1 {
		t.Fatalf("%d objects after the retention period", objects())
	}
	e.expectNow(d, "0|x 1|x 2|x 3|x 4|x 5|x 6|x 7|x")
	if jobs := e.s.Jobs(); len(jobs) != 3 {
		t.Fatalf("jobs %+v", jobs)
	}
}

func TestTruncateAndDrop(t *testing.T) {
	e := newEnv(t, Options{DirectWriteRows: 3})
	d := testDesc(108, "")
	e.commitInsert(d, 0, 4, bX)
	e.commitInsert(d, 4, 6, bX)
	old := e.begin(txn.RepeatableRead)
	defer old.Rollback()
	tx := e.begin(txn.ReadCommitted)
	must(t, e.table(d).Truncate(ctx, tx))
	e.expect(d, tx, "")
	must(t, tx.Commit(ctx))
	e.expectNow(d, "")
	e.expect(d, old, "0|x 1|x 2|x 3|x 4|x 5|x")
	e.commitInsert(d, 10, 11, bX)
	e.expectNow(d, "10|x")

	tx = e.begin(txn.ReadCommitted)
	must(t, e.table(d).Drop(ctx, tx))
	must(t, tx.Commit(ctx))
	it := e.begin(txn.ReadCommitted)
	defer it.Rollback()
	sc := it.Scan(ctx, tablePrefix(108), nil, false)
	defer sc.Close()
	if sc.Next() && strings.HasPrefix(string(sc.Key()), string(tablePrefix(108))) {
		t.Fatalf("key %x left after drop", sc.Key())
	}
}

func TestTimeTravel(t *testing.T) {
	e := newEnv(t, Options{DirectWriteRows: 3})
	d := testDesc(109, "")
	e.commitInsert(d, 0, 2, bX)
	ts1 := e.db.Now()
	e.commitInsert(d, 2, 6, bX)
	tx := e.begin(txn.ReadCommitted)
	tb := e.table(d) // one per statement: it counts for FinishStatement
	_, err := tb.Delete(ctx, tx, e.find(e.scan(d, tx), "3|x"))
	must(t, err)
	must(t, tb.FinishStatement(ctx, tx, ""))
	must(t, tx.Commit(ctx))
	ts2 := e.db.Now()
	must(t, e.s.Flush(ctx, d))
	must(t, e.s.Optimize(ctx, d, nil))

	for _, c := range []struct {
		ts   uint64
		want string
	}{
		{ts1, "0|x 1|x"},
		{ts2, "0|x 1|x 2|x 4|x 5|x"},
		{e.db.Now(), "0|x 1|x 2|x 4|x 5|x"},
	} {
		old, err := e.db.BeginAsOf(ctx, txn.Options{}, c.ts)
		must(t, err)
		e.expect(d, old, c.want)
		old.Rollback()
	}

	tx = e.begin(txn.ReadCommitted)
	defer tx.Rollback()
	snaps, err := e.table(d).Snapshots(ctx, tx)
	must(t, err)
	var ops []string
	for i, s := range snaps {
		ops = append(ops, s.Operation)
		if s.CommitTS == 0 || (i > 0 && s.CommitTS <= snaps[i-1].CommitTS) {
			t.Fatalf("snapshot commit timestamps %+v", snaps)
		}
	}
	if got := strings.Join(ops, " "); got != "INSERT INSERT DELETE FLUSH OPTIMIZE" {
		t.Fatalf("snapshots %s", got)
	}
	if snaps[0].CommitTS > ts1 || snaps[2].CommitTS > ts2 || snaps[2].CommitTS <= ts1 {
		t.Fatalf("snapshot timestamps out of place: %+v (ts1 %d ts2 %d)", snaps, ts1, ts2)
	}
}

func TestBackgroundMaintenance(t *testing.T) {
	e := newEnv(t, Options{InlineFlushRows: 5, MaintenanceInterval: 5 * time.Millisecond, TargetFileRows: 1000})
	d := testDesc(113, "")
	c, cancel := context.WithCancel(ctx)
	defer cancel()
	e.s.Start(c, func() []*catalog.Table { return []*catalog.Table{d} })
	e.commitInsert(d, 0, 3, bX) // below the threshold: stays inlined
	e.commitInsert(d, 3, 6, bX)
	deadline := time.Now().Add(5 * time.Second)
	for {
		tx := e.begin(txn.ReadCommitted)
		n, err := e.table(d).InlinedRows(ctx, tx)
		must(t, err)
		tx.Rollback()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d rows still inlined", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	e.expectNow(d, "0|x 1|x 2|x 3|x 4|x 5|x")
	var flushed bool
	for _, j := range e.s.Jobs() {
		flushed = flushed || (j.Job == "flush" && j.Err == "" && !j.Finished.IsZero())
	}
	if !flushed {
		t.Fatalf("jobs %+v", e.s.Jobs())
	}
}

func TestVacuumForgetsForwarding(t *testing.T) {
	e := newEnv(t, Options{})
	d := testDesc(114, "")
	e.commitInsert(d, 0, 3, bX)
	must(t, e.s.Flush(ctx, d))
	count := func(sec byte) int {
		tx := e.begin(txn.ReadCommitted)
		defer tx.Rollback()
		p := sectionPrefix(114, sec)
		it := tx.Scan(ctx, p, nil, false)
		defer it.Close()
		n := 0
		for it.Next() && strings.HasPrefix(string(it.Key()), string(p)) {
			n++
		}
		return n
	}
	if count(secForwardInline) != 1 {
		t.Fatal("flush left no forwarding record")
	}
	must(t, e.s.Vacuum(ctx, d, nil))
	if count(secForwardInline) != 0 {
		t.Fatal("vacuum kept a forwarding record no snapshot needs")
	}
	e.expectNow(d, "0|x 1|x 2|x")
}

// TestManyTypes: every common type, and NULLs, read back the same from
// inlined rows and from files, with a varchar partition column.
func TestManyTypes(t *testing.T) {
	typs := []*types.T{types.Bool, types.Int2, types.Int4, types.Float4, types.Float8,
		types.Numeric.WithTypmod(types.NumericTypmod(12, 2)), types.Numeric, types.Varchar, types.Date,
		types.Time, types.Timestamp, types.TimestampTZ, types.Interval, types.UUID, types.Bytea, types.ArrayOf(types.Int8)}
	texts := [][]string{
		{"t", "-7", "123456", "1.5", "-2.25", "12.30", "3.14159", "héllo", "2024-02-29",
			"12:34:56.789", "2024-01-02 03:04:05.678901", "2024-01-02 03:04:05+00", "1 mon 2 days 00:00:03",
			"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", `\x00ff`, "{1,NULL,3}"},
	}
	d := &catalog.Table{ID: 120, Name: "many", Kind: catalog.KindTable, Options: map[string]string{"format": "lake", "partition_by": "c7"}}
	for i, typ := range typs {
		d.Columns = append(d.Columns, catalog.Column{ID: uint32(i + 1), Name: fmt.Sprintf("c%d", i), Type: typ})
	}
	d.Columns = append(d.Columns, catalog.Column{ID: 99, Name: catalog.LakeRowIDColumn, Type: types.Bytea, Hidden: true})
	var rows []types.Row
	for _, tx := range texts {
		r := make(types.Row, len(d.Columns))
		for i, s := range tx {
			v, err := types.ParseText(s, typs[i], nil)
			must(t, err)
			r[i] = v
		}
		r[len(r)-1] = types.DNull
		rows = append(rows, r)
		nulls := make(types.Row, len(d.Columns))
		for i := range nulls {
			nulls[i] = types.DNull
		}
		rows = append(rows, nulls)
	}
	show := func(r types.Row) string {
		var s []string
		for i, v := range r[:len(typs)] {
			if v == types.DNull {
				s = append(s, "NULL")
			} else {
				s = append(s, types.FormatText(v, typs[i], nil))
			}
		}
		return strings.Join(s, ",")
	}
	read := func(e *env) []string {
		tx := e.begin(txn.ReadCommitted)
		defer tx.Rollback()
		sc, err := e.table(d).Scan(ctx, tx, ScanSpec{})
		must(t, err)
		defer sc.Close()
		var out []string
		for {
			rec, err := sc.Next(ctx)
			must(t, err)
			if rec == nil {
				break
			}
			got, err := pqfile.AppendRows(nil, rec, typs)
			must(t, err)
			rec.Release()
			for _, r := range got {
				out = append(out, show(append(r, types.DNull)))
			}
		}
		slices.Sort(out)
		return out
	}
	var want []string
	for _, r := range rows {
		want = append(want, show(r))
	}
	slices.Sort(want)
	for _, direct := range []int{100, 1} {
		e := newEnv(t, Options{DirectWriteRows: direct})
		tx := e.begin(txn.ReadCommitted)
		ap := e.table(d).NewAppender(tx)
		must(t, ap.Append(ctx, rows))
		_, err := ap.Close(ctx)
		must(t, err)
		must(t, tx.Commit(ctx))
		if got := read(e); !slices.Equal(got, want) {
			t.Fatalf("direct=%d:\n got %q\nwant %q", direct, got, want)
		}
		must(t, e.s.Flush(ctx, d))
		if got := read(e); !slices.Equal(got, want) {
			t.Fatalf("after flush:\n got %q\nwant %q", got, want)
		}
	}
}

func TestVacuumDropped(t *testing.T) {
	e := newEnv(t, Options{DirectWriteRows: 1, Retention: time.Nanosecond, VacuumGrace: time.Nanosecond})
	kept, dropped := testDesc(115, ""), testDesc(116, "")
	e.commitInsert(kept, 0, 2, bX)
	e.commitInsert(dropped, 0, 2, bX)
	tx := e.begin(txn.ReadCommitted)
	must(t, e.table(dropped).Drop(ctx, tx))
	must(t, tx.Commit(ctx))
	time.Sleep(time.Millisecond)
	// The callback forgets table 115 too: its manifest protects it.
	must(t, e.s.vacuumDropped(ctx, map[uint32]bool{}))
	var names []string
	must(t, e.obj.List(ctx, "", func(o objstore.ObjectInfo) error { names = append(names, o.Name); return nil }))
	if len(names) != 1 || !strings.HasPrefix(names[0], "115/") {
		t.Fatalf("objects left: %v", names)
	}
	e.expectNow(kept, "0|x 1|x")
}
