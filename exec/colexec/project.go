package colexec

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// Specs is the column layout of an operator's batches.
type Specs struct {
	s []colSpec
	// fallible: computing these batches may fail with ErrFallback.
	fallible bool
}

// Fallible reports whether the pipeline producing batches of this layout
// may fail with ErrFallback (see numeric.go).
func (s Specs) Fallible() bool { return s.fallible }

// ScanSpecs is the layout of NewScan's batches. Columns that are not
// needed, or whose type has no batch representation, are Null arrays;
// lossy reports a needed column of the latter kind: such a batch must not
// reach the row engine (see exec's vecNode), only operators that do not
// read the column.
func ScanSpecs(typs []*types.T, needed []bool) (s Specs, lossy bool) {
	for i, t := range typs {
		use := needed == nil || i < len(needed) && needed[i]
		if use && !Supported(t) {
			use, lossy = false, true
		}
		s.s = append(s.s, specFor(t, use))
	}
	return s, lossy
}

// valExpr computes a column; the caller releases the returned array.
type valExpr interface {
	eval(env *Env, b *Batch) (arrow.Array, error)
	spec() colSpec
}

func (c *compiler) val(e planner.Expr) (valExpr, bool) {
	switch x := e.(type) {
	case *planner.ColRef:
		if i, ok := c.colRef(x); ok {
			return &colVal{idx: i, s: c.specs[i]}, true
		}
	case *planner.Const, *planner.Param, *planner.CastExpr:
		sc, ok := c.asScalar(x)
		if !ok || !Supported(sc.typ) {
			return nil, false
		}
		return &constVal{c: sc, s: specFor(sc.typ, true), mem: c.mem}, true
	case *planner.CallExpr:
		if len(x.Args) != 2 || (x.Name != "+" && x.Name != "-" && x.Name != "*") {
			return nil, false
		}
		key := x.String()
		if m, ok := c.memo[key]; ok {
			return m, true
		}
		v, ok := c.arith(x)
		if !ok {
			return nil, false
		}
		if c.memo == nil {
			c.memo = map[string]*memoVal{}
		}
		m := &memoVal{v: v}
		c.memo[key] = m
		return m, true
	}
	return nil, false
}

// memoVal computes a repeated subexpression once per batch (TPC-H Q1's
// price * (1 - discount) appears alone and inside the charge).
type memoVal struct {
	v    valExpr
	last *Batch
	arr  arrow.Array
}

func (m *memoVal) spec() colSpec { return m.v.spec() }

func (m *memoVal) eval(env *Env, b *Batch) (arrow.Array, error) {
	if m.last != b || m.arr == nil {
		m.reset()
		a, err := m.v.eval(env, b)
		if err != nil {
			return nil, err
		}
		m.last, m.arr = b, a
	}
	m.arr.Retain()
	return m.arr, nil
}

func (m *memoVal) reset() {
	if m.arr != nil {
		m.arr.Release()
	}
	m.last, m.arr = nil, nil
}

// arith compiles + - * (the operator was checked).
func (c *compiler) arith(x *planner.CallExpr) (valExpr, bool) {
	if v, ok := c.numArith(x); ok {
		return v, true
	}
	lt, rt, t := x.Args[0].Type(), x.Args[1].Type(), x.Typ
	if !lt.Identical(rt) || !lt.Identical(t) {
		return nil, false
	}
	k, ok := kindOf(t)
	if !ok || k != kInt && k != kFloat {
		return nil, false
	}
	l, ok := c.val(x.Args[0])
	if !ok {
		return nil, false
	}
	r, ok := c.val(x.Args[1])
	if !ok {
		return nil, false
	}
	return &arithVal{op: x.Name[0], l: l, r: r, s: specFor(t, true), mem: c.mem}, true
}

type colVal struct {
	idx int
	s   colSpec
}

func (v *colVal) spec() colSpec { return v.s }
func (v *colVal) eval(_ *Env, b *Batch) (arrow.Array, error) {
	a := b.Rec.Column(v.idx)
	a.Retain()
	return a, nil
}

type constVal struct {
	c   *scalar
	s   colSpec
	mem memory.Allocator
}

func (v *constVal) spec() colSpec { return v.s }
func (v *constVal) eval(env *Env, b *Batch) (arrow.Array, error) {
	d, err := v.c.get(env)
	if err != nil {
		return nil, err
	}
	ap := newAppender(v.mem, v.s)
	defer ap.b.Release()
	n := b.Len()
	ap.b.Reserve(n)
	for i := 0; i < n; i++ {
		if err := ap.append(d); err != nil {
			return nil, err
		}
	}
	return ap.b.NewArray(), nil
}

// arithVal is + - * on two integers or two floats of the same type, with
// PostgreSQL's range checks; NULL in, NULL out (no check on NULL rows).
type arithVal struct {
	op   byte
	l, r valExpr
	s    colSpec
	mem  memory.Allocator
}

func (v *arithVal) spec() colSpec { return v.s }

func (v *arithVal) eval(env *Env, b *Batch) (arrow.Array, error) {
	la, err := v.l.eval(env, b)
	if err != nil {
		return nil, err
	}
	defer la.Release()
	ra, err := v.r.eval(env, b)
	if err != nil {
		return nil, err
	}
	defer ra.Release()
	n := b.Len()
	var valid []bool
	if la.NullN() > 0 || ra.NullN() > 0 {
		valid = make([]bool, n)
		for i := range valid {
			valid[i] = la.IsValid(i) && ra.IsValid(i)
		}
	}
	if v.s.k == kInt {
		x, y := la.(*array.Int64).Int64Values(), ra.(*array.Int64).Int64Values()
		out := make([]int64, n)
		w := v.s.t.Width
		for i := range out {
			if valid != nil && !valid[i] {
				continue
			}
			r, ok := intArith(v.op, x[i], y[i], w)
			if !ok {
				return nil, intOutOfRange(w)
			}
			out[i] = r
		}
		return sliceArray(arrow.PrimitiveTypes.Int64, out, valid), nil
	}
	x, y := la.(*array.Float64).Float64Values(), ra.(*array.Float64).Float64Values()
	out := make([]float64, n)
	w := v.s.t.Width
	for i := range out {
		if valid != nil && !valid[i] {
			continue
		}
		r, err := floatArith(v.op, x[i], y[i], w)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return sliceArray(arrow.PrimitiveTypes.Float64, out, valid), nil
}

func intArith(op byte, x, y int64, width int) (int64, bool) {
	var s int64
	switch op {
	case '+':
		s = x + y
		if (x >= 0) == (y >= 0) && (s >= 0) != (x >= 0) {
			return 0, false
		}
	case '-':
		s = x - y
		if (x >= 0) != (y >= 0) && (s >= 0) != (x >= 0) {
			return 0, false
		}
	default:
		if x != 0 && y != 0 {
			s = x * y
			if s/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
				return 0, false
			}
		}
	}
	switch width {
	case 16:
		return s, s >= math.MinInt16 && s <= math.MaxInt16
	case 32:
		return s, s >= math.MinInt32 && s <= math.MaxInt32
	}
	return s, true
}

func intOutOfRange(width int) error {
	switch width {
	case 16:
		return pgerr.New(pgerr.NumericValueOutOfRange, "smallint out of range")
	case 64:
		return pgerr.New(pgerr.NumericValueOutOfRange, "bigint out of range")
	}
	return pgerr.New(pgerr.NumericValueOutOfRange, "integer out of range")
}

// floatArith mirrors the float operators' checkFloat: overflow to
// infinity from finite inputs and underflow to zero from non-zero
// inputs are errors.
func floatArith(op byte, x, y float64, width int) (float64, error) {
	inf := math.IsInf(x, 0) || math.IsInf(y, 0)
	zeroOK := true
	var v float64
	switch op {
	case '+':
		v = x + y
	case '-':
		v = x - y
	default:
		v = x * y
		zeroOK = x == 0 || y == 0
	}
	if math.IsInf(v, 0) && !inf {
		return 0, pgerr.New(pgerr.NumericValueOutOfRange, "value out of range: overflow")
	}
	if v == 0 && !zeroOK {
		return 0, pgerr.New(pgerr.NumericValueOutOfRange, "value out of range: underflow")
	}
	if width == 32 {
		f := float32(v)
		if math.IsInf(float64(f), 0) && !inf {
			return 0, pgerr.New(pgerr.NumericValueOutOfRange, "value out of range: overflow")
		}
		return float64(f), nil
	}
	return v, nil
}

type projectOp struct {
	in     Operator
	memos  []*memoVal
	exprs  []valExpr
	specs  []colSpec
	schema *arrow.Schema
}

// NewProject computes exprs over in's batches; ok is false when one of
// them is not supported. It returns the layout of its output.
func NewProject(mem memory.Allocator, in Operator, inSpecs Specs, exprs []planner.Expr, consts ConstCompiler) (Operator, Specs, bool) {
	c := &compiler{specs: inSpecs.s, mem: mem, consts: consts}
	op := &projectOp{in: in}
	fall := inSpecs.fallible
	for _, e := range exprs {
		v, ok := c.val(e)
		if !ok {
			return nil, Specs{}, false
		}
		op.exprs = append(op.exprs, v)
		op.specs = append(op.specs, v.spec())
		fall = fall || hasFallible(v)
	}
	for _, m := range c.memo {
		op.memos = append(op.memos, m)
	}
	op.schema = schemaFor(op.specs)
	return op, Specs{s: op.specs, fallible: fall}, true
}

func (p *projectOp) Open(env *Env) error { return p.in.Open(env) }

func (p *projectOp) Close() {
	for _, m := range p.memos {
		m.reset()
	}
	p.in.Close()
}

func (p *projectOp) Next(env *Env) (*Batch, error) {
	b, err := p.in.Next(env)
	if err != nil || b == nil {
		return nil, err
	}
	defer b.Release()
	cols := make([]arrow.Array, len(p.exprs))
	for i, e := range p.exprs {
		if cols[i], err = e.eval(env, b); err != nil {
			for _, c := range cols[:i] {
				c.Release()
			}
			return nil, err
		}
	}
	return newBatch(p.schema, p.specs, cols, b.Len()), nil
}
