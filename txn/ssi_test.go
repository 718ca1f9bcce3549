package txn

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/storage"
)

// ssiHarness drives a Manager step by step from testdata/ssi* files.
//
//	begin NAME [iso=ser|rr|unknown]  start a transaction
//	read NAME KEY...                 record point reads
//	scan NAME LO [HI]                record a scanned span [LO, HI)
//	write NAME KEY...                buffer writes, each checked first as
//	                                 Txn does (CheckWrite); a failing one
//	                                 is reported and not buffered
//	commit NAME [noapply]            Prepare (or CommitReadOnly) and Applied
//	apply TS                         Applied for a commit left unapplied
//	rollback NAME                    End
//	state                            retained records, keys, active count
type ssiHarness struct {
	m    *Manager
	txns map[string]*ssiTxn
}

type ssiTxn struct {
	id     TxnID
	snap   uint64
	reads  []Intent
	spans  []Span
	writes []Intent
}

func TestSSI(t *testing.T) {
	files, err := filepath.Glob("testdata/ssi*")
	mustNil(t, err)
	if len(files) == 0 {
		t.Fatal("no testdata/ssi* files")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			h := &ssiHarness{m: NewManager(0), txns: map[string]*ssiTxn{}}
			datadriven.RunTest(t, path, h.run)
		})
	}
}

func (h *ssiHarness) run(t *testing.T, d *datadriven.TestData) string {
	arg := func(i int) string {
		if i >= len(d.CmdArgs) {
			d.Fatalf(t, "%s: missing argument %d", d.Cmd, i)
		}
		return d.CmdArgs[i].Key
	}
	get := func() (string, *ssiTxn) {
		name := arg(0)
		x, ok := h.txns[name]
		if !ok {
			d.Fatalf(t, "unknown transaction %q", name)
		}
		return name, x
	}
	switch d.Cmd {
	case "begin":
		name := arg(0)
		iso := "unknown"
		d.MaybeScanArgs(t, "iso", &iso)
		var id TxnID
		var snap uint64
		switch iso {
		case "ser":
			id, snap = h.m.BeginTxn(true)
		case "rr", "rc":
			id, snap = h.m.BeginTxn(false)
		case "unknown":
			id, snap = h.m.Begin()
		default:
			d.Fatalf(t, "bad iso %q", iso)
		}
		h.txns[name] = &ssiTxn{id: id, snap: snap}
		return fmt.Sprintf("%s: snapshot %d", name, snap)
	case "read", "write":
		name, x := get()
		var out strings.Builder
		for _, a := range d.CmdArgs[1:] {
			in := Intent{Key: []byte(a.Key), ReadTS: x.snap}
			if d.Cmd == "read" {
				x.reads = append(x.reads, in)
				continue
			}
			// As Txn does at every serializable write (a failed write
			// is not buffered).
			if err := h.m.CheckWrite(x.id, in.Key, x.reads, x.spans); err != nil {
				fmt.Fprintf(&out, "%s: write %s: %s\n", name, a.Key, describe(err))
				continue
			}
			x.writes = append(x.writes, in)
		}
		return out.String()
	case "scan":
		_, x := get()
		s := Span{Lower: []byte(arg(1)), ReadTS: x.snap}
		if len(d.CmdArgs) > 2 {
			s.Upper = []byte(arg(2))
		}
		x.spans = append(x.spans, s)
		return ""
	case "commit":
		name, x := get()
		delete(h.txns, name)
		if len(x.writes) == 0 {
			if err := h.m.CommitReadOnly(x.id, x.reads, x.spans); err != nil {
				return fmt.Sprintf("%s: %s", name, describe(err))
			}
			return fmt.Sprintf("%s: committed (read-only)", name)
		}
		ts, err := h.m.Prepare(x.id, x.writes, x.reads, x.spans)
		if err != nil {
			return fmt.Sprintf("%s: %s", name, describe(err))
		}
		if !d.HasArg("noapply") {
			h.m.Applied(ts)
		}
		return fmt.Sprintf("%s: committed at %d", name, ts)
	case "apply":
		var ts uint64
		if _, err := fmt.Sscan(arg(0), &ts); err != nil {
			d.Fatalf(t, "bad timestamp: %v", err)
		}
		h.m.Applied(ts)
		return fmt.Sprintf("visible %d", h.m.Visible())
	case "rollback":
		name, x := get()
		delete(h.txns, name)
		h.m.End(x.id)
		return ""
	case "state":
		return fmt.Sprintf("active=%d records=%d read-keys=%d tracked-keys=%d visible=%d",
			h.m.Active(), h.m.SSIRecords(), h.m.SSIReadKeys(), h.m.TrackedKeys(), h.m.Visible())
	}
	d.Fatalf(t, "unknown command %q", d.Cmd)
	return ""
}

func describe(err error) string {
	e := pgerr.As(err)
	if e == nil {
		return "error: " + err.Error()
	}
	s := fmt.Sprintf("ERROR %s: %s", e.Code, e.Message)
	if e.Detail != "" {
		s += "\nDETAIL: " + e.Detail
	}
	if e.Hint != "" {
		s += "\nHINT: " + e.Hint
	}
	return s
}

// Records of committed serializable transactions live exactly as long as
// a concurrent transaction may still commit.
func TestSSIPruning(t *testing.T) {
	m := NewManager(0)
	old, oldSnap := m.BeginTxn(true)
	reads := func(ts uint64, keys ...string) []Intent {
		var r []Intent
		for _, k := range keys {
			r = append(r, Intent{Key: []byte(k), ReadTS: ts})
		}
		return r
	}
	for i := range 3 {
		id, s := m.BeginTxn(true)
		ts, err := m.Prepare(id, w(fmt.Sprint("w", i), s), reads(s, "r1", "r2"), nil)
		mustNil(t, err)
		m.Applied(ts)
	}
	// A read-only transaction newer than old: old could still become a
	// pivot through it, so it is retained too.
	ro, roSnap := m.BeginTxn(true)
	mustNil(t, m.CommitReadOnly(ro, reads(roSnap, "r3"), nil))
	if got := m.SSIRecords(); got != 4 {
		t.Fatalf("records = %d, want 4 while old is active", got)
	}
	if got := m.SSIReadKeys(); got != 3 {
		t.Fatalf("read keys = %d, want 3", got)
	}
	// old is still checked against them: it read w0 before the first of
	// them wrote it, and that one read r1 before old writes it: a cycle.
	_, err := m.Prepare(old, w("r1", oldSnap), reads(oldSnap, "w0"), nil)
	if pgerr.Code(err) != pgerr.SerializationFailure {
		t.Fatalf("old: %v", err)
	}
	if m.SSIRecords() != 0 || m.SSIReadKeys() != 0 || m.TrackedKeys() != 0 || m.Active() != 0 {
		t.Fatalf("after the last concurrent transaction ended: records=%d read-keys=%d keys=%d active=%d",
			m.SSIRecords(), m.SSIReadKeys(), m.TrackedKeys(), m.Active())
	}
}

// Non-overlapping serializable commits keep nothing: memory does not grow.
func TestSSINoGrowth(t *testing.T) {
	m := NewManager(0)
	for i := range 10000 {
		id, s := m.BeginTxn(true)
		k := fmt.Sprint("k", i%100)
		in := []Intent{{Key: []byte(k), ReadTS: s}}
		sp := []Span{{Lower: []byte("a"), Upper: []byte("z"), ReadTS: s}}
		if i%3 == 0 {
			mustNil(t, m.CommitReadOnly(id, in, sp))
			continue
		}
		ts, err := m.Prepare(id, w(k, s), in, sp)
		mustNil(t, err)
		m.Applied(ts)
		if m.SSIRecords() != 0 || m.TrackedKeys() != 0 || len(m.readers) != 0 {
			t.Fatalf("commit %d: records=%d keys=%d read-keys=%d", i, m.SSIRecords(), m.TrackedKeys(), len(m.readers))
		}
	}
	if n := len(m.log) - m.logHead; n != 0 || cap(m.log) > 256 {
		t.Fatalf("log holds %d entries, capacity %d", n, cap(m.log))
	}
}

// Overlapping pairs retain records only for as long as they overlap.
func TestSSIOverlapBounded(t *testing.T) {
	m := NewManager(0)
	prev, prevSnap := m.BeginTxn(true)
	for i := range 2000 {
		id, s := m.BeginTxn(true)
		k := fmt.Sprint("k", i)
		ts, err := m.Prepare(prev, w(k, prevSnap), []Intent{{Key: []byte("shared"), ReadTS: prevSnap}}, nil)
		mustNil(t, err)
		m.Applied(ts)
		prev, prevSnap = id, s
		if m.SSIRecords() > 2 || m.TrackedKeys() > 2 {
			t.Fatalf("step %d: records=%d keys=%d", i, m.SSIRecords(), m.TrackedKeys())
		}
	}
}

// Non-serializable transactions are not nodes: their writes make no edges
// and a non-serializable reader is never aborted or retained.
func TestSSIOnlySerializableTracked(t *testing.T) {
	m := NewManager(0)
	rr, rrSnap := m.BeginTxn(false)
	ser, serSnap := m.BeginTxn(true)
	// Write skew between rr and ser: PostgreSQL allows it.
	ts, err := m.Prepare(rr, w("x", rrSnap), []Intent{{Key: []byte("y"), ReadTS: rrSnap}}, nil)
	mustNil(t, err)
	m.Applied(ts)
	ts, err = m.Prepare(ser, w("y", serSnap), []Intent{{Key: []byte("x"), ReadTS: serSnap}}, nil)
	mustNil(t, err)
	m.Applied(ts)
	ro, roSnap := m.BeginTxn(false)
	mustNil(t, m.CommitReadOnly(ro, []Intent{{Key: []byte("x"), ReadTS: roSnap}}, nil))
	if m.SSIRecords() != 0 {
		t.Fatalf("records = %d", m.SSIRecords())
	}
}

// TestSSIRandomHistories runs random interleavings of serializable
// transactions over a handful of keys through the Manager and a model
// MVCC store, then checks that the committed transactions' serialization
// graph (ww, wr and rw edges; a scan reads every key in its range) is
// acyclic.
func TestSSIRandomHistories(t *testing.T) {
	seeds := 3000
	if testing.Short() {
		seeds = 300
	}
	var commits, aborts, early int
	for seed := range seeds {
		c, a, e := ssiRandomHistory(t, int64(seed))
		commits += c
		aborts += a
		early += e
	}
	t.Logf("%d commits, %d aborts (%d of them doomed at a write)", commits, aborts, early)
	if early == 0 {
		t.Fatal("no write-time failure: CheckWrite was not exercised")
	}
	if commits < aborts {
		t.Fatalf("implausibly many aborts: %d commits, %d aborts", commits, aborts)
	}
}

type rhTxn struct {
	name   int
	id     TxnID
	snap   uint64
	reads  []Intent
	spans  []Span
	writes map[string]bool
	seen   map[string]int // key -> writer of the version read (0: initial)
	ops    int
	ts     uint64
	// doomed: a write failed CheckWrite. The model keeps the write, to
	// check that the commit then fails too (the write-time check only
	// brings an abort forward, never adds one).
	doomed bool
}

type rhVersion struct {
	ts     uint64
	writer int
}

func ssiRandomHistory(t *testing.T, seed int64) (commits, aborts, early int) {
	rng := rand.New(rand.NewPCG(uint64(seed), 7))
	keys := []string{"a", "b", "c", "d", "e"}
	m := NewManager(0)
	store := map[string][]rhVersion{}
	var active []*rhTxn
	var pending []uint64
	committed := map[int]*rhTxn{}
	var trace []string
	next := 0
	read := func(x *rhTxn, k string) {
		if x.writes[k] {
			return // own write: no dependency, not recorded (as Txn.Get)
		}
		w := 0
		for _, v := range store[k] {
			if v.ts <= x.snap {
				w = v.writer
			}
		}
		x.seen[k] = w
	}
	for step := 0; step < 120 || len(active) > 0; step++ {
		r := rng.IntN(10)
		switch {
		case r < 2 && len(active) < 4 && step < 120:
			next++
			id, s := m.BeginTxn(true)
			active = append(active, &rhTxn{name: next, id: id, snap: s, writes: map[string]bool{}, seen: map[string]int{}})
			trace = append(trace, fmt.Sprintf("T%d begin snap=%d", next, s))
		case r < 3 && len(pending) > 0:
			i := rng.IntN(len(pending))
			m.Applied(pending[i])
			trace = append(trace, fmt.Sprintf("apply %d (visible %d)", pending[i], m.Visible()))
			pending = append(pending[:i], pending[i+1:]...)
		case len(active) > 0:
			i := rng.IntN(len(active))
			x := active[i]
			op := rng.IntN(10)
			if x.ops >= 4 || step >= 120 {
				op = 9
			}
			x.ops++
			switch {
			case op < 4:
				k := keys[rng.IntN(len(keys))]
				x.reads = append(x.reads, Intent{Key: []byte(k), ReadTS: x.snap})
				read(x, k)
				trace = append(trace, fmt.Sprintf("T%d read %s", x.name, k))
			case op < 5:
				lo := rng.IntN(len(keys))
				hi := lo + 1 + rng.IntN(len(keys)-lo)
				sp := Span{Lower: []byte(keys[lo]), ReadTS: x.snap}
				if hi < len(keys) {
					sp.Upper = []byte(keys[hi])
				}
				x.spans = append(x.spans, sp)
				for _, k := range keys[lo:hi] {
					read(x, k)
				}
				trace = append(trace, fmt.Sprintf("T%d scan [%s,%s)", x.name, keys[lo], sp.Upper))
			case op < 8:
				k := keys[rng.IntN(len(keys))]
				x.writes[k] = true
				trace = append(trace, fmt.Sprintf("T%d write %s", x.name, k))
				if err := m.CheckWrite(x.id, []byte(k), x.reads, x.spans); err != nil {
					if pgerr.Code(err) != pgerr.SerializationFailure {
						t.Fatalf("seed %d: %v", seed, err)
					}
					x.doomed = true
					trace = append(trace, fmt.Sprintf("T%d write failed: %s", x.name, pgerr.As(err).Detail))
				}
			default:
				active = append(active[:i], active[i+1:]...)
				var err error
				if len(x.writes) == 0 {
					err = m.CommitReadOnly(x.id, x.reads, x.spans)
					x.ts = m.LastTS() // for the model only: reads happened at snap
				} else {
					var ws []Intent
					for k := range x.writes {
						ws = append(ws, Intent{Key: []byte(k), ReadTS: x.snap})
					}
					x.ts, err = m.Prepare(x.id, ws, x.reads, x.spans)
					if err == nil {
						pending = append(pending, x.ts)
						for k := range x.writes {
							store[k] = append(store[k], rhVersion{ts: x.ts, writer: x.name})
						}
					}
				}
				if err != nil {
					if pgerr.Code(err) != pgerr.SerializationFailure {
						t.Fatalf("seed %d: %v", seed, err)
					}
					aborts++
					if x.doomed {
						early++
					}
					trace = append(trace, fmt.Sprintf("T%d abort: %s", x.name, pgerr.As(err).Detail))
				} else {
					if x.doomed {
						t.Fatalf("seed %d: T%d failed a write but committed:\n%s", seed, x.name, strings.Join(trace, "\n"))
					}
					commits++
					committed[x.name] = x
					trace = append(trace, fmt.Sprintf("T%d commit ts=%d", x.name, x.ts))
				}
			}
		}
	}
	for _, ts := range pending {
		m.Applied(ts)
	}
	if m.Active() != 0 || m.SSIRecords() != 0 || m.TrackedKeys() != 0 {
		t.Fatalf("seed %d: leftovers: active=%d records=%d keys=%d", seed, m.Active(), m.SSIRecords(), m.TrackedKeys())
	}

	// The serialization graph over committed transactions.
	edges := map[int][]int{}
	add := func(from, to int) {
		if from != to && from != 0 {
			edges[from] = append(edges[from], to)
		}
	}
	for k, vs := range store { // versions are in commit order
		for i := 1; i < len(vs); i++ {
			add(vs[i-1].writer, vs[i].writer)
		}
		for _, x := range committed {
			w, ok := x.seen[k]
			if !ok {
				continue
			}
			add(w, x.name) // wr
			// rw: to the writer of the next version after the one read.
			j := 0
			if w != 0 {
				for vs[j].writer != w {
					j++
				}
				j++
			}
			if j < len(vs) {
				add(x.name, vs[j].writer)
			}
		}
	}
	const (
		white = iota
		grey
		black
	)
	color := map[int]int{}
	var path []int
	var visit func(n int) bool
	visit = func(n int) bool {
		color[n] = grey
		path = append(path, n)
		for _, s := range edges[n] {
			if color[s] == grey {
				path = append(path, s)
				return true
			}
			if color[s] == white && visit(s) {
				return true
			}
		}
		path = path[:len(path)-1]
		color[n] = black
		return false
	}
	for n := range committed {
		if color[n] == white && visit(n) {
			t.Fatalf("seed %d: non-serializable history, cycle %v\n%s", seed, path, strings.Join(trace, "\n"))
		}
	}
	return commits, aborts, early
}

// BenchmarkSSICommit measures a serializable read-modify-write commit
// with 8 transactions overlapping at any time (TPC-B-like: a few point
// reads and writes, one small scan).
func BenchmarkSSICommit(b *testing.B) {
	m := NewManager(0)
	type open struct {
		id   TxnID
		snap uint64
	}
	var ring [8]open
	for i := range ring {
		ring[i].id, ring[i].snap = m.BeginTxn(true)
	}
	key := func(p string, n int) []byte { return fmt.Appendf(nil, "%s%07d", p, n) }
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		o := &ring[i%len(ring)]
		a := key("acct", (i*7919)%1000000)
		tl := key("tell", i%100)
		reads := []Intent{{Key: a, ReadTS: o.snap}, {Key: tl, ReadTS: o.snap}}
		writes := []Intent{{Key: a, ReadTS: o.snap}, {Key: key("hist", i), ReadTS: o.snap}}
		spans := []Span{{Lower: key("idx", i%1000), Upper: key("idx", i%1000+1), ReadTS: o.snap}}
		if ts, err := m.Prepare(o.id, writes, reads, spans); err == nil {
			m.Applied(ts)
		}
		o.id, o.snap = m.BeginTxn(true)
	}
	b.ReportMetric(float64(m.SSIRecords()), "records")
}

// Through the DB API: the case backward validation used to abort commits,
// and the read-only anomaly aborts the read-only transaction.
func TestSSIThroughDB(t *testing.T) {
	bg := context.Background()
	e, err := storage.Open(bg, "", storage.Options{InMemory: true})
	mustNil(t, err)
	defer e.Close()
	db, err := Open(bg, e)
	mustNil(t, err)
	ser := func() *Txn { return db.Begin(Options{Isolation: Serializable}) }
	read := func(tx *Txn, k string) {
		t.Helper()
		_, _, err := tx.Get(bg, []byte(k))
		mustNil(t, err)
	}
	write := func(tx *Txn, k string) {
		t.Helper()
		mustNil(t, tx.Put(bg, []byte(k), []byte("v")))
	}

	// T1 reads x, T2 writes x and commits, T1 writes y: both commit.
	t1, t2 := ser(), ser()
	read(t1, "x")
	write(t2, "x")
	mustNil(t, t2.Commit(bg))
	write(t1, "y")
	mustNil(t, t1.Commit(bg))

	// Read-only anomaly: withdrawal t2 reads x, y and writes x; deposit t3
	// writes y and commits; report t1 starts, reads x and y; t2 commits;
	// t1 must abort.
	t2, t3 := ser(), ser()
	read(t2, "x")
	read(t2, "y")
	write(t3, "y")
	mustNil(t, t3.Commit(bg))
	t1 = ser()
	read(t1, "x")
	read(t1, "y")
	write(t2, "x")
	mustNil(t, t2.Commit(bg))
	err = t1.Commit(bg)
	if pe := pgerr.As(err); err == nil || pe.Code != pgerr.SerializationFailure || pe.Hint == "" {
		t.Fatalf("read-only anomaly: %v", err)
	}
}
