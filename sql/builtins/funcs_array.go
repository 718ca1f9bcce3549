package builtins

import (
	"github.com/conflux-db/conflux/sql/types"
)

func registerArrayFuncs(r *Registry) {
	I4 := types.Int4
	dimFn := func(f func(a *types.DArray) types.Datum) evalFn {
		return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			arr := a[0].(*types.DArray)
			if integer(a[1]) != 1 || len(arr.Elems) == 0 {
				return types.DNull, nil
			}
			return f(arr), nil
		}
	}
	r.scalar("array_length", ov(2176, args2(AnyArray, I4), I4, dimFn(func(a *types.DArray) types.Datum { return types.DInt(len(a.Elems)) })))
	r.scalar("array_lower", ov(2091, args2(AnyArray, I4), I4, dimFn(func(a *types.DArray) types.Datum { return types.DInt(lb(a)) })))
	r.scalar("array_upper", ov(2092, args2(AnyArray, I4), I4, dimFn(func(a *types.DArray) types.Datum {
		return types.DInt(int64(lb(a)) + int64(len(a.Elems)) - 1)
	})))
	r.scalar("array_ndims", ov(748, args1(AnyArray), I4, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		if len(a[0].(*types.DArray).Elems) == 0 {
			return types.DNull, nil
		}
		return types.DInt(1), nil
	}))
	r.scalar("cardinality", ov(3179, args1(AnyArray), I4, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.DInt(len(a[0].(*types.DArray).Elems)), nil
	}))
	r.scalar("array_append", &Overload{Oid: 378, Args: args2(AnyArray, nil), RetFn: retFirst, CalledOnNull: true, bind: func(at []*types.T) evalFn {
		et := at[1]
		return func(_ *EvalContext, a []types.Datum) (types.Datum, error) { return arrayAppend(a[0], a[1], et), nil }
	}})
	r.scalar("array_prepend", &Overload{Oid: 379, Args: args2(nil, AnyArray), RetFn: retSecond, CalledOnNull: true, bind: func(at []*types.T) evalFn {
		et := at[0]
		return func(_ *EvalContext, a []types.Datum) (types.Datum, error) { return arrayPrepend(a[0], a[1], et), nil }
	}})
	r.scalar("array_cat", &Overload{Oid: 383, Args: args2(AnyArray, AnyArray), RetFn: retFirst, CalledOnNull: true, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return arrayCat(a[0], a[1]), nil
	}})
	position := func(at []*types.T) evalFn {
		et := at[1]
		return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			if a[0] == types.DNull {
				return types.DNull, nil
			}
			arr := a[0].(*types.DArray)
			start := 0
			if len(a) > 2 {
				if a[2] == types.DNull {
					return types.DNull, nil
				}
				start = int(integer(a[2]) - int64(lb(arr)))
				if start < 0 {
					start = 0
				}
			}
			for i := start; i < len(arr.Elems); i++ {
				e := arr.Elems[i]
				if (e == types.DNull) == (a[1] == types.DNull) && (e == types.DNull || compareDatum(e, a[1], et) == 0) {
					return types.DInt(int64(lb(arr)) + int64(i)), nil
				}
			}
			return types.DNull, nil
		}
	}
	r.scalar("array_position",
		&Overload{Oid: 3277, Args: args2(AnyArray, nil), Ret: I4, CalledOnNull: true, bind: position},
		&Overload{Oid: 3278, Args: args3(AnyArray, nil, I4), Ret: I4, CalledOnNull: true, bind: position})
	r.scalar("array_remove", &Overload{Oid: 3167, Args: args2(AnyArray, nil), RetFn: retFirst, CalledOnNull: true, bind: func(at []*types.T) evalFn {
		et := at[1]
		return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			if a[0] == types.DNull {
				return types.DNull, nil
			}
			arr := a[0].(*types.DArray)
			out := &types.DArray{Elem: arr.Elem, LowerBound: 1, Elems: []types.Datum{}}
			for _, e := range arr.Elems {
				if (e == types.DNull) == (a[1] == types.DNull) && (e == types.DNull || compareDatum(e, a[1], et) == 0) {
					continue
				}
				out.Elems = append(out.Elems, e)
			}
			return out, nil
		}
	}})
	r.scalar("array_replace", &Overload{Oid: 3168, Args: args3(AnyArray, nil, nil), RetFn: retFirst, CalledOnNull: true, bind: func(at []*types.T) evalFn {
		et := at[1]
		return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			if a[0] == types.DNull {
				return types.DNull, nil
			}
			arr := a[0].(*types.DArray)
			out := &types.DArray{Elem: arr.Elem, LowerBound: lb(arr), Elems: make([]types.Datum, len(arr.Elems))}
			for i, e := range arr.Elems {
				if (e == types.DNull) == (a[1] == types.DNull) && (e == types.DNull || compareDatum(e, a[1], et) == 0) {
					e = a[2]
				}
				out.Elems[i] = e
			}
			return out, nil
		}
	}})
}
