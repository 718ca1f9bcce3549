package builtins

import (
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

func retArray(args []*types.T) *types.T {
	for _, t := range args {
		if t.Family == types.ArrayFamily {
			return t
		}
	}
	return types.ArrayOf(args[0])
}

// arrayContains is array @>: every non-NULL element of b equals some
// element of a (NULLs never match).
func arrayContains(a, b *types.DArray, et *types.T) bool {
	for _, y := range b.Elems {
		if y == types.DNull {
			return false
		}
		found := false
		for _, x := range a.Elems {
			if x != types.DNull && compareDatum(x, y, et) == 0 {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func registerArrayOps(r *Registry) {
	arrFn := func(op string, f func(a, b *types.DArray, et *types.T) types.Datum) {
		r.binOp(op, &Overload{Args: args2(AnyArray, AnyArray), Ret: types.Bool,
			bind: func(at []*types.T) evalFn {
				et := at[0].Elem
				return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
					return f(a[0].(*types.DArray), a[1].(*types.DArray), et), nil
				}
			}})
	}
	arrFn("@>", func(a, b *types.DArray, et *types.T) types.Datum { return types.DBool(arrayContains(a, b, et)) })
	arrFn("<@", func(a, b *types.DArray, et *types.T) types.Datum { return types.DBool(arrayContains(b, a, et)) })
	arrFn("&&", func(a, b *types.DArray, et *types.T) types.Datum {
		for _, x := range a.Elems {
			if x == types.DNull {
				continue
			}
			for _, y := range b.Elems {
				if y != types.DNull && compareDatum(x, y, et) == 0 {
					return types.DBool(true)
				}
			}
		}
		return types.DBool(false)
	})
	r.binOp("||", &Overload{Args: args2(AnyArray, AnyArray), RetFn: retFirst, Oid: 383, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return arrayCat(a[0], a[1]), nil
	}, CalledOnNull: true})
	r.binOp("||", &Overload{Args: args2(AnyArray, nil), RetFn: retFirst, Oid: 378, CalledOnNull: true, bind: func(at []*types.T) evalFn {
		et := at[1]
		return func(_ *EvalContext, a []types.Datum) (types.Datum, error) { return arrayAppend(a[0], a[1], et), nil }
	}})
	r.binOp("||", &Overload{Args: args2(nil, AnyArray), RetFn: retSecond, Oid: 379, CalledOnNull: true, bind: func(at []*types.T) evalFn {
		et := at[0]
		return func(_ *EvalContext, a []types.Datum) (types.Datum, error) { return arrayPrepend(a[0], a[1], et), nil }
	}})
}

func arrayAppend(arr, e types.Datum, et *types.T) types.Datum {
	if arr == types.DNull {
		return &types.DArray{Elem: et, Elems: []types.Datum{e}, LowerBound: 1}
	}
	a := arr.(*types.DArray)
	elems := make([]types.Datum, len(a.Elems), len(a.Elems)+1)
	copy(elems, a.Elems)
	return &types.DArray{Elem: a.Elem, Elems: append(elems, e), LowerBound: lb(a)}
}

func arrayPrepend(e, arr types.Datum, et *types.T) types.Datum {
	if arr == types.DNull {
		return &types.DArray{Elem: et, Elems: []types.Datum{e}, LowerBound: 1}
	}
	a := arr.(*types.DArray)
	elems := make([]types.Datum, 0, len(a.Elems)+1)
	elems = append(elems, e)
	elems = append(elems, a.Elems...)
	l := lb(a) - 1
	return &types.DArray{Elem: a.Elem, Elems: elems, LowerBound: l}
}

func arrayCat(x, y types.Datum) types.Datum {
	if x == types.DNull {
		return y
	}
	if y == types.DNull {
		return x
	}
	a, b := x.(*types.DArray), y.(*types.DArray)
	if len(a.Elems) == 0 {
		return b
	}
	if len(b.Elems) == 0 {
		return a
	}
	elems := make([]types.Datum, 0, len(a.Elems)+len(b.Elems))
	elems = append(elems, a.Elems...)
	elems = append(elems, b.Elems...)
	return &types.DArray{Elem: a.Elem, Elems: elems, LowerBound: lb(a)}
}

func lb(a *types.DArray) int32 {
	if a.LowerBound == 0 {
		return 1
	}
	return a.LowerBound
}

// ResolveScalarArrayOp resolves "l op ANY/ALL (array)": the operator is
// resolved between l and the array's element type. Evaluate with
// EvalScalarArrayOp.
func (r *Registry) ResolveScalarArrayOp(op string, l, arr *types.T) (*Overload, error) {
	et := types.Unknown
	if arr.Family == types.ArrayFamily && arr.Elem != nil {
		et = arr.Elem
	} else if arr.Oid != types.OidUnknown {
		return nil, pgerr.New(pgerr.WrongObjectType, "op ANY/ALL (array) requires array on right side")
	}
	ov, err := r.ResolveBinaryOp(op, l, et)
	if err != nil {
		return nil, err
	}
	if ret := ov.Ret; ret == nil || ret.Oid != types.OidBool {
		return nil, pgerr.New(pgerr.WrongObjectType, "op ANY/ALL (array) requires operator to yield boolean")
	}
	return ov, nil
}

// EvalScalarArrayOp evaluates l op ANY(arr) (useOr) or l op ALL(arr) with
// SQL's three-valued logic; ov comes from ResolveScalarArrayOp and both
// inputs are already cast to ov.Args[0] / ov.Args[1][].
func EvalScalarArrayOp(ctx *EvalContext, ov *Overload, l, arr types.Datum, useOr bool) (types.Datum, error) {
	if arr == types.DNull {
		return types.DNull, nil
	}
	a := arr.(*types.DArray)
	if len(a.Elems) == 0 {
		return types.DBool(!useOr), nil
	}
	if l == types.DNull && !ov.CalledOnNull {
		return types.DNull, nil
	}
	sawNull := false
	args := make([]types.Datum, 2)
	for _, e := range a.Elems {
		if e == types.DNull && !ov.CalledOnNull {
			sawNull = true
			continue
		}
		args[0], args[1] = l, e
		v, err := ov.Fn(ctx, args)
		if err != nil {
			return nil, err
		}
		if v == types.DNull {
			sawNull = true
			continue
		}
		b := bool(v.(types.DBool))
		if useOr && b {
			return types.DBool(true), nil
		}
		if !useOr && !b {
			return types.DBool(false), nil
		}
	}
	if sawNull {
		return types.DNull, nil
	}
	return types.DBool(!useOr), nil
}
