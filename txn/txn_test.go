package txn

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/storage"
	"github.com/conflux-db/conflux/storage/keys"
)

var ctx = context.Background()

func openDB(t testing.TB, dir string) (*DB, *storage.Engine) {
	t.Helper()
	e, err := storage.Open(ctx, dir, storage.Options{InMemory: dir == ""})
	mustNil(t, err)
	db, err := Open(ctx, e)
	mustNil(t, err)
	return db, e
}

func memDB(t *testing.T) *DB {
	db, e := openDB(t, "")
	t.Cleanup(func() { e.Close() })
	return db
}

func get(t *testing.T, tx *Txn, k string) string {
	t.Helper()
	v, ok, err := tx.Get(ctx, []byte(k))
	mustNil(t, err)
	if !ok {
		return "<none>"
	}
	return string(v)
}

func scanAll(t *testing.T, tx *Txn, lo, hi string, rev bool) []string {
	t.Helper()
	var upper []byte
	if hi != "" {
		upper = []byte(hi)
	}
	it := tx.Scan(ctx, []byte(lo), upper, rev)
	defer it.Close()
	var out []string
	for it.Next() {
		out = append(out, string(it.Key())+"="+string(it.Value()))
	}
	mustNil(t, it.Err())
	return out
}

func put(t *testing.T, db *DB, kv ...string) {
	t.Helper()
	tx := db.Begin(Options{Isolation: RepeatableRead})
	for i := 0; i < len(kv); i += 2 {
		mustNil(t, tx.Put(ctx, []byte(kv[i]), []byte(kv[i+1])))
	}
	mustNil(t, tx.Commit(ctx))
}

func TestSnapshotAndReadYourWrites(t *testing.T) {
	db := memDB(t)
	put(t, db, "a", "1", "b", "2")
	reader := db.Begin(Options{Isolation: RepeatableRead})
	put(t, db, "a", "10", "c", "3")
	if got := get(t, reader, "a"); got != "1" {
		t.Errorf("snapshot read a = %s, want 1", got)
	}
	if got := scanAll(t, reader, "", "", false); !slices.Equal(got, []string{"a=1", "b=2"}) {
		t.Errorf("snapshot scan = %v", got)
	}
	// Own writes, including deletes, shadow the snapshot in Get and both scan directions.
	mustNil(t, reader.Put(ctx, []byte("b"), []byte("own")))
	mustNil(t, reader.Delete(ctx, []byte("a")))
	mustNil(t, reader.Put(ctx, []byte("aa"), []byte("new")))
	mustNil(t, reader.Delete(ctx, []byte("zz"))) // deleting a missing key is harmless
	if got := get(t, reader, "a"); got != "<none>" {
		t.Errorf("deleted a = %s", got)
	}
	want := []string{"aa=new", "b=own"}
	if got := scanAll(t, reader, "", "", false); !slices.Equal(got, want) {
		t.Errorf("merged scan = %v", got)
	}
	slices.Reverse(want)
	if got := scanAll(t, reader, "", "", true); !slices.Equal(got, want) {
		t.Errorf("merged reverse scan = %v", got)
	}
	if got := scanAll(t, reader, "aa", "b", false); !slices.Equal(got, []string{"aa=new"}) {
		t.Errorf("bounded scan = %v", got)
	}
	reader.Rollback()
	fresh := db.Begin(Options{})
	if got := scanAll(t, fresh, "", "", false); !slices.Equal(got, []string{"a=10", "b=2", "c=3"}) {
		t.Errorf("after rollback = %v", got)
	}
	if err := fresh.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	fresh.Rollback() // no-op after commit
	if _, _, err := fresh.Get(ctx, []byte("a")); pgerr.Code(err) != pgerr.InvalidTransactionState {
		t.Errorf("use after commit: %v", err)
	}
}

func TestWriteWriteConflict(t *testing.T) {
	db := memDB(t)
	put(t, db, "k", "0")
	t1 := db.Begin(Options{Isolation: RepeatableRead})
	t2 := db.Begin(Options{Isolation: RepeatableRead})
	mustNil(t, t1.Put(ctx, []byte("k"), []byte("1")))
	mustNil(t, t2.Put(ctx, []byte("k"), []byte("2")))
	mustNil(t, t1.Commit(ctx))
	err := t2.Commit(ctx)
	if pgerr.Code(err) != pgerr.SerializationFailure {
		t.Fatalf("second committer: %v, want 40001", err)
	}
	if err.Error() != "could not serialize access due to concurrent update" {
		t.Errorf("message %q", err.Error())
	}
	if got := get(t, db.Begin(Options{}), "k"); got != "1" {
		t.Errorf("k = %s, want first committer's 1", got)
	}
}

func TestReadCommittedRefresh(t *testing.T) {
	db := memDB(t)
	put(t, db, "k", "0")
	rc := db.Begin(Options{Isolation: ReadCommitted})
	mustNil(t, rc.Put(ctx, []byte("own"), []byte("x")))
	put(t, db, "k", "1")
	if got := get(t, rc, "k"); got != "0" {
		t.Errorf("before refresh: %s", got)
	}
	rc.Refresh()
	if got := get(t, rc, "k"); got != "1" {
		t.Errorf("after refresh: %s", got)
	}
	if got := get(t, rc, "own"); got != "x" {
		t.Errorf("own write lost on refresh: %s", got)
	}
	// A write in a later statement is validated against that statement's snapshot.
	mustNil(t, rc.Put(ctx, []byte("k"), []byte("2")))
	mustNil(t, rc.Commit(ctx))
}

func TestSerializableWriteSkew(t *testing.T) {
	db := memDB(t)
	put(t, db, "x", "1", "y", "1")
	t1 := db.Begin(Options{Isolation: Serializable})
	t2 := db.Begin(Options{Isolation: Serializable})
	get(t, t1, "x")
	get(t, t2, "y")
	mustNil(t, t1.Put(ctx, []byte("y"), []byte("0")))
	mustNil(t, t2.Put(ctx, []byte("x"), []byte("0")))
	mustNil(t, t1.Commit(ctx))
	if err := t2.Commit(ctx); pgerr.Code(err) != pgerr.SerializationFailure {
		t.Fatalf("write skew committed: %v", err)
	}
	// Under REPEATABLE READ the same schedule commits (snapshot isolation).
	r1 := db.Begin(Options{Isolation: RepeatableRead})
	r2 := db.Begin(Options{Isolation: RepeatableRead})
	get(t, r1, "x")
	get(t, r2, "y")
	mustNil(t, r1.Put(ctx, []byte("y"), []byte("5")))
	mustNil(t, r2.Put(ctx, []byte("x"), []byte("5")))
	mustNil(t, r1.Commit(ctx))
	mustNil(t, r2.Commit(ctx))
}

func TestSerializableLimitedScanNarrowsSpan(t *testing.T) {
	db := memDB(t)
	put(t, db, "a", "1", "b", "1", "c", "1")
	t1 := db.Begin(Options{Isolation: Serializable})
	it := t1.Scan(ctx, []byte("a"), nil, false)
	if !it.Next() || string(it.Key()) != "a" {
		t.Fatal("first key")
	}
	it.Close() // stopped after "a": only [a, a\x00) was read
	put(t, db, "c", "2")
	mustNil(t, t1.Put(ctx, []byte("z"), []byte("1")))
	mustNil(t, t1.Commit(ctx))

	t2 := db.Begin(Options{Isolation: Serializable})
	scanAll(t, t2, "a", "", false) // full scan
	put(t, db, "bb", "new")        // phantom
	mustNil(t, t2.Put(ctx, []byte("z"), []byte("2")))
	if err := t2.Commit(ctx); pgerr.Code(err) != pgerr.SerializationFailure {
		t.Fatalf("phantom: %v", err)
	}
}

func TestSavepointRollback(t *testing.T) {
	db := memDB(t)
	put(t, db, "a", "0")
	tx := db.Begin(Options{})
	mustNil(t, tx.Put(ctx, []byte("a"), []byte("1")))
	sp := tx.Savepoint()
	mustNil(t, tx.Put(ctx, []byte("a"), []byte("2")))
	mustNil(t, tx.Put(ctx, []byte("b"), []byte("2")))
	mustNil(t, tx.Delete(ctx, []byte("a")))
	sp2 := tx.Savepoint()
	mustNil(t, tx.Put(ctx, []byte("c"), []byte("3")))
	tx.RollbackTo(sp2)
	if got := scanAll(t, tx, "", "", false); !slices.Equal(got, []string{"b=2"}) {
		t.Errorf("after rollback to sp2: %v", got)
	}
	tx.RollbackTo(sp)
	if got := scanAll(t, tx, "", "", false); !slices.Equal(got, []string{"a=1"}) {
		t.Errorf("after rollback to sp: %v", got)
	}
	tx.RollbackTo(sp) // idempotent
	mustNil(t, tx.Commit(ctx))
	if got := scanAll(t, db.Begin(Options{}), "", "", false); !slices.Equal(got, []string{"a=1"}) {
		t.Errorf("committed: %v", got)
	}
}

func TestScanDoesNotSeeLaterWrites(t *testing.T) {
	db := memDB(t)
	put(t, db, "1", "a", "2", "b")
	tx := db.Begin(Options{})
	mustNil(t, tx.Put(ctx, []byte("3"), []byte("c")))
	it := tx.Scan(ctx, nil, nil, false)
	var seen []string
	for it.Next() {
		seen = append(seen, string(it.Key()))
		// An UPDATE that moves rows forward must not revisit them.
		mustNil(t, tx.Put(ctx, []byte(string(it.Key())+"9"), []byte("moved")))
	}
	it.Close()
	if !slices.Equal(seen, []string{"1", "2", "3"}) {
		t.Errorf("scan saw %v", seen)
	}
}

func TestReadOnlyTxn(t *testing.T) {
	db := memDB(t)
	tx := db.Begin(Options{ReadOnly: true})
	if err := tx.Put(ctx, []byte("a"), nil); pgerr.Code(err) != pgerr.ReadOnlySQLTransaction {
		t.Fatalf("put in read-only txn: %v", err)
	}
	before := db.mgr.LastTS()
	mustNil(t, tx.Commit(ctx))
	if db.mgr.LastTS() != before {
		t.Error("read-only commit consumed a timestamp")
	}
}

func TestAtomicAcrossTables(t *testing.T) {
	db := memDB(t)
	t1 := keys.IndexPrefix(1, 1)
	t2 := keys.IndexPrefix(2, 1)
	desc := keys.DescKey(5)
	k1 := keys.EncodeVarintAscending(append([]byte{}, t1...), 1)
	k2 := keys.EncodeVarintAscending(append([]byte{}, t2...), 1)
	reader := db.Begin(Options{})
	tx := db.Begin(Options{})
	mustNil(t, tx.Put(ctx, k1, []byte("x")))
	mustNil(t, tx.Put(ctx, k2, []byte("y")))
	mustNil(t, tx.Put(ctx, desc, []byte("d")))
	mustNil(t, tx.Commit(ctx))
	for _, k := range [][]byte{k1, k2, desc} {
		if _, ok, _ := reader.Get(ctx, k); ok {
			t.Errorf("older snapshot sees %x", k)
		}
	}
	after := db.Begin(Options{})
	for _, k := range [][]byte{k1, k2, desc} {
		if _, ok, _ := after.Get(ctx, k); !ok {
			t.Errorf("new snapshot misses %x", k)
		}
	}
}

func TestDurableAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	db, e := openDB(t, dir)
	put(t, db, "a", "1")
	put(t, db, "a", "2", "b", "3")
	last := db.mgr.LastTS()
	mustNil(t, e.Close())

	db, e = openDB(t, dir)
	defer e.Close()
	if db.mgr.LastTS() != last || db.mgr.Visible() != last {
		t.Fatalf("recovered ts %d/%d, want %d", db.mgr.LastTS(), db.mgr.Visible(), last)
	}
	tx := db.Begin(Options{})
	if got := scanAll(t, tx, "", "", false); !slices.Equal(got, []string{"a=2", "b=3"}) {
		t.Fatalf("after reopen: %v", got)
	}
	// New commits get larger timestamps and shadow the old versions.
	put(t, db, "a", "4")
	if db.mgr.LastTS() <= last {
		t.Fatal("clock went backwards")
	}
	if got := get(t, db.Begin(Options{}), "a"); got != "4" {
		t.Fatalf("a = %s", got)
	}
}

// TestConcurrentTransfers runs transfers between accounts in two tables
// from 16 goroutines; readers must always see the same total.
func TestConcurrentTransfers(t *testing.T) {
	db, e := openDB(t, t.TempDir()) // real fsyncs, so commits group
	defer e.Close()
	const accounts, initial = 20, 100
	key := func(i int) []byte {
		return keys.EncodeVarintAscending(keys.IndexPrefix(uint32(1+i%2), 1), int64(i))
	}
	enc := func(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }
	setup := db.Begin(Options{})
	for i := 0; i < accounts; i++ {
		mustNil(t, setup.Put(ctx, key(i), enc(initial)))
	}
	mustNil(t, setup.Commit(ctx))

	total := func(tx *Txn) int64 {
		var sum int64
		for i := 0; i < accounts; i++ {
			v, ok, err := tx.Get(ctx, key(i))
			if err != nil || !ok {
				t.Errorf("account %d: %v %v", i, ok, err)
				return -1
			}
			sum += int64(binary.BigEndian.Uint64(v))
		}
		return sum
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	commits, conflicts := 0, 0
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 7))
			for n := 0; n < 40; n++ {
				tx := db.Begin(Options{Isolation: RepeatableRead})
				if seed%4 == 0 { // some goroutines only audit
					if s := total(tx); s != accounts*initial {
						t.Errorf("reader saw total %d", s)
					}
					mustNilG(t, tx.Commit(ctx))
					continue
				}
				from, to := rng.IntN(accounts), rng.IntN(accounts)
				if from == to {
					tx.Rollback()
					continue
				}
				fv, _, _ := tx.Get(ctx, key(from))
				tv, _, _ := tx.Get(ctx, key(to))
				amt := int64(rng.IntN(10))
				mustNilG(t, tx.Put(ctx, key(from), enc(int64(binary.BigEndian.Uint64(fv))-amt)))
				mustNilG(t, tx.Put(ctx, key(to), enc(int64(binary.BigEndian.Uint64(tv))+amt)))
				err := tx.Commit(ctx)
				mu.Lock()
				if err == nil {
					commits++
				} else if pgerr.Code(err) == pgerr.SerializationFailure {
					conflicts++
				} else {
					t.Errorf("commit: %v", err)
				}
				mu.Unlock()
			}
		}(uint64(g))
	}
	wg.Wait()
	if s := total(db.Begin(Options{})); s != accounts*initial {
		t.Fatalf("final total %d", s)
	}
	if commits == 0 {
		t.Fatal("no transfer committed")
	}
	t.Logf("%d commits, %d conflicts", commits, conflicts)
	if db.mgr.TrackedKeys() != 0 {
		t.Errorf("%d keys still tracked with no live transaction", db.mgr.TrackedKeys())
	}
}

func mustNilG(t *testing.T, err error) {
	if err != nil {
		t.Error(err)
	}
}

func TestReverseScanMerged(t *testing.T) {
	db := memDB(t)
	for i := 0; i < 50; i += 2 {
		put(t, db, fmt.Sprintf("k%02d", i), "s")
	}
	tx := db.Begin(Options{})
	var want []string
	for i := 0; i < 50; i++ {
		k := fmt.Sprintf("k%02d", i)
		switch {
		case i%6 == 0:
			mustNil(t, tx.Delete(ctx, []byte(k)))
		case i%2 == 1:
			mustNil(t, tx.Put(ctx, []byte(k), []byte("b")))
			want = append(want, k+"=b")
		default:
			want = append(want, k+"=s")
		}
	}
	if got := scanAll(t, tx, "k", "l", false); !slices.Equal(got, want) {
		t.Errorf("forward: %v", got)
	}
	slices.Reverse(want)
	if got := scanAll(t, tx, "k", "l", true); !slices.Equal(got, want) {
		t.Errorf("reverse: %v", got)
	}
}

func TestSequenceUpdate(t *testing.T) {
	dir := t.TempDir()
	db, e := openDB(t, dir)
	key := keys.SequenceKey(3)
	next := func(cur int64, ok bool) (int64, error) {
		if !ok {
			return 1, nil
		}
		return cur + 1, nil
	}
	var wg sync.WaitGroup
	seen := make(chan int64, 100)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				v, err := db.SequenceUpdate(key, next)
				mustNilG(t, err)
				seen <- v
			}
		}()
	}
	wg.Wait()
	close(seen)
	uniq := map[int64]bool{}
	for v := range seen {
		uniq[v] = true
	}
	if len(uniq) != 100 {
		t.Fatalf("%d distinct values, want 100", len(uniq))
	}
	// Rolled-back transactions do not return values; the counter survives restart.
	tx := db.Begin(Options{})
	tx.Rollback()
	put(t, db, "x", "1") // a commit fsyncs the counter with it
	mustNil(t, e.Close())
	db, e = openDB(t, dir)
	defer e.Close()
	if v, err := db.SequenceUpdate(key, next); err != nil || v != 101 {
		t.Fatalf("after restart: %d %v", v, err)
	}
	// Sequence keys are invisible to MVCC scans of their space.
	if got := scanAll(t, db.Begin(Options{}), string(keys.SequencePrefix), string(keys.PrefixEnd(keys.SequencePrefix)), false); len(got) != 0 {
		t.Fatalf("scan saw %v", got)
	}
}
