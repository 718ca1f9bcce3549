package builtins

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/conflux-db/conflux/sql/types"
)

// compareDatum orders two non-NULL values of the same family the way
// PostgreSQL's btree operator class does (C collation for strings).
// NULLs sort last, as in PostgreSQL's default ordering.
func compareDatum(a, b types.Datum, t *types.T) int {
	an, bn := a == types.DNull, b == types.DNull
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	switch x := a.(type) {
	case types.DBool:
		y := b.(types.DBool)
		return cmpBool(bool(x), bool(y))
	case types.DInt:
		switch y := b.(type) {
		case types.DInt:
			if t != nil && t.Family == types.IntFamily && t.Width == 64 && t.Oid != types.OidInt8 {
				return cmpOrdered(uint32(x), uint32(y))
			}
			return cmpOrdered(x, y)
		case types.DFloat:
			return cmpFloat(float64(x), float64(y))
		case *types.DDecimal:
			return decFromInt(int64(x)).Cmp(&y.Decimal)
		}
	case types.DFloat:
		switch y := b.(type) {
		case types.DFloat:
			return cmpFloat(float64(x), float64(y))
		case types.DInt:
			return cmpFloat(float64(x), float64(y))
		}
	case *types.DDecimal:
		switch y := b.(type) {
		case *types.DDecimal:
			return cmpDec(x, y)
		case types.DInt:
			return cmpDec(x, decFromInt(int64(y)))
		}
	case types.DString:
		y := b.(types.DString)
		if t != nil && t.Oid == types.OidBPChar {
			return strings.Compare(strings.TrimRight(string(x), " "), strings.TrimRight(string(y), " "))
		}
		return strings.Compare(string(x), string(y))
	case types.DBytes:
		return strings.Compare(string(x), string(b.(types.DBytes)))
	case types.DDate:
		switch y := b.(type) {
		case types.DDate:
			return cmpOrdered(x, y)
		}
	case types.DTime:
		return cmpOrdered(x, b.(types.DTime))
	case types.DTimestamp:
		return cmpOrdered(x, b.(types.DTimestamp))
	case types.DTimestampTZ:
		return cmpOrdered(x, b.(types.DTimestampTZ))
	case types.DInterval:
		return cmpInterval(x, b.(types.DInterval))
	case types.DUUID:
		y := b.(types.DUUID)
		return bytes.Compare(x[:], y[:])
	case *types.DJSON:
		return cmpJSON(x.V, b.(*types.DJSON).V)
	case *types.DArray:
		y := b.(*types.DArray)
		var et *types.T
		if t != nil {
			et = t.Elem
		}
		n := min(len(x.Elems), len(y.Elems))
		for i := 0; i < n; i++ {
			if c := compareDatum(x.Elems[i], y.Elems[i], et); c != 0 {
				return c
			}
		}
		if c := cmpOrdered(len(x.Elems), len(y.Elems)); c != 0 {
			return c
		}
		return cmpOrdered(x.LowerBound, y.LowerBound)
	case *types.DTuple:
		y := b.(*types.DTuple)
		n := min(len(x.Elems), len(y.Elems))
		for i := 0; i < n; i++ {
			var et *types.T
			if i < len(x.Types) {
				et = x.Types[i]
			}
			if c := compareDatum(x.Elems[i], y.Elems[i], et); c != 0 {
				return c
			}
		}
		return cmpOrdered(len(x.Elems), len(y.Elems))
	}
	return 0
}

type ordered interface {
	~int | ~int32 | ~int64 | ~uint32 | ~float64
}

func cmpOrdered[T ordered](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// cmpFloat orders NaN above every other value and equal to itself.
func cmpFloat(a, b float64) int {
	an, bn := a != a, b != b
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	return cmpOrdered(a, b)
}

// cmpDec orders NaN above everything (including +Infinity).
func cmpDec(a, b *types.DDecimal) int {
	an, bn := a.Form == apd.NaN, b.Form == apd.NaN
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	return a.Cmp(&b.Decimal)
}

func cmpInterval(a, b types.DInterval) int {
	ad, am := types.IntervalSpan(a)
	bd, bm := types.IntervalSpan(b)
	if c := cmpOrdered(ad, bd); c != 0 {
		return c
	}
	return cmpOrdered(am, bm)
}

// jsonRank is jsonb's cross-type order: null < string < number < bool < array < object.
func jsonRank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case string:
		return 1
	case json.Number:
		return 2
	case bool:
		return 3
	case []any:
		return 4
	case map[string]any:
		return 5
	}
	return 6
}

func cmpJSON(a, b any) int {
	ra, rb := jsonRank(a), jsonRank(b)
	// An empty top-level array sorts below null in PostgreSQL; rare, ignored.
	if ra != rb {
		return cmpOrdered(ra, rb)
	}
	switch x := a.(type) {
	case string:
		y := b.(string)
		if c := cmpOrdered(len(x), len(y)); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	case json.Number:
		dx, _ := types.ParseDecimal(string(x))
		dy, _ := types.ParseDecimal(string(b.(json.Number)))
		if dx == nil || dy == nil {
			return strings.Compare(string(x), string(b.(json.Number)))
		}
		return cmpDec(dx, dy)
	case bool:
		return cmpBool(x, b.(bool))
	case []any:
		y := b.([]any)
		if c := cmpOrdered(len(x), len(y)); c != 0 {
			return c
		}
		for i := range x {
			if c := cmpJSON(x[i], y[i]); c != 0 {
				return c
			}
		}
		return 0
	case map[string]any:
		y := b.(map[string]any)
		if c := cmpOrdered(len(x), len(y)); c != 0 {
			return c
		}
		kx, ky := types.SortedJSONKeys(x), types.SortedJSONKeys(y)
		for i := range kx {
			if c := cmpJSON(kx[i], ky[i]); c != 0 {
				return c
			}
		}
		for _, k := range kx {
			if c := cmpJSON(x[k], y[k]); c != 0 {
				return c
			}
		}
	}
	return 0
}

// jsonEqual reports jsonb equality.
func jsonEqual(a, b any) bool { return jsonRank(a) == jsonRank(b) && cmpJSON(a, b) == 0 }
