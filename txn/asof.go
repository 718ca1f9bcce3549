package txn

import (
	"context"
	"strconv"
	"time"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/storage"
)

// Time travel.
//
// Commit timestamps are hybrid-logical-clock values: microseconds since
// the Unix epoch, bumped past the previous one when the clock stalls
// (Manager), so a wall-clock time names a snapshot. Stores written with
// the old counter timestamps stay valid: their timestamps are tiny, and
// every new one is larger.
//
// A snapshot at ts is stable once no commit can still get a timestamp at
// or below it and every commit that did is applied. Manager.Close makes
// the first true for any ts up to the clock; BeginAsOf then waits for
// the watermark. A timestamp beyond the clock is refused, as CockroachDB
// refuses AS OF SYSTEM TIME in the future: waiting for it would block,
// and clamping would silently read another snapshot.
//
// The GC keeps lake keys' versions for the lake retention period (their
// horizon is min(GCHorizon, now - retention)); other keys keep today's
// horizon. Reads of a past snapshot are therefore guaranteed for lake keys
// only back to LakeHorizon. Row-table and catalog keys read at a
// timestamp below GCHorizon may miss versions the GC already removed.

// DefaultLakeRetention is the lake retention period until SetLakeRetention.
const DefaultLakeRetention = 24 * time.Hour

// TimestampOf returns the commit timestamp of wall-clock time t.
func TimestampOf(t time.Time) uint64 {
	us := t.UnixMicro()
	if us < 0 {
		return 0
	}
	return uint64(us)
}

// TimeOf returns the wall-clock time of commit timestamp ts (1970 for the
// small counter timestamps of stores older than the hybrid clock).
func TimeOf(ts uint64) time.Time { return time.UnixMicro(int64(ts)) }

// Now returns the current timestamp, the larger of the clock and the
// newest commit. It is closed (no later commit gets a timestamp at or
// below it), so BeginAsOf(Now()) always succeeds and sees every commit
// acknowledged before Now was called.
func (db *DB) Now() uint64 {
	db.mu.Lock()
	defer db.mu.Unlock()
	ts := db.mgr.Now()
	db.publish()
	return ts
}

// SetLakeRetention sets how long old versions of lake keys stay readable
// (0: no longer than any other key). Lengthening it does not bring back
// versions already collected: LakeHorizon never goes back.
func (db *DB) SetLakeRetention(d time.Duration) { db.lakeRetention.Store(int64(max(d, 0))) }

// LakeRetention returns the lake retention period.
func (db *DB) LakeRetention() time.Duration { return time.Duration(db.lakeRetention.Load()) }

// retentionTS is the oldest timestamp the retention period covers.
func (db *DB) retentionTS() uint64 {
	return TimestampOf(db.clock().Add(-db.LakeRetention()))
}

// LakeHorizon returns the oldest timestamp at which lake keys can still
// be read (BeginAsOf refuses older ones; vacuum keeps every file a
// snapshot at or after it references).
func (db *DB) LakeHorizon() uint64 {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.lakeHorizonLocked()
}

func (db *DB) lakeHorizonLocked() uint64 {
	return max(db.lakeFloor, min(db.mgr.GCHorizon(), db.retentionTS()))
}

// BeginAsOf starts a read-only transaction reading the snapshot at ts (a
// commit timestamp, or TimestampOf a time). Its snapshot never moves
// (Refresh does nothing), it cannot lock rows, and it holds back the GC
// like any snapshot until it ends. ts must be between LakeHorizon and Now:
// otherwise the error is 22023 (invalid_parameter_value). If commits at
// or below ts are still being applied, it waits for them.
func (db *DB) BeginAsOf(ctx context.Context, opts Options, ts uint64) (*Txn, error) {
	opts.ReadOnly = true
	db.mu.Lock()
	if low := db.lakeHorizonLocked(); ts < low {
		db.mu.Unlock()
		return nil, pgerr.New(pgerr.InvalidParameterValue,
			"cannot read as of %s: the oldest readable time is %s", fmtTS(ts), fmtTS(low))
	}
	if now := max(db.mgr.LastTS(), TimestampOf(db.clock())); ts > now {
		db.mu.Unlock()
		return nil, pgerr.New(pgerr.InvalidParameterValue,
			"cannot read as of %s: it is in the future (now is %s)", fmtTS(ts), fmtTS(now))
	}
	db.mgr.Close(ts)
	id := db.mgr.PinAsOf(ts)
	db.publish()
	for db.mgr.Visible() < ts {
		// Only commits already handed a timestamp can hold it up, and
		// their Commit calls apply them without waiting for anything.
		db.visible.Wait()
	}
	db.mu.Unlock()
	if err := ctx.Err(); err != nil {
		db.mu.Lock()
		db.mgr.End(id)
		db.publish()
		db.mu.Unlock()
		return nil, err
	}
	return &Txn{db: db, id: id, opts: opts, readTS: ts, horizon: ts, asOf: true}, nil
}

// fmtTS renders a timestamp for messages: as a time when it is one.
func fmtTS(ts uint64) string {
	if ts < 1e15 { // before 2001: a counter timestamp
		return strconv.FormatUint(ts, 10)
	}
	return TimeOf(ts).UTC().Format("2006-01-02 15:04:05.999999-07")
}

// ScanVersions calls fn for every retained version of the keys in
// [lower, upper) committed at or below the transaction's snapshot, in key
// order and newest first per key (tombstones with deleted set). The
// transaction's own buffered writes are not included. For lake keys the
// versions back to LakeHorizon are retained; other keys keep only what
// the GC has not yet removed. key and value are valid during the call.
func (t *Txn) ScanVersions(ctx context.Context, lower, upper []byte, fn func(key []byte, ts uint64, value []byte, deleted bool) error) error {
	if t.done {
		return errDone
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if t.opts.Isolation == Serializable && !t.asOf {
		// Reading the history depends on the whole span, as a scan does.
		t.spans = append(t.spans, Span{Lower: append([]byte(nil), lower...), Upper: cloneOrNil(upper), ReadTS: t.readTS})
	}
	return t.db.engine.ScanVersions(ctx, lower, upper, t.readTS, storage.VersionFunc(fn))
}
