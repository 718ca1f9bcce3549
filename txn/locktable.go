package txn

import (
	"time"
)

// lockTable is the deterministic core of row locking: for each locked key
// a holder set (one exclusive holder or any number of shared holders) and
// a FIFO queue of waiters. Like the Manager it does no I/O, starts no
// goroutines and takes no mutex: the caller serialises calls (one
// lockShard mutex per table) and does the waking, so every interleaving
// can be replayed step by step in tests (testdata/locktable).
type lockTable struct {
	locks map[string]*lockState
	// waiting maps each queued transaction to the key it waits for; a
	// transaction waits for at most one lock at a time.
	waiting map[TxnID]string
	free    []*lockState // recycled states: an uncontended lock allocates nothing but its key

	// commits remembers the timestamp of the last commit that wrote each
	// key, recorded by the committer while it still holds the exclusive
	// lock. Every commit of a key holds that lock, so whoever takes the
	// lock next finds here whether the key changed after its snapshot
	// without asking the Manager (and its DB-wide mutex). Entries at or
	// below the pruning horizon are dropped: every snapshot that could
	// ask is above them. clog lists them in (roughly) commit order.
	commits  map[string]uint64
	clog     []keyCommit
	clogHead int
}

type keyCommit struct {
	key string
	ts  uint64
}

// lockState is one key's holders and waiters.
type lockState struct {
	key     string
	holders []lockHolder
	queue   []*lockWaiter
}

type lockHolder struct {
	txn   TxnID
	owner int32
	mode  LockStrength
}

// lockWaiter is a lock request. The requesting transaction owns it (one
// per Txn, reused across waits); the table queues a pointer to it.
type lockWaiter struct {
	txn   TxnID
	owner int32
	mode  LockStrength
	// upgrade marks a shared holder waiting for exclusive.
	upgrade bool
	// since is when the wait started (pg_locks.waitstart); set by the caller.
	since time.Time
	// wake receives one value when the request is granted; nil in tests.
	wake chan struct{}
}

// lockEdge is one step of a waits-for path: the transaction waited for
// and its owner (backend pid) for the deadlock report.
type lockEdge struct {
	txn   TxnID
	owner int32
}

type acquireResult uint8

const (
	acqGranted    acquireResult = iota // newly granted (or upgraded)
	acqHeld                            // already held in this or a stronger mode
	acqWait                            // queued; wait for w.wake
	acqWouldBlock                      // policy was NOWAIT or SKIP LOCKED; nothing changed
)

func newLockTable() lockTable {
	return lockTable{locks: map[string]*lockState{}, waiting: map[TxnID]string{}, commits: map[string]uint64{}}
}

// lastCommit returns the timestamp of the last retained commit of key, or
// 0 when none is retained: the key's last commit, if any, is at or below
// the pruning horizon, so no live snapshot predates it.
func (lt *lockTable) lastCommit(key string) uint64 {
	if len(lt.commits) == 0 {
		return 0
	}
	return lt.commits[key]
}

// recordCommit notes that key was committed at ts; the caller holds its
// exclusive lock. It first forgets commits at or below horizon.
func (lt *lockTable) recordCommit(key string, ts, horizon uint64) {
	lt.pruneCommits(horizon)
	if ts <= horizon {
		return
	}
	lt.commits[key] = max(lt.commits[key], ts)
	lt.clog = append(lt.clog, keyCommit{key, ts})
}

// pruneCommits drops commits at or below horizon. clog is only roughly
// sorted (commits release their locks out of order), so an entry may
// outlive the horizon briefly behind a newer one; that is harmless.
func (lt *lockTable) pruneCommits(horizon uint64) {
	for lt.clogHead < len(lt.clog) && lt.clog[lt.clogHead].ts <= horizon {
		c := &lt.clog[lt.clogHead]
		if lt.commits[c.key] == c.ts {
			delete(lt.commits, c.key)
		}
		*c = keyCommit{}
		lt.clogHead++
	}
	if lt.clogHead == len(lt.clog) {
		lt.clog, lt.clogHead = lt.clog[:0], 0
	} else if lt.clogHead > 64 && lt.clogHead*2 > len(lt.clog) {
		lt.clog = append(lt.clog[:0], lt.clog[lt.clogHead:]...)
		lt.clogHead = 0
	}
}

// acquire requests key for w.txn in w.mode. It returns the result and the
// table's copy of the key (shared with the caller's held set, so a lock
// costs one key allocation).
func (lt *lockTable) acquire(w *lockWaiter, key []byte, policy WaitPolicy) (acquireResult, string) {
	ls, ok := lt.locks[unsafeString(key)]
	if !ok {
		ls = lt.newState(string(key))
		ls.holders = append(ls.holders, lockHolder{w.txn, w.owner, w.mode})
		return acqGranted, ls.key
	}
	w.upgrade = false
	for i := range ls.holders {
		h := &ls.holders[i]
		if h.txn != w.txn {
			continue
		}
		if h.mode >= w.mode {
			return acqHeld, ls.key
		}
		// Shared to exclusive: immediate only for the sole holder.
		if len(ls.holders) == 1 {
			h.mode = w.mode
			return acqGranted, ls.key
		}
		if policy != WaitBlock {
			return acqWouldBlock, ls.key
		}
		// Upgraders go ahead of plain waiters: those already wait for
		// the upgrader's shared lock anyway. Among upgraders, FIFO.
		w.upgrade = true
		n := 0
		for n < len(ls.queue) && ls.queue[n].upgrade {
			n++
		}
		ls.queue = append(ls.queue, nil)
		copy(ls.queue[n+1:], ls.queue[n:])
		ls.queue[n] = w
		lt.waiting[w.txn] = ls.key
		return acqWait, ls.key
	}
	if len(ls.queue) == 0 && compatible(ls.holders, w) {
		ls.holders = append(ls.holders, lockHolder{w.txn, w.owner, w.mode})
		return acqGranted, ls.key
	}
	if policy != WaitBlock {
		return acqWouldBlock, ls.key
	}
	ls.queue = append(ls.queue, w)
	lt.waiting[w.txn] = ls.key
	return acqWait, ls.key
}

// compatible reports whether w can be granted next to holders.
func compatible(holders []lockHolder, w *lockWaiter) bool {
	for _, h := range holders {
		if h.txn == w.txn {
			continue // an upgrader's own shared lock
		}
		if w.mode == LockExclusive || h.mode == LockExclusive {
			return false
		}
	}
	return true
}

// release drops txn's lock on key and appends the waiters it lets in to
// granted.
func (lt *lockTable) release(txn TxnID, key string, granted []*lockWaiter) []*lockWaiter {
	ls, ok := lt.locks[key]
	if !ok {
		return granted
	}
	for i := range ls.holders {
		if ls.holders[i].txn == txn {
			ls.holders = append(ls.holders[:i], ls.holders[i+1:]...)
			break
		}
	}
	return lt.grant(ls, granted)
}

// downgrade turns txn's exclusive lock on key back into a shared one (a
// rolled-back savepoint undoing an upgrade).
func (lt *lockTable) downgrade(txn TxnID, key string, granted []*lockWaiter) []*lockWaiter {
	ls, ok := lt.locks[key]
	if !ok {
		return granted
	}
	for i := range ls.holders {
		if ls.holders[i].txn == txn {
			ls.holders[i].mode = LockShare
		}
	}
	return lt.grant(ls, granted)
}

// cancel withdraws txn's queued request for key (lock timeout, statement
// cancel, deadlock victim). It returns false if the request is no longer
// queued: it was granted meanwhile and the caller now holds the lock.
func (lt *lockTable) cancel(txn TxnID, key string, granted []*lockWaiter) (bool, []*lockWaiter) {
	ls, ok := lt.locks[key]
	if !ok {
		return false, granted
	}
	for i, w := range ls.queue {
		if w.txn == txn {
			ls.queue = append(ls.queue[:i], ls.queue[i+1:]...)
			delete(lt.waiting, txn)
			// Waiters behind it may have been queued only behind it.
			return true, lt.grant(ls, granted)
		}
	}
	return false, granted
}

// grant admits waiters from the front of ls's queue while they fit, and
// frees ls when nobody holds or awaits it.
func (lt *lockTable) grant(ls *lockState, granted []*lockWaiter) []*lockWaiter {
	for len(ls.queue) > 0 {
		w := ls.queue[0]
		if !compatible(ls.holders, w) {
			break
		}
		if w.upgrade {
			for i := range ls.holders {
				if ls.holders[i].txn == w.txn {
					ls.holders[i].mode = w.mode
				}
			}
		} else {
			ls.holders = append(ls.holders, lockHolder{w.txn, w.owner, w.mode})
		}
		ls.queue[0] = nil
		ls.queue = ls.queue[1:]
		delete(lt.waiting, w.txn)
		granted = append(granted, w)
	}
	if len(ls.holders) == 0 && len(ls.queue) == 0 {
		delete(lt.locks, ls.key)
		ls.key = ""
		ls.holders = ls.holders[:0]
		ls.queue = ls.queue[:0:0]
		if len(lt.free) < 256 {
			lt.free = append(lt.free, ls)
		}
	}
	return granted
}

func (lt *lockTable) newState(key string) *lockState {
	var ls *lockState
	if n := len(lt.free); n > 0 {
		ls, lt.free = lt.free[n-1], lt.free[:n-1]
	} else {
		ls = &lockState{holders: make([]lockHolder, 0, 2)}
	}
	ls.key = key
	lt.locks[key] = ls
	return ls
}

// waitsFor appends to dst the transactions txn's queued request waits
// for: conflicting holders and conflicting requests queued ahead of it
// (FIFO means it is granted only after them). It appends nothing when txn
// is not waiting here.
func (lt *lockTable) waitsFor(txn TxnID, dst []lockEdge) []lockEdge {
	key, ok := lt.waiting[txn]
	if !ok {
		return dst
	}
	ls := lt.locks[key]
	var me *lockWaiter
	for _, w := range ls.queue {
		if w.txn == txn {
			me = w
			break
		}
	}
	if me == nil {
		return dst
	}
	for _, h := range ls.holders {
		if h.txn != txn && (me.mode == LockExclusive || h.mode == LockExclusive) {
			dst = append(dst, lockEdge{h.txn, h.owner})
		}
	}
	for _, w := range ls.queue {
		if w == me {
			break
		}
		if w.txn != txn && (me.mode == LockExclusive || w.mode == LockExclusive) {
			dst = append(dst, lockEdge{w.txn, w.owner})
		}
	}
	return dst
}

// findCycle looks for a waits-for cycle through start, following edges
// (which appends the transactions a waiting transaction waits for). It
// returns the cycle as the path start -> ... -> start, without repeating
// start at the end, or nil. Only cycles through start matter: the
// transaction that closes a cycle is the one that detects it and gives
// way, so each deadlock gets exactly one victim.
func findCycle(start lockEdge, edges func(TxnID, []lockEdge) []lockEdge) []lockEdge {
	visited := map[TxnID]bool{start.txn: true}
	path := []lockEdge{start}
	var buf []lockEdge
	var dfs func(TxnID) bool
	dfs = func(txn TxnID) bool {
		buf = edges(txn, buf[:0])
		next := append([]lockEdge(nil), buf...)
		for _, e := range next {
			if e.txn == start.txn {
				return true
			}
			if visited[e.txn] {
				continue
			}
			visited[e.txn] = true
			path = append(path, e)
			if dfs(e.txn) {
				return true
			}
			path = path[:len(path)-1]
		}
		return false
	}
	if dfs(start.txn) {
		return path
	}
	return nil
}

// deadlock runs detection inside this one table (tests; the DB's sharded
// table walks across shards with the same findCycle).
func (lt *lockTable) deadlock(start lockEdge) []lockEdge {
	return findCycle(start, lt.waitsFor)
}
