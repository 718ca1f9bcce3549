package storage

import (
	"fmt"
	"testing"
)

// TestRowCacheHashCollision plants the entry of one key in the slot of
// another (as a 64-bit hash collision would): a lookup must check the
// key, not trust the hash.
func TestRowCacheHashCollision(t *testing.T) {
	c := newRowCache(1 << 20)
	c.put([]byte("a"), rowCacheEntry{ts: 3, value: []byte("va")}, 0, func() uint64 { return 0 })
	if e, ok := c.get([]byte("a")); !ok || string(e.value) != "va" || e.ts != 3 {
		t.Fatalf("get a: %+v %v", e, ok)
	}
	sa, ha := c.shard([]byte("a"))
	sb, hb := c.shard([]byte("b"))
	sb.m[hb] = sa.m[ha]
	if e, ok := c.get([]byte("b")); ok {
		t.Fatalf("b answered with a's entry %q", e.value)
	}
	// Invalidating b drops whatever sits in its slot; a is unaffected.
	c.invalidate([]Write{{Key: []byte("b")}})
	if _, ok := sb.m[hb]; ok {
		t.Fatal("b's slot survived invalidation")
	}
	if _, ok := c.get([]byte("a")); !ok {
		t.Fatal("a lost")
	}
}

// TestRowCacheStaleGeneration: a put from an iterator older than the
// current generation is refused (see rowCache).
func TestRowCacheStaleGeneration(t *testing.T) {
	c := newRowCache(1 << 20)
	c.put([]byte("k"), rowCacheEntry{ts: 1, value: []byte("v")}, 4, func() uint64 { return 5 })
	if _, ok := c.get([]byte("k")); ok {
		t.Fatal("stale put was stored")
	}
	c.put([]byte("k"), rowCacheEntry{ts: 1, tomb: true}, 5, func() uint64 { return 5 })
	if e, ok := c.get([]byte("k")); !ok || !e.tomb || e.value != nil {
		t.Fatalf("tombstone: %+v %v", e, ok)
	}
}

// TestRowCacheBounded fills a small cache far past its size: it must stay
// within its bound and keep answering correctly for what it holds.
func TestRowCacheBounded(t *testing.T) {
	c := newRowCache(1 << 20)
	// Twice over: replacing keys in full shards must keep entries exact.
	for range 2 {
		for i := range 20000 {
			k := fmt.Appendf(nil, "key%06d", i)
			c.put(k, rowCacheEntry{ts: uint64(i), value: fmt.Appendf(nil, "value%d", i)}, 0, func() uint64 { return 0 })
		}
	}
	held := 0
	for i := range 20000 {
		if e, ok := c.get(fmt.Appendf(nil, "key%06d", i)); ok {
			held++
			if string(e.value) != fmt.Sprintf("value%d", i) || e.ts != uint64(i) {
				t.Fatalf("key%06d: %+v", i, e)
			}
		}
	}
	for i := range c.shards {
		if s := &c.shards[i]; s.bytes > c.maxShardBytes {
			t.Fatalf("shard %d holds %d bytes, bound %d", i, s.bytes, c.maxShardBytes)
		}
	}
	if held == 0 || held == 20000 || int64(held) != c.entries.Load() {
		t.Fatalf("held %d, entries %d", held, c.entries.Load())
	}
}

// TestFlushRetiresPooledIterators: a flush bumps the generation, so
// iterators opened on the pre-flush LSM version (a bulk load's flushable
// batch) are not reused afterwards; reads stay correct across it.
func TestFlushRetiresPooledIterators(t *testing.T) {
	e := openMem(t)
	var ws []Write
	for i := range 100 {
		ws = append(ws, Write{Key: fmt.Appendf(nil, "k%03d", i), Value: fmt.Appendf(nil, "v%d", i)})
	}
	must(t, e.ApplyCommit(ws, 5, false))
	if _, _, err := e.Get([]byte("k001"), 5); err != nil { // pools an iterator
		t.Fatal(err)
	}
	before := e.gen.Load()
	must(t, e.db.Flush())
	if e.gen.Load() == before {
		t.Fatal("flush did not bump the generation")
	}
	for i := range 100 {
		v, found, err := e.Get(fmt.Appendf(nil, "k%03d", i), 5)
		must(t, err)
		if !found || string(v) != fmt.Sprintf("v%d", i) {
			t.Fatalf("k%03d after flush: %q %v", i, v, found)
		}
	}
}

// TestRowCacheRefresh: a commit replaces the cached version of a key it
// wrote with its own, keeps a newer one, and stores nothing for a key
// that was not cached (a newer version may already be in Pebble).
func TestRowCacheRefresh(t *testing.T) {
	gen := func() uint64 { return 0 }
	tests := []struct {
		name     string
		cached   *rowCacheEntry // nil: key not cached
		write    Write
		commitTS uint64
		want     *rowCacheEntry // nil: key not cached afterwards
	}{
		{"update", &rowCacheEntry{ts: 3, value: []byte("old")}, Write{Key: []byte("k"), Value: []byte("new")}, 7,
			&rowCacheEntry{ts: 7, value: []byte("new")}},
		{"delete", &rowCacheEntry{ts: 3, value: []byte("old")}, Write{Key: []byte("k"), Delete: true}, 7,
			&rowCacheEntry{ts: 7, tomb: true}},
		{"older commit keeps newer entry", &rowCacheEntry{ts: 9, value: []byte("newer")}, Write{Key: []byte("k"), Value: []byte("new")}, 7,
			&rowCacheEntry{ts: 9, value: []byte("newer")}},
		{"absent stays absent", nil, Write{Key: []byte("k"), Value: []byte("new")}, 7, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newRowCache(1 << 20)
			if tc.cached != nil {
				c.put([]byte("k"), *tc.cached, 0, gen)
			}
			c.refresh([]Write{tc.write}, tc.commitTS)
			e, ok := c.get([]byte("k"))
			if tc.want == nil {
				if ok {
					t.Fatalf("cached after refresh: %+v", e)
				}
				return
			}
			if !ok || e.ts != tc.want.ts || e.tomb != tc.want.tomb || string(e.value) != string(tc.want.value) || (e.value == nil) != (tc.want.value == nil) {
				t.Fatalf("got %+v %v, want %+v", e, ok, *tc.want)
			}
			var sum int
			for i := range c.shards {
				sum += c.shards[i].bytes
			}
			if want := len(e.kv) + rowCacheEntryOverhead; sum != want || c.entries.Load() != 1 {
				t.Fatalf("accounting: %d bytes (want %d), %d entries", sum, want, c.entries.Load())
			}
		})
	}
}

// TestCommitRefreshesHotRow: a row read, then updated by a commit, is
// answered from the row cache at the new version, with the new value, and
// older snapshots still read the older version from Pebble.
func TestCommitRefreshesHotRow(t *testing.T) {
	e := openMem(t)
	k := []byte("hot")
	must(t, e.ApplyCommit([]Write{{Key: k, Value: []byte("v1")}}, 5, true))
	if v, _, err := e.Get(k, 5); err != nil || string(v) != "v1" { // caches it
		t.Fatalf("v1: %q %v", v, err)
	}
	for ts := uint64(6); ts < 10; ts++ {
		val := fmt.Appendf(nil, "v%d", ts)
		must(t, e.ApplyCommit([]Write{{Key: k, Value: val}}, ts, true))
		v, found, ok := e.cached(k, ts)
		if !ok || !found || string(v) != string(val) {
			t.Fatalf("ts %d: cache answered %q %v %v", ts, v, found, ok)
		}
		want := fmt.Sprintf("v%d", ts-1)
		if ts-1 == 5 {
			want = "v1"
		}
		if v, _, err := e.Get(k, ts-1); err != nil || string(v) != want {
			t.Fatalf("older snapshot %d: %q %v, want %q", ts-1, v, err, want)
		}
	}
	must(t, e.ApplyCommit([]Write{{Key: k, Delete: true}}, 10, true))
	if _, found, ok := e.cached(k, 10); !ok || found {
		t.Fatalf("tombstone not cached: found %v ok %v", found, ok)
	}
	if v, found, err := e.Get(k, 9); err != nil || !found || string(v) != "v9" {
		t.Fatalf("before delete: %q %v %v", v, found, err)
	}
}
