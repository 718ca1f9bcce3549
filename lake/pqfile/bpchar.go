package pqfile

import (
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
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
// retained, when all are long enough). It writes the offsets and bytes
// of the result directly: a builder append per value was a fifth of the
// CPU of scans over char(n) columns (TPC-H Q12, Q19).
func padBPChar(mem memory.Allocator, arr arrow.Array, n int) arrow.Array {
	a, ok := arr.(*array.String)
	if !ok {
		arr.Retain()
		return arr
	}
	// pad is how many spaces value i lacks (0 for NULLs and long values).
	pad := func(i int) int {
		if a.IsNull(i) {
			return 0
		}
		v := a.Value(i)
		if len(v) >= n && isASCII(v) {
			return 0
		}
		if r := utf8.RuneCountInString(v); r < n {
			return n - r
		}
		return 0
	}
	size, change := 0, false
	for i := 0; i < a.Len(); i++ {
		p := pad(i)
		change = change || p > 0
		size += len(a.Value(i)) + p
	}
	if !change {
		arr.Retain()
		return arr
	}
	offBuf := memory.NewResizableBuffer(mem)
	offBuf.Resize(arrow.Int32Traits.BytesRequired(a.Len() + 1))
	dataBuf := memory.NewResizableBuffer(mem)
	dataBuf.Resize(size)
	offs := arrow.Int32Traits.CastFromBytes(offBuf.Bytes())
	data := dataBuf.Bytes()
	at := 0
	for i := 0; i < a.Len(); i++ {
		offs[i] = int32(at)
		at += copy(data[at:], a.Value(i))
		for p := pad(i); p > 0; p-- {
			data[at] = ' '
			at++
		}
	}
	offs[a.Len()] = int32(at)
	// The validity bitmap is shared when the array starts at bit 0;
	// otherwise it is rebuilt.
	var valid *memory.Buffer
	if nulls := a.NullN(); nulls > 0 {
		if d := a.Data(); d.Offset() == 0 && d.Buffers()[0] != nil {
			valid = d.Buffers()[0]
			valid.Retain()
		} else {
			valid = memory.NewResizableBuffer(mem)
			valid.Resize(int(bitutil.BytesForBits(int64(a.Len()))))
			bits := valid.Bytes()
			for i := range bits {
				bits[i] = 0
			}
			for i := 0; i < a.Len(); i++ {
				if a.IsValid(i) {
					bitutil.SetBit(bits, i)
				}
			}
		}
	}
	d := array.NewData(arrow.BinaryTypes.String, a.Len(), []*memory.Buffer{valid, offBuf, dataBuf}, nil, a.NullN(), 0)
	defer d.Release()
	if valid != nil {
		valid.Release()
	}
	offBuf.Release()
	dataBuf.Release()
	return array.NewStringData(d)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
