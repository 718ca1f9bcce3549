package lakeinterop

import (
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5/pgtype"
)

// Canon renders a value decoded by pgx or by database/sql over DuckDB in
// one canonical text form, so equal SQL values from the two engines
// compare equal: integers in decimal, decimals as exact rationals, floats
// in shortest round-trip form at their own precision, times in UTC,
// bytes and UUIDs as \x-prefixed hex, NULL as "NULL".
func Canon(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		return fmt.Sprint(x)
	case *big.Int:
		return x.String()
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return x
	case []byte:
		return `\x` + hex.EncodeToString(x)
	case [16]byte:
		return uuidString(x)
	case duckdb.UUID:
		return uuidString(x)
	case *duckdb.UUID:
		if x == nil {
			return "NULL"
		}
		return uuidString(*x)
	case pgtype.Numeric:
		r, ok := NumericRat(x)
		if !ok {
			if !x.Valid {
				return "NULL"
			}
			return "NaN"
		}
		return ratString(r)
	case duckdb.Decimal:
		return ratString(DecimalRat(x))
	case time.Time:
		return x.UTC().Format("2006-01-02 15:04:05.999999Z07:00")
	case fmt.Stringer:
		return x.String()
	default:
		return fmt.Sprintf("%T(%v)", v, v)
	}
}

// uuidString renders a UUID as its bytes: DuckDB's driver hands UUIDs
// out as a plain []byte, indistinguishable from a 16-byte blob.
func uuidString(u [16]byte) string { return `\x` + hex.EncodeToString(u[:]) }

// ratString prints a rational exactly, without trailing zeros, so
// 1.50 (numeric(12,2)) and 1.5 compare equal.
func ratString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	s := r.FloatString(40)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}

// NumericRat converts a pgx numeric; ok is false for NULL, NaN and
// infinities.
func NumericRat(n pgtype.Numeric) (*big.Rat, bool) {
	if !n.Valid || n.NaN || n.InfinityModifier != pgtype.Finite || n.Int == nil {
		return nil, false
	}
	r := new(big.Rat).SetInt(n.Int)
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(n.Exp))), nil)
	if n.Exp >= 0 {
		r.Mul(r, new(big.Rat).SetInt(p))
	} else {
		r.Quo(r, new(big.Rat).SetInt(p))
	}
	return r, true
}

// DecimalRat converts a DuckDB decimal.
func DecimalRat(d duckdb.Decimal) *big.Rat {
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.Scale)), nil)
	return new(big.Rat).SetFrac(d.Value, p)
}

func abs(x int32) int32 {
	if x < 0 {
		return -x
	}
	return x
}

// Float returns v as a float64 if it is numeric (any integer, float or
// decimal type of either driver).
func Float(v any) (float64, bool) {
	switch x := v.(type) {
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case int:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	case *big.Int:
		f, _ := new(big.Float).SetInt(x).Float64()
		return f, true
	case float32:
		return float64(x), true
	case float64:
		return x, true
	case pgtype.Numeric:
		r, ok := NumericRat(x)
		if !ok {
			return math.NaN(), x.Valid
		}
		f, _ := r.Float64()
		return f, true
	case duckdb.Decimal:
		f, _ := DecimalRat(x).Float64()
		return f, true
	}
	return 0, false
}

// SameValue reports whether a and b are the same SQL value up to the
// differences two engines legitimately have in an aggregate's result type:
// numbers compare with relative tolerance tol (avg is numeric in
// PostgreSQL dialect, double in DuckDB), strings ignore trailing blanks
// (char(n) padding), times compare as instants.
func SameValue(a, b any, tol float64) bool {
	if fa, ok := Float(a); ok {
		fb, ok := Float(b)
		if !ok {
			return false
		}
		if fa == fb {
			return true
		}
		return math.Abs(fa-fb) <= tol*math.Max(math.Abs(fa), math.Abs(fb))
	}
	sa, oka := a.(string)
	sb, okb := b.(string)
	if oka && okb {
		return strings.TrimRight(sa, " ") == strings.TrimRight(sb, " ")
	}
	return Canon(a) == Canon(b)
}
