package rowstore

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/storage"
	"github.com/conflux-db/conflux/storage/keys"
	"github.com/conflux-db/conflux/txn"
)

func openDB(t *testing.T) *txn.DB {
	t.Helper()
	ctx := context.Background()
	e, err := storage.Open(ctx, "", storage.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	db, err := txn.Open(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// rowidTable is t(a int, b text, rowid hidden) keyed by its row id, with
// the given secondary indexes.
func rowidTable(indexes ...catalog.Index) *catalog.Table {
	return &catalog.Table{ID: 50, Name: "t", Kind: catalog.KindTable, NextColumnID: 4,
		Columns: []catalog.Column{
			{ID: 1, Name: "a", Type: types.Int4},
			{ID: 2, Name: "b", Type: types.Text},
			{ID: 3, Name: "rowid", Type: types.Int8, NotNull: true, Hidden: true},
		},
		Primary: catalog.Index{ID: 1, Name: "t_pkey", ColumnIDs: []uint32{3}, Unique: true, Primary: true},
		Indexes: indexes,
	}
}

func insertRows(t *testing.T, db *txn.DB, tab *catalog.Table, rows ...types.Row) {
	t.Helper()
	ctx := context.Background()
	tx := db.Begin(txn.Options{})
	rt := For(tab)
	for _, r := range rows {
		full := append(append(types.Row(nil), r...), types.DInt(NewRowID()))
		if err := rt.Insert(ctx, tx, full); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

func row(a int64, b string) types.Row {
	var bd types.Datum = types.DNull
	if b != "" {
		bd = types.DString(b)
	}
	var ad types.Datum = types.DNull
	if a >= 0 {
		ad = types.DInt(a)
	}
	return types.Row{ad, bd}
}

// scanIndex renders the rows reached through index ix of tab, in index order.
func scanIndex(t *testing.T, kv KV, tab *catalog.Table, ix *catalog.Index) []string {
	t.Helper()
	rt := For(tab)
	sc := rt.Scan(context.Background(), kv, ix, nil, nil, rt.NewDecoder(nil))
	defer sc.Close()
	var out []string
	for {
		r, err := sc.Next()
		if err != nil {
			t.Fatal(err)
		}
		if r == nil {
			return out
		}
		out = append(out, fmt.Sprintf("%v|%v", types.FormatText(r[0], types.Int4, nil), types.FormatText(r[1], types.Text, nil)))
	}
}

func TestChangePrimaryKey(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	byB := catalog.Index{ID: 2, Name: "t_b_idx", ColumnIDs: []uint32{2}}
	uniqB := catalog.Index{ID: 3, Name: "t_b_key", ColumnIDs: []uint32{2}, Unique: true}
	tab := rowidTable(byB, uniqB)
	insertRows(t, db, tab, row(3, "c"), row(1, "a"), row(2, "b"))
	before := db.Begin(txn.Options{Isolation: txn.RepeatableRead})
	defer before.Rollback()

	tx := db.Begin(txn.Options{})
	newPK := catalog.Index{ID: 7, Name: "t_pkey2", ColumnIDs: []uint32{1}, Unique: true, Primary: true, Constraint: true}
	nd, err := ChangePrimaryKey(ctx, tx, tab, newPK)
	if err != nil {
		t.Fatal(err)
	}
	if !nd.Columns[2].Dropped || !nd.Columns[0].NotNull || nd.Primary.ID != 7 {
		t.Fatalf("descriptor not updated: %+v", nd)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	rd := db.Begin(txn.Options{})
	defer rd.Rollback()
	want := []string{"1|a", "2|b", "3|c"}
	for _, ix := range []*catalog.Index{&nd.Primary, &nd.Indexes[0], &nd.Indexes[1]} {
		if got := scanIndex(t, rd, nd, ix); !slices.Equal(got, want) {
			t.Errorf("through %s: %q, want %q", ix.Name, got, want)
		}
	}
	// Point reads by the new key, and a secondary entry per row (the old
	// ones, embedding row ids, are gone).
	nt := For(nd)
	k, _ := nt.AppendPrimaryKey(nil, types.Row{types.DInt(2), types.DNull, types.DNull})
	if r, found, err := nt.Get(ctx, rd, k, nt.NewDecoder(nil)); err != nil || !found || types.FormatText(r[1], types.Text, nil) != "b" {
		t.Fatalf("get by new key: %v %v %v", r, found, err)
	}
	if n := countKeys(t, rd, tab, 2); n != 3 {
		t.Fatalf("non-unique index has %d entries, want 3", n)
	}
	// A snapshot from before the ALTER still reads the old keyspace.
	if got := scanIndex(t, before, tab, &tab.Primary); len(got) != 3 {
		t.Fatalf("old snapshot sees %q", got)
	}
	// Once no snapshot predates the commit, the GC drops the old keyspace.
	before.Rollback()
	if n, err := db.Engine().ClearDroppedSpans(ctx, db.GCHorizon()); err != nil || n != 1 {
		t.Fatalf("ClearDroppedSpans: %d %v", n, err)
	}
	if n := countKeys(t, rd, tab, 1); n != 0 {
		t.Fatalf("old primary keyspace still has %d keys", n)
	}
	rd2 := db.Begin(txn.Options{})
	defer rd2.Rollback()
	if got := scanIndex(t, rd2, nd, &nd.Primary); !slices.Equal(got, want) {
		t.Fatalf("after GC: %q", got)
	}
}

func countKeys(t *testing.T, kv KV, tab *catalog.Table, ixID catalog.ID) int {
	t.Helper()
	p := For(&catalog.Table{ID: tab.ID, Primary: catalog.Index{ID: ixID}}).PrimaryPrefix()
	end := append(append([]byte(nil), p...), 0xff)
	it := kv.Scan(context.Background(), p, end, false)
	defer it.Close()
	n := 0
	for it.Next() {
		n++
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestChangePrimaryKeyErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		rows []types.Row
		code string
		msg  string
	}{
		{"duplicate", []types.Row{row(1, "a"), row(2, "b"), row(1, "c")}, pgerr.UniqueViolation,
			`could not create unique index "t_pkey2"`},
		{"null key", []types.Row{row(1, "a"), row(-1, "b")}, pgerr.NotNullViolation,
			`column "a" of relation "t" contains null values`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := openDB(t)
			tab := rowidTable()
			insertRows(t, db, tab, tc.rows...)
			tx := db.Begin(txn.Options{})
			defer tx.Rollback()
			newPK := catalog.Index{ID: 7, Name: "t_pkey2", ColumnIDs: []uint32{1}, Unique: true, Primary: true}
			_, err := ChangePrimaryKey(ctx, tx, tab, newPK)
			if pgerr.Code(err) != tc.code || err.(*pgerr.Error).Message != tc.msg {
				t.Fatalf("got %v (%s), want %s %q", err, pgerr.Code(err), tc.code, tc.msg)
			}
		})
	}
}

// TestTruncate deletes committed rows and rows the transaction itself
// buffered, in the same transaction; a rollback brings them back.
func TestTruncate(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	tab := rowidTable(catalog.Index{ID: 2, Name: "t_b_idx", ColumnIDs: []uint32{2}})
	var rows []types.Row
	for i := range 3000 { // several ctx-check strides
		rows = append(rows, row(int64(i), fmt.Sprint(i)))
	}
	insertRows(t, db, tab, rows...)
	for _, commit := range []bool{false, true} {
		tx := db.Begin(txn.Options{})
		if err := For(tab).Insert(ctx, tx, append(row(-1, "own"), types.DInt(NewRowID()))); err != nil {
			t.Fatal(err)
		}
		if err := Truncate(ctx, tx, tab); err != nil {
			t.Fatal(err)
		}
		for _, ix := range []catalog.ID{1, 2} {
			if n := countKeys(t, tx, tab, ix); n != 0 {
				t.Fatalf("index %d: %d keys left in the transaction", ix, n)
			}
		}
		if commit {
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		} else {
			tx.Rollback()
		}
		rd := db.Begin(txn.Options{})
		want := 3000
		if commit {
			want = 0
		}
		if n := countKeys(t, rd, tab, 1); n != want {
			t.Fatalf("commit=%v: %d rows, want %d", commit, n, want)
		}
		rd.Rollback()
	}
}

// TestTruncateAfterRekey: TRUNCATE of a re-keyed table deletes its live
// rows and skips the retired row-id keyspace (the GC's job), writing no
// tombstone there.
func TestTruncateAfterRekey(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	tab := rowidTable(catalog.Index{ID: 2, Name: "t_b_idx", ColumnIDs: []uint32{2}})
	insertRows(t, db, tab, row(1, "a"), row(2, "b"))
	tx := db.Begin(txn.Options{})
	nd, err := ChangePrimaryKey(ctx, tx, tab, catalog.Index{ID: 7, Name: "t_pkey", ColumnIDs: []uint32{1}, Unique: true, Primary: true})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(tx.Commit(ctx))
	tx = db.Begin(txn.Options{})
	must(Truncate(ctx, tx, nd))
	for ix, want := range map[catalog.ID]int{1: 2, 2: 0, 7: 0} {
		if n := countKeys(t, tx, tab, ix); n != want {
			t.Errorf("index %d: %d keys, want %d", ix, n, want)
		}
	}
	must(tx.Commit(ctx))
	rd := db.Begin(txn.Options{})
	defer rd.Rollback()
	old := For(tab).PrimaryPrefix()
	got, err := liveRanges(ctx, rd, keys.TablePrefix, []byte{0xff})
	must(err)
	want := [][2][]byte{{keys.TablePrefix, old}, {keys.PrefixEnd(old), {0xff}}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("live ranges: %x, want %x", got, want)
	}
}
