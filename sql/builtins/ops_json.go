package builtins

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

func jsonbOf(d types.Datum) any { return d.(*types.DJSON).V }

// jsonText renders a jsonb value as ->> does: strings unquoted, null as SQL NULL.
func jsonText(v any) types.Datum {
	switch x := v.(type) {
	case nil:
		return types.DNull
	case string:
		return types.DString(x)
	}
	return types.DString(types.AppendJSON(nil, v))
}

func jsonField(v any, key string) (any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, false
	}
	e, ok := m[key]
	return e, ok
}

func jsonIndex(v any, i int64) (any, bool) {
	a, ok := v.([]any)
	if !ok {
		return nil, false
	}
	if i < 0 {
		i += int64(len(a))
	}
	if i < 0 || i >= int64(len(a)) {
		return nil, false
	}
	return a[i], true
}

func jsonPath(v any, path *types.DArray) (any, bool) {
	for _, e := range path.Elems {
		if e == types.DNull {
			return nil, false
		}
		k := string(e.(types.DString))
		switch x := v.(type) {
		case map[string]any:
			n, ok := x[k]
			if !ok {
				return nil, false
			}
			v = n
		case []any:
			i, err := strconv.ParseInt(strings.TrimSpace(k), 10, 64)
			if err != nil {
				return nil, false
			}
			n, ok := jsonIndex(x, i)
			if !ok {
				return nil, false
			}
			v = n
		default:
			return nil, false
		}
	}
	return v, true
}

// jsonContains is jsonb @>: the structure and data of b appear in a.
func jsonContains(a, b any, top bool) bool {
	switch y := b.(type) {
	case map[string]any:
		x, ok := a.(map[string]any)
		if !ok {
			return false
		}
		for k, bv := range y {
			av, ok := x[k]
			if !ok || !jsonContains(av, bv, false) {
				return false
			}
		}
		return true
	case []any:
		x, ok := a.([]any)
		if !ok {
			// A top-level array contains a scalar only when it holds it.
			return false
		}
		for _, bv := range y {
			found := false
			for _, av := range x {
				if _, isArr := bv.([]any); !isArr {
					if _, isObj := bv.(map[string]any); !isObj {
						if jsonEqual(av, bv) {
							found = true
							break
						}
						continue
					}
				}
				if jsonContains(av, bv, false) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	default:
		if x, ok := a.([]any); ok && top {
			for _, av := range x {
				if jsonEqual(av, b) {
					return true
				}
			}
			return false
		}
		return jsonEqual(a, b)
	}
}

func jsonHasKey(v any, k string) bool {
	switch x := v.(type) {
	case map[string]any:
		_, ok := x[k]
		return ok
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && s == k {
				return true
			}
		}
	case string:
		return x == k
	}
	return false
}

func textArrayStrings(d types.Datum) []string {
	arr := d.(*types.DArray)
	out := make([]string, 0, len(arr.Elems))
	for _, e := range arr.Elems {
		if e != types.DNull {
			out = append(out, string(e.(types.DString)))
		}
	}
	return out
}

func newJSON(v any) *types.DJSON { return &types.DJSON{V: v} }

func registerJSONOps(r *Registry) {
	J := types.JSONB
	textArr := types.ArrayOf(types.Text)
	fn := func(op string, l, rt, ret *types.T, f evalFn) {
		r.binOp(op, &Overload{Args: args2(l, rt), Ret: ret, Fn: f})
	}
	fn("->", J, types.Text, J, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		v, ok := jsonField(jsonbOf(a[0]), string(a[1].(types.DString)))
		if !ok {
			return types.DNull, nil
		}
		return newJSON(v), nil
	})
	fn("->", J, types.Int4, J, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		v, ok := jsonIndex(jsonbOf(a[0]), int64(a[1].(types.DInt)))
		if !ok {
			return types.DNull, nil
		}
		return newJSON(v), nil
	})
	fn("->>", J, types.Text, types.Text, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		v, ok := jsonField(jsonbOf(a[0]), string(a[1].(types.DString)))
		if !ok {
			return types.DNull, nil
		}
		return jsonText(v), nil
	})
	fn("->>", J, types.Int4, types.Text, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		v, ok := jsonIndex(jsonbOf(a[0]), int64(a[1].(types.DInt)))
		if !ok {
			return types.DNull, nil
		}
		return jsonText(v), nil
	})
	fn("#>", J, textArr, J, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		v, ok := jsonPath(jsonbOf(a[0]), a[1].(*types.DArray))
		if !ok {
			return types.DNull, nil
		}
		return newJSON(v), nil
	})
	fn("#>>", J, textArr, types.Text, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		v, ok := jsonPath(jsonbOf(a[0]), a[1].(*types.DArray))
		if !ok {
			return types.DNull, nil
		}
		return jsonText(v), nil
	})
	fn("@>", J, J, types.Bool, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.DBool(jsonContains(jsonbOf(a[0]), jsonbOf(a[1]), true)), nil
	})
	fn("<@", J, J, types.Bool, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.DBool(jsonContains(jsonbOf(a[1]), jsonbOf(a[0]), true)), nil
	})
	fn("?", J, types.Text, types.Bool, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.DBool(jsonHasKey(jsonbOf(a[0]), string(a[1].(types.DString)))), nil
	})
	fn("?|", J, textArr, types.Bool, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		for _, k := range textArrayStrings(a[1]) {
			if jsonHasKey(jsonbOf(a[0]), k) {
				return types.DBool(true), nil
			}
		}
		return types.DBool(false), nil
	})
	fn("?&", J, textArr, types.Bool, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		for _, k := range textArrayStrings(a[1]) {
			if !jsonHasKey(jsonbOf(a[0]), k) {
				return types.DBool(false), nil
			}
		}
		return types.DBool(true), nil
	})
	fn("||", J, J, J, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return newJSON(jsonConcat(jsonbOf(a[0]), jsonbOf(a[1]))), nil
	})
	fn("-", J, types.Text, J, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		k := string(a[1].(types.DString))
		switch x := jsonbOf(a[0]).(type) {
		case map[string]any:
			m := make(map[string]any, len(x))
			for kk, v := range x {
				if kk != k {
					m[kk] = v
				}
			}
			return newJSON(m), nil
		case []any:
			out := []any{}
			for _, e := range x {
				if s, ok := e.(string); ok && s == k {
					continue
				}
				out = append(out, e)
			}
			return newJSON(out), nil
		}
		return nil, pgerr.New(pgerr.InvalidParameterValue, "cannot delete from scalar")
	})
	fn("-", J, types.Int4, J, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		x, ok := jsonbOf(a[0]).([]any)
		if !ok {
			if _, isObj := jsonbOf(a[0]).(map[string]any); isObj {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "cannot delete from object using integer index")
			}
			return nil, pgerr.New(pgerr.InvalidParameterValue, "cannot delete from scalar")
		}
		i := int64(a[1].(types.DInt))
		if i < 0 {
			i += int64(len(x))
		}
		out := []any{}
		for j, e := range x {
			if int64(j) != i {
				out = append(out, e)
			}
		}
		return newJSON(out), nil
	})
}

// jsonConcat is jsonb ||: objects merge, everything else becomes arrays.
func jsonConcat(a, b any) any {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		m := make(map[string]any, len(am)+len(bm))
		for k, v := range am {
			m[k] = v
		}
		for k, v := range bm {
			m[k] = v
		}
		return m
	}
	var out []any
	if x, ok := a.([]any); ok {
		out = append(out, x...)
	} else {
		out = append(out, a)
	}
	if y, ok := b.([]any); ok {
		out = append(out, y...)
	} else {
		out = append(out, b)
	}
	return out
}

var _ = json.Number("")
