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
	// ErrConcurrentUpdate.
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
	// TODO(issue 3): the lock table; until it lands every lock is granted.
	if t.db.newerThan(key, t.readTS) {
		return LockedNewer, nil
	}
	return Locked, nil
}

// lockForWrite is Put/Delete's implicit exclusive lock.
func (t *Txn) lockForWrite(ctx context.Context, key []byte) error {
	if t.opts.ReadOnly {
		return nil // write reports the read-only error
	}
	r, err := t.Lock(ctx, key, LockExclusive, WaitBlock)
	if err != nil {
		return err
	}
	if r == LockedNewer {
		if t.opts.Isolation == ReadCommitted {
			return &RetryStatementError{Err: ErrConcurrentUpdate()}
		}
		return ErrConcurrentUpdate()
	}
	return nil
}

// GetLatest reads the newest committed version of key (or the
// transaction's own write), ignoring the snapshot. READ COMMITTED uses it
// after LockedNewer to re-check the row it now holds locked.
func (t *Txn) GetLatest(ctx context.Context, key []byte) ([]byte, bool, error) {
	if t.done {
		return nil, false, errDone
	}
	if t.buf != nil {
		if _, e, ok := t.buf.Get(unsafeString(key)); ok {
			if e.del {
				return nil, false, nil
			}
			return e.value, true, nil
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	t.db.mu.Lock()
	ts := t.db.mgr.Visible()
	t.db.mu.Unlock()
	return t.db.engine.Get(key, ts)
}

// SetLockTimeout bounds how long Lock (and Put/Delete) wait for one lock;
// zero waits forever (PostgreSQL's lock_timeout = 0).
func (t *Txn) SetLockTimeout(d time.Duration) { t.lockTimeout = d }

// SetSynchronousCommit chooses whether Commit waits for fsync
// (synchronous_commit = on, the default) or only for the write to reach
// the OS (off: a crash may lose the last commits, never corrupt).
func (t *Txn) SetSynchronousCommit(on bool) { t.asyncCommit = !on }

// newerThan reports whether key has a commit after ts.
func (db *DB) newerThan(key []byte, ts uint64) bool {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.mgr.CommittedAfter(key, ts)
}

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
func (db *DB) Locks() []LockInfo {
	return nil // TODO(issue 3): the lock table
}
