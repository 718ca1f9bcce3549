package txn

import (
	"slices"
	"strings"

	"github.com/RaduBerinde/btreemap"
)

// TxnID identifies a transaction inside a Manager.
type TxnID uint64

// Intent is a key a committing transaction wrote (or read, for
// serializable validation) and the snapshot it was based on: a commit by
// another transaction after ReadTS conflicts.
type Intent struct {
	Key    []byte
	ReadTS uint64
}

// Span is a key range [Lower, Upper) a serializable transaction scanned at
// ReadTS; a nil Upper means unbounded.
type Span struct {
	Lower, Upper []byte
	ReadTS       uint64
}

// Manager is the deterministic core that orders commits. It does no I/O,
// starts no goroutines and takes no locks: the caller (DB) serialises
// calls and performs the writes, reporting back with Applied. That keeps
// every decision testable step by step, like etcd's raft.Node core.
//
// Timestamps: every commit gets the next integer, or with a clock
// (NewManagerClock) max(last+1, clock): a hybrid logical clock whose
// values are microseconds since the Unix epoch, so a wall-clock time maps
// to a snapshot (time travel) while timestamps still only grow when the
// clock stalls or goes back. Commits are applied to
// storage concurrently and may finish out of order, so the Manager keeps
// the visible watermark: the largest timestamp below which every commit is
// applied. New snapshots read at the watermark and never observe a gap.
//
// Conflicts: for each recently committed key the Manager remembers the
// last commit timestamp. A transaction that wants to commit a key someone
// else committed after its snapshot loses (first committer wins). Entries
// older than every live snapshot and the watermark can never cause a
// conflict again and are pruned. SERIALIZABLE transactions are also
// checked for dangerous structures of rw-antidependencies (ssi.go).
type Manager struct {
	lastTS  uint64 // largest timestamp handed out
	visible uint64
	clock   func() uint64 // nil: a pure counter
	// pins are the snapshots of transactions reading at a past timestamp
	// (PinAsOf): they hold back garbage collection (GCHorizon) but take no
	// part in conflict checks, since they never write.
	pins map[TxnID]uint64
	// inflight holds prepared commits not yet known applied, in timestamp
	// order (timestamps are handed out increasingly).
	inflight []inflight
	nextID   TxnID
	active   map[TxnID]activeTxn

	recent *btreemap.BTreeMap[string, *keyHist]
	// log lists commits' keys (and retained serializable records) in
	// timestamp order so pruning is amortised O(1).
	log     []committed
	logHead int // log[:logHead] is pruned
	// pruned is the last pruning horizon computed: history at or below it
	// is forgotten, and no snapshot, live or future, is below it.
	pruned uint64

	// readers indexes the read keys of retained serializable records, in
	// commit-log order.
	readers     map[string][]*sxact
	records     int // retained serializable records
	spanRecords int // retained records with scanned spans
}

// activeTxn is a live transaction.
type activeTxn struct {
	// horizon is the oldest snapshot its commit may be validated against
	// (its pruning horizon); snap is its current snapshot.
	horizon, snap uint64
	iso           txnIso
}

// txnIso says whether a transaction is a node of the SSI conflict graph.
type txnIso uint8

const (
	// isoUnknown: Begin did not say. Treated as serializable (see ssi.go).
	isoUnknown txnIso = iota
	isoSerializable
	isoOther
)

type inflight struct {
	ts      uint64
	applied bool
}

// committed is one commit-log entry: a commit's written keys and, for a
// serializable transaction, its record. A retained read-only serializable
// transaction has an entry at the timestamp current when it committed.
type committed struct {
	ts   uint64
	keys []string
	rec  *sxact
}

// NewManager returns a Manager whose clock continues after lastTS (the
// largest commit timestamp found on disk). Everything up to lastTS is
// visible.
func NewManager(lastTS uint64) *Manager { return NewManagerClock(lastTS, nil) }

// NewManagerClock is NewManager with commit timestamps of at least
// clock() (microseconds since the Unix epoch for DB; anything monotone in
// tests). A nil clock is NewManager.
func NewManagerClock(lastTS uint64, clock func() uint64) *Manager {
	return &Manager{
		clock:   clock,
		pins:    map[TxnID]uint64{},
		lastTS:  lastTS,
		visible: lastTS,
		pruned:  lastTS,
		active:  map[TxnID]activeTxn{},
		recent:  btreemap.New[string, *keyHist](32, strings.Compare),
		readers: map[string][]*sxact{},
	}
}

// Begin registers a transaction reading at the current watermark. Its
// isolation is unknown: it is treated as SERIALIZABLE for conflict
// tracking, which is safe but gives serializable readers extra conflicts;
// callers that know should use BeginTxn.
func (m *Manager) Begin() (TxnID, uint64) { return m.begin(isoUnknown) }

// BeginTxn registers a transaction reading at the current watermark;
// serializable says whether it runs at SERIALIZABLE (only those take part
// in rw-antidependency tracking, as in PostgreSQL).
func (m *Manager) BeginTxn(serializable bool) (TxnID, uint64) {
	if serializable {
		return m.begin(isoSerializable)
	}
	return m.begin(isoOther)
}

func (m *Manager) begin(iso txnIso) (TxnID, uint64) {
	m.nextID++
	m.active[m.nextID] = activeTxn{horizon: m.visible, snap: m.visible, iso: iso}
	return m.nextID, m.visible
}

// Refresh moves a transaction's snapshot to the current watermark. A
// transaction that already wrote (or, serializable, read) under an older
// snapshot passes pinned: its commit will still be validated against that
// older snapshot, so the history since then must not be pruned. The
// current snapshot matters to SSI alone, so a pinned transaction below
// SERIALIZABLE need not call it (DB does not).
func (m *Manager) Refresh(id TxnID, pinned bool) uint64 {
	if a, ok := m.active[id]; ok {
		a.snap = m.visible
		if !pinned {
			a.horizon = m.visible
		}
		m.active[id] = a
	}
	return m.visible
}

// End forgets a transaction (committed, prepared or rolled back). Its
// snapshot may have been the one holding history back, so it prunes.
func (m *Manager) End(id TxnID) {
	delete(m.active, id)
	delete(m.pins, id)
	m.prune()
}

// next is the timestamp the next commit gets.
func (m *Manager) next() uint64 {
	ts := m.lastTS + 1
	if m.clock != nil {
		ts = max(ts, m.clock())
	}
	return ts
}

// Now returns the current timestamp: the larger of the watermark and the
// clock. It closes it first (Close), so it is a valid snapshot once the
// watermark reaches it, which happens as soon as the commits already in
// flight are applied.
func (m *Manager) Now() uint64 {
	ts := m.visible
	if m.clock != nil {
		ts = max(ts, m.clock())
	}
	m.Close(ts)
	return ts
}

// Close makes sure no commit is ever given a timestamp at or below ts
// from now on, so a snapshot at ts cannot change once the watermark
// reaches it. Without commits in flight the watermark moves to ts at
// once; otherwise it does when they are applied.
func (m *Manager) Close(ts uint64) {
	if ts <= m.lastTS {
		return
	}
	m.lastTS = ts
	if len(m.inflight) == 0 {
		m.visible = ts
		m.prune()
		return
	}
	// An applied placeholder: the watermark passes it with the commits before it.
	m.inflight = append(m.inflight, inflight{ts: ts, applied: true})
}

// PinAsOf registers a read-only transaction reading at ts, which the
// caller has checked is a valid snapshot (at or below a closed
// timestamp). It holds back GCHorizon until End.
func (m *Manager) PinAsOf(ts uint64) TxnID {
	m.nextID++
	m.pins[m.nextID] = ts
	return m.nextID
}

// GCHorizon is the MVCC garbage-collection horizon: PruneBelow, lowered
// to the oldest pinned past snapshot.
func (m *Manager) GCHorizon() uint64 {
	h := m.pruneBelow()
	for _, ts := range m.pins {
		h = min(h, ts)
	}
	return h
}

// Visible returns the watermark: every commit at or below it is applied.
func (m *Manager) Visible() uint64 { return m.visible }

// LastTS returns the largest timestamp handed out.
func (m *Manager) LastTS() uint64 { return m.lastTS }

// Active returns the number of live transactions (past-snapshot readers included).
func (m *Manager) Active() int { return len(m.active) + len(m.pins) }

// TrackedKeys returns how many recently committed keys are remembered.
func (m *Manager) TrackedKeys() int { return m.recent.Len() }

// Prepare validates a commit and assigns its timestamp. writes are the
// keys it writes; reads and spans are what a SERIALIZABLE transaction read
// (nil otherwise). On success the caller must write everything at the
// returned timestamp and then call Applied, whether or not the write
// succeeded. The transaction is ended either way. The Manager keeps
// viewing the keys' bytes (of writes, and of reads for a serializable
// record) instead of copying them, so the caller must never modify them:
// Txn passes views of immutable strings.
func (m *Manager) Prepare(id TxnID, writes, reads []Intent, spans []Span) (uint64, error) {
	a, ok := m.active[id]
	if !ok {
		// Unknown to us: assume the oldest snapshot it could have had.
		a = activeTxn{horizon: ssiMinReadTS(writes, reads, spans), iso: isoUnknown}
		a.snap = a.horizon
	}
	defer m.End(id)
	for _, w := range writes {
		if _, h, ok := m.recent.Get(unsafeString(w.Key)); ok && h.last > w.ReadTS {
			return 0, ErrConcurrentUpdate()
		}
	}
	keys := ssiWriteKeys(writes)
	var rec *sxact
	if a.iso != isoOther {
		var err error
		if rec, err = m.ssiCheck(a, keys, reads, spans); err != nil {
			return 0, err
		}
	}
	ts := m.next()
	m.lastTS = ts
	m.inflight = append(m.inflight, inflight{ts: ts})
	if rec != nil {
		rec.commitTS = ts
		m.ssiRecord(rec, reads, spans)
	}
	if len(keys) > 0 || rec != nil {
		for _, k := range keys {
			_, h, ok := m.recent.Get(k)
			if !ok {
				h = &keyHist{}
				m.recent.ReplaceOrInsert(k, h)
			}
			h.last = ts
			if rec != nil {
				h.writers = append(h.writers, rec)
			}
		}
		m.log = append(m.log, committed{ts: ts, keys: keys, rec: rec})
	}
	return ts, nil // the deferred End prunes
}

func ssiMinReadTS(writes, reads []Intent, spans []Span) uint64 {
	low := noTS
	for _, w := range writes {
		low = min(low, w.ReadTS)
	}
	for _, r := range reads {
		low = min(low, r.ReadTS)
	}
	for _, s := range spans {
		low = min(low, s.ReadTS)
	}
	if low == noTS {
		return 0
	}
	return low
}

// Applied reports that the commit at ts is in storage (or failed and
// wrote nothing). It returns true when the watermark advanced.
func (m *Manager) Applied(ts uint64) bool {
	i, ok := slices.BinarySearchFunc(m.inflight, ts, func(f inflight, ts uint64) int {
		switch {
		case f.ts < ts:
			return -1
		case f.ts > ts:
			return 1
		}
		return 0
	})
	if !ok {
		return false
	}
	m.inflight[i].applied = true
	n := 0
	for n < len(m.inflight) && m.inflight[n].applied {
		n++
	}
	if n == 0 {
		return false
	}
	m.visible = m.inflight[n-1].ts
	m.inflight = append(m.inflight[:0], m.inflight[n:]...)
	m.prune()
	return true
}

// CommittedAfter reports whether key was committed at a timestamp after
// ts. Only meaningful for ts at or above PruneBelow (every live snapshot
// is), since older history is forgotten.
func (m *Manager) CommittedAfter(key []byte, ts uint64) bool {
	_, h, ok := m.recent.Get(unsafeString(key))
	return ok && h.last > ts
}

// CommitReadOnly ends a transaction that wrote nothing. A SERIALIZABLE
// one passes its reads: under SSI a read-only transaction can still be
// the one to abort (the read-only anomaly), and its reads are retained
// while a transaction with an older snapshot may still commit.
func (m *Manager) CommitReadOnly(id TxnID, reads []Intent, spans []Span) error {
	// End only after the check: our snapshot holds back the history the
	// check needs.
	defer m.End(id)
	a, ok := m.active[id]
	if !ok || a.iso == isoOther || (len(reads) == 0 && len(spans) == 0) {
		return nil
	}
	rec, err := m.ssiCheck(a, nil, reads, spans)
	if err != nil {
		return err
	}
	// Only a writer with a snapshot older than ours can be a pivot
	// through our reads (ssi.go); if none can commit, forget them.
	delete(m.active, id)
	if m.pruneBelow() < rec.lastSnap {
		m.ssiRecord(rec, reads, spans)
		m.log = append(m.log, committed{ts: m.lastTS, rec: rec})
	}
	return nil
}

// Pruned returns the pruning horizon last computed, a cheap lower bound
// of PruneBelow that only grows.
func (m *Manager) Pruned() uint64 { return m.pruned }

// PruneBelow is the GC horizon: see pruneBelow.
func (m *Manager) PruneBelow() uint64 { return m.pruneBelow() }

// pruneBelow is the timestamp at or below which a remembered commit can no
// longer conflict: every live snapshot and every future one (which starts
// at the watermark) is at least this large.
func (m *Manager) pruneBelow() uint64 {
	low := m.visible
	for _, a := range m.active {
		low = min(low, a.horizon)
	}
	return low
}

func (m *Manager) prune() {
	if m.logHead == len(m.log) || m.log[m.logHead].ts > m.visible {
		return
	}
	low := m.pruneBelow()
	m.pruned = max(m.pruned, low)
	for m.logHead < len(m.log) && m.log[m.logHead].ts <= low {
		c := &m.log[m.logHead]
		for _, k := range c.keys {
			_, h, ok := m.recent.Get(k)
			switch {
			case !ok:
			case h.last == c.ts:
				m.recent.Delete(k)
			case c.rec != nil:
				h.writers = ssiRemove(h.writers, c.rec)
			}
		}
		if c.rec != nil {
			m.ssiForget(c.rec)
		}
		*c = committed{}
		m.logHead++
	}
	// Compact once the pruned head dominates, keeping pruning amortised O(1).
	if m.logHead > 64 && m.logHead*2 > len(m.log) {
		m.log = append(m.log[:0], m.log[m.logHead:]...)
		m.logHead = 0
	}
}
