package exec

import (
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/rowstore"
	"github.com/conflux-db/conflux/sql/pgcatalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

type evalFn func(rc *runCtx, row types.Row) (types.Datum, error)

var dTrue, dFalse types.Datum = types.DBool(true), types.DBool(false)

func boolDatum(b bool) types.Datum {
	if b {
		return dTrue
	}
	return dFalse
}

func (f *factory) compileAll(es []planner.Expr) ([]evalFn, error) {
	out := make([]evalFn, len(es))
	for i, e := range es {
		var err error
		if out[i], err = f.compile(e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func evalAll(rc *runCtx, fns []evalFn, row types.Row, out []types.Datum) error {
	for i, fn := range fns {
		d, err := fn(rc, row)
		if err != nil {
			return err
		}
		out[i] = d
	}
	return nil
}

// compile turns a planner expression into a closure.
func (f *factory) compile(e planner.Expr) (evalFn, error) {
	if e == nil {
		return func(*runCtx, types.Row) (types.Datum, error) { return dTrue, nil }, nil
	}
	switch x := e.(type) {
	case *planner.Const:
		v := x.Val
		return func(*runCtx, types.Row) (types.Datum, error) { return v, nil }, nil
	case *planner.ColRef:
		i := x.Idx
		return func(_ *runCtx, row types.Row) (types.Datum, error) { return row[i], nil }, nil
	case *planner.OuterRef:
		d, i := x.Depth, x.Idx
		return func(rc *runCtx, _ types.Row) (types.Datum, error) {
			n := len(rc.outer) - d
			if n < 0 || i >= len(rc.outer[n]) {
				return nil, pgerr.New(pgerr.InternalError, "outer reference out of range")
			}
			return rc.outer[n][i], nil
		}, nil
	case *planner.Param:
		i := x.Idx
		t := x.Typ
		return func(rc *runCtx, _ types.Row) (types.Datum, error) {
			if i >= len(rc.params) {
				return nil, pgerr.New(pgerr.UndefinedParameter, "there is no parameter $%d", i+1)
			}
			d := rc.params[i]
			if d == nil {
				return types.DNull, nil
			}
			if s, ok := d.(types.DString); ok && t.Family != types.StringFamily && t.Family != types.UnknownFamily {
				// A parameter sent as text for a non-text type.
				return types.ParseText(string(s), t, rc.tctx)
			}
			return d, nil
		}, nil
	case planner.RowIDExpr:
		return func(*runCtx, types.Row) (types.Datum, error) { return types.DInt(rowstore.NewRowID()), nil }, nil
	case *planner.CallExpr:
		args, err := f.compileAll(x.Args)
		if err != nil {
			return nil, err
		}
		ov := x.Overload
		if ov == nil || ov.Fn == nil {
			return nil, pgerr.Unsupported("function " + x.Name)
		}
		strict := !ov.CalledOnNull
		return func(rc *runCtx, row types.Row) (types.Datum, error) {
			vals := make([]types.Datum, len(args))
			for i, a := range args {
				d, err := a(rc, row)
				if err != nil {
					return nil, err
				}
				if strict && d == types.DNull {
					return types.DNull, nil
				}
				vals[i] = d
			}
			return ov.Fn(rc.eval, vals)
		}, nil
	case *planner.Cmp:
		l, err := f.compile(x.L)
		if err != nil {
			return nil, err
		}
		r, err := f.compile(x.R)
		if err != nil {
			return nil, err
		}
		op := x.Op
		return func(rc *runCtx, row types.Row) (types.Datum, error) {
			a, err := l(rc, row)
			if err != nil || a == types.DNull {
				return types.DNull, err
			}
			b, err := r(rc, row)
			if err != nil || b == types.DNull {
				return types.DNull, err
			}
			return boolDatum(cmpResult(op, types.Compare(a, b))), nil
		}, nil
	case *planner.BoolOp:
		args, err := f.compileAll(x.Args)
		if err != nil {
			return nil, err
		}
		switch x.Op {
		case "NOT":
			a := args[0]
			return func(rc *runCtx, row types.Row) (types.Datum, error) {
				d, err := a(rc, row)
				if err != nil || d == types.DNull {
					return d, err
				}
				return boolDatum(!bool(d.(types.DBool))), nil
			}, nil
		case "AND":
			return func(rc *runCtx, row types.Row) (types.Datum, error) {
				sawNull := false
				for _, a := range args {
					d, err := a(rc, row)
					if err != nil {
						return nil, err
					}
					if d == types.DNull {
						sawNull = true
					} else if !bool(d.(types.DBool)) {
						return dFalse, nil
					}
				}
				if sawNull {
					return types.DNull, nil
				}
				return dTrue, nil
			}, nil
		default:
			return func(rc *runCtx, row types.Row) (types.Datum, error) {
				sawNull := false
				for _, a := range args {
					d, err := a(rc, row)
					if err != nil {
						return nil, err
					}
					if d == types.DNull {
						sawNull = true
					} else if bool(d.(types.DBool)) {
						return dTrue, nil
					}
				}
				if sawNull {
					return types.DNull, nil
				}
				return dFalse, nil
			}, nil
		}
	case *planner.IsNullExpr:
		a, err := f.compile(x.Arg)
		if err != nil {
			return nil, err
		}
		not := x.Not
		return func(rc *runCtx, row types.Row) (types.Datum, error) {
			d, err := a(rc, row)
			if err != nil {
				return nil, err
			}
			isNull := d == types.DNull
			if t, ok := d.(*types.DTuple); ok {
				// Row IS NULL: all fields null; IS NOT NULL: all fields non-null.
				all, none := true, true
				for _, e := range t.Elems {
					if e == types.DNull {
						none = false
					} else {
						all = false
					}
				}
				if not {
					return boolDatum(none), nil
				}
				return boolDatum(all), nil
			}
			return boolDatum(isNull != not), nil
		}, nil
	case *planner.IsDistinct:
		l, err := f.compile(x.L)
		if err != nil {
			return nil, err
		}
		r, err := f.compile(x.R)
		if err != nil {
			return nil, err
		}
		not := x.Not
		return func(rc *runCtx, row types.Row) (types.Datum, error) {
			a, err := l(rc, row)
			if err != nil {
				return nil, err
			}
			b, err := r(rc, row)
			if err != nil {
				return nil, err
			}
			var distinct bool
			switch {
			case a == types.DNull && b == types.DNull:
				distinct = false
			case a == types.DNull || b == types.DNull:
				distinct = true
			default:
				distinct = types.Compare(a, b) != 0
			}
			return boolDatum(distinct != not), nil
		}, nil
	case *planner.BoolTest:
		a, err := f.compile(x.Arg)
		if err != nil {
			return nil, err
		}
		test := x.Test
		return func(rc *runCtx, row types.Row) (types.Datum, error) {
			d, err := a(rc, row)
			if err != nil {
				return nil, err
			}
			var r bool
			switch test {
			case "TRUE":
				r = d == dTrue
			case "NOT TRUE":
				r = d != dTrue
			case "FALSE":
				r = d == dFalse
			case "NOT FALSE":
				r = d != dFalse
			case "UNKNOWN":
				r = d == types.DNull
			case "NOT UNKNOWN":
				r = d != types.DNull
			}
			return boolDatum(r), nil
		}, nil
	case *planner.CaseExpr:
		type arm struct{ c, r evalFn }
		var arms []arm
		for _, w := range x.Whens {
			c, err := f.compile(w.Cond)
			if err != nil {
				return nil, err
			}
			r, err := f.compile(w.Result)
			if err != nil {
				return nil, err
			}
			arms = append(arms, arm{c, r})
		}
		var els evalFn
		if x.Else != nil {
			var err error
			if els, err = f.compile(x.Else); err != nil {
				return nil, err
			}
		}
		return func(rc *runCtx, row types.Row) (types.Datum, error) {
			for _, a := range arms {
				c, err := a.c(rc, row)
				if err != nil {
					return nil, err
				}
				if c == dTrue {
					return a.r(rc, row)
				}
			}
			if els != nil {
				return els(rc, row)
			}
			return types.DNull, nil
		}, nil
	case *planner.CoalesceExpr:
		args, err := f.compileAll(x.Args)
		if err != nil {
			return nil, err
		}
		return func(rc *runCtx, row types.Row) (types.Datum, error) {
			for _, a := range args {
				d, err := a(rc, row)
				if err != nil {
					return nil, err
				}
				if d != types.DNull {
					return d, nil
				}
			}
			return types.DNull, nil
		}, nil
	case *planner.NullIfExpr:
		l, err := f.compile(x.L)
		if err != nil {
			return nil, err
		}
		r, err := f.compile(x.R)
		if err != nil {
			return nil, err
		}
		return func(rc *runCtx, row types.Row) (types.Datum, error) {
			a, err := l(rc, row)
			if err != nil || a == types.DNull {
				return a, err
			}
			b, err := r(rc, row)
			if err != nil {
				return nil, err
			}
			if b != types.DNull && types.Compare(a, b) == 0 {
				return types.DNull, nil
			}
			return a, nil
		}, nil
	case *planner.MinMaxExpr:
		args, err := f.compileAll(x.Args)
		if err != nil {
			return nil, err
		}
		g := x.Greatest
		return func(rc *runCtx, row types.Row) (types.Datum, error) {
			var best types.Datum = types.DNull
			for _, a := range args {
				d, err := a(rc, row)
				if err != nil {
					return nil, err
				}
				if d == types.DNull {
					continue
				}
				if best == types.DNull {
					best = d
					continue
				}
				c := types.Compare(d, best)
				if (g && c > 0) || (!g && c < 0) {
					best = d
				}
			}
			return best, nil
		}, nil
	case *planner.CastExpr:
		a, err := f.compile(x.Arg)
		if err != nil {
			return nil, err
		}
		from, to, assign := x.Arg.Type(), x.Typ, x.Assignment
		return func(rc *runCtx, row types.Row) (types.Datum, error) {
			d, err := a(rc, row)
			if err != nil || d == types.DNull {
				return d, err
			}
			if pgcatalog.IsRegType(to) && from.Family == types.StringFamily {
				return pgcatalog.RegIn(string(d.(types.DString)), to, pgcatalog.EvalNameEnv(rc.eval))
			}
			if pgcatalog.IsRegType(from) && to.Family == types.StringFamily {
				return types.DString(pgcatalog.RegOut(d, from, pgcatalog.EvalNameEnv(rc.eval))), nil
			}
			if assign {
				return types.CastAssignment(d, from, to, rc.tctx)
			}
			return types.Cast(d, from, to, rc.tctx)
		}, nil
	case *planner.InList:
		a, err := f.compile(x.Arg)
		if err != nil {
			return nil, err
		}
		list, err := f.compileAll(x.List)
		if err != nil {
			return nil, err
		}
		not := x.Not
		return func(rc *runCtx, row types.Row) (types.Datum, error) {
			v, err := a(rc, row)
			if err != nil || v == types.DNull {
				return types.DNull, err
			}
			sawNull := false
			for _, l := range list {
				d, err := l(rc, row)
				if err != nil {
					return nil, err
				}
				if d == types.DNull {
					sawNull = true
				} else if types.Compare(v, d) == 0 {
					return boolDatum(!not), nil
				}
			}
			if sawNull {
				return types.DNull, nil
			}
			return boolDatum(not), nil
		}, nil
	case *planner.AnyExpr:
		a, err := f.compile(x.Arg)
		if err != nil {
			return nil, err
		}
		arr, err := f.compile(x.Array)
		if err != nil {
			return nil, err
		}
		op, all, ov := x.Op, x.All, x.Overload
		return func(rc *runCtx, row types.Row) (types.Datum, error) {
			v, err := a(rc, row)
			if err != nil {
				return nil, err
			}
			ad, err := arr(rc, row)
			if err != nil || ad == types.DNull {
				return types.DNull, err
			}
			elems := ad.(*types.DArray).Elems
			sawNull := false
			for _, e := range elems {
				var r types.Datum
				if v == types.DNull || e == types.DNull {
					if ov == nil || !ov.CalledOnNull {
						sawNull = true
						continue
					}
				}
				if ov != nil {
					if r, err = ov.Fn(rc.eval, []types.Datum{v, e}); err != nil {
						return nil, err
					}
				} else {
					r = boolDatum(cmpResult(op, types.Compare(v, e)))
				}
				if r == types.DNull {
					sawNull = true
					continue
				}
				b := bool(r.(types.DBool))
				if all && !b {
					return dFalse, nil
				}
				if !all && b {
					return dTrue, nil
				}
			}
			if sawNull {
				return types.DNull, nil
			}
			return boolDatum(all), nil
		}, nil
	case *planner.ArrayExpr:
		elems, err := f.compileAll(x.Elems)
		if err != nil {
			return nil, err
		}
		et := x.Typ.Elem
		return func(rc *runCtx, row types.Row) (types.Datum, error) {
			out := make([]types.Datum, len(elems))
			if err := evalAll(rc, elems, row, out); err != nil {
				return nil, err
			}
			return &types.DArray{Elem: et, Elems: out, LowerBound: 1}, nil
		}, nil
	case *planner.SubscriptExpr:
		a, err := f.compile(x.Arr)
		if err != nil {
			return nil, err
		}
		ix, err := f.compile(x.Idx)
		if err != nil {
			return nil, err
		}
		return func(rc *runCtx, row types.Row) (types.Datum, error) {
			ad, err := a(rc, row)
			if err != nil || ad == types.DNull {
				return types.DNull, err
			}
			id, err := ix(rc, row)
			if err != nil || id == types.DNull {
				return types.DNull, err
			}
			arr := ad.(*types.DArray)
			lb := arr.LowerBound
			if lb == 0 {
				lb = 1
			}
			i := int64(id.(types.DInt)) - int64(lb)
			if i < 0 || i >= int64(len(arr.Elems)) {
				return types.DNull, nil
			}
			return arr.Elems[i], nil
		}, nil
	case *planner.SliceExpr:
		return f.compileSlice(x)
	case *planner.TupleExpr:
		elems, err := f.compileAll(x.Elems)
		if err != nil {
			return nil, err
		}
		ts := make([]*types.T, len(x.Elems))
		for i, e := range x.Elems {
			ts[i] = e.Type()
		}
		return func(rc *runCtx, row types.Row) (types.Datum, error) {
			out := make([]types.Datum, len(elems))
			if err := evalAll(rc, elems, row, out); err != nil {
				return nil, err
			}
			return &types.DTuple{Types: ts, Elems: out}, nil
		}, nil
	case *planner.SubqueryExpr:
		return f.compileSubquery(x)
	}
	return nil, pgerr.Unsupported("expression " + e.String())
}

func cmpResult(op planner.CmpOp, c int) bool {
	switch op {
	case planner.CmpEQ:
		return c == 0
	case planner.CmpNE:
		return c != 0
	case planner.CmpLT:
		return c < 0
	case planner.CmpLE:
		return c <= 0
	case planner.CmpGT:
		return c > 0
	}
	return c >= 0
}

// compileSubquery builds the sub-plan once; uncorrelated results are
// computed on first use and reused for the rest of the execution.
func (f *factory) compileSubquery(x *planner.SubqueryExpr) (evalFn, error) {
	node, err := planner.Construct(f, x.Plan)
	if err != nil {
		return nil, err
	}
	op := node.(operator)
	var cached []types.Row
	haveCache := false
	rows := func(rc *runCtx, row types.Row) ([]types.Row, error) {
		if !x.Correlated && haveCache {
			return cached, nil
		}
		rc.outer = append(rc.outer, row)
		rs, err := drain(rc, op)
		rc.outer = rc.outer[:len(rc.outer)-1]
		if err != nil {
			return nil, err
		}
		if !x.Correlated {
			cached, haveCache = rs, true
		}
		return rs, nil
	}
	var arg evalFn
	if x.Arg != nil {
		if arg, err = f.compile(x.Arg); err != nil {
			return nil, err
		}
	}
	switch x.Kind {
	case planner.SubqueryExists:
		return func(rc *runCtx, row types.Row) (types.Datum, error) {
			rs, err := rows(rc, row)
			return boolDatum(len(rs) > 0), err
		}, nil
	case planner.SubqueryScalar:
		return func(rc *runCtx, row types.Row) (types.Datum, error) {
			rs, err := rows(rc, row)
			if err != nil {
				return nil, err
			}
			if len(rs) > 1 {
				return nil, pgerr.New(pgerr.CardinalityViolation, "more than one row returned by a subquery used as an expression")
			}
			if len(rs) == 0 {
				return types.DNull, nil
			}
			return rs[0][0], nil
		}, nil
	case planner.SubqueryArray:
		et := x.Typ.Elem
		return func(rc *runCtx, row types.Row) (types.Datum, error) {
			rs, err := rows(rc, row)
			if err != nil {
				return nil, err
			}
			out := make([]types.Datum, len(rs))
			for i, r := range rs {
				out[i] = r[0]
			}
			return &types.DArray{Elem: et, Elems: out, LowerBound: 1}, nil
		}, nil
	}
	op2, all := x.Op, x.All
	return func(rc *runCtx, row types.Row) (types.Datum, error) {
		v, err := arg(rc, row)
		if err != nil {
			return nil, err
		}
		rs, err := rows(rc, row)
		if err != nil {
			return nil, err
		}
		sawNull := false
		for _, r := range rs {
			res := cmpRow(op2, v, r)
			if res == types.DNull {
				sawNull = true
				continue
			}
			b := bool(res.(types.DBool))
			if all && !b {
				return dFalse, nil
			}
			if !all && b {
				return dTrue, nil
			}
		}
		if sawNull {
			return types.DNull, nil
		}
		return boolDatum(all), nil
	}, nil
}

// cmpRow compares v (a scalar or a tuple) with a subquery row.
func cmpRow(op planner.CmpOp, v types.Datum, r types.Row) types.Datum {
	if t, ok := v.(*types.DTuple); ok {
		// Only = / <> for rows: equal when all fields equal.
		sawNull := false
		for i, e := range t.Elems {
			if e == types.DNull || r[i] == types.DNull {
				sawNull = true
				continue
			}
			if types.Compare(e, r[i]) != 0 {
				return boolDatum(op == planner.CmpNE)
			}
		}
		if sawNull {
			return types.DNull
		}
		return boolDatum(op == planner.CmpEQ)
	}
	if v == types.DNull || r[0] == types.DNull {
		return types.DNull
	}
	return boolDatum(cmpResult(op, types.Compare(v, r[0])))
}

func isTrue(d types.Datum) bool { return d == dTrue || d == types.DBool(true) }

// compileSlice evaluates arr[lo:hi] like array_get_slice for one
// dimension: omitted bounds are the array's own, the range is clipped to
// the array, and the result (possibly empty) starts at index 1.
func (f *factory) compileSlice(x *planner.SliceExpr) (evalFn, error) {
	fns, err := f.compileAll([]planner.Expr{x.Arr, x.Lo, x.Hi})
	if err != nil {
		return nil, err
	}
	return func(rc *runCtx, row types.Row) (types.Datum, error) {
		var v [3]types.Datum
		for i, fn := range fns {
			d, err := fn(rc, row)
			if err != nil {
				return nil, err
			}
			v[i] = d
		}
		if v[0] == types.DNull || (x.HasLo && v[1] == types.DNull) || (x.HasHi && v[2] == types.DNull) {
			return types.DNull, nil
		}
		arr := v[0].(*types.DArray)
		lb := int64(arr.LowerBound)
		if lb == 0 {
			lb = 1
		}
		lo, hi := lb, lb+int64(len(arr.Elems))-1
		if x.HasLo {
			lo = max(lo, int64(v[1].(types.DInt)))
		}
		if x.HasHi {
			hi = min(hi, int64(v[2].(types.DInt)))
		}
		out := &types.DArray{Elem: arr.Elem, LowerBound: 1}
		if lo <= hi {
			out.Elems = append([]types.Datum(nil), arr.Elems[lo-lb:hi-lb+1]...)
		}
		return out, nil
	}, nil
}
