package colexec

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/rowstore"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// ScanSpec describes a full scan of a table's primary index.
type ScanSpec struct {
	Table *rowstore.Table
	Index *catalog.Index
	// Types are the scan's output column types (one per table column).
	Types []*types.T
	// Needed marks the columns the plan reads (nil: all); others, and
	// those of unsupported types, are Null arrays.
	Needed []bool
}

type scanOp struct {
	spec   ScanSpec
	mem    memory.Allocator
	specs  []colSpec
	schema *arrow.Schema
	dec    *rowstore.Decoder
	sc     *rowstore.Scanner
	apps   []*appender
	done   bool
}

// NewScan builds a table scan that decodes rows into Arrow builders.
func NewScan(mem memory.Allocator, s ScanSpec) Operator {
	op := &scanOp{spec: s, mem: mem}
	specs, _ := ScanSpecs(s.Types, s.Needed)
	op.specs = specs.s
	op.schema = schemaFor(op.specs)
	op.dec = s.Table.NewDecoder(s.Needed)
	return op
}

func (s *scanOp) Open(env *Env) error {
	if env.KV == nil {
		return pgerr.New(pgerr.InternalError, "no transaction")
	}
	s.done = false
	s.sc = s.spec.Table.Scan(env.Ctx, env.KV, s.spec.Index, nil, nil, s.dec)
	if s.apps == nil {
		for _, sp := range s.specs {
			s.apps = append(s.apps, newAppender(s.mem, sp))
		}
	}
	return nil
}

func (s *scanOp) Next(env *Env) (*Batch, error) {
	if s.done || s.sc == nil {
		return nil, nil
	}
	if env.Cancel != nil {
		if err := env.Cancel(); err != nil {
			return nil, err
		}
	}
	n := 0
	for n < BatchSize {
		row, err := s.sc.Next()
		if err != nil {
			return nil, err
		}
		if row == nil {
			s.done = true
			break
		}
		for i, a := range s.apps {
			if a.spec.k == kNull {
				a.b.AppendNull()
				continue
			}
			if err := a.append(row[i]); err != nil {
				return nil, err
			}
		}
		n++
	}
	if n == 0 {
		return nil, nil
	}
	cols := make([]arrow.Array, len(s.apps))
	for i, a := range s.apps {
		cols[i] = a.b.NewArray() // resets the builder for the next batch
	}
	return newBatch(s.schema, s.specs, cols, n), nil
}

func (s *scanOp) Close() {
	if s.sc != nil {
		s.sc.Close()
		s.sc = nil
	}
	for _, a := range s.apps {
		a.b.Release()
	}
	s.apps = nil
}
