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
}

// NewFilter keeps the rows of in (laid out as inSpecs) for which e is
// true; ok is false when e is not supported.
func NewFilter(mem memory.Allocator, in Operator, inSpecs Specs, e planner.Expr, consts ConstCompiler) (Operator, bool) {
	c := &compiler{specs: inSpecs.s, mem: mem, consts: consts}
	p, ok := c.pred(e)
	if !ok {
		return nil, false
	}
	return &filterOp{in: in, mem: mem, p: p}, true
}

func (f *filterOp) Open(env *Env) error { return f.in.Open(env) }
func (f *filterOp) Close()              { f.in.Close() }

func (f *filterOp) Next(env *Env) (*Batch, error) {
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
