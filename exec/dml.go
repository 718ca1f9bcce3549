package exec

import (
	"bytes"
	"errors"

	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/rowstore"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
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
	op := &insertOp{n: n}
	op.in, op.t = in.(operator), f.table(n.Table)
	var err error
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
	n     *planner.PhysicalInsert
	set   []evalFn
	where evalFn
	// touched guards ON CONFLICT DO UPDATE against affecting a row twice.
	touched map[string]bool
}

func (o *insertOp) open(rc *runCtx) error {
	o.count, o.touched = 0, map[string]bool{}
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
		for _, row := range b {
			row = append(types.Row(nil), row...)
			err := o.t.Insert(rc.ctx, rc.kv, row)
			var ce *rowstore.ConflictError
			if err != nil && errors.As(err, &ce) && o.n.OnConflict != nil {
				oc := o.n.OnConflict
				if oc.Index != nil && oc.Index.ID != ce.Index.ID {
					return nil, ce.Err
				}
				if oc.DoNothing {
					continue
				}
				if o.touched[string(ce.Key)] {
					return nil, pgerr.New(pgerr.CardinalityViolation, "ON CONFLICT DO UPDATE command cannot affect row a second time").
						WithHint("Ensure that no rows proposed for insertion within the same command have duplicate constrained values.")
				}
				existing, found, err := o.t.Get(rc.ctx, rc.kv, ce.Key, o.t.NewDecoder(nil))
				if err != nil {
					return nil, err
				}
				if !found {
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

func unwrapConflict(err error) error {
	var ce *rowstore.ConflictError
	if errors.As(err, &ce) {
		return ce.Err
	}
	return err
}

func (f *factory) ConstructUpdate(n *planner.PhysicalUpdate, in planner.ExecNode) (planner.ExecNode, error) {
	op := &updateOp{n: n}
	op.in, op.t = in.(operator), f.table(n.Table)
	var err error
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
	return f.wrap(n, op)
}

// updateOp materializes its input first so it never reads its own writes
// (the Halloween problem), then writes each target row once.
type updateOp struct {
	dmlBase
	n    *planner.PhysicalUpdate
	set  []evalFn
	rows []types.Row
	pos  int
}

func (o *updateOp) open(rc *runCtx) error {
	o.count, o.pos = 0, 0
	var err error
	o.rows, err = drain(rc, o.in)
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
		if seen[string(key)] {
			continue
		}
		seen[string(key)] = true
		newRow := append(types.Row(nil), old...)
		for i, fn := range o.set {
			if fn == nil {
				continue
			}
			if newRow[i], err = fn(rc, in); err != nil {
				return nil, err
			}
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
func (o *updateOp) close() {}

func (f *factory) ConstructDelete(n *planner.PhysicalDelete, in planner.ExecNode) (planner.ExecNode, error) {
	op := &deleteOp{n: n}
	op.in, op.t = in.(operator), f.table(n.Table)
	var err error
	if n.Returning != nil {
		if op.returning, err = f.compileAll(n.Returning); err != nil {
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
}

func (o *deleteOp) open(rc *runCtx) error {
	o.count, o.pos = 0, 0
	var err error
	o.rows, err = drain(rc, o.in)
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
func (o *deleteOp) close() {}
