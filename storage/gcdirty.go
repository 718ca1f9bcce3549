package storage

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/conflux-db/conflux/storage/keys"
)

// Incremental GC: which keys can hold garbage.
//
// A key can only gain garbage when it gets a new version: once a sweep at
// horizon h has passed over a key whose newest version is at or below h,
// the key is clean for good (its newest version stays, or it is gone
// altogether if that was a tombstone). So the engine remembers, per key
// written since the last sweep, its newest commit timestamp, and a
// background sweep visits only those keys. A key stays remembered until
// a sweep runs at a horizon at or above that timestamp, since its older
// versions only become garbage then.
//
// The key set is bounded: past maxDirtyKeys (a bulk load, a big UPDATE)
// further writes are remembered by span instead (the key's table index,
// or its keyspace byte), and a span is swept whole. A reopened store
// starts with the whole keyspace as one span at timestamp 0: it may hold
// garbage from before the restart, all of it below any horizon.

// maxDirtyKeys bounds the remembered keys (about 100 bytes each with the
// map overhead for TPC-B's keys); maxDirtySpans bounds the spans, past
// which the whole keyspace is one span.
const (
	maxDirtyKeys  = 256 << 10
	maxDirtySpans = 4096
)

// dirtyKeys is the set of keys and key spans written since the last
// sweep, each with its newest commit timestamp.
type dirtyKeys struct {
	// maxKeys and maxSpans override the limits (tests); 0: the defaults.
	maxKeys, maxSpans int

	mu    sync.Mutex
	keys  map[string]uint64 // user key -> newest commit timestamp
	spans map[string]uint64 // key prefix -> newest commit timestamp
}

// dirtySnapshot is what a sweep took out of the set.
type dirtySnapshot struct {
	keys, spans map[string]uint64
}

// spanOf is the prefix remembered for k once keys overflow: its table
// index, else its keyspace byte.
func spanOf(k []byte) []byte {
	if _, _, rest, err := keys.DecodeIndexPrefix(k); err == nil {
		return k[:len(k)-len(rest)]
	}
	return k[:min(len(k), 1)]
}

// addSpan records prefix at ts; d.mu is held.
func (d *dirtyKeys) addSpan(prefix []byte, ts uint64) {
	if d.spans == nil {
		d.spans = make(map[string]uint64)
	}
	if all, ok := d.spans[""]; ok {
		d.spans[""] = max(all, ts)
		return
	}
	// The lookup does not allocate; only a new prefix is copied.
	if old, ok := d.spans[string(prefix)]; ok {
		if old < ts {
			d.spans[string(prefix)] = ts
		}
		return
	}
	d.spans[string(prefix)] = ts
	if len(d.spans) > cmp.Or(d.maxSpans, maxDirtySpans) {
		var top uint64
		for _, ts := range d.spans {
			top = max(top, ts)
		}
		d.spans = map[string]uint64{"": top}
	}
}

// covers reports whether one of s's spans contains the user key k (the
// spans spanOf can produce for it, or the whole keyspace).
func (s dirtySnapshot) covers(k string) bool {
	if _, ok := s.spans[""]; ok {
		return true
	}
	if _, ok := s.spans[string(spanOf([]byte(k)))]; ok {
		return true
	}
	_, ok := s.spans[k[:min(len(k), 1)]]
	return ok
}

// addKey records k at ts; d.mu is held.
func (d *dirtyKeys) addKey(k []byte, ts uint64) {
	// The lookup does not allocate; only a new key is copied.
	if old, ok := d.keys[string(k)]; ok {
		if old < ts {
			d.keys[string(k)] = ts
		}
		return
	}
	if len(d.keys) >= cmp.Or(d.maxKeys, maxDirtyKeys) {
		d.addSpan(spanOf(k), ts)
		return
	}
	if d.keys == nil {
		d.keys = make(map[string]uint64)
	}
	d.keys[string(k)] = ts
}

// add records writes committed at ts.
func (d *dirtyKeys) add(writes []Write, ts uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range writes {
		d.addKey(writes[i].Key, ts)
	}
}

// markAll makes the next sweep walk everything.
func (d *dirtyKeys) markAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	var top uint64
	for _, ts := range d.spans {
		top = max(top, ts)
	}
	d.spans = map[string]uint64{"": top}
}

// empty reports whether no key can have gained garbage.
func (d *dirtyKeys) empty() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.keys) == 0 && len(d.spans) == 0
}

// take empties the set and returns what it held.
func (d *dirtyKeys) take() dirtySnapshot {
	d.mu.Lock()
	defer d.mu.Unlock()
	s := dirtySnapshot{keys: d.keys, spans: d.spans}
	d.keys, d.spans = nil, nil
	return s
}

// putBack returns what a sweep at horizon could not clean: all of s when
// the sweep failed (swept false), else what was written above the
// horizon of its key. Lake keys therefore stay for the retention period.
func (d *dirtyKeys) putBack(s dirtySnapshot, swept bool, horizon Horizons) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for p, ts := range s.spans {
		if !swept || ts > horizon.forSpan(p) {
			d.addSpan([]byte(p), ts)
		}
	}
	for k, ts := range s.keys {
		if !swept || ts > horizon.For([]byte(k)) {
			d.addKey([]byte(k), ts)
		}
	}
}

// MarkAllDirty makes the next background sweep walk the whole keyspace.
// Write paths that bypass ApplyCommit (ingestion) and can add versions to
// existing keys must call it; the background sweep otherwise only visits
// keys ApplyCommit wrote.
func (e *Engine) MarkAllDirty() { e.dirty.markAll() }

// collectKeys is CollectGarbage for a set of user keys: it visits only
// their versions, in key order, through one iterator.
func (e *Engine) collectKeys(ctx context.Context, horizon Horizons, keys map[string]uint64, progress func(scanned, removed int64)) (GCStats, error) {
	var st GCStats
	if len(keys) == 0 {
		return st, ctx.Err()
	}
	// Sorted, so the iterator moves forward through the LSM. A lake key
	// written above its horizon waits (it stays in the set): lake keys
	// are rarely rewritten, so its garbage appears only once the
	// retention horizon passes, and seeking each on every sweep of the
	// retention period would be wasted.
	sorted := make([]string, 0, len(keys))
	for k, ts := range keys {
		if isLakeKey([]byte(k)) && ts > horizon.Lake {
			continue
		}
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	it, err := e.db.NewIter(&pebble.IterOptions{})
	if err != nil {
		return st, err
	}
	defer it.Close()
	g := gcWalk{e: e, ctx: ctx, st: &st, batchSize: defaultGCBatch, progress: progress}
	defer func() {
		if g.b != nil {
			_ = g.b.Close()
		}
	}()
	var seek []byte
	for i, k := range sorted {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
		}
		uk := []byte(k)
		seek = appendBare(seek[:0], uk)
		g.startKey(uk)
		h := horizon.For(uk)
		for valid := it.SeekGE(seek); valid; valid = it.Next() {
			ek := it.Key()
			kuk, ts, versioned := decodeEngineKey(ek)
			if !versioned {
				if len(kuk) == len(uk) && string(kuk) == k {
					continue // the bare key itself (metadata), not a version
				}
				break
			}
			if string(kuk) != k {
				break
			}
			st.Scanned++
			if err := g.visit(it, ek, ts, h); err != nil {
				return st, err
			}
		}
		if err := it.Error(); err != nil {
			return st, err
		}
		if err := g.finishKey(); err != nil {
			return st, err
		}
	}
	return st, g.flush()
}
