package exec

import (
	"errors"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/lake"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// DML on lake tables. Rows have no key: INSERT hands them to one
// lake.Appender per statement (inlined or written as Parquet files, see
// package lake), UPDATE and DELETE address rows by the locator the scan
// put in the hidden lake_rowid column. Table.Delete/Update take the
// row's lock themselves. A row changed after the snapshot is 40001 at
// REPEATABLE READ and above; at READ COMMITTED the lake reports it as a
// *lake.RowChangedError carrying its newest version (a lake UPDATE links
// the old version to the new one). As for row tables (lockDMLTarget),
// a single-table statement then does PostgreSQL's EvalPlanQual: a row
// deleted for good is skipped, an updated one is re-checked with the
// WHERE clause and, if it still matches, written in its newest version
// (SET recomputed from it). With FROM / USING the error is passed up: it
// is a txn.RetryStatementError, and the SQL layer restarts the statement
// on a new snapshot, since the join must be re-evaluated too.

// lakeInsertBatch is the number of rows handed to Append at a time.
const lakeInsertBatch = BatchSize

func (f *factory) constructLakeInsert(n *planner.PhysicalInsert, in operator) (planner.ExecNode, error) {
	if n.OnConflict != nil {
		// The binder never lets it through; keep the executor honest.
		return nil, pgerr.New(pgerr.InvalidColumnReference, "there is no unique or exclusion constraint matching the ON CONFLICT specification")
	}
	lt, err := f.lakeTable(n.Table)
	if err != nil {
		return nil, err
	}
	op := &lakeInsertOp{lt: lt}
	op.in = in
	if op.checks, err = f.compileChecks(n.Table, n.Checks); err != nil {
		return nil, err
	}
	if n.Returning != nil {
		if op.returning, err = f.compileAll(n.Returning); err != nil {
			return nil, err
		}
	}
	return f.wrap(n, op)
}

// lakeInsertOp runs the whole insert in open, so the appender is closed
// (and its rows published) however far the client reads RETURNING rows.
type lakeInsertOp struct {
	dmlBase
	checks *checker
	lt     *lake.Table
	// valuesRows hands out the RETURNING rows open collected.
	valuesRows
}

func (o *lakeInsertOp) open(rc *runCtx) error {
	o.count, o.rows, o.pos = 0, nil, 0
	if rc.txn == nil {
		return pgerr.New(pgerr.InternalError, "no transaction")
	}
	app := o.lt.NewAppender(rc.txn)
	app.SetOperation("INSERT")
	n, err := o.run(rc, app)
	if err != nil {
		app.Abort()
		return err
	}
	if o.count, err = app.Close(rc.ctx); err != nil {
		return err
	}
	if o.count != n {
		return pgerr.New(pgerr.InternalError, "lake insert: %d rows appended, %d published", n, o.count)
	}
	return nil
}

func (o *lakeInsertOp) run(rc *runCtx, app *lake.Appender) (int64, error) {
	if err := o.in.open(rc); err != nil {
		o.in.close()
		return 0, err
	}
	defer o.in.close()
	var n int64
	batch := make([]types.Row, 0, lakeInsertBatch)
	for {
		b, err := o.in.next(rc)
		if err != nil {
			return 0, err
		}
		if len(b) == 0 {
			break
		}
		if err := checkCancel(rc); err != nil {
			return 0, err
		}
		for _, row := range b {
			row = append(types.Row(nil), row...) // the appender may keep it
			if err := o.checks.check(rc, row); err != nil {
				return 0, err
			}
			if o.rows, err = o.ret(rc, row, o.rows); err != nil {
				return 0, err
			}
			batch = append(batch, row)
			if len(batch) == cap(batch) {
				if err := app.Append(rc.ctx, batch); err != nil {
					return 0, err
				}
				n += int64(len(batch))
				batch = make([]types.Row, 0, lakeInsertBatch)
			}
		}
	}
	if len(batch) > 0 {
		if err := app.Append(rc.ctx, batch); err != nil {
			return 0, err
		}
		n += int64(len(batch))
	}
	return n, nil
}

// lakeWriteOp is UPDATE (set != nil) or DELETE on a lake table. Like
// the row-table operators it materializes its input first, so it never
// reads its own writes.
type lakeWriteOp struct {
	dmlBase
	checks *checker
	lt     *lake.Table
	update bool
	set    []evalFn
	width  int
	rowid  int
	// valuesRows hands out the RETURNING rows open collected.
	valuesRows
	// epq: re-check rows changed after the snapshot instead of restarting
	// the statement; recheck is the WHERE clause (nil: true).
	epq     bool
	recheck evalFn
}

// maxLakeEPQ bounds how often one row is re-checked because it keeps
// changing; past it the statement restarts.
const maxLakeEPQ = 16

func (f *factory) newLakeWriteOp(t *planner.PhysicalUpdate, d *planner.PhysicalDelete, in operator) (*lakeWriteOp, error) {
	op := &lakeWriteOp{update: t != nil}
	op.in = in
	var err error
	var tbl *catalog.Table
	var returning []planner.Expr
	var recheck planner.Expr
	if d != nil {
		tbl, returning = d.Table, d.Returning
		op.epq, recheck = d.EPQ, d.Recheck
	} else {
		tbl, returning = t.Table, t.Returning
		op.epq, recheck = t.EPQ, t.Recheck
		if op.checks, err = f.compileChecks(tbl, t.Checks); err != nil {
			return nil, err
		}
		op.set = make([]evalFn, len(t.Set))
		for i, e := range t.Set {
			if e != nil {
				if op.set[i], err = f.compile(e); err != nil {
					return nil, err
				}
			}
		}
	}
	if op.epq && recheck != nil {
		if op.recheck, err = f.compile(recheck); err != nil {
			return nil, err
		}
	}
	if op.lt, err = f.lakeTable(tbl); err != nil {
		return nil, err
	}
	if op.rowid = planner.LakeRowIDOrdinal(tbl); op.rowid < 0 {
		return nil, pgerr.New(pgerr.InternalError, "lake table \"%s\" has no lake_rowid column", tbl.Name)
	}
	op.width = len(tbl.Columns)
	if returning != nil {
		if op.returning, err = f.compileAll(returning); err != nil {
			return nil, err
		}
	}
	return op, nil
}

// open runs the whole statement, as lakeInsertOp does: every target row
// is written and the statement's snapshot record is in the transaction
// however far the client reads RETURNING rows.
func (o *lakeWriteOp) open(rc *runCtx) error {
	o.count, o.rows, o.pos = 0, nil, 0
	if rc.txn == nil {
		return pgerr.New(pgerr.InternalError, "no transaction")
	}
	rows, err := drain(rc, o.in)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, in := range rows {
		if i%BatchSize == 0 {
			if err := checkCancel(rc); err != nil {
				return err
			}
		}
		loc, ok := in[o.rowid].(types.DBytes)
		if !ok {
			return pgerr.New(pgerr.InternalError, "lake DML: row without a locator")
		}
		// A join may produce a target row more than once; PostgreSQL
		// writes it once.
		if seen[string(loc)] {
			continue
		}
		seen[string(loc)] = true
		found, result, err := o.write(rc, lake.Locator(loc), in)
		if err != nil {
			return err
		}
		if !found {
			continue
		}
		o.count++
		if o.rows, err = o.ret(rc, result, o.rows); err != nil {
			return err
		}
	}
	return o.lt.FinishStatement(rc.ctx, rc.txn, "")
}

// write updates or deletes the row at loc, whose scanned version is in.
// At READ COMMITTED it follows the row to its newest version when it was
// updated after the snapshot (see the top of the file). It returns the
// RETURNING input row.
func (o *lakeWriteOp) write(rc *runCtx, loc lake.Locator, in types.Row) (bool, types.Row, error) {
	newest := false
	for attempt := 0; ; attempt++ {
		var found bool
		var err error
		result := in
		if o.update {
			newRow := append(types.Row(nil), in[:o.width]...)
			for i, fn := range o.set {
				if fn == nil {
					continue
				}
				if newRow[i], err = fn(rc, in); err != nil {
					return false, nil, err
				}
			}
			if err := o.checks.check(rc, newRow); err != nil {
				return false, nil, err
			}
			if newest {
				found, err = o.lt.UpdateNewest(rc.ctx, rc.txn, loc, newRow)
			} else {
				found, err = o.lt.Update(rc.ctx, rc.txn, loc, newRow)
			}
			result = concatRows(newRow, in[o.width:])
		} else if newest {
			found, err = o.lt.DeleteNewest(rc.ctx, rc.txn, loc)
		} else {
			found, err = o.lt.Delete(rc.ctx, rc.txn, loc)
		}
		var changed *lake.RowChangedError
		if err == nil || !o.epq || attempt >= maxLakeEPQ || !errors.As(err, &changed) {
			return found, result, err // RetryStatementError and 40001 unchanged
		}
		if changed.Gone {
			return false, nil, nil // deleted concurrently: skipped
		}
		if o.recheck != nil {
			d, err := o.recheck(rc, changed.Row)
			if err != nil {
				return false, nil, err
			}
			if d != dTrue {
				return false, nil, nil // no longer matches
			}
		}
		loc, newest = changed.Locator, true
		in = concatRows(changed.Row, in[o.width:])
	}
}
