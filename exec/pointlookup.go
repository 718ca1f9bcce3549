package exec

import (
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/types"
)

// cachedPointLookup returns the kept operator for n when it is idle.
func (r *Reuse) cachedPointLookup(n *planner.PhysicalPointLookup) *pointLookupOp {
	if op := r.point[n]; op != nil && !op.inUse {
		op.inUse = true
		return op
	}
	return nil
}

// keep records op for later runs of n, when its compiled expressions hold
// no per-execution state (a subquery, for one, caches its result for a
// single execution). Used for plans Reuse cannot keep whole.
func (r *Reuse) keep(n *planner.PhysicalPointLookup, op *pointLookupOp) {
	if f := residualFilter(n); (f != nil && !statelessExpr(f)) || (n.KeyArray != nil && !statelessExpr(n.KeyArray)) {
		return
	}
	for _, k := range n.Keys {
		for _, e := range k {
			if !statelessExpr(e) {
				return
			}
		}
	}
	if r.point == nil {
		r.point = map[*planner.PhysicalPointLookup]*pointLookupOp{}
	}
	if _, ok := r.point[n]; ok {
		return // the kept one is busy (the same plan open twice); op stays private
	}
	op.inUse = true
	op.reusable = true
	r.point[n] = op
}

// residualFilter is n.Filter without the conjuncts the lookup itself
// guarantees: pk = k when k is the lookup key, and pk = ANY(arr) when arr
// is the key array. The planner keeps the whole WHERE clause as the
// filter; re-checking pk = ANY($1) costs one comparison per array element
// for every row found, which for 100 keys is most of the query. Only key
// types whose key encoding is injective under equality (integers, text
// without bpchar padding) qualify, so a row found by key k always
// satisfies pk = k.
func residualFilter(n *planner.PhysicalPointLookup) planner.Expr {
	if n.Filter == nil || len(n.Table.Primary.ColumnIDs) == 0 {
		return n.Filter
	}
	conj := []planner.Expr{n.Filter}
	if b, ok := n.Filter.(*planner.BoolOp); ok && b.Op == "AND" {
		conj = b.Args
	}
	var rest []planner.Expr
	for _, c := range conj {
		if !impliedByLookup(n, c) {
			rest = append(rest, c)
		}
	}
	switch {
	case len(rest) == len(conj):
		return n.Filter
	case len(rest) == 0:
		return nil
	case len(rest) == 1:
		return rest[0]
	}
	return &planner.BoolOp{Op: "AND", Args: rest}
}

func impliedByLookup(n *planner.PhysicalPointLookup, c planner.Expr) bool {
	pkCol := func(e planner.Expr) (int, bool) {
		cr, ok := e.(*planner.ColRef)
		if !ok || !injectiveKeyType(cr.Typ) {
			return 0, false
		}
		for i, id := range n.Table.Primary.ColumnIDs {
			if cr.Idx < len(n.Table.Columns) && n.Table.Columns[cr.Idx].ID == id {
				return i, true
			}
		}
		return 0, false
	}
	switch x := c.(type) {
	case *planner.Cmp:
		if x.Op != planner.CmpEQ || len(n.Keys) != 1 {
			return false
		}
		key := n.Keys[0]
		if i, ok := pkCol(x.L); ok && i < len(key) && key[i] == x.R && injectiveKeyType(x.R.Type()) {
			return true
		}
		if i, ok := pkCol(x.R); ok && i < len(key) && key[i] == x.L && injectiveKeyType(x.L.Type()) {
			return true
		}
	case *planner.AnyExpr:
		if x.Op != planner.CmpEQ || x.All || x.Overload != nil || n.KeyArray == nil || x.Array != n.KeyArray {
			return false
		}
		at := x.Array.Type()
		_, ok := pkCol(x.Arg)
		return ok && len(n.Table.Primary.ColumnIDs) == 1 && at != nil && at.Elem != nil && injectiveKeyType(at.Elem)
	}
	return false
}

func injectiveKeyType(t *types.T) bool {
	if t == nil {
		return false
	}
	switch t.Family {
	case types.IntFamily:
		return true
	case types.StringFamily:
		return t.Oid == types.OidText || t.Oid == types.OidVarchar
	}
	return false
}
