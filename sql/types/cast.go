package types

import (
	"math"
	"strconv"

	"github.com/cockroachdb/apd/v3"
	"github.com/conflux-db/conflux/sql/pgerr"
)

// Coercion is pg_cast.castcontext: the contexts in which a cast may be
// applied without being written. Larger values are more permissive, so
// "allowed in context c" is k >= c.
type Coercion int8

const (
	CoerceNone       Coercion = iota // no cast exists
	CoerceExplicit                   // only with CAST or ::
	CoerceAssignment                 // also in INSERT/UPDATE targets
	CoerceImplicit                   // also in expressions
)

func (c Coercion) String() string {
	return [...]string{"none", "explicit", "assignment", "implicit"}[c]
}

// Allows reports whether a cast of this kind may be applied in context ctx.
func (c Coercion) Allows(ctx Coercion) bool { return c != CoerceNone && c >= ctx }

// Cast converts d from type from to type to with explicit-cast semantics
// (CAST(x AS t), x::t): length coercion truncates silently.
func Cast(d Datum, from, to *T, ctx *Context) (Datum, error) {
	return castDatum(d, from, to, ctx, false)
}

// CastAssignment converts with assignment semantics (INSERT/UPDATE
// targets): a string longer than varchar(n)/bpchar(n) is an error (22001)
// unless the excess is spaces.
func CastAssignment(d Datum, from, to *T, ctx *Context) (Datum, error) {
	return castDatum(d, from, to, ctx, true)
}

func cannotCast(from, to *T) error {
	return pgerr.New(pgerr.CannotCoerce, "cannot cast type %s to %s", from.SQLString(), to.SQLString())
}

func isOidLike(t *T) bool {
	return t.Family == IntFamily && t.Oid != OidInt2 && t.Oid != OidInt4 && t.Oid != OidInt8
}

func castDatum(d Datum, from, to *T, ctx *Context, assign bool) (Datum, error) {
	if d == DNull {
		return DNull, nil
	}
	if from == nil {
		from = Unknown
	}
	if from.Family == UnknownFamily || to.Family == UnknownFamily {
		s, ok := d.(DString)
		if !ok || to.Family == UnknownFamily {
			return d, nil
		}
		return castFromText(string(s), to, ctx, assign)
	}
	switch to.Family {
	case StringFamily:
		return castToString(d, from, to, ctx, assign)
	case RecordFamily, VoidFamily:
		if from.Family == to.Family {
			return d, nil
		}
		return nil, cannotCast(from, to)
	}
	if from.Family == StringFamily {
		s, ok := d.(DString)
		if !ok {
			return nil, cannotCast(from, to)
		}
		str := string(s)
		if from.Oid == OidBPChar {
			str = trimTrailingSpaces(str)
		}
		return castFromText(str, to, ctx, assign)
	}
	switch v := d.(type) {
	case DBool:
		switch to.Family {
		case BoolFamily:
			return v, nil
		case IntFamily:
			if v {
				return DInt(1), nil
			}
			return DInt(0), nil
		}
	case DInt:
		return castInt(v, from, to)
	case DFloat:
		return castFloat(v, from, to)
	case *DDecimal:
		return castDecimal(v, to)
	case DBytes:
		if to.Family == BytesFamily {
			return v, nil
		}
	case DDate:
		return castDate(v, to, ctx)
	case DTime:
		switch to.Family {
		case TimeFamily:
			return DTime(RoundMicros(int64(v), to.Typmod)), nil
		case IntervalFamily:
			return DInterval{Micros: int64(v)}, nil
		}
	case DTimestamp:
		return castTimestamp(int64(v), false, to, ctx)
	case DTimestampTZ:
		return castTimestamp(int64(v), true, to, ctx)
	case DInterval:
		switch to.Family {
		case IntervalFamily:
			return v, nil
		case TimeFamily:
			return DTime(floorMod(v.Micros, usecPerDay)), nil
		}
	case DUUID:
		if to.Family == UUIDFamily {
			return v, nil
		}
	case *DJSON:
		return castJSON(v, to, ctx)
	case *DArray:
		if to.Family == ArrayFamily {
			fe, te := from.Elem, to.Elem
			if fe == nil {
				fe = v.Elem
			}
			out := &DArray{Elem: te, Elems: make([]Datum, len(v.Elems)), LowerBound: v.LowerBound}
			for i, e := range v.Elems {
				c, err := castDatum(e, fe, te, ctx, assign)
				if err != nil {
					return nil, err
				}
				out.Elems[i] = c
			}
			return out, nil
		}
	}
	return nil, cannotCast(from, to)
}

// castFromText reads s with the input function of to without its typmod
// and then applies the typmod as a length coercion, which is how
// PostgreSQL makes 'abcdef'::varchar(3) truncate while COPY would fail.
func castFromText(s string, to *T, ctx *Context, assign bool) (Datum, error) {
	base := stripTypmod(to)
	if base == to {
		return ParseText(s, to, ctx)
	}
	d, err := ParseText(s, base, ctx)
	if err != nil {
		return nil, err
	}
	return castDatum(d, base, to, ctx, assign)
}

// stripTypmod returns t without typmods (on itself and its element type),
// or t itself when it has none.
func stripTypmod(t *T) *T {
	if t.Family == ArrayFamily && t.Elem != nil {
		if e := stripTypmod(t.Elem); e != t.Elem {
			c := *t
			c.Elem = e
			c.Typmod = -1
			return &c
		}
	}
	if t.Typmod == -1 {
		return t
	}
	return t.WithTypmod(-1)
}

func trimTrailingSpaces(s string) string {
	i := len(s)
	for i > 0 && s[i-1] == ' ' {
		i--
	}
	return s[:i]
}

func castToString(d Datum, from, to *T, ctx *Context, assign bool) (Datum, error) {
	var s string
	switch v := d.(type) {
	case DString:
		s = string(v)
		if from.Oid == OidBPChar && to.Oid != OidBPChar {
			s = trimTrailingSpaces(s)
		}
	case DBool:
		// bool::text is 'true'/'false' (booltext), not the output 't'/'f'.
		if v {
			s = "true"
		} else {
			s = "false"
		}
	default:
		s = string(AppendText(nil, d, from, ctx))
	}
	return coerceString(s, to, assign)
}

func intOutOfRange(t *T) error {
	if isOidLike(t) {
		return pgerr.New(pgerr.NumericValueOutOfRange, "OID out of range")
	}
	return pgerr.New(pgerr.NumericValueOutOfRange, "%s out of range", intTypeName(t))
}

func checkIntRange(v int64, to *T) (Datum, error) {
	lo, hi := intRange(to)
	if v < lo || v > hi {
		return nil, intOutOfRange(to)
	}
	return DInt(v), nil
}

func castInt(v DInt, from, to *T) (Datum, error) {
	switch to.Family {
	case IntFamily:
		if isOidLike(to) {
			if isOidLike(from) || from.Oid == OidInt4 || from.Oid == OidInt2 {
				return DInt(int64(uint32(v))), nil
			}
			if v < 0 || v > math.MaxUint32 {
				return nil, intOutOfRange(to)
			}
			return v, nil
		}
		if isOidLike(from) && to.Oid == OidInt4 {
			// oid → int4 is binary coercible: large OIDs turn negative.
			return DInt(int32(uint32(v))), nil
		}
		return checkIntRange(int64(v), to)
	case FloatFamily:
		if to.Width == 32 {
			return DFloat(float32(v)), nil
		}
		return DFloat(float64(v)), nil
	case DecimalFamily:
		return ApplyNumericTypmod(NewDecimalFromInt(int64(v)), to.Typmod)
	case BoolFamily:
		return DBool(v != 0), nil
	}
	return nil, cannotCast(from, to)
}

func castFloat(v DFloat, from, to *T) (Datum, error) {
	f := float64(v)
	switch to.Family {
	case FloatFamily:
		if to.Width == 32 {
			r := float32(f)
			if math.IsInf(float64(r), 0) && !math.IsInf(f, 0) {
				return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value out of range: overflow")
			}
			if r == 0 && f != 0 {
				return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value out of range: underflow")
			}
			return DFloat(r), nil
		}
		return v, nil
	case IntFamily:
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, intOutOfRange(to)
		}
		r := math.RoundToEven(f)
		lo, _ := intRange(to)
		// -lo (2^15, 2^31, 2^63) is exact in float64 and the first value
		// past the top of the range.
		if r < float64(lo) || r >= -float64(lo) {
			return nil, intOutOfRange(to)
		}
		return checkIntRange(int64(r), to)
	case DecimalFamily:
		d := &DDecimal{}
		switch {
		case math.IsNaN(f):
			d.Form = apd.NaN
			return d, nil
		case math.IsInf(f, 0):
			d.Form, d.Negative = apd.Infinite, f < 0
			return ApplyNumericTypmod(d, to.Typmod)
		}
		// float8_numeric prints DBL_DIG (15) significant digits; float4 uses 6.
		digits := 15
		if from.Width == 32 {
			digits = 6
		}
		d, err := ParseDecimal(strconv.FormatFloat(f, 'g', digits, 64))
		if err != nil {
			return nil, err
		}
		return ApplyNumericTypmod(d, to.Typmod)
	}
	return nil, cannotCast(from, to)
}

func castDecimal(v *DDecimal, to *T) (Datum, error) {
	switch to.Family {
	case DecimalFamily:
		return ApplyNumericTypmod(v, to.Typmod)
	case FloatFamily:
		f := decimalToFloat(v)
		if v.Form == apd.Finite && math.IsInf(f, 0) {
			return nil, pgerr.New(pgerr.NumericValueOutOfRange, "%q is out of range for type %s", v.Text('f'), floatTypeName(to))
		}
		if to.Width == 32 {
			r := float32(f)
			if math.IsInf(float64(r), 0) && !math.IsInf(f, 0) {
				return nil, pgerr.New(pgerr.NumericValueOutOfRange, "%q is out of range for type real", v.Text('f'))
			}
			return DFloat(r), nil
		}
		return DFloat(f), nil
	case IntFamily:
		switch v.Form {
		case apd.NaN, apd.NaNSignaling:
			return nil, pgerr.New(pgerr.FeatureNotSupported, "cannot convert NaN to %s", intTypeName(to))
		case apd.Infinite:
			return nil, pgerr.New(pgerr.FeatureNotSupported, "cannot convert infinity to %s", intTypeName(to))
		}
		var r apd.Decimal
		if _, err := numCtx.RoundToIntegralValue(&r, &v.Decimal); err != nil {
			return nil, intOutOfRange(to)
		}
		i, err := r.Int64()
		if err != nil {
			return nil, intOutOfRange(to)
		}
		return castInt(DInt(i), Int8, to)
	}
	return nil, cannotCast(Numeric, to)
}

func castDate(v DDate, to *T, ctx *Context) (Datum, error) {
	switch to.Family {
	case DateFamily:
		return v, nil
	case TimestampFamily, TimestampTZFamily:
		ts := dateToTimestamp(v)
		if !IsInfiniteTimestamp(ts) && (ts < minTsMicros || ts >= endTsMicros) {
			return nil, pgerr.New(pgerr.DatetimeFieldOverflow, "date out of range for timestamp")
		}
		if to.Family == TimestampFamily {
			return DTimestamp(ts), nil
		}
		return DTimestampTZ(localToUTC(ts, ctx.loc())), nil
	}
	return nil, cannotCast(Date, to)
}

func castTimestamp(v int64, tz bool, to *T, ctx *Context) (Datum, error) {
	local := v
	if tz {
		local = int64(TimestampTZToLocal(DTimestampTZ(v), ctx.loc()))
	}
	switch to.Family {
	case TimestampFamily:
		return DTimestamp(RoundMicros(local, to.Typmod)), nil
	case TimestampTZFamily:
		if tz {
			return DTimestampTZ(RoundMicros(v, to.Typmod)), nil
		}
		return DTimestampTZ(RoundMicros(localToUTC(v, ctx.loc()), to.Typmod)), nil
	case DateFamily:
		switch local {
		case TimestampNegInfinity:
			return DateNegInfinity, nil
		case TimestampPosInfinity:
			return DatePosInfinity, nil
		}
		return DDate(floorDiv(local, usecPerDay)), nil
	case TimeFamily:
		if IsInfiniteTimestamp(local) {
			return DNull, nil
		}
		return DTime(RoundMicros(floorMod(local, usecPerDay), to.Typmod)), nil
	}
	if tz {
		return nil, cannotCast(TimestampTZ, to)
	}
	return nil, cannotCast(Timestamp, to)
}

func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "numeric"
}

func castJSON(v *DJSON, to *T, ctx *Context) (Datum, error) {
	wrong := func() error {
		return pgerr.New(pgerr.InvalidParameterValue, "cannot cast jsonb %s to type %s", jsonTypeName(v.V), to.SQLString())
	}
	switch to.Family {
	case JSONFamily:
		return v, nil
	case BoolFamily:
		if b, ok := v.V.(bool); ok {
			return DBool(b), nil
		}
		return nil, wrong()
	case IntFamily, FloatFamily, DecimalFamily:
		if jsonRank(v.V) != 2 {
			return nil, wrong()
		}
		return castDecimal(jsonNumber(v.V), to)
	}
	return nil, cannotCast(JSONB, to)
}

// --- cast contexts (pg_cast) ---

// numericRank orders the numeric types along PostgreSQL's implicit
// promotion chain; 0 for non-numeric.
func numericRank(t *T) int {
	switch t.Oid {
	case OidInt2:
		return 1
	case OidInt4:
		return 2
	case OidInt8:
		return 3
	case OidNumeric:
		return 4
	case OidFloat4:
		return 5
	case OidFloat8:
		return 6
	}
	return 0
}

func isGeneralString(t *T) bool {
	return t.Oid == OidText || t.Oid == OidVarchar || t.Oid == OidBPChar
}

// CastKind returns the context in which a value of type from may be
// converted to type to, following pg_cast (plus PostgreSQL's automatic
// I/O conversion casts to and from string types).
func CastKind(from, to *T) Coercion {
	if from.Family == UnknownFamily {
		return CoerceImplicit
	}
	if from.Equivalent(to) {
		return CoerceImplicit // length coercion only
	}
	if to.Family == StringFamily && from.Family == StringFamily {
		switch {
		case from.Oid == OidName && isGeneralString(to) && to.Oid != OidText:
			return CoerceAssignment
		case from.Oid == OidChar && to.Oid != OidText:
			return CoerceAssignment
		case to.Oid == OidChar:
			return CoerceAssignment
		}
		return CoerceImplicit
	}
	fr, tr := numericRank(from), numericRank(to)
	switch {
	case fr > 0 && tr > 0:
		if fr < tr {
			return CoerceImplicit
		}
		return CoerceAssignment
	case fr >= 1 && fr <= 3 && isOidLike(to):
		return CoerceImplicit
	case isOidLike(from) && isOidLike(to):
		return CoerceImplicit
	case isOidLike(from) && (to.Oid == OidInt4 || to.Oid == OidInt8):
		return CoerceAssignment
	}
	if to.Family == StringFamily {
		if to.Oid == OidChar && from.Oid == OidInt4 {
			return CoerceExplicit
		}
		if from.Family == VoidFamily {
			return CoerceNone
		}
		return CoerceAssignment // automatic I/O conversion to a string type
	}
	if from.Family == StringFamily {
		if from.Oid == OidText && to.Oid == OidRegclass {
			return CoerceImplicit
		}
		if to.Family == VoidFamily || to.Family == RecordFamily {
			return CoerceNone
		}
		return CoerceExplicit // automatic I/O conversion from a string type
	}
	switch from.Family {
	case BoolFamily:
		if to.Oid == OidInt4 {
			return CoerceExplicit
		}
	case IntFamily:
		if from.Oid == OidInt4 && to.Family == BoolFamily {
			return CoerceExplicit
		}
	case DateFamily:
		switch to.Family {
		case TimestampFamily, TimestampTZFamily:
			return CoerceImplicit
		}
	case TimestampFamily:
		switch to.Family {
		case TimestampTZFamily:
			return CoerceImplicit
		case DateFamily, TimeFamily:
			return CoerceAssignment
		}
	case TimestampTZFamily:
		switch to.Family {
		case TimestampFamily, DateFamily, TimeFamily:
			return CoerceAssignment
		}
	case TimeFamily:
		if to.Family == IntervalFamily {
			return CoerceImplicit
		}
	case IntervalFamily:
		if to.Family == TimeFamily {
			return CoerceAssignment
		}
	case JSONFamily:
		switch {
		case to.Family == JSONFamily:
			return CoerceAssignment
		case from.Oid == OidJSONB && (to.Family == BoolFamily || numericRank(to) > 0):
			return CoerceExplicit
		}
	case ArrayFamily:
		if to.Family == ArrayFamily && from.Elem != nil && to.Elem != nil {
			return CastKind(from.Elem, to.Elem)
		}
	}
	return CoerceNone
}

// --- common type resolution (UNION, CASE, VALUES, ARRAY[...]) ---

// TypeCategory returns pg_type.typcategory for t.
func TypeCategory(t *T) byte {
	switch t.Family {
	case BoolFamily:
		return 'B'
	case IntFamily, FloatFamily, DecimalFamily:
		return 'N'
	case StringFamily:
		if t.Oid == OidChar {
			return 'Z'
		}
		return 'S'
	case DateFamily, TimeFamily, TimestampFamily, TimestampTZFamily:
		return 'D'
	case IntervalFamily:
		return 'T'
	case ArrayFamily:
		return 'A'
	case UnknownFamily:
		return 'X'
	case RecordFamily, VoidFamily:
		return 'P'
	}
	return 'U'
}

// IsPreferred reports pg_type.typispreferred.
func IsPreferred(t *T) bool {
	switch t.Oid {
	case OidBool, OidFloat8, OidOid, OidText, OidTimestampTZ, OidInterval:
		return true
	}
	return false
}

// CommonType resolves the type of a UNION/CASE/VALUES column as
// PostgreSQL's select_common_type does, reporting mismatches as UNION.
func CommonType(ts ...*T) (*T, error) { return CommonTypeFor("UNION", ts...) }

// CommonTypeFor is CommonType with the construct named in errors
// ("UNION", "CASE", "VALUES", "ARRAY", "COALESCE", ...).
func CommonTypeFor(context string, ts ...*T) (*T, error) {
	var p *T
	for _, t := range ts {
		if t == nil || t.Family == UnknownFamily {
			continue
		}
		if p == nil {
			p = t
			continue
		}
		if t.Equivalent(p) {
			continue
		}
		if TypeCategory(p) != TypeCategory(t) {
			return nil, mismatch(context, p, t)
		}
		if !IsPreferred(p) && CastKind(p, t) == CoerceImplicit && CastKind(t, p) != CoerceImplicit {
			p = t
		}
	}
	if p == nil {
		return Text, nil
	}
	sameTypmod := true
	for _, t := range ts {
		if t == nil || t.Family == UnknownFamily {
			sameTypmod = false
			continue
		}
		if !t.Equivalent(p) {
			sameTypmod = false
			if CastKind(t, p) != CoerceImplicit {
				return nil, mismatch(context, p, t)
			}
		} else if t.Typmod != p.Typmod {
			sameTypmod = false
		}
	}
	if !sameTypmod && p.Typmod != -1 {
		p = p.WithTypmod(-1)
	}
	return p, nil
}

func mismatch(context string, a, b *T) error {
	return pgerr.New(pgerr.DatatypeMismatch, "%s types %s and %s cannot be matched", context, a.SQLString(), b.SQLString())
}
