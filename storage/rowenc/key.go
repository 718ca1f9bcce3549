package rowenc

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/bits"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/storage/keys"
)

// Tags of the ascending key encodings owned by this package (the others
// come from package keys). All lie in [0x01, 0xFE] so NULL markers sort
// outside them.
const (
	decNegInf   = 0x1F
	decNeg      = 0x20
	decZero     = 0x21
	decPos      = 0x22
	decPosInf   = 0x23
	decNaN      = 0x24
	intervalTag = 0x30
	uuidTag     = 0x31
	arrayTag    = 0x40
	arrayEnd    = 0x00
	digitsEnd   = 0x01 // below every packed digit pair (2..101)
)

func typeErr(d types.Datum, t *types.T) error {
	return fmt.Errorf("rowenc: cannot encode %T as %s", d, t)
}

// AppendKey appends the order-preserving encoding of d as a value of type t.
func AppendKey(b []byte, d types.Datum, t *types.T, desc bool) ([]byte, error) {
	if d == types.DNull {
		if desc {
			return append(b, keys.NullDescending), nil
		}
		return append(b, keys.NullAscending), nil
	}
	start := len(b)
	b, err := appendKeyAsc(b, d, t)
	if err != nil {
		return b[:start], err
	}
	if desc {
		keys.Invert(b[start:])
	}
	return b, nil
}

func appendKeyAsc(b []byte, d types.Datum, t *types.T) ([]byte, error) {
	switch t.Family {
	case types.BoolFamily:
		if v, ok := d.(types.DBool); ok {
			if v {
				return keys.EncodeUvarintAscending(b, 1), nil
			}
			return keys.EncodeUvarintAscending(b, 0), nil
		}
	case types.IntFamily:
		if v, ok := d.(types.DInt); ok {
			return keys.EncodeVarintAscending(b, int64(v)), nil
		}
	case types.FloatFamily:
		if v, ok := d.(types.DFloat); ok {
			return keys.EncodeFloatAscending(b, float64(v)), nil
		}
	case types.DecimalFamily:
		if v, ok := d.(*types.DDecimal); ok {
			return appendDecimalKey(b, &v.Decimal), nil
		}
	case types.StringFamily:
		if v, ok := d.(types.DString); ok {
			return keys.EncodeStringAscending(b, string(v)), nil
		}
	case types.BytesFamily:
		if v, ok := d.(types.DBytes); ok {
			return keys.EncodeStringAscending(b, string(v)), nil
		}
	case types.DateFamily:
		if v, ok := d.(types.DDate); ok {
			return keys.EncodeVarintAscending(b, int64(v)), nil
		}
	case types.TimeFamily:
		if v, ok := d.(types.DTime); ok {
			return keys.EncodeVarintAscending(b, int64(v)), nil
		}
	case types.TimestampFamily:
		if v, ok := d.(types.DTimestamp); ok {
			return keys.EncodeVarintAscending(b, int64(v)), nil
		}
	case types.TimestampTZFamily:
		if v, ok := d.(types.DTimestampTZ); ok {
			return keys.EncodeVarintAscending(b, int64(v)), nil
		}
	case types.IntervalFamily:
		if v, ok := d.(types.DInterval); ok {
			hi, lo := intervalSpan(v)
			b = append(b, intervalTag)
			b = binary.BigEndian.AppendUint64(b, uint64(hi)^(1<<63))
			b = binary.BigEndian.AppendUint64(b, lo)
			b = keys.EncodeVarintAscending(b, int64(v.Months))
			b = keys.EncodeVarintAscending(b, int64(v.Days))
			return keys.EncodeVarintAscending(b, v.Micros), nil
		}
	case types.UUIDFamily:
		if v, ok := d.(types.DUUID); ok {
			return append(append(b, uuidTag), v[:]...), nil
		}
	case types.JSONFamily:
		if v, ok := d.(*types.DJSON); ok {
			j, err := json.Marshal(v.V)
			if err != nil {
				return b, fmt.Errorf("rowenc: jsonb key: %w", err)
			}
			return keys.EncodeBytesAscending(b, j), nil
		}
	case types.ArrayFamily:
		if v, ok := d.(*types.DArray); ok {
			b = append(b, arrayTag)
			var err error
			for _, e := range v.Elems {
				if b, err = AppendKey(b, e, t.Elem, false); err != nil {
					return b, err
				}
			}
			return append(b, arrayEnd), nil
		}
	}
	return b, typeErr(d, t)
}

// intervalSpan returns PostgreSQL's interval comparison value
// ((months*30 + days) * 86400e6 + micros) as a signed 128-bit integer.
func intervalSpan(v types.DInterval) (hi int64, lo uint64) {
	days := int64(v.Months)*30 + int64(v.Days)
	neg := days < 0
	ad := uint64(days)
	if neg {
		ad = uint64(-days)
	}
	h, l := bits.Mul64(ad, 86400_000_000)
	if neg {
		l = ^l + 1
		h = ^h
		if l == 0 {
			h++
		}
	}
	// add sign-extended micros
	m := uint64(v.Micros)
	mh := uint64(0)
	if v.Micros < 0 {
		mh = ^uint64(0)
	}
	l2, c := bits.Add64(l, m, 0)
	h2, _ := bits.Add64(h, mh, c)
	return int64(h2), l2
}

func appendDecimalKey(b []byte, d *apd.Decimal) []byte {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return append(b, decNaN)
	case apd.Infinite:
		if d.Negative {
			return append(b, decNegInf)
		}
		return append(b, decPosInf)
	}
	if d.Coeff.Sign() == 0 {
		return append(b, decZero)
	}
	digits := d.Coeff.Text(10)
	if digits[0] == '-' {
		digits = digits[1:]
	}
	trimmed := strings.TrimRight(digits, "0")
	e := int64(len(digits)) + int64(d.Exponent) // value = 0.digits × 10^e
	if d.Negative {
		b = append(b, decNeg)
	} else {
		b = append(b, decPos)
	}
	start := len(b)
	b = keys.EncodeVarintAscending(b, e)
	for i := 0; i < len(trimmed); i += 2 {
		p := trimmed[i] - '0'
		p *= 10
		if i+1 < len(trimmed) {
			p += trimmed[i+1] - '0'
		}
		b = append(b, 2+p)
	}
	b = append(b, digitsEnd)
	if d.Negative {
		keys.Invert(b[start:])
	}
	return b
}

// DecodeKey decodes one column written by AppendKey and returns the rest.
func DecodeKey(b []byte, t *types.T, desc bool) (types.Datum, []byte, error) {
	if len(b) == 0 {
		return nil, nil, fmt.Errorf("%w: empty key column", keys.ErrCorrupt)
	}
	var m byte
	if desc {
		m = 0xFF
	}
	if b[0]^m == keys.NullAscending {
		return types.DNull, b[1:], nil
	}
	varint := keys.DecodeVarintAscending
	if desc {
		varint = keys.DecodeVarintDescending
	}
	switch t.Family {
	case types.BoolFamily:
		rest, v, err := varint(b)
		return types.DBool(v != 0), rest, err
	case types.IntFamily:
		rest, v, err := varint(b)
		return types.DInt(v), rest, err
	case types.DateFamily:
		rest, v, err := varint(b)
		return types.DDate(v), rest, err
	case types.TimeFamily:
		rest, v, err := varint(b)
		return types.DTime(v), rest, err
	case types.TimestampFamily:
		rest, v, err := varint(b)
		return types.DTimestamp(v), rest, err
	case types.TimestampTZFamily:
		rest, v, err := varint(b)
		return types.DTimestampTZ(v), rest, err
	case types.FloatFamily:
		dec := keys.DecodeFloatAscending
		if desc {
			dec = keys.DecodeFloatDescending
		}
		rest, v, err := dec(b)
		return types.DFloat(v), rest, err
	case types.StringFamily, types.BytesFamily, types.JSONFamily:
		dec := keys.DecodeBytesAscending
		if desc {
			dec = keys.DecodeBytesDescending
		}
		rest, v, err := dec(b, nil)
		if err != nil {
			return nil, nil, err
		}
		switch t.Family {
		case types.StringFamily:
			return types.DString(v), rest, nil
		case types.BytesFamily:
			return types.DBytes(v), rest, nil
		}
		dj := json.NewDecoder(bytes.NewReader(v))
		dj.UseNumber()
		var j any
		if err := dj.Decode(&j); err != nil {
			return nil, nil, fmt.Errorf("%w: jsonb key: %v", keys.ErrCorrupt, err)
		}
		return &types.DJSON{V: j}, rest, nil
	case types.DecimalFamily:
		return decodeDecimalKey(b, t, m)
	case types.IntervalFamily:
		if len(b) < 17 || b[0]^m != intervalTag {
			return nil, nil, fmt.Errorf("%w: interval key", keys.ErrCorrupt)
		}
		rest := b[17:]
		var f [3]int64
		for i := range f {
			var err error
			if rest, f[i], err = varint(rest); err != nil {
				return nil, nil, err
			}
		}
		return types.DInterval{Months: int32(f[0]), Days: int32(f[1]), Micros: f[2]}, rest, nil
	case types.UUIDFamily:
		if len(b) < 17 || b[0]^m != uuidTag {
			return nil, nil, fmt.Errorf("%w: uuid key", keys.ErrCorrupt)
		}
		var u types.DUUID
		for i := range u {
			u[i] = b[1+i] ^ m
		}
		return u, b[17:], nil
	case types.ArrayFamily:
		if b[0]^m != arrayTag {
			return nil, nil, fmt.Errorf("%w: array key", keys.ErrCorrupt)
		}
		b = b[1:]
		arr := &types.DArray{Elem: t.Elem, LowerBound: 1}
		for {
			if len(b) == 0 {
				return nil, nil, fmt.Errorf("%w: unterminated array key", keys.ErrCorrupt)
			}
			if b[0]^m == arrayEnd {
				return arr, b[1:], nil
			}
			var e types.Datum
			var err error
			if e, b, err = DecodeKey(b, t.Elem, desc); err != nil {
				return nil, nil, err
			}
			arr.Elems = append(arr.Elems, e)
		}
	}
	return nil, nil, fmt.Errorf("rowenc: cannot decode a key of type %s", t)
}

func decodeDecimalKey(b []byte, t *types.T, m byte) (types.Datum, []byte, error) {
	d := &types.DDecimal{}
	switch b[0] ^ m {
	case decNaN:
		d.Form = apd.NaN
		return d, b[1:], nil
	case decPosInf, decNegInf:
		d.Form = apd.Infinite
		d.Negative = b[0]^m == decNegInf
		return d, b[1:], nil
	case decZero:
		if _, s := t.NumericPrecScale(); s > 0 {
			d.Exponent = -int32(s)
		}
		return d, b[1:], nil
	case decPos, decNeg:
	default:
		return nil, nil, fmt.Errorf("%w: numeric key tag %#x", keys.ErrCorrupt, b[0]^m)
	}
	neg := b[0]^m == decNeg
	im := m // mask of the body
	if neg {
		im ^= 0xFF
	}
	varint := keys.DecodeVarintAscending
	if im != 0 {
		varint = keys.DecodeVarintDescending
	}
	rest, e, err := varint(b[1:])
	if err != nil {
		return nil, nil, err
	}
	var digits []byte
	for {
		if len(rest) == 0 {
			return nil, nil, fmt.Errorf("%w: unterminated numeric key", keys.ErrCorrupt)
		}
		c := rest[0] ^ im
		rest = rest[1:]
		if c == digitsEnd {
			break
		}
		if c < 2 || c > 101 {
			return nil, nil, fmt.Errorf("%w: numeric digit pair %d", keys.ErrCorrupt, c)
		}
		c -= 2
		digits = append(digits, '0'+c/10, '0'+c%10)
	}
	if len(digits) == 0 {
		return nil, nil, fmt.Errorf("%w: numeric key without digits", keys.ErrCorrupt)
	}
	exp := e - int64(len(digits))
	// Back to the shortest form (the pairs may pad one zero), then to the
	// column's scale, or to exponent >= 0 so integers print without E
	// notation.
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		exp++
	}
	minExp := int64(0)
	if _, s := t.NumericPrecScale(); s >= 0 {
		minExp = -int64(s)
	}
	for ; exp > minExp && len(digits) < 1000; exp-- {
		digits = append(digits, '0')
	}
	if exp < -1<<31 || exp > 1<<31-1 {
		return nil, nil, fmt.Errorf("%w: numeric exponent out of range", keys.ErrCorrupt)
	}
	if _, ok := d.Coeff.SetString(string(digits), 10); !ok {
		return nil, nil, fmt.Errorf("%w: numeric digits", keys.ErrCorrupt)
	}
	d.Exponent = int32(exp)
	d.Negative = neg
	return d, rest, nil
}

// IsComposite reports whether t's key encoding can lose information that
// PostgreSQL displays (the scale of an unconstrained numeric), so the
// exact value should also be kept in the row value.
func IsComposite(t *types.T) bool {
	switch t.Family {
	case types.DecimalFamily:
		return true
	case types.ArrayFamily:
		return IsComposite(t.Elem)
	}
	return false
}
