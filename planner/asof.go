package planner

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// Time travel: as_of('table', ts) in FROM reads a lake table as it was
// at ts, a timestamptz (a wall-clock time: commit timestamps are
// microseconds since the Unix epoch) or a bigint commit timestamp. It is
// a table function only in spelling: the binder turns it into a scan of
// the named table whose columns are the table's, carrying ts (AsOf), and
// the executor reads that scan through a read-only transaction at ts
// (txn.DB.BeginAsOf), so one query may mix tables at several points in
// time. Row tables are refused: their old versions are garbage collected
// without a retention period, so a past snapshot may silently miss rows.

// asOfFunc is the FROM function name of time travel.
const asOfFunc = "as_of"

// isAsOf reports whether a FROM function call is as_of(...).
func isAsOf(fc *pg_query.FuncCall) bool {
	if fc == nil || len(fc.Funcname) == 0 || len(fc.Funcname) > 2 {
		return false
	}
	if len(fc.Funcname) == 2 && strVal(fc.Funcname[0]) != "pg_catalog" {
		return false
	}
	return strVal(fc.Funcname[len(fc.Funcname)-1]) == asOfFunc
}

// asOfRefName is the name an unaliased as_of() goes by in FROM: its
// table's ("" when fc is not as_of of a string constant).
func asOfRefName(fc *pg_query.FuncCall) string {
	if !isAsOf(fc) || len(fc.Args) == 0 {
		return ""
	}
	if sv, ok := fc.Args[0].GetAConst().GetVal().(*pg_query.A_Const_Sval); ok {
		n := sv.Sval.Sval
		return n[strings.IndexByte(n, '.')+1:]
	}
	return ""
}

// bindAsOf binds as_of('table', ts) [AS alias [(col, ...)]].
func (b *binder) bindAsOf(rf *pg_query.RangeFunction, fc *pg_query.FuncCall, sc *scope) (Logical, []scopeCol, error) {
	if len(fc.Args) != 2 || fc.AggStar || fc.AggDistinct || len(fc.AggOrder) > 0 || fc.Over != nil || rf.Ordinality {
		return nil, nil, pgerr.New(pgerr.UndefinedFunction, "function as_of takes a table name and a timestamp").
			WithHint("Use FROM as_of('table', timestamptz or bigint commit timestamp).")
	}
	c := fc.Args[0].GetAConst()
	sv, ok := c.GetVal().(*pg_query.A_Const_Sval)
	if c == nil || !ok {
		return nil, nil, pgerr.New(pgerr.FeatureNotSupported, "the table of as_of must be a string constant")
	}
	schema, name := "", sv.Sval.Sval
	if i := strings.IndexByte(name, '.'); i >= 0 {
		schema, name = name[:i], name[i+1:]
	}
	t, vt, err := b.resolveRelation(schema, name)
	if err != nil {
		return nil, nil, err
	}
	if vt != nil || t.Kind != catalog.KindTable || !t.IsLake() {
		return nil, nil, pgerr.New(pgerr.FeatureNotSupported, "time travel is only supported for lake tables")
	}
	b.require(t, catalog.PrivSelect)
	ts, err := b.bindExpr(fc.Args[1], &scope{parent: sc.parent, ctes: sc.ctes})
	if err != nil {
		return nil, nil, err
	}
	switch et := ts.Type(); et.Family {
	case types.IntFamily:
		ts, err = b.coerce(ts, types.Int8, "as_of")
	case types.TimestampTZFamily:
	case types.UnknownFamily, types.TimestampFamily, types.DateFamily:
		ts, err = b.coerce(ts, types.TimestampTZ, "as_of")
	default:
		return nil, nil, pgerr.New(pgerr.DatatypeMismatch, "as_of needs a timestamp with time zone or a bigint commit timestamp, not type %s", et.SQLString())
	}
	if err != nil {
		return nil, nil, err
	}
	if !isRowInvariant(ts) {
		return nil, nil, pgerr.New(pgerr.FeatureNotSupported, "the time of as_of must not depend on other FROM items")
	}
	alias := t.Name
	var colAliases []string
	if rf.Alias != nil {
		alias = rf.Alias.Aliasname
		colAliases = nameList(rf.Alias.Colnames)
	}
	cols, out := scanScope(t, alias, colAliases)
	return &LogicalScan{Table: t, AsOf: ts, cols: cols}, out, nil
}
