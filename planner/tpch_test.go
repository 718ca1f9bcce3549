package planner_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// tpchCatalog holds the TPC-H tables as lake tables (no keys, no
// indexes), as the benchmark creates them: join order and join shape
// come from the planner's rules alone.
func tpchCatalog() *catalog.Snapshot {
	schemas := []*catalog.Schema{{ID: catalog.PublicSchemaID, Name: "public"}, {ID: catalog.PgCatalogSchemaID, Name: "pg_catalog"}}
	i4, i8, d, dt := types.Int4, types.Int8, types.Numeric, types.Date
	s := types.Text
	defs := []struct {
		name string
		cols []string
		typs []*types.T
	}{
		{"region", []string{"r_regionkey", "r_name", "r_comment"}, []*types.T{i4, s, s}},
		{"nation", []string{"n_nationkey", "n_name", "n_regionkey", "n_comment"}, []*types.T{i4, s, i4, s}},
		{"supplier", []string{"s_suppkey", "s_name", "s_address", "s_nationkey", "s_phone", "s_acctbal", "s_comment"},
			[]*types.T{i4, s, s, i4, s, d, s}},
		{"customer", []string{"c_custkey", "c_name", "c_address", "c_nationkey", "c_phone", "c_acctbal", "c_mktsegment", "c_comment"},
			[]*types.T{i4, s, s, i4, s, d, s, s}},
		{"part", []string{"p_partkey", "p_name", "p_mfgr", "p_brand", "p_type", "p_size", "p_container", "p_retailprice", "p_comment"},
			[]*types.T{i4, s, s, s, s, i4, s, d, s}},
		{"partsupp", []string{"ps_partkey", "ps_suppkey", "ps_availqty", "ps_supplycost", "ps_comment"}, []*types.T{i4, i4, i4, d, s}},
		{"orders", []string{"o_orderkey", "o_custkey", "o_orderstatus", "o_totalprice", "o_orderdate", "o_orderpriority", "o_clerk", "o_shippriority", "o_comment"},
			[]*types.T{i8, i4, s, d, dt, s, s, i4, s}},
		{"lineitem", []string{"l_orderkey", "l_partkey", "l_suppkey", "l_linenumber", "l_quantity", "l_extendedprice", "l_discount",
			"l_tax", "l_returnflag", "l_linestatus", "l_shipdate", "l_commitdate", "l_receiptdate", "l_shipinstruct", "l_shipmode", "l_comment"},
			[]*types.T{i8, i4, i4, i4, d, d, d, d, s, s, dt, dt, dt, s, s, s}},
	}
	var tables []*catalog.Table
	for i, def := range defs {
		t := &catalog.Table{ID: catalog.ID(200 + i), SchemaID: catalog.PublicSchemaID, Name: def.name, Kind: catalog.KindTable,
			Options: map[string]string{"format": "lake"}}
		for j, c := range def.cols {
			t.Columns = append(t.Columns, catalog.Column{ID: uint32(j + 1), Name: c, Type: def.typs[j]})
		}
		rid := uint32(len(def.cols) + 1)
		t.Columns = append(t.Columns, catalog.Column{ID: rid, Name: catalog.LakeRowIDColumn, Type: types.Bytea, Hidden: true})
		t.Primary = catalog.Index{ID: 1, Name: def.name + "_pkey", ColumnIDs: []uint32{rid}, Unique: true, Primary: true}
		tables = append(tables, t)
	}
	return catalog.NewSnapshot(schemas, tables, nil, nil, nil)
}

// TestTPCHPlans pins the join order and join shape of TPC-H queries over
// lake tables (testdata/tpch).
func TestTPCHPlans(t *testing.T) {
	cat := tpchCatalog()
	datadriven.RunTest(t, "testdata/tpch", func(t *testing.T, d *datadriven.TestData) string {
		res, err := pg_query.Parse(d.Input)
		if err != nil {
			return "parse error: " + err.Error() + "\n"
		}
		p, err := planner.Build(context.Background(), res.Stmts[0].Stmt, &planner.StaticEnv{Cat: cat})
		if err != nil {
			return "error " + pgerr.Code(err) + ": " + err.Error() + "\n"
		}
		var sb strings.Builder
		for _, l := range p.ExplainText() {
			sb.WriteString(l + "\n")
		}
		return sb.String()
	})
}
