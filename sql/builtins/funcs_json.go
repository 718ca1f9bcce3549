package builtins

import (
	"encoding/json"
	"strings"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// toJSON is to_jsonb: numbers stay numbers, bools bools, arrays arrays,
// everything else its text form as a string.
func toJSON(ctx *EvalContext, d types.Datum, t *types.T) (any, error) {
	switch v := d.(type) {
	case nil:
		return nil, nil
	case types.DBool:
		return bool(v), nil
	case types.DInt, types.DFloat, *types.DDecimal:
		s := types.FormatText(d, t, nil)
		if s == "NaN" || strings.HasSuffix(s, "Infinity") {
			return s, nil
		}
		return json.Number(s), nil
	case *types.DJSON:
		return v.V, nil
	case *types.DArray:
		out := make([]any, len(v.Elems))
		for i, e := range v.Elems {
			x, err := toJSON(ctx, e, v.Elem)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case *types.DTuple:
		m := map[string]any{}
		for i, e := range v.Elems {
			var et *types.T
			if i < len(v.Types) {
				et = v.Types[i]
			}
			x, err := toJSON(ctx, e, et)
			if err != nil {
				return nil, err
			}
			m["f"+itoa(i+1)] = x
		}
		return m, nil
	case types.DTimestamp, types.DTimestampTZ:
		// JSON uses ISO 8601 with a T separator.
		s := types.FormatText(d, t, ctx.typesCtx())
		return strings.Replace(s, " ", "T", 1), nil
	}
	if d == types.DNull {
		return nil, nil
	}
	return types.FormatText(d, t, ctx.typesCtx()), nil
}

func itoa(i int) string {
	return string(types.AppendText(nil, types.DInt(i), types.Int8, nil))
}

func jsonKey(ctx *EvalContext, d types.Datum, t *types.T) (string, error) {
	if s, ok := d.(types.DString); ok {
		return string(s), nil
	}
	return types.FormatText(d, t, ctx.typesCtx()), nil
}

func jsonTypeof(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}

func registerJSONFuncs(r *Registry) {
	J, T := types.JSONB, types.Text
	textArr := types.ArrayOf(T)
	r.scalar("jsonb_typeof", ov(3210, args1(J), T, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.DString(jsonTypeof(jsonbOf(a[0]))), nil
	}))
	r.scalar("jsonb_array_length", ov(3207, args1(J), types.Int4, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		arr, ok := jsonbOf(a[0]).([]any)
		if !ok {
			if _, isObj := jsonbOf(a[0]).(map[string]any); isObj {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "cannot get array length of a non-array")
			}
			return nil, pgerr.New(pgerr.InvalidParameterValue, "cannot get array length of a scalar")
		}
		return types.DInt(len(arr)), nil
	}))
	r.scalar("jsonb_build_object", &Overload{Oid: 3273, Args: args1(Any), Variadic: true, Ret: J, CalledOnNull: true, Volatility: Stable,
		bind: func(at []*types.T) evalFn {
			return func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
				if len(a)%2 != 0 {
					return nil, pgerr.New(pgerr.InvalidParameterValue, "argument list must have even number of elements").
						WithHint("The arguments of jsonb_build_object() must consist of alternating keys and values.")
				}
				m := map[string]any{}
				for i := 0; i < len(a); i += 2 {
					if a[i] == types.DNull {
						return nil, pgerr.New(pgerr.InvalidParameterValue, "argument %d: key must not be null", i+1)
					}
					k, err := jsonKey(ctx, a[i], at[i])
					if err != nil {
						return nil, err
					}
					v, err := toJSON(ctx, a[i+1], at[i+1])
					if err != nil {
						return nil, err
					}
					m[k] = v
				}
				return newJSON(m), nil
			}
		}},
		&Overload{Oid: 3274, Args: []*types.T{}, Ret: J, Fn: func(*EvalContext, []types.Datum) (types.Datum, error) {
			return newJSON(map[string]any{}), nil
		}})
	r.scalar("jsonb_build_array", &Overload{Oid: 3271, Args: args1(Any), Variadic: true, Ret: J, CalledOnNull: true, Volatility: Stable,
		bind: func(at []*types.T) evalFn {
			return func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
				out := make([]any, len(a))
				for i := range a {
					v, err := toJSON(ctx, a[i], at[i])
					if err != nil {
						return nil, err
					}
					out[i] = v
				}
				return newJSON(out), nil
			}
		}},
		&Overload{Oid: 3272, Args: []*types.T{}, Ret: J, Fn: func(*EvalContext, []types.Datum) (types.Datum, error) {
			return newJSON([]any{}), nil
		}})
	r.scalar("to_jsonb", &Overload{Oid: 3787, Args: args1(nil), Ret: J, Volatility: Stable, bind: func(at []*types.T) evalFn {
		return func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			v, err := toJSON(ctx, a[0], at[0])
			if err != nil {
				return nil, err
			}
			return newJSON(v), nil
		}
	}})
	extract := func(asText bool) evalFn {
		return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			v, ok := jsonPath(jsonbOf(a[0]), &types.DArray{Elem: T, Elems: a[1:]})
			if !ok {
				return types.DNull, nil
			}
			if asText {
				return jsonText(v), nil
			}
			return newJSON(v), nil
		}
	}
	r.scalar("jsonb_extract_path", &Overload{Oid: 3217, Args: args2(J, T), Variadic: true, Ret: J, Fn: extract(false)})
	r.scalar("jsonb_extract_path_text", &Overload{Oid: 3940, Args: args2(J, T), Variadic: true, Ret: T, Fn: extract(true)})
	set := func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		create := true
		if len(a) > 3 {
			create = bool(a[3].(types.DBool))
		}
		path := a[1].(*types.DArray)
		for _, e := range path.Elems {
			if e == types.DNull {
				return nil, pgerr.New(pgerr.NullValueNotAllowed, "path element at position 1 is null")
			}
		}
		v, err := jsonSet(jsonbOf(a[0]), textArrayStrings(a[1]), jsonbOf(a[2]), create)
		if err != nil {
			return nil, err
		}
		return newJSON(v), nil
	}
	r.scalar("jsonb_set", ov(3304, argsN(J, textArr, J, types.Bool), J, set), ov(0, args3(J, textArr, J), J, set))
	r.scalar("jsonb_pretty", ov(3306, args1(J), T, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		var sb strings.Builder
		jsonPretty(&sb, jsonbOf(a[0]), 0)
		return types.DString(sb.String()), nil
	}))
	r.scalar("jsonb_strip_nulls", ov(3262, args1(J), J, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return newJSON(stripNulls(jsonbOf(a[0]))), nil
	}))
}

func stripNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, e := range x {
			if e != nil {
				m[k] = stripNulls(e)
			}
		}
		return m
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = stripNulls(e)
		}
		return out
	}
	return v
}

func jsonSet(v any, path []string, nv any, create bool) (any, error) {
	if len(path) == 0 {
		return nv, nil
	}
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x)+1)
		for k, e := range x {
			m[k] = e
		}
		cur, ok := x[path[0]]
		if !ok {
			if create && len(path) == 1 {
				m[path[0]] = nv
			}
			return m, nil
		}
		n, err := jsonSet(cur, path[1:], nv, create)
		if err != nil {
			return nil, err
		}
		m[path[0]] = n
		return m, nil
	case []any:
		idx, err := parseIntStrict(path[0])
		if err != nil {
			return nil, pgerr.New(pgerr.InvalidTextRepresentation, "path element at position 1 is not an integer: \"%s\"", path[0])
		}
		out := append([]any(nil), x...)
		if idx < 0 {
			idx += int64(len(x))
		}
		if idx < 0 || idx >= int64(len(x)) {
			if create && len(path) == 1 {
				if idx < 0 {
					return append([]any{nv}, out...), nil
				}
				return append(out, nv), nil
			}
			return out, nil
		}
		n, err := jsonSet(x[idx], path[1:], nv, create)
		if err != nil {
			return nil, err
		}
		out[idx] = n
		return out, nil
	}
	return nil, pgerr.New(pgerr.InvalidParameterValue, "cannot set path in scalar")
}

func parseIntStrict(s string) (int64, error) {
	d, err := types.ParseText(strings.TrimSpace(s), types.Int8, nil)
	if err != nil {
		return 0, err
	}
	return int64(d.(types.DInt)), nil
}

func jsonPretty(sb *strings.Builder, v any, indent int) {
	pad := func(n int) {
		for i := 0; i < n; i++ {
			sb.WriteString("    ")
		}
	}
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			sb.WriteString("{\n")
			pad(indent)
			sb.WriteString("}")
			return
		}
		sb.WriteString("{\n")
		for i, k := range types.SortedJSONKeys(x) {
			if i > 0 {
				sb.WriteString(",\n")
			}
			pad(indent + 1)
			sb.Write(types.AppendJSON(nil, k))
			sb.WriteString(": ")
			jsonPretty(sb, x[k], indent+1)
		}
		sb.WriteString("\n")
		pad(indent)
		sb.WriteString("}")
	case []any:
		if len(x) == 0 {
			sb.WriteString("[\n")
			pad(indent)
			sb.WriteString("]")
			return
		}
		sb.WriteString("[\n")
		for i, e := range x {
			if i > 0 {
				sb.WriteString(",\n")
			}
			pad(indent + 1)
			jsonPretty(sb, e, indent+1)
		}
		sb.WriteString("\n")
		pad(indent)
		sb.WriteString("]")
	default:
		sb.Write(types.AppendJSON(nil, v))
	}
}
