package txn

import (
	"testing"

	"github.com/conflux-db/conflux/sql/pgerr"
)

func w(key string, readTS uint64) []Intent { return []Intent{{Key: []byte(key), ReadTS: readTS}} }

func TestManagerWatermarkWaitsForGaps(t *testing.T) {
	m := NewManager(10)
	a, snap := m.Begin()
	if snap != 10 {
		t.Fatalf("snapshot = %d, want 10", snap)
	}
	b, _ := m.Begin()
	c, _ := m.Begin()
	tsA, err := m.Prepare(a, w("a", 10), nil, nil)
	mustNil(t, err)
	tsB, err := m.Prepare(b, w("b", 10), nil, nil)
	mustNil(t, err)
	tsC, err := m.Prepare(c, w("c", 10), nil, nil)
	mustNil(t, err)
	if tsA != 11 || tsB != 12 || tsC != 13 {
		t.Fatalf("timestamps %d %d %d", tsA, tsB, tsC)
	}
	// B and C finish first: nothing becomes visible while A is in flight.
	if m.Applied(tsC) || m.Applied(tsB) || m.Visible() != 10 {
		t.Fatalf("watermark moved past an unapplied commit: %d", m.Visible())
	}
	if _, s := m.Begin(); s != 10 {
		t.Fatalf("new snapshot %d sees a gap", s)
	}
	if !m.Applied(tsA) || m.Visible() != 13 {
		t.Fatalf("watermark = %d after all applied, want 13", m.Visible())
	}
	if m.Applied(99) {
		t.Fatal("unknown timestamp advanced the watermark")
	}
}

func TestManagerFirstCommitterWins(t *testing.T) {
	m := NewManager(0)
	t1, s1 := m.Begin()
	t2, s2 := m.Begin()
	ts1, err := m.Prepare(t1, w("k", s1), nil, nil)
	mustNil(t, err)
	// t2 conflicts even before t1 is applied: the prepared commit counts.
	_, err = m.Prepare(t2, w("k", s2), nil, nil)
	if pgerr.Code(err) != pgerr.SerializationFailure {
		t.Fatalf("err = %v, want 40001", err)
	}
	m.Applied(ts1)
	// A transaction that began after t1 is fine.
	t3, s3 := m.Begin()
	if s3 != ts1 {
		t.Fatalf("snapshot %d, want %d", s3, ts1)
	}
	_, err = m.Prepare(t3, w("k", s3), nil, nil)
	mustNil(t, err)
	// Disjoint keys never conflict.
	t4, s4 := m.Begin()
	t5, s5 := m.Begin()
	_, err = m.Prepare(t4, w("x", s4), nil, nil)
	mustNil(t, err)
	_, err = m.Prepare(t5, w("y", s5), nil, nil)
	mustNil(t, err)
}

func TestManagerSerializableReadValidation(t *testing.T) {
	m := NewManager(0)
	// Write skew: t1 reads x writes y, t2 reads y writes x.
	t1, s1 := m.Begin()
	t2, s2 := m.Begin()
	ts, err := m.Prepare(t1, w("y", s1), w("x", s1), nil)
	mustNil(t, err)
	m.Applied(ts)
	_, err = m.Prepare(t2, w("x", s2), w("y", s2), nil)
	if pgerr.Code(err) != pgerr.SerializationFailure {
		t.Fatalf("write skew not detected: %v", err)
	}
	// Phantom both ways: t3 and t4 each scanned [a, c) and inserted into
	// it (a count(*)-style check).
	t3, s3 := m.Begin()
	t4, s4 := m.Begin()
	span := func(ts uint64) []Span { return []Span{{Lower: []byte("a"), Upper: []byte("c"), ReadTS: ts}} }
	ts, err = m.Prepare(t4, w("b", s4), nil, span(s4))
	mustNil(t, err)
	m.Applied(ts)
	_, err = m.Prepare(t3, w("a", s3), nil, span(s3))
	if pgerr.Code(err) != pgerr.SerializationFailure {
		t.Fatalf("phantom not detected: %v", err)
	}
	// One direction only is no cycle (unlike the old backward
	// validation, SSI commits it): t5 scanned [a, c), t6 inserted b.
	t5, s5 := m.Begin()
	t6, s6 := m.Begin()
	ts, err = m.Prepare(t6, w("b", s6), nil, nil)
	mustNil(t, err)
	m.Applied(ts)
	_, err = m.Prepare(t5, w("z", s5), nil, span(s5))
	mustNil(t, err)
}

func TestManagerPruning(t *testing.T) {
	m := NewManager(0)
	old, oldSnap := m.Begin() // a long-running transaction pins history
	for i := 0; i < 100; i++ {
		id, s := m.Begin()
		ts, err := m.Prepare(id, w(string(rune('a'+i%26)), s), nil, nil)
		mustNil(t, err)
		m.Applied(ts)
	}
	if m.TrackedKeys() != 26 {
		t.Fatalf("tracked %d keys, want 26 while a snapshot at 0 is live", m.TrackedKeys())
	}
	// The old transaction still conflicts on anything written since.
	if _, err := m.Prepare(old, w("a", oldSnap), nil, nil); pgerr.Code(err) != pgerr.SerializationFailure {
		t.Fatalf("old txn: %v", err)
	}
	// With no live snapshot below the watermark, the next commit prunes
	// everything older than itself.
	id, s := m.Begin()
	ts, err := m.Prepare(id, w("zz", s), nil, nil)
	mustNil(t, err)
	m.Applied(ts)
	if m.TrackedKeys() != 0 || m.Active() != 0 {
		t.Fatalf("tracked %d keys, %d active after pruning", m.TrackedKeys(), m.Active())
	}
}

func TestManagerRefresh(t *testing.T) {
	m := NewManager(0)
	rc, s := m.Begin()
	other, os := m.Begin()
	ts, _ := m.Prepare(other, w("k", os), nil, nil)
	m.Applied(ts)
	if s2 := m.Refresh(rc, false); s2 != ts || s2 == s {
		t.Fatalf("refresh = %d", s2)
	}
	if _, err := m.Prepare(rc, w("k", ts), nil, nil); err != nil {
		t.Fatalf("write after refresh: %v", err)
	}
}

func mustNil(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A READ COMMITTED transaction that wrote k before refreshing must still
// conflict with commits to k after its first snapshot, even once other
// commits would otherwise prune that history.
func TestManagerRefreshPinsHistory(t *testing.T) {
	m := NewManager(0)
	rc, s1 := m.Begin() // statement 1 writes k at s1 (buffered)
	other, os := m.Begin()
	ts, err := m.Prepare(other, w("k", os), nil, nil)
	mustNil(t, err)
	m.Applied(ts)
	m.Refresh(rc, true)      // statement 2
	for i := 0; i < 5; i++ { // unrelated commits trigger pruning
		id, s := m.Begin()
		ts, err := m.Prepare(id, w("x", s), nil, nil)
		mustNil(t, err)
		m.Applied(ts)
	}
	if _, err := m.Prepare(rc, w("k", s1), nil, nil); pgerr.Code(err) != pgerr.SerializationFailure {
		t.Fatalf("lost update: %v", err)
	}
}
