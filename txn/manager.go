package txn

import (
	"slices"
	"strings"

	"github.com/RaduBerinde/btreemap"
	"github.com/conflux-db/conflux/sql/pgerr"
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
// Timestamps: every commit gets the next integer. Commits are applied to
// storage concurrently and may finish out of order, so the Manager keeps
// the visible watermark: the largest timestamp below which every commit is
// applied. New snapshots read at the watermark and never observe a gap.
//
// Conflicts: for each recently committed key the Manager remembers the
// last commit timestamp. A transaction that wants to commit a key someone
// else committed after its snapshot loses (first committer wins). Entries
// older than every live snapshot and the watermark can never cause a
// conflict again and are pruned.
type Manager struct {
	lastTS  uint64 // largest timestamp handed out
	visible uint64
	// inflight holds prepared commits not yet known applied, in timestamp
	// order (timestamps are handed out increasingly).
	inflight []inflight
	nextID   TxnID
	// active maps live transactions to the oldest snapshot their commit
	// may be validated against (their pruning horizon).
	active map[TxnID]uint64

	recent *btreemap.BTreeMap[string, uint64] // key -> last commit ts
	// log lists commits' keys in timestamp order so pruning is amortised O(1).
	log     []committed
	logHead int // log[:logHead] is pruned
}

type inflight struct {
	ts      uint64
	applied bool
}

type committed struct {
	ts   uint64
	keys []string
}

// NewManager returns a Manager whose clock continues after lastTS (the
// largest commit timestamp found on disk). Everything up to lastTS is
// visible.
func NewManager(lastTS uint64) *Manager {
	return &Manager{
		lastTS:  lastTS,
		visible: lastTS,
		active:  map[TxnID]uint64{},
		recent:  btreemap.New[string, uint64](32, strings.Compare),
	}
}

// Begin registers a transaction reading at the current watermark.
func (m *Manager) Begin() (TxnID, uint64) {
	m.nextID++
	m.active[m.nextID] = m.visible
	return m.nextID, m.visible
}

// Refresh moves a transaction's snapshot to the current watermark. A
// transaction that already wrote (or, serializable, read) under an older
// snapshot passes pinned: its commit will still be validated against that
// older snapshot, so the history since then must not be pruned.
func (m *Manager) Refresh(id TxnID, pinned bool) uint64 {
	if _, ok := m.active[id]; ok && !pinned {
		m.active[id] = m.visible
	}
	return m.visible
}

// End forgets a transaction (committed, prepared or rolled back).
func (m *Manager) End(id TxnID) { delete(m.active, id) }

// Visible returns the watermark: every commit at or below it is applied.
func (m *Manager) Visible() uint64 { return m.visible }

// LastTS returns the largest timestamp handed out.
func (m *Manager) LastTS() uint64 { return m.lastTS }

// Active returns the number of live transactions.
func (m *Manager) Active() int { return len(m.active) }

// TrackedKeys returns how many recently committed keys are remembered.
func (m *Manager) TrackedKeys() int { return m.recent.Len() }

// Prepare validates a commit and assigns its timestamp. writes are the
// keys it writes; reads and spans are what a SERIALIZABLE transaction read
// (nil otherwise). On success the caller must write everything at the
// returned timestamp and then call Applied, whether or not the write
// succeeded. The transaction is ended either way.
func (m *Manager) Prepare(id TxnID, writes, reads []Intent, spans []Span) (uint64, error) {
	defer m.End(id)
	for _, w := range writes {
		if _, ts, ok := m.recent.Get(unsafeString(w.Key)); ok && ts > w.ReadTS {
			return 0, pgerr.New(pgerr.SerializationFailure, "could not serialize access due to concurrent update")
		}
	}
	for _, r := range reads {
		if _, ts, ok := m.recent.Get(unsafeString(r.Key)); ok && ts > r.ReadTS {
			return 0, rwConflict()
		}
	}
	for _, s := range spans {
		hi := btreemap.Max[string]()
		if s.Upper != nil {
			hi = btreemap.LT(string(s.Upper))
		}
		for _, ts := range m.recent.Ascend(btreemap.GE(string(s.Lower)), hi) {
			if ts > s.ReadTS {
				return 0, rwConflict()
			}
		}
	}
	m.lastTS++
	ts := m.lastTS
	m.inflight = append(m.inflight, inflight{ts: ts})
	if len(writes) > 0 {
		keys := make([]string, len(writes))
		for i, w := range writes {
			keys[i] = string(w.Key)
			m.recent.ReplaceOrInsert(keys[i], ts)
		}
		m.log = append(m.log, committed{ts: ts, keys: keys})
	}
	m.prune()
	return ts, nil
}

func rwConflict() error {
	return pgerr.New(pgerr.SerializationFailure,
		"could not serialize access due to read/write dependencies among transactions").
		WithHint("The transaction might succeed if retried.")
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
	_, last, ok := m.recent.Get(unsafeString(key))
	return ok && last > ts
}

// CommitReadOnly ends a transaction that wrote nothing. A SERIALIZABLE
// one passes its reads: under SSI a read-only transaction can still be
// the one to abort (the read-only anomaly).
func (m *Manager) CommitReadOnly(id TxnID, reads []Intent, spans []Span) error {
	m.End(id)
	return nil
}

// PruneBelow is the GC horizon: see pruneBelow.
func (m *Manager) PruneBelow() uint64 { return m.pruneBelow() }

// pruneBelow is the timestamp at or below which a remembered commit can no
// longer conflict: every live snapshot and every future one (which starts
// at the watermark) is at least this large.
func (m *Manager) pruneBelow() uint64 {
	low := m.visible
	for _, s := range m.active {
		low = min(low, s)
	}
	return low
}

func (m *Manager) prune() {
	if m.logHead == len(m.log) || m.log[m.logHead].ts > m.visible {
		return
	}
	low := m.pruneBelow()
	for m.logHead < len(m.log) && m.log[m.logHead].ts <= low {
		c := &m.log[m.logHead]
		for _, k := range c.keys {
			if _, ts, ok := m.recent.Get(k); ok && ts == c.ts {
				m.recent.Delete(k)
			}
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
