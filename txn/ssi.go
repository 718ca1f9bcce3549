package txn

// Serializable snapshot isolation (SSI) in the Manager.
//
// # What is tracked
//
// Only SERIALIZABLE transactions are nodes of the conflict graph, as in
// PostgreSQL. An rw-antidependency R →rw W is an edge between concurrent
// serializable transactions (R.snapshot < W.commit and W.snapshot <
// R.commit) where R read a key, or scanned a span, and W wrote a newer
// version of something in it. Reads and writes only reach the Manager at
// commit, so an edge is found when the second of its two transactions
// commits:
//
//   - R commits second: R's reads and spans are checked against the
//     per-key write history, which keeps, besides the last commit
//     timestamp of any writer (first committer wins), the records of the
//     serializable writers still retained (keyHist.writers).
//   - W commits second: W's written keys are looked up in the index of
//     retained read keys (Manager.readers), and W's sorted write set is
//     binary-searched against the spans of the retained records that
//     committed after W's snapshot (a suffix of the commit log, found by
//     binary search).
//
// One kind of edge is also looked for earlier, at the write, as
// PostgreSQL does (CheckWrite, below): when W writes a key that a retained
// committed reader R read, and W's out-edges so far already make it a
// pivot, its commit would fail (edges are only ever added, and R stays
// retained while W runs), so the write fails now with PostgreSQL's
// "during write" reason. Txn calls it only while retained records exist
// (an atomic counter), so the uncontended write path pays nothing.
//
// A committed serializable writer's record (sxact) is retained until no
// transaction concurrent with it can still commit: until every live
// snapshot and the watermark are at or above its commit timestamp. A
// read-only one matters only to writers with an older snapshot (below),
// so it is retained only while such a snapshot is live. Pruning rides on
// the commit log and the existing horizon, so a commit costs its own reads
// and writes plus the overlapping transactions, never a scan of all
// history. Besides its read set a record keeps only minOut: the smallest
// commit timestamp among the transactions it had an rw-antidependency to
// when it committed. Edges found later need not be remembered (below).
//
// # Abort rule and why it is serializable
//
// Fekete et al. (2005) showed that every cycle in the serialization graph
// of a snapshot-isolation history contains a dangerous structure
// T1 →rw T2 →rw T3 of concurrent transactions, and Ports & Grittner (2012,
// the basis of PostgreSQL's SSI) sharpened it: one in which T3 is the first
// transaction of the cycle to commit (T1 may be T3). If T1 is read-only,
// T1's in-edge in the cycle must be a wr-dependency on some X visible in
// T1's snapshot, and X commits after T3, so T3 committed before T1's
// snapshot. We abort one transaction of every such structure, at the
// commit of the last of the three to commit (T1 or T2, since T3 is
// first), when both edges are known:
//
//  1. T2 commits last. Both edges were found now: T1 →rw T2 by the index
//     (T1 committed) and T2 →rw T3 by the history (T3 committed). T2 is
//     aborted as a pivot if some in-edge R and out-edge C have
//     C.commit ≤ R.commit (C.commit ≤ R.snapshot for a read-only R):
//     "minOut ≤ max threshold of the in-edges".
//  2. T1 commits last. T2 →rw T3 was found at T2's commit (T3 committed
//     before T2), so T2.minOut < T2.commit; T1 →rw T2 is found now. T1 is
//     aborted if it has an out-edge to a committed C with C.minOut <
//     C.commit (C.minOut ≤ T1.snapshot if T1 is read-only). Edges C gains
//     after its commit point to transactions committing after C, which
//     can be T3 of no such structure; that is why minOut is fixed at C's
//     commit.
//
// A commit that only adds an out-edge to a committed R (R →rw T found by
// the index) cannot create a dangerous structure with T as T3, because T
// commits after R; so every structure completed by T's commit is case 1
// or 2 and T, the only transaction not yet committed, is the one aborted.
// Prepared commits count as committed: their timestamps order the log.
//
// The property is checked by TestSSIRandomHistories: random interleavings
// whose committed transactions must have an acyclic serialization graph.
//
// # Differences from PostgreSQL
//
// More conservative (aborts that PostgreSQL might avoid):
//
//   - A span read covers the gaps between keys, like an index-range
//     predicate lock; point reads and spans are otherwise per key
//     (finer than PostgreSQL's page and relation lock promotion).
//   - A transaction's snapshot for concurrency is its pruning horizon (the
//     oldest snapshot it was validated against), so a refreshed
//     transaction overlaps more, never less.
//   - A commit whose write failed (Applied after a failed batch) still
//     counts as a committed writer; a key a transaction only locked counts
//     as written if the caller passes it to Prepare.
//   - Until the caller says which transactions are serializable
//     (BeginTxn), a transaction of unknown isolation is a node; one
//     without reads has no out-edges, so SSI never aborts it, but it gives
//     serializable readers extra edges.
//
// Otherwise different:
//
//   - Conflicts are detected at commit and at a write that gives the
//     writer an in-edge (above), not at reads: PostgreSQL also fails a
//     read of a version written by a committed pivot ("conflict out to
//     old pivot"); here that transaction fails at its next such write or
//     at COMMIT instead. Checking at reads would put the Manager's mutex
//     on every serializable point read and a walk of the recent-write
//     history on every scan, for an error that comes a few statements
//     earlier; which transactions commit is the same.
//   - Records are not summarised (PostgreSQL's SLRU of old committed
//     transactions): they stay in memory until no concurrent transaction
//     remains, so a long-running transaction pins them, as it already pins
//     the write history.
//   - No safe snapshots (SERIALIZABLE READ ONLY DEFERRABLE).

import (
	"slices"
	"strings"

	"github.com/RaduBerinde/btreemap"
	"github.com/conflux-db/conflux/sql/pgerr"
)

// noTS stands for "no such commit" in minimum computations.
const noTS = ^uint64(0)

// sxact is the record of a committed serializable transaction, kept while
// a concurrent transaction may still commit.
type sxact struct {
	// snap is the oldest snapshot the transaction read at (concurrency);
	// lastSnap its newest (the read-only threshold).
	snap, lastSnap uint64
	commitTS       uint64 // 0 for read-only transactions
	readOnly       bool
	// minOut is the smallest commit timestamp of a transaction it had an
	// rw-antidependency to at its commit (noTS if none).
	minOut uint64
	reads  []string // deduplicated read keys (indexed in Manager.readers)
	spans  []Span
}

// keyHist is the recent write history of one key.
type keyHist struct {
	last uint64 // last commit timestamp of any writer (first committer wins)
	// writers are the retained serializable writers, in commit order.
	writers []*sxact
}

// ssiAbort is PostgreSQL's error for a dangerous structure.
func ssiAbort(reason string) error {
	return pgerr.New(pgerr.SerializationFailure,
		"could not serialize access due to read/write dependencies among transactions").
		WithDetail("Reason code: %s", reason).
		WithHint("The transaction might succeed if retried.")
}

const (
	reasonPivot    = "Canceled on identification as a pivot, during commit attempt."
	reasonOldPivot = "Canceled on conflict out to old pivot."
	// reasonPivotWrite is CheckWrite's, PostgreSQL's wording when the
	// writer itself is the pivot.
	reasonPivotWrite = "Canceled on identification as a pivot, during write."
)

// ssiCheck decides whether a committing serializable transaction may
// commit. writes must be sorted; it returns the transaction's record
// (commitTS still unset) or a 40001 error. It changes nothing.
func (m *Manager) ssiCheck(a activeTxn, writes []string, reads []Intent, spans []Span) (*sxact, error) {
	rec := &sxact{snap: a.horizon, lastSnap: a.snap, readOnly: len(writes) == 0, minOut: noTS}
	var oldPivot bool
	rec.minOut, oldPivot = m.ssiOut(rec.readOnly, rec.lastSnap, reads, spans)
	if oldPivot {
		return nil, ssiAbort(reasonOldPivot)
	}
	if len(writes) == 0 || rec.minOut == noTS {
		return rec, nil // no in-edges or no out-edges: not a pivot
	}
	// A pivot if an out-edge's commit does not exceed an in-edge's
	// threshold (see the abort rule above).
	if thr, ok := m.ssiIn(a, writes, rec.minOut); ok && rec.minOut <= thr {
		return nil, ssiAbort(reasonPivot)
	}
	return rec, nil
}

// ssiOut finds a transaction's out-edges: →rw C for every retained
// serializable C that committed a newer version of something it read. It
// returns the smallest such commit timestamp (noTS if none) and whether
// one of them is an old pivot (case 2 of the abort rule).
func (m *Manager) ssiOut(readOnly bool, lastSnap uint64, reads []Intent, spans []Span) (minOut uint64, oldPivot bool) {
	minOut = noTS
	out := func(h *keyHist, readTS uint64) {
		for i := len(h.writers) - 1; i >= 0 && h.writers[i].commitTS > readTS; i-- {
			c := h.writers[i]
			minOut = min(minOut, c.commitTS)
			if readOnly {
				oldPivot = oldPivot || c.minOut <= lastSnap
			} else {
				oldPivot = oldPivot || c.minOut < c.commitTS
			}
		}
	}
	for _, r := range reads {
		if _, h, ok := m.recent.Get(unsafeString(r.Key)); ok && h.last > r.ReadTS {
			out(h, r.ReadTS)
		}
	}
	for _, s := range spans {
		for _, h := range m.recent.Ascend(btreemap.GE(unsafeString(s.Lower)), ssiSpanHi(s)) {
			if h.last > s.ReadTS {
				out(h, s.ReadTS)
			}
		}
	}
	return minOut, oldPivot
}

// ssiIn finds the in-edges R →rw T of a transaction a writing the sorted
// keys writes: retained concurrent R that read one of them or scanned a
// span holding one. It returns the largest threshold among them (the
// commit an out-edge of T must not exceed: R's commit, or its snapshot if
// R is read-only) and whether there is any; it stops early once the
// threshold reaches stopAt.
func (m *Manager) ssiIn(a activeTxn, writes []string, stopAt uint64) (thr uint64, found bool) {
	in := func(r *sxact) {
		t := r.commitTS
		if r.readOnly {
			t = r.lastSnap
		} else if r.commitTS <= a.horizon {
			return // T saw r: not concurrent
		}
		thr, found = max(thr, t), true
	}
	for _, k := range writes {
		for _, r := range m.readers[k] {
			in(r)
		}
	}
	if (found && thr >= stopAt) || m.spanRecords == 0 {
		return thr, found
	}
	log := m.log[m.logHead:]
	i, _ := slices.BinarySearchFunc(log, a.horizon+1, func(c committed, ts uint64) int {
		if c.ts < ts {
			return -1
		}
		return 1 // never equal: finds the first c.ts > horizon
	})
	for _, c := range log[i:] {
		if c.rec == nil || len(c.rec.spans) == 0 {
			continue
		}
		for _, s := range c.rec.spans {
			if ssiSpanHits(s, writes) {
				in(c.rec)
				break
			}
		}
		if found && thr >= stopAt {
			break
		}
	}
	return thr, found
}

// CheckWrite is PostgreSQL's check at a write (CheckForSerializableConflictIn)
// for the serializable transaction id, which has read reads and spans so
// far and now writes key: if a retained committed transaction read key (an
// in-edge) and the writer already has an out-edge committed early enough,
// the writer is a pivot that its commit would abort, so the write fails
// now, as in PostgreSQL. Most writes have no in-edge: one map lookup, plus
// a walk of the retained records that scanned spans when there are any.
// The out-edges are computed only when an in-edge is found. Not finding a
// structure here proves nothing: Prepare checks again at commit.
func (m *Manager) CheckWrite(id TxnID, key []byte, reads []Intent, spans []Span) error {
	a, ok := m.active[id]
	if !ok || a.iso == isoOther || m.records == 0 || (len(reads) == 0 && len(spans) == 0) {
		return nil // no out-edges without reads
	}
	thr, found := m.ssiIn(a, []string{unsafeString(key)}, noTS)
	if !found {
		return nil
	}
	if minOut, _ := m.ssiOut(false, a.snap, reads, spans); minOut <= thr {
		return ssiAbort(reasonPivotWrite)
	}
	return nil
}

func ssiSpanHi(s Span) btreemap.UpperBound[string] {
	if s.Upper == nil {
		return btreemap.Max[string]()
	}
	return btreemap.LT(unsafeString(s.Upper))
}

// ssiSpanHits reports whether a sorted key set has a key in s.
func ssiSpanHits(s Span, sorted []string) bool {
	i, _ := slices.BinarySearch(sorted, unsafeString(s.Lower))
	return i < len(sorted) && (s.Upper == nil || sorted[i] < unsafeString(s.Upper))
}

// ssiRecord retains a committed serializable transaction's record:
// indexes its read keys and keeps its spans. The caller adds it to the
// write history and the commit log.
func (m *Manager) ssiRecord(rec *sxact, reads []Intent, spans []Span) {
	if len(reads) > 0 {
		keys := make([]string, len(reads))
		for i, r := range reads {
			keys[i] = unsafeString(r.Key) // retained: see Prepare
		}
		slices.Sort(keys)
		keys = slices.Compact(keys)
		rec.reads = keys
		for _, k := range keys {
			m.readers[k] = append(m.readers[k], rec)
		}
	}
	rec.spans = spans
	m.records++
	if len(spans) > 0 {
		m.spanRecords++
	}
}

// ssiForget drops a pruned record from the read index.
func (m *Manager) ssiForget(rec *sxact) {
	for _, k := range rec.reads {
		l := ssiRemove(m.readers[k], rec)
		if len(l) == 0 {
			delete(m.readers, k)
		} else {
			m.readers[k] = l
		}
	}
	if len(rec.spans) > 0 {
		m.spanRecords--
	}
	rec.reads, rec.spans = nil, nil
	m.records--
}

// ssiRemove removes rec from l. Records are pruned in commit-log order,
// which is the order they were appended, so it is almost always first.
func ssiRemove(l []*sxact, rec *sxact) []*sxact {
	if len(l) > 0 && l[0] == rec {
		l[0] = nil
		return l[1:]
	}
	if i := slices.Index(l, rec); i >= 0 {
		return slices.Delete(l, i, i+1)
	}
	return l
}

// ssiWriteKeys returns the written keys as sorted strings viewing the
// intents' bytes (Txn.Commit passes them sorted already; tests may not).
func ssiWriteKeys(writes []Intent) []string {
	keys := make([]string, len(writes))
	for i, w := range writes {
		keys[i] = unsafeString(w.Key) // retained: see Prepare
	}
	if !slices.IsSortedFunc(keys, strings.Compare) {
		slices.Sort(keys)
	}
	return slices.Compact(keys)
}

// SSIRecords returns how many committed serializable transactions are
// retained for conflict detection.
func (m *Manager) SSIRecords() int { return m.records }

// SSIReadKeys returns how many distinct read keys the retained records
// index.
func (m *Manager) SSIReadKeys() int { return len(m.readers) }
