package exec_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/exec"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/txn"
)

// TestPointLookupReuse runs prepared point and batch lookups many times
// through one exec.Reuse, as a session does, including two executions of
// the same plan open at once and residual filters that must still apply.
func TestPointLookupReuse(t *testing.T) {
	h := newHarness(t)
	if _, _, _, err := h.query("INSERT INTO kv SELECT g, 'v' || g, g % 7 FROM generate_series(1, 200) g"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	plan := func(sql string) *planner.Plan {
		res, err := pg_query.Parse(sql)
		if err != nil {
			t.Fatal(err)
		}
		p, err := planner.Build(ctx, res.Stmts[0].Stmt, &planner.StaticEnv{Cat: h.cat})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	run := func(p *planner.Plan, reuse *exec.Reuse, params ...types.Datum) *exec.Result {
		tx := h.db.Begin(txn.Options{})
		t.Cleanup(tx.Rollback)
		r, err := exec.Run(ctx, p, exec.Runtime{Txn: tx, Params: params, Reuse: reuse})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	all := func(r *exec.Result) string {
		rows, err := r.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, row := range rows {
			var parts []string
			for _, d := range row {
				parts = append(parts, fmt.Sprint(d))
			}
			out = append(out, strings.Join(parts, ","))
		}
		return strings.Join(out, " ")
	}
	ints := func(vs ...any) types.Datum {
		a := &types.DArray{Elem: types.Int8, LowerBound: 1}
		for _, v := range vs {
			if v == nil {
				a.Elems = append(a.Elems, types.DNull)
			} else {
				a.Elems = append(a.Elems, types.DInt(v.(int)))
			}
		}
		return a
	}

	var reuse exec.Reuse
	point := plan("SELECT v FROM kv WHERE k = $1")
	for i := 1; i <= 200; i += 13 {
		if got, want := all(run(point, &reuse, types.DInt(i))), fmt.Sprintf("v%d", i); got != want {
			t.Fatalf("k=%d: %q", i, got)
		}
	}
	if got := all(run(point, &reuse, types.DInt(999))); got != "" {
		t.Fatalf("missing key: %q", got)
	}
	// The same plan open twice: the second execution must not share the
	// first one's operator state.
	r1 := run(point, &reuse, types.DInt(5))
	r2 := run(point, &reuse, types.DInt(6))
	if a, b := all(r2), all(r1); a != "v6" || b != "v5" {
		t.Fatalf("interleaved: %q %q", b, a)
	}

	// Batch: key order, duplicates once, NULLs and missing keys skipped.
	batch := plan("SELECT k FROM kv WHERE k = ANY($1)")
	for range 3 {
		if got := all(run(batch, &reuse, ints(150, 3, nil, 77, 3, 999, 1))); got != "1 3 77 150" {
			t.Fatalf("batch: %q", got)
		}
	}
	// A residual filter beyond the key predicate still applies.
	filtered := plan("SELECT k FROM kv WHERE k = ANY($1) AND n = 3")
	for range 2 {
		if got := all(run(filtered, &reuse, ints(3, 10, 17, 18))); got != "3 10 17" {
			t.Fatalf("filtered batch: %q", got)
		}
	}
	pointFiltered := plan("SELECT k FROM kv WHERE k = $1 AND n = $2")
	for _, tc := range []struct{ k, n, want string }{{"10", "3", "10"}, {"10", "4", ""}, {"11", "4", "11"}} {
		k, n := types.DString(tc.k), types.DString(tc.n)
		if got := all(run(pointFiltered, &reuse, k, n)); got != tc.want {
			t.Fatalf("k=%s n=%s: %q", tc.k, tc.n, got)
		}
	}
}
