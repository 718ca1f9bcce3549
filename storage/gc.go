package storage

import (
	"bytes"
	"context"
	"slices"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/conflux-db/conflux/storage/keys"
)

// MVCC garbage collection.
//
// Rule: for each user key, the newest version at or below the horizon is
// what every reader at or above the horizon sees, so it and everything
// newer stay, and every older version is garbage. When that kept version
// is a tombstone, it goes too (together with everything older): a reader
// at or above the horizon finds no version at or below its timestamp and
// answers "not found", exactly what the tombstone said. That holds
// whether or not newer versions exist above the horizon, so tombstones
// are collected in both cases.
//
// Ordering: a tombstone may only disappear once everything it shadows is
// gone, or readers would see a resurrected older value. Its deletion is
// therefore added after every older version's deletion, in the same
// batch or a later one (batches commit in order, and the WAL replays a
// prefix of them after a crash, so the ordering survives a crash too).
//
// Durability: deletion batches are written without fsync. Losing them in
// a crash is harmless: the versions they delete are invisible to every
// snapshot at or above the horizon (every snapshot after a restart is),
// and the next sweep finds them again.
//
// Readers: GC never removes a version a reader at or above the horizon
// can see, so nothing cached becomes wrong and Engine.gen is not bumped.
// The row cache holds newest versions; the only newest version GC removes
// is a tombstone at or below the horizon, and a cached tombstone answers
// "not found" for such readers, as storage now does. Pooled point-read
// iterators and open scans still see the deleted versions (they read a
// Pebble snapshot), which are shadowed for every reader they serve.
//
// Concurrent commits write versions above the horizon only (the horizon
// is at most the visible watermark, and new commits are above it), so a
// sweep's view of the versions at or below the horizon cannot go stale,
// and a DeleteRange over them cannot hit a concurrent write.

// Horizons are the GC horizons of one sweep step. Lake metadata keys
// (under keys.LakePrefix) keep their versions for the lake retention
// period so time travel can read them, so they get a horizon of their
// own, normally below Rows; every other key uses Rows.
type Horizons struct {
	Rows, Lake uint64
}

// Uniform returns Horizons with h for every key.
func Uniform(h uint64) Horizons { return Horizons{Rows: h, Lake: h} }

// For returns the horizon of user key uk.
func (h Horizons) For(uk []byte) uint64 {
	if isLakeKey(uk) {
		return h.Lake
	}
	return h.Rows
}

// forSpan returns the horizon of every key under prefix ("" is the whole
// keyspace: the lower of the two).
func (h Horizons) forSpan(prefix string) uint64 {
	if prefix == "" {
		return min(h.Rows, h.Lake)
	}
	return h.For([]byte(prefix))
}

func isLakeKey(uk []byte) bool { return len(uk) > 0 && uk[0] == keys.LakePrefix[0] }

// GCOptions tune CollectGarbage.
type GCOptions struct {
	// BatchSize is the number of deletions per Pebble batch; 1024 when 0.
	BatchSize int
	// MaxScan stops the walk at the first user key boundary after this
	// many versions were examined, returning GCStats.Resume; 0 walks the
	// whole range. Bounding a call bounds how long its Pebble iterator
	// pins memtables and sstables.
	MaxScan int64
	// Progress, when set, is called after each committed batch with the
	// totals of this call so far.
	Progress func(scanned, removed int64)
}

// GCStats is what one CollectGarbage call did.
type GCStats struct {
	Scanned int64 // versions examined (metadata keys are not counted)
	Removed int64 // versions deleted
	// Resume is the user key to continue from when MaxScan stopped the
	// walk early; nil when the whole range was done.
	Resume []byte
}

const (
	defaultGCBatch = 1024
	// gcRangeRun is the run of garbage versions of one key from which a
	// single DeleteRange replaces the point deletions. Range tombstones
	// cost readers more than point tombstones until compacted, so only
	// long runs (hot rows updated many times) use one.
	gcRangeRun = 64
	// gcCtxEvery is how often (in versions) a walk that deletes nothing
	// still checks for cancellation.
	gcCtxEvery = 4096
)

// CollectGarbage deletes, in [lower, upper) (user keys; nil upper: no
// bound), every version no reader at a timestamp at or above horizon can
// see. Reads at any timestamp >= horizon return the same results before,
// during and after. It checks ctx between batches; on cancellation the
// batches already written stay (each is a valid partial collection).
func (e *Engine) CollectGarbage(ctx context.Context, horizon uint64, lower, upper []byte, opts GCOptions) (GCStats, error) {
	return e.CollectGarbageAt(ctx, Uniform(horizon), lower, upper, opts)
}

// CollectGarbageAt is CollectGarbage with a horizon per kind of key.
func (e *Engine) CollectGarbageAt(ctx context.Context, horizon Horizons, lower, upper []byte, opts GCOptions) (GCStats, error) {
	var st GCStats
	if err := ctx.Err(); err != nil {
		return st, err
	}
	batchSize := opts.BatchSize
	if batchSize <= 0 {
		batchSize = defaultGCBatch
	}
	iopts := &pebble.IterOptions{}
	if len(lower) > 0 {
		iopts.LowerBound = appendBare(nil, lower)
	}
	if upper != nil {
		iopts.UpperBound = appendBare(nil, upper)
	}
	it, err := e.db.NewIter(iopts)
	if err != nil {
		return st, err
	}
	defer it.Close()

	g := gcWalk{e: e, ctx: ctx, st: &st, batchSize: batchSize, progress: opts.Progress}
	defer func() {
		if g.b != nil {
			_ = g.b.Close()
		}
	}()
	var h uint64 // horizon of the current user key
	for valid := it.First(); valid; valid = it.Next() {
		k := it.Key()
		uk, ts, versioned := decodeEngineKey(k)
		if !versioned {
			continue // metadata (max timestamp, sequences): not MVCC
		}
		if !g.started || !bytes.Equal(uk, g.cur) {
			if err := g.finishKey(); err != nil {
				return st, err
			}
			if opts.MaxScan > 0 && st.Scanned >= opts.MaxScan {
				st.Resume = append([]byte(nil), uk...)
				break
			}
			g.startKey(uk)
			h = horizon.For(uk)
		}
		st.Scanned++
		if st.Scanned%gcCtxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
		}
		if err := g.visit(it, k, ts, h); err != nil {
			return st, err
		}
	}
	if err := it.Error(); err != nil {
		return st, err
	}
	if err := g.finishKey(); err != nil {
		return st, err
	}
	return st, g.flush()
}

// visit hands the version under it (engine key k, commit timestamp ts) to
// the walk; versions above the horizon are not garbage candidates.
func (g *gcWalk) visit(it *pebble.Iterator, k []byte, ts, horizon uint64) error {
	if ts > horizon {
		return nil
	}
	v, err := it.ValueAndErr()
	if err != nil {
		return err
	}
	return g.version(k, len(v) == 0 || v[0] == tagTomb)
}

// gcWalk is the per-call state of CollectGarbage.
type gcWalk struct {
	e         *Engine
	ctx       context.Context
	st        *GCStats
	batchSize int
	progress  func(scanned, removed int64)

	b               *pebble.Batch
	pending         int   // operations in b
	pendingVersions int64 // versions they delete

	started bool
	cur     []byte // current user key
	kept    bool   // the newest version <= horizon of cur was seen
	// tomb is the kept version's engine key when it is a tombstone; it
	// is deleted after everything older (see the ordering rule).
	tomb []byte
	// run holds the garbage versions of cur not yet added to a batch;
	// past gcRangeRun of them, rangeStart switches the key to one
	// DeleteRange from the first of them.
	run        []gcVersion
	runArena   []byte
	rangeStart []byte
	rangeN     int64
}

// gcVersion is a garbage version's engine key, at runArena[off:off+n].
// (DeleteSized would help Pebble's compaction heuristics but needs a
// newer on-disk format than stores are opened with.)
type gcVersion struct{ off, n int }

func (g *gcWalk) startKey(uk []byte) {
	g.started = true
	g.cur = append(g.cur[:0], uk...)
	g.kept = false
	g.tomb = g.tomb[:0]
	g.run, g.runArena = g.run[:0], g.runArena[:0]
	g.rangeStart, g.rangeN = g.rangeStart[:0], 0
}

// version handles a version of cur at or below the horizon (newest first).
func (g *gcWalk) version(k []byte, tomb bool) error {
	if !g.kept {
		g.kept = true
		if tomb {
			g.tomb = append(g.tomb[:0], k...)
		}
		return nil
	}
	if len(g.rangeStart) > 0 {
		g.rangeN++ // covered by the DeleteRange finishKey writes
		return nil
	}
	off := len(g.runArena)
	g.runArena = append(g.runArena, k...)
	g.run = append(g.run, gcVersion{off: off, n: len(k)})
	if len(g.run) > gcRangeRun {
		first := g.run[0]
		g.rangeStart = append(g.rangeStart[:0], g.runArena[first.off:first.off+first.n]...)
		g.rangeN = int64(len(g.run))
		g.run, g.runArena = g.run[:0], g.runArena[:0]
	}
	return nil
}

// drainRun adds the buffered point deletions to batches.
func (g *gcWalk) drainRun() error {
	for _, v := range g.run {
		if err := g.b0().Delete(g.runArena[v.off:v.off+v.n], nil); err != nil {
			return err
		}
		if err := g.added(1, 1); err != nil {
			return err
		}
	}
	g.run, g.runArena = g.run[:0], g.runArena[:0]
	return nil
}

// finishKey writes cur's pending deletions: older versions first, then
// the tombstone that shadowed them.
func (g *gcWalk) finishKey() error {
	if !g.started {
		return nil
	}
	if len(g.rangeStart) > 0 {
		// Every version of cur from rangeStart down: up to (not
		// including) the first engine key of the next user key, cur+0x00.
		end := append(append(append([]byte(nil), g.cur...), sentinel), sentinel)
		if err := g.b0().DeleteRange(g.rangeStart, end, nil); err != nil {
			return err
		}
		if err := g.added(1, g.rangeN); err != nil {
			return err
		}
		g.rangeStart, g.rangeN = g.rangeStart[:0], 0
	}
	if err := g.drainRun(); err != nil {
		return err
	}
	if len(g.tomb) > 0 {
		if err := g.b0().Delete(g.tomb, nil); err != nil {
			return err
		}
		g.tomb = g.tomb[:0]
		if err := g.added(1, 1); err != nil {
			return err
		}
	}
	g.started = false
	return nil
}

func (g *gcWalk) b0() *pebble.Batch {
	if g.b == nil {
		g.b = g.e.db.NewBatch()
	}
	return g.b
}

// added counts ops batch operations deleting versions versions, and
// commits the batch when it is full.
func (g *gcWalk) added(ops int, versions int64) error {
	g.pending += ops
	g.pendingVersions += versions
	if g.pending >= g.batchSize {
		return g.flush()
	}
	return nil
}

// flush commits the current batch (NoSync: see the file comment) and
// checks for cancellation.
func (g *gcWalk) flush() error {
	if g.pending > 0 {
		err := g.b.Commit(pebble.NoSync)
		_ = g.b.Close()
		n := g.pendingVersions
		g.b, g.pending, g.pendingVersions = nil, 0, 0
		if err != nil {
			return err
		}
		g.st.Removed += n // only what is written counts
		if g.progress != nil {
			g.progress(g.st.Scanned, g.st.Removed)
		}
	}
	return g.ctx.Err()
}

// CountVersions returns the number of MVCC versions (tombstones
// included, metadata keys excluded) stored for user keys in [lower,
// upper); a nil upper means no bound. It walks every version: meant for
// tests and diagnostics.
func (e *Engine) CountVersions(lower, upper []byte) (int64, error) {
	iopts := &pebble.IterOptions{}
	if len(lower) > 0 {
		iopts.LowerBound = appendBare(nil, lower)
	}
	if upper != nil {
		iopts.UpperBound = appendBare(nil, upper)
	}
	it, err := e.db.NewIter(iopts)
	if err != nil {
		return 0, err
	}
	defer it.Close()
	var n int64
	for valid := it.First(); valid; valid = it.Next() {
		if _, _, versioned := decodeEngineKey(it.Key()); versioned {
			n++
		}
	}
	return n, it.Error()
}

// ErrClosed is returned by operations on a closed engine.
var ErrClosed = pebble.ErrClosed

// SweepStatus is the state of whole-keyspace sweeps (Sweep).
type SweepStatus struct {
	Horizon      uint64 // horizon of the current or last chunk
	Running      bool
	Runs         int64 // completed sweeps
	LastStart    time.Time
	LastDuration time.Duration // of the last completed sweep
	Scanned      int64         // versions examined in the current/last sweep
	Removed      int64         // versions removed in the current/last sweep
	TotalRemoved int64         // since the engine was opened
	// CleanHorizon is the horizon the last completed sweep started with:
	// everything shadowed at or below it is gone, so a sweep is only
	// useful once the horizon has moved past it. CleanLake is the same
	// for lake keys (Horizons.Lake).
	CleanHorizon uint64
	CleanLake    uint64
}

// sweepChunk is the number of versions one CollectGarbage call of a
// sweep examines before its iterator is released.
const sweepChunk = 64 << 10

// Sweep collects garbage, asking horizon for the current GC horizon
// before each chunk (it only moves forward, and each chunk is correct for
// the value it used). Sweeps are serialised; SweepStatus reports
// progress. With incremental (the background sweeper), it visits only
// the keys written since the last sweep (see gcdirty.go; the whole
// keyspace when those are unknown) and is skipped (ran = false) when no
// key was written or the horizon has not moved since the last completed
// sweep: new commits only add versions above the horizon, so there is
// nothing to find. Without it, the whole keyspace is walked (VACUUM,
// tests).
func (e *Engine) Sweep(ctx context.Context, horizon func() uint64, incremental bool) (ran bool, err error) {
	return e.SweepAt(ctx, func() Horizons { return Uniform(horizon()) }, incremental)
}

// SweepAt is Sweep with a horizon per kind of key. The horizons may move
// backwards between chunks (a reader pinned an older snapshot): each
// chunk uses the newest value, and is correct for it.
func (e *Engine) SweepAt(ctx context.Context, horizon func() Horizons, incremental bool) (ran bool, err error) {
	e.sweepMu.Lock()
	defer e.sweepMu.Unlock()
	h0 := horizon()
	e.statusMu.Lock()
	if e.sweepClosed {
		e.statusMu.Unlock()
		return false, ErrClosed
	}
	if incremental && e.sweep.Runs > 0 &&
		((h0.Rows <= e.sweep.CleanHorizon && h0.Lake <= e.sweep.CleanLake) || e.dirty.empty()) {
		e.statusMu.Unlock()
		return false, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e.sweepCancel = cancel // for Close
	start := time.Now()
	e.sweep.Running, e.sweep.LastStart, e.sweep.Horizon = true, start, h0.Rows
	e.sweep.Scanned, e.sweep.Removed = 0, 0
	e.statusMu.Unlock()

	// Taken after h0: a key written from here on is added to the set
	// afresh, and one written before with a timestamp above h0 is put
	// back below.
	dirty := e.dirty.take()
	var scanned, removed int64 // of finished calls
	var written int64          // removals of this call already in TotalRemoved
	report := func(s, r int64) {
		e.statusMu.Lock()
		e.sweep.Scanned, e.sweep.Removed = scanned+s, removed+r
		e.sweep.TotalRemoved += r - written
		e.statusMu.Unlock()
		written = r
	}
	done := func(st GCStats) {
		report(st.Scanned, st.Removed)
		scanned += st.Scanned
		removed += st.Removed
		written = 0
	}
	// sweepSpan walks [lower, upper) in chunks, each at the newest horizon.
	h := h0
	sweepSpan := func(lower, upper []byte) error {
		for {
			st, err := e.CollectGarbageAt(ctx, h, lower, upper, GCOptions{MaxScan: sweepChunk, Progress: report})
			done(st)
			if err != nil || st.Resume == nil {
				return err
			}
			lower = st.Resume
			if next := horizon(); next != h {
				h = next
				e.statusMu.Lock()
				e.sweep.Horizon = h.Rows
				e.statusMu.Unlock()
			}
		}
	}
	if _, whole := dirty.spans[""]; whole || !incremental {
		err = sweepSpan(nil, nil)
	} else {
		prefixes := make([]string, 0, len(dirty.spans))
		for p := range dirty.spans {
			prefixes = append(prefixes, p)
		}
		slices.Sort(prefixes)
		for _, p := range prefixes {
			if err = sweepSpan([]byte(p), keys.PrefixEnd([]byte(p))); err != nil {
				break
			}
		}
		if err == nil {
			// Keys inside a swept span were just visited. After a bulk
			// load that is every remembered key: seeking each again
			// would cost more than the span walk.
			todo := dirty.keys
			if len(dirty.spans) > 0 {
				todo = make(map[string]uint64, len(dirty.keys))
				for k, ts := range dirty.keys {
					if !dirty.covers(k) {
						todo[k] = ts
					}
				}
			}
			var st GCStats
			st, err = e.collectKeys(ctx, h, todo, report)
			done(st)
		}
	}
	e.dirty.putBack(dirty, err == nil, h0)
	e.statusMu.Lock()
	e.sweepCancel = nil
	e.sweep.Running = false
	if err == nil {
		e.sweep.Runs++
		e.sweep.LastDuration = time.Since(start)
		e.sweep.CleanHorizon, e.sweep.CleanLake = h0.Rows, h0.Lake
	}
	e.statusMu.Unlock()
	return true, err
}

// SweepStatus returns the sweep state; cheap and safe concurrently.
func (e *Engine) SweepStatus() SweepStatus {
	e.statusMu.Lock()
	defer e.statusMu.Unlock()
	return e.sweep
}
