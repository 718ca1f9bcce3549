package pqfile

import (
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/conflux-db/conflux/sql/types"
)

// char(n) values are space-padded in Conflux (types.DString), but trailing
// spaces are insignificant in PostgreSQL and significant everywhere else:
// DuckDB would find no row of a char(10) column equal to 'MAIL'. Files
// therefore hold char(n) values without trailing spaces (what
// PostgreSQL's char-to-text cast gives), and Read pads them back, so
// every Conflux consumer sees the usual padded values.

// bpcharLen is n for char(n), -1 for every other type.
func bpcharLen(t *types.T) int {
	if t.Oid == types.OidBPChar {
		return t.VarcharLen()
	}
	return -1
}

// trimBPChar returns arr without trailing spaces (arr itself, retained,
// when nothing changes).
func trimBPChar(mem memory.Allocator, arr arrow.Array) arrow.Array {
	a, ok := arr.(*array.String)
	if !ok {
		arr.Retain()
		return arr
	}
	change := false
	for i := 0; i < a.Len() && !change; i++ {
		v := a.Value(i)
		change = len(v) > 0 && v[len(v)-1] == ' '
	}
	if !change {
		arr.Retain()
		return arr
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(a.Len())
	for i := 0; i < a.Len(); i++ {
		if a.IsNull(i) {
			b.AppendNull()
			continue
		}
		b.Append(strings.TrimRight(a.Value(i), " "))
	}
	return b.NewArray()
}

// padBPChar pads arr's values with spaces to n characters (arr itself,
// retained, when all are long enough).
func padBPChar(mem memory.Allocator, arr arrow.Array, n int) arrow.Array {
	a, ok := arr.(*array.String)
	short := func(v string) bool { return len(v) < n || utf8.RuneCountInString(v) < n }
	change := false
	for i := 0; ok && i < a.Len() && !change; i++ {
		change = a.IsValid(i) && short(a.Value(i))
	}
	if !change {
		arr.Retain()
		return arr
	}
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(a.Len())
	b.ReserveData(a.Len() * n)
	spaces := strings.Repeat(" ", n)
	var buf []byte
	for i := 0; i < a.Len(); i++ {
		if a.IsNull(i) {
			b.AppendNull()
			continue
		}
		v := a.Value(i)
		buf = append(buf[:0], v...)
		if short(v) {
			buf = append(buf, spaces[:n-utf8.RuneCountInString(v)]...)
		}
		b.BinaryBuilder.Append(buf)
	}
	return b.NewArray()
}
