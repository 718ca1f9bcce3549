package exec

import (
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/rowstore"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/txn"
)

// lockVerdict is what to do with a row after locking it.
type lockVerdict uint8

const (
	rowKeep   lockVerdict = iota // locked; the snapshot's version is current
	rowSkip                      // SKIP LOCKED, or the row is gone in its newest version
	rowLatest                    // locked; use the newest version returned
)

// locker returns the transaction's row-lock interface, nil when the KV
// cannot lock (test fakes): then nothing is locked.
func (rc *runCtx) locker() rowstore.Locker {
	lk, _ := rc.kv.(rowstore.Locker)
	return lk
}

// lockRow locks one row by primary key. A version committed after the
// snapshot fails REPEATABLE READ and SERIALIZABLE with 40001; READ
// COMMITTED re-reads it when epq is set (PostgreSQL's EvalPlanQual: the
// caller re-checks the returned newest version) and otherwise asks the
// SQL layer to restart the statement on a fresh snapshot.
func lockRow(rc *runCtx, lk rowstore.Locker, t *rowstore.Table, key []byte, s txn.LockStrength, w txn.WaitPolicy, epq bool, dec *rowstore.Decoder) (lockVerdict, types.Row, error) {
	r, err := lk.Lock(rc.ctx, key, s, w)
	if err != nil {
		if w == txn.WaitNoWait && pgerr.Code(err) == pgerr.LockNotAvailable {
			return 0, nil, pgerr.New(pgerr.LockNotAvailable, "could not obtain lock on row in relation \"%s\"", t.Desc.Name)
		}
		return 0, nil, err
	}
	switch r {
	case txn.Locked:
		return rowKeep, nil, nil
	case txn.LockSkipped:
		return rowSkip, nil, nil
	}
	if lk.Options().Isolation != txn.ReadCommitted {
		return 0, nil, txn.ErrConcurrentUpdate()
	}
	if !epq {
		return 0, nil, &txn.RetryStatementError{Err: txn.ErrConcurrentUpdate()}
	}
	v, found, err := lk.GetLatest(rc.ctx, key)
	if err != nil {
		return 0, nil, err
	}
	if !found {
		return rowSkip, nil, nil
	}
	row, err := dec.Decode(v)
	if err != nil {
		return 0, nil, err
	}
	return rowLatest, row, nil
}

func (f *factory) ConstructLockRows(n *planner.PhysicalLockRows, in planner.ExecNode) (planner.ExecNode, error) {
	op := &lockRowsOp{n: n, in: in.(operator)}
	for _, t := range n.Targets {
		lt := lockTarget{t: f.table(t.Table), keyCols: t.KeyCols, strength: txn.LockShare, wait: txn.WaitBlock}
		if t.Strength.Exclusive() {
			lt.strength = txn.LockExclusive
		}
		switch t.Wait {
		case planner.LockWaitNoWait:
			lt.wait = txn.WaitNoWait
		case planner.LockWaitSkipLocked:
			lt.wait = txn.WaitSkipLocked
		}
		op.targets = append(op.targets, lt)
	}
	if n.EPQ {
		var err error
		if n.Recheck != nil {
			if op.recheck, err = f.compile(n.Recheck); err != nil {
				return nil, err
			}
		}
		if op.reproject, err = f.compileAll(n.Reproject); err != nil {
			return nil, err
		}
		op.dec = op.targets[0].t.NewDecoder(nil)
	}
	return f.wrap(n, op)
}

type lockTarget struct {
	t        *rowstore.Table
	keyCols  []int
	strength txn.LockStrength
	wait     txn.WaitPolicy
}

// lockRowsOp locks the rows its input produces and passes on those it
// locked. It hands rows up one at a time so a LIMIT above stops it after
// exactly the rows returned (PostgreSQL locks no row it does not return).
type lockRowsOp struct {
	n         *planner.PhysicalLockRows
	in        operator
	targets   []lockTarget
	recheck   evalFn
	reproject []evalFn
	dec       *rowstore.Decoder
	lk        rowstore.Locker
	buf       []types.Row
	pos       int
	key       []byte
	vals      []types.Datum
}

func (o *lockRowsOp) open(rc *runCtx) error {
	o.lk, o.buf, o.pos = rc.locker(), nil, 0
	if o.lk != nil && o.lk.Options().ReadOnly {
		return pgerr.New(pgerr.ReadOnlySQLTransaction, "cannot execute SELECT %s in a read-only transaction", o.n.Targets[0].Strength)
	}
	return o.in.open(rc)
}

func (o *lockRowsOp) next(rc *runCtx) ([]types.Row, error) {
	for {
		if o.pos >= len(o.buf) {
			b, err := o.in.next(rc)
			if err != nil || len(b) == 0 {
				return nil, err
			}
			o.buf, o.pos = b, 0
		}
		row := o.buf[o.pos]
		o.pos++
		row, ok, err := o.lock(rc, row)
		if err != nil {
			return nil, err
		}
		if ok {
			return []types.Row{row}, nil
		}
	}
}

// lock locks row's source rows in every target table; ok is false when
// the row is to be dropped (skipped, deleted, or no longer matching).
func (o *lockRowsOp) lock(rc *runCtx, row types.Row) (types.Row, bool, error) {
	if o.lk == nil {
		return row, true, nil
	}
	for i := range o.targets {
		lt := &o.targets[i]
		o.vals = o.vals[:0]
		allNull := true
		for _, c := range lt.keyCols {
			o.vals = append(o.vals, row[c])
			allNull = allNull && row[c] == types.DNull
		}
		if allNull {
			continue // the NULL-extended side of an outer join: no row to lock
		}
		var err error
		if o.key, err = lt.t.AppendKeyValues(o.key[:0], &lt.t.Desc.Primary, o.vals); err != nil {
			return nil, false, err
		}
		v, latest, err := lockRow(rc, o.lk, lt.t, o.key, lt.strength, lt.wait, o.n.EPQ, o.dec)
		if err != nil {
			return nil, false, err
		}
		switch v {
		case rowSkip:
			return nil, false, nil
		case rowLatest:
			if o.recheck != nil {
				d, err := o.recheck(rc, latest)
				if err != nil {
					return nil, false, err
				}
				if d != dTrue {
					return nil, false, nil
				}
			}
			out := make(types.Row, len(o.reproject))
			if err := evalAll(rc, o.reproject, latest, out); err != nil {
				return nil, false, err
			}
			row = out
		}
	}
	return row, true, nil
}

func (o *lockRowsOp) close() { o.buf = nil; o.in.close() }
