package colexec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/conflux-db/conflux/planner"
)

type filterOp struct {
	in   Operator
	mem  memory.Allocator
	p    pred
	tri  []uint8
	sel  []int
	cols []arrow.Array

	// Directly over a record scan, the filter converts only the columns
	// the predicate reads for all rows, and the others only for the rows
	// it keeps (late materialization: a lake scan's selective filters
	// then skip most of the decimal and integer conversions).
	rs       *recordScan
	predCols []bool
	pSpecs   []colSpec // the scan's layout, columns the predicate does not read as kNull
	pSchema  *arrow.Schema
}

// NewFilter keeps the rows of in (laid out as inSpecs) for which e is
// true; ok is false when e is not supported.
func NewFilter(mem memory.Allocator, in Operator, inSpecs Specs, e planner.Expr, consts ConstCompiler) (Operator, bool) {
	c := &compiler{specs: inSpecs.s, mem: mem, consts: consts}
	p, ok := c.pred(e)
	if !ok {
		return nil, false
	}
	f := &filterOp{in: in, mem: mem, p: p}
	if rs, ok := in.(*recordScan); ok {
		f.rs = rs
		f.predCols = make([]bool, len(rs.specs))
		planner.WalkExpr(e, func(x planner.Expr) bool {
			if r, ok := x.(*planner.ColRef); ok && r.Idx >= 0 && r.Idx < len(f.predCols) {
				f.predCols[r.Idx] = true
			}
			return true
		})
		f.pSpecs = make([]colSpec, len(rs.specs))
		for i, s := range rs.specs {
			if f.predCols[i] {
				f.pSpecs[i] = s
			} else {
				f.pSpecs[i] = colSpec{t: s.t, k: kNull}
			}
		}
		f.pSchema = schemaFor(f.pSpecs)
	}
	return f, true
}

func (f *filterOp) Open(env *Env) error { return f.in.Open(env) }
func (f *filterOp) Close()              { f.in.Close() }

func (f *filterOp) Next(env *Env) (*Batch, error) {
	if f.rs != nil {
		return f.nextLate(env)
	}
	for {
		b, err := f.in.Next(env)
		if err != nil || b == nil {
			return nil, err
		}
		n := b.Len()
		if cap(f.tri) < n {
			f.tri = make([]uint8, n)
		}
		tri := f.tri[:n]
		if err := f.p.eval(env, b, tri); err != nil {
			b.Release()
			return nil, err
		}
		f.sel = f.sel[:0]
		for i, v := range tri {
			if v == tTrue {
				f.sel = append(f.sel, i)
			}
		}
		switch len(f.sel) {
		case 0:
			b.Release()
			continue
		case n:
			return b, nil
		}
		out := take(f.mem, b, f.sel)
		b.Release()
		return out, nil
	}
}

// nextLate is Next over a record scan (see filterOp.rs).
func (f *filterOp) nextLate(env *Env) (*Batch, error) {
	rs := f.rs
	for {
		rec, err := rs.nextRecord(env)
		if err != nil || rec == nil {
			return nil, err
		}
		n := int(rec.NumRows())
		pcols := make([]arrow.Array, len(rs.specs))
		for i := range pcols {
			if !f.predCols[i] {
				pcols[i] = array.NewNull(n)
			} else if pcols[i], err = rs.convert(i, rec); err != nil {
				releaseArrays(pcols[:i])
				rec.Release()
				return nil, err
			}
		}
		pb := newBatch(f.pSchema, f.pSpecs, pcols, n)
		if cap(f.tri) < n {
			f.tri = make([]uint8, n)
		}
		tri := f.tri[:n]
		if err := f.p.eval(env, pb, tri); err != nil {
			pb.Release()
			rec.Release()
			return nil, err
		}
		f.sel = f.sel[:0]
		for i, v := range tri {
			if v == tTrue {
				f.sel = append(f.sel, i)
			}
		}
		if len(f.sel) == 0 {
			pb.Release()
			rec.Release()
			continue
		}
		all := len(f.sel) == n
		cols := make([]arrow.Array, len(rs.specs))
		for i, s := range rs.specs {
			switch {
			case f.predCols[i] && all:
				cols[i] = pb.Rec.Column(i)
				cols[i].Retain()
			case f.predCols[i]:
				cols[i] = takeArray(f.mem, s, pb.Rec.Column(i), f.sel)
			case all:
				cols[i], err = rs.convert(i, rec)
			default:
				cols[i], err = rs.convertSel(i, rec, f.sel)
			}
			if err != nil {
				releaseArrays(cols[:i])
				break
			}
		}
		pb.Release()
		rec.Release()
		if err != nil {
			return nil, err
		}
		return newBatch(rs.schema, rs.specs, cols, len(f.sel)), nil
	}
}

func releaseArrays(as []arrow.Array) {
	for _, a := range as {
		if a != nil {
			a.Release()
		}
	}
}

// take builds a new batch of the rows sel of b.
func take(mem memory.Allocator, b *Batch, sel []int) *Batch {
	cols := make([]arrow.Array, len(b.specs))
	for c, s := range b.specs {
		cols[c] = takeArray(mem, s, b.Rec.Column(c), sel)
	}
	return newBatch(b.Rec.Schema(), b.specs, cols, len(sel))
}

func validMask(a arrow.Array, sel []int) []bool {
	if a.NullN() == 0 {
		return nil
	}
	v := make([]bool, len(sel))
	for j, i := range sel {
		v[j] = a.IsValid(i)
	}
	return v
}

func takeArray(mem memory.Allocator, s colSpec, a arrow.Array, sel []int) arrow.Array {
	if s.k == kNull {
		// Columns the plan does not read: no values to gather.
		return array.NewNull(len(sel))
	}
	valid := validMask(a, sel)
	switch s.k {
	case kInt, kNumeric:
		src := a.(*array.Int64).Int64Values()
		vals := make([]int64, len(sel))
		for j, i := range sel {
			vals[j] = src[i]
		}
		return sliceArray(arrow.PrimitiveTypes.Int64, vals, valid)
	case kFloat:
		src := a.(*array.Float64).Float64Values()
		vals := make([]float64, len(sel))
		for j, i := range sel {
			vals[j] = src[i]
		}
		return sliceArray(arrow.PrimitiveTypes.Float64, vals, valid)
	case kDate:
		src := a.(*array.Date32).Date32Values()
		vals := make([]arrow.Date32, len(sel))
		for j, i := range sel {
			vals[j] = src[i]
		}
		return sliceArray(arrow.FixedWidthTypes.Date32, vals, valid)
	case kTS:
		src := a.(*array.Timestamp).TimestampValues()
		vals := make([]arrow.Timestamp, len(sel))
		for j, i := range sel {
			vals[j] = src[i]
		}
		return sliceArray(a.DataType(), vals, valid)
	case kBool:
		src := a.(*array.Boolean)
		bld := array.NewBooleanBuilder(mem)
		defer bld.Release()
		bld.Reserve(len(sel))
		for _, i := range sel {
			if src.IsNull(i) {
				bld.AppendNull()
			} else {
				bld.Append(src.Value(i))
			}
		}
		return bld.NewArray()
	case kString:
		return takeStrings(a.(*array.String), sel, valid)
	}
	return array.NewNull(len(sel))
}

// takeStrings gathers strings into fresh offset and data buffers (one
// pass to size them, one to copy), not through a builder's per-value
// bookkeeping.
func takeStrings(src *array.String, sel []int, valid []bool) arrow.Array {
	total := 0
	for _, i := range sel {
		total += src.ValueLen(i)
	}
	offs := make([]int32, len(sel)+1)
	data := make([]byte, 0, total)
	for j, i := range sel {
		data = append(data, src.Value(i)...)
		offs[j+1] = int32(len(data))
	}
	var bm *memory.Buffer
	nulls := 0
	if valid != nil {
		bits := make([]byte, bitutil.BytesForBits(int64(len(sel))))
		for j, ok := range valid {
			if ok {
				bitutil.SetBit(bits, j)
			} else {
				nulls++
			}
		}
		bm = memory.NewBufferBytes(bits)
	}
	d := array.NewData(arrow.BinaryTypes.String, len(sel), []*memory.Buffer{bm, memory.NewBufferBytes(arrow.GetBytes(offs)), memory.NewBufferBytes(data)}, nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d)
}
