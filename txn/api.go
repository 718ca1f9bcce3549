package txn

// This file fixes the API the SQL layers use; signatures change only with
// every caller.

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/RaduBerinde/btreemap"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/storage"
)

// Isolation is a transaction isolation level.
type Isolation int

const (
	ReadCommitted Isolation = iota
	RepeatableRead
	Serializable
)

func (i Isolation) String() string {
	switch i {
	case ReadCommitted:
		return "read committed"
	case RepeatableRead:
		return "repeatable read"
	case Serializable:
		return "serializable"
	}
	return fmt.Sprintf("isolation(%d)", int(i))
}

// Options are set by BEGIN / SET TRANSACTION.
type Options struct {
	Isolation Isolation
	ReadOnly  bool
	// Owner is the backend process id of the session running the
	// transaction, shown in lock-wait and deadlock messages and pg_locks.
	Owner int32
}

// DB is the transactional key-value store the SQL layer runs on: a
// storage.Engine plus the Manager that orders commits.
type DB struct {
	engine *storage.Engine
	mgr    *Manager

	mu      sync.Mutex // guards mgr
	visible sync.Cond  // signalled when the watermark advances
	seqMu   sync.Mutex // serialises SequenceUpdate

	locks *lockShards // row locks; its own mutexes, never held with mu

	// Mirrors of Manager state, stored under mu after every Manager call
	// that can change them (publish), so hot paths read them without mu.
	visibleTS  atomic.Uint64 // mgr.Visible()
	horizonTS  atomic.Uint64 // mgr.Pruned(): a lower bound of every snapshot
	ssiRecords atomic.Int64  // mgr.SSIRecords()
	// unlockedTS is the largest commit timestamp of a transaction that
	// wrote keys without their row locks (bulk.go), whose commits the lock
	// table's record therefore misses; set under mu at Prepare.
	unlockedTS atomic.Uint64

	clock func() time.Time // commit timestamps follow it (asof.go)
	// lakeRetention (a time.Duration) is how long lake keys' versions
	// stay readable; lakeFloor, under mu, the largest lake GC horizon any
	// sweep was given (versions below it may be gone).
	lakeRetention atomic.Int64
	lakeFloor     uint64
}

// publish refreshes the atomic mirrors; the caller holds mu.
func (db *DB) publish() {
	db.visibleTS.Store(db.mgr.Visible())
	db.horizonTS.Store(db.mgr.Pruned())
	db.ssiRecords.Store(int64(db.mgr.SSIRecords()))
}

// Open wraps an opened engine. Recovery (finding the last commit
// timestamp) happens here.
func Open(ctx context.Context, e *storage.Engine) (*DB, error) {
	return OpenWithClock(ctx, e, time.Now)
}

// OpenWithClock is Open with the wall clock commit timestamps follow
// (tests of time travel and retention pass a fake one).
func OpenWithClock(ctx context.Context, e *storage.Engine, clock func() time.Time) (*DB, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	last, err := e.MaxCommitTS()
	if err != nil {
		return nil, fmt.Errorf("txn: recover last timestamp: %w", err)
	}
	db := &DB{engine: e, locks: newLockShards(), clock: clock}
	db.mgr = NewManagerClock(last, func() uint64 { return TimestampOf(clock()) })
	db.lakeRetention.Store(int64(DefaultLakeRetention))
	db.visible.L = &db.mu
	db.publish()
	return db, nil
}

// Engine returns the underlying storage engine.
func (db *DB) Engine() *storage.Engine { return db.engine }

// Begin starts a transaction whose snapshot is every commit acknowledged so far.
func (db *DB) Begin(opts Options) *Txn {
	db.mu.Lock()
	id, ts := db.mgr.BeginTxn(opts.Isolation == Serializable)
	db.mu.Unlock()
	return &Txn{db: db, id: id, opts: opts, readTS: ts, horizon: ts}
}

// Txn is one transaction. It is used by one goroutine at a time.
// Reads see the snapshot plus the transaction's own writes; writes are
// buffered in memory until Commit, which writes all of them (every table,
// the catalog) in one durable Pebble batch.
type Txn struct {
	db     *DB
	id     TxnID
	opts   Options
	readTS uint64
	// horizon mirrors the Manager's record of the oldest snapshot the
	// transaction is validated against, so Refresh can tell without the
	// mutex that it has nothing to move.
	horizon uint64
	done    bool

	// buf holds buffered writes, sorted so scans can merge them with the
	// snapshot; nil until the first write.
	buf  *btreemap.BTreeMap[string, entry]
	undo []undo

	// Reads of SERIALIZABLE transactions, validated at commit.
	reads []Intent
	spans []Span

	// pr serves the transaction's point reads from one Pebble iterator,
	// taken at the first Get (after the snapshot was fixed, so it holds
	// every commit the snapshot covers) and given back when the snapshot
	// moves (Refresh) or the transaction ends.
	pr storage.PointReader

	lockTimeout time.Duration
	asyncCommit bool

	// held are the row locks the transaction holds, in order of first
	// acquisition; heldIdx indexes them by key once there are many, so
	// re-locking a held key never touches shared state.
	held    []heldLock
	heldIdx map[string]int32
	// upgrades logs shared-to-exclusive upgrades, for RollbackTo.
	upgrades []lockUpgrade
	// w is the transaction's lock request, reused by every wait.
	w lockWaiter
	// asOf: a read-only transaction at a past timestamp (BeginAsOf): its
	// snapshot never moves and it records no SSI reads.
	asOf bool
}

// entry is one buffered write. readTS is the snapshot the first write of
// the key was based on (READ COMMITTED statements move the snapshot).
type entry struct {
	value  []byte
	del    bool
	readTS uint64
}

type undo struct {
	key     string
	prev    entry
	existed bool
}

var errDone = pgerr.New(pgerr.InvalidTransactionState, "transaction is already finished")

// Get reads one key.
func (t *Txn) Get(ctx context.Context, key []byte) (value []byte, found bool, err error) {
	if t.done {
		return nil, false, errDone
	}
	if v, found, ok := t.buffered(key); ok {
		return v, found, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if t.opts.Isolation == Serializable && !t.asOf {
		t.reads = append(t.reads, Intent{Key: append([]byte(nil), key...), ReadTS: t.readTS})
	}
	if t.pr == (storage.PointReader{}) {
		t.pr = t.db.engine.NewPointReader()
	}
	return t.pr.Get(key, t.readTS)
}

// Scan iterates the keys in [lower, upper) in ascending order (descending
// if reverse), merging the snapshot with the transaction's own writes.
// A nil upper means no upper bound. The iterator sees the writes buffered
// when Scan was called, not later ones (a statement does not see its own
// effects, which avoids the Halloween problem).
func (t *Txn) Scan(ctx context.Context, lower, upper []byte, reverse bool) Iterator {
	if t.done {
		return &errIter{err: errDone}
	}
	if err := ctx.Err(); err != nil {
		return &errIter{err: err}
	}
	it := &mergeIter{ctx: ctx, eng: t.db.engine.NewIter(lower, upper, t.readTS, reverse), reverse: reverse}
	if t.buf != nil && t.buf.Len() > 0 {
		hi := btreemap.Max[string]()
		if upper != nil {
			hi = btreemap.LT(string(upper))
		}
		if reverse {
			lo := btreemap.GE(string(lower))
			if upper != nil {
				for k, e := range t.buf.Descend(btreemap.LT(string(upper)), lo) {
					it.buf = append(it.buf, bufKV{k, e})
				}
			} else {
				for k, e := range t.buf.Descend(btreemap.Max[string](), lo) {
					it.buf = append(it.buf, bufKV{k, e})
				}
			}
		} else {
			for k, e := range t.buf.Ascend(btreemap.GE(string(lower)), hi) {
				it.buf = append(it.buf, bufKV{k, e})
			}
		}
	}
	if t.opts.Isolation == Serializable && !t.asOf {
		t.spans = append(t.spans, Span{
			Lower:  append([]byte(nil), lower...),
			Upper:  cloneOrNil(upper),
			ReadTS: t.readTS,
		})
		it.txn, it.spanIdx = t, len(t.spans)-1
	}
	return it
}

func cloneOrNil(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// Put buffers a write. The key and value are copied. The key is first
// locked exclusively (see Lock): Put may wait for another transaction
// holding it, and fails if the key has a commit newer than the snapshot
// (40001 at REPEATABLE READ and above; a *RetryStatementError at READ
// COMMITTED, which the SQL layer answers by re-running the statement).
func (t *Txn) Put(ctx context.Context, key, value []byte) error {
	k, ts, err := t.lockForWrite(ctx, key)
	if err != nil {
		return err
	}
	return t.write(k, key, ts, entry{value: append([]byte{}, value...)})
}

// Delete buffers a deletion, locking the key as Put does.
func (t *Txn) Delete(ctx context.Context, key []byte) error {
	k, ts, err := t.lockForWrite(ctx, key)
	if err != nil {
		return err
	}
	return t.write(k, key, ts, entry{del: true})
}

// write buffers e for key. k is key as a string when the caller has one
// (the lock table's copy), readTS the snapshot the write is based on.
func (t *Txn) write(k string, key []byte, readTS uint64, e entry) error {
	if t.done {
		return errDone
	}
	if t.opts.ReadOnly {
		return pgerr.New(pgerr.ReadOnlySQLTransaction, "cannot execute write in a read-only transaction")
	}
	if t.buf == nil {
		t.buf = btreemap.New[string, entry](16, strings.Compare)
	}
	e.readTS = readTS
	if k == "" {
		k = string(key)
	}
	_, prev, existed := t.buf.ReplaceOrInsert(k, e)
	if existed {
		// The conflict check must use the snapshot the first write saw.
		if prev.readTS < e.readTS {
			e.readTS = prev.readTS
			t.buf.ReplaceOrInsert(k, e)
		}
	}
	t.undo = append(t.undo, undo{key: k, prev: prev, existed: existed})
	return nil
}

// Commit makes every buffered write durable and visible atomically, or
// returns a *pgerr.Error with SQLSTATE 40001 on a conflict the row locks
// did not already settle. Read-only transactions commit without I/O.
// Commit returns once the commit is fsynced (unless synchronous commit is
// off) and visible to new snapshots; only then are the row locks
// released, so a waiter woken by this commit finds it in every snapshot
// it takes and in GetLatest.
func (t *Txn) Commit(ctx context.Context) error {
	if t.done {
		return errDone
	}
	t.done = true
	db := t.db
	if t.buf == nil || t.buf.Len() == 0 {
		db.mu.Lock()
		var err error
		if t.opts.Isolation == Serializable {
			err = db.mgr.CommitReadOnly(t.id, t.reads, t.spans)
		} else {
			db.mgr.End(t.id)
		}
		db.publish()
		db.mu.Unlock()
		t.release()
		t.releaseLocks(0)
		return err
	}
	// The keys are views of the buffer's strings (the lock table's
	// copies), never copied: the buffer, the intents, the Manager and the
	// batch would otherwise hold a large transaction's keys four times
	// over. Their locks are marked written, for the lock table's record.
	intents := make([]Intent, 0, t.buf.Len())
	unlocked := false
	for k, e := range t.buf.Ascend(btreemap.Min[string](), btreemap.Max[string]()) {
		intents = append(intents, Intent{Key: unsafeBytes(k), ReadTS: e.readTS})
		if i := t.findHeld(unsafeBytes(k)); i >= 0 {
			t.held[i].written = true
		} else {
			unlocked = true
		}
	}
	db.mu.Lock()
	ts, err := db.mgr.Prepare(t.id, intents, t.reads, t.spans)
	if err == nil && unlocked {
		db.unlockedTS.Store(ts) // timestamps only grow under mu
	}
	db.publish()
	db.mu.Unlock()
	if err != nil {
		t.release()
		t.releaseLocks(0)
		return err
	}
	writes := make([]storage.Write, 0, len(intents))
	for k, e := range t.buf.Ascend(btreemap.Min[string](), btreemap.Max[string]()) {
		writes = append(writes, storage.Write{Key: unsafeBytes(k), Value: e.value, Delete: e.del})
	}
	t.release() // the tree and undo log; writes keeps keys and values alive
	applyErr := db.engine.ApplyCommit(writes, ts, !t.asyncCommit)
	db.mu.Lock()
	if db.mgr.Applied(ts) {
		db.publish()
		db.visible.Broadcast()
	}
	// Wait until every earlier commit is applied too, so that a new
	// transaction begun after Commit returns sees this one.
	for applyErr == nil && db.mgr.Visible() < ts {
		db.visible.Wait()
	}
	db.mu.Unlock()
	// A failed apply still counts as a commit of its keys, as it does
	// for the Manager.
	t.releaseLocks(ts)
	if applyErr != nil {
		return pgerr.New(pgerr.InternalError, "commit failed: %v", applyErr)
	}
	return nil
}

func (t *Txn) release() {
	t.pr.Close()
	t.buf, t.undo, t.reads, t.spans = nil, nil, nil, nil
}

// Rollback discards the transaction and releases its locks. Safe to call
// after Commit (no-op).
func (t *Txn) Rollback() {
	if t.done {
		return
	}
	t.done = true
	t.db.mu.Lock()
	t.db.mgr.End(t.id)
	t.db.publish()
	t.db.mu.Unlock()
	t.release()
	t.releaseLocks(0)
}

// Savepoint returns a token that RollbackTo uses to undo every write
// buffered and every lock first taken after it (statement-level atomicity
// and SAVEPOINT).
func (t *Txn) Savepoint() Savepoint {
	return Savepoint{seq: len(t.undo), held: len(t.held), upgrades: len(t.upgrades)}
}

// RollbackTo undoes the writes made since sp and releases the row locks
// first acquired since sp (undoing upgrades made since), as PostgreSQL
// releases the row locks of an aborted subtransaction. Reads made since
// sp stay recorded: they were observed, and SERIALIZABLE validation is
// conservative about them as PostgreSQL is.
func (t *Txn) RollbackTo(sp Savepoint) {
	t.RollbackToKeepLocks(sp)
	t.rollbackLocks(sp.held, sp.upgrades)
}

// RollbackToKeepLocks undoes the writes made since sp but keeps every
// lock. The SQL layer uses it to re-run a READ COMMITTED statement after
// a *RetryStatementError: keeping the locks guarantees the retry
// progresses instead of racing for the same rows again.
func (t *Txn) RollbackToKeepLocks(sp Savepoint) {
	for len(t.undo) > sp.seq {
		u := t.undo[len(t.undo)-1]
		t.undo = t.undo[:len(t.undo)-1]
		if u.existed {
			t.buf.ReplaceOrInsert(u.key, u.prev)
		} else {
			t.buf.Delete(u.key)
		}
	}
}

// Refresh moves the read snapshot to the latest commit (READ COMMITTED
// takes a new snapshot for every statement). Own writes stay visible.
func (t *Txn) Refresh() {
	if t.done || t.asOf {
		return
	}
	pinned := (t.buf != nil && t.buf.Len() > 0) || len(t.reads) > 0 || len(t.spans) > 0
	// Nothing committed since the last snapshot (and the horizon need not
	// move): the Manager has nothing to change and the point reader's
	// iterator still holds every commit the snapshot covers.
	v := t.db.visibleTS.Load()
	if v == t.readTS && (pinned || t.horizon == v) {
		return
	}
	if pinned && t.opts.Isolation != Serializable {
		// The Manager would only record the new snapshot, which it uses
		// for SSI alone; the pinned horizon stays. Every commit acknowledged
		// before this statement is at or below v (Commit returns only once
		// the watermark passed it), so the snapshot misses none.
		t.pr.Close()
		t.readTS = v
		return
	}
	t.db.mu.Lock()
	ts := t.db.mgr.Refresh(t.id, pinned)
	t.db.mu.Unlock()
	if !pinned {
		t.horizon = ts
	}
	if ts != t.readTS {
		t.pr.Close() // its iterator may predate commits the new snapshot covers
		t.readTS = ts
	}
}

// Options returns the options the transaction was started with.
func (t *Txn) Options() Options { return t.opts }

// ReadTS returns the snapshot timestamp reads currently use.
func (t *Txn) ReadTS() uint64 { return t.readTS }

// Savepoint marks a position in a transaction's write buffer.
type Savepoint struct{ seq, held, upgrades int }

// unsafeBytes views s as bytes for callers that only read them.
func unsafeBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// Iterator walks key/value pairs. Key and Value are valid until Next.
type Iterator interface {
	Next() bool
	Key() []byte
	Value() []byte
	Err() error
	Close()
}

type errIter struct{ err error }

func (e *errIter) Next() bool    { return false }
func (e *errIter) Key() []byte   { return nil }
func (e *errIter) Value() []byte { return nil }
func (e *errIter) Err() error    { return e.err }
func (e *errIter) Close()        {}
