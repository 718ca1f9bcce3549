package colexec

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// NewFromRows adapts a row-producing operator (a row plan, or a pipeline
// ending in an aggregation) to batches, so that a vectorized hash join
// can take it as one input instead of the whole join dropping to rows:
// TPC-H Q18's IN-subquery is a row-returning aggregation joined with a
// lake scan of lineitem, and hashing lineitem row at a time dominated.
// Rows are packed BatchSize at a time. ok is false when some column type
// has no batch representation. A numeric value that does not fit its
// column's scaled representation fails with ErrFallback, so layouts with
// numeric columns are fallible.
func NewFromRows(mem memory.Allocator, typs []*types.T, in RowOperator) (Operator, Specs, bool) {
	specs := Specs{s: make([]colSpec, len(typs))}
	for i, t := range typs {
		if !Supported(t) {
			return nil, Specs{}, false
		}
		specs.s[i] = specFor(t, true)
		if specs.s[i].k == kNumeric {
			specs.fallible = true
		}
	}
	return &fromRows{mem: mem, typs: typs, in: in}, specs, true
}

type fromRows struct {
	mem     memory.Allocator
	typs    []*types.T
	in      RowOperator
	pending []types.Row
	eof     bool
	open    bool
}

func (o *fromRows) Open(env *Env) error {
	o.pending, o.eof = nil, false
	if err := o.in.Open(env); err != nil {
		return err
	}
	o.open = true
	return nil
}

func (o *fromRows) Next(env *Env) (*Batch, error) {
	for !o.eof && len(o.pending) < BatchSize {
		rows, err := o.in.NextRows(env)
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			o.eof = true
			break
		}
		o.pending = append(o.pending, rows...)
	}
	if len(o.pending) == 0 {
		return nil, nil
	}
	n := min(len(o.pending), BatchSize)
	b, err := o.convert(o.pending[:n])
	if err != nil {
		return nil, err
	}
	// Drop references to converted rows so they can be collected.
	clear(o.pending[:n])
	o.pending = o.pending[n:]
	return b, nil
}

// convert builds one batch. BatchFromRows only fails on a numeric value
// outside its scaled form: the row plan takes over (ErrFallback). A datum
// whose Go type does not match its column's type would be a planner bug;
// it fails the statement rather than the process.
func (o *fromRows) convert(rows []types.Row) (b *Batch, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, pgerr.New(pgerr.InternalError, "colexec: row does not match its column types: %v", r)
		}
	}()
	b, err = BatchFromRows(o.mem, o.typs, rows)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFallback, err)
	}
	return b, nil
}

func (o *fromRows) Close() {
	o.pending = nil
	if o.open {
		o.open = false
		o.in.Close()
	}
}
