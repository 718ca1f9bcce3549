package storage

import (
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
type rowCache struct {
	seed   maphash.Seed
	shards [rowCacheShards]rowCacheShard
	// maxShardBytes bounds each shard; a full shard drops entries at
	// random (map iteration order), which is cheap and good enough for a
	// cache in front of the block cache.
	maxShardBytes int
	// entries counts cached keys, so commits skip invalidation while the
	// cache is empty (a bulk load into a fresh table).
	entries atomic.Int64
}

const rowCacheShards = 64

type rowCacheShard struct {
	mu    sync.Mutex
	m     map[string]rowCacheEntry
	bytes int
}

type rowCacheEntry struct {
	ts    uint64
	value []byte // without the tag byte; nil for a tombstone
	tomb  bool
}

// rowCacheEntryOverhead approximates map and header bytes per entry.
const rowCacheEntryOverhead = 64

func newRowCache(maxBytes int64) *rowCache {
	c := &rowCache{seed: maphash.MakeSeed(), maxShardBytes: int(maxBytes / rowCacheShards)}
	for i := range c.shards {
		c.shards[i].m = map[string]rowCacheEntry{}
	}
	return c
}

func (c *rowCache) shard(key []byte) *rowCacheShard {
	return &c.shards[maphash.Bytes(c.seed, key)%rowCacheShards]
}

// get returns the cached newest version of key.
func (c *rowCache) get(key []byte) (rowCacheEntry, bool) {
	s := c.shard(key)
	s.mu.Lock()
	e, ok := s.m[string(key)]
	s.mu.Unlock()
	return e, ok
}

// put stores the newest version of key as seen by an iterator of
// generation gen, unless a write completed since (see rowCache).
func (c *rowCache) put(key []byte, e rowCacheEntry, gen uint64, current func() uint64) {
	size := len(key) + len(e.value) + rowCacheEntryOverhead
	if size > c.maxShardBytes/16 {
		return // not worth a large share of the cache
	}
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if current() != gen {
		return
	}
	if old, ok := s.m[string(key)]; ok {
		s.bytes -= len(key) + len(old.value) + rowCacheEntryOverhead
	} else {
		c.entries.Add(1)
	}
	for k, old := range s.m {
		if s.bytes+size <= c.maxShardBytes {
			break
		}
		delete(s.m, k)
		s.bytes -= len(k) + len(old.value) + rowCacheEntryOverhead
		c.entries.Add(-1)
	}
	e.value = append([]byte(nil), e.value...)
	s.m[string(key)] = e
	s.bytes += size
}

// invalidate drops the cached versions of written keys; ApplyCommit
// calls it after bumping gen.
func (c *rowCache) invalidate(writes []Write) {
	// A put racing with this check stores a version of a generation older
	// than the one ApplyCommit just made current, which put refuses.
	if c.entries.Load() == 0 {
		return
	}
	for i := range writes {
		k := writes[i].Key
		s := c.shard(k)
		s.mu.Lock()
		if old, ok := s.m[string(k)]; ok {
			delete(s.m, string(k))
			s.bytes -= len(k) + len(old.value) + rowCacheEntryOverhead
			c.entries.Add(-1)
		}
		s.mu.Unlock()
	}
}
