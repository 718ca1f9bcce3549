package types

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
	"github.com/conflux-db/conflux/sql/pgerr"
)

// PostgreSQL's numeric limits: digits before and after the decimal point.
const (
	numericMaxWeightDigits = 131072
	numericMaxScale        = 16383
)

// numCtx rounds half away from zero, as PostgreSQL's numeric does, with
// enough precision for any value numeric can hold.
var numCtx = &apd.Context{
	Precision:   numericMaxWeightDigits + numericMaxScale + 8,
	MaxExponent: apd.MaxExponent,
	MinExponent: apd.MinExponent,
	Traps:       apd.InvalidOperation,
	Rounding:    apd.RoundHalfUp,
}

// ParseDecimal parses numeric input text (no typmod applied).
func ParseDecimal(s string) (*DDecimal, error) {
	t := strings.TrimSpace(s)
	bad := func() error {
		return pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type numeric: %q", s)
	}
	if t == "" || strings.ContainsAny(t, "_") {
		return nil, bad()
	}
	d := &DDecimal{}
	switch strings.ToLower(t) {
	case "nan":
		d.Form = apd.NaN
		return d, nil
	case "infinity", "+infinity", "inf", "+inf":
		d.Form = apd.Infinite
		return d, nil
	case "-infinity", "-inf":
		d.Form = apd.Infinite
		d.Negative = true
		return d, nil
	}
	// apd accepts spellings PostgreSQL does not (e.g. "sNaN", "Inf" mid
	// forms); only plain decimal syntax reaches it.
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return nil, bad()
		}
	}
	if _, _, err := d.SetString(t); err != nil {
		// apd caps exponents at ±100000 (PostgreSQL's limits are in digits,
		// not exponents); a well-formed but huge exponent is an overflow.
		if k := strings.IndexAny(t, "eE"); k >= 0 {
			if e, perr := strconv.ParseInt(t[k+1:], 10, 64); perr == nil || errors.Is(perr, strconv.ErrRange) {
				if e > apd.MaxExponent/2 || e < -apd.MaxExponent/2 || perr != nil {
					return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value overflows numeric format")
				}
			}
		}
		return nil, bad()
	}
	if d.Form != apd.Finite {
		return nil, bad()
	}
	if err := checkDecimalRange(d); err != nil {
		return nil, err
	}
	normalizeDecimal(d)
	return d, nil
}

func checkDecimalRange(d *DDecimal) error {
	if d.Form != apd.Finite || d.IsZero() {
		return nil
	}
	// Digits before the point = NumDigits + Exponent.
	if int64(d.NumDigits())+int64(d.Exponent) > numericMaxWeightDigits || -int64(d.Exponent) > numericMaxScale+numericMaxWeightDigits {
		return pgerr.New(pgerr.NumericValueOutOfRange, "value overflows numeric format")
	}
	return nil
}

// normalizeDecimal gives the value PostgreSQL's display scale: never a
// positive exponent (1E+2 is 100), scale capped, no negative zero.
func normalizeDecimal(d *DDecimal) {
	if d.Form != apd.Finite {
		if d.Form == apd.NaN {
			d.Negative = false
		}
		return
	}
	if d.Exponent > 0 {
		var tmp apd.Decimal
		_, _ = numCtx.Quantize(&tmp, &d.Decimal, 0)
		d.Decimal.Set(&tmp)
	}
	if -d.Exponent > numericMaxScale {
		var tmp apd.Decimal
		_, _ = numCtx.Quantize(&tmp, &d.Decimal, -numericMaxScale)
		d.Decimal.Set(&tmp)
	}
	if d.IsZero() {
		d.Negative = false
	}
}

// ApplyNumericTypmod rounds d to numeric(p,s) and checks the precision,
// returning a new value (d is not modified).
func ApplyNumericTypmod(d *DDecimal, typmod int32) (*DDecimal, error) {
	if typmod < 4 || d.Form != apd.Finite {
		if d.Form == apd.Infinite && typmod >= 4 {
			p, s := (&T{Typmod: typmod}).NumericPrecScale()
			return nil, pgerr.New(pgerr.NumericValueOutOfRange, "numeric field overflow").
				WithDetail("A field with precision %d, scale %d cannot hold an infinite value.", p, s)
		}
		return d, nil
	}
	p, s := (&T{Typmod: typmod}).NumericPrecScale()
	r := &DDecimal{}
	if _, err := numCtx.Quantize(&r.Decimal, &d.Decimal, int32(-s)); err != nil {
		return nil, pgerr.New(pgerr.NumericValueOutOfRange, "numeric field overflow")
	}
	if !r.IsZero() && int64(r.NumDigits())+int64(r.Exponent) > int64(p-s) {
		return nil, pgerr.New(pgerr.NumericValueOutOfRange, "numeric field overflow").
			WithDetail("A field with precision %d, scale %d must round to an absolute value less than %s.", p, s, pow10Text(p-s))
	}
	normalizeDecimal(r)
	return r, nil
}

func pow10Text(n int) string {
	if n == 0 {
		return "1"
	}
	return fmt.Sprintf("10^%d", n)
}

// appendDecimal writes numeric output: plain notation with the value's scale.
func appendDecimal(buf []byte, d *DDecimal) []byte {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return append(buf, "NaN"...)
	case apd.Infinite:
		if d.Negative {
			return append(buf, "-Infinity"...)
		}
		return append(buf, "Infinity"...)
	}
	if d.IsZero() && d.Negative {
		c := *d
		c.Negative = false
		return append(buf, c.Text('f')...)
	}
	return append(buf, d.Text('f')...)
}

// NewDecimalFromInt returns the numeric value of i.
func NewDecimalFromInt(i int64) *DDecimal {
	d := &DDecimal{}
	d.SetInt64(i)
	return d
}

// decimalToFloat converts like numeric_float8 (via the text form), with
// NaN and infinities preserved; out-of-range values become ±Inf.
func decimalToFloat(d *DDecimal) float64 {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return math.NaN()
	case apd.Infinite:
		if d.Negative {
			return math.Inf(-1)
		}
		return math.Inf(1)
	}
	f, _ := strconv.ParseFloat(d.Text('e'), 64)
	return f
}
