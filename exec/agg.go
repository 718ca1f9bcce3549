package exec

import (
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

type aggSpec struct {
	call   *planner.AggCall
	args   []evalFn
	filter evalFn
	order  *sortSpec
}

func (f *factory) ConstructHashAgg(n *planner.PhysicalHashAgg, in planner.ExecNode) (planner.ExecNode, error) {
	if v, ok := in.(*vecNode); ok && f.vecEnabled() {
		return f.vecHashAgg(n, v)
	}
	groups, err := f.compileAll(n.GroupBy)
	if err != nil {
		return nil, err
	}
	op := &hashAggOp{n: n, in: in.(operator), groups: groups}
	for _, a := range n.Aggs {
		s := aggSpec{call: a}
		if s.args, err = f.compileAll(a.Args); err != nil {
			return nil, err
		}
		if a.Filter != nil {
			if s.filter, err = f.compile(a.Filter); err != nil {
				return nil, err
			}
		}
		if len(a.OrderBy) > 0 {
			if s.order, err = f.sortSpec(a.OrderBy); err != nil {
				return nil, err
			}
		}
		if a.Overload == nil || a.Overload.Agg == nil {
			return nil, pgerr.Unsupported("aggregate " + a.Name)
		}
		op.aggs = append(op.aggs, s)
	}
	return f.wrap(n, op)
}

type hashAggOp struct {
	n      *planner.PhysicalHashAgg
	in     operator
	groups []evalFn
	aggs   []aggSpec
	valuesRows
}

type aggGroup struct {
	key    types.Row
	states []builtins.AggState
	// rows buffers input rows for aggregates with DISTINCT or ORDER BY.
	buffered [][]types.Row
	seen     []map[string]bool
}

func (o *hashAggOp) newGroup(key types.Row) *aggGroup {
	g := &aggGroup{key: key, states: make([]builtins.AggState, len(o.aggs)), buffered: make([][]types.Row, len(o.aggs)), seen: make([]map[string]bool, len(o.aggs))}
	for i, a := range o.aggs {
		g.states[i] = a.call.Overload.Agg(a.call.ArgTypes)
		if a.call.Distinct {
			g.seen[i] = map[string]bool{}
		}
	}
	return g
}

func (o *hashAggOp) open(rc *runCtx) error {
	if err := o.in.open(rc); err != nil {
		return err
	}
	defer o.in.close()
	groups := map[string]*aggGroup{}
	var order []*aggGroup
	var buf []byte
	for {
		b, err := o.in.next(rc)
		if err != nil {
			return err
		}
		if len(b) == 0 {
			break
		}
		if err := checkCancel(rc); err != nil {
			return err
		}
		for _, r := range b {
			key := make(types.Row, len(o.groups))
			if err := evalAll(rc, o.groups, r, key); err != nil {
				return err
			}
			buf = hashRow(buf[:0], key)
			g := groups[string(buf)]
			if g == nil {
				g = o.newGroup(key)
				groups[string(buf)] = g
				order = append(order, g)
			}
			for i, a := range o.aggs {
				if a.filter != nil {
					d, err := a.filter(rc, r)
					if err != nil {
						return err
					}
					if d != dTrue {
						continue
					}
				}
				args := make([]types.Datum, len(a.args))
				if err := evalAll(rc, a.args, r, args); err != nil {
					return err
				}
				if a.call.Distinct {
					k := string(hashRow(nil, args))
					if g.seen[i][k] {
						continue
					}
					g.seen[i][k] = true
				}
				if a.order != nil {
					// Keep the input row and its args; sort at the end.
					g.buffered[i] = append(g.buffered[i], append(append(types.Row{}, r...), args...))
					continue
				}
				if err := g.states[i].Add(rc.eval, args); err != nil {
					return err
				}
			}
		}
	}
	if len(o.groups) == 0 && len(order) == 0 {
		order = append(order, o.newGroup(nil))
	}
	nIn := len(o.n.Input.Cols())
	out := make([]types.Row, 0, len(order))
	for _, g := range order {
		row := append(types.Row{}, g.key...)
		for i, a := range o.aggs {
			if a.order != nil {
				rows := g.buffered[i]
				if err := a.order.sortRows(rc, rows); err != nil {
					return err
				}
				for _, r := range rows {
					if err := g.states[i].Add(rc.eval, r[nIn:]); err != nil {
						return err
					}
				}
			}
			d, err := g.states[i].Result(rc.eval)
			if err != nil {
				return err
			}
			row = append(row, d)
		}
		out = append(out, row)
	}
	o.rows, o.pos = out, 0
	return nil
}
func (o *hashAggOp) close() {}

// ---------------------------------------------------------------- windows

func (f *factory) ConstructWindow(n *planner.PhysicalWindow, in planner.ExecNode) (planner.ExecNode, error) {
	op := &windowOp{n: n, in: in.(operator)}
	for _, w := range n.Calls {
		s := winSpec{call: w}
		var err error
		if s.args, err = f.compileAll(w.Args); err != nil {
			return nil, err
		}
		if s.part, err = f.compileAll(w.PartitionBy); err != nil {
			return nil, err
		}
		if s.order, err = f.sortSpec(w.OrderBy); err != nil {
			return nil, err
		}
		if w.Frame.StartOffset != nil {
			if s.startOff, err = f.compile(w.Frame.StartOffset); err != nil {
				return nil, err
			}
		}
		if w.Frame.EndOffset != nil {
			if s.endOff, err = f.compile(w.Frame.EndOffset); err != nil {
				return nil, err
			}
		}
		if w.Filter != nil {
			if s.filter, err = f.compile(w.Filter); err != nil {
				return nil, err
			}
		}
		op.specs = append(op.specs, s)
	}
	return f.wrap(n, op)
}

type winSpec struct {
	call             *planner.WindowCall
	args, part       []evalFn
	order            *sortSpec
	startOff, endOff evalFn
	filter           evalFn
}

type windowOp struct {
	n     *planner.PhysicalWindow
	in    operator
	specs []winSpec
	valuesRows
}

// Frame option bits (PostgreSQL's FRAMEOPTION_*).
const (
	foNonDefault   = 0x1
	foRange        = 0x2
	foRows         = 0x4
	foGroups       = 0x8
	foStartUnbPre  = 0x20
	foEndUnbFol    = 0x100
	foStartCurrent = 0x200
	foEndCurrent   = 0x400
	foStartOffPre  = 0x800
	foEndOffPre    = 0x1000
	foStartOffFol  = 0x2000
	foEndOffFol    = 0x4000
)

func (o *windowOp) open(rc *runCtx) error {
	rows, err := drain(rc, o.in)
	if err != nil {
		return err
	}
	width := len(o.n.Input.Cols())
	out := make([]types.Row, len(rows))
	for i, r := range rows {
		out[i] = append(make(types.Row, 0, width+len(o.specs)), r...)
	}
	for si, s := range o.specs {
		// Partition (hash) preserving input order, then sort each partition.
		parts := map[string][]int{}
		var keys []string
		for i, r := range rows {
			k := make(types.Row, len(s.part))
			if err := evalAll(rc, s.part, r, k); err != nil {
				return err
			}
			hk := string(hashRow(nil, k))
			if _, ok := parts[hk]; !ok {
				keys = append(keys, hk)
			}
			parts[hk] = append(parts[hk], i)
		}
		res := make([]types.Datum, len(rows))
		for _, hk := range keys {
			idx := parts[hk]
			prow := make([]types.Row, len(idx))
			for j, i := range idx {
				prow[j] = rows[i]
			}
			// Sort indices by the window's ORDER BY (stable).
			ordered := make([]types.Row, len(prow))
			copy(ordered, prow)
			pos := map[*types.Datum]int{}
			_ = pos
			perm := make([]int, len(prow))
			for j := range perm {
				perm[j] = j
			}
			if len(s.order.keys) > 0 {
				tagged := make([]types.Row, len(prow))
				for j, r := range prow {
					tagged[j] = append(append(types.Row{}, r...), types.DInt(j))
				}
				if err := s.order.sortRows(rc, tagged); err != nil {
					return err
				}
				for j, r := range tagged {
					perm[j] = int(r[len(r)-1].(types.DInt))
					ordered[j] = prow[perm[j]]
				}
			}
			vals, err := o.computePartition(rc, s, ordered)
			if err != nil {
				return err
			}
			for j, v := range vals {
				res[idx[perm[j]]] = v
			}
		}
		for i := range out {
			out[i] = append(out[i], res[i])
		}
		_ = si
	}
	o.rows, o.pos = out, 0
	return nil
}

func (o *windowOp) computePartition(rc *runCtx, s winSpec, rows []types.Row) ([]types.Datum, error) {
	n := len(rows)
	wf := &builtins.WindowFrame{Args: make([][]types.Datum, n), PeerStart: make([]int, n), PeerEnd: make([]int, n), FrameStart: make([]int, n), FrameEnd: make([]int, n)}
	okeys := make([]types.Row, n)
	for i, r := range rows {
		a := make([]types.Datum, len(s.args))
		if err := evalAll(rc, s.args, r, a); err != nil {
			return nil, err
		}
		wf.Args[i] = a
		k := make(types.Row, len(s.order.fns))
		if err := evalAll(rc, s.order.fns, r, k); err != nil {
			return nil, err
		}
		okeys[i] = k
	}
	peer := func(a, b int) bool {
		for i, k := range s.order.keys {
			if compareKey(okeys[a][i], okeys[b][i], k.Desc, k.NullsFirst) != 0 {
				return false
			}
		}
		return true
	}
	for i := 0; i < n; {
		j := i + 1
		for j < n && peer(i, j) {
			j++
		}
		for k := i; k < j; k++ {
			wf.PeerStart[k], wf.PeerEnd[k] = i, j
		}
		i = j
	}
	opts := s.call.Frame.Options
	var startOff, endOff int64
	if s.startOff != nil {
		d, err := s.startOff(rc, nil)
		if err != nil {
			return nil, err
		}
		if v, ok := d.(types.DInt); ok {
			startOff = int64(v)
		}
	}
	if s.endOff != nil {
		d, err := s.endOff(rc, nil)
		if err != nil {
			return nil, err
		}
		if v, ok := d.(types.DInt); ok {
			endOff = int64(v)
		}
	}
	if (opts&(foStartOffPre|foStartOffFol|foEndOffPre|foEndOffFol)) != 0 && opts&foRows == 0 {
		return nil, pgerr.Unsupported("RANGE/GROUPS frames with offsets")
	}
	for i := 0; i < n; i++ {
		start, end := 0, wf.PeerEnd[i] // default: RANGE UNBOUNDED PRECEDING .. CURRENT ROW
		if len(s.order.keys) == 0 && opts&foNonDefault == 0 {
			end = n
		}
		if opts&foNonDefault != 0 {
			rows := opts&foRows != 0
			switch {
			case opts&foStartUnbPre != 0:
				start = 0
			case opts&foStartCurrent != 0:
				start = i
				if !rows {
					start = wf.PeerStart[i]
				}
			case opts&foStartOffPre != 0:
				start = i - int(startOff)
			case opts&foStartOffFol != 0:
				start = i + int(startOff)
			}
			switch {
			case opts&foEndUnbFol != 0:
				end = n
			case opts&foEndCurrent != 0:
				end = i + 1
				if !rows {
					end = wf.PeerEnd[i]
				}
			case opts&foEndOffPre != 0:
				end = i - int(endOff) + 1
			case opts&foEndOffFol != 0:
				end = i + int(endOff) + 1
			}
		}
		start = max(0, min(start, n))
		end = max(start, min(end, n))
		wf.FrameStart[i], wf.FrameEnd[i] = start, end
	}
	out := make([]types.Datum, n)
	ov := s.call.Overload
	if ov.Window != nil {
		fn := ov.Window(s.call.ArgTypes)
		for i := 0; i < n; i++ {
			d, err := fn.Compute(rc.eval, wf, i)
			if err != nil {
				return nil, err
			}
			out[i] = d
		}
		return out, nil
	}
	if ov.Agg == nil {
		return nil, pgerr.Unsupported("window function " + s.call.Name)
	}
	// Aggregates over frames; frames that only grow reuse the running state.
	var st builtins.AggState
	lastStart, lastEnd := -1, -1
	for i := 0; i < n; i++ {
		fs, fe := wf.FrameStart[i], wf.FrameEnd[i]
		if st == nil || fs != lastStart || fe < lastEnd {
			st = ov.Agg(s.call.ArgTypes)
			lastStart, lastEnd = fs, fs
		}
		for k := lastEnd; k < fe; k++ {
			if s.filter != nil {
				d, err := s.filter(rc, rows[k])
				if err != nil {
					return nil, err
				}
				if d != dTrue {
					continue
				}
			}
			if err := st.Add(rc.eval, wf.Args[k]); err != nil {
				return nil, err
			}
		}
		lastEnd = fe
		d, err := st.Result(rc.eval)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}
func (o *windowOp) close() {}
