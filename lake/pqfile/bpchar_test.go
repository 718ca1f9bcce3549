package pqfile

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestPadBPChar pads char(4) values, keeping NULLs, counting characters
// (not bytes) and working on sliced arrays (records are cut to batch
// size, so arrays often start at an offset).
func TestPadBPChar(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewStringBuilder(mem)
	b.AppendValues([]string{"x", "abcd", "", "é", "ééééé", "ab"}, []bool{true, true, false, true, true, true})
	full := b.NewStringArray()
	b.Release()
	defer full.Release()
	for _, tc := range []struct {
		lo, hi int64
		want   []string // "<null>" for NULL
	}{
		{0, 6, []string{"x   ", "abcd", "<null>", "é   ", "ééééé", "ab  "}},
		{1, 5, []string{"abcd", "<null>", "é   ", "ééééé"}},
		{3, 6, []string{"é   ", "ééééé", "ab  "}},
		{1, 2, []string{"abcd"}}, // nothing to pad: returned as is
	} {
		sl := array.NewSlice(full, tc.lo, tc.hi)
		out := padBPChar(mem, sl, 4).(*array.String)
		if out.Len() != len(tc.want) {
			t.Fatalf("[%d:%d] len %d", tc.lo, tc.hi, out.Len())
		}
		for i, w := range tc.want {
			got := "<null>"
			if out.IsValid(i) {
				got = out.Value(i)
			}
			if got != w {
				t.Errorf("[%d:%d] row %d = %q, want %q", tc.lo, tc.hi, i, got, w)
			}
		}
		out.Release()
		sl.Release()
	}
}
