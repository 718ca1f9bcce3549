package planner_test

import (
	"context"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/pgerr"
)

// TestDecorrelatePlans shows the plans of the rewrites TPC-H needs:
// [NOT] EXISTS as semi/anti joins, correlated scalar aggregates as
// grouped left joins, OR branches sharing a join condition (datadriven;
// -rewrite updates).
func TestDecorrelatePlans(t *testing.T) {
	cat := testCatalog()
	datadriven.RunTest(t, "testdata/decorrelate", func(t *testing.T, d *datadriven.TestData) string {
		res, err := pg_query.Parse(d.Input)
		if err != nil {
			return "parse error: " + err.Error() + "\n"
		}
		p, err := planner.Build(context.Background(), res.Stmts[0].Stmt, &planner.StaticEnv{Cat: cat})
		if err != nil {
			return "error " + pgerr.Code(err) + ": " + err.Error() + "\n"
		}
		return strings.Join(p.ExplainText(), "\n") + "\n"
	})
}
