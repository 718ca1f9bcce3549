package planner

import (
	"math"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/types"
)

// The rewrite rules. Each is small and named after what it does; they
// run in a fixed order during physicalize:
//
//   foldConstants      immutable calls over constants, trivial AND/OR/NOT,
//                      date::timestamp op constant -> date op date (unwrapDateCast)
//   pushFilter         filters into scans and join inputs
//   chooseAccessPath   point lookup / index scan / full scan from the scan's filter
//   planLakeScan       lake tables: projection pushdown and pruning ranges
//                      (lakeRanges) instead of an access path (lake.go)
//   extractHashKeys    equi-join conditions become hash join keys
//   pruneProjectOutput a projection's outputs no parent reads become NULL,
//                      so the scans below skip their columns

// foldConstants evaluates immutable function calls with constant
// arguments and simplifies boolean operators with constant operands.
func foldConstants(e Expr) Expr {
	if e == nil {
		return nil
	}
	out, err := MapExpr(e, func(x Expr) (Expr, error) {
		switch x := x.(type) {
		case *CallExpr:
			if x.Overload == nil || x.Overload.Fn == nil || x.Overload.Volatility != builtins.Immutable {
				return x, nil
			}
			args := make([]types.Datum, len(x.Args))
			for i, a := range x.Args {
				c, ok := a.(*Const)
				if !ok {
					return x, nil
				}
				if c.Val == types.DNull && !x.Overload.CalledOnNull {
					return &Const{Val: types.DNull, Typ: x.Typ}, nil
				}
				args[i] = c.Val
			}
			d, err := safeCall(x.Overload, args)
			if err != nil {
				return x, nil // leave it: the error surfaces at run time, per row, as in PostgreSQL
			}
			return &Const{Val: d, Typ: x.Typ}, nil
		case *Cmp:
			return unwrapDateCast(x), nil
		case *BoolOp:
			if x.Op == "NOT" {
				if c, ok := x.Args[0].(*Const); ok {
					if c.Val == types.DNull {
						return c, nil
					}
					return &Const{Val: !c.Val.(types.DBool), Typ: types.Bool}, nil
				}
				return x, nil
			}
			var keep []Expr
			isAnd := x.Op == "AND"
			for _, a := range x.Args {
				if c, ok := a.(*Const); ok && c.Val != types.DNull {
					v := bool(c.Val.(types.DBool))
					if v == isAnd {
						continue // TRUE in AND, FALSE in OR: neutral
					}
					return &Const{Val: types.DBool(v), Typ: types.Bool}, nil
				}
				keep = append(keep, a)
			}
			switch len(keep) {
			case 0:
				return &Const{Val: types.DBool(isAnd), Typ: types.Bool}, nil
			case 1:
				return keep[0], nil
			}
			return &BoolOp{Op: x.Op, Args: keep}, nil
		}
		return x, nil
	})
	if err != nil {
		return e
	}
	return out
}

func safeCall(ov *builtins.Overload, args []types.Datum) (d types.Datum, err error) {
	defer func() {
		if r := recover(); r != nil {
			d, err = nil, errPanic
		}
	}()
	return ov.Fn(&builtins.EvalContext{}, args)
}

type panicErr struct{}

func (panicErr) Error() string { return "panic during constant folding" }

var errPanic error = panicErr{}

// conjuncts splits an AND tree.
func conjuncts(e Expr) []Expr {
	if e == nil {
		return nil
	}
	if b, ok := e.(*BoolOp); ok && b.Op == "AND" {
		var out []Expr
		for _, a := range b.Args {
			out = append(out, conjuncts(a)...)
		}
		return out
	}
	return []Expr{e}
}

// colRange returns the smallest and largest ColRef index in e (-1 if none)
// and whether e refers to anything that varies by outer row/subquery.
func colRange(e Expr) (lo, hi int) {
	lo, hi = -1, -1
	WalkExpr(e, func(x Expr) bool {
		if c, ok := x.(*ColRef); ok {
			if lo < 0 || c.Idx < lo {
				lo = c.Idx
			}
			if c.Idx > hi {
				hi = c.Idx
			}
		}
		if s, ok := x.(*SubqueryExpr); ok && s.Correlated {
			// A correlated subquery refers to this row through OuterRefs
			// we cannot see: pin it where it is.
			lo, hi = 0, 1<<30
			return false
		}
		return true
	})
	return lo, hi
}

func shiftExpr(e Expr, off int) Expr {
	out, _ := MapExpr(e, func(x Expr) (Expr, error) {
		if c, ok := x.(*ColRef); ok {
			return &ColRef{Idx: c.Idx + off, Typ: c.Typ, Name: c.Name}, nil
		}
		return x, nil
	})
	return out
}

// pushFilter moves the conjuncts of a filter over a join into the join
// inputs (or its ON clause for inner joins) and into scans.
func pushFilter(l Logical) Logical {
	f, ok := l.(*LogicalFilter)
	if !ok {
		return l
	}
	switch in := f.Input.(type) {
	case *LogicalScan:
		c := *in
		c.Filter = append(append([]Expr{}, in.Filter...), conjuncts(f.Pred)...)
		return &c
	case *LogicalJoin:
		if in.Kind != InnerJoin && in.Kind != LeftJoin {
			return l
		}
		nl := len(in.Left.Cols())
		var lefts, rights, rest []Expr
		for _, c := range conjuncts(f.Pred) {
			lo, hi := colRange(c)
			switch {
			case lo >= 0 && hi < nl:
				lefts = append(lefts, c)
			case lo >= nl && in.Kind == InnerJoin && !in.Lateral:
				rights = append(rights, shiftExpr(c, -nl))
			case lo >= 0 && in.Kind == InnerJoin:
				rest = append(rest, c)
			default:
				if lo < 0 && in.Kind == InnerJoin {
					lefts = append(lefts, c) // constant or outer-only: filter early
				} else {
					rest = append(rest, c)
				}
			}
		}
		j := *in
		if len(lefts) > 0 {
			j.Left = pushFilter(&LogicalFilter{Input: in.Left, Pred: andAll(lefts)})
		}
		if len(rights) > 0 {
			j.Right = pushFilter(&LogicalFilter{Input: in.Right, Pred: andAll(rights)})
		}
		if in.Kind == InnerJoin && len(rest) > 0 {
			if j.On != nil {
				rest = append(conjuncts(j.On), rest...)
			}
			j.On = andAll(rest)
			return &j
		}
		if len(rest) > 0 {
			return &LogicalFilter{Input: &j, Pred: andAll(rest)}
		}
		return &j
	}
	return l
}

// isRowInvariant reports whether e can be evaluated before the scan
// (constants, parameters, outer references).
func isRowInvariant(e Expr) bool {
	ok := true
	WalkExpr(e, func(x Expr) bool {
		switch x := x.(type) {
		case *ColRef, *phExpr:
			ok = false
		case *SubqueryExpr:
			ok = !x.Correlated
		case RowIDExpr:
			ok = false
		case *CallExpr:
			if x.Overload != nil && x.Overload.Volatility == builtins.Volatile {
				ok = false
			}
		}
		return ok
	})
	return ok
}

// chooseAccessPath picks how a scan reads its table from its pushed-down
// filter: all primary key columns pinned by equality -> point lookup;
// single-column key = ANY(array) -> batched point lookup; a pinned
// prefix of the primary key or of a secondary index (or a range on the
// next column) -> index scan; otherwise a full scan.
func chooseAccessPath(s *LogicalScan, needed []bool) Physical {
	t := s.Table
	filter := andAll(s.Filter)
	eq := map[int]Expr{}
	type rng struct {
		lo, hi         Expr
		loIncl, hiIncl bool
	}
	ranges := map[int]*rng{}
	var anyCol = -1
	var anyArr Expr
	for _, c := range s.Filter {
		switch x := c.(type) {
		case *Cmp:
			col, val, op, ok := colVsInvariant(x)
			if !ok {
				continue
			}
			switch op {
			case CmpEQ:
				if _, dup := eq[col]; !dup {
					eq[col] = val
				}
			case CmpLT, CmpLE, CmpGT, CmpGE:
				r := ranges[col]
				if r == nil {
					r = &rng{}
					ranges[col] = r
				}
				if op == CmpGT || op == CmpGE {
					if r.lo == nil {
						r.lo, r.loIncl = val, op == CmpGE
					}
				} else if r.hi == nil {
					r.hi, r.hiIncl = val, op == CmpLE
				}
			}
		case *AnyExpr:
			if x.All || x.Op != CmpEQ || x.Overload != nil {
				continue
			}
			if cr, ok := x.Arg.(*ColRef); ok && isRowInvariant(x.Array) && anyCol < 0 {
				anyCol, anyArr = cr.Idx, x.Array
			}
		case *InList:
			if cr, ok := x.Arg.(*ColRef); ok && !x.Not && anyCol < 0 {
				inv := true
				for _, e := range x.List {
					inv = inv && isRowInvariant(e)
				}
				if inv {
					anyCol = cr.Idx
					anyArr = &ArrayExpr{Elems: x.List, Typ: types.ArrayOf(x.Arg.Type())}
				}
			}
		}
	}
	ordinal := func(colID uint32) int {
		for i := range t.Columns {
			if t.Columns[i].ID == colID {
				return i
			}
		}
		return -1
	}
	pk := t.Primary
	// Point lookup.
	if len(pk.ColumnIDs) > 0 {
		key := make([]Expr, 0, len(pk.ColumnIDs))
		for _, id := range pk.ColumnIDs {
			if v, ok := eq[ordinal(id)]; ok {
				key = append(key, v)
			}
		}
		if len(key) == len(pk.ColumnIDs) {
			return &PhysicalPointLookup{Table: t, Keys: [][]Expr{key}, Filter: filter, Needed: needed, cols: s.cols}
		}
		if len(pk.ColumnIDs) == 1 && anyCol >= 0 && anyCol == ordinal(pk.ColumnIDs[0]) {
			if ae, ok := anyArr.(*ArrayExpr); ok {
				var keys [][]Expr
				for _, e := range ae.Elems {
					keys = append(keys, []Expr{e})
				}
				return &PhysicalPointLookup{Table: t, Keys: keys, Filter: filter, Needed: needed, cols: s.cols}
			}
			return &PhysicalPointLookup{Table: t, KeyArray: anyArr, Filter: filter, Needed: needed, cols: s.cols}
		}
	}
	// Index scans: pick the index with the longest pinned prefix
	// (ties: primary first, then unique).
	best, bestLen, bestRange := (*catalog.Index)(nil), 0, false
	consider := func(ix *catalog.Index) {
		n := 0
		for _, id := range ix.ColumnIDs {
			if _, ok := eq[ordinal(id)]; !ok {
				break
			}
			n++
		}
		hasRange := false
		if n < len(ix.ColumnIDs) {
			_, hasRange = ranges[ordinal(ix.ColumnIDs[n])]
		}
		score := n*2 + boolInt(hasRange)
		if score > bestLen*2+boolInt(bestRange) {
			best, bestLen, bestRange = ix, n, hasRange
		}
	}
	consider(&t.Primary)
	for i := range t.Indexes {
		consider(&t.Indexes[i])
	}
	if best == nil {
		return &PhysicalScan{Table: t, Index: &t.Primary, Filter: filter, Needed: needed, cols: s.cols}
	}
	sp := Span{}
	for i := 0; i < bestLen; i++ {
		sp.Eq = append(sp.Eq, eq[ordinal(best.ColumnIDs[i])])
	}
	if bestRange {
		r := ranges[ordinal(best.ColumnIDs[bestLen])]
		sp.RangeCol = bestLen
		sp.Lo, sp.Hi, sp.LoIncl, sp.HiIncl = r.lo, r.hi, r.loIncl, r.hiIncl
		if bestLen < len(best.Desc) && best.Desc[bestLen] {
			// A descending column stores the range reversed.
			sp.Lo, sp.Hi, sp.LoIncl, sp.HiIncl = r.hi, r.lo, r.hiIncl, r.loIncl
		}
	}
	return &PhysicalScan{Table: t, Index: best, Span: sp, Filter: filter, Needed: needed, cols: s.cols}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// colVsInvariant matches col op value (either side) where value does not
// depend on the scanned row and has the column's type family.
func colVsInvariant(c *Cmp) (col int, val Expr, op CmpOp, ok bool) {
	if cr, isCol := c.L.(*ColRef); isCol && isRowInvariant(c.R) && c.R.Type().Family == cr.Typ.Family && sameKeyType(cr.Typ, c.R.Type()) {
		return cr.Idx, c.R, c.Op, true
	}
	if cr, isCol := c.R.(*ColRef); isCol && isRowInvariant(c.L) && c.L.Type().Family == cr.Typ.Family && sameKeyType(cr.Typ, c.L.Type()) {
		return cr.Idx, c.L, c.Op.Commute(), true
	}
	return 0, nil, 0, false
}

// sameKeyType: values of a and b encode identically in keys (int widths
// share one encoding; bpchar padding differs from text, so only exact matches).
func sameKeyType(a, b *types.T) bool {
	if a.Family == types.IntFamily || a.Family == types.FloatFamily {
		return true
	}
	if a.Family == types.StringFamily {
		return (a.Oid == types.OidBPChar) == (b.Oid == types.OidBPChar)
	}
	return a.Equivalent(b)
}

// extractHashKeys splits a join condition into equality pairs usable as
// hash keys (left-only = right-only) and a residual.
func extractHashKeys(on Expr, nl int) (lk, rk []Expr, rest Expr) {
	var others []Expr
	for _, c := range conjuncts(on) {
		if cmp, ok := c.(*Cmp); ok && cmp.Op == CmpEQ && cmp.L.Type().Equivalent(cmp.R.Type()) {
			llo, lhi := colRange(cmp.L)
			rlo, rhi := colRange(cmp.R)
			if llo >= 0 && lhi < nl && rlo >= nl {
				lk, rk = append(lk, cmp.L), append(rk, shiftExpr(cmp.R, -nl))
				continue
			}
			if rlo >= 0 && rhi < nl && llo >= nl {
				lk, rk = append(lk, cmp.R), append(rk, shiftExpr(cmp.L, -nl))
				continue
			}
		}
		others = append(others, c)
	}
	return lk, rk, andAll(others)
}

// unwrapDateCast rewrites x::timestamp op T, for a date x and a finite
// timestamp constant T, into a comparison of x with a date constant, so
// that the comparison prunes lake files and vectorizes. This is the
// shape of every "d < date '1994-01-01' + interval '1' year" (date +
// interval is a timestamp in PostgreSQL). x::timestamp is midnight of x,
// so with D the day of T: x::ts <= T iff x <= D, x::ts > T iff x > D, and
// for < and >= the bound moves by one day unless T is a midnight. The
// infinite dates map to the infinite timestamps, which compare the same
// way. (PostgreSQL would raise 22008 for a date beyond the timestamp
// range, which the rewritten comparison no longer reaches.)
func unwrapDateCast(c *Cmp) Expr {
	op, castSide, constSide := c.Op, c.L, c.R
	if _, ok := c.R.(*CastExpr); ok {
		op, castSide, constSide = c.Op.Commute(), c.R, c.L
	}
	ce, ok := castSide.(*CastExpr)
	if !ok || ce.Typ.Family != types.TimestampFamily || ce.Arg.Type().Family != types.DateFamily {
		return c
	}
	k, ok := constSide.(*Const)
	if !ok {
		return c
	}
	tsv, ok := k.Val.(types.DTimestamp)
	if !ok || int64(tsv) == types.TimestampNegInfinity || int64(tsv) == types.TimestampPosInfinity {
		return c
	}
	const usecPerDay = 86400 * 1000000
	ts := int64(tsv)
	day := ts / usecPerDay
	if ts%usecPerDay < 0 {
		day-- // floor
	}
	if day <= math.MinInt32 || day >= math.MaxInt32 {
		return c
	}
	midnight := ts == day*usecPerDay
	d := &Const{Val: types.DDate(day), Typ: types.Date}
	switch {
	case op == CmpLE || op == CmpGT:
	case op == CmpLT && !midnight:
		op = CmpLE
	case op == CmpGE && !midnight:
		op = CmpGT
	case op == CmpLT || op == CmpGE || (op == CmpEQ && midnight):
	default:
		return c
	}
	return &Cmp{Op: op, L: ce.Arg, R: d}
}

// pruneProjectOutput is the rule pruneProjectOutput: output i of a
// projection that no parent reads (needed, when known, says which are
// read) becomes a NULL of its type, so the columns it read are not
// needed below. Without it a projection that only permutes columns
// (reorderFrom's, under a derived table that reads few of them) makes
// every scan below decode every column, the hidden lake row ID (bytea)
// too, which keeps the whole join pipeline out of the vectorized engine
// (TPC-H Q8, Q9). Only expressions that cannot fail or have side
// effects are dropped, as PostgreSQL removes unused subquery outputs.
func pruneProjectOutput(e Expr, i int, needed []bool) Expr {
	if needed == nil || i >= len(needed) || needed[i] || !derivable(e) {
		return e
	}
	if _, isCol := e.(*ColRef); !isCol {
		// Operators may fail (overflow, division by zero): PostgreSQL
		// would not evaluate them either, but keep the rule minimal.
		return e
	}
	return &Const{Val: types.DNull, Typ: e.Type()}
}
