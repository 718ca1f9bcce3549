package sqllogictest

import (
	"crypto/md5"
	"encoding/hex"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Value is one result value as text, the way the simple query protocol
// delivers it.
type Value struct {
	Text string
	Null bool
}

// Text returns a non-NULL value.
func Text(s string) Value { return Value{Text: s} }

// Null is SQL NULL.
var Null = Value{Null: true}

// FormatValue renders v for a column of type typ ('I', 'R' or 'T') the way
// the reference runners print it.
func FormatValue(v Value, typ byte) string {
	if v.Null {
		return "NULL"
	}
	s := v.Text
	switch typ {
	case 'I':
		s = formatInt(s)
	case 'R':
		s = formatReal(s)
	}
	if s == "" {
		return "(empty)"
	}
	return printable(s)
}

// formatInt prints an integer column. Non-integer numbers are truncated
// toward zero (the C runner reads them through ODBC's SQL_C_SLONG); booleans
// print as 1/0; anything else is left alone so mismatches stay readable.
func formatInt(s string) string {
	t := strings.TrimSpace(s)
	if _, err := strconv.ParseInt(t, 10, 64); err == nil {
		return t
	}
	if f, err := strconv.ParseFloat(t, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		return strconv.FormatInt(int64(math.Trunc(f)), 10)
	}
	switch t {
	case "t", "true":
		return "1"
	case "f", "false":
		return "0"
	}
	return s
}

func formatReal(s string) string {
	t := strings.TrimSpace(s)
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return s
	}
	// Same digits as C's printf("%.3f"), including "-0.000".
	return strconv.FormatFloat(f, 'f', 3, 64)
}

// printable replaces every byte outside printable ASCII with '@', as the
// C runner does byte by byte.
func printable(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] < ' ' || b[j] > '~' {
					b[j] = '@'
				}
			}
			return string(b)
		}
	}
	return s
}

// FormatRows formats rows for the column types and flattens them in the
// record's sort order: one string per value, row by row.
func FormatRows(rows [][]Value, types string, mode SortMode) []string {
	formatted := make([][]string, len(rows))
	for i, row := range rows {
		out := make([]string, len(row))
		for j, v := range row {
			typ := byte('T')
			if j < len(types) {
				typ = types[j]
			}
			out[j] = FormatValue(v, typ)
		}
		formatted[i] = out
	}
	if mode == RowSort {
		slices.SortStableFunc(formatted, func(a, b []string) int { return slices.Compare(a, b) })
	}
	var flat []string
	for _, row := range formatted {
		flat = append(flat, row...)
	}
	if mode == ValueSort {
		slices.Sort(flat)
	}
	return flat
}

// Hash is the md5 of every value followed by a newline, in hex.
func Hash(values []string) string {
	h := md5.New()
	for _, v := range values {
		h.Write([]byte(v))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}
