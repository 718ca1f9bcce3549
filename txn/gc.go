package txn

import "time"

// GCHorizon is the timestamp below which no live or future snapshot
// reads: a version shadowed by a newer version at or below it is garbage.
func (db *DB) GCHorizon() uint64 {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.mgr.PruneBelow()
}

// GCStatus is the state of the background MVCC garbage collector
// (shown in the conflux_gc system view).
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

// GCStatus reports the garbage collector's progress.
func (db *DB) GCStatus() GCStatus {
	return GCStatus{Horizon: db.GCHorizon()} // TODO(issue 3): the sweeper
}
