package txn

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

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
	put(t, db, "a", "1", "b", "2", "d", "4")
	reader := db.Begin(Options{Isolation: RepeatableRead})
	put(t, db, "a", "10", "c", "3")
	if got := get(t, reader, "a"); got != "1" {
		t.Errorf("snapshot read a = %s, want 1", got)
	}
	if got := scanAll(t, reader, "", "", false); !slices.Equal(got, []string{"a=1", "b=2", "d=4"}) {
		t.Errorf("snapshot scan = %v", got)
	}
	// Writing a row changed after the snapshot fails at once (REPEATABLE READ).
	if err := reader.Delete(ctx, []byte("a")); pgerr.Code(err) != pgerr.SerializationFailure {
		t.Fatalf("delete of a concurrently updated row: %v", err)
	}
	// Own writes, including deletes, shadow the snapshot in Get and both scan directions.
	mustNil(t, reader.Put(ctx, []byte("b"), []byte("own")))
	mustNil(t, reader.Delete(ctx, []byte("d")))
	mustNil(t, reader.Put(ctx, []byte("aa"), []byte("new")))
	mustNil(t, reader.Delete(ctx, []byte("zz"))) // deleting a missing key is harmless
	if got := get(t, reader, "d"); got != "<none>" {
		t.Errorf("deleted d = %s", got)
	}
	want := []string{"a=1", "aa=new", "b=own"}
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
	if got := scanAll(t, fresh, "", "", false); !slices.Equal(got, []string{"a=10", "b=2", "c=3", "d=4"}) {
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

// TestWriteWriteConflict: the second writer of a row waits for the first;
// at REPEATABLE READ it fails with 40001 when the first commits and
// proceeds when the first rolls back (PostgreSQL's behaviour).
func TestWriteWriteConflict(t *testing.T) {
	db := memDB(t)
	put(t, db, "k", "0")
	t1 := db.Begin(Options{Isolation: RepeatableRead, Owner: 1})
	t2 := db.Begin(Options{Isolation: RepeatableRead, Owner: 2})
	mustNil(t, t1.Put(ctx, []byte("k"), []byte("1")))
	done := async(func() error { return t2.Put(ctx, []byte("k"), []byte("2")) })
	waitForWaiter(t, db, 2)
	locks := db.Locks()
	slices.SortFunc(locks, func(a, b LockInfo) int { return int(a.Owner - b.Owner) })
	if len(locks) != 2 || !locks[0].Granted || locks[0].Mode != LockExclusive || string(locks[0].Key) != "k" ||
		locks[1].Granted || locks[1].WaitStart.IsZero() || locks[1].Mode != LockExclusive {
		t.Fatalf("pg_locks view: %+v", locks)
	}
	mustNil(t, t1.Commit(ctx))
	err := recv(t, done)
	if pgerr.Code(err) != pgerr.SerializationFailure {
		t.Fatalf("second writer: %v, want 40001", err)
	}
	if err.Error() != "could not serialize access due to concurrent update" {
		t.Errorf("message %q", err.Error())
	}
	t2.Rollback()
	if got := get(t, db.Begin(Options{}), "k"); got != "1" {
		t.Errorf("k = %s, want first committer's 1", got)
	}

	// The first writer rolls back: the waiter's write goes through.
	t3 := db.Begin(Options{Isolation: RepeatableRead, Owner: 3})
	t4 := db.Begin(Options{Isolation: RepeatableRead, Owner: 4})
	mustNil(t, t3.Put(ctx, []byte("k"), []byte("3")))
	done = async(func() error { return t4.Put(ctx, []byte("k"), []byte("4")) })
	waitForWaiter(t, db, 4)
	t3.Rollback()
	mustNil(t, recv(t, done))
	mustNil(t, t4.Commit(ctx))
	if got := get(t, db.Begin(Options{}), "k"); got != "4" {
		t.Errorf("k = %s, want 4", got)
	}
	if l := db.Locks(); len(l) != 0 {
		t.Errorf("locks left: %+v", l)
	}
}

// TestReadCommittedLockedNewer: at READ COMMITTED a waiter woken by a
// commit gets LockedNewer, re-reads the latest version and may write on
// top of it (EvalPlanQual); a Put that skipped that gets a statement retry.
func TestReadCommittedLockedNewer(t *testing.T) {
	db := memDB(t)
	put(t, db, "k", "0")
	t1 := db.Begin(Options{Owner: 1})
	t2 := db.Begin(Options{Owner: 2})
	mustNil(t, t1.Put(ctx, []byte("k"), []byte("1")))
	type res struct {
		r   LockResult
		err error
	}
	ch := make(chan res, 1)
	go func() {
		r, err := t2.Lock(ctx, []byte("k"), LockExclusive, WaitBlock)
		ch <- res{r, err}
	}()
	waitForWaiter(t, db, 2)
	mustNil(t, t1.Commit(ctx))
	var r res
	select {
	case r = <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("waiter not woken by commit")
	}
	if r.err != nil || r.r != LockedNewer {
		t.Fatalf("lock after concurrent commit: %v %v", r.r, r.err)
	}
	// Reported on every call, even though the lock is already held.
	if r, err := t2.Lock(ctx, []byte("k"), LockExclusive, WaitBlock); r != LockedNewer || err != nil {
		t.Fatalf("re-lock: %v %v", r, err)
	}
	if got := get(t, t2, "k"); got != "0" {
		t.Errorf("snapshot read %s, want 0", got)
	}
	v, ok, err := t2.GetLatest(ctx, []byte("k"))
	if err != nil || !ok || string(v) != "1" {
		t.Fatalf("GetLatest = %q %v %v, want 1", v, ok, err)
	}
	mustNil(t, t2.Put(ctx, []byte("k"), []byte("1+1")))
	mustNil(t, t2.Commit(ctx))
	if got := get(t, db.Begin(Options{}), "k"); got != "1+1" {
		t.Errorf("k = %s", got)
	}

	// Without Lock, Put reports a statement retry; after the retry
	// (writes undone, locks kept, new snapshot) it succeeds.
	t3 := db.Begin(Options{Owner: 3})
	sp := t3.Savepoint()
	put(t, db, "k", "2")
	var retry *RetryStatementError
	if err := t3.Put(ctx, []byte("k"), []byte("x")); !errors.As(err, &retry) || pgerr.Code(err) != pgerr.SerializationFailure {
		t.Fatalf("stale RC put: %v", err)
	}
	t3.RollbackToKeepLocks(sp)
	if len(db.Locks()) != 1 {
		t.Fatalf("lock not kept across the retry: %+v", db.Locks())
	}
	t3.Refresh()
	if r, err := t3.Lock(ctx, []byte("k"), LockExclusive, WaitBlock); r != Locked || err != nil {
		t.Fatalf("lock after refresh: %v %v", r, err)
	}
	mustNil(t, t3.Put(ctx, []byte("k"), []byte("3")))
	mustNil(t, t3.Commit(ctx))

	// At REPEATABLE READ a blind write of a concurrently updated row
	// fails (no statement retry)...
	rr := db.Begin(Options{Isolation: RepeatableRead})
	put(t, db, "k", "4", "gone", "1")
	if err := rr.Put(ctx, []byte("k"), []byte("5")); pgerr.Code(err) != pgerr.SerializationFailure || errors.As(err, &retry) {
		t.Fatalf("RR put: %v", err)
	}
	rr.Rollback()
	// ...but a write after Lock reported the newer version is the
	// caller's decision: an insert whose conflicting row was deleted
	// concurrently succeeds, as in PostgreSQL.
	rr = db.Begin(Options{Isolation: RepeatableRead})
	tx := db.Begin(Options{})
	mustNil(t, tx.Delete(ctx, []byte("gone")))
	mustNil(t, tx.Commit(ctx))
	if r, err := rr.Lock(ctx, []byte("gone"), LockExclusive, WaitBlock); r != LockedNewer || err != nil {
		t.Fatalf("RR lock: %v %v", r, err)
	}
	if _, found, err := rr.GetLatest(ctx, []byte("gone")); found || err != nil {
		t.Fatalf("GetLatest of a deleted row: %v %v", found, err)
	}
	mustNil(t, rr.Put(ctx, []byte("gone"), []byte("again")))
	mustNil(t, rr.Commit(ctx))
}

func TestSharedAndExclusiveLocks(t *testing.T) {
	db := memDB(t)
	k := []byte("row")
	s1 := db.Begin(Options{Owner: 1})
	s2 := db.Begin(Options{Owner: 2})
	x := db.Begin(Options{Owner: 3})
	for _, tx := range []*Txn{s1, s2} {
		if r, err := tx.Lock(ctx, k, LockShare, WaitBlock); r != Locked || err != nil {
			t.Fatalf("shared lock: %v %v", r, err)
		}
	}
	_, err := x.Lock(ctx, k, LockExclusive, WaitNoWait)
	if pgerr.Code(err) != pgerr.LockNotAvailable || err.Error() != "could not obtain lock on row" {
		t.Fatalf("NOWAIT: %v", err)
	}
	if r, err := x.Lock(ctx, k, LockExclusive, WaitSkipLocked); r != LockSkipped || err != nil {
		t.Fatalf("SKIP LOCKED: %v %v", r, err)
	}
	if err := x.Put(ctx, []byte("other"), nil); err != nil {
		t.Fatal(err) // unrelated keys are not affected
	}
	done := async(func() error {
		_, err := x.Lock(ctx, k, LockExclusive, WaitBlock)
		return err
	})
	waitForWaiter(t, db, 3)
	mustNil(t, s1.Commit(ctx))
	select {
	case err := <-done:
		t.Fatalf("exclusive granted with a shared holder left: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	s2.Rollback()
	mustNil(t, recv(t, done))
	// Holding exclusive covers shared.
	if r, err := x.Lock(ctx, k, LockShare, WaitNoWait); r != Locked || err != nil {
		t.Fatalf("re-lock shared: %v %v", r, err)
	}
	if _, err := db.Begin(Options{}).Lock(ctx, k, LockShare, WaitNoWait); pgerr.Code(err) != pgerr.LockNotAvailable {
		t.Fatalf("shared vs exclusive: %v", err)
	}
	x.Rollback()
}

func TestLockTimeoutAndCancel(t *testing.T) {
	db := memDB(t)
	holder := db.Begin(Options{Owner: 1})
	mustNil(t, holder.Put(ctx, []byte("k"), []byte("1")))

	tx := db.Begin(Options{Owner: 2})
	tx.SetLockTimeout(30 * time.Millisecond)
	start := time.Now()
	err := tx.Put(ctx, []byte("k"), []byte("2"))
	if pgerr.Code(err) != pgerr.LockNotAvailable || err.Error() != "canceling statement due to lock timeout" {
		t.Fatalf("lock timeout: %v", err)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("timed out after %v", d)
	}
	if n := len(db.Locks()); n != 1 {
		t.Fatalf("timed-out request left in the table: %+v", db.Locks())
	}

	cctx, cancel := context.WithCancel(ctx)
	tx.SetLockTimeout(0)
	done := async(func() error { return tx.Put(cctx, []byte("k"), []byte("2")) })
	waitForWaiter(t, db, 2)
	cancel()
	if err := recv(t, done); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled wait: %v", err)
	}
	// The transaction is still usable; after the holder ends it can lock.
	holder.Rollback()
	mustNil(t, tx.Put(ctx, []byte("k"), []byte("2")))
	mustNil(t, tx.Commit(ctx))
	if l := db.Locks(); len(l) != 0 {
		t.Errorf("locks left: %+v", l)
	}
}

func TestDeadlockTwoTxns(t *testing.T) {
	db := memDB(t)
	t1 := db.Begin(Options{Owner: 101})
	t2 := db.Begin(Options{Owner: 102})
	mustNil(t, t1.Put(ctx, []byte("a"), []byte("1")))
	mustNil(t, t2.Put(ctx, []byte("b"), []byte("2")))
	done := async(func() error { return t1.Put(ctx, []byte("b"), []byte("1")) })
	waitForWaiter(t, db, 101)
	err := t2.Put(ctx, []byte("a"), []byte("2"))
	var pe *pgerr.Error
	if !errors.As(err, &pe) || pe.Code != pgerr.DeadlockDetected || pe.Message != "deadlock detected" {
		t.Fatalf("deadlock: %v", err)
	}
	wantDetail := fmt.Sprintf("Process 102 waits for ShareLock on transaction %d; blocked by process 101.\n"+
		"Process 101 waits for ShareLock on transaction %d; blocked by process 102.", t1.id, t2.id)
	if pe.Detail != wantDetail || pe.Hint != "See server log for query details." {
		t.Errorf("detail %q hint %q", pe.Detail, pe.Hint)
	}
	t2.Rollback()
	mustNil(t, recv(t, done))
	mustNil(t, t1.Commit(ctx))
	r := db.Begin(Options{})
	if got := get(t, r, "a") + get(t, r, "b"); got != "11" {
		t.Errorf("a,b = %s", got)
	}
}

// TestDeadlockThreeTxns closes a three-way cycle from three goroutines at
// once, many times: exactly one victim each time, the others commit.
func TestDeadlockThreeTxns(t *testing.T) {
	db := memDB(t)
	for round := 0; round < 30; round++ {
		keys := []string{"a", "b", "c"}
		txs := make([]*Txn, 3)
		for i := range txs {
			txs[i] = db.Begin(Options{Owner: int32(i + 1)})
			mustNil(t, txs[i].Put(ctx, []byte(keys[i]), []byte("x")))
		}
		errs := make(chan error, 3)
		var wg sync.WaitGroup
		for i := range txs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				tx := txs[i]
				sp := tx.Savepoint()
				err := tx.Put(ctx, []byte(keys[(i+1)%3]), []byte("y"))
				var retry *RetryStatementError
				if errors.As(err, &retry) {
					// A neighbour committed the key while we waited: READ
					// COMMITTED re-runs the statement, keeping its locks.
					tx.RollbackToKeepLocks(sp)
					tx.Refresh()
					err = tx.Put(ctx, []byte(keys[(i+1)%3]), []byte("y"))
				}
				if err != nil {
					tx.Rollback()
				} else {
					err = tx.Commit(ctx)
				}
				errs <- err
			}(i)
		}
		wg.Wait()
		close(errs)
		victims := 0
		for err := range errs {
			switch {
			case err == nil:
			case pgerr.Code(err) == pgerr.DeadlockDetected:
				victims++
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if victims != 1 {
			t.Fatalf("round %d: %d victims", round, victims)
		}
		if l := db.Locks(); len(l) != 0 {
			t.Fatalf("round %d: locks left: %+v", round, l)
		}
	}
}

// TestSavepointReleasesLocks: ROLLBACK TO releases the locks first taken
// after the savepoint and undoes upgrades made after it.
func TestSavepointReleasesLocks(t *testing.T) {
	db := memDB(t)
	tx := db.Begin(Options{Owner: 1})
	mustNil(t, tx.Put(ctx, []byte("a"), []byte("1")))
	if _, err := tx.Lock(ctx, []byte("c"), LockShare, WaitBlock); err != nil {
		t.Fatal(err)
	}
	sp := tx.Savepoint()
	mustNil(t, tx.Put(ctx, []byte("b"), []byte("1")))
	mustNil(t, tx.Put(ctx, []byte("c"), []byte("1"))) // upgrade
	mustNil(t, tx.Put(ctx, []byte("a"), []byte("2"))) // already held
	other := db.Begin(Options{Owner: 2})
	try := func(k string, s LockStrength) error {
		_, err := other.Lock(ctx, []byte(k), s, WaitNoWait)
		return err
	}
	if try("b", LockShare) == nil || try("c", LockShare) == nil {
		t.Fatal("locks taken after the savepoint not held")
	}
	tx.RollbackTo(sp)
	if err := try("b", LockExclusive); err != nil {
		t.Errorf("b still locked: %v", err)
	}
	if err := try("c", LockShare); err != nil {
		t.Errorf("c not back to shared: %v", err)
	}
	if err := try("a", LockShare); pgerr.Code(err) != pgerr.LockNotAvailable {
		t.Errorf("a (locked before the savepoint) released: %v", err)
	}
	// Re-locking after the rollback works and RollbackTo again is a no-op.
	other.Rollback()
	mustNil(t, tx.Put(ctx, []byte("b"), []byte("3")))
	tx.RollbackTo(sp)
	tx.RollbackTo(sp)
	mustNil(t, tx.Commit(ctx))
	r := db.Begin(Options{})
	if got := scanAll(t, r, "", "", false); !slices.Equal(got, []string{"a=1"}) {
		t.Errorf("committed %v", got)
	}
	if l := db.Locks(); len(l) != 0 {
		t.Errorf("locks left: %+v", l)
	}
}

// TestLargeTransaction commits 200k rows in one transaction.
func TestLargeTransaction(t *testing.T) {
	if testing.Short() {
		t.Skip("large")
	}
	db := memDB(t)
	const n = 200_000
	tx := db.Begin(Options{})
	tx.SetSynchronousCommit(false)
	for i := 0; i < n; i++ {
		mustNil(t, tx.Put(ctx, []byte(fmt.Sprintf("row%07d", i)), []byte(fmt.Sprintf("v%d", i))))
	}
	mustNil(t, tx.Commit(ctx))
	if l := db.Locks(); len(l) != 0 {
		t.Fatalf("%d locks left", len(l))
	}
	r := db.Begin(Options{})
	it := r.Scan(ctx, []byte("row"), []byte("rox"), false)
	count := 0
	for it.Next() {
		if want := fmt.Sprintf("row%07d=v%d", count, count); string(it.Key())+"="+string(it.Value()) != want {
			t.Fatalf("row %d: %s=%s", count, it.Key(), it.Value())
		}
		count++
	}
	mustNil(t, it.Err())
	it.Close()
	if count != n {
		t.Fatalf("read back %d rows, want %d", count, n)
	}
	if got := get(t, r, "row0123456"); got != "v123456" {
		t.Errorf("point read %s", got)
	}
}

func async(f func() error) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	return ch
}

func recv(t *testing.T, ch <-chan error) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("still waiting after 5s")
		return nil
	}
}

// waitForWaiter returns once the transaction of owner waits for a lock.
func waitForWaiter(t *testing.T, db *DB, owner int32) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, l := range db.Locks() {
			if !l.Granted && l.Owner == owner {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("owner %d never waited", owner)
		}
		time.Sleep(time.Millisecond)
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

	// Two full scans, each followed by an insert into the other's range:
	// a write skew through phantoms, which must not commit twice.
	t2 := db.Begin(Options{Isolation: Serializable})
	t3 := db.Begin(Options{Isolation: Serializable})
	scanAll(t, t2, "a", "", false)
	scanAll(t, t3, "a", "", false)
	mustNil(t, t2.Put(ctx, []byte("bb"), []byte("2")))
	mustNil(t, t3.Put(ctx, []byte("bc"), []byte("3")))
	mustNil(t, t2.Commit(ctx))
	if err := t3.Commit(ctx); pgerr.Code(err) != pgerr.SerializationFailure {
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
//   - rc-ordered: READ COMMITTED, both rows locked in key order, then read
//     at their latest version: waiting replaces aborts entirely.
//   - rc-unordered: the same in random order: deadlocks happen (exactly
//     one victim each, which rolls back) but never a serialization failure.
//   - rr: REPEATABLE READ read-then-write: a writer that waited for a
//     committed concurrent transfer fails with 40001.
func TestConcurrentTransfers(t *testing.T) {
	for _, mode := range []string{"rc-ordered", "rc-unordered", "rr"} {
		t.Run(mode, func(t *testing.T) { testConcurrentTransfers(t, mode) })
	}
}

func testConcurrentTransfers(t *testing.T, mode string) {
	db, e := openDB(t, t.TempDir()) // real fsyncs, so commits group
	defer e.Close()
	const accounts, initial = 20, 100
	key := func(i int) []byte {
		return keys.EncodeVarintAscending(keys.IndexPrefix(uint32(1+i%2), 1), int64(i))
	}
	enc := func(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }
	dec := func(v []byte) int64 { return int64(binary.BigEndian.Uint64(v)) }
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
			sum += dec(v)
		}
		return sum
	}
	// transfer moves amt; it returns the transaction's first error.
	transfer := func(tx *Txn, from, to int, amt int64) error {
		a, b := key(from), key(to)
		if mode == "rr" {
			fv, _, _ := tx.Get(ctx, a)
			tv, _, _ := tx.Get(ctx, b)
			if err := tx.Put(ctx, a, enc(dec(fv)-amt)); err != nil {
				return err
			}
			return tx.Put(ctx, b, enc(dec(tv)+amt))
		}
		first, second := a, b
		if mode == "rc-ordered" && bytes.Compare(a, b) > 0 {
			first, second = b, a
		}
		for _, k := range [][]byte{first, second} {
			if _, err := tx.Lock(ctx, k, LockExclusive, WaitBlock); err != nil {
				return err
			}
		}
		// Both rows are locked: their latest versions cannot change.
		fv, _, err := tx.GetLatest(ctx, a)
		if err != nil {
			return err
		}
		tv, _, err := tx.GetLatest(ctx, b)
		if err != nil {
			return err
		}
		if err := tx.Put(ctx, a, enc(dec(fv)-amt)); err != nil {
			return err
		}
		return tx.Put(ctx, b, enc(dec(tv)+amt))
	}
	iso := ReadCommitted
	if mode == "rr" {
		iso = RepeatableRead
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	outcomes := map[string]int{}
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 7))
			for n := 0; n < 40; n++ {
				if seed%4 == 0 { // some goroutines only audit
					tx := db.Begin(Options{Isolation: RepeatableRead})
					if s := total(tx); s != accounts*initial {
						t.Errorf("reader saw total %d", s)
					}
					mustNilG(t, tx.Commit(ctx))
					continue
				}
				from, to := rng.IntN(accounts), rng.IntN(accounts)
				if from == to {
					continue
				}
				tx := db.Begin(Options{Isolation: iso, Owner: int32(seed)})
				err := transfer(tx, from, to, int64(rng.IntN(10)))
				if err == nil {
					err = tx.Commit(ctx)
				} else {
					tx.Rollback()
				}
				code := "ok"
				if err != nil {
					code = pgerr.Code(err)
				}
				mu.Lock()
				outcomes[code]++
				mu.Unlock()
			}
		}(uint64(g))
	}
	wg.Wait()
	if s := total(db.Begin(Options{})); s != accounts*initial {
		t.Fatalf("final total %d", s)
	}
	t.Logf("outcomes by SQLSTATE: %v", outcomes)
	if outcomes["ok"] == 0 {
		t.Fatal("no transfer committed")
	}
	allowed := map[string][]string{
		"rc-ordered":   nil,
		"rc-unordered": {pgerr.DeadlockDetected},
		"rr":           {pgerr.SerializationFailure, pgerr.DeadlockDetected},
	}[mode]
	for code, n := range outcomes {
		if code != "ok" && !slices.Contains(allowed, code) {
			t.Errorf("%d transfers failed with %s", n, code)
		}
	}
	if l := db.Locks(); len(l) != 0 {
		t.Errorf("locks left: %+v", l)
	}
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

// TestLockStress takes random shared and exclusive locks (and upgrades)
// on a few hot keys from many goroutines. Every wait must end: a
// deadlock the detector missed would run into the context deadline.
func TestLockStress(t *testing.T) {
	db := memDB(t)
	keys := []string{"k0", "k1", "k2", "k3", "k4", "k5"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	outcomes := map[string]int{}
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, 11))
			for n := 0; n < 150; n++ {
				tx := db.Begin(Options{Owner: int32(seed)})
				wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				var err error
				for i := 0; i < 3 && err == nil; i++ {
					s := LockShare
					if rng.IntN(2) == 0 {
						s = LockExclusive
					}
					_, err = tx.Lock(wctx, []byte(keys[rng.IntN(len(keys))]), s, WaitBlock)
				}
				cancel()
				code := "ok"
				if err != nil {
					code = pgerr.Code(err)
					tx.Rollback()
				} else if rng.IntN(2) == 0 {
					tx.Rollback()
				} else {
					mustNilG(t, tx.Commit(ctx))
				}
				mu.Lock()
				outcomes[code]++
				mu.Unlock()
			}
		}(uint64(g))
	}
	wg.Wait()
	t.Logf("outcomes: %v", outcomes)
	for code := range outcomes {
		if code != "ok" && code != pgerr.DeadlockDetected {
			t.Errorf("%d lock attempts ended with %s", outcomes[code], code)
		}
	}
	if l := db.Locks(); len(l) != 0 {
		t.Errorf("locks left: %+v", l)
	}
}

// Hermitage G2-two-edges through the DB: the pivot's write fails (with
// PostgreSQL's "during write" reason), not only its commit; a write
// without an in-edge in the same situation proceeds.
func TestSerializableFailsAtWrite(t *testing.T) {
	db := memDB(t)
	put(t, db, "x", "10", "y", "20")
	ser := Options{Isolation: Serializable}
	t1 := db.Begin(ser)
	scanAll(t, t1, "a", "z", false)
	t2 := db.Begin(ser)
	get(t, t2, "y")
	mustNil(t, t2.Put(ctx, []byte("y"), []byte("25")))
	mustNil(t, t2.Commit(ctx))
	t3 := db.Begin(ser)
	if got := fmt.Sprint(scanAll(t, t3, "a", "z", false)); got != "[x=10 y=25]" {
		t.Fatalf("t3 read %s", got)
	}
	mustNil(t, t3.Commit(ctx))
	// A key nobody read: no in-edge, no failure yet.
	mustNil(t, t1.Put(ctx, []byte("zz"), []byte("1")))
	err := t1.Put(ctx, []byte("x"), []byte("0"))
	e := pgerr.As(err)
	if e == nil || e.Code != pgerr.SerializationFailure ||
		e.Detail != "Reason code: Canceled on identification as a pivot, during write." {
		t.Fatalf("t1's write: %v", err)
	}
	t1.Rollback()
	if n := db.ssiRecords.Load(); n != 0 {
		t.Fatalf("%d SSI records retained after every transaction ended", n)
	}
}

// The lock table's commit record answers the newer-commit check of a new
// lock exactly as the Manager would, and is pruned with it.
func TestLockSeesNewerCommit(t *testing.T) {
	db := memDB(t)
	put(t, db, "k", "1")
	rr := db.Begin(Options{Isolation: RepeatableRead})
	rc := db.Begin(Options{Isolation: ReadCommitted})
	get(t, rr, "k")
	put(t, db, "k", "2") // commits after both snapshots
	if err := rr.Put(ctx, []byte("k"), []byte("3")); pgerr.Code(err) != pgerr.SerializationFailure {
		t.Fatalf("rr: %v", err)
	}
	rr.Rollback()
	res, err := rc.Lock(ctx, []byte("k"), LockExclusive, WaitBlock)
	mustNil(t, err)
	if res != LockedNewer {
		t.Fatalf("rc lock: %v, want LockedNewer", res)
	}
	v, _, err := rc.GetLatest(ctx, []byte("k"))
	mustNil(t, err)
	if string(v) != "2" {
		t.Fatalf("GetLatest = %q", v)
	}
	mustNil(t, rc.Put(ctx, []byte("k"), []byte("3")))
	mustNil(t, rc.Commit(ctx))
	// A transaction begun after the commits finds nothing newer.
	late := db.Begin(Options{Isolation: RepeatableRead})
	mustNil(t, late.Put(ctx, []byte("k"), []byte("4")))
	mustNil(t, late.Commit(ctx))
	// Nothing is live: the next commit prunes every shard record it meets.
	for i := range 64 {
		put(t, db, fmt.Sprint("p", i), "v")
	}
	n := 0
	for i := range db.locks.shards {
		sh := &db.locks.shards[i]
		sh.mu.Lock()
		n += len(sh.t.commits)
		sh.mu.Unlock()
	}
	if n > lockShardCount {
		t.Fatalf("%d commit records retained with no live transaction", n)
	}
}

// Refresh keeps the snapshot (and so the point reader) while nothing
// committed, and moves it once something did.
func TestRefreshKeepsReaderWhenIdle(t *testing.T) {
	db := memDB(t)
	put(t, db, "k", "1")
	rc := db.Begin(Options{})
	if get(t, rc, "k") != "1" {
		t.Fatal("first read")
	}
	ts := rc.ReadTS()
	rc.Refresh()
	if rc.ReadTS() != ts {
		t.Fatal("idle Refresh moved the snapshot")
	}
	put(t, db, "k", "2")
	rc.Refresh()
	if rc.ReadTS() == ts {
		t.Fatal("Refresh did not move past a commit")
	}
	if got := get(t, rc, "k"); got != "2" {
		t.Fatalf("after Refresh read %q", got)
	}
	mustNil(t, rc.Commit(ctx))
}

// A bulk write (PutUnlocked) is not in the lock table's commit record;
// a later lock still finds it newer than the snapshot, through the
// Manager, as for any other commit.
func TestLockSeesNewerUnlockedCommit(t *testing.T) {
	db := memDB(t)
	put(t, db, "k", "1")
	rr := db.Begin(Options{Isolation: RepeatableRead})
	rc := db.Begin(Options{Isolation: ReadCommitted})
	get(t, rr, "k")
	bulk := db.Begin(Options{})
	mustNil(t, bulk.PutUnlocked([]byte("k"), []byte("2")))
	mustNil(t, bulk.Commit(ctx))
	if err := rr.Put(ctx, []byte("k"), []byte("3")); pgerr.Code(err) != pgerr.SerializationFailure {
		t.Fatalf("rr: %v", err)
	}
	rr.Rollback()
	res, err := rc.Lock(ctx, []byte("k"), LockExclusive, WaitBlock)
	mustNil(t, err)
	if res != LockedNewer {
		t.Fatalf("rc lock: %v, want LockedNewer", res)
	}
	mustNil(t, rc.Put(ctx, []byte("k"), []byte("3")))
	mustNil(t, rc.Commit(ctx))
	r := db.Begin(Options{})
	if got := get(t, r, "k"); got != "3" {
		t.Fatalf("k = %q", got)
	}
	r.Rollback()
}
