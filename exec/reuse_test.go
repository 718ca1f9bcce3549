package exec_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/exec"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/storage"
	"github.com/conflux-db/conflux/txn"
)

func (h *harness) plan(sql string) *planner.Plan {
	h.t.Helper()
	return planSQL(h.t, h.cat, sql)
}

func planSQL(tb testing.TB, cat *catalog.Snapshot, sql string) *planner.Plan {
	tb.Helper()
	res, err := pg_query.Parse(sql)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := planner.Build(context.Background(), res.Stmts[0].Stmt, &planner.StaticEnv{Cat: cat})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// exec runs p in its own committed transaction through reuse (nil: none)
// and returns its rows and row count.
func (h *harness) exec(p *planner.Plan, reuse *exec.Reuse, params ...types.Datum) ([]types.Row, int64, error) {
	ctx := context.Background()
	tx := h.db.Begin(txn.Options{})
	r, err := exec.Run(ctx, p, exec.Runtime{Txn: tx, Params: params, Reuse: reuse})
	if err != nil {
		tx.Rollback()
		return nil, 0, err
	}
	rows, err := r.All(ctx)
	if err != nil {
		tx.Rollback()
		return nil, 0, err
	}
	return rows, r.RowsAffected(), tx.Commit(ctx)
}

// state reads kv as k -> n, without reuse.
func (h *harness) state() map[int64]int64 {
	h.t.Helper()
	rows, _, _, err := h.query("SELECT k, n FROM kv")
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[int64]int64{}
	for _, r := range rows {
		out[int64(r[0].(types.DInt))] = int64(r[1].(types.DInt))
	}
	return out
}

// TestPreparedDMLReuse runs prepared UPDATE, INSERT, DELETE and SELECT
// statements many times through one exec.Reuse per statement, as a
// session does, with different parameters, failing executions in between,
// and executions of the same plan open at once; a model of the table
// checks every result.
func TestPreparedDMLReuse(t *testing.T) {
	h := newHarness(t)
	model := map[int64]int64{}
	rng := rand.New(rand.NewPCG(1, 2))
	var (
		ins, upd, div, del, sel, ups exec.Reuse
		pIns                         = h.plan("INSERT INTO kv VALUES ($1, 'v' || $1::text, $2)")
		pUpd                         = h.plan("UPDATE kv SET n = n + $1 WHERE k = $2")
		pDiv                         = h.plan("UPDATE kv SET n = n / $1 WHERE k = $2 RETURNING k, n")
		pDel                         = h.plan("DELETE FROM kv WHERE k = $1")
		pSel                         = h.plan("SELECT k, n FROM kv WHERE n >= $1 ORDER BY k LIMIT $2")
		pUps                         = h.plan("INSERT INTO kv VALUES ($1, 'u' || $1::text, $2) ON CONFLICT (k) DO UPDATE SET n = kv.n + EXCLUDED.n RETURNING n")
	)
	for k := int64(1); k <= 100; k++ {
		_, n, err := h.exec(pIns, &ins, types.DInt(k), types.DInt(k%10))
		if err != nil || n != 1 {
			t.Fatalf("insert %d: %d %v", k, n, err)
		}
		model[k] = k % 10
	}
	// A duplicate fails; the next execution of the same plan still works.
	if _, _, err := h.exec(pIns, &ins, types.DInt(7), types.DInt(0)); pgerr.Code(err) != pgerr.UniqueViolation {
		t.Fatalf("duplicate insert: %v", err)
	}
	if _, n, err := h.exec(pIns, &ins, types.DInt(101), types.DInt(5)); err != nil || n != 1 {
		t.Fatalf("insert after error: %d %v", n, err)
	}
	model[101] = 5

	for i := range 500 {
		k := rng.Int64N(110) + 1
		switch i % 5 {
		case 0, 1, 2:
			d := rng.Int64N(21) - 10
			_, n, err := h.exec(pUpd, &upd, types.DInt(d), types.DInt(k))
			if err != nil {
				t.Fatal(err)
			}
			_, ok := model[k]
			if want := map[bool]int64{true: 1, false: 0}[ok]; n != want {
				t.Fatalf("update k=%d: %d rows, want %d", k, n, want)
			}
			if ok {
				model[k] += d
			}
		case 3:
			// Division by zero fails mid-statement (0 now and then).
			d := rng.Int64N(4)
			rows, _, err := h.exec(pDiv, &div, types.DInt(d), types.DInt(k))
			_, ok := model[k]
			switch {
			case d == 0 && ok:
				if pgerr.Code(err) != pgerr.DivisionByZero {
					t.Fatalf("k=%d / 0: %v", k, err)
				}
			case err != nil:
				t.Fatalf("k=%d / %d: %v", k, d, err)
			case ok:
				model[k] /= d
				if len(rows) != 1 || rows[0][1] != types.DInt(model[k]) {
					t.Fatalf("k=%d / %d returned %v, want %d", k, d, rows, model[k])
				}
			case len(rows) != 0:
				t.Fatalf("k=%d missing, returned %v", k, rows)
			}
		case 4:
			d := rng.Int64N(5)
			rows, _, err := h.exec(pUps, &ups, types.DInt(k), types.DInt(d))
			if err != nil {
				t.Fatal(err)
			}
			model[k] += d
			if len(rows) != 1 || rows[0][0] != types.DInt(model[k]) {
				t.Fatalf("upsert k=%d: %v, want %d", k, rows, model[k])
			}
		}
		if i%50 == 49 {
			k := rng.Int64N(110) + 1
			_, n, err := h.exec(pDel, &del, types.DInt(k))
			if _, ok := model[k]; err != nil || n != map[bool]int64{true: 1, false: 0}[ok] {
				t.Fatalf("delete k=%d: %d %v", k, n, err)
			}
			delete(model, k)
			// The kept scan, sort and limit start over on each execution.
			lim := rng.Int64N(5) + 1
			for range 2 {
				rows, _, err := h.exec(pSel, &sel, types.DInt(3), types.DInt(lim))
				if err != nil {
					t.Fatal(err)
				}
				if got, want := fmt.Sprint(rows), fmt.Sprint(firstAtLeast(model, 3, lim)); got != want {
					t.Fatalf("select: %s, want %s", got, want)
				}
			}
		}
	}
	if got, want := fmt.Sprint(h.state()), fmt.Sprint(model); got != want {
		t.Fatalf("table %s\nmodel %s", got, want)
	}
	for i, r := range []*exec.Reuse{&ins, &upd, &div, &del, &sel, &ups} {
		if kept, inUse := r.KeptTree(); !kept || inUse {
			t.Fatalf("statement %d: kept %v, in use %v", i, kept, inUse)
		}
	}

	// A subquery keeps per-execution state: such a plan is never kept,
	// and still runs correctly each time. SELECT FOR UPDATE is kept.
	var sub, lock exec.Reuse
	pSub := h.plan("UPDATE kv SET n = n + (SELECT count(*) FROM kv WHERE k = $2)::int4 + $1 WHERE k = $2")
	pLock := h.plan("SELECT n FROM kv WHERE k = $1 FOR UPDATE")
	for i := range 6 {
		k := int64(i%3 + 1)
		if _, n, err := h.exec(pSub, &sub, types.DInt(i), types.DInt(k)); err != nil || n != 1 {
			t.Fatalf("subquery update: %d %v", n, err)
		}
		model[k] += int64(i) + 1
		rows, _, err := h.exec(pLock, &lock, types.DInt(k))
		if err != nil || len(rows) != 1 || rows[0][0] != types.DInt(model[k]) {
			t.Fatalf("for update k=%d: %v %v, want %d", k, rows, err, model[k])
		}
	}
	if kept, _ := sub.KeptTree(); kept {
		t.Fatal("a plan with a subquery was kept")
	}
	if kept, _ := lock.KeptTree(); !kept {
		t.Fatal("SELECT FOR UPDATE was not kept")
	}

	// The same plan open twice: an UPDATE ... RETURNING whose rows are
	// not read yet, and a second execution of it run to completion in
	// between, must each update their own row.
	ctx := context.Background()
	pRet := h.plan("UPDATE kv SET n = n + $1 WHERE k = $2 RETURNING k, n")
	var ret exec.Reuse
	for i := range 3 {
		tx := h.db.Begin(txn.Options{})
		r1, err := exec.Run(ctx, pRet, exec.Runtime{Txn: tx, Params: []types.Datum{types.DInt(1000), types.DInt(1)}, Reuse: &ret})
		if err != nil {
			t.Fatal(err)
		}
		r2, err := exec.Run(ctx, pRet, exec.Runtime{Txn: tx, Params: []types.Datum{types.DInt(2000), types.DInt(2)}, Reuse: &ret})
		if err != nil {
			t.Fatal(err)
		}
		// Round 0: r1 is the plan's first run (built privately), r2
		// builds the tree to keep; later rounds: r1 runs the kept tree,
		// r2 a private one.
		if kept, inUse := ret.KeptTree(); !kept || !inUse {
			t.Fatalf("round %d: kept %v, in use %v", i, kept, inUse)
		}
		rows2, err := r2.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, inUse := ret.KeptTree(); inUse != (i > 0) {
			t.Fatalf("round %d: in use %v after r2", i, inUse)
		}
		rows1, err := r1.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, inUse := ret.KeptTree(); inUse {
			t.Fatalf("round %d: still in use", i)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		model[1] += 1000
		model[2] += 2000
		if got, want := fmt.Sprint(rows1, rows2), fmt.Sprint([]types.Row{{types.DInt(1), types.DInt(model[1])}}, []types.Row{{types.DInt(2), types.DInt(model[2])}}); got != want {
			t.Fatalf("round %d: %s, want %s", i, got, want)
		}
	}

	// Sessions share nothing but the plan: concurrent writers, each with
	// its own Reuse, on disjoint keys.
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for w := range 4 {
		wg.Go(func() {
			var r exec.Reuse
			for i := range 100 {
				k := int64(1000 + w*10 + i%10)
				if i < 10 {
					if _, _, err := h.exec(pIns, &r, types.DInt(k), types.DInt(0)); err != nil {
						errs <- err
						return
					}
					continue
				}
				if _, _, err := h.exec(pUpd, &r, types.DInt(k), types.DInt(k)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got := h.state()
	for k := int64(1000); k < 1040; k++ {
		if want := 9 * k; got[k] != want {
			t.Fatalf("k=%d: n=%d, want %d", k, got[k], want)
		}
	}
}

// firstAtLeast is the model's answer to pSel.
func firstAtLeast(m map[int64]int64, min, limit int64) []types.Row {
	var out []types.Row
	for k := int64(1); k <= 200 && int64(len(out)) < limit; k++ {
		if n, ok := m[k]; ok && n >= min {
			out = append(out, types.Row{types.DInt(k), types.DInt(n)})
		}
	}
	return out
}

// BenchmarkPreparedTPCB runs TPC-B's statement shapes as prepared
// statements with a Reuse each (the allocations per execution are what
// operator reuse saves), one transaction per execution.
func BenchmarkPreparedTPCB(b *testing.B) {
	for _, bc := range []struct {
		name, sql string
		params    func(i int) []types.Datum
	}{
		{"update", "UPDATE kv SET n = n + $1 WHERE k = $2", func(i int) []types.Datum { return []types.Datum{types.DInt(i % 7), types.DInt(i%1000 + 1)} }},
		{"select", "SELECT n FROM kv WHERE k = $1", func(i int) []types.Datum { return []types.Datum{types.DInt(i%1000 + 1)} }},
		{"insert", "INSERT INTO nopk (a, s) VALUES ($1, $2)", func(i int) []types.Datum { return []types.Datum{types.DInt(i % 7), types.DString("abc")} }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			e, err := storage.Open(ctx, "", storage.Options{InMemory: true})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			db, err := txn.Open(ctx, e)
			if err != nil {
				b.Fatal(err)
			}
			cat := testCatalog()
			tx := db.Begin(txn.Options{})
			r, err := exec.Run(ctx, planSQL(b, cat, "INSERT INTO kv SELECT g, 'v' || g, 0 FROM generate_series(1, 1000) g"), exec.Runtime{Txn: tx})
			if err != nil {
				b.Fatal(err)
			}
			r.Close()
			if err := tx.Commit(ctx); err != nil {
				b.Fatal(err)
			}
			p := planSQL(b, cat, bc.sql)
			var reuse exec.Reuse
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				params := bc.params(i)
				tx := db.Begin(txn.Options{})
				r, err := exec.Run(ctx, p, exec.Runtime{Txn: tx, Params: params, Reuse: &reuse})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := r.All(ctx); err != nil {
					b.Fatal(err)
				}
				tx.Rollback()
			}
		})
	}
}
