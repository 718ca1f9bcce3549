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

// lakeCatalog has a lake table l (with its hidden lake_rowid column and
// the Primary index over it, as the SQL layer creates them) and a row
// table r.
func lakeCatalog() *catalog.Snapshot {
	schemas := []*catalog.Schema{{ID: catalog.PublicSchemaID, Name: "public"}, {ID: catalog.PgCatalogSchemaID, Name: "pg_catalog"}}
	l := &catalog.Table{ID: 100, SchemaID: catalog.PublicSchemaID, Name: "l", Kind: catalog.KindTable,
		Options: map[string]string{"format": "lake"},
		Columns: []catalog.Column{
			{ID: 1, Name: "k", Type: types.Int8, NotNull: true},
			{ID: 2, Name: "a", Type: types.Int4},
			{ID: 3, Name: "s", Type: types.Text},
			{ID: 4, Name: "d", Type: types.Date},
			{ID: 5, Name: catalog.LakeRowIDColumn, Type: types.Bytea, Hidden: true},
		},
		Checks:  []catalog.Check{{Name: "l_a_check", Expr: "a >= 0"}},
		Primary: catalog.Index{ID: 1, Name: "l_pkey", ColumnIDs: []uint32{5}, Unique: true, Primary: true}}
	r := &catalog.Table{ID: 101, SchemaID: catalog.PublicSchemaID, Name: "r", Kind: catalog.KindTable,
		Columns: []catalog.Column{{ID: 1, Name: "id", Type: types.Int8, NotNull: true}, {ID: 2, Name: "v", Type: types.Text}},
		Primary: catalog.Index{ID: 1, Name: "r_pkey", ColumnIDs: []uint32{1}, Unique: true, Primary: true}}
	return catalog.NewSnapshot(schemas, []*catalog.Table{l, r}, nil, nil, nil)
}

// TestLakePlans covers the lake scan rule (planLakeScan / lakeRanges),
// its EXPLAIN form and DML over lake tables.
func TestLakePlans(t *testing.T) {
	cat := lakeCatalog()
	datadriven.RunTest(t, "testdata/lake", func(t *testing.T, d *datadriven.TestData) string {
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
