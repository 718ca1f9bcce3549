package exec_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/exec"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/txn"
)

// TestMerge checks MERGE's row count (the command tag's) and its
// cardinality error on a row table; sqllogictest/testdata/merge.test
// covers the results against PostgreSQL.
func TestMerge(t *testing.T) {
	h := newHarness(t)
	if _, _, _, err := h.query("INSERT INTO kv VALUES (1, 'a', 1), (2, 'b', 2)"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sql  string
		n    int64
		code string
		want string
	}{
		{sql: `MERGE INTO kv USING (VALUES (1, 'x'), (3, 'c'), (4, 'skip')) AS s(k, v) ON kv.k = s.k
			WHEN MATCHED THEN UPDATE SET v = s.v, n = kv.n + 10
			WHEN NOT MATCHED AND s.v <> 'skip' THEN INSERT (k, v) VALUES (s.k, s.v)`,
			n: 2, want: "1|x|11\n2|b|2\n3|c|NULL"},
		{sql: `MERGE INTO kv USING (VALUES (3)) AS s(k) ON kv.k = s.k WHEN MATCHED THEN DELETE`,
			n: 1, want: "1|x|11\n2|b|2"},
		{sql: `MERGE INTO kv USING (VALUES (1), (1)) AS s(k) ON kv.k = s.k WHEN MATCHED THEN UPDATE SET n = 0`,
			code: pgerr.CardinalityViolation, want: "1|x|11\n2|b|2"},
		{sql: `MERGE INTO kv t USING (VALUES (2)) AS s(k) ON t.k = s.k WHEN MATCHED AND t.n > 5 THEN DELETE`,
			n: 0, want: "1|x|11\n2|b|2"},
	} {
		_, p, n, err := h.query(tc.sql)
		if tc.code != "" {
			if pgerr.Code(err) != tc.code {
				t.Fatalf("%s: error %v, want %s", tc.sql, err, tc.code)
			}
		} else {
			if err != nil {
				t.Fatalf("%s: %v", tc.sql, err)
			}
			if n != tc.n || p.CommandTag(n) != "MERGE "+string(rune('0'+tc.n)) {
				t.Fatalf("%s: %d rows, tag %q", tc.sql, n, p.CommandTag(n))
			}
		}
		if tc.code == "" && !strings.HasPrefix(p.ExplainText()[0], "Merge on kv") {
			t.Fatalf("EXPLAIN: %q", p.ExplainText())
		}
		rows, p, _, err := h.query("SELECT k, v, n FROM kv ORDER BY k")
		if err != nil {
			t.Fatal(err)
		}
		if got := fmtRows(rows, p); got != tc.want {
			t.Fatalf("%s: table\n%s\nwant\n%s", tc.sql, got, tc.want)
		}
	}
}

// TestMergeConcurrentUpdate: a MERGE that must update a row another
// transaction changed after its snapshot waits for the row lock, then
// restarts the statement at READ COMMITTED (the join must be re-run) and
// fails with 40001 at REPEATABLE READ.
func TestMergeConcurrentUpdate(t *testing.T) {
	for _, tc := range []struct {
		iso   txn.Isolation
		retry bool
	}{{txn.ReadCommitted, true}, {txn.RepeatableRead, false}} {
		h := newHarness(t)
		if _, _, _, err := h.query("INSERT INTO kv VALUES (1, 'a', 1)"); err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		run := func(tx *txn.Txn, sql string) error {
			res, err := pg_query.Parse(sql)
			if err != nil {
				return err
			}
			p, err := planner.Build(ctx, res.Stmts[0].Stmt, &planner.StaticEnv{Cat: h.cat})
			if err != nil {
				return err
			}
			r, err := exec.Run(ctx, p, exec.Runtime{Txn: tx})
			if err != nil {
				return err
			}
			_, err = r.All(ctx)
			return err
		}
		merger := h.db.Begin(txn.Options{Isolation: tc.iso})
		other := h.db.Begin(txn.Options{Isolation: txn.ReadCommitted})
		if err := run(other, "UPDATE kv SET n = 2 WHERE k = 1"); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			done <- run(merger, "MERGE INTO kv USING (VALUES (1)) AS s(k) ON kv.k = s.k WHEN MATCHED THEN UPDATE SET n = kv.n + 10")
		}()
		select {
		case err := <-done:
			t.Fatalf("MERGE did not wait for the row lock: %v", err)
		case <-time.After(50 * time.Millisecond):
		}
		if err := other.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		err := <-done
		var retry *txn.RetryStatementError
		if got := errors.As(err, &retry); got != tc.retry || pgerr.Code(err) != pgerr.SerializationFailure {
			t.Fatalf("%v: error %v (retry %v)", tc.iso, err, got)
		}
		merger.Rollback()
	}
}
