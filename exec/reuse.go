package exec

import (
	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/rowstore"
)

// Reuse keeps what a prepared statement's executions can share: the
// whole operator tree of a plan made only of operators that reset in
// open (an OLTP statement: point lookups, scans, filters, projections,
// VALUES, INSERT/UPDATE/DELETE), otherwise the compiled point lookups,
// and the row codecs of its tables. Building a tree (planner.Construct,
// compiling every expression, preparing row decoders) costs more than
// running a single-row statement, and a prepared statement runs the same
// plan over and over. A Reuse belongs to one prepared statement and is
// used by one goroutine at a time (a session); the zero value is ready.
//
// A kept tree is marked in use from Run until its Result closes; a run
// of the same plan meanwhile (two portals, a statement re-entered) builds
// a private tree, so executions never share operator state.
type Reuse struct {
	// plan is the plan kept is for: a Reuse sees one plan, or a new one
	// after re-planning, so one slot is enough.
	plan   planner.Physical
	kept   keptPlan
	point  map[*planner.PhysicalPointLookup]*pointLookupOp
	tables map[catalog.ID]*rowstore.Table // see factory.table
}

// keptPlan is the operator tree of Reuse.plan.
type keptPlan struct {
	root  operator
	inUse bool
	runs  int  // executions seen, up to 2
	never bool // the plan cannot be kept
}

// takePlan returns the kept tree of p when it is idle (marking it in
// use), or else, from p's second execution on (a statement run once, as
// every simple-protocol query is, pays nothing), the entry the caller
// fills once it has built a tree to keep. Both nil: build privately.
func (r *Reuse) takePlan(p planner.Physical) (operator, *keptPlan) {
	k := &r.kept
	if r.plan != p {
		if k.inUse {
			return nil, nil // another plan's tree is running
		}
		r.plan, *k = p, keptPlan{}
	}
	switch {
	case k.root != nil:
		if k.inUse {
			return nil, nil
		}
		k.inUse = true
		return k.root, k
	case k.never:
		return nil, nil
	case k.runs == 0:
		k.runs++
		return nil, nil
	}
	if !keepablePlan(p) {
		k.never = true
		return nil, nil
	}
	return nil, k
}

// keepablePlan reports whether every operator of p resets its state in
// open and every expression compiles statelessly, so that the tree can
// run again. The list is deliberately short: adding an operator means
// checking that its open forgets the previous execution.
func keepablePlan(p planner.Physical) bool {
	var exprs []planner.Expr
	switch n := p.(type) {
	case *planner.PhysicalScan:
		exprs = append(exprs, n.Filter, n.Span.Lo, n.Span.Hi)
		exprs = append(exprs, n.Span.Eq...)
	case *planner.PhysicalPointLookup:
		exprs = append(exprs, n.Filter, n.KeyArray)
		for _, k := range n.Keys {
			exprs = append(exprs, k...)
		}
	case *planner.PhysicalValues:
		for _, r := range n.Rows {
			exprs = append(exprs, r...)
		}
	case *planner.PhysicalFilter:
		exprs = append(exprs, n.Pred)
	case *planner.PhysicalProject:
		exprs = append(exprs, n.Exprs...)
	case *planner.PhysicalLimit:
		exprs = append(exprs, n.Limit, n.Offset)
	case *planner.PhysicalSort:
		for _, k := range n.Keys {
			exprs = append(exprs, k.Expr)
		}
	case *planner.PhysicalLockRows:
		exprs = append(exprs, n.Recheck)
		exprs = append(exprs, n.Reproject...)
	case *planner.PhysicalInsert:
		if n.Table.IsLake() {
			return false
		}
		exprs = append(exprs, n.Returning...)
		exprs = appendChecks(exprs, n.Checks)
		if oc := n.OnConflict; oc != nil {
			exprs = append(exprs, oc.Where)
			exprs = append(exprs, oc.Set...)
		}
	case *planner.PhysicalUpdate:
		if n.Table.IsLake() {
			return false
		}
		exprs = append(exprs, n.Recheck)
		exprs = append(exprs, n.Returning...)
		exprs = append(exprs, n.Set...)
		exprs = appendChecks(exprs, n.Checks)
	case *planner.PhysicalDelete:
		if n.Table.IsLake() {
			return false
		}
		exprs = append(exprs, n.Recheck)
		exprs = append(exprs, n.Returning...)
	default:
		return false
	}
	for _, e := range exprs {
		if e != nil && !statelessExpr(e) {
			return false
		}
	}
	for _, c := range p.Children() {
		if !keepablePlan(c) {
			return false
		}
	}
	return true
}

func appendChecks(exprs []planner.Expr, cs []planner.CheckConstraint) []planner.Expr {
	for _, c := range cs {
		exprs = append(exprs, c.Expr)
	}
	return exprs
}

// statelessExpr reports whether e compiles (factory.compile) to a closure
// over the plan alone, reading everything else from the runCtx it is
// called with. A subquery does not: it owns an operator tree and caches
// its result for one execution. The list is positive so that a new
// expression kind is stateful until someone checks it.
func statelessExpr(e planner.Expr) bool {
	ok := true
	planner.WalkExpr(e, func(x planner.Expr) bool {
		switch x.(type) {
		case *planner.Const, *planner.Param, *planner.ColRef, *planner.OuterRef, planner.RowIDExpr,
			*planner.CallExpr, *planner.Cmp, *planner.BoolOp, *planner.IsNullExpr, *planner.IsDistinct,
			*planner.BoolTest, *planner.CaseExpr, *planner.CoalesceExpr, *planner.NullIfExpr,
			*planner.MinMaxExpr, *planner.CastExpr, *planner.InList, *planner.AnyExpr,
			*planner.ArrayExpr, *planner.SubscriptExpr, *planner.SliceExpr, *planner.TupleExpr:
			return true
		}
		ok = false
		return false
	})
	return ok
}
