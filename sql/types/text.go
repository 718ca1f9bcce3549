package types

import (
	"encoding/hex"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/conflux-db/conflux/sql/pgerr"
)

// Context carries the session settings that type I/O depends on. A nil
// *Context means UTC, DateStyle ISO/MDY and IntervalStyle postgres.
type Context struct {
	Location      *time.Location
	IntervalStyle string // "postgres" (default) or "iso_8601"
	DateStyle     string // output is always ISO; "DMY"/"YMD" steer input order
	// Now is the transaction timestamp used for 'now', 'today' and friends;
	// the zero value means the wall clock at the time of the call.
	Now time.Time
}

// ParseText is the input function of t: it converts the text form s to a
// Datum, applying t's typmod (varchar length, numeric precision).
func ParseText(s string, t *T, ctx *Context) (Datum, error) {
	switch t.Family {
	case UnknownFamily:
		return DString(s), nil
	case BoolFamily:
		return ParseBool(s)
	case IntFamily:
		return parseIntText(s, t)
	case FloatFamily:
		return parseFloatText(s, t)
	case DecimalFamily:
		d, err := ParseDecimal(s)
		if err != nil {
			return nil, err
		}
		r, err := ApplyNumericTypmod(d, t.Typmod)
		if err != nil {
			return nil, err
		}
		return r, nil
	case StringFamily:
		if err := checkUTF8(s); err != nil {
			return nil, err
		}
		return coerceString(s, t, true)
	case BytesFamily:
		b, err := ParseBytea(s)
		if err != nil {
			return nil, err
		}
		return DBytes(b), nil
	case DateFamily:
		return ParseDate(s, ctx)
	case TimeFamily:
		v, err := ParseTime(s, ctx)
		if err != nil {
			return nil, err
		}
		return DTime(RoundMicros(int64(v), t.Typmod)), nil
	case TimestampFamily:
		v, err := ParseTimestamp(s, ctx)
		if err != nil {
			return nil, err
		}
		return DTimestamp(RoundMicros(int64(v), t.Typmod)), nil
	case TimestampTZFamily:
		v, err := ParseTimestampTZ(s, ctx)
		if err != nil {
			return nil, err
		}
		return DTimestampTZ(RoundMicros(int64(v), t.Typmod)), nil
	case IntervalFamily:
		return ParseInterval(s)
	case UUIDFamily:
		return ParseUUID(s)
	case JSONFamily:
		return ParseJSON(s)
	case ArrayFamily:
		if t.IsVector() {
			return parseVectorText(s, t)
		}
		return parseArrayText(s, t, ctx)
	case RecordFamily:
		return nil, pgerr.Unsupported("input of anonymous composite types")
	case VoidFamily:
		return DNull, nil
	}
	return nil, pgerr.New(pgerr.InternalError, "no input function for type %s", t)
}

// AppendText is the output function of t: it appends the text form of d
// (which must not be NULL) to buf.
func AppendText(buf []byte, d Datum, t *T, ctx *Context) []byte {
	switch v := d.(type) {
	case dNull:
		return buf
	case DBool:
		if v {
			return append(buf, 't')
		}
		return append(buf, 'f')
	case DInt:
		if t != nil && t.Family == IntFamily && t.Width == 64 && t.Oid != OidInt8 {
			// oid and the reg* types are unsigned 32-bit.
			return strconv.AppendUint(buf, uint64(uint32(v)), 10)
		}
		return strconv.AppendInt(buf, int64(v), 10)
	case DFloat:
		width := 64
		if t != nil && t.Family == FloatFamily && t.Width == 32 {
			width = 32
		}
		return AppendFloat(buf, float64(v), width)
	case *DDecimal:
		return appendDecimal(buf, v)
	case DString:
		if t != nil && t.Oid == OidChar && len(v) == 1 && v[0] >= 0x80 {
			return append(buf, '\\', '0'+v[0]>>6, '0'+v[0]>>3&7, '0'+v[0]&7)
		}
		return append(buf, v...)
	case DBytes:
		buf = append(buf, `\x`...)
		return hex.AppendEncode(buf, []byte(v))
	case DDate:
		return appendDate(buf, v)
	case DTime:
		return appendHMS(buf, int64(v))
	case DTimestamp:
		return appendTimestamp(buf, int64(v), false, nil)
	case DTimestampTZ:
		return appendTimestamp(buf, int64(v), true, ctx.loc())
	case DInterval:
		style := ""
		if ctx != nil {
			style = ctx.IntervalStyle
		}
		return appendInterval(buf, v, style)
	case DUUID:
		return appendUUID(buf, v)
	case *DJSON:
		return AppendJSON(buf, v.V)
	case *DArray:
		if t.IsVector() {
			return appendVectorText(buf, v, t)
		}
		return appendArrayText(buf, v, t, ctx)
	case *DTuple:
		return appendTupleText(buf, v, ctx)
	}
	return buf
}

// FormatText is AppendText into a new string.
func FormatText(d Datum, t *T, ctx *Context) string {
	return string(AppendText(nil, d, t, ctx))
}

func checkUTF8(s string) error {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return nil
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == 0 || r == utf8.RuneError && n <= 1 {
			return pgerr.New(pgerr.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\": 0x%02x", s[i])
		}
		i += n
	}
	return nil
}

// ParseBool is boolin.
func ParseBool(s string) (DBool, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	n := len(t)
	prefix := func(word string, min int) bool { return n >= min && n <= len(word) && word[:n] == t }
	if n > 0 {
		switch t[0] {
		case 't':
			if prefix("true", 1) {
				return true, nil
			}
		case 'f':
			if prefix("false", 1) {
				return false, nil
			}
		case 'y':
			if prefix("yes", 1) {
				return true, nil
			}
		case 'n':
			if prefix("no", 1) {
				return false, nil
			}
		case 'o':
			if prefix("on", 2) {
				return true, nil
			}
			if prefix("off", 2) {
				return false, nil
			}
		case '1':
			if n == 1 {
				return true, nil
			}
		case '0':
			if n == 1 {
				return false, nil
			}
		}
	}
	return false, pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type boolean: %q", s)
}

// intTypeName is the SQL name used in integer error messages.
func intTypeName(t *T) string {
	switch t.Oid {
	case OidInt2:
		return "smallint"
	case OidInt4:
		return "integer"
	case OidInt8:
		return "bigint"
	}
	return t.Name()
}

func intRange(t *T) (int64, int64) {
	switch t.Oid {
	case OidInt2:
		return math.MinInt16, math.MaxInt16
	case OidInt4:
		return math.MinInt32, math.MaxInt32
	case OidInt8:
		return math.MinInt64, math.MaxInt64
	}
	switch t.Width {
	case 16:
		return math.MinInt16, math.MaxInt16
	case 32:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

func parseIntText(s string, t *T) (Datum, error) {
	trimmed := strings.TrimSpace(s)
	name := intTypeName(t)
	isOid := t.Oid != OidInt2 && t.Oid != OidInt4 && t.Oid != OidInt8 && t.Width == 64
	valid := len(trimmed) > 0
	for i := 0; i < len(trimmed); i++ {
		c := trimmed[i]
		if !(isDigit(c) || i == 0 && (c == '+' || c == '-') && len(trimmed) > 1) {
			valid = false
			break
		}
	}
	if !valid {
		return nil, pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type %s: %q", name, s)
	}
	v, err := strconv.ParseInt(trimmed, 10, 64)
	if isOid {
		// oidin accepts -2147483648..4294967295 and wraps negatives.
		if err != nil || v < math.MinInt32 || v > math.MaxUint32 {
			return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value %q is out of range for type %s", s, name)
		}
		return DInt(int64(uint32(v))), nil
	}
	lo, hi := intRange(t)
	if err != nil || v < lo || v > hi {
		return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value %q is out of range for type %s", s, name)
	}
	return DInt(v), nil
}

func floatTypeName(t *T) string {
	if t.Width == 32 {
		return "real"
	}
	return "double precision"
}

func parseFloatText(s string, t *T) (Datum, error) {
	trimmed := strings.TrimSpace(s)
	name := floatTypeName(t)
	bad := func() (Datum, error) {
		return nil, pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type %s: %q", name, s)
	}
	switch strings.ToLower(trimmed) {
	case "nan", "+nan", "-nan":
		return DFloat(math.NaN()), nil
	case "infinity", "+infinity", "inf", "+inf":
		return DFloat(math.Inf(1)), nil
	case "-infinity", "-inf":
		return DFloat(math.Inf(-1)), nil
	case "":
		return bad()
	}
	for i := 0; i < len(trimmed); i++ {
		c := trimmed[i]
		if !(isDigit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return bad()
		}
	}
	bits := 64
	if t.Width == 32 {
		bits = 32
	}
	f, err := strconv.ParseFloat(trimmed, bits)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return nil, pgerr.New(pgerr.NumericValueOutOfRange, "%q is out of range for type %s", trimmed, name)
		}
		return bad()
	}
	if f == 0 && hasNonZeroDigit(trimmed) {
		// strtod reports underflow as ERANGE; PostgreSQL rejects it.
		return nil, pgerr.New(pgerr.NumericValueOutOfRange, "%q is out of range for type %s", trimmed, name)
	}
	return DFloat(f), nil
}

func hasNonZeroDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 'e' || s[i] == 'E' {
			return false
		}
		if s[i] >= '1' && s[i] <= '9' {
			return true
		}
	}
	return false
}

// AppendFloat formats f as float8out (width 64) or float4out (width 32)
// do with extra_float_digits = 1: shortest round-trip digits, fixed
// notation for decimal exponents in [-4, 15) (float4: [-4, 6)).
func AppendFloat(buf []byte, f float64, width int) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, "NaN"...)
	case math.IsInf(f, 1):
		return append(buf, "Infinity"...)
	case math.IsInf(f, -1):
		return append(buf, "-Infinity"...)
	}
	maxExp := 15
	if width == 32 {
		maxExp = 6
	}
	if f == 0 {
		if math.Signbit(f) {
			return append(buf, "-0"...)
		}
		return append(buf, '0')
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, width)
	if (width == 64 && math.Abs(f) >= 1<<53) || (width == 32 && math.Abs(f) >= 1<<24) {
		e = avoidBoundary(e, f, width)
	}
	i := strings.LastIndexByte(string(e), 'e')
	exp, _ := strconv.Atoi(string(e[i+1:]))
	if exp >= -4 && exp < maxExp {
		// Rewrite the chosen digits in fixed notation.
		d, _ := strconv.ParseFloat(string(e), 64)
		return strconv.AppendFloat(buf, d, 'f', -1, 64)
	}
	return append(buf, e...)
}

// avoidBoundary handles the one place where Go's shortest formatting and
// PostgreSQL's Ryu differ: Go accepts a decimal lying exactly halfway to
// a neighbouring float (it reads back correctly under round-half-even),
// Ryu as built into PostgreSQL does not. That can only happen for large
// integral values, so only those reach here; e is f in 'e' format.
func avoidBoundary(e []byte, f float64, width int) []byte {
	for prec := digitsIn(e); prec <= 17; prec++ {
		if prec > digitsIn(e) {
			e = strconv.AppendFloat(e[:0], f, 'e', prec-1, width)
		}
		if !onBoundary(string(e), f, width) {
			return e
		}
	}
	return e
}

func digitsIn(e []byte) int {
	n := 0
	for _, c := range e {
		if c == 'e' {
			break
		}
		if isDigit(c) {
			n++
		}
	}
	return n
}

// onBoundary reports whether decimal s equals the midpoint between f and
// one of its neighbours (f is integral and large, so midpoints are integers).
func onBoundary(s string, f float64, width int) bool {
	r, ok := new(big.Rat).SetString(s)
	if !ok || !r.IsInt() {
		return false
	}
	var lo, hi float64
	if width == 32 {
		lo = float64(math.Nextafter32(float32(f), float32(math.Inf(-1))))
		hi = float64(math.Nextafter32(float32(f), float32(math.Inf(1))))
	} else {
		lo, hi = math.Nextafter(f, math.Inf(-1)), math.Nextafter(f, math.Inf(1))
	}
	fv := new(big.Rat).SetFloat64(f)
	for _, n := range []float64{lo, hi} {
		if math.IsInf(n, 0) {
			continue
		}
		mid := new(big.Rat).Add(fv, new(big.Rat).SetFloat64(n))
		mid.Quo(mid, big.NewRat(2, 1))
		if mid.Cmp(r) == 0 {
			return true
		}
	}
	return false
}

// coerceString applies a string type's typmod. For input and assignment
// (strict) an over-long value is an error unless the excess is spaces;
// an explicit cast truncates silently.
func coerceString(s string, t *T, strict bool) (Datum, error) {
	switch t.Oid {
	case OidChar:
		// "char" is one byte; charin also reads the \ooo form charout
		// writes for non-ASCII bytes.
		if len(s) == 4 && s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7' {
			if b := (s[1]-'0')<<6 | (s[2]-'0')<<3 | (s[3] - '0'); b != 0 {
				return DString([]byte{b}), nil
			}
			return DString(""), nil
		}
		if len(s) > 1 {
			s = s[:1]
		}
		return DString(s), nil
	case OidName:
		if len(s) > 63 {
			s = truncateUTF8(s, 63)
		}
		return DString(s), nil
	}
	n := t.VarcharLen()
	if n < 0 {
		return DString(s), nil
	}
	if t.Oid != OidVarchar && t.Oid != OidBPChar {
		return DString(s), nil
	}
	l := utf8.RuneCountInString(s)
	if l > n {
		cut := runePrefix(s, n)
		if strict && strings.TrimRight(s[len(cut):], " ") != "" {
			tn := "character varying"
			if t.Oid == OidBPChar {
				tn = "character"
			}
			return nil, pgerr.New(pgerr.StringDataRightTruncation, "value too long for type %s(%d)", tn, n)
		}
		s, l = cut, n
	}
	if t.Oid == OidBPChar && l < n {
		s += strings.Repeat(" ", n-l)
	}
	return DString(s), nil
}

func runePrefix(s string, n int) string {
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, sz := utf8.DecodeRuneInString(s[i:])
		i += sz
	}
	return s[:i]
}

func truncateUTF8(s string, maxBytes int) string {
	if len(s) <= maxBytes {
		return s
	}
	i := maxBytes
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// ParseBytea is byteain: hex ("\x...") or escape format.
func ParseBytea(s string) ([]byte, error) {
	if strings.HasPrefix(s, `\x`) {
		out := make([]byte, 0, (len(s)-2)/2)
		for i := 2; i < len(s); {
			c := s[i]
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				i++
				continue
			}
			hi, ok := unhex(c)
			if !ok {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid hexadecimal digit: %q", string(rune(c)))
			}
			if i+1 >= len(s) {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid hexadecimal data: odd number of digits")
			}
			lo, ok := unhex(s[i+1])
			if !ok {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid hexadecimal digit: %q", string(rune(s[i+1])))
			}
			out = append(out, hi<<4|lo)
			i += 2
		}
		return out, nil
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		if i+1 < len(s) && s[i+1] == '\\' {
			out = append(out, '\\')
			i += 2
			continue
		}
		if i+3 < len(s) && s[i+1] >= '0' && s[i+1] <= '3' && s[i+2] >= '0' && s[i+2] <= '7' && s[i+3] >= '0' && s[i+3] <= '7' {
			out = append(out, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 4
			continue
		}
		return nil, pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type bytea")
	}
	return out, nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// ParseUUID is uuid_in: 32 hex digits, optionally braced, with a hyphen
// allowed after any group of four digits.
func ParseUUID(s string) (DUUID, error) {
	var u DUUID
	bad := pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type uuid: %q", s)
	t := s
	braces := strings.HasPrefix(t, "{")
	if braces {
		if !strings.HasSuffix(t, "}") {
			return u, bad
		}
		t = t[1 : len(t)-1]
	}
	n := 0
	for i := 0; i < len(t); {
		if n == 32 {
			return u, bad
		}
		hi, ok1 := unhex(t[i])
		if i+1 >= len(t) {
			return u, bad
		}
		lo, ok2 := unhex(t[i+1])
		if !ok1 || !ok2 {
			return u, bad
		}
		u[n/2] = hi<<4 | lo
		n += 2
		i += 2
		if i < len(t) && t[i] == '-' && n%4 == 0 && n < 32 {
			i++
			if i >= len(t) {
				return u, bad
			}
		}
	}
	if n != 32 {
		return u, bad
	}
	return u, nil
}

func appendUUID(buf []byte, u DUUID) []byte {
	var tmp [36]byte
	hex.Encode(tmp[0:8], u[0:4])
	tmp[8] = '-'
	hex.Encode(tmp[9:13], u[4:6])
	tmp[13] = '-'
	hex.Encode(tmp[14:18], u[6:8])
	tmp[18] = '-'
	hex.Encode(tmp[19:23], u[8:10])
	tmp[23] = '-'
	hex.Encode(tmp[24:], u[10:])
	return append(buf, tmp[:]...)
}

func appendTupleText(buf []byte, tup *DTuple, ctx *Context) []byte {
	buf = append(buf, '(')
	for i, e := range tup.Elems {
		if i > 0 {
			buf = append(buf, ',')
		}
		if e == DNull {
			continue
		}
		var et *T
		if i < len(tup.Types) {
			et = tup.Types[i]
		}
		s := AppendText(nil, e, et, ctx)
		need := len(s) == 0
		for _, c := range s {
			if c == '"' || c == '\\' || c == '(' || c == ')' || c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' {
				need = true
				break
			}
		}
		if !need {
			buf = append(buf, s...)
			continue
		}
		buf = append(buf, '"')
		for _, c := range s {
			if c == '"' || c == '\\' {
				buf = append(buf, c)
			}
			buf = append(buf, c)
		}
		buf = append(buf, '"')
	}
	return append(buf, ')')
}
