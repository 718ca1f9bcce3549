package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Options configure Open.
type Options struct {
	// InMemory keeps everything in memory (tests); dir is then ignored.
	InMemory bool
	// Logger receives Pebble's log lines; slog.Default() when nil.
	Logger *slog.Logger
	// CacheSize is the block cache size in bytes; 256 MiB when zero
	// (with the memtables' share below, less than the 128 MiB plus 192
	// MiB that 64 MiB memtables had set aside).
	// Pebble charges its memtables (and large batches awaiting flush)
	// to the block cache, so Open adds room for those on top: without it
	// two large memtables leave no cache at all and every point read
	// decompresses its index and data blocks again.
	CacheSize int64
	// RowCacheSize bounds the cache of recently read rows (newest
	// versions) that serves point reads; 128 MiB when zero, none when
	// negative.
	RowCacheSize int64
	// FS replaces the operating system's file system (tests simulate power
	// loss with Pebble's crashable in-memory FS). Ignored with InMemory.
	FS vfs.FS
}

// Engine is the Pebble-backed MVCC store. It is safe for concurrent use.
type Engine struct {
	db  *pebble.DB
	log *slog.Logger

	// gen counts completed writes. A Pebble iterator sees the data as of
	// its creation, so an iterator opened at generation g holds every write
	// that completed before it was opened; while gen is still g, no write
	// has completed since, and the iterator can serve any read timestamp a
	// transaction can have (its snapshot only covers completed commits).
	gen atomic.Uint64
	// getIters are idle iterators for Get, reused while their generation
	// is current: opening a Pebble iterator (read state, merging iterator
	// over every level) costs more than the seek of a point read.
	getMu    sync.Mutex
	getIters []genIter
	// readers are the PointReaders holding an iterator; Close closes
	// their iterators too, so a transaction nobody ended does not keep
	// Pebble from shutting down.
	readers map[*PointReader]struct{}
	closed  bool

	rows *rowCache // nil: no row cache

	// sweepMu serialises Sweeps; statusMu guards sweep, sweepCancel and
	// sweepClosed, so SweepStatus never waits for a running sweep.
	sweepMu     sync.Mutex
	statusMu    sync.Mutex
	sweep       SweepStatus
	sweepCancel context.CancelFunc // of the running sweep
	sweepClosed bool
	dirty       dirtyKeys // keys that may hold garbage: see gcdirty.go
}

// genIter is an idle point-read iterator and the write generation it was
// opened at.
type genIter struct {
	it  *pebble.Iterator
	gen uint64
}

// maxIdleGetIters bounds the pool; more are only needed with more
// concurrent readers than that, and then opening one is the fallback.
const maxIdleGetIters = 32

// Write is one key written by a commit; Delete writes a tombstone.
type Write struct {
	Key    []byte
	Value  []byte
	Delete bool
}

// maxTSKey is the bare metadata key holding the max commit timestamp.
var maxTSKey = appendBare(nil, []byte("\x01maxts"))

// Open opens (creating if needed) the engine in dir.
func Open(ctx context.Context, dir string, opts Options) (*Engine, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	cacheSize := opts.CacheSize
	if cacheSize == 0 {
		cacheSize = 256 << 20
	}
	// The memtables' share: the mutable one, one being flushed, and a
	// zombie still pinned by an open iterator.
	cacheSize += memTableReserve * memTableSize
	cache := pebble.NewCache(cacheSize)
	defer cache.Unref()
	e := &Engine{log: log}
	// Pooled point-read iterators pin the LSM version they were opened
	// on. After a flush or compaction that version is the slow one (a
	// bulk load's flushable batch is binary-searched entry by entry, L0
	// files have been merged away), so bumping gen retires them. A bump
	// is always safe: it only makes iterators and row-cache stores of the
	// old generation be treated as stale.
	listener := &pebble.EventListener{
		FlushEnd:      func(pebble.FlushInfo) { e.gen.Add(1) },
		CompactionEnd: func(pebble.CompactionInfo) { e.gen.Add(1) },
	}
	po := &pebble.Options{
		EventListener: listener,
		Comparer:      mvccComparer,
		Merger:        maxMerger,
		Cache:         cache,
		Logger:        pebbleLogger{log},
		MemTableSize:  memTableSize,
	}
	// Point reads dominate. With Pebble's 2 MB L0 target a bulk load
	// flushes into dozens of files, and random keys make every seek switch
	// files (close one sstable iterator, open another) and walk a
	// two-level index. Larger files and index blocks keep a lookup to one
	// open file and one index block.
	po.TargetFileSizes[0] = 64 << 20
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
		po.Levels[i].IndexBlockSize = 256 << 10
	}
	switch {
	case opts.InMemory:
		po.FS = vfs.NewMem()
		dir = ""
	case opts.FS != nil:
		po.FS = opts.FS
	}
	db, err := pebble.Open(dir, po)
	if err != nil {
		return nil, fmt.Errorf("storage: open %q: %w", dir, err)
	}
	e.db = db
	// A store that has seen commits may hold garbage from before this
	// process: the first sweep walks everything (see gcdirty.go). A new
	// one has none.
	if ts, err := e.MaxCommitTS(); err != nil || ts > 0 {
		e.dirty.spans = map[string]uint64{"": 0}
	}
	switch rcs := opts.RowCacheSize; {
	case rcs == 0:
		e.rows = newRowCache(128 << 20)
	case rcs > 0:
		e.rows = newRowCache(rcs)
	}
	return e, nil
}

// Close flushes nothing extra (every acknowledged commit is already in the
// WAL) and releases the engine.
func (e *Engine) Close() error {
	// A background sweep may still be running (its owner stops it
	// first, normally): cancel it and wait, as Pebble must not be used
	// after closing.
	e.statusMu.Lock()
	e.sweepClosed = true
	if e.sweepCancel != nil {
		e.sweepCancel()
	}
	e.statusMu.Unlock()
	e.sweepMu.Lock()
	e.sweepMu.Unlock() //nolint:staticcheck // waiting for the sweep is the point
	e.getMu.Lock()
	idle := e.getIters
	e.getIters, e.closed = nil, true
	for r := range e.readers {
		idle = append(idle, genIter{it: r.it})
		r.it = nil
	}
	e.readers = nil
	e.getMu.Unlock()
	for _, gi := range idle {
		_ = gi.it.Close()
	}
	return e.db.Close()
}

// acquireGetIter returns an iterator that holds every write completed so
// far: a pooled one of the current generation, or a new one.
func (e *Engine) acquireGetIter() (*pebble.Iterator, uint64, error) {
	gen := e.gen.Load()
	var stale []genIter
	var it *pebble.Iterator
	e.getMu.Lock()
	for n := len(e.getIters); n > 0; n = len(e.getIters) {
		gi := e.getIters[n-1]
		e.getIters = e.getIters[:n-1]
		if gi.gen == gen {
			it = gi.it
			break
		}
		stale = append(stale, gi)
	}
	if it == nil && len(stale) > 0 {
		// Every older iterator is stale too: drop them all at once.
		stale = append(stale, e.getIters...)
		e.getIters = e.getIters[:0]
	}
	e.getMu.Unlock()
	for _, gi := range stale {
		_ = gi.it.Close()
	}
	if it != nil {
		return it, gen, nil
	}
	// gen was read before opening, so the iterator holds at least every
	// write of generation gen.
	it, err := e.db.NewIter(nil)
	return it, gen, err
}

// releaseGetIter returns it to the pool, or closes it when it is stale,
// the pool is full or the engine is closing.
func (e *Engine) releaseGetIter(it *pebble.Iterator, gen uint64) {
	if it.Error() == nil && gen == e.gen.Load() {
		e.getMu.Lock()
		if !e.closed && len(e.getIters) < maxIdleGetIters {
			e.getIters = append(e.getIters, genIter{it: it, gen: gen})
			e.getMu.Unlock()
			return
		}
		e.getMu.Unlock()
	}
	_ = it.Close()
}

// Get returns the newest version of key at or below readTS. The returned
// value is read-only: it may be shared with the row cache.
func (e *Engine) Get(key []byte, readTS uint64) (value []byte, found bool, err error) {
	if v, found, ok := e.cached(key, readTS); ok {
		return v, found, nil
	}
	it, gen, err := e.acquireGetIter()
	if err != nil {
		return nil, false, err
	}
	defer e.releaseGetIter(it, gen)
	return e.getAt(it, gen, key, readTS)
}

// PointReader serves many point reads at one read timestamp from one
// Pebble iterator (a transaction's reads, the keys of a batch lookup):
// no pool traffic per read, and reads in ascending key order let Pebble
// seek forward from the previous position instead of from the top of
// each level. The iterator is taken on the first Get, so it holds every
// write completed by then; the caller must Close it before moving to a
// newer read timestamp. Not safe for concurrent use.
type PointReader struct {
	e   *Engine
	it  *pebble.Iterator
	gen uint64
}

// NewPointReader returns a reader (a value, so it can be embedded without
// an allocation); it holds no resources until used.
func (e *Engine) NewPointReader() PointReader { return PointReader{e: e} }

// Get is Engine.Get through the reader's iterator.
func (r *PointReader) Get(key []byte, readTS uint64) ([]byte, bool, error) {
	if v, found, ok := r.e.cached(key, readTS); ok {
		return v, found, nil
	}
	if r.it == nil {
		it, gen, err := r.e.acquireGetIter()
		if err != nil {
			return nil, false, err
		}
		e := r.e
		e.getMu.Lock()
		if e.closed {
			e.getMu.Unlock()
			_ = it.Close()
			return nil, false, pebble.ErrClosed
		}
		if e.readers == nil {
			e.readers = map[*PointReader]struct{}{}
		}
		e.readers[r] = struct{}{}
		e.getMu.Unlock()
		r.it, r.gen = it, gen
	}
	return r.e.getAt(r.it, r.gen, key, readTS)
}

// Close gives the iterator back; the reader can be used again afterwards
// (it then takes a fresh iterator).
func (r *PointReader) Close() {
	if r.it == nil {
		return
	}
	e := r.e
	e.getMu.Lock()
	_, live := e.readers[r]
	delete(e.readers, r)
	e.getMu.Unlock()
	if live { // else Engine.Close already closed it
		e.releaseGetIter(r.it, r.gen)
	}
	r.it = nil
}

// cached answers a point read from the row cache when it can (ok).
func (e *Engine) cached(key []byte, readTS uint64) (value []byte, found, ok bool) {
	if e.rows == nil {
		return nil, false, false
	}
	c, hit := e.rows.get(key)
	if !hit || c.ts > readTS {
		return nil, false, false
	}
	if c.tomb {
		return nil, false, true
	}
	// Cached values are never modified, so the caller can share one
	// (a copy here was a third of a cached read's cost).
	return c.value, true, true
}

// getAt reads key at readTS through it (of generation gen). With the row
// cache on, it reads the newest version first, remembers it, and seeks
// again only when that version is newer than the snapshot.
func (e *Engine) getAt(it *pebble.Iterator, gen uint64, key []byte, readTS uint64) ([]byte, bool, error) {
	var buf [64]byte
	if e.rows != nil {
		seek := appendVersioned(buf[:0], key, math.MaxUint64)
		if !it.SeekPrefixGE(seek) {
			return nil, false, it.Error()
		}
		_, ts, ok := decodeEngineKey(it.Key())
		if !ok {
			return nil, false, nil
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, false, err
		}
		tomb := len(v) == 0 || v[0] == tagTomb
		var val []byte
		if !tomb {
			val = v[1:]
		}
		if e.gen.Load() == gen { // else put would copy only to refuse
			e.rows.put(key, rowCacheEntry{ts: ts, value: val, tomb: tomb}, gen, e.gen.Load)
		}
		if ts <= readTS {
			if tomb {
				return nil, false, nil
			}
			return append([]byte(nil), val...), true, nil
		}
		// A hot row was updated after the snapshot: the version wanted is
		// usually one or two steps older, and stepping is far cheaper than
		// a second seek down the memtable's skiplist.
		for range maxVersionSteps {
			if !it.Next() {
				return nil, false, it.Error() // no version at or below readTS
			}
			if _, ts, ok = decodeEngineKey(it.Key()); !ok {
				return nil, false, nil
			}
			if ts <= readTS {
				return versionValue(it)
			}
		}
	}
	seek := appendVersioned(buf[:0], key, readTS)
	// Prefix iteration (userKey+0x00) confines the seek to key's versions
	// and lets the bloom filters skip tables without it; the bare
	// metadata key sorts before every version, so it is never reached.
	if !it.SeekPrefixGE(seek) {
		return nil, false, it.Error()
	}
	if _, _, ok := decodeEngineKey(it.Key()); !ok {
		return nil, false, nil
	}
	return versionValue(it)
}

// maxVersionSteps is how many older versions getAt steps through before
// seeking instead.
const maxVersionSteps = 4

// versionValue returns a copy of the value of the version it is on.
func versionValue(it *pebble.Iterator) ([]byte, bool, error) {
	v, err := it.ValueAndErr()
	if err != nil {
		return nil, false, err
	}
	if len(v) == 0 || v[0] == tagTomb {
		return nil, false, nil
	}
	return append([]byte(nil), v[1:]...), true, nil
}

// ApplyCommit writes every write as a version at commitTS in one Pebble
// batch, fsyncing the WAL when sync is set. Concurrent calls share fsyncs
// through Pebble's commit pipeline.
func (e *Engine) ApplyCommit(writes []Write, commitTS uint64, sync bool) error {
	if commitTS == 0 {
		return errors.New("storage: commit timestamp 0 is reserved")
	}
	b := e.db.NewBatch()
	defer b.Close()
	for i := range writes {
		w := &writes[i]
		vlen := 1
		if !w.Delete {
			vlen += len(w.Value)
		}
		op := b.SetDeferred(len(w.Key)+1+suffixLen, vlen)
		appendVersioned(op.Key[:0], w.Key, commitTS)
		if w.Delete {
			op.Value[0] = tagTomb
		} else {
			op.Value[0] = tagLive
			copy(op.Value[1:], w.Value)
		}
		if err := op.Finish(); err != nil {
			return err
		}
	}
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], commitTS)
	if err := b.Merge(maxTSKey, ts[:], nil); err != nil {
		return err
	}
	wo := pebble.NoSync
	if sync {
		wo = pebble.Sync
	}
	large := b.Len() >= bulkFlushBytes
	err := b.Commit(wo)
	e.gen.Add(1) // after the write completed: see Engine.gen
	e.dirty.add(writes, commitTS)
	if e.rows != nil { // after gen: see rowCache
		if err == nil {
			e.rows.refresh(writes, commitTS)
		} else {
			e.rows.invalidate(writes)
		}
	}
	if err == nil && large {
		// A bulk load (COPY, INSERT ... SELECT) lands as one huge batch,
		// which Pebble keeps as a "flushable batch" that point reads
		// binary-search entry by entry until enough else is written to
		// trigger a flush. Flush it now so reads find sorted tables with
		// bloom filters instead.
		if _, ferr := e.db.AsyncFlush(); ferr != nil {
			e.log.Warn("storage: flush after bulk commit", "error", ferr)
		}
	}
	return err
}

// memTableSize is Pebble's memtable size; memTableReserve memtables'
// worth of block cache is set aside for them (see Options.CacheSize).
// Every point read that misses the row cache seeks the memtable's
// skiplist, and with 64 MiB of TPC-B writes that seek (a cache miss per
// level) cost more than the sstable lookup behind it: 16 MiB took server
// CPU per pgbench -S query from ~27 to ~22 us and per TPC-B transaction
// down ~8%, flushes and compactions included.
const (
	memTableSize    = 16 << 20
	memTableReserve = 3
)

// bulkFlushBytes is the commit size from which ApplyCommit flushes.
const bulkFlushBytes = 8 << 20

// MaxCommitTS returns the largest commit timestamp ever applied (0 for a
// new store).
func (e *Engine) MaxCommitTS() (uint64, error) {
	v, closer, err := e.db.Get(maxTSKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, fmt.Errorf("storage: corrupt max timestamp (%d bytes)", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// GetMeta reads an unversioned metadata key (use keys under
// keys.MetaPrefix or keys.SequencePrefix). MVCC reads never see these keys.
func (e *Engine) GetMeta(key []byte) (value []byte, found bool, err error) {
	v, closer, err := e.db.Get(appendBare(nil, key))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer closer.Close()
	return append([]byte(nil), v...), true, nil
}

// SetMeta writes an unversioned metadata key outside any transaction
// (e.g. sequence values, which PostgreSQL does not roll back).
func (e *Engine) SetMeta(key, value []byte, sync bool) error {
	wo := pebble.NoSync
	if sync {
		wo = pebble.Sync
	}
	err := e.db.Set(appendBare(nil, key), value, wo)
	e.gen.Add(1)
	return err
}

// pebbleLogger routes Pebble's printf-style logging to slog. Pebble's
// informational lines (WAL recovery, flushes) are Debug-level noise for a
// database server.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug(fmt.Sprintf(format, args...), "component", "pebble")
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
}

// Fatalf is called by Pebble on invariant violations it cannot continue
// past; Pebble's own default exits the process, we panic after logging so
// the stack is kept.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error(msg, "component", "pebble", "fatal", true)
	panic("pebble: " + msg)
}

// EstimateSize estimates the bytes on disk used by user keys in [lower,
// upper) (every version). Data still in the memtable is not counted: it is
// an estimate for humans (pg_relation_size), not an accounting.
func (e *Engine) EstimateSize(lower, upper []byte) (uint64, error) {
	return e.db.EstimateDiskUsage(appendBare(nil, lower), appendBare(nil, upper))
}
