package pqfile

import (
	"math"
	"math/big"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/cockroachdb/apd/v3"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// arrowType is ArrowType without the error wrapping, shared by the
// element types of arrays.
func arrowType(t *types.T) (arrow.DataType, error) {
	switch t.Family {
	case types.BoolFamily:
		return arrow.FixedWidthTypes.Boolean, nil
	case types.IntFamily:
		switch t.Width {
		case 16:
			return arrow.PrimitiveTypes.Int16, nil
		case 32:
			return arrow.PrimitiveTypes.Int32, nil
		}
		return arrow.PrimitiveTypes.Int64, nil
	case types.FloatFamily:
		if t.Width == 32 {
			return arrow.PrimitiveTypes.Float32, nil
		}
		return arrow.PrimitiveTypes.Float64, nil
	case types.DecimalFamily:
		if p, s := t.NumericPrecScale(); p >= 1 && p <= decimal128.MaxPrecision {
			return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}, nil
		}
		return arrow.BinaryTypes.String, nil
	case types.StringFamily, types.JSONFamily, types.IntervalFamily:
		return arrow.BinaryTypes.String, nil
	case types.BytesFamily:
		return arrow.BinaryTypes.Binary, nil
	case types.DateFamily:
		return arrow.FixedWidthTypes.Date32, nil
	case types.TimeFamily:
		return arrow.FixedWidthTypes.Time64us, nil
	case types.TimestampFamily:
		return &arrow.TimestampType{Unit: arrow.Microsecond}, nil
	case types.TimestampTZFamily:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nil
	case types.UUIDFamily:
		return extensions.NewUUIDType(), nil
	case types.ArrayFamily:
		if t.Elem == nil || t.Elem.Family == types.ArrayFamily {
			break
		}
		et, err := arrowType(t.Elem)
		if err != nil {
			return nil, err
		}
		return arrow.ListOf(et), nil
	}
	return nil, pgerr.Unsupported("type " + t.String() + " in a lake table")
}

// putFunc appends one datum to the builder it was made for.
type putFunc func(d types.Datum) error

// getFunc returns the datum at row i (NULL included).
type getFunc func(i int) (types.Datum, error)

func badDatum(d types.Datum, t *types.T) error {
	return pgerr.New(pgerr.InternalError, "pqfile: datum %T does not fit a column of type %s", d, t)
}

// newPut returns the appender of datums of t to b (built for arrowType(t)).
func newPut(b array.Builder, t *types.T) (putFunc, error) {
	switch bb := b.(type) {
	case *array.BooleanBuilder:
		return func(d types.Datum) error {
			if v, ok := d.(types.DBool); ok {
				bb.Append(bool(v))
				return nil
			}
			return nullOr(bb, d, t)
		}, nil
	case *array.Int16Builder:
		return func(d types.Datum) error {
			if v, ok := d.(types.DInt); ok {
				bb.Append(int16(v))
				return nil
			}
			return nullOr(bb, d, t)
		}, nil
	case *array.Int32Builder:
		return func(d types.Datum) error {
			if v, ok := d.(types.DInt); ok {
				bb.Append(int32(v))
				return nil
			}
			return nullOr(bb, d, t)
		}, nil
	case *array.Int64Builder:
		return func(d types.Datum) error {
			if v, ok := d.(types.DInt); ok {
				bb.Append(int64(v))
				return nil
			}
			return nullOr(bb, d, t)
		}, nil
	case *array.Float32Builder:
		return func(d types.Datum) error {
			if v, ok := d.(types.DFloat); ok {
				bb.Append(float32(v))
				return nil
			}
			return nullOr(bb, d, t)
		}, nil
	case *array.Float64Builder:
		return func(d types.Datum) error {
			if v, ok := d.(types.DFloat); ok {
				bb.Append(float64(v))
				return nil
			}
			return nullOr(bb, d, t)
		}, nil
	case *array.Decimal128Builder:
		dt := bb.Type().(*arrow.Decimal128Type)
		return func(d types.Datum) error {
			if v, ok := d.(*types.DDecimal); ok {
				n, err := decimalToNum(v, dt.Precision, dt.Scale)
				if err != nil {
					return err
				}
				bb.Append(n)
				return nil
			}
			return nullOr(bb, d, t)
		}, nil
	case *array.StringBuilder:
		var buf []byte
		return func(d types.Datum) error {
			switch v := d.(type) {
			case types.DString:
				bb.Append(string(v))
				return nil
			case *types.DDecimal, types.DInterval, *types.DJSON:
				// PostgreSQL's own text form: exact, and what a reader
				// of the file (DuckDB) can cast back.
				buf = types.AppendText(buf[:0], v, t, nil)
				bb.BinaryBuilder.Append(buf)
				return nil
			}
			return nullOr(bb, d, t)
		}, nil
	case *array.BinaryBuilder:
		return func(d types.Datum) error {
			if v, ok := d.(types.DBytes); ok {
				bb.AppendString(string(v))
				return nil
			}
			return nullOr(bb, d, t)
		}, nil
	case *array.Date32Builder:
		return func(d types.Datum) error {
			if v, ok := d.(types.DDate); ok {
				bb.Append(arrow.Date32(v))
				return nil
			}
			return nullOr(bb, d, t)
		}, nil
	case *array.Time64Builder:
		return func(d types.Datum) error {
			if v, ok := d.(types.DTime); ok {
				bb.Append(arrow.Time64(v))
				return nil
			}
			return nullOr(bb, d, t)
		}, nil
	case *array.TimestampBuilder:
		return func(d types.Datum) error {
			switch v := d.(type) {
			case types.DTimestamp:
				bb.Append(arrow.Timestamp(v))
				return nil
			case types.DTimestampTZ:
				bb.Append(arrow.Timestamp(v))
				return nil
			}
			return nullOr(bb, d, t)
		}, nil
	case *extensions.UUIDBuilder:
		return func(d types.Datum) error {
			if v, ok := d.(types.DUUID); ok {
				bb.AppendBytes(v)
				return nil
			}
			return nullOr(bb, d, t)
		}, nil
	case *array.ListBuilder:
		if t.Family != types.ArrayFamily {
			return nil, badDatum(nil, t)
		}
		elem, err := newPut(bb.ValueBuilder(), t.Elem)
		if err != nil {
			return nil, err
		}
		return func(d types.Datum) error {
			v, ok := d.(*types.DArray)
			if !ok {
				return nullOr(bb, d, t)
			}
			if v.Lower() != 1 {
				return pgerr.Unsupported("an array with lower bound other than 1 in a lake table")
			}
			bb.Append(true)
			for _, e := range v.Elems {
				if err := elem(e); err != nil {
					return err
				}
			}
			return nil
		}, nil
	}
	return nil, pgerr.New(pgerr.InternalError, "pqfile: no appender for %s (%s)", b.Type(), t)
}

func nullOr(b array.Builder, d types.Datum, t *types.T) error {
	if d == types.DNull {
		b.AppendNull()
		return nil
	}
	return badDatum(d, t)
}

var pow10Big = func() [decimal128.MaxPrecision + 1]*big.Int {
	var p [decimal128.MaxPrecision + 1]*big.Int
	for i := range p {
		p[i] = new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(i)), nil)
	}
	return p
}()

var pow10Int = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// decimalToNum converts d exactly to a Decimal128 of the given precision
// and scale. Values in a numeric(p,s) column are already rounded to s, so
// anything inexact (or NaN, which Decimal128 cannot hold) is an error.
func decimalToNum(d *types.DDecimal, prec, scale int32) (decimal128.Num, error) {
	if d.Form != apd.Finite {
		return decimal128.Num{}, pgerr.Unsupported("numeric NaN or infinity in a lake column of type numeric(" +
			strconv.Itoa(int(prec)) + "," + strconv.Itoa(int(scale)) + ")")
	}
	shift := d.Exponent + scale
	// Fast path: small coefficients, the common case.
	if d.Coeff.IsInt64() && shift >= 0 && shift <= 18 {
		c := d.Coeff.Int64()
		if c <= math.MaxInt64/pow10Int[shift] {
			c *= pow10Int[shift]
			if prec >= 19 || c < pow10Int[prec] {
				if d.Negative {
					c = -c
				}
				return decimal128.FromI64(c), nil
			}
		}
	}
	v := d.Coeff.MathBigInt()
	if shift >= 0 {
		if shift > decimal128.MaxPrecision {
			return decimal128.Num{}, overflow(prec, scale)
		}
		v.Mul(v, pow10Big[shift])
	} else {
		if -shift > decimal128.MaxPrecision {
			if v.Sign() != 0 {
				return decimal128.Num{}, overflow(prec, scale)
			}
		} else {
			var r big.Int
			v.QuoRem(v, pow10Big[-shift], &r)
			if r.Sign() != 0 {
				return decimal128.Num{}, pgerr.New(pgerr.InternalError,
					"pqfile: numeric value %s has more than %d fraction digits", d.String(), scale)
			}
		}
	}
	if v.CmpAbs(pow10Big[prec]) >= 0 {
		return decimal128.Num{}, overflow(prec, scale)
	}
	if d.Negative {
		v.Neg(v)
	}
	return decimal128.FromBigInt(v), nil
}

func overflow(prec, scale int32) error {
	return pgerr.New(pgerr.NumericValueOutOfRange, "numeric field overflow").
		WithDetail("A field with precision %d, scale %d cannot hold this value.", prec, scale)
}

// numToDecimal is the inverse of decimalToNum: the value carries exactly
// scale fraction digits, as numeric(p,s) values do.
func numToDecimal(n decimal128.Num, scale int32) *types.DDecimal {
	d := &types.DDecimal{}
	d.Exponent = -scale
	hi, lo := n.HighBits(), n.LowBits()
	switch {
	case hi == 0 && lo <= math.MaxInt64:
		d.Coeff.SetInt64(int64(lo))
	case hi == -1 && lo > 1<<63:
		d.Coeff.SetInt64(-int64(lo))
		d.Negative = true
	default:
		b := n.BigInt()
		if b.Sign() < 0 {
			d.Negative = true
			b.Neg(b)
		}
		d.Coeff.SetMathBigInt(b)
	}
	return d
}

// newGet returns the reader of datums of t from arr. The SQL type decides
// the datum kind; the Arrow type is whatever the file holds, so files
// written with an older mapping still read.
func newGet(arr arrow.Array, t *types.T) (getFunc, error) {
	null := func(i int) bool { return arr.IsNull(i) }
	if arr.NullN() == 0 {
		null = func(int) bool { return false }
	}
	if ext, ok := arr.(array.ExtensionArray); ok {
		arr = ext.Storage()
	}
	switch a := arr.(type) {
	case *array.Null:
		return func(int) (types.Datum, error) { return types.DNull, nil }, nil
	case *array.Boolean:
		return func(i int) (types.Datum, error) {
			if null(i) {
				return types.DNull, nil
			}
			return types.DBool(a.Value(i)), nil
		}, nil
	case *array.Int16:
		return intGet(null, func(i int) int64 { return int64(a.Value(i)) }), nil
	case *array.Int32:
		return intGet(null, func(i int) int64 { return int64(a.Value(i)) }), nil
	case *array.Int64:
		return intGet(null, func(i int) int64 { return a.Value(i) }), nil
	case *array.Float32:
		return func(i int) (types.Datum, error) {
			if null(i) {
				return types.DNull, nil
			}
			return types.DFloat(a.Value(i)), nil
		}, nil
	case *array.Float64:
		return func(i int) (types.Datum, error) {
			if null(i) {
				return types.DNull, nil
			}
			return types.DFloat(a.Value(i)), nil
		}, nil
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return func(i int) (types.Datum, error) {
			if null(i) {
				return types.DNull, nil
			}
			return numToDecimal(a.Value(i), scale), nil
		}, nil
	case *array.String:
		if t.Family == types.StringFamily && a.Len() > 0 {
			// Datums outlive the record, whose buffers may come from any
			// allocator: copy the column's bytes once and slice the copy.
			data := string(a.ValueBytes())
			offs := a.ValueOffsets()
			base := offs[0]
			return func(i int) (types.Datum, error) {
				if null(i) {
					return types.DNull, nil
				}
				return types.DString(data[offs[i]-base : offs[i+1]-base]), nil
			}, nil
		}
		return func(i int) (types.Datum, error) {
			if null(i) {
				return types.DNull, nil
			}
			return types.ParseText(a.Value(i), t, nil)
		}, nil
	case *array.Binary:
		return func(i int) (types.Datum, error) {
			if null(i) {
				return types.DNull, nil
			}
			return types.DBytes(a.Value(i)), nil
		}, nil
	case *array.Date32:
		return func(i int) (types.Datum, error) {
			if null(i) {
				return types.DNull, nil
			}
			return types.DDate(a.Value(i)), nil
		}, nil
	case *array.Time64:
		return func(i int) (types.Datum, error) {
			if null(i) {
				return types.DNull, nil
			}
			return types.DTime(a.Value(i)), nil
		}, nil
	case *array.Timestamp:
		tz := t.Family == types.TimestampTZFamily
		// Files from other writers (pyarrow, Spark, DuckDB) may use s, ms
		// or ns; PostgreSQL resolution is microseconds (ns truncate).
		micros := unitToMicros(a.DataType().(*arrow.TimestampType).Unit)
		return func(i int) (types.Datum, error) {
			if null(i) {
				return types.DNull, nil
			}
			v := micros(int64(a.Value(i)))
			if tz {
				return types.DTimestampTZ(v), nil
			}
			return types.DTimestamp(v), nil
		}, nil
	case *array.Time32:
		micros := unitToMicros(a.DataType().(*arrow.Time32Type).Unit)
		return func(i int) (types.Datum, error) {
			if null(i) {
				return types.DNull, nil
			}
			return types.DTime(micros(int64(a.Value(i)))), nil
		}, nil
	case *array.Date64:
		return func(i int) (types.Datum, error) {
			if null(i) {
				return types.DNull, nil
			}
			return types.DDate(floorDiv(int64(a.Value(i)), 86400000)), nil
		}, nil
	case *array.Int8:
		return intGet(null, func(i int) int64 { return int64(a.Value(i)) }), nil
	case *array.Uint8:
		return intGet(null, func(i int) int64 { return int64(a.Value(i)) }), nil
	case *array.Uint16:
		return intGet(null, func(i int) int64 { return int64(a.Value(i)) }), nil
	case *array.Uint32:
		return intGet(null, func(i int) int64 { return int64(a.Value(i)) }), nil
	case *array.Uint64:
		return func(i int) (types.Datum, error) {
			if null(i) {
				return types.DNull, nil
			}
			v := a.Value(i)
			if v > math.MaxInt64 {
				return nil, pgerr.New(pgerr.NumericValueOutOfRange, "pqfile: unsigned value %d out of range for bigint", v)
			}
			return types.DInt(int64(v)), nil
		}, nil
	case *array.FixedSizeBinary:
		return func(i int) (types.Datum, error) {
			if null(i) {
				return types.DNull, nil
			}
			var u types.DUUID
			if copy(u[:], a.Value(i)) != len(u) {
				return nil, pgerr.New(pgerr.DataCorrupted, "pqfile: uuid value of %d bytes", len(a.Value(i)))
			}
			return u, nil
		}, nil
	case *array.List:
		if t.Family != types.ArrayFamily {
			break
		}
		elem, err := newGet(a.ListValues(), t.Elem)
		if err != nil {
			return nil, err
		}
		return func(i int) (types.Datum, error) {
			if null(i) {
				return types.DNull, nil
			}
			lo64, hi64 := a.ValueOffsets(i)
			lo, hi := int(lo64), int(hi64)
			elems := make([]types.Datum, hi-lo)
			for j := lo; j < hi; j++ {
				e, err := elem(j)
				if err != nil {
					return nil, err
				}
				elems[j-lo] = e
			}
			return &types.DArray{Elem: t.Elem, Elems: elems}, nil
		}, nil
	}
	return nil, pgerr.New(pgerr.DataCorrupted, "pqfile: cannot read %s as %s", arr.DataType(), t)
}

func intGet(null func(int) bool, v func(int) int64) getFunc {
	return func(i int) (types.Datum, error) {
		if null(i) {
			return types.DNull, nil
		}
		return types.DInt(v(i)), nil
	}
}

// unitToMicros converts a time value of unit u to microseconds, flooring
// nanoseconds (PostgreSQL's resolution is a microsecond).
func unitToMicros(u arrow.TimeUnit) func(int64) int64 {
	switch u {
	case arrow.Second:
		return func(v int64) int64 { return v * 1_000_000 }
	case arrow.Millisecond:
		return func(v int64) int64 { return v * 1_000 }
	case arrow.Nanosecond:
		return func(v int64) int64 { return floorDiv(v, 1_000) }
	}
	return func(v int64) int64 { return v }
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}
