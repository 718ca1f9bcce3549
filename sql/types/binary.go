package types

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
	"github.com/conflux-db/conflux/sql/pgerr"
)

func badBinary(format string, args ...any) error {
	if format == "" {
		return pgerr.New(pgerr.InvalidBinaryRepresentation, "incorrect binary data format")
	}
	return pgerr.New(pgerr.InvalidBinaryRepresentation, format, args...)
}

// AppendBinary appends the PostgreSQL binary send format of d (not NULL).
func AppendBinary(buf []byte, d Datum, t *T) ([]byte, error) {
	switch v := d.(type) {
	case DBool:
		if v {
			return append(buf, 1), nil
		}
		return append(buf, 0), nil
	case DInt:
		switch {
		case t.Oid == OidInt2 || t.Width == 16:
			return binary.BigEndian.AppendUint16(buf, uint16(v)), nil
		case t.Oid == OidInt4 || t.Width == 32:
			return binary.BigEndian.AppendUint32(buf, uint32(v)), nil
		case t.Oid == OidInt8:
			return binary.BigEndian.AppendUint64(buf, uint64(v)), nil
		default: // oid, regclass, ...: uint32
			return binary.BigEndian.AppendUint32(buf, uint32(v)), nil
		}
	case DFloat:
		if t.Width == 32 {
			return binary.BigEndian.AppendUint32(buf, math.Float32bits(float32(v))), nil
		}
		return binary.BigEndian.AppendUint64(buf, math.Float64bits(float64(v))), nil
	case *DDecimal:
		return appendNumericBinary(buf, v), nil
	case DString:
		if t.Oid == OidChar {
			if len(v) == 0 {
				return append(buf, 0), nil
			}
			return append(buf, v[0]), nil
		}
		return append(buf, v...), nil
	case DBytes:
		return append(buf, v...), nil
	case DDate:
		if IsInfiniteDate(v) {
			return binary.BigEndian.AppendUint32(buf, uint32(int32(v))), nil
		}
		return binary.BigEndian.AppendUint32(buf, uint32(int32(v)-pgEpochDays)), nil
	case DTime:
		return binary.BigEndian.AppendUint64(buf, uint64(v)), nil
	case DTimestamp:
		return binary.BigEndian.AppendUint64(buf, uint64(tsToPG(int64(v)))), nil
	case DTimestampTZ:
		return binary.BigEndian.AppendUint64(buf, uint64(tsToPG(int64(v)))), nil
	case DInterval:
		buf = binary.BigEndian.AppendUint64(buf, uint64(v.Micros))
		buf = binary.BigEndian.AppendUint32(buf, uint32(v.Days))
		return binary.BigEndian.AppendUint32(buf, uint32(v.Months)), nil
	case DUUID:
		return append(buf, v[:]...), nil
	case *DJSON:
		if t.Oid != OidJSON {
			buf = append(buf, 1)
		}
		return AppendJSON(buf, v.V), nil
	case *DArray:
		return appendArrayBinary(buf, v, t)
	case *DTuple:
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(v.Elems)))
		for i, e := range v.Elems {
			et := Text
			if i < len(v.Types) && v.Types[i] != nil {
				et = v.Types[i]
			}
			buf = binary.BigEndian.AppendUint32(buf, et.Oid)
			var err error
			if buf, err = appendLenPrefixed(buf, e, et); err != nil {
				return nil, err
			}
		}
		return buf, nil
	}
	return nil, pgerr.New(pgerr.InternalError, "no binary output function for %T as %s", d, t)
}

func tsToPG(v int64) int64 {
	if IsInfiniteTimestamp(v) {
		return v
	}
	return v - PGEpochMicros
}

func tsFromPG(v int64) int64 {
	if IsInfiniteTimestamp(v) {
		return v
	}
	return v + PGEpochMicros
}

func appendLenPrefixed(buf []byte, e Datum, et *T) ([]byte, error) {
	if e == DNull {
		return binary.BigEndian.AppendUint32(buf, math.MaxUint32), nil
	}
	at := len(buf)
	buf = append(buf, 0, 0, 0, 0)
	buf, err := AppendBinary(buf, e, et)
	if err != nil {
		return nil, err
	}
	binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
	return buf, nil
}

func appendArrayBinary(buf []byte, a *DArray, t *T) ([]byte, error) {
	et := a.Elem
	if t != nil && t.Elem != nil {
		et = t.Elem
	}
	if len(a.Elems) == 0 {
		buf = binary.BigEndian.AppendUint32(buf, 0)
		buf = binary.BigEndian.AppendUint32(buf, 0)
		return binary.BigEndian.AppendUint32(buf, et.Oid), nil
	}
	hasNull := uint32(0)
	for _, e := range a.Elems {
		if e == DNull {
			hasNull = 1
			break
		}
	}
	buf = binary.BigEndian.AppendUint32(buf, 1)
	buf = binary.BigEndian.AppendUint32(buf, hasNull)
	buf = binary.BigEndian.AppendUint32(buf, et.Oid)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(a.Elems)))
	lb := a.Lower()
	if t.IsVector() {
		lb = 0 // int2vector and oidvector are 0-based on the wire too
	}
	buf = binary.BigEndian.AppendUint32(buf, uint32(lb))
	var err error
	for _, e := range a.Elems {
		if buf, err = appendLenPrefixed(buf, e, et); err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// Numeric binary sign words.
const (
	numericPos  = 0x0000
	numericNeg  = 0x4000
	numericNaN  = 0xC000
	numericPInf = 0xD000
	numericNInf = 0xF000
)

func appendNumericBinary(buf []byte, d *DDecimal) []byte {
	header := func(ndigits, weight int, sign uint16, dscale int) {
		buf = binary.BigEndian.AppendUint16(buf, uint16(ndigits))
		buf = binary.BigEndian.AppendUint16(buf, uint16(int16(weight)))
		buf = binary.BigEndian.AppendUint16(buf, sign)
		buf = binary.BigEndian.AppendUint16(buf, uint16(dscale))
	}
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		header(0, 0, numericNaN, 0)
		return buf
	case apd.Infinite:
		if d.Negative {
			header(0, 0, numericNInf, 0)
		} else {
			header(0, 0, numericPInf, 0)
		}
		return buf
	}
	coeff := d.Coeff.String()
	exp := int(d.Exponent)
	dscale := 0
	if exp < 0 {
		dscale = -exp
	}
	if exp > 0 {
		coeff += strings.Repeat("0", exp)
		exp = 0
	}
	// Split into integer and fraction digit strings.
	var intPart, frac string
	if len(coeff) > -exp {
		intPart, frac = coeff[:len(coeff)+exp], coeff[len(coeff)+exp:]
	} else {
		frac = strings.Repeat("0", -exp-len(coeff)) + coeff
	}
	if r := len(intPart) % 4; r != 0 {
		intPart = strings.Repeat("0", 4-r) + intPart
	}
	if r := len(frac) % 4; r != 0 {
		frac += strings.Repeat("0", 4-r)
	}
	all := intPart + frac
	groups := make([]uint16, 0, len(all)/4)
	for i := 0; i < len(all); i += 4 {
		v, _ := strconv.Atoi(all[i : i+4])
		groups = append(groups, uint16(v))
	}
	weight := len(intPart)/4 - 1
	for len(groups) > 0 && groups[0] == 0 {
		groups = groups[1:]
		weight--
	}
	for len(groups) > 0 && groups[len(groups)-1] == 0 {
		groups = groups[:len(groups)-1]
	}
	sign := uint16(numericPos)
	if d.Negative && len(groups) > 0 {
		sign = numericNeg
	}
	if len(groups) == 0 {
		weight = 0
	}
	header(len(groups), weight, sign, dscale)
	for _, g := range groups {
		buf = binary.BigEndian.AppendUint16(buf, g)
	}
	return buf
}

func decodeNumericBinary(b []byte) (*DDecimal, error) {
	if len(b) < 8 {
		return nil, badBinary("")
	}
	ndigits := int(binary.BigEndian.Uint16(b))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	dscale := int(binary.BigEndian.Uint16(b[6:]))
	if len(b) != 8+2*ndigits {
		return nil, badBinary("")
	}
	d := &DDecimal{}
	switch sign {
	case numericNaN:
		d.Form = apd.NaN
		return d, nil
	case numericPInf, numericNInf:
		d.Form = apd.Infinite
		d.Negative = sign == numericNInf
		return d, nil
	case numericPos, numericNeg:
	default:
		return nil, badBinary("invalid sign in external \"numeric\" value")
	}
	if dscale > numericMaxScale {
		return nil, badBinary("invalid scale in external \"numeric\" value")
	}
	var sb strings.Builder
	for i := 0; i < ndigits; i++ {
		g := binary.BigEndian.Uint16(b[8+2*i:])
		if g >= 10000 {
			return nil, badBinary("invalid digit in external \"numeric\" value")
		}
		s := strconv.Itoa(int(g))
		sb.WriteString(strings.Repeat("0", 4-len(s)))
		sb.WriteString(s)
	}
	digits := sb.String()
	// The value is 0.digits * 10^(4*(weight+1)); build the coefficient with
	// exactly dscale fractional digits (truncating, as numeric_recv does
	// after rounding to dscale — digits beyond dscale are zero in valid input).
	pointPos := 4 * (weight + 1) // digits before the decimal point
	if pointPos > numericMaxWeightDigits+4 || pointPos < -(numericMaxScale+numericMaxWeightDigits) {
		return nil, badBinary("")
	}
	var intDigits, fracDigits string
	switch {
	case ndigits == 0:
	case pointPos >= len(digits):
		intDigits = digits + strings.Repeat("0", pointPos-len(digits))
	case pointPos <= 0:
		fracDigits = strings.Repeat("0", -pointPos) + digits
	default:
		intDigits, fracDigits = digits[:pointPos], digits[pointPos:]
	}
	if len(fracDigits) > dscale {
		fracDigits = fracDigits[:dscale]
	} else {
		fracDigits += strings.Repeat("0", dscale-len(fracDigits))
	}
	str := strings.TrimLeft(intDigits, "0")
	if str == "" {
		str = "0"
	}
	if dscale > 0 {
		str += "." + fracDigits
	}
	if sign == numericNeg {
		str = "-" + str
	}
	if _, _, err := d.SetString(str); err != nil {
		return nil, badBinary("")
	}
	normalizeDecimal(d)
	return d, nil
}

// DecodeBinary is the receive function of t: it decodes PostgreSQL's binary
// format. Malformed input yields 22P03.
func DecodeBinary(b []byte, t *T) (Datum, error) {
	need := func(n int) error {
		if len(b) != n {
			return badBinary("")
		}
		return nil
	}
	switch t.Family {
	case UnknownFamily:
		return DString(b), nil
	case BoolFamily:
		if err := need(1); err != nil {
			return nil, err
		}
		return DBool(b[0] != 0), nil
	case IntFamily:
		switch {
		case t.Oid == OidInt2 || t.Width == 16:
			if err := need(2); err != nil {
				return nil, err
			}
			return DInt(int16(binary.BigEndian.Uint16(b))), nil
		case t.Oid == OidInt4 || t.Width == 32:
			if err := need(4); err != nil {
				return nil, err
			}
			return DInt(int32(binary.BigEndian.Uint32(b))), nil
		case t.Oid == OidInt8:
			if err := need(8); err != nil {
				return nil, err
			}
			return DInt(int64(binary.BigEndian.Uint64(b))), nil
		default:
			if err := need(4); err != nil {
				return nil, err
			}
			return DInt(binary.BigEndian.Uint32(b)), nil
		}
	case FloatFamily:
		if t.Width == 32 {
			if err := need(4); err != nil {
				return nil, err
			}
			return DFloat(math.Float32frombits(binary.BigEndian.Uint32(b))), nil
		}
		if err := need(8); err != nil {
			return nil, err
		}
		return DFloat(math.Float64frombits(binary.BigEndian.Uint64(b))), nil
	case DecimalFamily:
		d, err := decodeNumericBinary(b)
		if err != nil {
			return nil, err
		}
		if t.Typmod >= 4 {
			return ApplyNumericTypmod(d, t.Typmod)
		}
		return d, nil
	case StringFamily:
		if t.Oid == OidChar {
			if len(b) != 1 {
				return nil, badBinary("")
			}
			if b[0] == 0 {
				return DString(""), nil
			}
			return DString(b[:1]), nil
		}
		if !utf8.Valid(b) {
			return nil, checkUTF8(string(b))
		}
		return coerceString(string(b), t, true)
	case BytesFamily:
		return DBytes(b), nil
	case DateFamily:
		if err := need(4); err != nil {
			return nil, err
		}
		v := int32(binary.BigEndian.Uint32(b))
		if v == math.MinInt32 || v == math.MaxInt32 {
			return DDate(v), nil
		}
		d := DDate(int64(v) + pgEpochDays)
		if int64(v)+pgEpochDays > math.MaxInt32-1 || !ValidDate(d) {
			return nil, pgerr.New(pgerr.DatetimeFieldOverflow, "date out of range")
		}
		return d, nil
	case TimeFamily:
		if err := need(8); err != nil {
			return nil, err
		}
		v := int64(binary.BigEndian.Uint64(b))
		if v < 0 || v > usecPerDay {
			return nil, pgerr.New(pgerr.DatetimeFieldOverflow, "time out of range")
		}
		return DTime(v), nil
	case TimestampFamily, TimestampTZFamily:
		if err := need(8); err != nil {
			return nil, err
		}
		pg := int64(binary.BigEndian.Uint64(b))
		if !IsInfiniteTimestamp(pg) && (pg > math.MaxInt64-PGEpochMicros || !ValidTimestamp(pg+PGEpochMicros)) {
			return nil, pgerr.New(pgerr.DatetimeFieldOverflow, "timestamp out of range")
		}
		v := tsFromPG(pg)
		if t.Family == TimestampFamily {
			return DTimestamp(v), nil
		}
		return DTimestampTZ(v), nil
	case IntervalFamily:
		if err := need(16); err != nil {
			return nil, err
		}
		return DInterval{
			Micros: int64(binary.BigEndian.Uint64(b)),
			Days:   int32(binary.BigEndian.Uint32(b[8:])),
			Months: int32(binary.BigEndian.Uint32(b[12:])),
		}, nil
	case UUIDFamily:
		if err := need(16); err != nil {
			return nil, err
		}
		var u DUUID
		copy(u[:], b)
		return u, nil
	case JSONFamily:
		if t.Oid != OidJSON {
			if len(b) == 0 || b[0] != 1 {
				return nil, badBinary("unsupported jsonb version number %d", firstByte(b))
			}
			b = b[1:]
		}
		return ParseJSON(string(b))
	case ArrayFamily:
		return decodeArrayBinary(b, t)
	case RecordFamily:
		return decodeRecordBinary(b)
	}
	return nil, pgerr.New(pgerr.InternalError, "no binary input function for type %s", t)
}

func firstByte(b []byte) int {
	if len(b) == 0 {
		return -1
	}
	return int(b[0])
}

func decodeArrayBinary(b []byte, t *T) (Datum, error) {
	et := t.Elem
	if et == nil {
		return nil, badBinary("")
	}
	if len(b) < 12 {
		return nil, badBinary("")
	}
	ndim := int32(binary.BigEndian.Uint32(b))
	flags := binary.BigEndian.Uint32(b[4:])
	elemOid := binary.BigEndian.Uint32(b[8:])
	if flags > 1 {
		return nil, badBinary("invalid array flags")
	}
	if elemOid != et.Oid {
		// Accept a differently typed element only when we can decode it.
		if alt := ByOid(elemOid); alt == nil || alt.Family != et.Family {
			return nil, pgerr.New(pgerr.DatatypeMismatch, "binary data has array element type %d instead of expected %d", elemOid, et.Oid)
		}
	}
	b = b[12:]
	if ndim == 0 {
		if len(b) != 0 {
			return nil, badBinary("")
		}
		return &DArray{Elem: et, Elems: []Datum{}, LowerBound: 1}, nil
	}
	if ndim != 1 {
		if ndim < 0 || ndim > 6 {
			return nil, badBinary("invalid number of dimensions: %d", ndim)
		}
		return nil, pgerr.Unsupported("multidimensional arrays")
	}
	if len(b) < 8 {
		return nil, badBinary("")
	}
	n := int32(binary.BigEndian.Uint32(b))
	lb := int32(binary.BigEndian.Uint32(b[4:]))
	b = b[8:]
	if n < 0 || int(n) > len(b)/4 {
		return nil, badBinary("")
	}
	elems := make([]Datum, 0, n)
	for i := int32(0); i < n; i++ {
		if len(b) < 4 {
			return nil, badBinary("insufficient data left in message")
		}
		l := int32(binary.BigEndian.Uint32(b))
		b = b[4:]
		if l == -1 {
			elems = append(elems, DNull)
			continue
		}
		if l < 0 || int(l) > len(b) {
			return nil, badBinary("insufficient data left in message")
		}
		e, err := DecodeBinary(b[:l], et)
		if err != nil {
			return nil, err
		}
		elems = append(elems, e)
		b = b[l:]
	}
	if len(b) != 0 {
		return nil, badBinary("")
	}
	if lb == 0 {
		lb = 1
	}
	return &DArray{Elem: et, Elems: elems, LowerBound: lb}, nil
}

func decodeRecordBinary(b []byte) (Datum, error) {
	if len(b) < 4 {
		return nil, badBinary("")
	}
	n := int32(binary.BigEndian.Uint32(b))
	b = b[4:]
	if n < 0 || int(n) > len(b)/8 {
		return nil, badBinary("")
	}
	tup := &DTuple{}
	for i := int32(0); i < n; i++ {
		if len(b) < 8 {
			return nil, badBinary("")
		}
		oid := binary.BigEndian.Uint32(b)
		l := int32(binary.BigEndian.Uint32(b[4:]))
		b = b[8:]
		et := ByOid(oid)
		if et == nil {
			return nil, badBinary("unsupported record field type %d", oid)
		}
		tup.Types = append(tup.Types, et)
		if l == -1 {
			tup.Elems = append(tup.Elems, DNull)
			continue
		}
		if l < 0 || int(l) > len(b) {
			return nil, badBinary("")
		}
		e, err := DecodeBinary(b[:l], et)
		if err != nil {
			return nil, err
		}
		tup.Elems = append(tup.Elems, e)
		b = b[l:]
	}
	if len(b) != 0 {
		return nil, badBinary("")
	}
	return tup, nil
}
