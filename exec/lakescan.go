package exec

import (
	"context"
	"runtime/debug"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/exec/colexec"
	"github.com/conflux-db/conflux/lake"
	"github.com/conflux-db/conflux/lake/pqfile"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/txn"
)

// lakeTable returns the statement's accessor of a lake table (one per
// table and execution: it carries the statement's counters).
func (f *factory) lakeTable(t *catalog.Table) (*lake.Table, error) {
	if f.rc.lake == nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "lake tables are not available in this engine")
	}
	if lt, ok := f.rc.lakeTables[t.ID]; ok {
		return lt, nil
	}
	lt, err := f.rc.lake.Table(t)
	if err != nil {
		return nil, err
	}
	if f.rc.lakeTables == nil {
		f.rc.lakeTables = map[catalog.ID]*lake.Table{}
	}
	f.rc.lakeTables[t.ID] = lt
	return lt, nil
}

// lakeLayout is where a lake scan's record fields land in the table row.
type lakeLayout struct {
	spec   lake.ScanSpec
	fields []int      // per table column: record field, or -1
	typs   []*types.T // per record field
	width  int
}

func newLakeLayout(n *planner.PhysicalLakeScan) lakeLayout {
	cols := n.Table.Columns
	rowid := n.RowIDCol()
	l := lakeLayout{fields: make([]int, len(cols)), width: len(cols)}
	l.spec.Needed = make([]bool, len(cols))
	for i, c := range cols {
		l.fields[i] = -1
		if i == rowid || !n.Reads(i) {
			continue
		}
		l.spec.Needed[i] = true
		l.fields[i] = len(l.typs)
		l.typs = append(l.typs, c.Type)
	}
	if rowid >= 0 && n.Reads(rowid) {
		l.spec.Locators = true
		l.fields[rowid] = len(l.typs)
		l.typs = append(l.typs, types.Bytea)
	}
	return l
}

// lakeSource runs one lake.Scanner for an execution. A goroutine reads
// ahead (decoding Parquet) while the consumer works on the previous
// record; that is safe because Scanner.Next reads only immutable files,
// never the transaction (lake.Scan read the metadata up front).
type lakeSource struct {
	f      *factory
	n      *planner.PhysicalLakeScan
	layout lakeLayout
	ranges []lakeRangeFns
	asOf   evalFn

	vec    bool // feeds a vectorized pipeline (larger records)
	sc     *lake.Scanner
	asOfTx *txn.Txn
	empty  bool
	ahead  chan lakeRec
	stop   context.CancelFunc
	done   chan struct{}
}

type lakeRec struct {
	rec arrow.RecordBatch
	err error
}

type lakeRangeFns struct {
	colID  uint32
	lo, hi evalFn
	in     []evalFn
	arr    evalFn
	r      planner.LakeRange
}

// lakeBatchRows: records as large as the row engine's batches keep
// cancellation and memory per batch unchanged. The vectorized pipeline
// takes records of lakeVecBatchRows: per-batch costs (arrays, records,
// checks) are then spread over more rows.
const (
	lakeBatchRows    = BatchSize
	lakeVecBatchRows = 4 * BatchSize
)

func (f *factory) newLakeSource(n *planner.PhysicalLakeScan) (*lakeSource, error) {
	s := &lakeSource{f: f, n: n, layout: newLakeLayout(n)}
	for _, r := range n.Ranges {
		fns := lakeRangeFns{colID: n.Table.Columns[r.Col].ID, r: r}
		var err error
		switch {
		case r.In != nil:
			if fns.in, err = f.compileAll(r.In); err != nil {
				return nil, err
			}
		case r.Array != nil:
			if fns.arr, err = f.compile(r.Array); err != nil {
				return nil, err
			}
		default:
			if r.Lo != nil {
				if fns.lo, err = f.compile(r.Lo); err != nil {
					return nil, err
				}
			}
			if r.Hi != nil {
				if fns.hi, err = f.compile(r.Hi); err != nil {
					return nil, err
				}
			}
		}
		s.ranges = append(s.ranges, fns)
	}
	if n.AsOf != nil {
		var err error
		if s.asOf, err = f.compile(n.AsOf); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// pruneRanges evaluates the scan's ranges. A NULL bound matches no row
// (comparisons with NULL are never true): empty is then true.
func (s *lakeSource) pruneRanges(rc *runCtx) (out []pqfile.Range, empty bool, err error) {
	for _, fns := range s.ranges {
		r := pqfile.Range{ColumnID: fns.colID, LoIncl: fns.r.LoIncl, HiIncl: fns.r.HiIncl}
		if fns.in != nil || fns.arr != nil {
			var vals []types.Datum
			if fns.arr != nil {
				d, err := fns.arr(rc, nil)
				if err != nil {
					return nil, false, err
				}
				if a, ok := d.(*types.DArray); ok {
					vals = a.Elems
				}
			} else {
				for _, fn := range fns.in {
					d, err := fn(rc, nil)
					if err != nil {
						return nil, false, err
					}
					vals = append(vals, d)
				}
			}
			for _, d := range vals {
				if d == types.DNull {
					continue
				}
				if r.Lo == nil || types.Compare(d, r.Lo) < 0 {
					r.Lo = d
				}
				if r.Hi == nil || types.Compare(d, r.Hi) > 0 {
					r.Hi = d
				}
			}
			if r.Lo == nil {
				return nil, true, nil // x IN (NULL, ...), = ANY('{}') or ANY(NULL): never true
			}
			out = append(out, r)
			continue
		}
		if fns.lo != nil {
			if r.Lo, err = fns.lo(rc, nil); err != nil {
				return nil, false, err
			}
			if r.Lo == types.DNull {
				return nil, true, nil
			}
		}
		if fns.hi != nil {
			if r.Hi, err = fns.hi(rc, nil); err != nil {
				return nil, false, err
			}
			if r.Hi == types.DNull {
				return nil, true, nil
			}
		}
		out = append(out, r)
	}
	return out, false, nil
}

// Open implements colexec.RecordSource.
func (s *lakeSource) Open(ctx context.Context) error {
	rc := s.f.rc
	s.empty = false
	ranges, empty, err := s.pruneRanges(rc)
	if err != nil {
		return err
	}
	if empty {
		s.empty = true
		return nil
	}
	tx := rc.txn
	if s.asOf != nil {
		if tx, err = s.beginAsOf(ctx, rc); err != nil {
			return err
		}
		s.asOfTx = tx
	}
	if tx == nil {
		return pgerr.New(pgerr.InternalError, "no transaction")
	}
	lt, err := s.f.lakeTable(s.n.Table)
	if err != nil {
		return err
	}
	spec := s.layout.spec
	spec.Ranges = ranges
	spec.BatchRows = lakeBatchRows
	if s.vec {
		spec.BatchRows = lakeVecBatchRows
	}
	if s.sc, err = lt.Scan(ctx, tx, spec); err != nil {
		return err
	}
	s.startReadAhead(ctx)
	return nil
}

// beginAsOf starts the read-only transaction of as_of(): at a commit
// timestamp (bigint) or the timestamp of a time (timestamptz).
func (s *lakeSource) beginAsOf(ctx context.Context, rc *runCtx) (*txn.Txn, error) {
	d, err := s.asOf(rc, nil)
	if err != nil {
		return nil, err
	}
	var ts uint64
	switch x := d.(type) {
	case types.DInt:
		if x < 0 {
			return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid commit timestamp %d", int64(x))
		}
		ts = uint64(x)
	case types.DTimestampTZ:
		ts = txn.TimestampOf(time.UnixMicro(int64(x)))
	default:
		return nil, pgerr.New(pgerr.InvalidParameterValue, "as_of needs a timestamp with time zone or a bigint commit timestamp")
	}
	if rc.db == nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "time travel is not available in this engine")
	}
	var opts txn.Options
	if rc.txn != nil {
		opts = rc.txn.Options()
	}
	return rc.db.BeginAsOf(ctx, opts, ts)
}

// startReadAhead runs the scanner in a goroutine. It is stopped by
// Close, not by the context of the call that opened the scan (a portal
// reads on with later calls' contexts); Next watches the caller's.
func (s *lakeSource) startReadAhead(ctx context.Context) {
	ctx, s.stop = context.WithCancel(context.WithoutCancel(ctx))
	s.ahead, s.done = make(chan lakeRec, 2), make(chan struct{})
	sc := s.sc
	go func() {
		defer close(s.done)
		defer close(s.ahead)
		defer func() {
			if r := recover(); r != nil {
				err := pgerr.New(pgerr.InternalError, "lake scan: internal error: %v", r).WithDetail("%s", debug.Stack())
				select {
				case s.ahead <- lakeRec{err: err}:
				case <-ctx.Done():
				}
			}
		}()
		for {
			rec, err := sc.Next(ctx)
			if rec == nil && err == nil {
				return
			}
			select {
			case s.ahead <- lakeRec{rec, err}:
			case <-ctx.Done():
				if rec != nil {
					rec.Release()
				}
				return
			}
			if err != nil {
				return
			}
		}
	}()
}

// Next implements colexec.RecordSource.
func (s *lakeSource) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if s.empty || s.ahead == nil {
		return nil, nil
	}
	select {
	case r, ok := <-s.ahead:
		if !ok {
			return nil, nil
		}
		return r.rec, r.err
	case <-ctx.Done():
		return nil, pgerr.New(pgerr.QueryCanceled, "canceling statement due to user request")
	}
}

// Close implements colexec.RecordSource: it stops the read-ahead and
// waits for it before closing the scanner.
func (s *lakeSource) Close() {
	if s.stop != nil {
		s.stop()
		<-s.done
		for r := range s.ahead {
			if r.rec != nil {
				r.rec.Release()
			}
		}
		s.stop, s.ahead = nil, nil
	}
	if s.sc != nil {
		s.sc.Close()
		s.sc = nil
	}
	if s.asOfTx != nil {
		s.asOfTx.Rollback()
		s.asOfTx = nil
	}
}

func (f *factory) ConstructLakeScan(n *planner.PhysicalLakeScan) (planner.ExecNode, error) {
	src, err := f.newLakeSource(n)
	if err != nil {
		return nil, err
	}
	row, err := f.wrap(n, &lakeScanOp{src: src})
	if err != nil || !f.vecEnabled() {
		return row, err
	}
	typs := make([]*types.T, len(n.Table.Columns))
	needed := make([]bool, len(n.Table.Columns))
	for i, c := range n.Table.Columns {
		typs[i], needed[i] = c.Type, n.Reads(i)
	}
	vsrc, err := f.newLakeSource(n)
	if err != nil {
		return nil, err
	}
	vsrc.vec = true
	specs, lossy := colexec.ScanSpecs(typs, needed)
	op := colexec.NewRecordScan(vecMem, colexec.RecordScanSpec{Types: typs, Needed: needed, Fields: vsrc.layout.fields}, vsrc)
	return f.newVecNode(&vecNode{src: op, specs: specs, row: row.(operator), phys: []planner.Physical{n}, lossy: lossy}, nil), nil
}

// lakeScanOp is the row-at-a-time lake scan: records are converted to
// datums (pqfile.AppendRows) and spread over table-width rows.
type lakeScanOp struct {
	src *lakeSource
	buf []types.Row
}

func (o *lakeScanOp) open(rc *runCtx) error { return o.src.Open(rc.ctx) }

func (o *lakeScanOp) next(rc *runCtx) ([]types.Row, error) {
	if err := checkCancel(rc); err != nil {
		return nil, err
	}
	l := &o.src.layout
	for {
		rec, err := o.src.Next(rc.ctx)
		if err != nil || rec == nil {
			return nil, err
		}
		if len(l.typs) == 0 {
			// No columns (count(*)): only the row count matters.
			o.buf = o.buf[:0]
			for range rec.NumRows() {
				o.buf = append(o.buf, nil)
			}
		} else {
			o.buf, err = pqfile.AppendRows(o.buf[:0], rec, l.typs)
		}
		rec.Release()
		if err != nil {
			return nil, err
		}
		if len(o.buf) == 0 {
			continue
		}
		out := make([]types.Row, len(o.buf))
		vals := make([]types.Datum, len(o.buf)*l.width)
		for r, in := range o.buf {
			row := types.Row(vals[r*l.width : (r+1)*l.width : (r+1)*l.width])
			for i, fi := range l.fields {
				if fi < 0 {
					row[i] = types.DNull
				} else {
					row[i] = in[fi]
				}
			}
			out[r] = row
		}
		return out, nil
	}
}

func (o *lakeScanOp) close() { o.src.Close() }
