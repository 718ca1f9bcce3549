package txn

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/conflux-db/conflux/storage"
)

func gcTestDB(t *testing.T) (*DB, *storage.Engine) {
	t.Helper()
	e, err := storage.Open(context.Background(), "", storage.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	db, err := Open(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	return db, e
}

// gcWrite commits one write of key (a delete when value is "").
func gcWrite(t *testing.T, db *DB, key, value string) {
	t.Helper()
	ctx := context.Background()
	tx := db.Begin(Options{Isolation: ReadCommitted})
	var err error
	if value == "" {
		err = tx.Delete(ctx, []byte(key))
	} else {
		err = tx.Put(ctx, []byte(key), []byte(value))
	}
	if err == nil {
		err = tx.Commit(ctx)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func gcVersions(t *testing.T, e *storage.Engine) int64 {
	t.Helper()
	n, err := e.CountVersions(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func gcRead(t *testing.T, tx *Txn, key string) string {
	t.Helper()
	v, ok, err := tx.Get(context.Background(), []byte(key))
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return "<none>"
	}
	return string(v)
}

// TestGCKeepsWhatSnapshotsSee: versions pile up under updates, a
// long-running snapshot pins the version it reads (and everything newer),
// and once it ends GC removes all but the newest.
func TestGCKeepsWhatSnapshotsSee(t *testing.T) {
	ctx := context.Background()
	db, e := gcTestDB(t)
	for i := range 10 {
		gcWrite(t, db, "k", fmt.Sprintf("v%d", i))
		gcWrite(t, db, "gone", "x")
	}
	gcWrite(t, db, "gone", "")
	if n := gcVersions(t, e); n != 21 {
		t.Fatalf("%d versions before GC, want 21", n)
	}

	old := db.Begin(Options{Isolation: RepeatableRead})
	if got := gcRead(t, old, "k"); got != "v9" {
		t.Fatalf("old snapshot reads %s", got)
	}
	for i := 10; i < 20; i++ {
		gcWrite(t, db, "k", fmt.Sprintf("v%d", i))
	}
	if h := db.GCHorizon(); h != old.ReadTS() {
		t.Fatalf("horizon %d, want the old snapshot's %d", h, old.ReadTS())
	}
	if err := db.CollectNow(ctx); err != nil {
		t.Fatal(err)
	}
	// k keeps v9 (the old snapshot's) and v10..v19; "gone" was deleted
	// before the snapshot, so nothing of it is left.
	if n := gcVersions(t, e); n != 11 {
		t.Fatalf("%d versions with a pinned snapshot, want 11", n)
	}
	s := db.GCStatus()
	if s.Runs != 1 || s.Running || s.KeysScanned != 31 || s.VersionsRemoved != 20 || s.TotalRemoved != 20 ||
		s.Horizon != old.ReadTS() || s.LastStart.IsZero() {
		t.Fatalf("status after first sweep: %+v", s)
	}
	if got, gone := gcRead(t, old, "k"), gcRead(t, old, "gone"); got != "v9" || gone != "<none>" {
		t.Fatalf("old snapshot reads k=%s gone=%s after GC", got, gone)
	}
	if err := old.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	if err := db.CollectNow(ctx); err != nil {
		t.Fatal(err)
	}
	if n := gcVersions(t, e); n != 1 {
		t.Fatalf("%d versions after the snapshot ended, want 1", n)
	}
	s = db.GCStatus()
	if s.Runs != 2 || s.VersionsRemoved != 10 || s.TotalRemoved != 30 {
		t.Fatalf("status after second sweep: %+v", s)
	}
	now := db.Begin(Options{Isolation: RepeatableRead})
	defer now.Rollback()
	if got, gone := gcRead(t, now, "k"), gcRead(t, now, "gone"); got != "v19" || gone != "<none>" {
		t.Fatalf("after GC: k=%s gone=%s", got, gone)
	}
}

// TestGCReadCommittedSnapshotMoves: a READ COMMITTED transaction pins
// only its current statement's snapshot, so refreshing releases history.
func TestGCReadCommittedSnapshotMoves(t *testing.T) {
	ctx := context.Background()
	db, e := gcTestDB(t)
	gcWrite(t, db, "k", "v0")
	rc := db.Begin(Options{Isolation: ReadCommitted})
	defer rc.Rollback()
	gcRead(t, rc, "k")
	for i := 1; i <= 5; i++ {
		gcWrite(t, db, "k", fmt.Sprintf("v%d", i))
	}
	if err := db.CollectNow(ctx); err != nil {
		t.Fatal(err)
	}
	if n := gcVersions(t, e); n != 6 {
		t.Fatalf("%d versions while the statement snapshot is old, want 6", n)
	}
	rc.Refresh()
	if err := db.CollectNow(ctx); err != nil {
		t.Fatal(err)
	}
	if n := gcVersions(t, e); n != 1 {
		t.Fatalf("%d versions after Refresh, want 1", n)
	}
	if got := gcRead(t, rc, "k"); got != "v5" {
		t.Fatalf("read %s", got)
	}
}

func TestStartGC(t *testing.T) {
	db, e := gcTestDB(t)
	for i := range 50 {
		gcWrite(t, db, fmt.Sprintf("k%d", i%5), fmt.Sprint(i))
	}
	stop := db.StartGC(context.Background(), 5*time.Millisecond)
	defer stop()
	deadline := time.Now().Add(5 * time.Second)
	for gcVersions(t, e) != 5 {
		if time.Now().After(deadline) {
			t.Fatalf("background GC left %d versions; status %+v", gcVersions(t, e), db.GCStatus())
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Idle: the horizon does not move, so further ticks skip the sweep.
	time.Sleep(30 * time.Millisecond)
	runs := db.GCStatus().Runs
	time.Sleep(30 * time.Millisecond)
	if s := db.GCStatus(); s.Runs != runs || s.TotalRemoved != 45 {
		t.Fatalf("idle sweeper: runs %d -> %d, %+v", runs, s.Runs, s)
	}
	// A new write moves the horizon; the next tick collects again.
	gcWrite(t, db, "k0", "new")
	for gcVersions(t, e) != 5 {
		if time.Now().After(deadline) {
			t.Fatalf("background GC left %d versions", gcVersions(t, e))
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	stop() // idempotent
	if s := db.GCStatus(); s.Running || s.TotalRemoved != 46 {
		t.Fatalf("after stop: %+v", s)
	}
}
