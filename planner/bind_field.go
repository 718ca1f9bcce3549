package planner

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// Composite values and field selection.
//
// A set-returning function with several OUT columns, called in a select
// list, yields one record per row, as in PostgreSQL (`SELECT
// pg_get_keywords()` prints `(abort,U,t,...)`). The binder represents that
// call as a TupleExpr over the generator's result columns, typed with a
// labelled record type (types.RecordOf). The labels live on the type, not
// in the binder, so they survive a subquery boundary: pgJDBC's
// getPrimaryKeys selects `_pg_expandarray(indkey) AS keys` in a subquery
// and reads `(result.keys).x` outside it.
//
// (expr).field then resolves statically when expr is a TupleExpr (the
// element itself, so `(srf()).n` reads the generator column directly) and
// otherwise becomes a call to a field-extracting overload evaluated like
// any scalar function, which keeps the executor unaware of the feature.

// fieldSelectPrefix marks a CallExpr that selects a record field; the
// rest of the name is the field's label.
const fieldSelectPrefix = "."

// srfRecord is the select-list value of a multi-column generator call
// registered as coll.srfs[idx]: a record of its result columns.
func srfRecord(ov *builtins.Overload, idx int) Expr {
	elems := make([]Expr, len(ov.GenCols))
	fields := make([]*types.T, len(ov.GenCols))
	labels := make([]string, len(ov.GenCols))
	for i, c := range ov.GenCols {
		elems[i] = &phExpr{kind: phSRF, idx: idx, col: i, typ: c.Type}
		fields[i], labels[i] = c.Type, c.Name
	}
	return &TupleExpr{Elems: elems, Typ: types.RecordOf(fields, labels)}
}

// srfPlaceholder reports whether e is the whole result of one generator
// call (a single column or the record of all its columns).
func srfPlaceholder(e Expr) bool {
	switch x := e.(type) {
	case *phExpr:
		return x.kind == phSRF
	case *TupleExpr:
		for _, el := range x.Elems {
			if p, ok := el.(*phExpr); !ok || p.kind != phSRF {
				return false
			}
		}
		return len(x.Elems) > 0
	}
	return false
}

// selectField binds (e).name.
func selectField(e Expr, name string) (Expr, error) {
	t := e.Type()
	if t.Family != types.RecordFamily {
		return nil, pgerr.New(pgerr.WrongObjectType, "column notation .%s applied to type %s, which is not a composite type", name, t.SQLString())
	}
	i := t.FieldIndex(name)
	if i < 0 {
		return nil, pgerr.New(pgerr.UndefinedColumn, "could not identify column \"%s\" in record data type", name)
	}
	if tup, ok := e.(*TupleExpr); ok && i < len(tup.Elems) {
		return tup.Elems[i], nil
	}
	return &CallExpr{Name: fieldSelectPrefix + name, Overload: fieldOverload(i, t.Fields[i]), Args: []Expr{e}, Typ: t.Fields[i]}, nil
}

// expandFields binds (e).*: one expression and name per record column.
func expandFields(e Expr) ([]Expr, []string, error) {
	t := e.Type()
	if t.Family != types.RecordFamily {
		return nil, nil, pgerr.New(pgerr.WrongObjectType, "type %s is not composite", t.SQLString())
	}
	if len(t.Labels) == 0 {
		return nil, nil, pgerr.New(pgerr.FeatureNotSupported, "record type has not been registered")
	}
	out := make([]Expr, len(t.Labels))
	for i, l := range t.Labels {
		f, err := selectField(e, l)
		if err != nil {
			return nil, nil, err
		}
		out[i] = f
	}
	return out, t.Labels, nil
}

// fieldOverload extracts column i of a record value.
func fieldOverload(i int, typ *types.T) *builtins.Overload {
	return &builtins.Overload{
		Args:       []*types.T{types.Record},
		Ret:        typ,
		Volatility: builtins.Immutable,
		Fn: func(_ *builtins.EvalContext, args []types.Datum) (types.Datum, error) {
			tup, ok := args[0].(*types.DTuple)
			if !ok || i >= len(tup.Elems) {
				return types.DNull, nil
			}
			return tup.Elems[i], nil
		},
	}
}

// shiftSubscript returns idx + 1 (idx is an int4), for 0-based vector
// subscripts.
func (b *binder) shiftSubscript(idx Expr) (Expr, error) {
	ov, err := b.reg.ResolveBinaryOp("+", types.Int4, types.Int4)
	if err != nil {
		return nil, err
	}
	one := &Const{Val: types.DInt(1), Typ: types.Int4}
	return &CallExpr{Name: "+", Overload: ov, Args: []Expr{idx, one}, Typ: types.Int4}, nil
}

// isFieldStar reports whether ind is (expr).* — a star as the last step.
func isFieldStar(ind *pg_query.A_Indirection) bool {
	n := len(ind.Indirection)
	return n > 0 && ind.Indirection[n-1].GetAStar() != nil
}

// expandFieldStar binds a select-list (expr).* into one target per field.
func (b *binder) expandFieldStar(ind *pg_query.A_Indirection, sc *scope) ([]target, error) {
	inner := &pg_query.A_Indirection{Arg: ind.Arg, Indirection: ind.Indirection[:len(ind.Indirection)-1]}
	var e Expr
	var err error
	if len(inner.Indirection) == 0 {
		e, err = b.bindExpr(inner.Arg, sc)
	} else {
		e, err = b.bindIndirection(inner, sc)
	}
	if err != nil {
		return nil, err
	}
	exprs, names, err := expandFields(e)
	if err != nil {
		return nil, err
	}
	out := make([]target, len(exprs))
	for i, x := range exprs {
		out[i] = target{expr: x, name: names[i], meta: ColMeta{Name: names[i], Typ: x.Type()}}
	}
	return out, nil
}

// argLocation is where the expression n starts in the query text (-1 when
// unknown), for error cursors PostgreSQL places on a field selection's
// argument.
func argLocation(n *pg_query.Node) int32 {
	switch x := n.Node.(type) {
	case *pg_query.Node_ColumnRef:
		return x.ColumnRef.Location
	case *pg_query.Node_AConst:
		return x.AConst.Location
	case *pg_query.Node_FuncCall:
		return x.FuncCall.Location
	case *pg_query.Node_RowExpr:
		return x.RowExpr.Location
	case *pg_query.Node_TypeCast:
		return x.TypeCast.Location
	}
	return -1
}
