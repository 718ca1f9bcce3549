package planner_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// TestPrivileges prints the privileges each statement's plan requires
// (table: PRIVILEGES [as role]); views read their tables as their owner.
func TestPrivileges(t *testing.T) {
	base := testCatalog()
	tables := append([]*catalog.Table(nil), base.Tables()...)
	tables = append(tables,
		&catalog.Table{ID: 101, SchemaID: catalog.PublicSchemaID, Name: "v", Kind: catalog.KindView, Owner: "bob",
			Columns: []catalog.Column{{ID: 1, Name: "id", Type: types.Int8}}, ViewQuery: "SELECT id FROM t"},
		&catalog.Table{ID: 102, SchemaID: catalog.PublicSchemaID, Name: "u", Kind: catalog.KindTable,
			Columns: []catalog.Column{{ID: 1, Name: "id", Type: types.Int8, NotNull: true}},
			Primary: catalog.Index{ID: 1, Name: "u_pkey", ColumnIDs: []uint32{1}, Unique: true, Primary: true}},
	)
	cat := catalog.NewSnapshot(base.Schemas(), tables, nil, nil, nil)
	datadriven.RunTest(t, "testdata/privileges", func(t *testing.T, d *datadriven.TestData) string {
		res, err := pg_query.Parse(d.Input)
		if err != nil {
			return "parse error: " + err.Error() + "\n"
		}
		p, err := planner.Build(context.Background(), res.Stmts[0].Stmt, &planner.StaticEnv{Cat: cat})
		if err != nil {
			return "error " + pgerr.Code(err) + ": " + err.Error() + "\n"
		}
		var lines []string
		for _, rp := range p.Privileges {
			l := fmt.Sprintf("%s: %s", rp.Table.Name, rp.Privs)
			if rp.AsRole != "" {
				l += " as " + rp.AsRole
			}
			lines = append(lines, l)
		}
		sort.Strings(lines)
		return strings.Join(lines, "\n") + "\n"
	})
}
