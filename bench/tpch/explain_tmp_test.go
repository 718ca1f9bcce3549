package tpch

import (
	"context"
	"strings"
	"testing"

	"github.com/conflux-db/conflux/bench/internal/harness"
)

func TestExplainTmp(t *testing.T) {
	ctx := context.Background()
	cf, err := harness.StartConflux(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cf.Stop()
	c := connect(ctx, t, cf)
	load(ctx, t, c, Row)
	for _, q := range Queries {
		if !strings.Contains(" Q5 Q7 Q18 Q21 Q3 Q1 Q9 ", " "+q.Name+" ") {
			continue
		}
		rows, err := c.Query(ctx, "EXPLAIN "+q.SQL)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for rows.Next() {
			var s string
			rows.Scan(&s)
			out = append(out, s)
		}
		rows.Close()
		t.Logf("%s:\n%s", q.Name, strings.Join(out, "\n"))
	}
}
