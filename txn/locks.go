package txn

import (
	"context"
	"time"

	"github.com/conflux-db/conflux/sql/pgerr"
)

// LockStrength is the mode of a row lock. PostgreSQL's four row-lock
// modes collapse to two here: FOR KEY SHARE and FOR SHARE take LockShare,
// FOR NO KEY UPDATE, FOR UPDATE and every write take LockExclusive.
type LockStrength uint8

const (
	LockShare LockStrength = iota + 1
	LockExclusive
)

// WaitPolicy says what Lock does when the key is held in a conflicting mode.
type WaitPolicy uint8

const (
	// WaitBlock waits (bounded by ctx, the lock timeout and deadlock detection).
	WaitBlock WaitPolicy = iota
	// WaitNoWait fails at once with 55P03 (SELECT ... NOWAIT).
	WaitNoWait
	// WaitSkipLocked returns LockSkipped at once (SELECT ... SKIP LOCKED).
	WaitSkipLocked
)

// LockResult is the outcome of a successful Lock.
type LockResult uint8

const (
	// Locked: the lock is held and the key has no commit newer than the
	// transaction's current snapshot.
	Locked LockResult = iota
	// LockedNewer: the lock is held, but another transaction committed
	// the key after the snapshot. READ COMMITTED callers re-read the
	// latest version (GetLatest) and re-check it (PostgreSQL's
	// EvalPlanQual); REPEATABLE READ and SERIALIZABLE callers fail with
	// ErrConcurrentUpdate unless their write does not depend on the old
	// version (an insert finding the conflicting row deleted). Either
	// way a later Put/Delete of the key no longer reports the commit.
	LockedNewer
	// LockSkipped: the key was held by someone else and the policy was
	// WaitSkipLocked; nothing is held.
	LockSkipped
)

// ErrConcurrentUpdate is PostgreSQL's error for a row changed by a
// concurrent transaction under REPEATABLE READ or SERIALIZABLE.
func ErrConcurrentUpdate() *pgerr.Error {
	return pgerr.New(pgerr.SerializationFailure, "could not serialize access due to concurrent update")
}

// RetryStatementError is returned by Put/Delete at READ COMMITTED when the
// key has a commit newer than the statement's snapshot and the caller did
// not handle it through Lock. The SQL layer rolls the statement back to
// its savepoint, refreshes the snapshot and runs the statement again
// (locks already taken stay held); if it cannot (rows already sent), it
// reports Err (40001) to the client.
type RetryStatementError struct{ Err *pgerr.Error }

func (e *RetryStatementError) Error() string { return e.Err.Error() }
func (e *RetryStatementError) Unwrap() error { return e.Err }

// Lock takes a row lock on key, held until the transaction ends (or a
// RollbackTo to a savepoint taken before the lock was first acquired).
// Re-locking a key already held in the same or a stronger mode is cheap.
// Errors: 40P01 deadlock detected, 55P03 lock timeout (SetLockTimeout) or
// NOWAIT, the context's error when canceled.
func (t *Txn) Lock(ctx context.Context, key []byte, s LockStrength, w WaitPolicy) (LockResult, error) {
	if t.done {
		return Locked, errDone
	}
	if t.asOf {
		return Locked, pgerr.New(pgerr.ReadOnlySQLTransaction, "cannot lock rows in a transaction reading at a past time")
	}
	i, skipped, err := t.acquire(ctx, key, s, w)
	if err != nil {
		return Locked, err
	}
	if skipped {
		return LockSkipped, nil
	}
	h := &t.held[i]
	if !t.newer(h, t.readTS) {
		return Locked, nil
	}
	// The caller now knows of the newer version: it re-checks it
	// (EvalPlanQual), decides the write does not depend on the old one (an
	// insert after a concurrent delete), or fails. A later write of the
	// key is validated from there. Nobody can commit the key while we
	// hold it, so the latest version is the one at h.clean.
	h.ack = max(h.ack, h.clean)
	return LockedNewer, nil
}

// heldLock is one row lock the transaction holds.
type heldLock struct {
	key      string // shared with the lock table's copy
	strength LockStrength
	shard    uint8 // shardOf(key), kept for the release
	// written is set at Commit for keys the transaction wrote, whose
	// commit timestamp the lock table then records.
	written bool
	// clean is a timestamp after which the key has no commit: its last
	// commit as the lock table recorded it, or the snapshot when none is
	// retained. While we hold the lock nobody else can commit the key, so
	// the fact stays true.
	clean uint64
	// ack is set when Lock reported LockedNewer: the caller learnt of the
	// latest version, and writes may build on it.
	ack uint64
}

// lockUpgrade records that held[idx] was upgraded from shared, for
// RollbackTo (acquisitions need no log: held is in acquisition order).
type lockUpgrade struct {
	idx int32
}

// heldIndexFrom is the held-set size from which a map index pays off
// over a linear scan.
const heldIndexFrom = 8

func (t *Txn) findHeld(key []byte) int {
	if t.heldIdx != nil {
		if i, ok := t.heldIdx[unsafeString(key)]; ok {
			return int(i)
		}
		return -1
	}
	for i := range t.held {
		if t.held[i].key == unsafeString(key) {
			return i
		}
	}
	return -1
}

// newer reports whether key (held) has a commit after ts. h.clean, set
// when the lock was taken, answers it: no shared state is touched.
func (t *Txn) newer(h *heldLock, ts uint64) bool { return ts < h.clean }

// acquire makes sure the transaction holds key in mode s (or stronger)
// and returns its index in t.held; skipped when SKIP LOCKED found it taken.
func (t *Txn) acquire(ctx context.Context, key []byte, s LockStrength, policy WaitPolicy) (int, bool, error) {
	i := t.findHeld(key)
	if i >= 0 && t.held[i].strength >= s {
		return i, false, nil // no shared state touched
	}
	db := t.db
	si := shardOf(key)
	sh := &db.locks.shards[si]
	w := &t.w
	w.txn, w.owner, w.mode = t.id, t.opts.Owner, s
	sh.mu.Lock()
	res, k := sh.t.acquire(w, key, policy)
	// The newer-commit check of a new lock, in the same critical section.
	var lc uint64
	if i < 0 && res != acqWouldBlock {
		lc = sh.t.lastCommit(k)
	}
	if res == acqWait {
		if w.wake == nil {
			w.wake = make(chan struct{}, 1)
		}
		w.since = time.Now()
	}
	sh.mu.Unlock()
	switch res {
	case acqWouldBlock:
		if policy == WaitSkipLocked {
			return -1, true, nil
		}
		return -1, false, pgerr.New(pgerr.LockNotAvailable, "could not obtain lock on row")
	case acqWait:
		if err := t.wait(ctx, si, k); err != nil {
			return -1, false, err
		}
		if i < 0 {
			// The holder we waited for may have committed the key.
			sh.mu.Lock()
			lc = sh.t.lastCommit(k)
			sh.mu.Unlock()
		}
	}
	if i >= 0 {
		// An upgrade (or, for acqHeld, a stale view; harmless).
		if t.held[i].strength < s {
			t.upgrades = append(t.upgrades, lockUpgrade{idx: int32(i)})
			t.held[i].strength = s
		}
		return i, false, nil
	}
	i = len(t.held)
	if t.held == nil {
		t.held = make([]heldLock, 0, heldIndexFrom)
	}
	// Absent from the table, the key's last commit is at or below the
	// pruning horizon, which no snapshot of ours predates.
	clean := t.readTS
	if lc != 0 {
		clean = lc
	}
	if db.unlockedTS.Load() > clean {
		// A bulk commit (bulk.go) wrote keys without their locks after
		// clean, unrecorded here: only the Manager knows whether this
		// key was one of them.
		db.mu.Lock()
		if db.mgr.CommittedAfter(key, clean) {
			clean = max(clean, db.mgr.Visible())
		}
		db.mu.Unlock()
	}
	t.held = append(t.held, heldLock{key: k, strength: s, shard: uint8(si), clean: clean})
	if t.heldIdx != nil {
		t.heldIdx[k] = int32(i)
	} else if len(t.held) > heldIndexFrom {
		t.heldIdx = make(map[string]int32, 2*len(t.held))
		for j := range t.held {
			t.heldIdx[t.held[j].key] = int32(j)
		}
	}
	return i, false, nil
}

// wait blocks until t.w, queued for key in shard si, is granted, or fails
// on deadlock, lock timeout or ctx.
func (t *Txn) wait(ctx context.Context, si int, key string) error {
	db := t.db
	w := &t.w
	granted, err := db.locks.detect(w, si, key)
	if err != nil {
		return err
	}
	if granted {
		<-w.wake // signalled before detect saw the grant
		return nil
	}
	defer db.locks.doneWaiting(w.txn)
	var timeout <-chan time.Time
	if t.lockTimeout > 0 {
		tm := time.NewTimer(t.lockTimeout)
		defer tm.Stop()
		timeout = tm.C
	}
	var cause error
	select {
	case <-w.wake:
		return nil
	case <-ctx.Done():
		cause = ctx.Err()
	case <-timeout:
		cause = pgerr.New(pgerr.LockNotAvailable, "canceling statement due to lock timeout")
	}
	sh := &db.locks.shards[si]
	sh.mu.Lock()
	removed, g := sh.t.cancel(w.txn, key, nil)
	wakeAll(g)
	sh.mu.Unlock()
	if !removed {
		// Granted just before we gave up: keep it, it is ours now.
		<-w.wake
		return nil
	}
	return cause
}

// releaseLocks gives every lock back, waking the waiters it lets in.
// After a commit at commitTS (0: none) it first records the commit of
// every key written, so the next holder sees it.
func (t *Txn) releaseLocks(commitTS uint64) {
	if len(t.held) == 0 {
		return
	}
	shards := &t.db.locks.shards
	horizon := t.db.horizonTS.Load()
	var g []*lockWaiter
	for i := range t.held {
		h := &t.held[i]
		sh := &shards[h.shard]
		sh.mu.Lock()
		if commitTS != 0 && h.written {
			sh.t.recordCommit(h.key, commitTS, horizon)
		}
		g = sh.t.release(t.id, h.key, g[:0])
		wakeAll(g)
		sh.mu.Unlock()
	}
	t.held, t.heldIdx, t.upgrades = nil, nil, nil
}

// rollbackLocks returns to the locks of a savepoint that had held
// locks and upgrades: later upgrades are undone, later locks released.
func (t *Txn) rollbackLocks(held, upgrades int) {
	shards := &t.db.locks.shards
	var g []*lockWaiter
	for len(t.upgrades) > upgrades {
		h := &t.held[t.upgrades[len(t.upgrades)-1].idx]
		t.upgrades = t.upgrades[:len(t.upgrades)-1]
		sh := &shards[h.shard]
		sh.mu.Lock()
		g = sh.t.downgrade(t.id, h.key, g[:0])
		wakeAll(g)
		sh.mu.Unlock()
		h.strength = LockShare
	}
	for len(t.held) > held {
		h := &t.held[len(t.held)-1]
		sh := &shards[h.shard]
		sh.mu.Lock()
		g = sh.t.release(t.id, h.key, g[:0])
		wakeAll(g)
		sh.mu.Unlock()
		if t.heldIdx != nil {
			delete(t.heldIdx, h.key)
		}
		*h = heldLock{}
		t.held = t.held[:len(t.held)-1]
	}
}

// lockForWrite is Put/Delete's implicit exclusive lock. It returns the
// key as a string (the lock table's copy) and the snapshot the write is
// validated against.
func (t *Txn) lockForWrite(ctx context.Context, key []byte) (string, uint64, error) {
	if t.opts.ReadOnly || t.done {
		return "", 0, nil // write reports the error
	}
	i, _, err := t.acquire(ctx, key, LockExclusive, WaitBlock)
	if err != nil {
		return "", 0, err
	}
	h := &t.held[i]
	ts := max(t.readTS, h.ack)
	if t.newer(h, ts) {
		if t.opts.Isolation == ReadCommitted {
			return "", 0, &RetryStatementError{Err: ErrConcurrentUpdate()}
		}
		return "", 0, ErrConcurrentUpdate()
	}
	// SSI's check at the write. Only retained records of committed
	// serializable transactions can make the writer a pivot now, and only
	// if it read something (its out-edges); otherwise this is one atomic
	// load at most.
	if t.opts.Isolation == Serializable && (len(t.reads) > 0 || len(t.spans) > 0) &&
		t.db.ssiRecords.Load() > 0 {
		db := t.db
		db.mu.Lock()
		err := db.mgr.CheckWrite(t.id, key, t.reads, t.spans)
		db.mu.Unlock()
		if err != nil {
			return "", 0, err
		}
	}
	return h.key, ts, nil
}

// GetLatest reads the newest committed version of key (or the
// transaction's own write), ignoring the snapshot. READ COMMITTED uses it
// after LockedNewer to re-check the row it now holds locked.
func (t *Txn) GetLatest(ctx context.Context, key []byte) ([]byte, bool, error) {
	if t.done {
		return nil, false, errDone
	}
	if v, found, ok := t.buffered(key); ok {
		return v, found, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	return t.db.engine.Get(key, t.db.visibleTS.Load())
}

// SetLockTimeout bounds how long Lock (and Put/Delete) wait for one lock;
// zero waits forever (PostgreSQL's lock_timeout = 0).
func (t *Txn) SetLockTimeout(d time.Duration) { t.lockTimeout = d }

// SetSynchronousCommit chooses whether Commit waits for fsync
// (synchronous_commit = on, the default) or only for the write to reach
// the OS (off: a crash may lose the last commits, never corrupt).
func (t *Txn) SetSynchronousCommit(on bool) { t.asyncCommit = !on }

// LockInfo describes one lock held or awaited (the rows of pg_locks).
type LockInfo struct {
	Key     []byte
	Owner   int32 // Options.Owner of the transaction
	Mode    LockStrength
	Granted bool
	// WaitStart is when the waiter started waiting (zero when granted).
	WaitStart time.Time
}

// Locks returns a snapshot of the lock table.
func (db *DB) Locks() []LockInfo { return db.locks.snapshot() }
