package pqfile

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/conflux-db/conflux/sql/types"
)

// TestPrune runs testdata/prune: "stats" declares per-column statistics
// (one line each: name type min|- max|- nulls rows), "match" evaluates
// MayMatch for ranges, one per line, ANDed:
//
//	col op value      op: = < <= > >=; value::type gives the bound another type
//	col between lo hi
//	col any           a Range with no bounds
func TestPrune(t *testing.T) {
	var stats []ColumnStats
	colTypes := map[string]*types.T{}
	colIDs := map[string]uint32{}
	datadriven.RunTest(t, "testdata/prune", func(t *testing.T, d *datadriven.TestData) string {
		val := func(col, s string) types.Datum {
			if s == "-" {
				return nil
			}
			typ := colTypes[col]
			if v, tn, ok := strings.Cut(s, "::"); ok { // a bound of another type
				s, typ = v, types.ByName(tn)
			}
			v, err := types.ParseText(s, typ, nil)
			if err != nil {
				t.Fatalf("%s: %v", d.Pos, err)
			}
			return v
		}
		switch d.Cmd {
		case "stats":
			stats = nil
			clear(colTypes)
			clear(colIDs)
			for i, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
				f := strings.Fields(line)
				if len(f) == 0 {
					continue
				}
				if len(f) != 6 {
					t.Fatalf("%s: want name type min max nulls rows: %q", d.Pos, line)
				}
				typ := types.ByName(f[1])
				if typ == nil {
					t.Fatalf("%s: unknown type %s", d.Pos, f[1])
				}
				colTypes[f[0]], colIDs[f[0]] = typ, uint32(i+1)
				nulls, _ := strconv.ParseInt(f[4], 10, 64)
				rows, _ := strconv.ParseInt(f[5], 10, 64)
				if f[0] != "unknown" { // a column without stats entry
					stats = append(stats, ColumnStats{ColumnID: uint32(i + 1), Min: val(f[0], f[2]), Max: val(f[0], f[3]), NullCount: nulls, Rows: rows})
				}
			}
			return "ok"
		case "match":
			var ranges []Range
			for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
				f := strings.Fields(line)
				if len(f) < 2 {
					t.Fatalf("%s: bad range %q", d.Pos, line)
				}
				r := Range{ColumnID: colIDs[f[0]]}
				switch f[1] {
				case "any":
				case "=":
					r.Lo, r.Hi, r.LoIncl, r.HiIncl = val(f[0], f[2]), val(f[0], f[2]), true, true
				case "<":
					r.Hi = val(f[0], f[2])
				case "<=":
					r.Hi, r.HiIncl = val(f[0], f[2]), true
				case ">":
					r.Lo = val(f[0], f[2])
				case ">=":
					r.Lo, r.LoIncl = val(f[0], f[2]), true
				case "between":
					r.Lo, r.Hi, r.LoIncl, r.HiIncl = val(f[0], f[2]), val(f[0], f[3]), true, true
				default:
					t.Fatalf("%s: bad op %q", d.Pos, f[1])
				}
				ranges = append(ranges, r)
			}
			return fmt.Sprint(MayMatch(stats, ranges))
		}
		t.Fatalf("%s: unknown command %s", d.Pos, d.Cmd)
		return ""
	})
}
