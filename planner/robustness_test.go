package planner_test

import (
	"context"
	"errors"
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/pgerr"
)

// TestBadInputErrors holds planner inputs found by sql's FuzzSQL that once
// crashed the server (Go stack overflow is fatal, not recoverable) or
// returned XX000; each must now fail with PostgreSQL's SQLSTATE or plan.
func TestBadInputErrors(t *testing.T) {
	cat := testCatalog()
	for _, tc := range []struct{ sql, code string }{
		// A self-reference outside the recursive term made the lazily
		// bound CTE bind itself forever.
		{"WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM r WHERE x < 10 UNION ALL SELECT 5) SELECT * FROM r", pgerr.InvalidRecursion},
		{"WITH RECURSIVE r(x) AS (SELECT x FROM r) SELECT * FROM r", pgerr.InvalidRecursion},
		{"WITH RECURSIVE r(x) AS (SELECT 1 INTERSECT SELECT x FROM r) SELECT * FROM r", pgerr.InvalidRecursion},
		{"WITH RECURSIVE r(x) AS (SELECT (SELECT x FROM r)) SELECT * FROM r", pgerr.UndefinedTable},
		// Without RECURSIVE a CTE does not see itself: the name means the table.
		{"WITH x AS (SELECT * FROM x) SELECT * FROM x", pgerr.UndefinedTable},
		{"WITH t AS (SELECT * FROM t) SELECT * FROM t", ""},
		{"WITH a AS (SELECT * FROM b), b AS (SELECT * FROM a) SELECT * FROM a", pgerr.UndefinedTable},
		{"WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r WHERE x < 3) SELECT * FROM r", ""},
		// A CTE must not see the FROM items of the query its WITH belongs
		// to: binding v as an outer reference gave XX000 "outer reference
		// out of range".
		{"WITH x AS (SELECT 0 v), y AS (SELECT v) SELECT FROM x, y", pgerr.UndefinedColumn},
		{"WITH y AS (SELECT a) SELECT * FROM t, y", pgerr.UndefinedColumn},
		{"SELECT (WITH c AS (SELECT t.a) SELECT * FROM c) FROM t", ""},
		{"WITH x AS (SELECT 0 v), y AS (SELECT v FROM x) SELECT * FROM x, y", ""},
		// Correlated CTEs: a recursive one bound one level too deep, and a
		// plain one used from a nested subquery, read outer rows at the
		// wrong depth (XX000 "outer reference out of range").
		{"SELECT (WITH RECURSIVE r(n) AS (SELECT t.a UNION ALL SELECT n + 1 FROM r WHERE n < t.a + 2) SELECT max(n) FROM r) FROM t", ""},
		{"SELECT (WITH c AS (SELECT t.a) SELECT (SELECT * FROM c)) FROM t", pgerr.FeatureNotSupported},
		{"SELECT (WITH c AS (SELECT 1 AS x) SELECT (SELECT x FROM c)) FROM t", ""},
		{"SELECT * FROM t WHERE EXISTS (WITH c AS (SELECT t.id) SELECT 1 FROM t u, c WHERE u.id = c.id)", ""},
		{"SELECT (SELECT (WITH c AS (SELECT t.a + u.id) SELECT * FROM (SELECT * FROM c) s) FROM t u LIMIT 1) FROM t", ""},
	} {
		res, err := pg_query.Parse(tc.sql)
		if err != nil {
			t.Fatalf("%s: %v", tc.sql, err)
		}
		_, err = planner.Build(context.Background(), res.Stmts[0].Stmt, &planner.StaticEnv{Cat: cat})
		switch {
		case tc.code == "" && err != nil:
			t.Errorf("%s: unexpected error %v", tc.sql, err)
		case tc.code != "" && pgerr.Code(err) != tc.code:
			t.Errorf("%s: want %s, got %v (%s)", tc.sql, tc.code, err, pgerr.Code(err))
		}
	}
}

// TestCanceledContext: planning under a canceled or expired context fails
// with 57014 like PostgreSQL, not with the bare context error (XX000).
func TestCanceledContext(t *testing.T) {
	res, err := pg_query.Parse("SELECT * FROM t WHERE a > 1")
	if err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithTimeout(context.Background(), 0)
	defer cancel2()
	for _, ctx := range []context.Context{canceled, expired} {
		_, err := planner.Build(ctx, res.Stmts[0].Stmt, &planner.StaticEnv{Cat: testCatalog()})
		var pe *pgerr.Error
		if !errors.As(err, &pe) || pe.Code != pgerr.QueryCanceled {
			t.Errorf("want 57014, got %v", err)
		}
	}
}
