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

// lockCatalog has t (as in testCatalog), u (composite key), and a view v.
func lockCatalog() *catalog.Snapshot {
	schemas := []*catalog.Schema{{ID: catalog.PublicSchemaID, Name: "public"}, {ID: catalog.PgCatalogSchemaID, Name: "pg_catalog"}}
	t := &catalog.Table{ID: 100, SchemaID: catalog.PublicSchemaID, Name: "t", Kind: catalog.KindTable,
		Columns: []catalog.Column{{ID: 1, Name: "id", Type: types.Int8, NotNull: true}, {ID: 2, Name: "a", Type: types.Int4}, {ID: 3, Name: "b", Type: types.Text}},
		Primary: catalog.Index{ID: 1, Name: "t_pkey", ColumnIDs: []uint32{1}, Unique: true, Primary: true}}
	u := &catalog.Table{ID: 101, SchemaID: catalog.PublicSchemaID, Name: "u", Kind: catalog.KindTable,
		Columns: []catalog.Column{{ID: 1, Name: "x", Type: types.Int4, NotNull: true}, {ID: 2, Name: "k", Type: types.Int4, NotNull: true}, {ID: 3, Name: "y", Type: types.Text}},
		Primary: catalog.Index{ID: 1, Name: "u_pkey", ColumnIDs: []uint32{2, 1}, Unique: true, Primary: true}}
	v := &catalog.Table{ID: 102, SchemaID: catalog.PublicSchemaID, Name: "v", Kind: catalog.KindView,
		Columns:   []catalog.Column{{ID: 1, Name: "id", Type: types.Int8}},
		ViewQuery: "SELECT id FROM t"}
	return catalog.NewSnapshot(schemas, []*catalog.Table{t, u, v}, nil, nil, nil)
}

// TestLockRows checks where LockRows goes in SELECT ... FOR UPDATE plans
// and PostgreSQL's errors for locking clauses it cannot apply.
func TestLockRows(t *testing.T) {
	cat := lockCatalog()
	datadriven.RunTest(t, "testdata/lockrows", func(t *testing.T, d *datadriven.TestData) string {
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
		if d.Cmd == "epq" {
			walk(p.Root, func(n planner.Physical) {
				switch x := n.(type) {
				case *planner.PhysicalLockRows:
					sb.WriteString(epqLine(x.EPQ, x.Recheck))
					for _, tg := range x.Targets {
						sb.WriteString("keys " + tg.Alias + ": " + ints(tg.KeyCols) + "\n")
					}
				case *planner.PhysicalUpdate:
					sb.WriteString(epqLine(x.EPQ, x.Recheck))
				case *planner.PhysicalDelete:
					sb.WriteString(epqLine(x.EPQ, x.Recheck))
				}
			})
		}
		return sb.String()
	})
}

func walk(p planner.Physical, fn func(planner.Physical)) {
	fn(p)
	for _, c := range p.Children() {
		walk(c, fn)
	}
}

func epqLine(epq bool, recheck planner.Expr) string {
	if !epq {
		return "epq: no\n"
	}
	if recheck == nil {
		return "epq: yes, recheck: none\n"
	}
	return "epq: yes, recheck: " + recheck.String() + "\n"
}

func ints(is []int) string {
	var s []string
	for _, i := range is {
		s = append(s, strings.TrimSpace(strings.Repeat(" ", 0)+itoa(i)))
	}
	return "[" + strings.Join(s, " ") + "]"
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
