package planner

import (
	"strings"

	"github.com/conflux-db/conflux/catalog"
)

// Lake tables (catalog Table.IsLake) are never read through the row
// store: their Primary index exists only to satisfy the catalog (it is
// over the hidden lake_rowid column and has no storage meaning), so there
// are no point lookups or index scans. A scan of a lake table becomes a
// PhysicalLakeScan that reads only the columns the plan needs and hands
// the lake package column ranges derived from the WHERE clause, with
// which it prunes partitions, files and row groups by their statistics.
// Pruning is approximate (a surviving row group holds rows outside the
// ranges), so the full filter stays above the scan.

// LakeRange bounds one column of a lake scan: Lo <= col <= Hi (a nil
// bound is open). Bounds are row-invariant expressions (constants,
// parameters), evaluated once per execution. An IN list is carried as
// In, col = ANY(array) as Array; the executor turns them into min..max
// of their non-NULL values.
type LakeRange struct {
	Col            int // ordinal in Table.Columns
	Lo, Hi         Expr
	LoIncl, HiIncl bool
	In             []Expr
	Array          Expr
}

// PhysicalLakeScan reads a lake table through package lake.
type PhysicalLakeScan struct {
	Table *catalog.Table
	// Needed marks the table columns the plan reads (nil: all, including
	// lake_rowid); others come back NULL. Reading lake_rowid makes the scan
	// return each row's locator (UPDATE and DELETE need it).
	Needed []bool
	Ranges []LakeRange
	// AsOf, when set, reads the table as it was at that time (a
	// timestamptz) or commit timestamp (a bigint): as_of('t', ts) in FROM.
	AsOf Expr
	cols []ColMeta
}

func (n *PhysicalLakeScan) Cols() []ColMeta      { return n.cols }
func (n *PhysicalLakeScan) Children() []Physical { return nil }

// Reads reports whether the scan returns column i.
func (n *PhysicalLakeScan) Reads(i int) bool {
	if i >= len(n.Table.Columns) || n.Table.Columns[i].Dropped {
		return false
	}
	return n.Needed == nil || (i < len(n.Needed) && n.Needed[i])
}

// RowIDCol is the ordinal of the lake_rowid column, or -1.
func (n *PhysicalLakeScan) RowIDCol() int { return LakeRowIDOrdinal(n.Table) }

// LakeRowIDOrdinal is the ordinal of t's lake_rowid column, or -1.
func LakeRowIDOrdinal(t *catalog.Table) int {
	for i, c := range t.Columns {
		if c.Name == catalog.LakeRowIDColumn && c.Hidden && !c.Dropped {
			return i
		}
	}
	return -1
}

func (n *PhysicalLakeScan) Describe() (string, []string) {
	var det []string
	if n.AsOf != nil {
		det = append(det, "As Of: "+n.AsOf.String())
	}
	if len(n.Ranges) > 0 {
		var rs []string
		for _, r := range n.Ranges {
			name := n.Table.Columns[r.Col].Name
			switch {
			case r.In != nil:
				rs = append(rs, name+" IN ("+joinExprs(r.In, ", ")+")")
			case r.Array != nil:
				rs = append(rs, name+" = ANY ("+r.Array.String()+")")
			case r.Lo != nil && r.Hi != nil && r.Lo == r.Hi:
				rs = append(rs, name+" = "+r.Lo.String())
			default:
				if r.Lo != nil {
					op := " > "
					if r.LoIncl {
						op = " >= "
					}
					rs = append(rs, name+op+r.Lo.String())
				}
				if r.Hi != nil {
					op := " < "
					if r.HiIncl {
						op = " <= "
					}
					rs = append(rs, name+op+r.Hi.String())
				}
			}
		}
		det = append(det, "Ranges: ("+strings.Join(rs, " AND ")+")")
	}
	var cs []string
	for i, c := range n.Table.Columns {
		if n.Reads(i) {
			cs = append(cs, c.Name)
		}
	}
	if len(cs) == 0 {
		cs = append(cs, "(none)") // count(*): row counts only
	}
	det = append(det, "Columns: "+strings.Join(cs, ", "))
	return "Lake Scan on " + n.Table.Name, det
}

// planLakeScan is the rule for a scan of a lake table: projection
// pushdown (needed), pruning ranges from the filter (lakeRanges), and
// the filter itself above the scan for exactness.
func planLakeScan(s *LogicalScan, needed []bool) Physical {
	scan := &PhysicalLakeScan{Table: s.Table, Needed: needed, Ranges: lakeRanges(s.Filter), AsOf: s.AsOf, cols: s.cols}
	if f := andAll(s.Filter); f != nil {
		return &PhysicalFilter{Input: scan, Pred: f}
	}
	return scan
}

// lakeRanges derives pruning ranges from a scan's conjuncts: col op v
// for = < <= > >= (either side; BETWEEN arrives as two of them), col
// IN (v, ...) and col = ANY(array), where v is row-invariant and compares with the column's
// type family. Every matching conjunct gives one range; the lake package
// requires a row group to pass all of them, so several ranges on one
// column intersect.
func lakeRanges(filter []Expr) []LakeRange {
	var out []LakeRange
	for _, c := range filter {
		switch x := c.(type) {
		case *Cmp:
			col, val, op, ok := colVsInvariant(x)
			if !ok {
				continue
			}
			switch op {
			case CmpEQ:
				out = append(out, LakeRange{Col: col, Lo: val, Hi: val, LoIncl: true, HiIncl: true})
			case CmpGT, CmpGE:
				out = append(out, LakeRange{Col: col, Lo: val, LoIncl: op == CmpGE})
			case CmpLT, CmpLE:
				out = append(out, LakeRange{Col: col, Hi: val, HiIncl: op == CmpLE})
			}
		case *InList:
			cr, ok := x.Arg.(*ColRef)
			if !ok || x.Not || len(x.List) == 0 {
				continue
			}
			inv := true
			for _, e := range x.List {
				inv = inv && isRowInvariant(e) && e.Type().Family == cr.Typ.Family && sameKeyType(cr.Typ, e.Type())
			}
			if inv {
				out = append(out, LakeRange{Col: cr.Idx, In: x.List, LoIncl: true, HiIncl: true})
			}
		case *AnyExpr:
			cr, ok := x.Arg.(*ColRef)
			if !ok || x.All || x.Op != CmpEQ || x.Overload != nil || !isRowInvariant(x.Array) {
				continue
			}
			if et := x.Array.Type().Elem; et != nil && et.Family == cr.Typ.Family && sameKeyType(cr.Typ, et) {
				out = append(out, LakeRange{Col: cr.Idx, Array: x.Array, LoIncl: true, HiIncl: true})
			}
		}
	}
	return out
}
