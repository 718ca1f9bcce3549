package types

import (
	"cmp"
	"encoding/binary"
	"encoding/json"
	"math"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// Compare orders two non-NULL datums of the same family the way
// PostgreSQL's btree operator classes do (C collation for strings). It
// returns -1, 0 or +1. Datums of different Go types order by family rank
// so that the result stays deterministic, but callers should not rely on it.
func Compare(a, b Datum) int {
	switch x := a.(type) {
	case dNull:
		if b == DNull {
			return 0
		}
		return 1 // NULLs sort last, as in PostgreSQL's default ordering
	case DBool:
		if y, ok := b.(DBool); ok {
			return cmpBool(bool(x), bool(y))
		}
	case DInt:
		switch y := b.(type) {
		case DInt:
			return cmp.Compare(x, y)
		case DFloat:
			return compareFloat(float64(x), float64(y))
		case *DDecimal:
			return NewDecimalFromInt(int64(x)).Cmp(&y.Decimal)
		}
	case DFloat:
		switch y := b.(type) {
		case DFloat:
			return compareFloat(float64(x), float64(y))
		case DInt:
			return compareFloat(float64(x), float64(y))
		case *DDecimal:
			return compareFloat(float64(x), decimalToFloat(y))
		}
	case *DDecimal:
		switch y := b.(type) {
		case *DDecimal:
			return compareDecimal(x, y)
		case DInt:
			return compareDecimal(x, NewDecimalFromInt(int64(y)))
		case DFloat:
			return compareFloat(decimalToFloat(x), float64(y))
		}
	case DString:
		if y, ok := b.(DString); ok {
			return strings.Compare(string(x), string(y))
		}
	case DBytes:
		if y, ok := b.(DBytes); ok {
			return strings.Compare(string(x), string(y))
		}
	case DDate:
		switch y := b.(type) {
		case DDate:
			return cmp.Compare(x, y)
		case DTimestamp:
			return cmp.Compare(dateToTimestamp(x), int64(y))
		}
	case DTime:
		if y, ok := b.(DTime); ok {
			return cmp.Compare(x, y)
		}
	case DTimestamp:
		switch y := b.(type) {
		case DTimestamp:
			return cmp.Compare(x, y)
		case DDate:
			return cmp.Compare(int64(x), dateToTimestamp(y))
		}
	case DTimestampTZ:
		if y, ok := b.(DTimestampTZ); ok {
			return cmp.Compare(x, y)
		}
	case DInterval:
		if y, ok := b.(DInterval); ok {
			return CompareInterval(x, y)
		}
	case DUUID:
		if y, ok := b.(DUUID); ok {
			return strings.Compare(string(x[:]), string(y[:]))
		}
	case *DJSON:
		if y, ok := b.(*DJSON); ok {
			return compareJSON(x.V, y.V)
		}
	case *DArray:
		if y, ok := b.(*DArray); ok {
			return compareArrays(x.Elems, y.Elems, x.Lower(), y.Lower())
		}
	case *DTuple:
		if y, ok := b.(*DTuple); ok {
			return compareArrays(x.Elems, y.Elems, 1, 1)
		}
	}
	if b == DNull {
		return -1
	}
	return cmp.Compare(datumRank(a), datumRank(b))
}

func dateToTimestamp(d DDate) int64 {
	switch d {
	case DateNegInfinity:
		return TimestampNegInfinity
	case DatePosInfinity:
		return TimestampPosInfinity
	}
	return int64(d) * usecPerDay
}

func datumRank(d Datum) int {
	switch d.(type) {
	case DBool:
		return 1
	case DInt, DFloat, *DDecimal:
		return 2
	case DString:
		return 3
	case DBytes:
		return 4
	case DDate, DTimestamp:
		return 5
	case DTime:
		return 6
	case DTimestampTZ:
		return 7
	case DInterval:
		return 8
	case DUUID:
		return 9
	case *DJSON:
		return 10
	case *DArray:
		return 11
	case *DTuple:
		return 12
	}
	return 13
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

// compareFloat: NaN equals NaN and sorts above everything; -0 == 0.
func compareFloat(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareDecimal: NaN equals NaN and sorts above +Infinity.
func compareDecimal(a, b *DDecimal) int {
	an, bn := a.Form == apd.NaN || a.Form == apd.NaNSignaling, b.Form == apd.NaN || b.Form == apd.NaNSignaling
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

// CompareInterval compares intervals as PostgreSQL does: months count as
// 30 days and days as 24 hours.
func CompareInterval(a, b DInterval) int {
	ad, au := IntervalSpan(a)
	bd, bu := IntervalSpan(b)
	if c := cmp.Compare(ad, bd); c != 0 {
		return c
	}
	return cmp.Compare(au, bu)
}

func compareArrays(a, b []Datum, alb, blb int32) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		an, bn := a[i] == DNull, b[i] == DNull
		switch {
		case an && bn:
			continue
		case an:
			return 1
		case bn:
			return -1
		}
		if c := Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(len(a), len(b)); c != 0 {
		return c
	}
	return cmp.Compare(alb, blb)
}

// jsonRank follows jsonb ordering: Object > Array > Boolean > Number >
// String > Null.
func jsonRank(v any) int {
	switch v.(type) {
	case nil:
		return 0
	case string:
		return 1
	case json.Number, float64, int64, int:
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

func jsonNumber(v any) *DDecimal {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = string(x)
	default:
		s = string(AppendJSON(nil, v))
	}
	d, err := ParseDecimal(s)
	if err != nil {
		return &DDecimal{}
	}
	return d
}

func compareJSON(a, b any) int {
	ra, rb := jsonRank(a), jsonRank(b)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	switch x := a.(type) {
	case nil:
		return 0
	case string:
		return strings.Compare(x, b.(string))
	case bool:
		return cmpBool(x, b.(bool))
	case []any:
		y := b.([]any)
		if len(x) != len(y) {
			return cmp.Compare(len(x), len(y))
		}
		for i := range x {
			if c := compareJSON(x[i], y[i]); c != 0 {
				return c
			}
		}
		return 0
	case map[string]any:
		y := b.(map[string]any)
		if len(x) != len(y) {
			return cmp.Compare(len(x), len(y))
		}
		kx, ky := SortedJSONKeys(x), SortedJSONKeys(y)
		for i := range kx {
			if kx[i] != ky[i] {
				if jsonKeyLess(kx[i], ky[i]) {
					return -1
				}
				return 1
			}
			if c := compareJSON(x[kx[i]], y[ky[i]]); c != 0 {
				return c
			}
		}
		return 0
	}
	if ra == 2 {
		return compareDecimal(jsonNumber(a), jsonNumber(b))
	}
	return 0
}

// Hash key tags: one byte per kind so keys of different kinds never collide.
const (
	hkNull byte = iota
	hkBool
	hkNum // ints, floats and numerics share a normalised numeric encoding
	hkNaN
	hkPosInf
	hkNegInf
	hkString
	hkBytes
	hkDate
	hkTime
	hkTimestamp
	hkTimestampTZ
	hkInterval
	hkUUID
	hkJSON
	hkArray
	hkTuple
)

// AppendHashKey appends a self-delimiting byte key for d such that datums
// equal under Compare produce identical keys (1.0 and 1.00, -0.0 and 0,
// every NaN). Keys of several columns can be concatenated.
func AppendHashKey(buf []byte, d Datum) []byte {
	switch x := d.(type) {
	case dNull:
		return append(buf, hkNull)
	case DBool:
		if x {
			return append(buf, hkBool, 1)
		}
		return append(buf, hkBool, 0)
	case DInt:
		buf = append(buf, hkNum, 'i')
		return binary.BigEndian.AppendUint64(buf, uint64(x))
	case DFloat:
		f := float64(x)
		switch {
		case math.IsNaN(f):
			return append(buf, hkNaN)
		case math.IsInf(f, 1):
			return append(buf, hkPosInf)
		case math.IsInf(f, -1):
			return append(buf, hkNegInf)
		case f == 0:
			f = 0
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			// Integral floats share the integer encoding so that
			// cross-type equality (1 = 1.0::float8) hashes alike.
			buf = append(buf, hkNum, 'i')
			return binary.BigEndian.AppendUint64(buf, uint64(int64(f)))
		}
		buf = append(buf, hkNum, 'f')
		return binary.BigEndian.AppendUint64(buf, math.Float64bits(f))
	case *DDecimal:
		switch x.Form {
		case apd.NaN, apd.NaNSignaling:
			return append(buf, hkNaN)
		case apd.Infinite:
			if x.Negative {
				return append(buf, hkNegInf)
			}
			return append(buf, hkPosInf)
		}
		if i, ok := decimalAsInt64(x); ok {
			buf = append(buf, hkNum, 'i')
			return binary.BigEndian.AppendUint64(buf, uint64(i))
		}
		var r apd.Decimal
		r.Reduce(&x.Decimal)
		buf = append(buf, hkNum, 'd')
		if r.Negative {
			buf = append(buf, '-')
		} else {
			buf = append(buf, '+')
		}
		buf = binary.BigEndian.AppendUint32(buf, uint32(r.Exponent))
		return appendLenString(buf, r.Coeff.String())
	case DString:
		buf = append(buf, hkString)
		return appendLenString(buf, string(x))
	case DBytes:
		buf = append(buf, hkBytes)
		return appendLenString(buf, string(x))
	case DDate:
		buf = append(buf, hkTimestamp)
		return binary.BigEndian.AppendUint64(buf, uint64(dateToTimestamp(x)))
	case DTime:
		buf = append(buf, hkTime)
		return binary.BigEndian.AppendUint64(buf, uint64(x))
	case DTimestamp:
		buf = append(buf, hkTimestamp)
		return binary.BigEndian.AppendUint64(buf, uint64(x))
	case DTimestampTZ:
		buf = append(buf, hkTimestampTZ)
		return binary.BigEndian.AppendUint64(buf, uint64(x))
	case DInterval:
		days, us := IntervalSpan(x)
		buf = append(buf, hkInterval)
		buf = binary.BigEndian.AppendUint64(buf, uint64(days))
		return binary.BigEndian.AppendUint64(buf, uint64(us))
	case DUUID:
		buf = append(buf, hkUUID)
		return append(buf, x[:]...)
	case *DJSON:
		buf = append(buf, hkJSON)
		return appendJSONHash(buf, x.V)
	case *DArray:
		buf = append(buf, hkArray)
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(x.Elems)))
		buf = binary.BigEndian.AppendUint32(buf, uint32(x.Lower()))
		for _, e := range x.Elems {
			buf = AppendHashKey(buf, e)
		}
		return buf
	case *DTuple:
		buf = append(buf, hkTuple)
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(x.Elems)))
		for _, e := range x.Elems {
			buf = AppendHashKey(buf, e)
		}
		return buf
	}
	return append(buf, 0xff)
}

func decimalAsInt64(d *DDecimal) (int64, bool) {
	if d.IsZero() {
		return 0, true
	}
	var r apd.Decimal
	r.Reduce(&d.Decimal)
	if r.Exponent < 0 || r.Exponent > 18 {
		return 0, false
	}
	i, err := r.Int64()
	if err != nil {
		return 0, false
	}
	return i, true
}

func appendLenString(buf []byte, s string) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(s)))
	return append(buf, s...)
}

func appendJSONHash(buf []byte, v any) []byte {
	switch x := v.(type) {
	case json.Number, float64, int64, int:
		return AppendHashKey(append(buf, 'n'), jsonNumber(x))
	case []any:
		buf = append(buf, '[')
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(x)))
		for _, e := range x {
			buf = appendJSONHash(buf, e)
		}
		return buf
	case map[string]any:
		buf = append(buf, '{')
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(x)))
		for _, k := range SortedJSONKeys(x) {
			buf = appendLenString(buf, k)
			buf = appendJSONHash(buf, x[k])
		}
		return buf
	}
	return appendLenString(append(buf, 's'), string(AppendJSON(nil, v)))
}
