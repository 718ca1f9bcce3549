package exec

import (
	"sort"

	"github.com/conflux-db/conflux/exec/colexec"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// compareKeys orders two datums under a sort key (NULLS FIRST/LAST, DESC).
func compareKey(a, b types.Datum, desc, nullsFirst bool) int {
	an, bn := a == types.DNull, b == types.DNull
	switch {
	case an && bn:
		return 0
	case an:
		if nullsFirst {
			return -1
		}
		return 1
	case bn:
		if nullsFirst {
			return 1
		}
		return -1
	}
	c := types.Compare(a, b)
	if desc {
		return -c
	}
	return c
}

type sortSpec struct {
	fns  []evalFn
	keys []planner.SortKey
}

func (f *factory) sortSpec(keys []planner.SortKey) (*sortSpec, error) {
	s := &sortSpec{keys: keys}
	for _, k := range keys {
		fn, err := f.compile(k.Expr)
		if err != nil {
			return nil, err
		}
		s.fns = append(s.fns, fn)
	}
	return s, nil
}

// sortRows sorts rows stably by the spec.
func (s *sortSpec) sortRows(rc *runCtx, rows []types.Row) error {
	keyed := make([][]types.Datum, len(rows))
	for i, r := range rows {
		k := make([]types.Datum, len(s.fns))
		if err := evalAll(rc, s.fns, r, k); err != nil {
			return err
		}
		keyed[i] = k
	}
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		ka, kb := keyed[idx[a]], keyed[idx[b]]
		for i, k := range s.keys {
			if c := compareKey(ka[i], kb[i], k.Desc, k.NullsFirst); c != 0 {
				return c < 0
			}
		}
		return false
	})
	sorted := make([]types.Row, len(rows))
	for i, j := range idx {
		sorted[i] = rows[j]
	}
	copy(rows, sorted)
	return nil
}

func (f *factory) ConstructSort(n *planner.PhysicalSort, in planner.ExecNode) (planner.ExecNode, error) {
	s, err := f.sortSpec(n.Keys)
	if err != nil {
		return nil, err
	}
	return f.wrap(n, &sortOp{in: in.(operator), spec: s})
}

type sortOp struct {
	in   operator
	spec *sortSpec
	valuesRows
}

func (o *sortOp) open(rc *runCtx) error {
	rows, err := drain(rc, o.in)
	if err != nil {
		return err
	}
	if err := o.spec.sortRows(rc, rows); err != nil {
		return err
	}
	o.rows, o.pos = rows, 0
	return nil
}
func (o *sortOp) close() { o.rows = nil } // a kept operator holds no rows between runs

func (f *factory) ConstructLimit(n *planner.PhysicalLimit, in planner.ExecNode) (planner.ExecNode, error) {
	op := &limitOp{in: in.(operator)}
	var err error
	if n.Limit != nil {
		if op.limit, err = f.compile(n.Limit); err != nil {
			return nil, err
		}
	}
	if n.Offset != nil {
		if op.offset, err = f.compile(n.Offset); err != nil {
			return nil, err
		}
	}
	return f.wrap(n, op)
}

type limitOp struct {
	in            operator
	limit, offset evalFn
	left, skip    int64
	unlimited     bool
}

func (o *limitOp) open(rc *runCtx) error {
	o.left, o.skip, o.unlimited = 0, 0, true
	if o.limit != nil {
		d, err := o.limit(rc, nil)
		if err != nil {
			return err
		}
		if d != types.DNull {
			o.left, o.unlimited = int64(d.(types.DInt)), false
			if o.left < 0 {
				return pgerr.New(pgerr.InvalidRowCountInLimit, "LIMIT must not be negative")
			}
		}
	}
	if o.offset != nil {
		d, err := o.offset(rc, nil)
		if err != nil {
			return err
		}
		if d != types.DNull {
			o.skip = int64(d.(types.DInt))
			if o.skip < 0 {
				return pgerr.New(pgerr.InvalidRowCountInOffset, "OFFSET must not be negative")
			}
		}
	}
	if !o.unlimited && o.left == 0 {
		return nil
	}
	return o.in.open(rc)
}

func (o *limitOp) next(rc *runCtx) ([]types.Row, error) {
	for {
		if !o.unlimited && o.left <= 0 {
			return nil, nil
		}
		b, err := o.in.next(rc)
		if err != nil || len(b) == 0 {
			return nil, err
		}
		if o.skip > 0 {
			if int64(len(b)) <= o.skip {
				o.skip -= int64(len(b))
				continue
			}
			b = b[o.skip:]
			o.skip = 0
		}
		if !o.unlimited {
			if int64(len(b)) > o.left {
				b = b[:o.left]
			}
			o.left -= int64(len(b))
		}
		return b, nil
	}
}
func (o *limitOp) close() { o.in.close() }

func hashRow(buf []byte, row []types.Datum) []byte {
	for _, d := range row {
		buf = types.AppendHashKey(buf, d)
	}
	return buf
}

func (f *factory) ConstructDistinct(n *planner.PhysicalDistinct, in planner.ExecNode) (planner.ExecNode, error) {
	on, err := f.compileAll(n.On)
	if err != nil {
		return nil, err
	}
	return f.wrap(n, &distinctOp{in: in.(operator), on: on})
}

type distinctOp struct {
	in   operator
	on   []evalFn
	seen map[string]struct{}
}

func (o *distinctOp) open(rc *runCtx) error {
	o.seen = map[string]struct{}{}
	return o.in.open(rc)
}
func (o *distinctOp) next(rc *runCtx) ([]types.Row, error) {
	var buf []byte
	for {
		b, err := o.in.next(rc)
		if err != nil || len(b) == 0 {
			return nil, err
		}
		out := b[:0:0]
		for _, r := range b {
			buf = buf[:0]
			if len(o.on) > 0 {
				k := make([]types.Datum, len(o.on))
				if err := evalAll(rc, o.on, r, k); err != nil {
					return nil, err
				}
				buf = hashRow(buf, k)
			} else {
				buf = hashRow(buf, r)
			}
			if _, dup := o.seen[string(buf)]; dup {
				continue
			}
			o.seen[string(buf)] = struct{}{}
			out = append(out, r)
		}
		if len(out) > 0 {
			return out, nil
		}
	}
}
func (o *distinctOp) close() { o.in.close() }

func (f *factory) ConstructSetOp(n *planner.PhysicalSetOp, l, r planner.ExecNode) (planner.ExecNode, error) {
	return f.wrap(n, &setOp{n: n, l: l.(operator), r: r.(operator)})
}

type setOp struct {
	n    *planner.PhysicalSetOp
	l, r operator
	valuesRows
}

func (o *setOp) open(rc *runCtx) error {
	left, err := drain(rc, o.l)
	if err != nil {
		return err
	}
	right, err := drain(rc, o.r)
	if err != nil {
		return err
	}
	var out []types.Row
	key := func(r types.Row) string { return string(hashRow(nil, r)) }
	switch o.n.Kind {
	case planner.Union:
		if o.n.All {
			out = append(left, right...)
			break
		}
		seen := map[string]bool{}
		for _, r := range append(left, right...) {
			if k := key(r); !seen[k] {
				seen[k] = true
				out = append(out, r)
			}
		}
	case planner.Intersect, planner.Except:
		counts := map[string]int{}
		for _, r := range right {
			counts[key(r)]++
		}
		emitted := map[string]bool{}
		for _, r := range left {
			k := key(r)
			if o.n.Kind == planner.Intersect {
				if counts[k] > 0 {
					if o.n.All {
						counts[k]--
						out = append(out, r)
					} else if !emitted[k] {
						emitted[k] = true
						out = append(out, r)
					}
				}
			} else {
				if o.n.All {
					if counts[k] > 0 {
						counts[k]--
						continue
					}
					out = append(out, r)
				} else if counts[k] == 0 && !emitted[k] {
					emitted[k] = true
					out = append(out, r)
				}
			}
		}
	}
	o.rows, o.pos = out, 0
	return nil
}
func (o *setOp) close() {}

func (f *factory) ConstructProjectSet(n *planner.PhysicalProjectSet, in planner.ExecNode) (planner.ExecNode, error) {
	op := &projectSetOp{in: in.(operator), n: n}
	for _, s := range n.SRFs {
		fns, err := f.compileAll(s.Args)
		if err != nil {
			return nil, err
		}
		op.args = append(op.args, fns)
	}
	return f.wrap(n, op)
}

type projectSetOp struct {
	n    *planner.PhysicalProjectSet
	in   operator
	args [][]evalFn
}

func (o *projectSetOp) open(rc *runCtx) error { return o.in.open(rc) }
func (o *projectSetOp) next(rc *runCtx) ([]types.Row, error) {
	for {
		b, err := o.in.next(rc)
		if err != nil || len(b) == 0 {
			return nil, err
		}
		var out []types.Row
		for _, r := range b {
			rows, err := o.expand(rc, r)
			if err != nil {
				return nil, err
			}
			out = append(out, rows...)
		}
		if len(out) > 0 {
			return out, nil
		}
		if err := checkCancel(rc); err != nil {
			return nil, err
		}
	}
}

// expand runs every SRF for one input row and zips their outputs
// (shorter ones padded with NULLs), as PostgreSQL 10+ does.
func (o *projectSetOp) expand(rc *runCtx, in types.Row) ([]types.Row, error) {
	var cols [][]types.Row
	maxN := 0
	for i, s := range o.n.SRFs {
		vals := make([]types.Datum, len(o.args[i]))
		if err := evalAll(rc, o.args[i], in, vals); err != nil {
			return nil, err
		}
		var rows []types.Row
		if s.Overload == nil || s.Overload.Gen == nil {
			// A scalar function used as a FROM item: one row.
			rows = []types.Row{{vals[0]}}
		} else {
			strictNull := false
			if !s.Overload.CalledOnNull {
				for _, v := range vals {
					if v == types.DNull {
						strictNull = true
					}
				}
			}
			if !strictNull {
				g, err := s.Overload.Gen(rc.eval, vals)
				if err != nil {
					return nil, err
				}
				for n := 0; ; n++ {
					if n%BatchSize == 0 {
						if err := checkCancel(rc); err != nil {
							return nil, err
						}
					}
					r, ok, err := g.Next(rc.eval)
					if err != nil {
						return nil, err
					}
					if !ok {
						break
					}
					rows = append(rows, r)
				}
			}
		}
		cols = append(cols, rows)
		maxN = max(maxN, len(rows))
	}
	out := make([]types.Row, maxN)
	for i := 0; i < maxN; i++ {
		row := append(types.Row{}, in...)
		for j, s := range o.n.SRFs {
			if i < len(cols[j]) {
				row = append(row, cols[j][i][:s.NumCols]...)
			} else {
				for c := 0; c < s.NumCols; c++ {
					row = append(row, types.DNull)
				}
			}
		}
		if o.n.Ordinality {
			row = append(row, types.DInt(i+1))
		}
		out[i] = row
	}
	return out, nil
}
func (o *projectSetOp) close() { o.in.close() }

func (f *factory) ConstructRecursiveCTE(n *planner.PhysicalRecursiveCTE, init, rec planner.ExecNode) (planner.ExecNode, error) {
	return f.wrap(n, &recursiveOp{n: n, init: init.(operator), rec: rec.(operator)})
}

type recursiveOp struct {
	n         *planner.PhysicalRecursiveCTE
	init, rec operator
	valuesRows
}

func (o *recursiveOp) open(rc *runCtx) error {
	seen := map[string]bool{}
	dedup := func(rows []types.Row) []types.Row {
		if o.n.UnionAll {
			return rows
		}
		out := rows[:0:0]
		for _, r := range rows {
			k := string(hashRow(nil, r))
			if !seen[k] {
				seen[k] = true
				out = append(out, r)
			}
		}
		return out
	}
	work, err := drain(rc, o.init)
	if err != nil {
		return err
	}
	work = dedup(work)
	all := append([]types.Row{}, work...)
	for len(work) > 0 {
		if err := checkCancel(rc); err != nil {
			return err
		}
		rc.setWork(o.n.ID, work)
		next, err := drain(rc, o.rec)
		if err != nil {
			return err
		}
		work = dedup(next)
		all = append(all, work...)
	}
	delete(rc.work, o.n.ID)
	o.rows, o.pos = all, 0
	return nil
}
func (o *recursiveOp) close() {}

func (f *factory) ConstructWorkTable(n *planner.PhysicalWorkTable) (planner.ExecNode, error) {
	return f.wrap(n, &workTableOp{id: n.ID})
}

type workTableOp struct {
	id int
	valuesRows
}

func (o *workTableOp) open(rc *runCtx) error {
	o.rows, o.pos = rc.work[o.id], 0
	return nil
}

// ---------------------------------------------------------------- joins

func (f *factory) ConstructNestedLoopJoin(n *planner.PhysicalNestedLoopJoin, l, r planner.ExecNode) (planner.ExecNode, error) {
	on, err := f.compile(n.On)
	if err != nil {
		return nil, err
	}
	return f.wrap(n, &nestedLoopOp{n: n, l: l.(operator), r: r.(operator), on: on, nr: len(n.Right.Cols()), nl: len(n.Left.Cols())})
}

type nestedLoopOp struct {
	n      *planner.PhysicalNestedLoopJoin
	l, r   operator
	on     evalFn
	nl, nr int
	right  []types.Row
	matchR []bool
	done   bool
	tail   []types.Row
}

func (o *nestedLoopOp) open(rc *runCtx) error {
	o.done, o.tail = false, nil
	if !o.n.Lateral {
		var err error
		if o.right, err = drain(rc, o.r); err != nil {
			return err
		}
		o.matchR = make([]bool, len(o.right))
	}
	return o.l.open(rc)
}

func nullRow(n int) types.Row {
	r := make(types.Row, n)
	for i := range r {
		r[i] = types.DNull
	}
	return r
}

func concatRows(a, b types.Row) types.Row {
	r := make(types.Row, 0, len(a)+len(b))
	return append(append(r, a...), b...)
}

func (o *nestedLoopOp) next(rc *runCtx) ([]types.Row, error) {
	for {
		if o.done {
			b := o.tail
			o.tail = nil
			return b, nil
		}
		b, err := o.l.next(rc)
		if err != nil {
			return nil, err
		}
		if len(b) == 0 {
			o.done = true
			if o.n.Kind == planner.RightJoin || o.n.Kind == planner.FullJoin {
				for i, m := range o.matchR {
					if !m {
						o.tail = append(o.tail, concatRows(nullRow(o.nl), o.right[i]))
					}
				}
			}
			continue
		}
		if err := checkCancel(rc); err != nil {
			return nil, err
		}
		var out []types.Row
		for _, lr := range b {
			right := o.right
			if o.n.Lateral {
				rc.outer = append(rc.outer, lr)
				right, err = drain(rc, o.r)
				rc.outer = rc.outer[:len(rc.outer)-1]
				if err != nil {
					return nil, err
				}
			}
			matched := false
			for i, rr := range right {
				row := concatRows(lr, rr)
				d, err := o.on(rc, row)
				if err != nil {
					return nil, err
				}
				if d != dTrue {
					continue
				}
				matched = true
				if !o.n.Lateral {
					o.matchR[i] = true
				}
				switch o.n.Kind {
				case planner.SemiJoin, planner.AntiJoin:
				default:
					out = append(out, row)
				}
				if o.n.Kind == planner.SemiJoin {
					break
				}
			}
			switch o.n.Kind {
			case planner.LeftJoin, planner.FullJoin:
				if !matched {
					out = append(out, concatRows(lr, nullRow(o.nr)))
				}
			case planner.SemiJoin:
				if matched {
					out = append(out, lr)
				}
			case planner.AntiJoin:
				if !matched {
					out = append(out, lr)
				}
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
}
func (o *nestedLoopOp) close() { o.l.close() }

func (f *factory) ConstructHashJoin(n *planner.PhysicalHashJoin, l, r planner.ExecNode) (planner.ExecNode, error) {
	if f.vecEnabled() {
		lv, lok := l.(*vecNode)
		rv, rok := r.(*vecNode)
		lok, rok = lok && lv.src != nil, rok && rv.src != nil
		// One side a batch pipeline, the other rows (a row plan or a
		// pipeline ending in an aggregation, as TPC-H Q18's IN-subquery):
		// adapt the rows to batches so the join, and the pipeline's
		// other side, still run vectorized.
		if lok && !rok {
			rv = f.vecFromRows(n.Right.Cols(), r)
		} else if rok && !lok {
			lv = f.vecFromRows(n.Left.Cols(), l)
		}
		if lv != nil && rv != nil {
			if v, ok, err := f.vecHashJoin(n, lv, rv); ok || err != nil {
				return v, err
			}
		}
	}
	lk, err := f.compileAll(n.LeftKeys)
	if err != nil {
		return nil, err
	}
	rk, err := f.compileAll(n.RightKeys)
	if err != nil {
		return nil, err
	}
	extra, err := f.compile(n.Extra)
	if err != nil {
		return nil, err
	}
	return f.wrap(n, &hashJoinOp{n: n, l: l.(operator), r: r.(operator), lk: lk, rk: rk, extra: extra, nl: len(n.Left.Cols()), nr: len(n.Right.Cols())})
}

// vecFromRows wraps a row operator as a batch source (nil when some
// column type has no batch representation). The vecNode's row plan is
// the operator itself; it has no plan nodes of its own to mark.
func (f *factory) vecFromRows(cols []planner.ColMeta, op planner.ExecNode) *vecNode {
	typs := make([]*types.T, len(cols))
	for i, c := range cols {
		typs[i] = c.Typ
	}
	o := op.(operator)
	src, specs, ok := colexec.NewFromRows(vecMem, typs, &rowSource{op: o, rc: f.rc})
	if !ok {
		return nil
	}
	return f.newVecNode(&vecNode{src: src, specs: specs, row: o, fallible: specs.Fallible()}, nil)
}

// rowSource presents a row operator as a colexec.RowOperator.
type rowSource struct {
	op operator
	rc *runCtx
}

func (s *rowSource) Open(*colexec.Env) error { return s.op.open(s.rc) }
func (s *rowSource) NextRows(*colexec.Env) ([]types.Row, error) {
	return s.op.next(s.rc)
}
func (s *rowSource) Close() { s.op.close() }

type hashJoinOp struct {
	n      *planner.PhysicalHashJoin
	l, r   operator
	lk, rk []evalFn
	extra  evalFn
	nl, nr int
	right  []types.Row
	table  map[string][]int
	matchR []bool
	done   bool
	tail   []types.Row
}

// joinKey hashes key values; ok=false when one is NULL (never equal).
func joinKey(rc *runCtx, fns []evalFn, row types.Row, buf []byte) ([]byte, bool, error) {
	for _, fn := range fns {
		d, err := fn(rc, row)
		if err != nil {
			return nil, false, err
		}
		if d == types.DNull {
			return buf, false, nil
		}
		buf = types.AppendHashKey(buf, d)
	}
	return buf, true, nil
}

func (o *hashJoinOp) open(rc *runCtx) error {
	o.done, o.tail = false, nil
	var err error
	if o.right, err = drain(rc, o.r); err != nil {
		return err
	}
	o.matchR = make([]bool, len(o.right))
	o.table = make(map[string][]int, len(o.right))
	var buf []byte
	for i, r := range o.right {
		k, ok, err := joinKey(rc, o.rk, r, buf[:0])
		if err != nil {
			return err
		}
		buf = k
		if ok {
			o.table[string(k)] = append(o.table[string(k)], i)
		}
	}
	return o.l.open(rc)
}

func (o *hashJoinOp) next(rc *runCtx) ([]types.Row, error) {
	var buf []byte
	for {
		if o.done {
			b := o.tail
			o.tail = nil
			return b, nil
		}
		b, err := o.l.next(rc)
		if err != nil {
			return nil, err
		}
		if len(b) == 0 {
			o.done = true
			if o.n.Kind == planner.RightJoin || o.n.Kind == planner.FullJoin {
				for i, m := range o.matchR {
					if !m {
						o.tail = append(o.tail, concatRows(nullRow(o.nl), o.right[i]))
					}
				}
			}
			continue
		}
		if err := checkCancel(rc); err != nil {
			return nil, err
		}
		var out []types.Row
		for _, lr := range b {
			k, ok, err := joinKey(rc, o.lk, lr, buf[:0])
			if err != nil {
				return nil, err
			}
			buf = k
			matched := false
			if ok {
				for _, i := range o.table[string(k)] {
					row := concatRows(lr, o.right[i])
					if o.n.Extra != nil {
						d, err := o.extra(rc, row)
						if err != nil {
							return nil, err
						}
						if d != dTrue {
							continue
						}
					}
					matched = true
					o.matchR[i] = true
					if o.n.Kind == planner.SemiJoin {
						break
					}
					if o.n.Kind != planner.AntiJoin {
						out = append(out, row)
					}
				}
			}
			switch o.n.Kind {
			case planner.LeftJoin, planner.FullJoin:
				if !matched {
					out = append(out, concatRows(lr, nullRow(o.nr)))
				}
			case planner.SemiJoin:
				if matched {
					out = append(out, lr)
				}
			case planner.AntiJoin:
				if !matched {
					out = append(out, lr)
				}
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
}
func (o *hashJoinOp) close() { o.l.close() }

var _ = builtins.ScalarClass
