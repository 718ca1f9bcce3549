package exec

import (
	"github.com/conflux-db/conflux/lake"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/rowstore"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// MERGE. The input is the planner's target RIGHT JOIN source, one row
// per (target row or nothing, source row): the target's columns, a
// marker that is NULL when no target row matched, then the source's
// columns. Like UPDATE, the operator materializes it before writing (no
// Halloween problem), then applies to each row the first WHEN clause of
// its kind whose condition holds. The writes go through a mergeTarget,
// the same per-row calls UPDATE, DELETE and INSERT make for the table's
// kind: rowstore with row locks by primary key, or package lake by
// locator.

// mergeTarget writes one target table a row at a time.
type mergeTarget interface {
	// id is the row's identity (to detect a second write of it).
	id(old types.Row) ([]byte, error)
	// lock locks the row about to be updated or deleted; false: leave it
	// alone (gone). At READ COMMITTED a row changed after the snapshot
	// restarts the statement (txn.RetryStatementError), as for UPDATE ...
	// FROM: the join must be re-evaluated, not just the row.
	lock(rc *runCtx, id []byte, in types.Row) (bool, error)
	update(rc *runCtx, id []byte, old, new types.Row) (bool, error)
	delete(rc *runCtx, id []byte, old types.Row) (bool, error)
	insert(rc *runCtx, row types.Row) error
	// finish publishes buffered inserts; abort drops them.
	finish(rc *runCtx) error
	abort()
}

type mergeAction struct {
	kind   planner.MergeActionKind
	cond   evalFn
	set    []evalFn // UPDATE: per column, nil = unchanged
	values []evalFn // INSERT: every column
}

func (f *factory) ConstructMerge(n *planner.PhysicalMerge, in planner.ExecNode) (planner.ExecNode, error) {
	op := &mergeOp{n: n, width: len(n.Table.Columns)}
	op.in = in.(operator)
	var err error
	if op.checks, err = f.compileChecks(n.Table, n.Checks); err != nil {
		return nil, err
	}
	if op.matched, err = f.compileMergeActions(n.Matched); err != nil {
		return nil, err
	}
	if op.notMatched, err = f.compileMergeActions(n.NotMatched); err != nil {
		return nil, err
	}
	if n.Table.IsLake() {
		lt, err := f.lakeTable(n.Table)
		if err != nil {
			return nil, err
		}
		rowid := planner.LakeRowIDOrdinal(n.Table)
		if rowid < 0 {
			return nil, pgerr.New(pgerr.InternalError, "lake table \"%s\" has no lake_rowid column", n.Table.Name)
		}
		op.target = &lakeMergeTarget{lt: lt, rowid: rowid}
	} else {
		op.target = &rowMergeTarget{t: f.table(n.Table)}
	}
	return f.wrap(n, op)
}

func (f *factory) compileMergeActions(as []planner.MergeAction) ([]mergeAction, error) {
	out := make([]mergeAction, len(as))
	for i, a := range as {
		out[i].kind = a.Kind
		var err error
		if a.Cond != nil {
			if out[i].cond, err = f.compile(a.Cond); err != nil {
				return nil, err
			}
		}
		compileList := func(es []planner.Expr) ([]evalFn, error) {
			fns := make([]evalFn, len(es))
			for j, e := range es {
				if e != nil {
					if fns[j], err = f.compile(e); err != nil {
						return nil, err
					}
				}
			}
			return fns, nil
		}
		if out[i].set, err = compileList(a.Set); err != nil {
			return nil, err
		}
		if out[i].values, err = compileList(a.Values); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// mergeOp does all its work in open: MERGE returns no rows, and the lake
// target's inserts must be published before the statement ends.
type mergeOp struct {
	dmlBase
	n                   *planner.PhysicalMerge
	width               int
	checks              *checker
	matched, notMatched []mergeAction
	target              mergeTarget
}

func (o *mergeOp) open(rc *runCtx) error {
	o.count = 0
	rows, err := drain(rc, o.in)
	if err != nil {
		return err
	}
	if err := o.run(rc, rows); err != nil {
		o.target.abort()
		return err
	}
	return o.target.finish(rc)
}

func (o *mergeOp) run(rc *runCtx, rows []types.Row) error {
	// written holds the target rows updated or deleted so far: a second
	// source row matching one of them is an error (SQL standard,
	// PostgreSQL's TM_SelfModified case).
	written := map[string]bool{}
	for i, in := range rows {
		if i%BatchSize == 0 {
			if err := checkCancel(rc); err != nil {
				return err
			}
		}
		matched := in[o.width] != types.DNull
		actions := o.notMatched
		if matched {
			actions = o.matched
		}
		a, err := firstAction(rc, actions, in)
		if err != nil {
			return err
		}
		if a == nil || a.kind == planner.MergeDoNothing {
			continue
		}
		if a.kind == planner.MergeInsert {
			row := make(types.Row, o.width)
			for j, fn := range a.values {
				if row[j], err = fn(rc, in); err != nil {
					return err
				}
			}
			if err := o.checks.check(rc, row); err != nil {
				return err
			}
			if err := o.target.insert(rc, row); err != nil {
				return err
			}
			o.count++
			continue
		}
		old := in[:o.width]
		id, err := o.target.id(old)
		if err != nil {
			return err
		}
		if written[string(id)] {
			return pgerr.New(pgerr.CardinalityViolation, "MERGE command cannot affect row a second time").
				WithHint("Ensure that not more than one source row matches any one target row.")
		}
		ok, err := o.target.lock(rc, id, in)
		if err != nil || !ok {
			if err != nil {
				return err
			}
			continue
		}
		written[string(id)] = true
		var found bool
		if a.kind == planner.MergeDelete {
			found, err = o.target.delete(rc, id, old)
		} else {
			newRow := append(types.Row(nil), old...)
			for j, fn := range a.set {
				if fn == nil {
					continue
				}
				if newRow[j], err = fn(rc, in); err != nil {
					return err
				}
			}
			if err := o.checks.check(rc, newRow); err != nil {
				return err
			}
			found, err = o.target.update(rc, id, old, newRow)
		}
		if err != nil {
			return err
		}
		if found {
			o.count++
		}
	}
	return nil
}

// firstAction returns the first action whose condition holds (NULL does
// not), or nil.
func firstAction(rc *runCtx, as []mergeAction, row types.Row) (*mergeAction, error) {
	for i := range as {
		if as[i].cond == nil {
			return &as[i], nil
		}
		d, err := as[i].cond(rc, row)
		if err != nil {
			return nil, err
		}
		if d == dTrue {
			return &as[i], nil
		}
	}
	return nil, nil
}

func (o *mergeOp) next(*runCtx) ([]types.Row, error) { return nil, nil }
func (o *mergeOp) close()                            {}

// rowMergeTarget writes a row table through rowstore, as UPDATE ...
// FROM, DELETE ... USING and INSERT do.
type rowMergeTarget struct {
	t *rowstore.Table
}

func (r *rowMergeTarget) id(old types.Row) ([]byte, error) { return r.t.AppendPrimaryKey(nil, old) }

func (r *rowMergeTarget) lock(rc *runCtx, id []byte, in types.Row) (bool, error) {
	var dec *rowstore.Decoder
	_, ok, err := lockDMLTarget(rc, rc.locker(), r.t, id, false, nil, &dec, in)
	return ok, err
}

func (r *rowMergeTarget) update(rc *runCtx, _ []byte, old, new types.Row) (bool, error) {
	if err := r.t.Update(rc.ctx, rc.kv, old, new); err != nil {
		return false, unwrapConflict(err)
	}
	return true, nil
}

func (r *rowMergeTarget) delete(rc *runCtx, _ []byte, old types.Row) (bool, error) {
	return true, r.t.Delete(rc.ctx, rc.kv, old)
}

func (r *rowMergeTarget) insert(rc *runCtx, row types.Row) error {
	return unwrapConflict(r.t.Insert(rc.ctx, rc.kv, row))
}

func (r *rowMergeTarget) finish(*runCtx) error { return nil }
func (r *rowMergeTarget) abort()               {}

// lakeMergeTarget writes a lake table as lakeWriteOp and lakeInsertOp
// do: rows are addressed by locator (Table.Update/Delete lock them
// themselves) and inserts go through one Appender for the statement.
type lakeMergeTarget struct {
	lt    *lake.Table
	rowid int
	app   *lake.Appender
	batch []types.Row
	added int64
}

func (l *lakeMergeTarget) id(old types.Row) ([]byte, error) {
	loc, ok := old[l.rowid].(types.DBytes)
	if !ok {
		return nil, pgerr.New(pgerr.InternalError, "lake MERGE: target row without a locator")
	}
	return []byte(loc), nil
}

func (l *lakeMergeTarget) lock(rc *runCtx, _ []byte, _ types.Row) (bool, error) {
	if rc.txn == nil {
		return false, pgerr.New(pgerr.InternalError, "no transaction")
	}
	return true, nil
}

func (l *lakeMergeTarget) update(rc *runCtx, id []byte, _, new types.Row) (bool, error) {
	return l.lt.Update(rc.ctx, rc.txn, lake.Locator(id), new)
}

func (l *lakeMergeTarget) delete(rc *runCtx, id []byte, _ types.Row) (bool, error) {
	return l.lt.Delete(rc.ctx, rc.txn, lake.Locator(id))
}

func (l *lakeMergeTarget) insert(rc *runCtx, row types.Row) error {
	if rc.txn == nil {
		return pgerr.New(pgerr.InternalError, "no transaction")
	}
	if l.app == nil {
		l.app = l.lt.NewAppender(rc.txn)
		l.app.SetOperation("MERGE")
	}
	l.batch = append(l.batch, row)
	if len(l.batch) >= lakeInsertBatch {
		return l.flush(rc)
	}
	return nil
}

func (l *lakeMergeTarget) flush(rc *runCtx) error {
	if len(l.batch) == 0 {
		return nil
	}
	err := l.app.Append(rc.ctx, l.batch)
	l.added += int64(len(l.batch))
	l.batch = nil
	return err
}

func (l *lakeMergeTarget) finish(rc *runCtx) error {
	if l.app == nil {
		return nil
	}
	if err := l.flush(rc); err != nil {
		l.abort()
		return err
	}
	n, err := l.app.Close(rc.ctx)
	added := l.added
	l.app, l.added = nil, 0
	if err == nil && n != added {
		err = pgerr.New(pgerr.InternalError, "lake MERGE: %d rows appended, %d published", added, n)
	}
	return err
}

func (l *lakeMergeTarget) abort() {
	if l.app != nil {
		l.app.Abort()
		l.app = nil
	}
	l.batch, l.added = nil, 0
}
