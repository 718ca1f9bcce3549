// Package exec runs physical plans built by the planner.
//
// The planner hands over plain Physical nodes; exec implements
// planner.Factory and turns them into operators. Operators exchange
// batches of up to BatchSize rows of types.Datum (batch-at-a-time, so the
// per-row interface cost is amortised and cancellation is checked once
// per batch). Scalar expressions are compiled once per execution into
// closures, so evaluation does no type dispatch on the plan tree.
//
// The primary-key point lookup (SELECT ... WHERE pk = $1 and pk = ANY($1))
// is a dedicated operator: it encodes each key into a reused buffer, does
// one txn.Get per key and decodes only the columns the query reads.
//
// Next step: the row batches become Arrow record batches (arrow-go) with
// vectorized kernels for filters, projections, hash joins and
// aggregation; the operator interfaces (open/next/close over batches)
// were chosen so that change stays inside this package.
//
// Correlated subqueries and LATERAL joins re-run their sub-plan per
// outer row; the outer rows form a stack that OuterRef expressions index
// by depth. Uncorrelated subqueries run once per execution.
package exec
