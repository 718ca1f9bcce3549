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

// TestFields covers composite values: multi-column set-returning functions
// in the select list, (expr).field and (expr).*, schema-qualified builtins
// and 0-based vector subscripts (datadriven; -rewrite updates). Each case
// prints the output columns with their types, then the plan.
func TestFields(t *testing.T) {
	cat := testCatalog()
	datadriven.RunTest(t, "testdata/fields", func(t *testing.T, d *datadriven.TestData) string {
		res, err := pg_query.Parse(d.Input)
		if err != nil {
			return "parse error: " + err.Error() + "\n"
		}
		p, err := planner.Build(context.Background(), res.Stmts[0].Stmt, &planner.StaticEnv{Cat: cat})
		if err != nil {
			return "error " + pgerr.Code(err) + ": " + err.Error() + "\n"
		}
		var sb strings.Builder
		for _, c := range p.Columns {
			sb.WriteString("column " + c.Name + " " + c.Type.SQLString())
			if len(c.Type.Labels) > 0 {
				sb.WriteString(" (" + strings.Join(c.Type.Labels, ", ") + ")")
			}
			sb.WriteString("\n")
		}
		for _, l := range p.ExplainText() {
			sb.WriteString(l + "\n")
		}
		return sb.String()
	})
}
