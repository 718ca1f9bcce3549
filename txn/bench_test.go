package txn

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
)

func BenchmarkPointGet(b *testing.B) {
	db, e := openDB(b, b.TempDir())
	defer e.Close()
	tx := db.Begin(Options{})
	for i := 0; i < 10000; i++ {
		tx.Put(ctx, []byte(fmt.Sprintf("key%06d", i)), []byte("value"))
	}
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r := db.Begin(Options{})
		if _, ok, err := r.Get(ctx, []byte(fmt.Sprintf("key%06d", i%10000))); !ok || err != nil {
			b.Fatal("missing")
		}
		r.Commit(ctx)
		i++
	}
}

func BenchmarkCommitSync(b *testing.B) {
	db, e := openDB(b, b.TempDir())
	defer e.Close()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tx := db.Begin(Options{})
		tx.Put(ctx, []byte(fmt.Sprintf("key%06d", i%1000)), []byte("value"))
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkPutUncontended measures Put with its implicit row lock when no
// other transaction holds the key: five fresh keys and one re-lock per
// transaction, rolled back so storage stays out of the measurement.
func BenchmarkPutUncontended(b *testing.B) {
	db, e := openDB(b, "")
	defer e.Close()
	keys := make([][]byte, 1024)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("key%06d", i))
	}
	val := []byte("value")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tx := db.Begin(Options{})
		for j := 0; j < 5; j++ {
			if err := tx.Put(ctx, keys[(i+j)%len(keys)], val); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Put(ctx, keys[i%len(keys)], val); err != nil {
			b.Fatal(err)
		}
		tx.Rollback()
		i += 5
	}
}

// BenchmarkPutContended runs TPC-B-like transactions (a hot "branch" row
// among 10 plus a cold row each) from many goroutines, so most of them
// wait for a row lock: the cost of queueing, deadlock checks and handoff.
func BenchmarkPutContended(b *testing.B) {
	db, e := openDB(b, "")
	defer e.Close()
	b.ReportAllocs()
	b.SetParallelism(16)
	var seq atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			tx := db.Begin(Options{})
			tx.SetSynchronousCommit(false)
			err := tx.Put(ctx, []byte(fmt.Sprintf("branch%d", n%10)), []byte("v"))
			if err == nil {
				err = tx.Put(ctx, []byte(fmt.Sprintf("account%d", n)), []byte("v"))
			}
			if err == nil {
				err = tx.Commit(ctx)
			} else {
				tx.Rollback()
			}
			var retry *RetryStatementError
			if err != nil && !errors.As(err, &retry) {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLockUncontended isolates one lock's cost: acquire a free key,
// re-lock it (served from the transaction's own held set) and release it
// at Rollback. Compare with BenchmarkLockStubCost, what the pre-lock-table
// stub paid per Lock (the Manager's newer-commit check).
func BenchmarkLockUncontended(b *testing.B) {
	db, e := openDB(b, "")
	defer e.Close()
	keys := make([][]byte, 1024)
	for i := range keys {
		keys[i] = []byte(fmt.Sprintf("key%06d", i))
	}
	b.ReportAllocs()
	tx := db.Begin(Options{})
	i := 0
	for b.Loop() {
		k := keys[i%len(keys)]
		if _, err := tx.Lock(ctx, k, LockExclusive, WaitBlock); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Lock(ctx, k, LockExclusive, WaitBlock); err != nil {
			b.Fatal(err)
		}
		i++
		if i%8 == 0 {
			tx.Rollback()
			tx = db.Begin(Options{})
		}
	}
	tx.Rollback()
}

func BenchmarkLockStubCost(b *testing.B) {
	db, e := openDB(b, "")
	defer e.Close()
	k := []byte("key000001")
	b.ReportAllocs()
	for b.Loop() {
		db.mu.Lock()
		_ = db.mgr.CommittedAfter(k, 0)
		db.mu.Unlock()
	}
}

// BenchmarkReadCommittedStatements is a READ COMMITTED session running
// point-read statements while nothing commits: Refresh before each one,
// then a Get (PostgreSQL's per-statement snapshot).
func BenchmarkReadCommittedStatements(b *testing.B) {
	db, e := openDB(b, "")
	defer e.Close()
	tx := db.Begin(Options{})
	for i := range 100 {
		tx.Put(ctx, []byte(fmt.Sprintf("key%06d", i)), []byte("value"))
	}
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	rc := db.Begin(Options{})
	defer rc.Rollback()
	i := 0
	for b.Loop() {
		rc.Refresh()
		if _, ok, err := rc.Get(ctx, []byte(fmt.Sprintf("key%06d", i%100))); !ok || err != nil {
			b.Fatal("missing")
		}
		i++
	}
}

// BenchmarkTxnOverhead mirrors bench/cmd/txoverhead at the txn layer: ten
// single-key inserts per op, in one transaction or ten autocommits, with
// synchronous commit off.
func BenchmarkTxnOverhead(b *testing.B) {
	for _, mode := range []string{"autocommit", "txn"} {
		b.Run(mode, func(b *testing.B) {
			db, e := openDB(b, b.TempDir())
			defer e.Close()
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				var tx *Txn
				for j := 0; j < 10; j++ {
					if tx == nil {
						tx = db.Begin(Options{})
						tx.SetSynchronousCommit(false)
					}
					tx.Refresh()
					if err := tx.Put(ctx, []byte(fmt.Sprintf("t%d/%09d", j, n)), []byte("value")); err != nil {
						b.Fatal(err)
					}
					if mode == "autocommit" {
						if err := tx.Commit(ctx); err != nil {
							b.Fatal(err)
						}
						tx = nil
					}
				}
				if tx != nil {
					if err := tx.Commit(ctx); err != nil {
						b.Fatal(err)
					}
				}
				n++
			}
		})
	}
}

// BenchmarkCommitConcurrent is TPC-B's shape without the hot rows: many
// goroutines each committing a few READ COMMITTED writes to keys of their
// own, synchronous commit off, so Begin, Refresh, locking and Commit's
// shared state dominate.
func BenchmarkCommitConcurrent(b *testing.B) {
	db, e := openDB(b, "")
	defer e.Close()
	b.ReportAllocs()
	b.SetParallelism(4)
	var seq atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			tx := db.Begin(Options{})
			tx.SetSynchronousCommit(false)
			for j := 0; j < 4; j++ {
				tx.Refresh()
				if err := tx.Put(ctx, []byte(fmt.Sprintf("k%d/%d", j, n)), []byte("v")); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
