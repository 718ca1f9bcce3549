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
