package builtins

import (
	"github.com/cockroachdb/apd/v3"
	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// genFunc adapts a closure to Generator.
type genFunc func(ctx *EvalContext) (types.Row, bool, error)

func (g genFunc) Next(ctx *EvalContext) (types.Row, bool, error) { return g(ctx) }

// sliceGen yields precomputed rows.
func sliceGen(rows []types.Row) Generator {
	i := 0
	return genFunc(func(*EvalContext) (types.Row, bool, error) {
		if i >= len(rows) {
			return nil, false, nil
		}
		i++
		return rows[i-1], true, nil
	})
}

func (r *Registry) generator(name string, ovs ...*Overload) {
	for _, o := range ovs {
		if o.Volatility == 0 {
			o.Volatility = Immutable
		}
	}
	r.mustRegister(&Func{Name: name, Class: GeneratorClass, Overloads: ovs})
}

func genOv(oid uint32, args []*types.T, ret *types.T, g func(ctx *EvalContext, a []types.Datum) (Generator, error)) *Overload {
	return &Overload{Oid: oid, Args: args, Ret: ret, Gen: g}
}

func errStepZero() error {
	return pgerr.New(pgerr.InvalidParameterValue, "step size cannot equal zero")
}

func registerGenerators(r *Registry) {
	I4, I8, N, TS, TZ, IV := types.Int4, types.Int8, types.Numeric, types.Timestamp, types.TimestampTZ, types.Interval
	intSeries := func(_ *EvalContext, a []types.Datum) (Generator, error) {
		start, stop, step := integer(a[0]), integer(a[1]), int64(1)
		if len(a) > 2 {
			step = integer(a[2])
		}
		if step == 0 {
			return nil, errStepZero()
		}
		cur, done := start, false
		return genFunc(func(*EvalContext) (types.Row, bool, error) {
			if done || step > 0 && cur > stop || step < 0 && cur < stop {
				return nil, false, nil
			}
			v := cur
			n := cur + step
			if (step > 0) != (n > cur) {
				done = true // overflow ends the series, as in PostgreSQL
			}
			cur = n
			return types.Row{types.DInt(v)}, true, nil
		}), nil
	}
	numSeries := func(_ *EvalContext, a []types.Datum) (Generator, error) {
		start, stop := a[0].(*types.DDecimal), a[1].(*types.DDecimal)
		step := decFromInt(1)
		if len(a) > 2 {
			step = a[2].(*types.DDecimal)
		}
		for i, d := range []*types.DDecimal{start, stop, step} {
			if d.Form == apd.NaN {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "%s value cannot be NaN", []string{"start", "stop", "step size"}[i])
			}
			if d.Form == apd.Infinite {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "%s value cannot be infinity", []string{"start", "stop", "step size"}[i])
			}
		}
		if step.IsZero() {
			return nil, errStepZero()
		}
		cur := start
		// The output scale is the larger of start's and step's.
		sc := max(dscale(start), dscale(step))
		return genFunc(func(*EvalContext) (types.Row, bool, error) {
			c := cur.Cmp(&stop.Decimal)
			if step.Negative && c < 0 || !step.Negative && c > 0 {
				return nil, false, nil
			}
			v := roundDec(cur, sc)
			next, err := numAdd(cur, step)
			if err != nil {
				return nil, false, err
			}
			cur = next
			return types.Row{v}, true, nil
		}), nil
	}
	tsSeries := func(tz bool) func(ctx *EvalContext, a []types.Datum) (Generator, error) {
		return func(ctx *EvalContext, a []types.Datum) (Generator, error) {
			get := func(d types.Datum) int64 {
				if tz {
					return int64(d.(types.DTimestampTZ))
				}
				return int64(d.(types.DTimestamp))
			}
			start, stop, step := get(a[0]), get(a[1]), a[2].(types.DInterval)
			if step.Months == 0 && step.Days == 0 && step.Micros == 0 {
				return nil, errStepZero()
			}
			zero := types.DInterval{}
			neg := cmpInterval(step, zero) < 0
			cur := start
			done := false
			return genFunc(func(ctx *EvalContext) (types.Row, bool, error) {
				if done || !neg && cur > stop || neg && cur < stop {
					return nil, false, nil
				}
				v := cur
				var err error
				if tz {
					cur, err = tstzPlusInterval(ctx, cur, step)
				} else {
					cur, err = tsPlusInterval(cur, step)
				}
				if err != nil {
					done = true
				}
				if tz {
					return types.Row{types.DTimestampTZ(v)}, true, nil
				}
				return types.Row{types.DTimestamp(v)}, true, nil
			}), nil
		}
	}
	r.generator("generate_series",
		genOv(1066, args2(I4, I4), I4, intSeries),
		genOv(1067, args3(I4, I4, I4), I4, intSeries),
		genOv(1068, args2(I8, I8), I8, intSeries),
		genOv(1069, args3(I8, I8, I8), I8, intSeries),
		genOv(3259, args2(N, N), N, numSeries),
		genOv(3260, args3(N, N, N), N, numSeries),
		genOv(938, args3(TS, TS, IV), TS, tsSeries(false)),
		&Overload{Oid: 939, Args: args3(TZ, TZ, IV), Ret: TZ, Gen: tsSeries(true), Volatility: Stable})
	r.generator("unnest", &Overload{Oid: 2331, Args: args1(AnyArray), RetFn: retElem, Gen: func(_ *EvalContext, a []types.Datum) (Generator, error) {
		arr := a[0].(*types.DArray)
		rows := make([]types.Row, len(arr.Elems))
		for i, e := range arr.Elems {
			rows[i] = types.Row{e}
		}
		return sliceGen(rows), nil
	}})
	subs := func(_ *EvalContext, a []types.Datum) (Generator, error) {
		arr := a[0].(*types.DArray)
		if integer(a[1]) != 1 || len(arr.Elems) == 0 {
			return sliceGen(nil), nil
		}
		rev := len(a) > 2 && a[2] != types.DNull && bool(a[2].(types.DBool))
		rows := make([]types.Row, len(arr.Elems))
		for i := range arr.Elems {
			v := int64(lb(arr)) + int64(i)
			if rev {
				v = int64(lb(arr)) + int64(len(arr.Elems)-1-i)
			}
			rows[i] = types.Row{types.DInt(v)}
		}
		return sliceGen(rows), nil
	}
	r.generator("generate_subscripts",
		genOv(1191, args2(AnyArray, I4), I4, subs),
		genOv(1192, args3(AnyArray, I4, types.Bool), I4, subs))
	textArr := types.ArrayOf(types.Text)
	regMatches := func(ctx *EvalContext, a []types.Datum) (Generator, error) {
		flags := ""
		if len(a) > 2 {
			flags = text(a[2])
		}
		global, rf := parseFlags(flags)
		re, err := ctx.regexp(text(a[1]), rf)
		if err != nil {
			return nil, err
		}
		s := text(a[0])
		n := 1
		if global {
			n = -1
		}
		var rows []types.Row
		for _, m := range re.FindAllStringSubmatchIndex(s, n) {
			rows = append(rows, types.Row{matchArray(s, m)})
		}
		return sliceGen(rows), nil
	}
	r.generator("regexp_matches",
		genOv(2763, args2(types.Text, types.Text), textArr, regMatches),
		genOv(2764, args3(types.Text, types.Text, types.Text), textArr, regMatches))
	J := types.JSONB
	arrElems := func(asText bool) func(_ *EvalContext, a []types.Datum) (Generator, error) {
		return func(_ *EvalContext, a []types.Datum) (Generator, error) {
			arr, ok := jsonbOf(a[0]).([]any)
			if !ok {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "cannot extract elements from %s", jsonScalarKind(jsonbOf(a[0])))
			}
			rows := make([]types.Row, len(arr))
			for i, e := range arr {
				if asText {
					rows[i] = types.Row{jsonText(e)}
				} else {
					rows[i] = types.Row{newJSON(e)}
				}
			}
			return sliceGen(rows), nil
		}
	}
	ae := genOv(3219, args1(J), J, arrElems(false))
	ae.OutName = "value"
	r.generator("jsonb_array_elements", ae)
	aet := genOv(3465, args1(J), types.Text, arrElems(true))
	aet.OutName = "value"
	r.generator("jsonb_array_elements_text", aet)
	each := func(asText bool) func(_ *EvalContext, a []types.Datum) (Generator, error) {
		return func(_ *EvalContext, a []types.Datum) (Generator, error) {
			m, ok := jsonbOf(a[0]).(map[string]any)
			if !ok {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "cannot call jsonb_each%s on a non-object", map[bool]string{true: "_text"}[asText])
			}
			var rows []types.Row
			for _, k := range types.SortedJSONKeys(m) {
				if asText {
					rows = append(rows, types.Row{types.DString(k), jsonText(m[k])})
				} else {
					rows = append(rows, types.Row{types.DString(k), newJSON(m[k])})
				}
			}
			return sliceGen(rows), nil
		}
	}
	r.generator("jsonb_each", &Overload{Oid: 3208, Args: args1(J), Ret: types.Record, Gen: each(false),
		GenCols: []catalog.Column{{Name: "key", Type: types.Text}, {Name: "value", Type: J}}})
	r.generator("jsonb_each_text", &Overload{Oid: 3932, Args: args1(J), Ret: types.Record, Gen: each(true),
		GenCols: []catalog.Column{{Name: "key", Type: types.Text}, {Name: "value", Type: types.Text}}})
	r.generator("jsonb_object_keys", genOv(3931, args1(J), types.Text, func(_ *EvalContext, a []types.Datum) (Generator, error) {
		m, ok := jsonbOf(a[0]).(map[string]any)
		if !ok {
			return nil, pgerr.New(pgerr.InvalidParameterValue, "cannot call jsonb_object_keys on a %s", jsonScalarKind(jsonbOf(a[0])))
		}
		var rows []types.Row
		for _, k := range types.SortedJSONKeys(m) {
			rows = append(rows, types.Row{types.DString(k)})
		}
		return sliceGen(rows), nil
	}))
}

func jsonScalarKind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return "scalar"
}
