package builtins

import (
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

type windowFn func(ctx *EvalContext, w *WindowFrame, i int) (types.Datum, error)

func (f windowFn) Compute(ctx *EvalContext, w *WindowFrame, i int) (types.Datum, error) {
	return f(ctx, w, i)
}

func (r *Registry) window(name string, ovs ...*Overload) {
	for _, o := range ovs {
		o.Volatility = Immutable
		o.CalledOnNull = true
	}
	r.mustRegister(&Func{Name: name, Class: WindowClass, Overloads: ovs})
}

func winOv(oid uint32, args []*types.T, ret *types.T, mk func(at []*types.T) WindowFunc) *Overload {
	return &Overload{Oid: oid, Args: args, Ret: ret, Window: mk}
}

// denseRank counts peer groups incrementally: the executor computes rows
// in order, so each call resumes where the previous one stopped.
type denseRank struct {
	w         *WindowFrame
	row, rank int
	next      int // start of the next peer group
}

func (d *denseRank) Compute(_ *EvalContext, w *WindowFrame, i int) (types.Datum, error) {
	if d.w != w || i < d.row {
		*d = denseRank{w: w}
	}
	for d.next <= i {
		d.rank++
		d.next = w.PeerEnd[d.next]
	}
	d.row = i
	return types.DInt(d.rank), nil
}

func registerWindowFuncs(r *Registry) {
	I8, F8 := types.Int8, types.Float8
	r.window("row_number", winOv(3100, []*types.T{}, I8, func([]*types.T) WindowFunc {
		return windowFn(func(_ *EvalContext, _ *WindowFrame, i int) (types.Datum, error) { return types.DInt(i + 1), nil })
	}))
	r.window("rank", winOv(3101, []*types.T{}, I8, func([]*types.T) WindowFunc {
		return windowFn(func(_ *EvalContext, w *WindowFrame, i int) (types.Datum, error) {
			return types.DInt(w.PeerStart[i] + 1), nil
		})
	}))
	r.window("dense_rank", winOv(3102, []*types.T{}, I8, func([]*types.T) WindowFunc { return &denseRank{} }))
	r.window("percent_rank", winOv(3103, []*types.T{}, F8, func([]*types.T) WindowFunc {
		return windowFn(func(_ *EvalContext, w *WindowFrame, i int) (types.Datum, error) {
			n := len(w.PeerStart)
			if n <= 1 {
				return types.DFloat(0), nil
			}
			return types.DFloat(float64(w.PeerStart[i]) / float64(n-1)), nil
		})
	}))
	r.window("cume_dist", winOv(3104, []*types.T{}, F8, func([]*types.T) WindowFunc {
		return windowFn(func(_ *EvalContext, w *WindowFrame, i int) (types.Datum, error) {
			return types.DFloat(float64(w.PeerEnd[i]) / float64(len(w.PeerEnd))), nil
		})
	}))
	r.window("ntile", winOv(3105, args1(types.Int4), types.Int4, func([]*types.T) WindowFunc {
		return windowFn(func(_ *EvalContext, w *WindowFrame, i int) (types.Datum, error) {
			// The bucket count is taken from the partition's first row.
			a := w.Args[0][0]
			if a == types.DNull {
				return types.DNull, nil
			}
			b := int64(a.(types.DInt))
			if b <= 0 {
				return nil, pgerr.New("22014", "argument of ntile must be greater than zero")
			}
			n := int64(len(w.Args))
			q, rem := n/b, n%b
			idx := int64(i)
			if boundary := rem * (q + 1); idx < boundary {
				return types.DInt(idx/(q+1) + 1), nil
			} else if q == 0 {
				return types.DInt(idx + 1), nil
			} else {
				return types.DInt((idx-boundary)/q + rem + 1), nil
			}
		})
	}))
	lagLead := func(sign int) func(at []*types.T) WindowFunc {
		return func(at []*types.T) WindowFunc {
			return windowFn(func(_ *EvalContext, w *WindowFrame, i int) (types.Datum, error) {
				args := w.Args[i]
				off := int64(1)
				if len(args) > 1 {
					if args[1] == types.DNull {
						return types.DNull, nil
					}
					off = int64(args[1].(types.DInt))
				}
				j := int64(i) + int64(sign)*off
				if j < 0 || j >= int64(len(w.Args)) {
					if len(args) > 2 {
						return args[2], nil
					}
					return types.DNull, nil
				}
				return w.Args[j][0], nil
			})
		}
	}
	for _, name := range []string{"lag", "lead"} {
		sign := -1
		oids := []uint32{3106, 3107, 3108}
		if name == "lead" {
			sign = 1
			oids = []uint32{3109, 3110, 3111}
		}
		r.window(name,
			&Overload{Oid: oids[0], Args: args1(nil), RetFn: retFirst, Window: lagLead(sign)},
			&Overload{Oid: oids[1], Args: args2(nil, types.Int4), RetFn: retFirst, Window: lagLead(sign)},
			&Overload{Oid: oids[2], Args: args3(nil, types.Int4, nil), RetFn: retFirst, Window: lagLead(sign)})
	}
	r.window("first_value", &Overload{Oid: 3112, Args: args1(nil), RetFn: retFirst, Window: func([]*types.T) WindowFunc {
		return windowFn(func(_ *EvalContext, w *WindowFrame, i int) (types.Datum, error) {
			if w.FrameStart[i] >= w.FrameEnd[i] {
				return types.DNull, nil
			}
			return w.Args[w.FrameStart[i]][0], nil
		})
	}})
	r.window("last_value", &Overload{Oid: 3113, Args: args1(nil), RetFn: retFirst, Window: func([]*types.T) WindowFunc {
		return windowFn(func(_ *EvalContext, w *WindowFrame, i int) (types.Datum, error) {
			if w.FrameStart[i] >= w.FrameEnd[i] {
				return types.DNull, nil
			}
			return w.Args[w.FrameEnd[i]-1][0], nil
		})
	}})
	r.window("nth_value", &Overload{Oid: 3114, Args: args2(nil, types.Int4), RetFn: retFirst, Window: func([]*types.T) WindowFunc {
		return windowFn(func(_ *EvalContext, w *WindowFrame, i int) (types.Datum, error) {
			nd := w.Args[i][1]
			if nd == types.DNull {
				return types.DNull, nil
			}
			n := int64(nd.(types.DInt))
			if n <= 0 {
				return nil, pgerr.New("22016", "argument of nth_value must be greater than zero")
			}
			j := int64(w.FrameStart[i]) + n - 1
			if j >= int64(w.FrameEnd[i]) {
				return types.DNull, nil
			}
			return w.Args[j][0], nil
		})
	}})
}
