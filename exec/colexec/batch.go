package colexec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/conflux-db/conflux/rowstore"
	"github.com/conflux-db/conflux/sql/types"
)

// BatchSize is the number of rows a scan puts in one batch.
const BatchSize = 1024

// Batch is one Arrow record batch plus the SQL types of its columns
// (several SQL types share one Arrow type, see kindOf). The receiver of a
// batch owns it and must Release it.
type Batch struct {
	Rec   arrow.RecordBatch
	specs []colSpec
}

// Len is the number of rows.
func (b *Batch) Len() int { return int(b.Rec.NumRows()) }

// Release frees the batch's buffers.
func (b *Batch) Release() {
	if b != nil && b.Rec != nil {
		b.Rec.Release()
		b.Rec = nil
	}
}

// AppendRows converts the batch back to rows, appended to out. The rows
// share one backing array of datums.
func (b *Batch) AppendRows(out []types.Row) []types.Row {
	n, w := b.Len(), len(b.specs)
	vals := make([]types.Datum, n*w)
	cols := b.Rec.Columns()
	for c, s := range b.specs {
		arr := cols[c]
		for i := 0; i < n; i++ {
			vals[i*w+c] = datumAt(s, arr, i)
		}
	}
	for i := 0; i < n; i++ {
		out = append(out, types.Row(vals[i*w:(i+1)*w:(i+1)*w]))
	}
	return out
}

// newBatch assembles a batch from arrays it takes ownership of.
func newBatch(schema *arrow.Schema, specs []colSpec, cols []arrow.Array, n int) *Batch {
	rec := array.NewRecordBatch(schema, cols, int64(n))
	for _, c := range cols {
		c.Release() // the record holds its own reference
	}
	return &Batch{Rec: rec, specs: specs}
}

// BatchFromRows builds a batch from rows of the given types (nil entries
// in used mean every column is used). Tests and the row-to-batch adapter use it.
func BatchFromRows(mem memory.Allocator, typs []*types.T, rows []types.Row) (*Batch, error) {
	specs := make([]colSpec, len(typs))
	for i, t := range typs {
		specs[i] = specFor(t, Supported(t))
	}
	apps := make([]*appender, len(specs))
	for i, s := range specs {
		apps[i] = newAppender(mem, s)
	}
	for _, r := range rows {
		for i, a := range apps {
			if err := a.append(r[i]); err != nil {
				for _, a := range apps {
					a.b.Release()
				}
				return nil, err
			}
		}
	}
	cols := make([]arrow.Array, len(apps))
	for i, a := range apps {
		cols[i] = a.b.NewArray()
		a.b.Release()
	}
	return newBatch(schemaFor(specs), specs, cols, len(rows)), nil
}

// Env is what operators need at run time.
type Env struct {
	Ctx context.Context
	KV  rowstore.KV
	// Param returns the value of $idx+1 coerced to t.
	Param func(idx int, t *types.T) (types.Datum, error)
	// Cancel reports a cancelled statement (checked once per batch).
	Cancel func() error
}

// Operator produces batches. Next returns nil at the end; the caller
// releases every batch it receives.
type Operator interface {
	Open(env *Env) error
	Next(env *Env) (*Batch, error)
	Close()
}

// RowOperator is the end of a vectorized pipeline whose results are rows
// (aggregation: its result types, e.g. numeric sums, need not fit a batch).
type RowOperator interface {
	Open(env *Env) error
	NextRows(env *Env) ([]types.Row, error)
	Close()
}

// sliceArray wraps vals (and a validity mask, nil when all are valid) as
// an Arrow array of type dt without copying: the hot loops fill Go slices
// and hand them over, instead of filling a slice and then a builder.
func sliceArray[T arrow.FixedWidthType](dt arrow.DataType, vals []T, valid []bool) arrow.Array {
	var bm *memory.Buffer
	nulls := 0
	if valid != nil {
		bits := make([]byte, bitutil.BytesForBits(int64(len(vals))))
		for i, ok := range valid {
			if ok {
				bitutil.SetBit(bits, i)
			} else {
				nulls++
			}
		}
		bm = memory.NewBufferBytes(bits)
	}
	d := array.NewData(dt, len(vals), []*memory.Buffer{bm, memory.NewBufferBytes(arrow.GetBytes(vals))}, nil, nulls, 0)
	defer d.Release()
	return array.MakeFromData(d)
}
