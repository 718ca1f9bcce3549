package planner

// forEachLogicalExpr calls fn with the scalar expressions of l and of
// every node below it (subquery plans inside the expressions are not
// entered), until fn returns false. Node kinds it does not list (leaves
// without expressions: virtual, CTE and work-table scans) are skipped.
func forEachLogicalExpr(l Logical, fn func(es ...Expr) bool) {
	stop := false
	visit := func(es ...Expr) {
		if !stop && !fn(es...) {
			stop = true
		}
	}
	var walk func(l Logical)
	walk = func(l Logical) {
		if stop || l == nil {
			return
		}
		switch n := l.(type) {
		case *LogicalScan:
			visit(n.Filter...)
		case *LogicalValues:
			for _, r := range n.Rows {
				visit(r...)
			}
		case *LogicalFilter:
			visit(n.Pred)
			walk(n.Input)
		case *LogicalProject:
			visit(n.Exprs...)
			walk(n.Input)
		case *LogicalJoin:
			visit(n.On)
			walk(n.Left)
			walk(n.Right)
		case *LogicalAggregate:
			visit(n.GroupBy...)
			for _, a := range n.Aggs {
				visit(a.Args...)
				visit(a.Filter)
			}
			walk(n.Input)
		case *LogicalWindow:
			for _, w := range n.Calls {
				visit(w.Args...)
				visit(w.PartitionBy...)
			}
			walk(n.Input)
		case *LogicalSort:
			for _, k := range n.Keys {
				visit(k.Expr)
			}
			walk(n.Input)
		case *LogicalLimit:
			visit(n.Limit, n.Offset)
			walk(n.Input)
		case *LogicalLockRows:
			visit(n.Recheck)
			visit(n.Reproject...)
			walk(n.Input)
		case *LogicalDistinct:
			walk(n.Input)
		case *LogicalSetOp:
			walk(n.Left)
			walk(n.Right)
		case *LogicalProjectSet:
			for _, s := range n.SRFs {
				visit(s.Args...)
			}
			walk(n.Input)
		case *LogicalRecursiveCTE:
			walk(n.Init)
			walk(n.Recursive)
		}
	}
	walk(l)
}
