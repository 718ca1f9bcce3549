package colexec

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// RecordSource yields Arrow records in their storage layout (a lake
// scan's records are typed as pqfile.ArrowType: int4 as Int32, numeric
// as Decimal128, ...). Next returns nil at the end; the caller releases
// every record it receives.
type RecordSource interface {
	Open(ctx context.Context) error
	Next(ctx context.Context) (arrow.RecordBatch, error)
	Close()
}

// RecordScanSpec describes a scan over a RecordSource.
type RecordScanSpec struct {
	// Types are the output column types (one per table column).
	Types []*types.T
	// Needed marks the output columns the plan reads (nil: all); others,
	// and those of unsupported types, are Null arrays.
	Needed []bool
	// Fields maps each output column to its field in the source's
	// records (-1: not in the records; the column is NULL).
	Fields []int
}

// NewRecordScan is the vectorized pipeline's entry for data that arrives
// as Arrow records: each record becomes a batch, column by column in the
// batch representation (types.go). Columns whose Arrow type already is
// that representation (Int64, Float64, String, Boolean, Date32,
// Timestamp(µs)) are shared zero-copy; narrower integers and float32 are
// widened and Decimal128 of a numeric(p<=18) becomes a scaled Int64.
func NewRecordScan(mem memory.Allocator, s RecordScanSpec, src RecordSource) Operator {
	specs, _ := ScanSpecs(s.Types, s.Needed)
	return &recordScan{mem: mem, spec: s, src: src, specs: specs.s, schema: schemaFor(specs.s)}
}

type recordScan struct {
	mem    memory.Allocator
	spec   RecordScanSpec
	src    RecordSource
	specs  []colSpec
	schema *arrow.Schema
	open   bool
}

func (r *recordScan) Open(env *Env) error {
	if err := r.src.Open(env.Ctx); err != nil {
		return err
	}
	r.open = true
	return nil
}

func (r *recordScan) Next(env *Env) (*Batch, error) {
	rec, err := r.nextRecord(env)
	if err != nil || rec == nil {
		return nil, err
	}
	defer rec.Release()
	n := int(rec.NumRows())
	cols := make([]arrow.Array, len(r.specs))
	for i := range r.specs {
		if cols[i], err = r.convert(i, rec); err != nil {
			for _, c := range cols[:i] {
				c.Release()
			}
			return nil, err
		}
	}
	return newBatch(r.schema, r.specs, cols, n), nil
}

// nextRecord returns the source's next non-empty record (nil at the end).
func (r *recordScan) nextRecord(env *Env) (arrow.RecordBatch, error) {
	if !r.open {
		return nil, nil
	}
	if env.Cancel != nil {
		if err := env.Cancel(); err != nil {
			return nil, err
		}
	}
	for {
		rec, err := r.src.Next(env.Ctx)
		if err != nil || rec == nil {
			return nil, err
		}
		if rec.NumRows() > 0 {
			return rec, nil
		}
		rec.Release()
	}
}

// field is output column i's field in the source records, or -1.
func (r *recordScan) field(i int) int {
	if r.specs[i].k == kNull || i >= len(r.spec.Fields) {
		return -1
	}
	return r.spec.Fields[i]
}

// convert returns output column i of rec in the batch representation.
func (r *recordScan) convert(i int, rec arrow.RecordBatch) (arrow.Array, error) {
	f := r.field(i)
	if f < 0 {
		return array.NewNull(int(rec.NumRows())), nil
	}
	return ConvertArray(r.mem, r.specs[i].t, rec.Column(f))
}

// convertSel returns rows sel of output column i of rec in the batch
// representation, converting only those rows where that saves work.
func (r *recordScan) convertSel(i int, rec arrow.RecordBatch, sel []int) (arrow.Array, error) {
	f := r.field(i)
	if f < 0 {
		return array.NewNull(len(sel)), nil
	}
	s, arr := r.specs[i], rec.Column(f)
	switch a := arr.(type) {
	case *array.Decimal128:
		if s.k != kNumeric {
			break
		}
		src := a.DataType().(*arrow.Decimal128Type).Scale
		vals := a.Values()
		out := make([]int64, len(sel))
		for j, k := range sel {
			if a.IsNull(k) {
				continue
			}
			v := vals[k]
			if src != s.scale {
				var err error
				if v, err = rescale(v, src, s.scale); err != nil {
					return nil, err
				}
			}
			if !fitsScaled(v) {
				return nil, pgerr.New(pgerr.NumericValueOutOfRange, "numeric value %s does not fit numeric(18,%d)", v.ToString(src), s.scale)
			}
			out[j] = int64(v.LowBits())
		}
		return sliceArray(arrow.PrimitiveTypes.Int64, out, validMask(a, sel)), nil
	case *array.Int32:
		if s.k != kInt {
			break
		}
		vals := a.Int32Values()
		out := make([]int64, len(sel))
		for j, k := range sel {
			out[j] = int64(vals[k])
		}
		return sliceArray(arrow.PrimitiveTypes.Int64, out, validMask(a, sel)), nil
	}
	full, err := ConvertArray(r.mem, s.t, arr)
	if err != nil {
		return nil, err
	}
	defer full.Release()
	return takeArray(r.mem, s, full, sel), nil
}

func (r *recordScan) Close() {
	if r.open {
		r.src.Close()
		r.open = false
	}
}

// ConvertArray returns arr in the batch representation of SQL type t
// (which must be Supported); the caller releases the result. Matching
// layouts are shared (Retain), not copied.
func ConvertArray(mem memory.Allocator, t *types.T, arr arrow.Array) (arrow.Array, error) {
	k, ok := kindOf(t)
	if !ok {
		return nil, pgerr.New(pgerr.InternalError, "colexec: type %s has no batch representation", t.SQLString())
	}
	sp := specFor(t, true)
	want := arrowType(k, t)
	if arrow.TypeEqual(arr.DataType(), want) && k != kNumeric {
		arr.Retain()
		return arr, nil
	}
	n := arr.Len()
	switch k {
	case kInt:
		switch a := arr.(type) {
		case *array.Int32:
			return widenInt(mem, n, a, a.Value), nil
		case *array.Int16:
			return widenInt(mem, n, a, a.Value), nil
		case *array.Int8:
			return widenInt(mem, n, a, a.Value), nil
		}
	case kFloat:
		if a, ok := arr.(*array.Float32); ok {
			b := array.NewFloat64Builder(mem)
			defer b.Release()
			b.Reserve(n)
			for i := 0; i < n; i++ {
				if a.IsNull(i) {
					b.UnsafeAppendBoolToBitmap(false)
				} else {
					b.UnsafeAppend(float64(a.Value(i)))
				}
			}
			return b.NewArray(), nil
		}
	case kString:
		switch arr.(type) {
		case *array.String:
			return retype(arr, want), nil
		case *array.LargeString:
			b := array.NewStringBuilder(mem)
			defer b.Release()
			b.Reserve(n)
			for i := 0; i < n; i++ {
				if arr.IsNull(i) {
					b.AppendNull()
				} else {
					b.Append(arr.ValueStr(i))
				}
			}
			return b.NewArray(), nil
		}
	case kDate:
		if _, ok := arr.(*array.Date32); ok {
			return retype(arr, want), nil
		}
	case kTS:
		if ts, ok := arr.DataType().(*arrow.TimestampType); ok && ts.Unit == arrow.Microsecond {
			// Same values; only the zone label differs.
			return retype(arr, want), nil
		}
	case kNumeric:
		switch a := arr.(type) {
		case *array.Int64:
			a.Retain()
			return a, nil
		case *array.Decimal128:
			return decimalToScaledArray(mem, a, sp.scale)
		}
	case kBool:
		if _, ok := arr.(*array.Boolean); ok {
			return retype(arr, want), nil
		}
	}
	return nil, pgerr.New(pgerr.InternalError, "colexec: cannot read Arrow %s as %s", arr.DataType(), t.SQLString())
}

// retype shares arr's buffers under another (layout-identical) type.
func retype(arr arrow.Array, t arrow.DataType) arrow.Array {
	d := arr.Data()
	nd := array.NewData(t, d.Len(), d.Buffers(), d.Children(), d.NullN(), d.Offset())
	defer nd.Release()
	return array.MakeFromData(nd)
}

func widenInt[T int8 | int16 | int32](mem memory.Allocator, n int, a arrow.Array, val func(int) T) arrow.Array {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.Reserve(n)
	for i := 0; i < n; i++ {
		if a.IsNull(i) {
			b.UnsafeAppendBoolToBitmap(false)
		} else {
			b.UnsafeAppend(int64(val(i)))
		}
	}
	return b.NewArray()
}

// decimalToScaledArray converts Decimal128 values to int64 scaled by
// 10^scale (rescaling when the file's scale differs). A value that does
// not fit is an error: the caller chose the batch path for numeric(p<=18).
func decimalToScaledArray(mem memory.Allocator, a *array.Decimal128, scale int32) (arrow.Array, error) {
	src := a.DataType().(*arrow.Decimal128Type).Scale
	n := a.Len()
	in := a.Values()
	out := make([]int64, n)
	nulls := a.NullN() > 0
	for i := range out {
		if nulls && a.IsNull(i) {
			continue
		}
		v := in[i]
		if src != scale {
			var err error
			if v, err = rescale(v, src, scale); err != nil {
				return nil, err
			}
		}
		if !fitsScaled(v) {
			return nil, pgerr.New(pgerr.NumericValueOutOfRange, "numeric value %s does not fit numeric(18,%d)", v.ToString(src), scale)
		}
		out[i] = int64(v.LowBits())
	}
	if !nulls {
		return sliceArray(arrow.PrimitiveTypes.Int64, out, nil), nil
	}
	valid := make([]bool, n)
	for i := range valid {
		valid[i] = a.IsValid(i)
	}
	return sliceArray(arrow.PrimitiveTypes.Int64, out, valid), nil
}

func rescale(v decimal128.Num, from, to int32) (decimal128.Num, error) {
	if to > from {
		return v.Mul(decimal128.GetScaleMultiplier(int(to - from))), nil
	}
	q, r := v.Div(decimal128.GetScaleMultiplier(int(from - to)))
	if r != (decimal128.Num{}) {
		return v, fmt.Errorf("colexec: numeric value loses digits at scale %d", to)
	}
	return q, nil
}

// fitsScaled: |v| < 10^18, the range of numeric(p<=18) (numericNaN stays free).
func fitsScaled(v decimal128.Num) bool {
	hi := v.HighBits()
	lo := int64(v.LowBits())
	if !(hi == 0 && lo >= 0) && !(hi == -1 && lo < 0) {
		return false
	}
	return lo < pow10[18] && lo > -pow10[18]
}
