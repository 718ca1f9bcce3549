package builtins

import "github.com/conflux-db/conflux/sql/types"

func registerAll(r *Registry) {
	registerStringFuncs(r)
	registerMathFuncs(r)
	registerAggregates(r)
	registerWindowFuncs(r)
	registerGenerators(r)
	registerTimeFuncs(r)
	registerJSONFuncs(r)
	registerArrayFuncs(r)
	registerMiscFuncs(r)
	registerIdentFuncs(r)
}

// scalar registers (or extends) a scalar function.
func (r *Registry) scalar(name string, ovs ...*Overload) {
	for _, ov := range ovs {
		if ov.Volatility == 0 {
			ov.Volatility = Immutable
		}
	}
	r.mustRegister(&Func{Name: name, Class: ScalarClass, Overloads: ovs})
}

// ov builds an immutable strict overload.
func ov(oid uint32, args []*types.T, ret *types.T, f evalFn) *Overload {
	return &Overload{Oid: oid, Args: args, Ret: ret, Fn: f}
}

func text(d types.Datum) string   { return string(d.(types.DString)) }
func integer(d types.Datum) int64 { return int64(d.(types.DInt)) }
