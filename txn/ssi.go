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
//   - Conflicts are only detected at commit (PostgreSQL also checks while
//     reading and writing), so a doomed transaction runs to its COMMIT.
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
)

// ssiCheck decides whether a committing serializable transaction may
// commit. writes must be sorted; it returns the transaction's record
// (commitTS still unset) or a 40001 error. It changes nothing.
func (m *Manager) ssiCheck(a activeTxn, writes []string, reads []Intent, spans []Span) (*sxact, error) {
	rec := &sxact{snap: a.horizon, lastSnap: a.snap, readOnly: len(writes) == 0, minOut: noTS}

	// Out-edges: rec →rw C for serializable C that committed a newer
	// version of something rec read.
	oldPivot := false
	out := func(h *keyHist, readTS uint64) {
		for i := len(h.writers) - 1; i >= 0 && h.writers[i].commitTS > readTS; i-- {
			c := h.writers[i]
			rec.minOut = min(rec.minOut, c.commitTS)
			if rec.readOnly {
				oldPivot = oldPivot || c.minOut <= rec.lastSnap
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
	if oldPivot {
		return nil, ssiAbort(reasonOldPivot)
	}
	if len(writes) == 0 || rec.minOut == noTS {
		return rec, nil // no in-edges or no out-edges: not a pivot
	}

	// In-edges: R →rw rec for retained concurrent R that read something
	// rec writes. threshold is what an out-edge's commit must not exceed.
	pivot := false
	in := func(r *sxact) {
		threshold := r.commitTS
		if r.readOnly {
			threshold = r.lastSnap
		} else if r.commitTS <= a.horizon {
			return // rec saw r: not concurrent
		}
		pivot = pivot || rec.minOut <= threshold
	}
	for _, k := range writes {
		for _, r := range m.readers[k] {
			in(r)
		}
	}
	if !pivot {
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
			if pivot {
				break
			}
		}
	}
	if pivot {
		return nil, ssiAbort(reasonPivot)
	}
	return rec, nil
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
			keys[i] = string(r.Key)
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

// ssiWriteKeys returns the written keys as sorted strings (Txn.Commit passes
// them sorted already; tests may not).
func ssiWriteKeys(writes []Intent) []string {
	keys := make([]string, len(writes))
	for i, w := range writes {
		keys[i] = string(w.Key)
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
