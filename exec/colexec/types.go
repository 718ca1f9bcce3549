package colexec

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/apd/v3"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// kind is the physical representation of a column inside a batch.
type kind uint8

const (
	kNull    kind = iota // column the plan never reads: an arrow Null array
	kBool                // arrow Boolean
	kInt                 // int2/int4/int8 widened to arrow Int64
	kFloat               // float4/float8 as arrow Float64 (float4 values are already float32-rounded)
	kString              // text/varchar/bpchar as arrow String
	kDate                // arrow Date32 (days since epoch, ±infinity kept as MinInt32/MaxInt32)
	kTS                  // timestamp / timestamptz as arrow Timestamp(us)
	kNumeric             // numeric(p<=18, s) as arrow Int64 scaled by 10^s; NaN is numericNaN
)

// numericNaN encodes numeric NaN in a scaled int64: |v| < 10^18 for every
// finite numeric(p<=18), so MaxInt64 is free, and being the largest value
// it makes NaN sort above all numbers and equal to itself, as PostgreSQL does.
const numericNaN = math.MaxInt64

// kindOf maps a SQL type to its batch representation; ok is false for
// types the vectorized engine does not handle (the caller falls back).
func kindOf(t *types.T) (kind, bool) {
	switch t.Family {
	case types.BoolFamily:
		return kBool, true
	case types.IntFamily:
		switch t.Oid {
		case types.OidInt2, types.OidInt4, types.OidInt8:
			return kInt, true
		}
	case types.FloatFamily:
		return kFloat, true
	case types.StringFamily:
		switch t.Oid {
		case types.OidText, types.OidVarchar, types.OidBPChar:
			return kString, true
		}
	case types.DateFamily:
		return kDate, true
	case types.TimestampFamily, types.TimestampTZFamily:
		return kTS, true
	case types.DecimalFamily:
		p, _ := t.NumericPrecScale()
		if p >= 1 && p <= 18 {
			return kNumeric, true
		}
	}
	return 0, false
}

// Supported reports whether values of t can live in a batch.
func Supported(t *types.T) bool {
	_, ok := kindOf(t)
	return ok
}

func arrowType(k kind, t *types.T) arrow.DataType {
	switch k {
	case kBool:
		return arrow.FixedWidthTypes.Boolean
	case kInt, kNumeric:
		return arrow.PrimitiveTypes.Int64
	case kFloat:
		return arrow.PrimitiveTypes.Float64
	case kString:
		return arrow.BinaryTypes.String
	case kDate:
		return arrow.FixedWidthTypes.Date32
	case kTS:
		if t.Family == types.TimestampTZFamily {
			return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
		}
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	}
	return arrow.Null
}

// colSpec describes one batch column: its SQL type and representation.
type colSpec struct {
	t     *types.T
	k     kind
	scale int32 // kNumeric only
}

func specFor(t *types.T, used bool) colSpec {
	if !used {
		return colSpec{t: t, k: kNull}
	}
	k, _ := kindOf(t)
	s := colSpec{t: t, k: k}
	if k == kNumeric {
		_, sc := t.NumericPrecScale()
		s.scale = int32(sc)
	}
	return s
}

func schemaFor(specs []colSpec) *arrow.Schema {
	fs := make([]arrow.Field, len(specs))
	for i, s := range specs {
		fs[i] = arrow.Field{Name: "c" + itoa(i), Type: arrowType(s.k, s.t), Nullable: true}
	}
	return arrow.NewSchema(fs, nil)
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

var pow10 = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// decimalToScaled converts d to an integer scaled by 10^scale; ok is
// false when d is not exactly representable (too many digits or fraction
// digits beyond scale).
func decimalToScaled(d *types.DDecimal, scale int32) (int64, bool) {
	if d.Form == apd.NaN {
		return numericNaN, true
	}
	if d.Form != apd.Finite || !d.Coeff.IsInt64() {
		return 0, false
	}
	c := d.Coeff.Int64()
	shift := d.Exponent + scale
	for ; shift > 0; shift-- {
		if c > math.MaxInt64/10 {
			return 0, false
		}
		c *= 10
	}
	for ; shift < 0; shift++ {
		if c%10 != 0 {
			return 0, false
		}
		c /= 10
	}
	if c >= pow10[18] {
		return 0, false
	}
	if d.Negative {
		c = -c
	}
	return c, true
}

func scaledToDecimal(v int64, scale int32) types.Datum {
	d := &types.DDecimal{}
	if v == numericNaN {
		d.Form = apd.NaN
		return d
	}
	neg := v < 0
	if neg {
		v = -v
	}
	d.Coeff.SetInt64(v)
	d.Exponent = -scale
	d.Negative = neg
	return d
}

// appender appends datums of one column to an arrow builder.
type appender struct {
	spec colSpec
	b    array.Builder
}

func newAppender(mem memory.Allocator, s colSpec) *appender {
	return &appender{spec: s, b: array.NewBuilder(mem, arrowType(s.k, s.t))}
}

func (a *appender) append(d types.Datum) error {
	if d == types.DNull {
		a.b.AppendNull()
		return nil
	}
	switch a.spec.k {
	case kNull:
		a.b.AppendNull()
	case kBool:
		a.b.(*array.BooleanBuilder).Append(bool(d.(types.DBool)))
	case kInt:
		a.b.(*array.Int64Builder).Append(int64(d.(types.DInt)))
	case kFloat:
		a.b.(*array.Float64Builder).Append(float64(d.(types.DFloat)))
	case kString:
		a.b.(*array.StringBuilder).Append(string(d.(types.DString)))
	case kDate:
		a.b.(*array.Date32Builder).Append(arrow.Date32(d.(types.DDate)))
	case kTS:
		var v int64
		switch x := d.(type) {
		case types.DTimestamp:
			v = int64(x)
		case types.DTimestampTZ:
			v = int64(x)
		}
		a.b.(*array.TimestampBuilder).Append(arrow.Timestamp(v))
	case kNumeric:
		v, ok := decimalToScaled(d.(*types.DDecimal), a.spec.scale)
		if !ok {
			return pgerr.New(pgerr.InternalError, "colexec: numeric value does not fit %s", a.spec.t.SQLString())
		}
		a.b.(*array.Int64Builder).Append(v)
	}
	return nil
}

// datumAt converts element i of arr (represented per spec) back to a Datum.
func datumAt(s colSpec, arr arrow.Array, i int) types.Datum {
	if s.k == kNull || arr.IsNull(i) {
		return types.DNull
	}
	switch s.k {
	case kBool:
		return types.DBool(arr.(*array.Boolean).Value(i))
	case kInt:
		return types.DInt(arr.(*array.Int64).Value(i))
	case kFloat:
		return types.DFloat(arr.(*array.Float64).Value(i))
	case kString:
		return types.DString(arr.(*array.String).Value(i))
	case kDate:
		return types.DDate(arr.(*array.Date32).Value(i))
	case kTS:
		v := int64(arr.(*array.Timestamp).Value(i))
		if s.t.Family == types.TimestampTZFamily {
			return types.DTimestampTZ(v)
		}
		return types.DTimestamp(v)
	case kNumeric:
		return scaledToDecimal(arr.(*array.Int64).Value(i), s.scale)
	}
	return types.DNull
}
