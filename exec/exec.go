package exec

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/lake"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/rowstore"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/txn"
)

// BatchSize is the number of rows operators pass at a time.
const BatchSize = 1024

// Runtime is what one execution needs besides the plan.
type Runtime struct {
	Txn    *txn.Txn
	Params []types.Datum
	Eval   *builtins.EvalContext
	// KV overrides Txn for storage access (tests); nil means Txn.
	KV rowstore.KV
	// Reuse, when set, keeps compiled operators between runs of the same
	// plan (see Reuse in reuse.go); nil builds afresh.
	Reuse *Reuse
	// RowOnly disables the vectorized (Arrow) pipelines: every operator
	// runs row at a time (differential tests, benchmarks).
	RowOnly bool
	// Bulk makes writes skip the row-lock table (COPY FROM; see
	// rowstore.Bulk): a concurrent writer of the same key fails one of the
	// two at COMMIT instead of waiting.
	Bulk bool
	// Lake reads and writes lake tables (catalog Table.IsLake); nil when
	// the engine has none (then a lake table in a plan is an error).
	Lake *lake.Store
	// DB starts the read-only transactions of time travel (as_of() in
	// FROM); nil refuses time travel.
	DB *txn.DB
}

// Result is a running statement: Next yields rows; RowsAffected is the
// count for the command tag once Next returned false.
type Result struct {
	rc       *runCtx
	root     operator
	buf      []types.Row
	pos      int
	done     bool
	count    int64
	explain  []types.Row
	isDML    bool
	dmlCount func() int64
	closed   bool
	kept     *keptPlan // the Reuse entry root belongs to, released by Close
	rcv      runCtx    // what rc points to
}

// runCtx is the per-execution state shared by all operators.
type runCtx struct {
	ctx    context.Context
	kv     rowstore.KV
	params []types.Datum
	eval   *builtins.EvalContext
	tctx   *types.Context
	outer  []types.Row
	work   map[int][]types.Row
	tables map[*catalogKey]*rowstore.Table
	stats  map[planner.Physical]*opStats
	reuse  *Reuse // operators kept between runs (nil: none)
	// vecNodes are the vectorized pipelines built for this execution (vec.go).
	vecNodes []*vecNode
	rowOnly  bool
	// Lake tables: the statement's transaction (lake reads and writes
	// need the txn itself, not the KV view), the store, its per-table
	// accessors, and the engine for time travel.
	txn        *txn.Txn
	lake       *lake.Store
	lakeTables map[catalog.ID]*lake.Table
	db         *txn.DB
}

// setWork publishes the rows of a CTE or recursive work table; the map
// is made on first use, as most statements have none.
func (rc *runCtx) setWork(id int, rows []types.Row) {
	if rc.work == nil {
		rc.work = map[int][]types.Row{}
	}
	rc.work[id] = rows
}

type catalogKey struct{}

type opStats struct {
	rows  int64
	dur   time.Duration
	loops int64
}

// Run starts executing p. For DML without RETURNING the statement has
// completed when Run returns.
func Run(ctx context.Context, p *planner.Plan, rt Runtime) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, pgerr.New(pgerr.InternalError, "executor: internal error: %v", r).WithDetail("%s", debug.Stack())
		}
	}()
	// One allocation for the Result and its runCtx.
	out := &Result{rcv: runCtx{ctx: ctx, params: rt.Params, eval: rt.Eval}}
	rc := &out.rcv
	out.rc = rc
	rc.kv = rt.KV
	rc.reuse = rt.Reuse
	rc.rowOnly = rt.RowOnly
	rc.txn, rc.lake, rc.db = rt.Txn, rt.Lake, rt.DB
	if rc.kv == nil && rt.Txn != nil {
		rc.kv = rt.Txn
	}
	if rt.Bulk && rc.kv != nil {
		rc.kv = rowstore.Bulk(rc.kv, nil)
	}
	if rc.eval == nil {
		rc.eval = &builtins.EvalContext{Ctx: ctx}
	}
	if rc.eval.Ctx == nil {
		e := *rc.eval
		e.Ctx = ctx
		rc.eval = &e
	}
	rc.tctx = rc.eval.Types
	if len(rt.Params) < len(p.ParamTypes) && !(p.Explain && !p.Analyze) {
		return nil, pgerr.New(pgerr.ProtocolViolation, "bind message supplies %d parameters, but prepared statement requires %d", len(rt.Params), len(p.ParamTypes))
	}
	if p.Explain && p.Analyze {
		rc.stats = map[planner.Physical]*opStats{}
	}
	var root operator
	var kept *keptPlan
	if rc.reuse != nil && rc.stats == nil && !p.Explain {
		root, kept = rc.reuse.takePlan(p.Root)
	}
	if root == nil {
		f := &factory{rc: rc, whole: kept != nil}
		node, err := planner.Construct(f, p.Root)
		if err != nil {
			return nil, err
		}
		root = node.(operator)
		if kept != nil {
			if len(rc.vecNodes) > 0 {
				kept.never, kept = true, nil // vectorized pipelines are per execution
			} else {
				kept.root, kept.inUse = root, true
			}
		}
	}
	res = out
	res.root, res.kept = root, kept
	if p.Explain {
		var lines []string
		if p.Analyze {
			start := time.Now()
			if err := root.open(rc); err != nil {
				return nil, err
			}
			for {
				b, err := root.next(rc)
				if err != nil {
					root.close()
					return nil, err
				}
				if len(b) == 0 {
					break
				}
			}
			root.close()
			total := time.Since(start)
			lines = planner.ExplainLines(p.Root, func(n planner.Physical) string {
				s := rc.stats[n]
				if s == nil {
					return "(never executed)"
				}
				return fmt.Sprintf("(actual time=%.3f ms rows=%d loops=%d)", float64(s.dur.Microseconds())/1000, s.rows, s.loops)
			})
			lines = append(lines, fmt.Sprintf("Execution Time: %.3f ms", float64(total.Microseconds())/1000))
		} else {
			lines = planner.ExplainLines(p.Root, rc.vecAnnotate())
		}
		for _, l := range lines {
			res.explain = append(res.explain, types.Row{types.DString(l)})
		}
		res.root = &valuesRows{rows: res.explain}
		if err := res.root.open(rc); err != nil {
			return nil, err
		}
		return res, nil
	}
	if err := root.open(rc); err != nil {
		res.Close()
		return nil, err
	}
	if !p.ReturnsRows {
		// Drain DML now so the command has completed.
		for {
			b, err := root.next(rc)
			if err != nil {
				res.Close()
				return nil, err
			}
			if len(b) == 0 {
				break
			}
		}
		if d, ok := root.(dmlOp); ok {
			res.count = d.affected()
		}
		res.Close()
	} else if d, ok := root.(dmlOp); ok {
		res.dmlCount = d.affected
	}
	return res, nil
}

// Next returns the next row (ok=false at the end).
func (r *Result) Next(ctx context.Context) (row types.Row, ok bool, err error) {
	defer func() {
		if rec := recover(); rec != nil {
			row, ok, err = nil, false, pgerr.New(pgerr.InternalError, "executor: internal error: %v", rec)
		}
	}()
	for r.pos >= len(r.buf) {
		if r.done {
			return nil, false, nil
		}
		r.rc.ctx = ctx
		b, err := r.root.next(r.rc)
		if err != nil {
			r.Close()
			return nil, false, err
		}
		if len(b) == 0 {
			r.done = true
			if r.dmlCount != nil {
				r.count = r.dmlCount()
			}
			r.Close()
			return nil, false, nil
		}
		r.buf, r.pos = b, 0
	}
	row = r.buf[r.pos]
	r.pos++
	if r.dmlCount == nil {
		r.count++
	}
	return row, true, nil
}

// RowsAffected is the row count for the command tag (rows returned for
// SELECT, rows written for DML).
func (r *Result) RowsAffected() int64 { return r.count }

// Close releases the operators (safe to call twice). A kept tree
// (Reuse) is free for the next execution afterwards, so nothing may run
// it through this Result again.
func (r *Result) Close() {
	if !r.closed {
		r.closed, r.done = true, true
		r.root.close()
		if r.kept != nil {
			r.kept.inUse = false
		}
	}
}

// All drains the result (tests, internal statements).
func (r *Result) All(ctx context.Context) ([]types.Row, error) {
	var out []types.Row
	for {
		row, ok, err := r.Next(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, nil
		}
		out = append(out, row)
	}
}

// operator is a batch iterator.
type operator interface {
	open(rc *runCtx) error
	// next returns the next batch; an empty batch means the end.
	next(rc *runCtx) ([]types.Row, error)
	close()
}

type dmlOp interface{ affected() int64 }

// valuesRows replays materialized rows.
type valuesRows struct {
	rows []types.Row
	pos  int
}

func (v *valuesRows) open(*runCtx) error { v.pos = 0; return nil }
func (v *valuesRows) next(*runCtx) ([]types.Row, error) {
	if v.pos >= len(v.rows) {
		return nil, nil
	}
	end := min(v.pos+BatchSize, len(v.rows))
	b := v.rows[v.pos:end]
	v.pos = end
	return b, nil
}
func (v *valuesRows) close() {}

// drain runs op to completion and returns all rows.
func drain(rc *runCtx, op operator) ([]types.Row, error) { return drainInto(rc, op, nil) }

// drainInto is drain appending to out.
func drainInto(rc *runCtx, op operator, out []types.Row) ([]types.Row, error) {
	if err := op.open(rc); err != nil {
		op.close()
		return nil, err
	}
	defer op.close()
	for {
		b, err := op.next(rc)
		if err != nil {
			return nil, err
		}
		if len(b) == 0 {
			return out, nil
		}
		out = append(out, b...)
	}
}

// stats wraps an operator for EXPLAIN ANALYZE.
type statsOp struct {
	in operator
	st *opStats
}

func (s *statsOp) open(rc *runCtx) error {
	t := time.Now()
	s.st.loops++
	err := s.in.open(rc)
	s.st.dur += time.Since(t)
	return err
}
func (s *statsOp) next(rc *runCtx) ([]types.Row, error) {
	t := time.Now()
	b, err := s.in.next(rc)
	s.st.dur += time.Since(t)
	s.st.rows += int64(len(b))
	return b, err
}
func (s *statsOp) close() { s.in.close() }
func (s *statsOp) affected() int64 {
	if d, ok := s.in.(dmlOp); ok {
		return d.affected()
	}
	return 0
}

func checkCancel(rc *runCtx) error {
	if err := rc.ctx.Err(); err != nil {
		return pgerr.New(pgerr.QueryCanceled, "canceling statement due to user request")
	}
	return nil
}
