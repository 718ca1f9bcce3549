package exec

import (
	"bytes"
	"errors"
	"strings"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/rowstore"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/txn"
)

type dmlBase struct {
	in        operator
	t         *rowstore.Table
	returning []evalFn
	count     int64
}

func (d *dmlBase) affected() int64 { return d.count }

func (d *dmlBase) ret(rc *runCtx, row types.Row, out []types.Row) ([]types.Row, error) {
	if d.returning == nil {
		return out, nil
	}
	r := make(types.Row, len(d.returning))
	if err := evalAll(rc, d.returning, row, r); err != nil {
		return nil, err
	}
	return append(out, r), nil
}

func (f *factory) ConstructInsert(n *planner.PhysicalInsert, in planner.ExecNode) (planner.ExecNode, error) {
	if n.Table.IsLake() {
		return f.constructLakeInsert(n, in.(operator))
	}
	op := &insertOp{n: n}
	op.in, op.t = in.(operator), f.table(n.Table)
	var err error
	if op.checks, err = f.compileChecks(n.Table, n.Checks); err != nil {
		return nil, err
	}
	if n.Returning != nil {
		if op.returning, err = f.compileAll(n.Returning); err != nil {
			return nil, err
		}
	}
	if oc := n.OnConflict; oc != nil && !oc.DoNothing {
		op.set = make([]evalFn, len(oc.Set))
		for i, e := range oc.Set {
			if e != nil {
				if op.set[i], err = f.compile(e); err != nil {
					return nil, err
				}
			}
		}
		if oc.Where != nil {
			if op.where, err = f.compile(oc.Where); err != nil {
				return nil, err
			}
		}
	}
	return f.wrap(n, op)
}

type insertOp struct {
	dmlBase
	checks *checker
	n      *planner.PhysicalInsert
	set    []evalFn
	where  evalFn
	// touched guards ON CONFLICT DO UPDATE against affecting a row twice.
	touched map[string]bool
	dec     *rowstore.Decoder // the conflicting rows ON CONFLICT DO UPDATE reads
}

func (o *insertOp) open(rc *runCtx) error {
	o.count = 0
	if o.n.OnConflict != nil && !o.n.OnConflict.DoNothing {
		o.touched = map[string]bool{}
	}
	return o.in.open(rc)
}

func (o *insertOp) next(rc *runCtx) ([]types.Row, error) {
	for {
		b, err := o.in.next(rc)
		if err != nil || len(b) == 0 {
			return nil, err
		}
		if err := checkCancel(rc); err != nil {
			return nil, err
		}
		var out []types.Row
		_, fresh := o.in.(*valuesOp) // rows of its own, not to be copied
		for _, row := range b {
			if !fresh {
				row = append(types.Row(nil), row...)
			}
			if err := o.checks.check(rc, row); err != nil {
				return nil, err
			}
			err := o.t.Insert(rc.ctx, rc.kv, row)
			if ce := asConflict(err); ce != nil && o.n.OnConflict != nil {
				oc := o.n.OnConflict
				if oc.Index != nil && oc.Index.ID != ce.Index.ID {
					return nil, ce.Err
				}
				lk := rc.locker()
				// A conflicting row committed after the snapshot cannot be
				// seen by REPEATABLE READ / SERIALIZABLE: PostgreSQL's
				// ExecCheckTupleVisible fails both DO NOTHING and DO UPDATE.
				if !ce.Visible && lk != nil && lk.Options().Isolation != txn.ReadCommitted {
					return nil, txn.ErrConcurrentUpdate()
				}
				if oc.DoNothing {
					continue
				}
				if o.touched[string(ce.Key)] {
					return nil, pgerr.New(pgerr.CardinalityViolation, "ON CONFLICT DO UPDATE command cannot affect row a second time").
						WithHint("Ensure that no rows proposed for insertion within the same command have duplicate constrained values.")
				}
				existing, found, err := o.lockExisting(rc, lk, ce.Key)
				if err != nil {
					return nil, err
				}
				if !found {
					if lk != nil && lk.Options().Isolation == txn.ReadCommitted {
						// Deleted since the conflict was seen: PostgreSQL
						// retries the insertion; restarting the statement does.
						return nil, &txn.RetryStatementError{Err: txn.ErrConcurrentUpdate()}
					}
					return nil, ce.Err
				}
				both := concatRows(existing, row)
				if o.where != nil {
					d, err := o.where(rc, both)
					if err != nil {
						return nil, err
					}
					if d != dTrue {
						continue
					}
				}
				newRow := append(types.Row(nil), existing...)
				for i, fn := range o.set {
					if fn == nil {
						continue
					}
					if newRow[i], err = fn(rc, both); err != nil {
						return nil, err
					}
				}
				if err := o.checks.check(rc, newRow); err != nil {
					return nil, err
				}
				if err := o.t.Update(rc.ctx, rc.kv, existing, newRow); err != nil {
					return nil, unwrapConflict(err)
				}
				nk, _ := o.t.AppendPrimaryKey(nil, newRow)
				o.touched[string(nk)] = true
				o.count++
				if out, err = o.ret(rc, newRow, out); err != nil {
					return nil, err
				}
				continue
			}
			if err != nil {
				return nil, unwrapConflict(err)
			}
			if o.n.OnConflict != nil && !o.n.OnConflict.DoNothing {
				k, _ := o.t.AppendPrimaryKey(nil, row)
				o.touched[string(k)] = true
			}
			o.count++
			if out, err = o.ret(rc, row, out); err != nil {
				return nil, err
			}
		}
		if len(out) > 0 || o.returning == nil {
			if o.returning == nil {
				continue
			}
			return out, nil
		}
	}
}
func (o *insertOp) close() { o.in.close() }

// lockExisting locks the row ON CONFLICT DO UPDATE is about to update
// and reads it: the snapshot's version, or at READ COMMITTED the newest
// one when another transaction committed it after the snapshot.
func (o *insertOp) lockExisting(rc *runCtx, lk rowstore.Locker, key []byte) (types.Row, bool, error) {
	if o.dec == nil {
		o.dec = o.t.NewDecoder(nil)
	}
	dec := o.dec
	if lk == nil {
		return o.t.Get(rc.ctx, rc.kv, key, dec)
	}
	v, latest, err := lockRow(rc, lk, o.t, key, txn.LockExclusive, txn.WaitBlock, true, dec)
	if err != nil {
		return nil, false, err
	}
	switch v {
	case rowSkip:
		return nil, false, nil
	case rowLatest:
		return latest, true, nil
	}
	row, found, err := o.t.Get(rc.ctx, rc.kv, key, dec)
	if err != nil || found || lk.Options().Isolation != txn.ReadCommitted {
		return row, found, err
	}
	// Seen only through the newest version (a conflict the snapshot
	// does not see, committed before our lock): read that.
	val, found, err := lk.GetLatest(rc.ctx, key)
	if err != nil || !found {
		return nil, false, err
	}
	row, err = dec.Decode(val)
	return row, err == nil, err
}

// lockDMLTarget locks the row an UPDATE or DELETE is about to write. It
// returns the row to write against (the input row, or its newest version
// after a READ COMMITTED re-check) and false when the row is to be left
// alone: deleted concurrently, or no longer matching the WHERE clause.
func lockDMLTarget(rc *runCtx, lk rowstore.Locker, t *rowstore.Table, key []byte, epq bool, recheck evalFn, dec **rowstore.Decoder, in types.Row) (types.Row, bool, error) {
	if lk == nil || lk.Options().ReadOnly {
		return in, true, nil // the write itself reports 25006
	}
	if *dec == nil && epq {
		*dec = t.NewDecoder(nil)
	}
	v, latest, err := lockRow(rc, lk, t, key, txn.LockExclusive, txn.WaitBlock, epq, *dec)
	if err != nil {
		return nil, false, err
	}
	switch v {
	case rowSkip:
		return nil, false, nil
	case rowLatest:
		if recheck != nil {
			d, err := recheck(rc, latest)
			if err != nil {
				return nil, false, err
			}
			if d != dTrue {
				return nil, false, nil
			}
		}
		return latest, true, nil
	}
	return in, true, nil
}

// asConflict is err as a *rowstore.ConflictError, nil when it is not one
// (a function so that the target escapes only on an error).
func asConflict(err error) *rowstore.ConflictError {
	if err == nil {
		return nil
	}
	var ce *rowstore.ConflictError
	if errors.As(err, &ce) {
		return ce
	}
	return nil
}

func unwrapConflict(err error) error {
	var ce *rowstore.ConflictError
	if errors.As(err, &ce) {
		return ce.Err
	}
	return err
}

func (f *factory) ConstructUpdate(n *planner.PhysicalUpdate, in planner.ExecNode) (planner.ExecNode, error) {
	if n.Table.IsLake() {
		op, err := f.newLakeWriteOp(n, nil, in.(operator))
		if err != nil {
			return nil, err
		}
		return f.wrap(n, op)
	}
	op := &updateOp{n: n}
	op.in, op.t = in.(operator), f.table(n.Table)
	var err error
	if op.checks, err = f.compileChecks(n.Table, n.Checks); err != nil {
		return nil, err
	}
	if n.Returning != nil {
		if op.returning, err = f.compileAll(n.Returning); err != nil {
			return nil, err
		}
	}
	op.set = make([]evalFn, len(n.Set))
	for i, e := range n.Set {
		if e != nil {
			if op.set[i], err = f.compile(e); err != nil {
				return nil, err
			}
		}
	}
	if n.EPQ && n.Recheck != nil {
		if op.recheck, err = f.compile(n.Recheck); err != nil {
			return nil, err
		}
	}
	return f.wrap(n, op)
}

// updateOp materializes its input first so it never reads its own writes
// (the Halloween problem), then writes each target row once.
type updateOp struct {
	dmlBase
	checks *checker
	n      *planner.PhysicalUpdate
	set    []evalFn
	rows   []types.Row
	pos    int
	// recheck is the WHERE clause re-evaluated on a row's newest version
	// (READ COMMITTED, see lockDMLTarget); dec decodes that version.
	recheck evalFn
	dec     *rowstore.Decoder
}

func (o *updateOp) open(rc *runCtx) error {
	o.count, o.pos = 0, 0
	var err error
	o.rows, err = drainInto(rc, o.in, o.rows[:0])
	return err
}

func (o *updateOp) next(rc *runCtx) ([]types.Row, error) {
	width := len(o.n.Table.Columns)
	seen := map[string]bool{}
	var out []types.Row
	for o.pos < len(o.rows) {
		if o.pos%BatchSize == 0 {
			if err := checkCancel(rc); err != nil {
				return nil, err
			}
		}
		in := o.rows[o.pos]
		o.pos++
		old := in[:width]
		key, err := o.t.AppendPrimaryKey(nil, old)
		if err != nil {
			return nil, err
		}
		if len(o.rows) > 1 { // a join can produce a target row twice
			if seen[string(key)] {
				continue
			}
			seen[string(key)] = true
		}
		in, ok, err := lockDMLTarget(rc, rc.locker(), o.t, key, o.n.EPQ, o.recheck, &o.dec, in)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		old = in[:width]
		newRow := append(types.Row(nil), old...)
		for i, fn := range o.set {
			if fn == nil {
				continue
			}
			if newRow[i], err = fn(rc, in); err != nil {
				return nil, err
			}
		}
		if err := o.checks.check(rc, newRow); err != nil {
			return nil, err
		}
		if err := o.t.Update(rc.ctx, rc.kv, old, newRow); err != nil {
			return nil, unwrapConflict(err)
		}
		o.count++
		if o.returning != nil {
			if out, err = o.ret(rc, concatRows(newRow, in[width:]), out); err != nil {
				return nil, err
			}
			if len(out) >= BatchSize {
				return out, nil
			}
		}
	}
	return out, nil
}
func (o *updateOp) close() { o.rows = releaseRows(o.rows) }

func (f *factory) ConstructDelete(n *planner.PhysicalDelete, in planner.ExecNode) (planner.ExecNode, error) {
	if n.Table.IsLake() {
		op, err := f.newLakeWriteOp(nil, n, in.(operator))
		if err != nil {
			return nil, err
		}
		return f.wrap(n, op)
	}
	op := &deleteOp{n: n}
	op.in, op.t = in.(operator), f.table(n.Table)
	var err error
	if n.Returning != nil {
		if op.returning, err = f.compileAll(n.Returning); err != nil {
			return nil, err
		}
	}
	if n.EPQ && n.Recheck != nil {
		if op.recheck, err = f.compile(n.Recheck); err != nil {
			return nil, err
		}
	}
	return f.wrap(n, op)
}

type deleteOp struct {
	dmlBase
	n    *planner.PhysicalDelete
	rows []types.Row
	pos  int
	last []byte
	// recheck and dec: as updateOp's.
	recheck evalFn
	dec     *rowstore.Decoder
}

func (o *deleteOp) open(rc *runCtx) error {
	o.count, o.pos = 0, 0
	var err error
	o.rows, err = drainInto(rc, o.in, o.rows[:0])
	return err
}

func (o *deleteOp) next(rc *runCtx) ([]types.Row, error) {
	width := len(o.n.Table.Columns)
	seen := map[string]bool{}
	var out []types.Row
	for o.pos < len(o.rows) {
		in := o.rows[o.pos]
		o.pos++
		old := in[:width]
		key, err := o.t.AppendPrimaryKey(nil, old)
		if err != nil {
			return nil, err
		}
		if seen[string(key)] || bytes.Equal(key, o.last) {
			continue
		}
		seen[string(key)] = true
		in, ok, err := lockDMLTarget(rc, rc.locker(), o.t, key, o.n.EPQ, o.recheck, &o.dec, in)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		old = in[:width]
		if err := o.t.Delete(rc.ctx, rc.kv, old); err != nil {
			return nil, err
		}
		o.count++
		if out, err = o.ret(rc, in, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}
func (o *deleteOp) close() { o.rows = releaseRows(o.rows) }

// releaseRows lets a kept operator (Reuse) hold no rows between runs
// while keeping a small buffer for the next one (single-row statements).
func releaseRows(rows []types.Row) []types.Row {
	if cap(rows) > 16 {
		return nil
	}
	clear(rows)
	return rows[:0]
}

// checker enforces a table's NOT NULL and CHECK constraints on a candidate
// row before it is written, in PostgreSQL's order (ExecConstraints: NOT
// NULL first, then the checks by name), so a row violating both reports
// the same error as PostgreSQL.
type checker struct {
	t      *catalog.Table
	names  []string
	checks []evalFn
}

func (f *factory) compileChecks(t *catalog.Table, cs []planner.CheckConstraint) (*checker, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	c := &checker{t: t}
	for _, cc := range cs {
		fn, err := f.compile(cc.Expr)
		if err != nil {
			return nil, err
		}
		c.names = append(c.names, cc.Name)
		c.checks = append(c.checks, fn)
	}
	return c, nil
}

func (c *checker) check(rc *runCtx, row types.Row) error {
	if c == nil {
		return nil
	}
	for i, col := range c.t.Columns {
		if col.NotNull && !col.Dropped && row[i] == types.DNull {
			return &pgerr.Error{Code: pgerr.NotNullViolation, Table: c.t.Name, Column: col.Name,
				Message: "null value in column \"" + col.Name + "\" of relation \"" + c.t.Name + "\" violates not-null constraint",
				Detail:  "Failing row contains " + rowText(c.t, row) + "."}
		}
	}
	for i, fn := range c.checks {
		d, err := fn(rc, row)
		if err != nil {
			return err
		}
		if d == types.DNull || d == dTrue {
			continue
		}
		return &pgerr.Error{Code: pgerr.CheckViolation, Table: c.t.Name, Constraint: c.names[i],
			Message: "new row for relation \"" + c.t.Name + "\" violates check constraint \"" + c.names[i] + "\"",
			Detail:  "Failing row contains " + rowText(c.t, row) + "."}
	}
	return nil
}

// rowText renders a row like PostgreSQL's "Failing row contains" detail.
func rowText(t *catalog.Table, row types.Row) string {
	var sb strings.Builder
	sb.WriteByte('(')
	first := true
	for i, c := range t.Columns {
		if c.Hidden || c.Dropped {
			continue
		}
		if !first {
			sb.WriteString(", ")
		}
		first = false
		if row[i] == types.DNull {
			sb.WriteString("null")
		} else {
			sb.WriteString(types.FormatText(row[i], c.Type, nil))
		}
	}
	sb.WriteByte(')')
	return sb.String()
}

func (f *factory) ConstructWithDML(n *planner.PhysicalWithDML, children []planner.ExecNode) (planner.ExecNode, error) {
	op := &withDMLOp{ids: n.IDs}
	for _, c := range children[:len(children)-1] {
		op.ctes = append(op.ctes, c.(operator))
	}
	op.in = children[len(children)-1].(operator)
	switch n.Input.(type) {
	case *planner.PhysicalInsert, *planner.PhysicalUpdate, *planner.PhysicalDelete:
		return f.wrap(n, &withDMLCountOp{op})
	}
	return f.wrap(n, op)
}

// withDMLOp runs the data-modifying CTEs to completion (exactly once, as
// PostgreSQL does even when the main query reads none of their rows),
// parks their RETURNING rows as work tables and then streams its input.
type withDMLOp struct {
	ids  []int
	ctes []operator
	in   operator
}

func (o *withDMLOp) open(rc *runCtx) error {
	for i, c := range o.ctes {
		rows, err := drain(rc, c)
		if err != nil {
			return err
		}
		rc.setWork(o.ids[i], rows)
	}
	return o.in.open(rc)
}

func (o *withDMLOp) next(rc *runCtx) ([]types.Row, error) { return o.in.next(rc) }
func (o *withDMLOp) close()                               { o.in.close() }

// withDMLCountOp is a withDMLOp whose main statement is itself DML.
type withDMLCountOp struct{ *withDMLOp }

// affected reports the main statement's row count for its command tag.
func (o withDMLCountOp) affected() int64 {
	if d, ok := o.in.(dmlOp); ok {
		return d.affected()
	}
	return 0
}
