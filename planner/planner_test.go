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

func testCatalog() *catalog.Snapshot {
	schemas := []*catalog.Schema{{ID: catalog.PublicSchemaID, Name: "public"}, {ID: catalog.PgCatalogSchemaID, Name: "pg_catalog"}}
	t := &catalog.Table{ID: 100, SchemaID: catalog.PublicSchemaID, Name: "t", Kind: catalog.KindTable,
		Columns: []catalog.Column{{ID: 1, Name: "id", Type: types.Int8, NotNull: true}, {ID: 2, Name: "a", Type: types.Int4}, {ID: 3, Name: "b", Type: types.Text}},
		Primary: catalog.Index{ID: 1, Name: "t_pkey", ColumnIDs: []uint32{1}, Unique: true, Primary: true},
		Indexes: []catalog.Index{{ID: 2, Name: "t_a_b_idx", ColumnIDs: []uint32{2, 3}}}}
	return catalog.NewSnapshot(schemas, []*catalog.Table{t}, nil, nil, nil)
}

// TestPlans prints bound & optimized plans (datadriven; -rewrite updates).
func TestPlans(t *testing.T) {
	cat := testCatalog()
	datadriven.RunTest(t, "testdata/plans", func(t *testing.T, d *datadriven.TestData) string {
		res, err := pg_query.Parse(d.Input)
		if err != nil {
			return "parse error: " + err.Error() + "\n"
		}
		p, err := planner.Build(context.Background(), res.Stmts[0].Stmt, &planner.StaticEnv{Cat: cat})
		if err != nil {
			return "error " + pgerr.Code(err) + ": " + err.Error() + "\n"
		}
		var sb strings.Builder
		for i, pt := range p.ParamTypes {
			sb.WriteString("$" + string(rune('1'+i)) + ": " + pt.SQLString() + "\n")
		}
		for _, l := range p.ExplainText() {
			sb.WriteString(l + "\n")
		}
		return sb.String()
	})
}
