package txn

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/conflux-db/conflux/storage"
)

// MVCC garbage collection: the Manager knows the horizon (the oldest
// snapshot any live or future transaction reads at), the storage engine
// knows the versions; the sweeper asks one and drives the other. The
// sweep state lives in the engine (storage.Engine.Sweep), so it is
// per-DB without a field here, and concurrent sweeps (the background
// one, CollectNow) are serialised there.

// GCHorizon is the timestamp below which no live or future snapshot
// reads: a version shadowed by a newer version at or below it is garbage.
func (db *DB) GCHorizon() uint64 {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.mgr.GCHorizon()
}

// gcHorizons are the horizons a sweep step uses: GCHorizon for every key,
// and for lake keys also no later than the retention period allows
// (asof.go). The lake horizon handed out is remembered as the floor
// below which time travel can no longer read.
func (db *DB) gcHorizons() storage.Horizons {
	db.mu.Lock()
	defer db.mu.Unlock()
	h := db.mgr.GCHorizon()
	lake := min(h, db.retentionTS())
	db.lakeFloor = max(db.lakeFloor, lake)
	return storage.Horizons{Rows: h, Lake: lake}
}

// GCStatus is the state of the background MVCC garbage collector
// (shown in the conflux_gc_status system view).
type GCStatus struct {
	Horizon         uint64    // versions shadowed at or below it are garbage
	Running         bool      // a sweep is in progress
	Runs            int64     // sweeps completed since start
	LastStart       time.Time // start of the last (or current) sweep
	LastDuration    time.Duration
	KeysScanned     int64 // versions examined in the current/last sweep
	VersionsRemoved int64 // garbage versions deleted in the current/last sweep
	TotalRemoved    int64 // since start
}

// GCStatus reports the garbage collector's progress. It is cheap (two
// short mutex sections) and safe to call concurrently with a sweep.
func (db *DB) GCStatus() GCStatus {
	s := db.engine.SweepStatus()
	return GCStatus{
		Horizon:         db.GCHorizon(), // the current one, not the sweep's
		Running:         s.Running,
		Runs:            s.Runs,
		LastStart:       s.LastStart,
		LastDuration:    s.LastDuration,
		KeysScanned:     s.Scanned,
		VersionsRemoved: s.Removed,
		TotalRemoved:    s.TotalRemoved,
	}
}

// CollectNow sweeps the whole keyspace once at the current horizon,
// waiting for a sweep already in progress first. For tests and VACUUM.
func (db *DB) CollectNow(ctx context.Context) error {
	_, err := db.engine.SweepAt(ctx, db.gcHorizons, false)
	return err
}

// DefaultGCInterval is how often the background sweeper looks for
// garbage when the caller has no better value.
const DefaultGCInterval = 30 * time.Second

// StartGC starts the background sweeper: every interval it sweeps the
// keys written since the last sweep (storage.Engine.Sweep, incremental:
// the whole keyspace only the first time and after bulk writes), unless
// the horizon has not moved since the last complete sweep (then there is
// no new garbage, so an idle database costs nothing). Before that it
// clears the dropped index spans the horizon has passed. A long-running snapshot holds the horizon back, and with it
// collection of everything it could see. stop cancels a sweep in
// progress and waits for the sweeper to exit; it is idempotent. The
// sweeper also ends when ctx is done.
func (db *DB) StartGC(ctx context.Context, every time.Duration) (stop func()) {
	if every <= 0 {
		every = DefaultGCInterval
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			// Dropped spans first: their keys then need no walking.
			_, err := db.engine.ClearDroppedSpans(ctx, db.GCHorizon())
			if err == nil {
				_, err = db.engine.SweepAt(ctx, db.gcHorizons, true)
			}
			if errors.Is(err, storage.ErrClosed) {
				return // the engine closed under us: nothing left to collect
			}
			if err != nil && ctx.Err() == nil {
				// Deletions already written stay; the next tick retries.
				slog.Warn("txn: MVCC garbage collection failed", "error", err)
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
}
