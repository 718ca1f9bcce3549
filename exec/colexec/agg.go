package colexec

import (
	"encoding/binary"
	"math"
	"math/big"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// aggKind is a vectorized aggregate whose result matches the builtin's exactly.
type aggKind uint8

const (
	aCountStar aggKind = iota
	aCount
	aSumInt   // sum(int2/int4) -> int8
	aSumBig   // sum(int8) -> numeric (128-bit accumulator)
	aSumFloat // sum(float4/float8)
	aAvgInt   // avg(int*) -> numeric
	aAvgFloat // avg(float*) -> float8
	aMin      // min over the comparison key
	aMax
	aSumNum // sum(numeric(p<=18,s)) -> numeric: 128-bit sum of the scaled values
	aAvgNum // avg(numeric(p<=18,s)) -> numeric
)

type aggSpec struct {
	k     aggKind
	col   int
	width int   // float width for sums
	scale int32 // aSumNum, aAvgNum: the column's scale
	// Per-group state.
	n      []int64
	lo, hi []uint64 // 128-bit sums (two's complement)
	nan    []bool   // aSumNum, aAvgNum: the group saw a NaN
	f      []float64
	seen   []bool
	best   []int // min/max: batch-independent index into vals
	vals   []types.Datum
	keys   []int64
	skeys  []string
}

// AggSupported reports whether call can be vectorized over inSpecs.
func aggKindOf(call *planner.AggCall, specs []colSpec) (aggSpec, bool) {
	if call.Distinct || call.Filter != nil || len(call.OrderBy) > 0 || call.Overload == nil {
		return aggSpec{}, false
	}
	if call.Name == "count" && len(call.Args) == 0 {
		return aggSpec{k: aCountStar}, true
	}
	if len(call.Args) != 1 {
		return aggSpec{}, false
	}
	arg := call.Args[0]
	if c, ok := arg.(*planner.CastExpr); ok && c.Typ.Oid == types.OidText {
		// varchar -> text changes nothing in the value (max(vc) is max(vc::text)).
		if r, ok := c.Arg.(*planner.ColRef); ok && r.Typ.Oid == types.OidVarchar {
			arg = r
		}
	}
	r, ok := arg.(*planner.ColRef)
	if !ok || r.Idx >= len(specs) || specs[r.Idx].k == kNull {
		return aggSpec{}, false
	}
	s := specs[r.Idx]
	a := aggSpec{col: r.Idx}
	switch call.Name {
	case "count":
		a.k = aCount
	case "sum":
		switch {
		case s.k == kInt && s.t.Width < 64:
			a.k = aSumInt
		case s.k == kInt:
			a.k = aSumBig
		case s.k == kFloat:
			a.k, a.width = aSumFloat, call.Overload.Ret.Width
		case s.k == kNumeric:
			a.k, a.scale = aSumNum, s.scale
		default:
			return aggSpec{}, false
		}
	case "avg":
		switch s.k {
		case kInt:
			a.k = aAvgInt
		case kFloat:
			a.k = aAvgFloat
		case kNumeric:
			a.k, a.scale = aAvgNum, s.scale
		default:
			return aggSpec{}, false
		}
	case "min", "max":
		if s.k == kBool {
			return aggSpec{}, false
		}
		a.k = aMin
		if call.Name == "max" {
			a.k = aMax
		}
	default:
		return aggSpec{}, false
	}
	return a, true
}

func (a *aggSpec) grow(g int) {
	for len(a.n) < g {
		a.n = append(a.n, 0)
		a.seen = append(a.seen, false)
		switch a.k {
		case aSumBig, aAvgInt, aSumInt:
			a.lo, a.hi = append(a.lo, 0), append(a.hi, 0)
		case aSumNum, aAvgNum:
			a.lo, a.hi, a.nan = append(a.lo, 0), append(a.hi, 0), append(a.nan, false)
		case aSumFloat, aAvgFloat:
			a.f = append(a.f, 0)
		case aMin, aMax:
			a.vals = append(a.vals, types.DNull)
			a.keys = append(a.keys, 0)
			a.skeys = append(a.skeys, "")
		}
	}
}

type hashAggOp struct {
	in      Operator
	specs   []colSpec
	groupBy []int
	aggs    []aggSpec
	avgDiv  *builtins.Overload
	// Groups in first-seen order (as the row engine emits them).
	keys    []types.Row
	intMap  map[int64]int32
	nullGrp int32
	strMap  map[string]int32
	packMap map[uint64]int32 // keys whose encoding fits 8 bytes
	out     []types.Row
	pos     int
	kbuf    []int64
	sbuf    []string
	hbuf    []byte
	kcols   [][]int64 // per group key: comparison keys of the batch
	grp     []int32
}

// NewHashAgg aggregates in's batches; ok is false unless every group key
// is a column reference of a supported type and every aggregate is one
// whose PostgreSQL result the vectorized code reproduces exactly.
func NewHashAgg(in Operator, inSpecs Specs, groupBy []planner.Expr, aggs []*planner.AggCall) (RowOperator, bool) {
	op := &hashAggOp{in: in, specs: inSpecs.s}
	for _, g := range groupBy {
		r, ok := g.(*planner.ColRef)
		if !ok || r.Idx >= len(op.specs) || op.specs[r.Idx].k == kNull {
			return nil, false
		}
		op.groupBy = append(op.groupBy, r.Idx)
	}
	for _, c := range aggs {
		a, ok := aggKindOf(c, op.specs)
		if !ok {
			return nil, false
		}
		op.aggs = append(op.aggs, a)
	}
	div, err := builtins.ResolveBinaryOp("/", types.Numeric, types.Numeric)
	if err != nil || div.Fn == nil {
		return nil, false
	}
	op.avgDiv = div
	return op, true
}

func (o *hashAggOp) Open(env *Env) error {
	o.keys, o.out, o.pos = nil, nil, 0
	o.intMap, o.strMap, o.packMap, o.nullGrp = map[int64]int32{}, map[string]int32{}, map[uint64]int32{}, -1
	for i := range o.aggs {
		a := &o.aggs[i]
		*a = aggSpec{k: a.k, col: a.col, width: a.width, scale: a.scale}
	}
	if err := o.in.Open(env); err != nil {
		return err
	}
	defer o.in.Close()
	for {
		b, err := o.in.Next(env)
		if err != nil {
			return err
		}
		if b == nil {
			break
		}
		err = o.consume(b)
		b.Release()
		if err != nil {
			return err
		}
	}
	if len(o.groupBy) == 0 && len(o.keys) == 0 {
		o.keys = append(o.keys, nil)
		for i := range o.aggs {
			o.aggs[i].grow(1)
		}
	}
	out := make([]types.Row, len(o.keys))
	for g, key := range o.keys {
		row := make(types.Row, 0, len(key)+len(o.aggs))
		row = append(row, key...)
		for i := range o.aggs {
			d, err := o.result(&o.aggs[i], g, env)
			if err != nil {
				return err
			}
			row = append(row, d)
		}
		out[g] = row
	}
	o.out = out
	return nil
}

// assign maps each row of b to its group, creating groups as needed.
func (o *hashAggOp) assign(b *Batch) {
	n := b.Len()
	if cap(o.grp) < n {
		o.grp = make([]int32, n)
	}
	grp := o.grp[:n]
	newGroup := func(i int) int32 {
		key := make(types.Row, len(o.groupBy))
		for j, c := range o.groupBy {
			key[j] = datumAt(o.specs[c], b.Rec.Column(c), i)
		}
		o.keys = append(o.keys, key)
		return int32(len(o.keys) - 1)
	}
	switch {
	case len(o.groupBy) == 0:
		if len(o.keys) == 0 {
			o.keys = append(o.keys, nil)
		}
		for i := range grp {
			grp[i] = 0
		}
	case len(o.groupBy) == 1 && o.specs[o.groupBy[0]].k != kString:
		// One fixed-width key: hash its comparison key directly. floatKey
		// folds -0 into 0 and every NaN into one value, as the row
		// engine's hash key does.
		c := o.groupBy[0]
		arr := b.Rec.Column(c)
		o.kbuf = intKeys(o.specs[c], arr, o.kbuf)
		for i, k := range o.kbuf {
			if arr.IsNull(i) {
				if o.nullGrp < 0 {
					o.nullGrp = newGroup(i)
				}
				grp[i] = o.nullGrp
				continue
			}
			g, ok := o.intMap[k]
			if !ok {
				g = newGroup(i)
				o.intMap[k] = g
			}
			grp[i] = g
		}
	default:
		// Several keys, or a string: one byte string per row from the
		// batch values (a NULL flag, then the fixed-width comparison key
		// or the length-prefixed string), which is equal for two rows
		// exactly when the row engine's hash keys are.
		cols := make([]arrow.Array, len(o.groupBy))
		if len(o.kcols) < len(o.groupBy) {
			o.kcols = make([][]int64, len(o.groupBy))
		}
		for j, c := range o.groupBy {
			cols[j] = b.Rec.Column(c)
			if o.specs[c].k != kString {
				o.kcols[j] = intKeys(o.specs[c], cols[j], o.kcols[j])
			}
		}
		for i := range grp {
			h := o.hbuf[:0]
			for j, c := range o.groupBy {
				a := cols[j]
				if a.IsNull(i) {
					h = append(h, 0)
					continue
				}
				if o.specs[c].k == kString {
					v := a.(*array.String).Value(i)
					h = append(h, 1)
					h = binary.AppendUvarint(h, uint64(len(v)))
					h = append(h, v...)
					continue
				}
				h = append(h, 1)
				h = binary.LittleEndian.AppendUint64(h, uint64(o.kcols[j][i]))
			}
			o.hbuf = h
			if len(h) <= 8 {
				// Short keys (Q1's two char(1) flags) as one integer: the
				// encoding is prefix-free, so zero padding keeps distinct
				// keys distinct.
				var w [8]byte
				copy(w[:], h)
				k := binary.LittleEndian.Uint64(w[:])
				g, ok := o.packMap[k]
				if !ok {
					g = newGroup(i)
					o.packMap[k] = g
				}
				grp[i] = g
				continue
			}
			g, ok := o.strMap[string(h)]
			if !ok {
				g = newGroup(i)
				o.strMap[string(h)] = g
			}
			grp[i] = g
		}
	}
}

func (o *hashAggOp) consume(b *Batch) error {
	o.assign(b)
	grp := o.grp[:b.Len()]
	ng := len(o.keys)
	for ai := range o.aggs {
		a := &o.aggs[ai]
		a.grow(ng)
		if a.k == aCountStar {
			for _, g := range grp {
				a.n[g]++
			}
			continue
		}
		arr := b.Rec.Column(a.col)
		hasNulls := arr.NullN() > 0
		switch a.k {
		case aCount:
			for i, g := range grp {
				if !hasNulls || arr.IsValid(i) {
					a.n[g]++
				}
			}
		case aSumInt, aSumBig, aAvgInt, aSumNum, aAvgNum:
			vals := arr.(*array.Int64).Int64Values()
			num := a.k == aSumNum || a.k == aAvgNum
			if a.k != aSumInt && !hasNulls {
				a.sum128(vals, grp, num, len(o.groupBy) == 0)
				continue
			}
			for i, g := range grp {
				if hasNulls && arr.IsNull(i) {
					continue
				}
				v := vals[i]
				if num && v == numericNaN {
					a.nan[g] = true // NaN + anything is NaN
					a.n[g]++
					a.seen[g] = true
					continue
				}
				if a.k == aSumInt {
					s := int64(a.lo[g])
					r := s + v
					if (s >= 0) == (v >= 0) && (r >= 0) != (s >= 0) {
						return pgerr.New(pgerr.NumericValueOutOfRange, "bigint out of range")
					}
					a.lo[g] = uint64(r)
				} else {
					var c uint64
					a.lo[g], c = bits.Add64(a.lo[g], uint64(v), 0)
					ext := uint64(0)
					if v < 0 {
						ext = math.MaxUint64
					}
					a.hi[g], _ = bits.Add64(a.hi[g], ext, c)
				}
				a.n[g]++
				a.seen[g] = true
			}
		case aSumFloat, aAvgFloat:
			vals := arr.(*array.Float64).Float64Values()
			for i, g := range grp {
				if hasNulls && arr.IsNull(i) {
					continue
				}
				v, s := vals[i], a.f[g]
				r := s + v
				if a.k == aSumFloat && math.IsInf(r, 0) && !math.IsInf(s, 0) && !math.IsInf(v, 0) {
					return pgerr.New(pgerr.NumericValueOutOfRange, "value out of range: overflow")
				}
				a.f[g] = r
				a.n[g]++
				a.seen[g] = true
			}
		case aMin, aMax:
			s := o.specs[a.col]
			sign := 1
			if a.k == aMin {
				sign = -1
			}
			if s.k == kString {
				o.sbuf = stringKeys(arr, o.sbuf)
				for i, g := range grp {
					if hasNulls && arr.IsNull(i) {
						continue
					}
					k := o.sbuf[i]
					if !a.seen[g] || cmpStr(k, a.skeys[g])*sign > 0 {
						a.skeys[g], a.seen[g] = string([]byte(k)), true // copy: k points into the batch
						a.vals[g] = types.DString(a.skeys[g])
					}
				}
				continue
			}
			o.kbuf = intKeys(s, arr, o.kbuf)
			for i, g := range grp {
				if hasNulls && arr.IsNull(i) {
					continue
				}
				k := o.kbuf[i]
				if !a.seen[g] || cmpInt(k, a.keys[g])*sign > 0 {
					a.keys[g], a.seen[g] = k, true
					a.vals[g] = datumAt(s, arr, i)
				}
			}
		}
	}
	return nil
}

// sum128 adds vals (no NULLs) into the 128-bit sums of their groups:
// the hot loop of TPC-H's sum/avg, kept free of per-row NULL checks, and
// with one group (no GROUP BY) summed in registers.
func (a *aggSpec) sum128(vals []int64, grp []int32, num, oneGroup bool) {
	if oneGroup {
		lo, hi, n, nan := a.lo[0], a.hi[0], a.n[0], false
		for _, v := range vals {
			if num && v == numericNaN {
				nan = true
				continue
			}
			var c uint64
			lo, c = bits.Add64(lo, uint64(v), 0)
			hi += uint64(v>>63) + c // sign extension of v, plus the carry
		}
		a.lo[0], a.hi[0], a.n[0] = lo, hi, n+int64(len(vals))
		if nan {
			a.nan[0] = true
		}
		if len(vals) > 0 {
			a.seen[0] = true
		}
		return
	}
	lo, hi, cnt, seen := a.lo, a.hi, a.n, a.seen
	for i, g := range grp[:len(vals)] {
		v := vals[i]
		cnt[g]++
		seen[g] = true
		if num && v == numericNaN {
			a.nan[g] = true
			continue
		}
		var c uint64
		lo[g], c = bits.Add64(lo[g], uint64(v), 0)
		hi[g] += uint64(v>>63) + c
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (o *hashAggOp) result(a *aggSpec, g int, env *Env) (types.Datum, error) {
	switch a.k {
	case aCountStar, aCount:
		return types.DInt(a.n[g]), nil
	case aMin, aMax:
		return a.vals[g], nil
	}
	if !a.seen[g] {
		return types.DNull, nil
	}
	switch a.k {
	case aSumInt:
		return types.DInt(int64(a.lo[g])), nil
	case aSumBig:
		return int128Decimal(a.hi[g], a.lo[g]), nil
	case aAvgInt:
		ev := &builtins.EvalContext{Ctx: env.Ctx}
		return o.avgDiv.Fn(ev, []types.Datum{int128Decimal(a.hi[g], a.lo[g]), types.NewDecimalFromInt(a.n[g])})
	case aSumNum, aAvgNum:
		if a.nan[g] {
			return scaledToDecimal(numericNaN, 0), nil
		}
		// The row engine adds the values to 0 with apd: all have
		// exponent -scale, so the sum is the coefficient sum at it.
		sum := int128Decimal(a.hi[g], a.lo[g])
		sum.Exponent = -a.scale
		if a.k == aSumNum {
			return sum, nil
		}
		ev := &builtins.EvalContext{Ctx: env.Ctx}
		return o.avgDiv.Fn(ev, []types.Datum{sum, types.NewDecimalFromInt(a.n[g])})
	case aSumFloat:
		if a.width == 32 {
			return types.DFloat(float32(a.f[g])), nil
		}
		return types.DFloat(a.f[g]), nil
	case aAvgFloat:
		return types.DFloat(a.f[g] / float64(a.n[g])), nil
	}
	return types.DNull, nil
}

// int128Decimal converts a two's complement 128-bit integer to a numeric
// with exponent 0, built as the row engine's big.Int sum is.
func int128Decimal(hi, lo uint64) *types.DDecimal {
	neg := int64(hi) < 0
	if neg {
		lo = ^lo + 1
		hi = ^hi
		if lo == 0 {
			hi++
		}
	}
	v := new(big.Int).SetUint64(hi)
	v.Lsh(v, 64)
	v.Or(v, new(big.Int).SetUint64(lo))
	d := &types.DDecimal{}
	d.Coeff.SetMathBigInt(v)
	d.Negative = neg
	return d
}

func (o *hashAggOp) NextRows(*Env) ([]types.Row, error) {
	if o.pos >= len(o.out) {
		return nil, nil
	}
	end := min(o.pos+BatchSize, len(o.out))
	b := o.out[o.pos:end]
	o.pos = end
	return b, nil
}

func (o *hashAggOp) Close() {}
