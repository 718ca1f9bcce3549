package txn

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/storage"
	"github.com/conflux-db/conflux/storage/keys"
)

// fakeClock is a wall clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func clockDB(t *testing.T) (*DB, *storage.Engine, *fakeClock) {
	t.Helper()
	e, err := storage.Open(ctx, "", storage.Options{InMemory: true})
	mustNil(t, err)
	t.Cleanup(func() { e.Close() })
	c := &fakeClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	db, err := OpenWithClock(ctx, e, c.Now)
	mustNil(t, err)
	return db, e, c
}

func lakeKey(s string) string { return string(keys.LakePrefix) + s }

func commitTS(t *testing.T, db *DB, kv ...string) uint64 {
	t.Helper()
	put(t, db, kv...)
	return db.Now()
}

func TestManagerHybridClock(t *testing.T) {
	now := uint64(1000)
	m := NewManagerClock(5, func() uint64 { return now })
	prep := func() uint64 {
		id, _ := m.BeginTxn(false)
		ts, err := m.Prepare(id, []Intent{{Key: []byte("k"), ReadTS: m.Visible()}}, nil, nil)
		mustNil(t, err)
		m.Applied(ts)
		return ts
	}
	for _, tc := range []struct {
		clock, want uint64
	}{
		{1000, 1000}, // jumps to the clock
		{1000, 1001}, // clock stalled: still increasing
		{990, 1002},  // clock went back
		{2000, 2000},
	} {
		now = tc.clock
		if got := prep(); got != tc.want {
			t.Fatalf("clock %d: commit at %d, want %d", tc.clock, got, tc.want)
		}
	}
	// Now closes the clock's reading: the next commit is above it.
	now = 3000
	if got := m.Now(); got != 3000 || m.Visible() != 3000 {
		t.Fatalf("Now = %d, visible %d", got, m.Visible())
	}
	if got := prep(); got != 3001 {
		t.Fatalf("commit after Now at %d, want 3001", got)
	}
	// A pinned past reader holds the GC horizon back until it ends.
	id := m.PinAsOf(1500)
	if h := m.GCHorizon(); h != 1500 {
		t.Fatalf("GC horizon with pin %d", h)
	}
	m.End(id)
	if h := m.GCHorizon(); h != 3001 {
		t.Fatalf("GC horizon after pin ended %d", h)
	}
}

func TestCloseWithCommitInFlight(t *testing.T) {
	m := NewManagerClock(0, func() uint64 { return 10 })
	id, _ := m.BeginTxn(false)
	ts, err := m.Prepare(id, []Intent{{Key: []byte("k")}}, nil, nil)
	mustNil(t, err)
	m.Close(20)
	if m.Visible() != 0 {
		t.Fatalf("watermark %d passed an unapplied commit", m.Visible())
	}
	m.Applied(ts)
	if m.Visible() != 20 {
		t.Fatalf("watermark %d, want the closed 20", m.Visible())
	}
}

func TestTimestampOf(t *testing.T) {
	tm := time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)
	if got := TimeOf(TimestampOf(tm)); !got.Equal(tm) {
		t.Fatalf("round trip %v", got)
	}
}

func TestBeginAsOf(t *testing.T) {
	db, _, c := clockDB(t)
	db.SetLakeRetention(time.Hour)
	t1 := commitTS(t, db, lakeKey("a"), "v1", "r", "r1")
	c.Advance(time.Minute)
	t2 := commitTS(t, db, lakeKey("a"), "v2", "r", "r2")
	if t1 != TimestampOf(c.now.Add(-time.Minute)) || t2 <= t1 {
		t.Fatalf("timestamps %d %d do not follow the clock", t1, t2)
	}
	tx, err := db.BeginAsOf(ctx, Options{Isolation: ReadCommitted}, t1)
	mustNil(t, err)
	if !tx.Options().ReadOnly {
		t.Fatal("not read-only")
	}
	tx.Refresh() // a past snapshot never moves
	if got := get(t, tx, lakeKey("a")); got != "v1" {
		t.Fatalf("as of t1: %s", got)
	}
	if err := tx.Put(ctx, []byte("x"), []byte("y")); !isCode(err, pgerr.ReadOnlySQLTransaction) {
		t.Fatalf("write in as-of txn: %v", err)
	}
	if _, err := tx.Lock(ctx, []byte("r"), LockExclusive, WaitBlock); !isCode(err, pgerr.ReadOnlySQLTransaction) {
		t.Fatalf("lock in as-of txn: %v", err)
	}
	// It pins its snapshot: GC keeps the row version it reads.
	mustNil(t, db.CollectNow(ctx))
	if got := get(t, tx, "r"); got != "r1" {
		t.Fatalf("row as of t1 after GC: %s", got)
	}
	mustNil(t, tx.Commit(ctx))

	// The future is refused, a time within the clock is fine (and closed).
	if _, err := db.BeginAsOf(ctx, Options{}, TimestampOf(c.Now().Add(time.Second))); !isCode(err, pgerr.InvalidParameterValue) {
		t.Fatalf("future: %v", err)
	}
	c.Advance(time.Second)
	past := TimestampOf(c.Now())
	tx, err = db.BeginAsOf(ctx, Options{}, past)
	mustNil(t, err)
	if got := get(t, tx, lakeKey("a")); got != "v2" {
		t.Fatalf("as of now: %s", got)
	}
	tx.Rollback()
	if t3 := commitTS(t, db, "r", "r3"); t3 <= past {
		t.Fatalf("commit at %d not after the closed %d", t3, past)
	}

	// Beyond retention is refused, with the oldest readable time.
	c.Advance(2 * time.Hour)
	commitTS(t, db, "r", "r4")
	_, err = db.BeginAsOf(ctx, Options{}, t1)
	if !isCode(err, pgerr.InvalidParameterValue) {
		t.Fatalf("beyond retention: %v", err)
	}
	if db.LakeHorizon() != TimestampOf(c.Now().Add(-time.Hour)) {
		t.Fatalf("lake horizon %v", TimeOf(db.LakeHorizon()))
	}
}

func isCode(err error, code string) bool {
	var pe *pgerr.Error
	return errors.As(err, &pe) && pe.Code == code
}

// TestLakeRetention: the GC keeps every version of lake keys readable
// within the retention period and removes them after it; row keys keep
// today's horizon. Both the full sweep and the incremental one.
func TestLakeRetention(t *testing.T) {
	for _, incremental := range []bool{false, true} {
		db, e, c := clockDB(t)
		db.SetLakeRetention(time.Hour)
		sweep := func() {
			t.Helper()
			_, err := e.SweepAt(ctx, db.gcHorizons, incremental)
			mustNil(t, err)
		}
		count := func(lo, hi []byte) int64 {
			n, err := e.CountVersions(lo, hi)
			mustNil(t, err)
			return n
		}
		lake := func() int64 { return count(keys.LakePrefix, keys.PrefixEnd(keys.LakePrefix)) }
		rows := func() int64 { return count([]byte("r"), []byte("s")) }
		var ts []uint64
		for i := range 3 {
			c.Advance(time.Minute)
			ts = append(ts, commitTS(t, db, lakeKey("a"), string(rune('1'+i)), "r", "x"))
		}
		commitTS(t, db, lakeKey("gone"), "x")
		tx := db.Begin(Options{})
		mustNil(t, tx.Delete(ctx, []byte(lakeKey("gone"))))
		mustNil(t, tx.Commit(ctx))
		sweep()
		if lake() != 5 || rows() != 1 {
			t.Fatalf("incremental=%v: within retention %d lake versions, %d row versions", incremental, lake(), rows())
		}
		for i, at := range ts {
			tx, err := db.BeginAsOf(ctx, Options{}, at)
			mustNil(t, err)
			if got := get(t, tx, lakeKey("a")); got != string(rune('1'+i)) {
				t.Fatalf("as of version %d: %s", i, got)
			}
			tx.Rollback()
		}
		// Past the retention period of the first version only: a full
		// sweep removes it, the incremental one waits until the key's
		// newest version is past it too (lake keys are rarely rewritten).
		c.Advance(time.Hour - 30*time.Second)
		sweep()
		if want := map[bool]int64{false: 4, true: 5}[incremental]; lake() != want {
			t.Fatalf("incremental=%v: %d lake versions, want %d", incremental, lake(), want)
		}
		c.Advance(2 * time.Hour)
		sweep()
		if lake() != 1 || rows() != 1 {
			t.Fatalf("incremental=%v: after retention %d lake versions, %d row versions", incremental, lake(), rows())
		}
	}
}

func TestScanVersions(t *testing.T) {
	db, _, c := clockDB(t)
	var want []string
	for i := range 3 {
		c.Advance(time.Second)
		commitTS(t, db, lakeKey("a"), string(rune('1'+i)), lakeKey("b"), "b")
	}
	tx := db.Begin(Options{})
	mustNil(t, tx.Delete(ctx, []byte(lakeKey("b"))))
	mustNil(t, tx.Commit(ctx))
	reader := db.Begin(Options{Isolation: Serializable})
	commitTS(t, db, lakeKey("a"), "later")                               // above the snapshot
	mustNil(t, reader.Put(ctx, []byte(lakeKey("a")+"0"), []byte("own"))) // buffered: not listed
	var got []string
	var last uint64
	err := reader.ScanVersions(ctx, keys.LakePrefix, keys.PrefixEnd(keys.LakePrefix), func(k []byte, ts uint64, v []byte, del bool) error {
		s := string(k[1:]) + "=" + string(v)
		if del {
			s = string(k[1:]) + " deleted"
		}
		if ts > reader.ReadTS() {
			t.Fatalf("version at %d above the snapshot %d", ts, reader.ReadTS())
		}
		if len(got) > 0 && got[len(got)-1][0] == k[1] && ts >= last {
			t.Fatalf("versions of %s not newest first", k)
		}
		last = ts
		got = append(got, s)
		return nil
	})
	mustNil(t, err)
	want = []string{"a=3", "a=2", "a=1", "b deleted", "b=b", "b=b", "b=b"}
	if !slices.Equal(got, want) {
		t.Fatalf("versions %q, want %q", got, want)
	}
	reader.Rollback()
}
