package colexec

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/types"
)

// batchSource replays rows as batches of a given size.
type batchSource struct {
	mem   memory.Allocator
	typs  []*types.T
	rows  []types.Row
	size  int
	pos   int
	t     *testing.T
	opens int
}

func (s *batchSource) Open(*Env) error { s.pos = 0; s.opens++; return nil }
func (s *batchSource) Close()          {}
func (s *batchSource) Next(*Env) (*Batch, error) {
	if s.pos >= len(s.rows) {
		return nil, nil
	}
	end := min(s.pos+s.size, len(s.rows))
	b, err := BatchFromRows(s.mem, s.typs, s.rows[s.pos:end])
	s.pos = end
	return b, err
}

func (s *batchSource) specs() Specs {
	sp, _ := ScanSpecs(s.typs, nil)
	return sp
}

// TestHashJoinSides joins the same inputs hashing the build side, the
// probe side (flipped) and the build side after reading both partly, and
// checks every way yields the row engine's rows in its order (nested
// loops over probe, then build rows), with NULL keys never matching.
func TestHashJoinSides(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	typs := []*types.T{types.Int8, types.Text, types.Int4}
	mk := func(n, mod, seed int, mul int64) []types.Row {
		var rows []types.Row
		for i := range n {
			var k, s types.Datum = types.DInt(int64((i*seed+3)%mod-20) * mul), types.DString(fmt.Sprintf("s%d", (i*seed)%3))
			if i%11 == 5 {
				k = types.DNull
			}
			if i%13 == 7 {
				s = types.DNull
			}
			rows = append(rows, types.Row{k, s, types.DInt(i)})
		}
		return rows
	}
	keyEq := func(p, b types.Row, two bool) bool {
		if p[0] == types.DNull || b[0] == types.DNull || types.Compare(p[0], b[0]) != 0 {
			return false
		}
		return !two || p[1] != types.DNull && b[1] != types.DNull && types.Compare(p[1], b[1]) == 0
	}
	col := func(i int, typ *types.T) planner.Expr { return &planner.ColRef{Idx: i, Typ: typ} }
	// Key spans: dense (array of chain heads), sparse (bitmap before the
	// map), huge (map only).
	for _, mul := range []int64{1, 1_000_003, 1 << 40} {
		probeRows, buildRows := mk(300, 40, 7, mul), mk(500, 60, 13, mul)
		for _, two := range []bool{false, true} {
			pk, bk := []planner.Expr{col(0, types.Int8)}, []planner.Expr{col(0, types.Int8)}
			if two {
				pk, bk = append(pk, col(1, types.Text)), append(bk, col(1, types.Text))
			}
			for _, typ := range []JoinType{InnerJoin, SemiJoin, AntiJoin} {
				var want strings.Builder
				for _, p := range probeRows {
					n := 0
					for _, b := range buildRows {
						if keyEq(p, b, two) {
							n++
							if typ == InnerJoin {
								fmt.Fprintln(&want, append(append(types.Row{}, p...), b...))
							}
						}
					}
					if typ == SemiJoin && n > 0 || typ == AntiJoin && n == 0 {
						fmt.Fprintln(&want, p)
					}
				}
				if want.Len() == 0 {
					t.Fatal("no expected rows")
				}
				for _, small := range []int{1 << 20, 400, 100} { // build hashed, probe hashed, both large
					name := fmt.Sprintf("mul=%d/two=%v/type=%d/small=%d", mul, two, typ, small)
					pr := &batchSource{mem: mem, typs: typs, rows: probeRows, size: 64, t: t}
					br := &batchSource{mem: mem, typs: typs, rows: buildRows, size: 50, t: t}
					op, _, ok := NewHashJoin(mem, pr, pr.specs(), br, br.specs(), pk, bk, typ)
					if !ok {
						t.Fatalf("%s: not vectorized", name)
					}
					op.(*hashJoinOp).small = small
					env := &Env{Ctx: context.Background()}
					if err := op.Open(env); err != nil {
						t.Fatal(err)
					}
					hj := op.(*hashJoinOp)
					if hj.flipped != (small == 400) {
						t.Errorf("%s: flipped=%v", name, hj.flipped)
					}
					if tb := hj.table; !two {
						if hj.flipped {
							tb = hj.ptable
						}
						if (tb.direct != nil) != (mul == 1) || (tb.bits != nil) != (mul == 1_000_003) {
							t.Errorf("%s: direct=%v bits=%v", name, tb.direct != nil, tb.bits != nil)
						}
					}
					var got strings.Builder
					for {
						b, err := op.Next(env)
						if err != nil {
							t.Fatal(err)
						}
						if b == nil {
							break
						}
						for _, r := range b.AppendRows(nil) {
							fmt.Fprintln(&got, r)
						}
						b.Release()
					}
					op.Close()
					if got.String() != want.String() {
						t.Errorf("%s:\ngot  %.600s\nwant %.600s", name, got.String(), want.String())
					}
				}
			}
		}
	}
}

// TestHashJoinExtra checks semi and anti joins with an extra condition
// over the joined row against nested loops: a probe row is kept by a semi
// join when some key-matching build row makes the condition true, by an
// anti join when none does (NULL counts as not true), whichever side is
// hashed and whether or not pairs overflow one evaluation batch.
func TestHashJoinExtra(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	typs := []*types.T{types.Int8, types.Text, types.Int4}
	mk := func(n, mod, seed int) []types.Row {
		var rows []types.Row
		for i := range n {
			var k, s, v types.Datum = types.DInt(int64((i*seed+3)%mod - 20)), types.DString(fmt.Sprintf("s%d", (i*seed+i/5)%3)), types.DInt(int64((i * seed) % 50))
			if i%11 == 5 {
				k = types.DNull
			}
			if i%13 == 7 {
				s = types.DNull
			}
			if i%17 == 3 {
				v = types.DNull
			}
			rows = append(rows, types.Row{k, s, v})
		}
		return rows
	}
	col := func(i int, typ *types.T) planner.Expr { return &planner.ColRef{Idx: i, Typ: typ} }
	// Joined row: probe k, s, v at 0..2, build k, s, v at 3..5.
	truth := func(d types.Datum, null bool) uint8 {
		switch {
		case null:
			return tNull
		case d == types.DBool(true):
			return tTrue
		}
		return tFalse
	}
	cmp := func(op planner.CmpOp, a, b types.Datum) uint8 {
		if a == types.DNull || b == types.DNull {
			return tNull
		}
		c := types.Compare(a, b)
		var r bool
		switch op {
		case planner.CmpNE:
			r = c != 0
		case planner.CmpLT:
			r = c < 0
		}
		return truth(types.DBool(r), false)
	}
	conds := []struct {
		name string
		e    planner.Expr
		ref  func(r types.Row) uint8
	}{
		{"v<>v", &planner.Cmp{Op: planner.CmpNE, L: col(2, types.Int4), R: col(5, types.Int4)},
			func(r types.Row) uint8 { return cmp(planner.CmpNE, r[2], r[5]) }},
		{"s<>s", &planner.Cmp{Op: planner.CmpNE, L: col(1, types.Text), R: col(4, types.Text)},
			func(r types.Row) uint8 { return cmp(planner.CmpNE, r[1], r[4]) }},
		{"bs null or pv<bv", &planner.BoolOp{Op: "OR", Args: []planner.Expr{
			&planner.IsNullExpr{Arg: col(4, types.Text)},
			&planner.Cmp{Op: planner.CmpLT, L: col(2, types.Int4), R: col(5, types.Int4)}}},
			func(r types.Row) uint8 {
				if r[4] == types.DNull {
					return tTrue
				}
				return cmp(planner.CmpLT, r[2], r[5])
			}},
	}
	for _, mods := range [][2]int{{40, 60}, {3, 3}} { // few matches per row; pairs beyond one evaluation batch
		mod := mods[0]
		probeRows, buildRows := mk(300, mod, 7), mk(500, mods[1], 13)
		key := []planner.Expr{col(0, types.Int8)}
		for _, c := range conds {
			for _, typ := range []JoinType{SemiJoin, AntiJoin} {
				var want strings.Builder
				kept := 0
				for _, p := range probeRows {
					match := false
					for _, b := range buildRows {
						if p[0] != types.DNull && b[0] != types.DNull && types.Compare(p[0], b[0]) == 0 &&
							c.ref(append(append(types.Row{}, p...), b...)) == tTrue {
							match = true
							break
						}
					}
					if match == (typ == SemiJoin) {
						fmt.Fprintln(&want, p)
						kept++
					}
				}
				if kept == 0 || kept == len(probeRows) {
					t.Fatalf("mod=%d %s type=%d: degenerate case, %d rows kept", mod, c.name, typ, kept)
				}
				for _, small := range []int{1 << 20, 400, 100} {
					name := fmt.Sprintf("mod=%d/%s/type=%d/small=%d", mod, c.name, typ, small)
					pr := &batchSource{mem: mem, typs: typs, rows: probeRows, size: 64, t: t}
					br := &batchSource{mem: mem, typs: typs, rows: buildRows, size: 50, t: t}
					op, _, ok := NewHashJoinExtra(mem, pr, pr.specs(), br, br.specs(), key, key, typ, c.e, ConstCompiler{})
					if !ok {
						t.Fatalf("%s: not vectorized", name)
					}
					op.(*hashJoinOp).small = small
					env := &Env{Ctx: context.Background()}
					if err := op.Open(env); err != nil {
						t.Fatal(err)
					}
					if f := op.(*hashJoinOp).flipped; f != (small == 400) {
						t.Errorf("%s: flipped=%v", name, f)
					}
					var got strings.Builder
					for {
						b, err := op.Next(env)
						if err != nil {
							t.Fatal(err)
						}
						if b == nil {
							break
						}
						for _, r := range b.AppendRows(nil) {
							fmt.Fprintln(&got, r)
						}
						b.Release()
					}
					op.Close()
					if got.String() != want.String() {
						t.Errorf("%s:\ngot  %.600s\nwant %.600s", name, got.String(), want.String())
					}
				}
			}
		}
	}
	// An inner join's extra condition is a filter over its output.
	pr := &batchSource{mem: mem, typs: typs}
	if _, _, ok := NewHashJoinExtra(mem, pr, pr.specs(), pr, pr.specs(), []planner.Expr{col(0, types.Int8)}, []planner.Expr{col(0, types.Int8)}, InnerJoin, conds[0].e, ConstCompiler{}); ok {
		t.Error("inner join with extra condition accepted")
	}
}
