package exec

import (
	"bytes"
	"slices"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/rowstore"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/storage/keys"
)

// factory implements planner.Factory for one execution.
type factory struct {
	rc     *runCtx
	tables map[catalog.ID]*rowstore.Table
	noVec  bool // building the row twin of a vectorized chain (vec.go)
	// whole: building a tree Reuse keeps whole, so its point lookup
	// must not also be kept on its own (two trees would share it).
	whole bool
}

var _ planner.Factory = (*factory)(nil)

func (f *factory) table(t *catalog.Table) *rowstore.Table {
	if r := f.rc.reuse; r != nil {
		// A prepared statement's tables outlive its executions
		// (rowstore.Table is immutable); a new descriptor replaces one.
		if rt, ok := r.tables[t.ID]; ok && rt.Desc == t {
			return rt
		}
		if r.tables == nil {
			r.tables = map[catalog.ID]*rowstore.Table{}
		}
		rt := rowstore.For(t)
		r.tables[t.ID] = rt
		return rt
	}
	if f.tables == nil {
		f.tables = map[catalog.ID]*rowstore.Table{}
	}
	if rt, ok := f.tables[t.ID]; ok && rt.Desc == t {
		return rt
	}
	rt := rowstore.For(t)
	f.tables[t.ID] = rt
	return rt
}

func (f *factory) wrap(p planner.Physical, op operator) (planner.ExecNode, error) {
	if f.rc.stats != nil {
		st := &opStats{}
		f.rc.stats[p] = st
		return &statsOp{in: op, st: st}, nil
	}
	return op, nil
}

func (f *factory) ConstructScan(n *planner.PhysicalScan) (planner.ExecNode, error) {
	if v, ok, err := f.vecScan(n); ok || err != nil {
		return v, err
	}
	filter, err := f.compile(n.Filter)
	if err != nil {
		return nil, err
	}
	eq, err := f.compileAll(n.Span.Eq)
	if err != nil {
		return nil, err
	}
	var lo, hi evalFn
	if n.Span.Lo != nil {
		if lo, err = f.compile(n.Span.Lo); err != nil {
			return nil, err
		}
	}
	if n.Span.Hi != nil {
		if hi, err = f.compile(n.Span.Hi); err != nil {
			return nil, err
		}
	}
	rt := f.table(n.Table)
	return f.wrap(n, &scanOp{n: n, t: rt, filter: filter, hasFilter: n.Filter != nil, eq: eq, lo: lo, hi: hi, dec: rt.NewDecoder(n.Needed)})
}

type scanOp struct {
	n         *planner.PhysicalScan
	t         *rowstore.Table
	filter    evalFn
	hasFilter bool
	eq        []evalFn
	lo, hi    evalFn
	dec       *rowstore.Decoder
	sc        *rowstore.Scanner
	empty     bool
}

func (s *scanOp) open(rc *runCtx) error {
	s.empty = false
	if rc.kv == nil {
		return pgerr.New(pgerr.InternalError, "no transaction")
	}
	var lower, upper []byte
	if len(s.eq) > 0 || s.lo != nil || s.hi != nil {
		vals := make([]types.Datum, len(s.eq))
		if err := evalAll(rc, s.eq, nil, vals); err != nil {
			return err
		}
		for _, v := range vals {
			if v == types.DNull {
				s.empty = true // col = NULL matches nothing
				return nil
			}
		}
		prefix, err := s.t.AppendKeyValues(nil, s.n.Index, vals)
		if err != nil {
			return err
		}
		lower, upper = prefix, keys.PrefixEnd(prefix)
		rcIdx := len(vals)
		if s.lo != nil {
			d, err := s.lo(rc, nil)
			if err != nil {
				return err
			}
			if d == types.DNull {
				s.empty = true
				return nil
			}
			k, err := s.t.AppendKeyValues(nil, s.n.Index, append(append([]types.Datum{}, vals...), d))
			if err != nil {
				return err
			}
			if !s.n.Span.LoIncl {
				k = keys.PrefixEnd(k)
			}
			lower = k
		} else if rcIdx < len(s.n.Index.ColumnIDs) && s.hi != nil {
			// Skip NULLs (they sort last ascending; first descending).
			desc := rcIdx < len(s.n.Index.Desc) && s.n.Index.Desc[rcIdx]
			if desc {
				k, err := s.t.AppendKeyValues(nil, s.n.Index, append(append([]types.Datum{}, vals...), types.DNull))
				if err != nil {
					return err
				}
				lower = keys.PrefixEnd(k)
			}
		}
		if s.hi != nil {
			d, err := s.hi(rc, nil)
			if err != nil {
				return err
			}
			if d == types.DNull {
				s.empty = true
				return nil
			}
			k, err := s.t.AppendKeyValues(nil, s.n.Index, append(append([]types.Datum{}, vals...), d))
			if err != nil {
				return err
			}
			if s.n.Span.HiIncl {
				k = keys.PrefixEnd(k)
			}
			upper = k
		}
	}
	s.sc = s.t.Scan(rc.ctx, rc.kv, s.n.Index, lower, upper, s.dec)
	return nil
}

func (s *scanOp) next(rc *runCtx) ([]types.Row, error) {
	if s.empty || s.sc == nil {
		return nil, nil
	}
	if err := checkCancel(rc); err != nil {
		return nil, err
	}
	out := make([]types.Row, 0, 64)
	for len(out) < BatchSize {
		row, err := s.sc.Next()
		if err != nil {
			return nil, err
		}
		if row == nil {
			break
		}
		if s.hasFilter {
			d, err := s.filter(rc, row)
			if err != nil {
				return nil, err
			}
			if d != dTrue {
				continue
			}
		}
		out = append(out, row)
	}
	return out, nil
}

func (s *scanOp) close() {
	if s.sc != nil {
		s.sc.Close()
		s.sc = nil
	}
}

func (f *factory) ConstructPointLookup(n *planner.PhysicalPointLookup) (planner.ExecNode, error) {
	keepOp := f.rc.reuse != nil && f.rc.stats == nil && !f.whole
	if keepOp {
		if op := f.rc.reuse.cachedPointLookup(n); op != nil {
			return op, nil
		}
	}
	residual := residualFilter(n)
	filter, err := f.compile(residual)
	if err != nil {
		return nil, err
	}
	op := &pointLookupOp{n: n, filter: filter, hasFilter: residual != nil}
	for _, k := range n.Keys {
		fns, err := f.compileAll(k)
		if err != nil {
			return nil, err
		}
		op.keys = append(op.keys, fns)
	}
	if n.KeyArray != nil {
		if op.arr, err = f.compile(n.KeyArray); err != nil {
			return nil, err
		}
	}
	op.t = f.table(n.Table)
	op.dec = op.t.NewDecoder(n.Needed)
	if keepOp {
		f.rc.reuse.keep(n, op)
	}
	return f.wrap(n, op)
}

// pointLookupOp is the fast path: encode each key into a reused buffer,
// one Get per key, decode only the needed columns.
type pointLookupOp struct {
	n         *planner.PhysicalPointLookup
	t         *rowstore.Table
	keys      [][]evalFn
	arr       evalFn
	filter    evalFn
	hasFilter bool
	dec       *rowstore.Decoder
	done      bool
	buf       []byte
	spans     [][2]int // keys of a multi-key lookup, as ranges of buf
	sorted    [][]byte // the same keys as slices, for sorting
	vals      []types.Datum
	one       [1]types.Row // the batch of a single-key lookup
	// inUse marks a kept operator (reusable: see Reuse) as part of an
	// open execution; close makes it available to the next one.
	inUse, reusable bool
}

func (p *pointLookupOp) open(*runCtx) error { p.done = false; return nil }

func (p *pointLookupOp) lookup(rc *runCtx, vals []types.Datum, out []types.Row) ([]types.Row, error) {
	for _, v := range vals {
		if v == types.DNull {
			return out, nil
		}
	}
	var err error
	p.buf, err = p.t.AppendKeyValues(p.buf[:0], &p.n.Table.Primary, vals)
	if err != nil {
		return nil, err
	}
	return p.fetch(rc, p.buf, out)
}

// fetch reads the row stored under key and appends it when it passes the
// residual filter.
func (p *pointLookupOp) fetch(rc *runCtx, key []byte, out []types.Row) ([]types.Row, error) {
	row, found, err := p.t.Get(rc.ctx, rc.kv, key, p.dec)
	if err != nil || !found {
		return out, err
	}
	if p.hasFilter {
		d, err := p.filter(rc, row)
		if err != nil {
			return nil, err
		}
		if d != dTrue {
			return out, nil
		}
	}
	return append(out, row), nil
}

// addKey encodes one key of a multi-key lookup into p.buf (NULL keys
// match nothing and are skipped).
func (p *pointLookupOp) addKey(vals []types.Datum) error {
	for _, v := range vals {
		if v == types.DNull {
			return nil
		}
	}
	start := len(p.buf)
	var err error
	if p.buf, err = p.t.AppendKeyValues(p.buf, &p.n.Table.Primary, vals); err != nil {
		return err
	}
	p.spans = append(p.spans, [2]int{start, len(p.buf)})
	return nil
}

// fetchAll looks up the keys gathered by addKey in key order, each
// distinct key once (= ANY and IN match every row once). Ascending order
// lets storage seek forward from the previous key, and is the order
// PostgreSQL returns an index scan over = ANY in.
func (p *pointLookupOp) fetchAll(rc *runCtx) ([]types.Row, error) {
	// buf is complete now, so slices of it stay valid; sorting them with
	// bytes.Compare directly is cheaper than going through the spans.
	keys := p.sorted[:0]
	for _, sp := range p.spans {
		keys = append(keys, p.buf[sp[0]:sp[1]:sp[1]])
	}
	p.sorted = keys
	slices.SortFunc(keys, bytes.Compare)
	out := make([]types.Row, 0, len(keys))
	var err error
	for i, k := range keys {
		if i > 0 && bytes.Equal(k, keys[i-1]) {
			continue
		}
		if out, err = p.fetch(rc, k, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (p *pointLookupOp) next(rc *runCtx) ([]types.Row, error) {
	if p.done {
		return nil, nil
	}
	p.done = true
	if rc.kv == nil {
		return nil, pgerr.New(pgerr.InternalError, "no transaction")
	}
	p.buf, p.spans = p.buf[:0], p.spans[:0]
	if p.arr != nil {
		d, err := p.arr(rc, nil)
		if err != nil || d == types.DNull {
			return nil, err
		}
		arr := d.(*types.DArray)
		if cap(p.vals) < 1 {
			p.vals = make([]types.Datum, 1)
		}
		one := p.vals[:0]
		for _, e := range arr.Elems {
			if err := p.addKey(append(one, e)); err != nil {
				return nil, err
			}
		}
		return p.fetchAll(rc)
	}
	if len(p.keys) == 1 {
		k := p.keys[0]
		if cap(p.vals) < len(k) {
			p.vals = make([]types.Datum, len(k))
		}
		vals := p.vals[:len(k)]
		if err := evalAll(rc, k, nil, vals); err != nil {
			return nil, err
		}
		// The batch lives until the next call of next, which returns
		// nothing: one array serves every execution.
		return p.lookup(rc, vals, p.one[:0])
	}
	for _, k := range p.keys {
		if cap(p.vals) < len(k) {
			p.vals = make([]types.Datum, len(k))
		}
		vals := p.vals[:len(k)]
		if err := evalAll(rc, k, nil, vals); err != nil {
			return nil, err
		}
		if err := p.addKey(vals); err != nil {
			return nil, err
		}
	}
	return p.fetchAll(rc)
}

func (p *pointLookupOp) close() {
	if p.reusable {
		p.inUse = false
	}
}

func (f *factory) ConstructVirtualScan(n *planner.PhysicalVirtualScan) (planner.ExecNode, error) {
	return f.wrap(n, &virtualOp{vt: n.VT})
}

type virtualOp struct {
	vt *catalog.VirtualTable
	valuesRows
}

type virtualEnv struct{ rc *runCtx }

func (v virtualEnv) Catalog() catalog.Reader { return v.rc.eval.Catalog }

// EvalSession is the statement's session (builtins.Session), for system
// tables that show session state: the context a subquery runs under is
// the caller's, which need not carry it.
func (v virtualEnv) EvalSession() builtins.SessionInfo { return v.rc.eval.Session }
func (v virtualEnv) Setting(name string) (string, bool) {
	if v.rc.eval.Session == nil {
		return "", false
	}
	return v.rc.eval.Session.Setting(name)
}
func (v virtualEnv) Settings() []catalog.Setting {
	// The session exposes its full settings list when it can (pg_settings, SHOW ALL).
	if l, ok := v.rc.eval.Session.(interface{ Settings() []catalog.Setting }); ok {
		return l.Settings()
	}
	return nil
}
func (v virtualEnv) CurrentUser() string {
	if v.rc.eval.Session == nil {
		return ""
	}
	return v.rc.eval.Session.CurrentUser()
}
func (v virtualEnv) CurrentDatabase() string {
	if v.rc.eval.Session == nil {
		return ""
	}
	return v.rc.eval.Session.CurrentDatabase()
}

func (o *virtualOp) open(rc *runCtx) error {
	rows, err := o.vt.Generate(rc.ctx, virtualEnv{rc})
	if err != nil {
		return err
	}
	o.rows, o.pos = rows, 0
	return nil
}

func (f *factory) ConstructValues(n *planner.PhysicalValues) (planner.ExecNode, error) {
	op := &valuesOp{}
	for _, r := range n.Rows {
		fns, err := f.compileAll(r)
		if err != nil {
			return nil, err
		}
		op.rows = append(op.rows, fns)
	}
	return f.wrap(n, op)
}

type valuesOp struct {
	rows [][]evalFn
	pos  int
	one  [1]types.Row // the batch of a single-row VALUES (INSERT ... VALUES)
}

func (v *valuesOp) open(*runCtx) error { v.pos = 0; return nil }
func (v *valuesOp) next(rc *runCtx) ([]types.Row, error) {
	if v.pos >= len(v.rows) {
		return nil, nil
	}
	var out []types.Row
	if len(v.rows) == 1 {
		// Valid until the next call of next, which returns nothing.
		out = v.one[:0]
	}
	for v.pos < len(v.rows) && len(out) < BatchSize {
		fns := v.rows[v.pos]
		row := make(types.Row, len(fns))
		if err := evalAll(rc, fns, nil, row); err != nil {
			return nil, err
		}
		out = append(out, row)
		v.pos++
	}
	return out, nil
}
func (v *valuesOp) close() {}

func (f *factory) ConstructFilter(n *planner.PhysicalFilter, in planner.ExecNode) (planner.ExecNode, error) {
	if v, ok := in.(*vecNode); ok && f.vecEnabled() {
		return f.vecFilter(n, v)
	}
	pred, err := f.compile(n.Pred)
	if err != nil {
		return nil, err
	}
	return f.wrap(n, &filterOp{in: in.(operator), pred: pred})
}

type filterOp struct {
	in   operator
	pred evalFn
}

func (o *filterOp) open(rc *runCtx) error { return o.in.open(rc) }
func (o *filterOp) next(rc *runCtx) ([]types.Row, error) {
	for {
		b, err := o.in.next(rc)
		if err != nil || len(b) == 0 {
			return nil, err
		}
		out := b[:0:0]
		for _, r := range b {
			d, err := o.pred(rc, r)
			if err != nil {
				return nil, err
			}
			if d == dTrue {
				out = append(out, r)
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
}
func (o *filterOp) close() { o.in.close() }

func (f *factory) ConstructProject(n *planner.PhysicalProject, in planner.ExecNode) (planner.ExecNode, error) {
	if v, ok := in.(*vecNode); ok && f.vecEnabled() {
		return f.vecProject(n, v)
	}
	fns, err := f.compileAll(n.Exprs)
	if err != nil {
		return nil, err
	}
	return f.wrap(n, &projectOp{in: in.(operator), fns: fns})
}

type projectOp struct {
	in  operator
	fns []evalFn
}

func (o *projectOp) open(rc *runCtx) error { return o.in.open(rc) }
func (o *projectOp) next(rc *runCtx) ([]types.Row, error) {
	b, err := o.in.next(rc)
	if err != nil || len(b) == 0 {
		return nil, err
	}
	out := make([]types.Row, len(b))
	vals := make([]types.Datum, len(b)*len(o.fns))
	for i, r := range b {
		row := vals[i*len(o.fns) : (i+1)*len(o.fns) : (i+1)*len(o.fns)]
		if err := evalAll(rc, o.fns, r, row); err != nil {
			return nil, err
		}
		out[i] = row
	}
	return out, nil
}
func (o *projectOp) close() { o.in.close() }
