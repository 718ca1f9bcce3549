package colexec

import (
	"encoding/binary"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/conflux-db/conflux/planner"
)

// Hash join. Matches are emitted in the row engine's order -- probe
// rows in order, each with its build rows in build order -- so results
// are identical to exec's hashJoinOp, not just equal as sets, whichever
// side is hashed. Open reads up to joinSmallRows rows of the build side;
// if it ends there, it is hashed and probe batches stream through. If
// not, but the probe side is that small, the probe side is hashed
// instead and the build side streams (TPC-H's joins of a filtered
// orders with all of lineitem, which the planner puts on the build
// side): the matches are collected with their probe row numbers and
// emitted at the end, sorted (stably) by probe row, which is the row
// engine's order. Otherwise the build side is hashed after all. Keys compare as the row engine's hash keys do (types.AppendHashKey
// equality), which for the kinds accepted here is equality of the batch
// values: ints of any width, dates, timestamps of one family, numerics of
// one scale, strings byte for byte. A NULL key never matches.

// JoinType is the subset of join kinds the vectorized join runs.
type JoinType uint8

const (
	// InnerJoin emits probe columns followed by build columns.
	InnerJoin JoinType = iota
	// SemiJoin emits the probe rows with at least one match.
	SemiJoin
	// AntiJoin emits the probe rows without a match (NULL keys included).
	AntiJoin
)

// Semi and anti joins may carry an extra condition over the joined row
// (probe columns, then build columns): a key match counts only where it
// is true (NULL is not). Candidate pairs are gathered into batches of up
// to joinOutRows and the condition evaluated over them vectorized, so a
// probe row may have more pairs evaluated than the row engine's
// first-true-wins loop would; the condition is a predicate the compiler
// supports, whose evaluation does not fail on data. A probe row already
// matched gathers no further pairs once its earlier pairs are evaluated.

// joinOutRows bounds the rows of one output batch when keys repeat.
const joinOutRows = 4 * BatchSize

// joinSmallRows: a side with at most this many rows is small enough to
// hash first (see above).
const joinSmallRows = 1 << 18

// joinTable is one side's rows (its batches concatenated) hashed on
// its key columns.
type joinTable struct {
	specs  []colSpec
	keys   []int
	single bool // one fixed-width key: hash its int64 comparison key
	cols   []arrow.Array
	n      int
	intHT  map[int64]int32
	strHT  map[string]int32
	// One int key: keys outside [lo, hi] never match; within a dense
	// range the chain heads are an array indexed by key - lo (no
	// hashing), within a sparse one a bitmap of the keys present turns
	// most misses away before the map lookup (a filtered orders probed
	// by all of lineitem).
	lo, hi int64
	direct []int32
	bits   []uint64
	next   []int32 // row -> next row with the same key, -1 at the end
	hbuf   []byte
}

func newJoinTable(mem memory.Allocator, specs []colSpec, keys []int, batches []*Batch) (*joinTable, error) {
	t := &joinTable{specs: specs, keys: keys, single: len(keys) == 1 && specs[keys[0]].k != kString}
	for _, b := range batches {
		t.n += b.Len()
	}
	t.cols = make([]arrow.Array, len(specs))
	for c, s := range specs {
		switch {
		case s.k == kNull || len(batches) == 0:
			t.cols[c] = array.NewNull(t.n)
		case len(batches) == 1:
			t.cols[c] = batches[0].Rec.Column(c)
			t.cols[c].Retain()
		default:
			arrs := make([]arrow.Array, len(batches))
			for i, b := range batches {
				arrs[i] = b.Rec.Column(c)
			}
			a, err := array.Concatenate(arrs, mem)
			if err != nil {
				t.release()
				return nil, err
			}
			t.cols[c] = a
		}
	}
	t.next = make([]int32, t.n)
	// Inserting from the last row to the first leaves every chain in
	// row order.
	if t.single {
		t.intHT = make(map[int64]int32, t.n)
		if t.n == 0 {
			return t, nil
		}
		c := keys[0]
		arr := t.cols[c]
		ks := intKeys(specs[c], arr, nil)
		nulls := arr.NullN() > 0
		t.lo, t.hi = math.MaxInt64, math.MinInt64
		for i, k := range ks {
			if !nulls || arr.IsValid(i) {
				t.lo, t.hi = min(t.lo, k), max(t.hi, k)
			}
		}
		if t.lo > t.hi {
			return t, nil // every key is NULL
		}
		span := uint64(t.hi) - uint64(t.lo)
		switch {
		case span < uint64(4*t.n+1024):
			t.direct = make([]int32, span+1)
			for i := range t.direct {
				t.direct[i] = -1
			}
			for i := t.n - 1; i >= 0; i-- {
				if nulls && arr.IsNull(i) {
					continue
				}
				d := uint64(ks[i]) - uint64(t.lo)
				t.next[i] = t.direct[d]
				t.direct[d] = int32(i)
			}
			return t, nil
		case span < 1<<26:
			t.bits = make([]uint64, span/64+1)
		}
		for i := t.n - 1; i >= 0; i-- {
			if nulls && arr.IsNull(i) {
				continue
			}
			h, ok := t.intHT[ks[i]]
			if !ok {
				h = -1
			}
			t.next[i] = h
			t.intHT[ks[i]] = int32(i)
			if t.bits != nil {
				d := uint64(ks[i]) - uint64(t.lo)
				t.bits[d/64] |= 1 << (d % 64)
			}
		}
		return t, nil
	}
	t.strHT = make(map[string]int32, t.n)
	for i := t.n - 1; i >= 0; i-- {
		k, ok := appendJoinKey(t.hbuf[:0], t.cols, specs, keys, i)
		t.hbuf = k
		if !ok {
			continue
		}
		h, found := t.strHT[string(k)]
		if !found {
			h = -1
		}
		t.next[i] = h
		t.strHT[string(k)] = int32(i)
	}
	return t, nil
}

func (t *joinTable) release() {
	for _, c := range t.cols {
		if c != nil {
			c.Release()
		}
	}
	t.cols = nil
}

// prober looks up the rows of one batch of the other side.
type prober struct {
	t     *joinTable
	specs []colSpec
	keys  []int
	cols  []arrow.Array
	ks    []int64
	kbuf  []int64
	hbuf  []byte
}

func (p *prober) reset(b *Batch) {
	p.cols = b.Rec.Columns()
	if p.t.single {
		c := p.keys[0]
		p.ks = intKeys(p.specs[c], p.cols[c], p.kbuf)
		if k := p.specs[c].k; k != kInt && k != kNumeric {
			p.kbuf = p.ks
		}
	}
}

// first returns the first table row matching row i, or -1.
func (p *prober) first(i int) int32 {
	if t := p.t; t.single {
		k := p.ks[i]
		if k < t.lo || k > t.hi || p.cols[p.keys[0]].IsNull(i) {
			return -1
		}
		d := uint64(k) - uint64(t.lo)
		if t.direct != nil {
			return t.direct[d]
		}
		if t.bits != nil && t.bits[d/64]&(1<<(d%64)) == 0 {
			return -1
		}
		if h, ok := t.intHT[k]; ok {
			return h
		}
		return -1
	}
	k, ok := appendJoinKey(p.hbuf[:0], p.cols, p.specs, p.keys, i)
	p.hbuf = k
	if !ok {
		return -1
	}
	if h, ok := p.t.strHT[string(k)]; ok {
		return h
	}
	return -1
}

// appendJoinKey encodes row i's key columns (fixed width as 8 bytes,
// strings length-prefixed, so distinct tuples never collide); ok is false
// when a key is NULL.
func appendJoinKey(buf []byte, cols []arrow.Array, specs []colSpec, keys []int, i int) ([]byte, bool) {
	for _, c := range keys {
		arr := cols[c]
		if arr.IsNull(i) {
			return buf, false
		}
		switch specs[c].k {
		case kString:
			s := arr.(*array.String).Value(i)
			buf = binary.AppendUvarint(buf, uint64(len(s)))
			buf = append(buf, s...)
		case kInt, kNumeric:
			buf = binary.LittleEndian.AppendUint64(buf, uint64(arr.(*array.Int64).Value(i)))
		case kDate:
			buf = binary.LittleEndian.AppendUint64(buf, uint64(arr.(*array.Date32).Value(i)))
		case kTS:
			buf = binary.LittleEndian.AppendUint64(buf, uint64(arr.(*array.Timestamp).Value(i)))
		case kBool:
			if arr.(*array.Boolean).Value(i) {
				buf = append(buf, 1)
			} else {
				buf = append(buf, 0)
			}
		}
	}
	return buf, true
}

type hashJoinOp struct {
	mem          memory.Allocator
	probe, build Operator
	pSpecs       []colSpec
	bSpecs       []colSpec
	pKeys, bKeys []int
	typ          JoinType
	out          []colSpec
	schema       *arrow.Schema
	probeOpen    bool
	buildOpen    bool
	small        int // joinSmallRows (tests lower it)

	// Extra condition of a semi or anti join (nil: none), compiled over
	// xSpecs: the probe then build columns, those it does not read as
	// kNull, so pair batches gather only what it reads.
	extra   pred
	xSpecs  []colSpec
	xSchema *arrow.Schema
	xP, xB  []int   // gathered pairs: probe row, build row
	xTri    []uint8 // condition per pair
	matched []bool  // probe rows of the current batch with a true pair

	// Build side hashed: probe batches stream (first those Open read).
	table   *joinTable
	pq      []*Batch
	pr      prober
	cur     *Batch // probe batch being joined
	pos     int    // next probe row of cur
	pSel    []int
	bSel    []int
	outRows int

	// Probe side hashed: the result, computed at the first Next.
	ptable  *joinTable
	bq      []*Batch // build batches Open read, streamed first
	flipped bool
	done    bool
	res     []int32       // probe row of each result row, in emission order
	resB    []arrow.Array // gathered build rows, in stream order
	perm    []int         // result row -> its row of resB
	resPos  int
}

// NewHashJoin joins probe with build on probeKeys[i] = buildKeys[i]
// (column references into each side's batches). ok is false unless every
// key pair is two columns of one batch kind whose batch equality is the
// row engine's (floats are left to it: -0 and NaN hashing).
func NewHashJoin(mem memory.Allocator, probe Operator, probeSpecs Specs, build Operator, buildSpecs Specs, probeKeys, buildKeys []planner.Expr, typ JoinType) (Operator, Specs, bool) {
	return NewHashJoinExtra(mem, probe, probeSpecs, build, buildSpecs, probeKeys, buildKeys, typ, nil, ConstCompiler{})
}

// NewHashJoinExtra is NewHashJoin for a semi or anti join with an extra
// condition over the joined row (probe columns, then build columns; nil:
// none); ok is also false when it is not a predicate the vectorized
// compiler supports, or for an inner join (filter its output instead).
func NewHashJoinExtra(mem memory.Allocator, probe Operator, probeSpecs Specs, build Operator, buildSpecs Specs, probeKeys, buildKeys []planner.Expr, typ JoinType, extra planner.Expr, consts ConstCompiler) (Operator, Specs, bool) {
	if len(probeKeys) == 0 || len(probeKeys) != len(buildKeys) || extra != nil && typ == InnerJoin {
		return nil, Specs{}, false
	}
	o := &hashJoinOp{mem: mem, probe: probe, build: build, pSpecs: probeSpecs.s, bSpecs: buildSpecs.s, typ: typ, small: joinSmallRows}
	for i := range probeKeys {
		pc := &compiler{specs: o.pSpecs}
		bc := &compiler{specs: o.bSpecs}
		pi, ok1 := pc.colRef(probeKeys[i])
		bi, ok2 := bc.colRef(buildKeys[i])
		if !ok1 || !ok2 {
			return nil, Specs{}, false
		}
		ps, bs := o.pSpecs[pi], o.bSpecs[bi]
		if ps.k != bs.k || ps.t.Family != bs.t.Family || ps.k == kNumeric && ps.scale != bs.scale {
			return nil, Specs{}, false
		}
		switch ps.k {
		case kInt, kString, kDate, kTS, kNumeric, kBool:
		default:
			return nil, Specs{}, false
		}
		o.pKeys, o.bKeys = append(o.pKeys, pi), append(o.bKeys, bi)
	}
	if extra != nil && !o.compileExtra(mem, extra, consts) {
		return nil, Specs{}, false
	}
	out := Specs{s: o.pSpecs, fallible: probeSpecs.fallible || buildSpecs.fallible}
	if typ == InnerJoin {
		out.s = append(append([]colSpec{}, o.pSpecs...), o.bSpecs...)
	}
	o.out = out.s
	o.schema = schemaFor(out.s)
	return o, out, true
}

// compileExtra compiles a semi or anti join's extra condition over the
// pair layout (see hashJoinOp.extra).
func (o *hashJoinOp) compileExtra(mem memory.Allocator, e planner.Expr, consts ConstCompiler) bool {
	all := append(append([]colSpec{}, o.pSpecs...), o.bSpecs...)
	used := make([]bool, len(all))
	planner.WalkExpr(e, func(x planner.Expr) bool {
		if r, ok := x.(*planner.ColRef); ok && r.Idx >= 0 && r.Idx < len(used) {
			used[r.Idx] = true
		}
		return true
	})
	o.xSpecs = make([]colSpec, len(all))
	for i, s := range all {
		if used[i] {
			o.xSpecs[i] = s
		} else {
			o.xSpecs[i] = colSpec{t: s.t, k: kNull}
		}
	}
	c := &compiler{specs: o.xSpecs, mem: mem, consts: consts}
	p, ok := c.pred(e)
	if !ok {
		return false
	}
	o.extra, o.xSchema = p, schemaFor(o.xSpecs)
	return true
}

// flushPairs evaluates the extra condition over the gathered pairs (probe
// rows o.xP of pcols, build rows o.xB of bcols), marks the probe rows of
// true pairs in matched and empties the pairs.
func (o *hashJoinOp) flushPairs(env *Env, pcols []arrow.Array, bcols []arrow.Array, matched []bool) error {
	m := len(o.xP)
	if m == 0 {
		return nil
	}
	np := len(o.pSpecs)
	cols := make([]arrow.Array, len(o.xSpecs))
	for c, s := range o.xSpecs {
		if c < np {
			cols[c] = takeArray(o.mem, s, pcols[c], o.xP)
		} else {
			cols[c] = takeArray(o.mem, s, bcols[c-np], o.xB)
		}
	}
	b := newBatch(o.xSchema, o.xSpecs, cols, m)
	if cap(o.xTri) < m {
		o.xTri = make([]uint8, m)
	}
	tri := o.xTri[:m]
	err := o.extra.eval(env, b, tri)
	b.Release()
	if err != nil {
		return err
	}
	for k, v := range tri {
		if v == tTrue {
			matched[o.xP[k]] = true
		}
	}
	o.xP, o.xB = o.xP[:0], o.xB[:0]
	return nil
}

// markBatch sets o.matched for every row of the current probe batch:
// whether some build row matches its keys and satisfies the extra
// condition.
func (o *hashJoinOp) markBatch(env *Env) error {
	n := o.cur.Len()
	if cap(o.matched) < n {
		o.matched = make([]bool, n)
	}
	matched := o.matched[:n]
	clear(matched)
	pcols := o.cur.Rec.Columns()
	o.xP, o.xB = o.xP[:0], o.xB[:0]
	for i := range n {
		for h := o.pr.first(i); h >= 0 && !matched[i]; h = o.table.next[h] {
			o.xP, o.xB = append(o.xP, i), append(o.xB, int(h))
			if len(o.xP) >= joinOutRows {
				if err := o.flushPairs(env, pcols, o.table.cols, matched); err != nil {
					return err
				}
			}
		}
	}
	return o.flushPairs(env, pcols, o.table.cols, matched)
}

// drainUpTo reads batches from op until it ends (done) or more than limit
// rows were read (limit < 0: no limit).
func drainUpTo(env *Env, op Operator, limit int) (bs []*Batch, done bool, err error) {
	n := 0
	for limit < 0 || n <= limit {
		b, err := op.Next(env)
		if err != nil {
			releaseAll(bs)
			return nil, false, err
		}
		if b == nil {
			return bs, true, nil
		}
		bs = append(bs, b)
		n += b.Len()
	}
	return bs, false, nil
}

func releaseAll(bs []*Batch) {
	for _, b := range bs {
		b.Release()
	}
}

func (o *hashJoinOp) Open(env *Env) error {
	err := o.open(env)
	if err != nil {
		o.Close()
	}
	return err
}

func (o *hashJoinOp) open(env *Env) error {
	o.release()
	o.buildOpen = true
	if err := o.build.Open(env); err != nil {
		return err
	}
	o.probeOpen = true
	if err := o.probe.Open(env); err != nil {
		return err
	}
	bs, bdone, err := drainUpTo(env, o.build, o.small)
	if err != nil {
		return err
	}
	if !bdone {
		ps, pdone, err := drainUpTo(env, o.probe, o.small)
		if err != nil {
			releaseAll(bs)
			return err
		}
		if pdone {
			// The probe side is the small one: hash it.
			o.flipped, o.bq = true, bs
			o.ptable, err = newJoinTable(o.mem, o.pSpecs, o.pKeys, ps)
			releaseAll(ps)
			return err
		}
		o.pq = ps
		rest, _, err := drainUpTo(env, o.build, -1)
		if err != nil {
			releaseAll(bs)
			return err
		}
		bs = append(bs, rest...)
	}
	o.build.Close()
	o.buildOpen = false
	o.table, err = newJoinTable(o.mem, o.bSpecs, o.bKeys, bs)
	releaseAll(bs)
	if err != nil {
		return err
	}
	o.pr = prober{t: o.table, specs: o.pSpecs, keys: o.pKeys}
	return nil
}

func (o *hashJoinOp) Next(env *Env) (*Batch, error) {
	if o.flipped {
		return o.nextFlipped(env)
	}
	for {
		if o.cur == nil {
			var b *Batch
			if len(o.pq) > 0 {
				b, o.pq = o.pq[0], o.pq[1:]
			} else {
				var err error
				if b, err = o.probe.Next(env); err != nil || b == nil {
					return nil, err
				}
			}
			o.cur, o.pos = b, 0
			o.pr.reset(b)
		}
		n := o.cur.Len()
		o.pSel, o.bSel = o.pSel[:0], o.bSel[:0]
		i := o.pos
		if o.extra != nil {
			// The whole batch at once: it yields at most n rows.
			if err := o.markBatch(env); err != nil {
				return nil, err
			}
			for j, m := range o.matched[:n] {
				if m == (o.typ == SemiJoin) {
					o.pSel = append(o.pSel, j)
				}
			}
			i = n
		}
		for ; i < n && len(o.pSel) < joinOutRows; i++ {
			h := o.pr.first(i)
			switch o.typ {
			case SemiJoin:
				if h >= 0 {
					o.pSel = append(o.pSel, i)
				}
			case AntiJoin:
				if h < 0 {
					o.pSel = append(o.pSel, i)
				}
			default:
				for ; h >= 0; h = o.table.next[h] {
					o.pSel = append(o.pSel, i)
					o.bSel = append(o.bSel, int(h))
				}
			}
		}
		o.pos = i
		out := o.emit(o.cur.Rec.Columns(), o.pSel, o.table.cols, o.bSel, o.cur)
		if o.pos >= n {
			o.cur.Release()
			o.cur = nil
		}
		if out != nil {
			return out, nil
		}
	}
}

// emit builds an output batch of probe rows pSel of pcols and (inner
// joins) build rows bSel of bcols; nil when there are none. whole, when
// set, is the batch pcols come from, passed through when every row of
// it is selected by a semi or anti join.
func (o *hashJoinOp) emit(pcols []arrow.Array, pSel []int, bcols []arrow.Array, bSel []int, whole *Batch) *Batch {
	m := len(pSel)
	if m == 0 {
		return nil
	}
	if whole != nil && m == whole.Len() && o.typ != InnerJoin {
		whole.Rec.Retain()
		return &Batch{Rec: whole.Rec, specs: o.out}
	}
	cols := make([]arrow.Array, len(o.out))
	for c, s := range o.pSpecs {
		cols[c] = takeArray(o.mem, s, pcols[c], pSel)
	}
	if o.typ == InnerJoin {
		for c, s := range o.bSpecs {
			cols[len(o.pSpecs)+c] = takeArray(o.mem, s, bcols[c], bSel)
		}
	}
	return newBatch(o.schema, o.out, cols, m)
}

// nextFlipped emits the result of a join whose probe side is hashed:
// at the first call every build batch streams through the table, then
// the result is handed out in probe row order.
func (o *hashJoinOp) nextFlipped(env *Env) (*Batch, error) {
	if !o.done {
		if err := o.collect(env); err != nil {
			return nil, err
		}
		o.done = true
	}
	if o.resPos >= len(o.res) {
		return nil, nil
	}
	end := min(o.resPos+joinOutRows, len(o.res))
	pSel := o.pSel[:0]
	for _, p := range o.res[o.resPos:end] {
		pSel = append(pSel, int(p))
	}
	o.pSel = pSel
	var bSel []int
	if o.typ == InnerJoin {
		bSel = o.perm[o.resPos:end]
	}
	o.resPos = end
	return o.emit(o.ptable.cols, pSel, o.resB, bSel, nil), nil
}

// collect streams the build side through the hashed probe side. Inner
// joins gather each match's build row (in stream order) and then order
// the matches by probe row with a stable counting sort, which yields
// the row engine's order; semi and anti joins only mark probe rows.
func (o *hashJoinOp) collect(env *Env) error {
	t := o.ptable
	pr := prober{t: t, specs: o.bSpecs, keys: o.bKeys}
	matched := make([]bool, t.n)
	var pairs []int32 // probe row of each gathered build row
	var chunks [][]arrow.Array
	defer func() {
		for _, ch := range chunks {
			for _, a := range ch {
				a.Release()
			}
		}
	}()
	var sel []int
	for {
		var b *Batch
		if len(o.bq) > 0 {
			b, o.bq = o.bq[0], o.bq[1:]
		} else {
			var err error
			if b, err = o.build.Next(env); err != nil {
				return err
			}
			if b == nil {
				break
			}
		}
		pr.reset(b)
		sel = sel[:0]
		if o.extra != nil {
			if err := o.collectExtra(env, &pr, b, matched); err != nil {
				b.Release()
				return err
			}
			b.Release()
			continue
		}
		for j := range b.Len() {
			for h := pr.first(j); h >= 0; h = t.next[h] {
				matched[h] = true
				if o.typ == InnerJoin {
					pairs = append(pairs, h)
					sel = append(sel, j)
				}
			}
		}
		if len(sel) > 0 {
			ch := make([]arrow.Array, len(o.bSpecs))
			for c, s := range o.bSpecs {
				ch[c] = takeArray(o.mem, s, b.Rec.Column(c), sel)
			}
			chunks = append(chunks, ch)
		}
		b.Release()
	}
	o.build.Close()
	o.buildOpen = false
	if o.typ != InnerJoin {
		for i, m := range matched {
			if m == (o.typ == SemiJoin) {
				o.res = append(o.res, int32(i))
			}
		}
		return nil
	}
	// Build columns of the gathered rows, then the permutation putting
	// them in probe row order.
	o.resB = make([]arrow.Array, len(o.bSpecs))
	for c, s := range o.bSpecs {
		switch {
		case s.k == kNull || len(chunks) == 0:
			o.resB[c] = array.NewNull(len(pairs))
		default:
			arrs := make([]arrow.Array, len(chunks))
			for i, ch := range chunks {
				arrs[i] = ch[c]
			}
			a, err := array.Concatenate(arrs, o.mem)
			if err != nil {
				return err
			}
			o.resB[c] = a
		}
	}
	start := make([]int, t.n+1)
	for _, p := range pairs {
		start[p+1]++
	}
	for i := 1; i <= t.n; i++ {
		start[i] += start[i-1]
	}
	perm := make([]int, len(pairs))
	o.res = make([]int32, len(pairs))
	for k, p := range pairs {
		perm[start[p]] = k
		o.res[start[p]] = p
		start[p]++
	}
	o.perm = perm
	return nil
}

// collectExtra marks the hashed probe rows that build batch b matches
// with a true extra condition; rows already marked gather no more pairs.
func (o *hashJoinOp) collectExtra(env *Env, pr *prober, b *Batch, matched []bool) error {
	t := o.ptable
	bcols := b.Rec.Columns()
	o.xP, o.xB = o.xP[:0], o.xB[:0]
	for j := range b.Len() {
		for h := pr.first(j); h >= 0; h = t.next[h] {
			if matched[h] {
				continue
			}
			o.xP, o.xB = append(o.xP, int(h)), append(o.xB, j)
			if len(o.xP) >= joinOutRows {
				if err := o.flushPairs(env, t.cols, bcols, matched); err != nil {
					return err
				}
			}
		}
	}
	return o.flushPairs(env, t.cols, bcols, matched)
}

func (o *hashJoinOp) release() {
	if o.cur != nil {
		o.cur.Release()
		o.cur = nil
	}
	releaseAll(o.pq)
	releaseAll(o.bq)
	o.pq, o.bq = nil, nil
	for _, t := range []*joinTable{o.table, o.ptable} {
		if t != nil {
			t.release()
		}
	}
	o.table, o.ptable = nil, nil
	for _, a := range o.resB {
		if a != nil {
			a.Release()
		}
	}
	o.resB, o.res, o.perm, o.resPos, o.flipped, o.done = nil, nil, nil, 0, false, false
}

func (o *hashJoinOp) Close() {
	o.release()
	if o.buildOpen {
		o.build.Close()
		o.buildOpen = false
	}
	if o.probeOpen {
		o.probe.Close()
		o.probeOpen = false
	}
}
