package txn

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/conflux-db/conflux/sql/pgerr"
)

// lockShardCount spreads keys over independently locked tables so that
// uncontended locks of different keys rarely touch the same mutex.
const lockShardCount = 32

// heldLock stores a shard index in a uint8.
const _ = uint8(lockShardCount - 1)

// lockShards is the DB's lock table: lockShardCount lockTables, each
// behind its own mutex. Deadlock detection needs a view across shards; it
// runs only when a wait starts, under detectMu, reading one shard at a
// time (lock order: detectMu, then one shard mutex).
type lockShards struct {
	shards [lockShardCount]lockShard

	detectMu sync.Mutex
	// waiting maps each waiting transaction to the shard it waits in.
	// A transaction registers after queueing and detects under detectMu,
	// so of the waits that close a cycle the last to register sees it.
	waiting map[TxnID]int
}

type lockShard struct {
	mu sync.Mutex
	t  lockTable
	_  [80]byte // keep hot mutexes on separate cache lines
}

func newLockShards() *lockShards {
	ls := &lockShards{waiting: map[TxnID]int{}}
	for i := range ls.shards {
		ls.shards[i].t = newLockTable()
	}
	return ls
}

// shardOf hashes key (FNV-1a) to its shard index.
func shardOf(key []byte) int {
	h := uint32(2166136261)
	for _, c := range key {
		h ^= uint32(c)
		h *= 16777619
	}
	return int(h % lockShardCount)
}

// wakeAll signals granted waiters. It is called with their shard's mutex
// held, so a waiter that finds its request granted while canceling knows
// the signal is already in its channel (capacity one) and drains it.
func wakeAll(granted []*lockWaiter) {
	for _, w := range granted {
		if w.wake != nil {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}
}

// detect registers w (already queued in shard si for key) as waiting and
// looks for a deadlock through it. If it finds one it withdraws the
// request and returns the 40P01 error; granted reports that the request
// was granted in the meantime (no deadlock any more).
func (ls *lockShards) detect(w *lockWaiter, si int, key string) (granted bool, err error) {
	ls.detectMu.Lock()
	defer ls.detectMu.Unlock()
	ls.waiting[w.txn] = si
	edges := func(txn TxnID, dst []lockEdge) []lockEdge {
		i, ok := ls.waiting[txn]
		if !ok {
			return dst
		}
		sh := &ls.shards[i]
		sh.mu.Lock()
		dst = sh.t.waitsFor(txn, dst)
		sh.mu.Unlock()
		return dst
	}
	// Most waits are for a transaction that is itself running, not
	// waiting: no cycle can pass through it, and the walk is skipped.
	direct := edges(w.txn, nil)
	if !slices.ContainsFunc(direct, func(e lockEdge) bool { _, ok := ls.waiting[e.txn]; return ok }) {
		return false, nil
	}
	cycle := findCycle(lockEdge{w.txn, w.owner}, edges)
	if cycle == nil {
		return false, nil
	}
	delete(ls.waiting, w.txn)
	sh := &ls.shards[si]
	sh.mu.Lock()
	removed, g := sh.t.cancel(w.txn, key, nil)
	wakeAll(g)
	sh.mu.Unlock()
	if !removed {
		return true, nil
	}
	return false, deadlockError(cycle)
}

// doneWaiting unregisters a transaction whose wait ended.
func (ls *lockShards) doneWaiting(txn TxnID) {
	ls.detectMu.Lock()
	delete(ls.waiting, txn)
	ls.detectMu.Unlock()
}

// deadlockError formats a cycle as PostgreSQL does: one line per edge,
// each process waiting for the next one's transaction.
func deadlockError(cycle []lockEdge) *pgerr.Error {
	var b strings.Builder
	for i, e := range cycle {
		next := cycle[(i+1)%len(cycle)]
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "Process %d waits for ShareLock on transaction %d; blocked by process %d.",
			e.owner, next.txn, next.owner)
	}
	return pgerr.New(pgerr.DeadlockDetected, "deadlock detected").
		WithDetail("%s", b.String()).
		WithHint("See server log for query details.")
}

// snapshot lists every held and awaited lock (pg_locks).
func (ls *lockShards) snapshot() []LockInfo {
	var out []LockInfo
	for i := range ls.shards {
		sh := &ls.shards[i]
		sh.mu.Lock()
		for key, st := range sh.t.locks {
			for _, h := range st.holders {
				out = append(out, LockInfo{Key: []byte(key), Owner: h.owner, Mode: h.mode, Granted: true})
			}
			for _, w := range st.queue {
				out = append(out, LockInfo{Key: []byte(key), Owner: w.owner, Mode: w.mode, WaitStart: w.since})
			}
		}
		sh.mu.Unlock()
	}
	return out
}
