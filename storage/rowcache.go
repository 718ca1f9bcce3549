package storage

import (
	"bytes"
	"hash/maphash"
	"sync"
	"sync/atomic"
)

// rowCache remembers the newest committed version of recently read keys,
// so a point read whose snapshot is at or after that version is a hash
// lookup instead of a seek through every level of the LSM (bloom filter,
// index block, data block per level).
//
// Correctness rests on two orderings against Engine.gen:
//   - ApplyCommit bumps gen after its batch is in Pebble and only then
//     drops the written keys from the cache, before returning; a snapshot
//     can only include a commit whose ApplyCommit returned.
//   - A reader stores what its iterator saw only if, under the shard lock,
//     gen still equals the iterator's generation. A commit the iterator
//     missed has not bumped gen yet (the store is then undone by that
//     commit's invalidation, which takes the same lock afterwards) or has
//     (the store is refused).
//
// So an entry is always the newest version among the commits that are
// visible to anyone, and a reader at readTS >= entry.ts can use it.
//
// A commit refreshes the entries of the keys it wrote instead of dropping
// them (see refresh): hot rows (pgbench's branches and tellers, a counter)
// are written by nearly every transaction, and dropping them made nearly
// every read of them a seek down the memtable's skiplist.
type rowCache struct {
	seed   maphash.Seed
	shards [rowCacheShards]rowCacheShard
	// maxShardBytes bounds each shard; a full shard drops entries at
	// random (map iteration order), which is cheap and good enough for a
	// cache in front of the block cache.
	maxShardBytes int
	// entries counts cached keys plus puts in flight (see put), so
	// commits skip invalidation while the cache is empty (a bulk load
	// into a fresh table).
	entries atomic.Int64
}

const rowCacheShards = 64

// A shard maps the 64-bit hash of a key to its entry. The entry holds the
// key and the value in one allocation, so a hit touches the map slot and
// one buffer: on a cache far larger than the CPU caches every distinct
// memory line is a miss (and a TLB miss), which is what a hit costs.
// Two keys with the same hash share a slot; the later one evicts the
// earlier, and a lookup checks the key.
type rowCacheShard struct {
	mu    sync.Mutex
	m     map[uint64]rowCacheEntry
	bytes int
	// Padding to a cache line: without it neighbouring shards share one,
	// and every lock on one core evicts the other core's copy.
	_ [64 - 24]byte
}

type rowCacheEntry struct {
	ts    uint64
	value []byte // without the tag byte; nil for a tombstone
	tomb  bool
	// kv is the key followed by the value (value aliases kv[klen:]).
	kv   []byte
	klen int
}

func (e *rowCacheEntry) key() []byte { return e.kv[:e.klen] }

// rowCacheEntryOverhead approximates map and header bytes per entry.
const rowCacheEntryOverhead = 64

func newRowCache(maxBytes int64) *rowCache {
	c := &rowCache{seed: maphash.MakeSeed(), maxShardBytes: int(maxBytes / rowCacheShards)}
	for i := range c.shards {
		c.shards[i].m = map[uint64]rowCacheEntry{}
	}
	return c
}

func (c *rowCache) shard(key []byte) (*rowCacheShard, uint64) {
	h := maphash.Bytes(c.seed, key)
	return &c.shards[h%rowCacheShards], h
}

// get returns the cached newest version of key. The entry's value is
// immutable and may be handed out without a copy.
func (c *rowCache) get(key []byte) (rowCacheEntry, bool) {
	s, h := c.shard(key)
	s.mu.Lock()
	e, ok := s.m[h]
	s.mu.Unlock()
	if !ok || !bytes.Equal(e.key(), key) {
		return rowCacheEntry{}, false
	}
	return e, true
}

// put stores the newest version of key as seen by an iterator of
// generation gen, unless a write completed since (see rowCache).
func (c *rowCache) put(key []byte, e rowCacheEntry, gen uint64, current func() uint64) {
	size := len(key) + len(e.value) + rowCacheEntryOverhead
	if size > c.maxShardBytes/16 {
		return // not worth a large share of the cache
	}
	// Copy outside the lock; the work is wasted only when gen moved.
	kv := make([]byte, 0, len(key)+len(e.value))
	kv = append(append(kv, key...), e.value...)
	e.kv, e.klen = kv, len(key)
	if e.value != nil {
		e.value = kv[len(key):]
	}
	s, h := c.shard(key)
	// Count the entry before checking gen. invalidate skips the cache
	// when entries is 0, and it reads entries after bumping gen; so if it
	// saw 0, this increment came after its bump and the check below sees
	// the new gen and refuses. (Counting after the check would let a
	// commit slip between the two and leave a stale entry behind.)
	c.entries.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if current() != gen {
		c.entries.Add(-1)
		return
	}
	// Remove the old entry before evicting, so eviction cannot pick it
	// and leave entries miscounted.
	if old, ok := s.m[h]; ok {
		delete(s.m, h)
		s.bytes -= len(old.kv) + rowCacheEntryOverhead
		c.entries.Add(-1)
	}
	if s.bytes+size > c.maxShardBytes {
		c.evict(s, size)
	}
	s.m[h] = e
	s.bytes += size
}

// evict drops entries of s (held locked) until size more bytes fit.
func (c *rowCache) evict(s *rowCacheShard, size int) {
	// Starting a map iteration is not free: only evict when over budget.
	for k, old := range s.m {
		if s.bytes+size <= c.maxShardBytes {
			break
		}
		delete(s.m, k)
		s.bytes -= len(old.kv) + rowCacheEntryOverhead
		c.entries.Add(-1)
	}
}

// refresh replaces the cached versions of keys a commit at commitTS wrote
// with the committed ones; ApplyCommit calls it after its batch is in
// Pebble and gen was bumped. Only keys already cached are refreshed: an
// entry stored now for an absent key could hide a newer version that a
// commit not holding the row lock (a bulk write) applied first. For the
// same reason an entry that is already newer stays: it is still the
// newest version. One of the same timestamp is replaced (a key written
// twice in one batch: Pebble keeps the later write). A key in the slot
// of another key (a hash collision) is left alone.
func (c *rowCache) refresh(writes []Write, commitTS uint64) {
	if c.entries.Load() == 0 {
		return
	}
	for i := range writes {
		w := &writes[i]
		s, h := c.shard(w.Key)
		s.mu.Lock()
		old, ok := s.m[h]
		if !ok || old.ts > commitTS || !bytes.Equal(old.key(), w.Key) {
			s.mu.Unlock()
			continue
		}
		var val []byte
		if !w.Delete {
			val = w.Value
		}
		size := len(w.Key) + len(val) + rowCacheEntryOverhead
		if size > c.maxShardBytes/16 || s.bytes-len(old.kv)+len(w.Key)+len(val) > c.maxShardBytes {
			// Too large to keep, or the shard is full: drop the old
			// version rather than evict others under a commit.
			delete(s.m, h)
			s.bytes -= len(old.kv) + rowCacheEntryOverhead
			c.entries.Add(-1)
			s.mu.Unlock()
			continue
		}
		// A new buffer: readers may still hold the old value (get hands
		// it out without a copy).
		kv := make([]byte, 0, len(w.Key)+len(val))
		kv = append(append(kv, w.Key...), val...)
		e := rowCacheEntry{ts: commitTS, tomb: w.Delete, kv: kv, klen: len(w.Key)}
		if !w.Delete {
			e.value = kv[len(w.Key):]
		}
		s.bytes += len(kv) - len(old.kv)
		s.m[h] = e
		s.mu.Unlock()
	}
}

// invalidate drops the cached versions of written keys; a commit that
// failed (its batch may or may not be in Pebble) and ingestion call it
// after bumping gen.
func (c *rowCache) invalidate(writes []Write) {
	// A put racing with this check stores a version of a generation older
	// than the one ApplyCommit just made current, which put refuses.
	if c.entries.Load() == 0 {
		return
	}
	for i := range writes {
		k := writes[i].Key
		s, h := c.shard(k)
		s.mu.Lock()
		// An entry of another key with the same hash goes too (harmless).
		if old, ok := s.m[h]; ok {
			delete(s.m, h)
			s.bytes -= len(old.kv) + rowCacheEntryOverhead
			c.entries.Add(-1)
		}
		s.mu.Unlock()
	}
}
