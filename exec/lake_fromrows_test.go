package exec_test

import (
	"strings"
	"testing"
)

// TestLakeJoinRowSide joins a lake scan with an input that produces rows
// (an aggregation ending a pipeline, a sort, a row table): the rows are
// adapted to batches so the join still runs vectorized (TPC-H Q18), with
// the row engine's results.
func TestLakeJoinRowSide(t *testing.T) {
	h := newLakeHarness(t)
	h.must("INSERT INTO lt SELECT i, i % 7, 's' || (i % 5), i * 0.25, i / 2.0, DATE '2024-01-01' + (i % 30)::int FROM generate_series(1, 2000) AS i")
	h.must("INSERT INTO lt VALUES (0, NULL, NULL, NULL, NULL, NULL), (-1, 3, 'x', -2.50, -1.5, '2023-12-31')")
	h.must("DELETE FROM lt WHERE k % 10 = 3")
	h.must("INSERT INTO r VALUES (1, 'one'), (2, 'two'), (3, 'three'), (4, NULL)")
	for _, tc := range []struct {
		q   string
		vec bool // the join runs vectorized
	}{
		// Q18's shape: IN (aggregation with HAVING) as a semi join.
		{"SELECT k, a FROM lt WHERE k IN (SELECT k FROM lt GROUP BY k HAVING sum(m) > 400) AND k < 1700", true},
		{"SELECT s, a, count(*), sum(m) FROM lt WHERE a IN (SELECT a FROM lt GROUP BY a HAVING count(*) > 257) GROUP BY s, a ORDER BY s, a", true},
		{"SELECT x.k, y.a, y.c FROM lt x JOIN (SELECT a, count(*) AS c FROM lt GROUP BY a) y ON y.a = x.a WHERE x.k < 50", true},
		{"SELECT x.k FROM lt x WHERE x.k NOT IN (SELECT k FROM lt GROUP BY k HAVING sum(m) > 10) AND x.k < 60", false},
		{"SELECT lt.k, q.id FROM lt JOIN (SELECT id FROM r ORDER BY id LIMIT 3) q ON q.id = lt.k", true},
		// sum(m) is an unconstrained numeric: no batch form, rows.
		{"SELECT x.k, y.sm FROM lt x JOIN (SELECT a, sum(m) AS sm FROM lt GROUP BY a) y ON y.a = x.a WHERE x.k < 30", false},
	} {
		vec, err := h.run(tc.q, false)
		if err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		row, err := h.run(tc.q, true)
		if err != nil {
			t.Fatalf("%s (row): %v", tc.q, err)
		}
		if vec != row {
			t.Errorf("%s:\nvectorized %q\nrow        %q", tc.q, vec, row)
		}
		if vec == "" {
			t.Errorf("%s: no rows", tc.q)
		}
		ex := h.must("EXPLAIN " + tc.q)
		if got := strings.Contains(ex, "Join (vectorized)"); got != tc.vec {
			t.Errorf("%s: vectorized join %v, want %v:\n%s", tc.q, got, tc.vec, ex)
		}
	}
}
