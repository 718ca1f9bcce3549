package colexec

import (
	"encoding/binary"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/conflux-db/conflux/planner"
)

// Hash join. The build side is drained in Open into one set of columns
// (its batches concatenated) and hashed on its key columns; probe
// batches then stream through. Matches are emitted in the row engine's
// order -- probe rows in order, each with its build rows in build order
// -- so results are identical to exec's hashJoinOp, not just equal as
// sets. Keys compare as the row engine's hash keys do (types.AppendHashKey
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

// joinOutRows bounds the rows of one output batch when keys repeat.
const joinOutRows = 4 * BatchSize

type hashJoinOp struct {
	mem          memory.Allocator
	probe, build Operator
	pSpecs       []colSpec
	bSpecs       []colSpec
	pKeys, bKeys []int
	typ          JoinType
	out          []colSpec
	schema       *arrow.Schema
	single       bool // one fixed-width key: hash its int64 comparison key
	buildOpen    bool
	bcols        []arrow.Array
	intHT        map[int64]int32
	strHT        map[string]int32
	next         []int32 // build row -> next build row with the same key, -1 at the end
	cur          *Batch  // probe batch being joined
	pos          int     // next probe row of cur
	curKeys      []int64
	kbuf, kbufB  []int64
	hbuf         []byte
	pSel, bSel   []int
}

// NewHashJoin joins probe with build on probeKeys[i] = buildKeys[i]
// (column references into each side's batches). ok is false unless every
// key pair is two columns of one batch kind whose batch equality is the
// row engine's (floats are left to it: -0 and NaN hashing).
func NewHashJoin(mem memory.Allocator, probe Operator, probeSpecs Specs, build Operator, buildSpecs Specs, probeKeys, buildKeys []planner.Expr, typ JoinType) (Operator, Specs, bool) {
	if len(probeKeys) == 0 || len(probeKeys) != len(buildKeys) {
		return nil, Specs{}, false
	}
	o := &hashJoinOp{mem: mem, probe: probe, build: build, pSpecs: probeSpecs.s, bSpecs: buildSpecs.s, typ: typ}
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
	o.single = len(o.pKeys) == 1 && o.pSpecs[o.pKeys[0]].k != kString
	out := Specs{s: o.pSpecs, fallible: probeSpecs.fallible || buildSpecs.fallible}
	if typ == InnerJoin {
		out.s = append(append([]colSpec{}, o.pSpecs...), o.bSpecs...)
	}
	o.out = out.s
	o.schema = schemaFor(out.s)
	return o, out, true
}

func (o *hashJoinOp) Open(env *Env) error {
	o.release()
	if err := o.build.Open(env); err != nil {
		o.build.Close()
		return err
	}
	var batches []*Batch
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	n := 0
	for {
		b, err := o.build.Next(env)
		if err != nil {
			o.build.Close()
			return err
		}
		if b == nil {
			break
		}
		batches = append(batches, b)
		n += b.Len()
	}
	o.build.Close()
	o.bcols = make([]arrow.Array, len(o.bSpecs))
	for c, s := range o.bSpecs {
		if s.k == kNull || len(batches) == 0 {
			o.bcols[c] = array.NewNull(n)
			continue
		}
		if len(batches) == 1 {
			o.bcols[c] = batches[0].Rec.Column(c)
			o.bcols[c].Retain()
			continue
		}
		arrs := make([]arrow.Array, len(batches))
		for i, b := range batches {
			arrs[i] = b.Rec.Column(c)
		}
		a, err := array.Concatenate(arrs, o.mem)
		if err != nil {
			return err
		}
		o.bcols[c] = a
	}
	o.next = make([]int32, n)
	if o.single {
		o.intHT = make(map[int64]int32, n)
	} else {
		o.strHT = make(map[string]int32, n)
	}
	if n > 0 {
		o.hashBuild(n)
	}
	return o.probe.Open(env)
}

// hashBuild chains build rows by key; inserting from the last row to the
// first leaves every chain in build order.
func (o *hashJoinOp) hashBuild(n int) {
	if o.single {
		c := o.bKeys[0]
		arr := o.bcols[c]
		keys := intKeys(o.bSpecs[c], arr, nil)
		nulls := arr.NullN() > 0
		for i := n - 1; i >= 0; i-- {
			if nulls && arr.IsNull(i) {
				continue
			}
			h, ok := o.intHT[keys[i]]
			if !ok {
				h = -1
			}
			o.next[i] = h
			o.intHT[keys[i]] = int32(i)
		}
		return
	}
	for i := n - 1; i >= 0; i-- {
		k, ok := o.appendKey(o.hbuf[:0], o.bcols, o.bSpecs, o.bKeys, i)
		o.hbuf = k
		if !ok {
			continue
		}
		h, found := o.strHT[string(k)]
		if !found {
			h = -1
		}
		o.next[i] = h
		o.strHT[string(k)] = int32(i)
	}
}

// appendKey encodes row i's key columns (fixed width as 8 bytes, strings
// length-prefixed, so distinct tuples never collide); ok is false when a
// key is NULL.
func (o *hashJoinOp) appendKey(buf []byte, cols []arrow.Array, specs []colSpec, keys []int, i int) ([]byte, bool) {
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

// first returns the first build row matching probe row i of cur, or -1.
func (o *hashJoinOp) first(i int) int32 {
	if o.single {
		if o.cur.Rec.Column(o.pKeys[0]).IsNull(i) {
			return -1
		}
		h, ok := o.intHT[o.curKeys[i]]
		if !ok {
			return -1
		}
		return h
	}
	k, ok := o.appendKey(o.hbuf[:0], o.cur.Rec.Columns(), o.pSpecs, o.pKeys, i)
	o.hbuf = k
	if !ok {
		return -1
	}
	h, found := o.strHT[string(k)]
	if !found {
		return -1
	}
	return h
}

func (o *hashJoinOp) Next(env *Env) (*Batch, error) {
	for {
		if o.cur == nil {
			b, err := o.probe.Next(env)
			if err != nil || b == nil {
				return nil, err
			}
			o.cur, o.pos = b, 0
			if o.single {
				c := o.pKeys[0]
				o.curKeys = intKeys(o.pSpecs[c], b.Rec.Column(c), o.kbuf)
				if o.pSpecs[c].k != kInt && o.pSpecs[c].k != kNumeric {
					o.kbuf = o.curKeys
				}
			}
		}
		n := o.cur.Len()
		o.pSel, o.bSel = o.pSel[:0], o.bSel[:0]
		i := o.pos
		for ; i < n && len(o.pSel) < joinOutRows; i++ {
			h := o.first(i)
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
				for ; h >= 0; h = o.next[h] {
					o.pSel = append(o.pSel, i)
					o.bSel = append(o.bSel, int(h))
				}
			}
		}
		o.pos = i
		out := o.emit()
		if o.pos >= n {
			o.cur.Release()
			o.cur = nil
		}
		if out != nil {
			return out, nil
		}
	}
}

// emit builds the output batch of the collected matches (nil when none).
func (o *hashJoinOp) emit() *Batch {
	m := len(o.pSel)
	if m == 0 {
		return nil
	}
	if m == o.cur.Len() && o.typ != InnerJoin {
		o.cur.Rec.Retain()
		return &Batch{Rec: o.cur.Rec, specs: o.out}
	}
	cols := make([]arrow.Array, len(o.out))
	for c, s := range o.pSpecs {
		cols[c] = takeArray(o.mem, s, o.cur.Rec.Column(c), o.pSel)
	}
	if o.typ == InnerJoin {
		for c, s := range o.bSpecs {
			cols[len(o.pSpecs)+c] = takeArray(o.mem, s, o.bcols[c], o.bSel)
		}
	}
	return newBatch(o.schema, o.out, cols, m)
}

func (o *hashJoinOp) release() {
	if o.cur != nil {
		o.cur.Release()
		o.cur = nil
	}
	for _, c := range o.bcols {
		if c != nil {
			c.Release()
		}
	}
	o.bcols, o.intHT, o.strHT, o.next = nil, nil, nil, nil
}

func (o *hashJoinOp) Close() {
	o.release()
	o.probe.Close()
}
