package exec_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/exec"
	"github.com/conflux-db/conflux/lake"
	"github.com/conflux-db/conflux/lake/objstore"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/storage"
	"github.com/conflux-db/conflux/txn"
)

// lakeHarness runs statements over an in-memory engine with real lake
// tables: lt (a lake table, as the SQL layer creates one: hidden
// lake_rowid, Primary index over it) and r (a row table).
type lakeHarness struct {
	t    *testing.T
	db   *txn.DB
	lake *lake.Store
	cat  *catalog.Snapshot
}

func newLakeHarness(t *testing.T) *lakeHarness {
	ctx := context.Background()
	e, err := storage.Open(ctx, "", storage.Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	db, err := txn.Open(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	// Small thresholds so a few hundred rows make several files and
	// row groups, next to inlined rows.
	ls := lake.New(db, objstore.NewMemory(), lake.Options{DirectWriteRows: 100, TargetFileRows: 300})
	schemas := []*catalog.Schema{{ID: catalog.PublicSchemaID, Name: "public"}, {ID: catalog.PgCatalogSchemaID, Name: "pg_catalog"}}
	lt := &catalog.Table{ID: 200, SchemaID: catalog.PublicSchemaID, Name: "lt", Kind: catalog.KindTable,
		Options: map[string]string{"format": "lake"},
		Columns: []catalog.Column{
			{ID: 1, Name: "k", Type: types.Int8, NotNull: true},
			{ID: 2, Name: "a", Type: types.Int4},
			{ID: 3, Name: "s", Type: types.Text},
			{ID: 4, Name: "m", Type: types.Numeric.WithTypmod(((12 << 16) | 2) + 4)},
			{ID: 5, Name: "f", Type: types.Float4},
			{ID: 6, Name: "d", Type: types.Date},
			{ID: 7, Name: catalog.LakeRowIDColumn, Type: types.Bytea, Hidden: true},
		},
		Checks:  []catalog.Check{{Name: "lt_a_check", Expr: "a >= 0"}},
		Primary: catalog.Index{ID: 1, Name: "lt_pkey", ColumnIDs: []uint32{7}, Unique: true, Primary: true}}
	r := &catalog.Table{ID: 201, SchemaID: catalog.PublicSchemaID, Name: "r", Kind: catalog.KindTable,
		Columns: []catalog.Column{{ID: 1, Name: "id", Type: types.Int8, NotNull: true}, {ID: 2, Name: "v", Type: types.Text}},
		Primary: catalog.Index{ID: 1, Name: "r_pkey", ColumnIDs: []uint32{1}, Unique: true, Primary: true}}
	return &lakeHarness{t: t, db: db, lake: ls, cat: catalog.NewSnapshot(schemas, []*catalog.Table{lt, r}, nil, nil, nil)}
}

func (h *lakeHarness) plan(sql string) (*planner.Plan, error) {
	res, err := pg_query.Parse(sql)
	if err != nil {
		return nil, err
	}
	return planner.Build(context.Background(), res.Stmts[0].Stmt, &planner.StaticEnv{Cat: h.cat})
}

// runIn runs one statement in tx and returns its rows (or the command
// tag for DML without RETURNING).
func (h *lakeHarness) runIn(tx *txn.Txn, sql string, rowOnly bool, params ...types.Datum) (string, error) {
	ctx := context.Background()
	p, err := h.plan(sql)
	if err != nil {
		return "", err
	}
	r, err := exec.Run(ctx, p, exec.Runtime{Txn: tx, Lake: h.lake, DB: h.db, RowOnly: rowOnly, Params: params})
	if err != nil {
		return "", err
	}
	rows, err := r.All(ctx)
	if err != nil {
		return "", err
	}
	if !p.ReturnsRows {
		return p.CommandTag(r.RowsAffected()), nil
	}
	return fmtRows(rows, p), nil
}

// run runs sql in its own transaction.
func (h *lakeHarness) run(sql string, rowOnly bool, params ...types.Datum) (string, error) {
	tx := h.db.Begin(txn.Options{})
	out, err := h.runIn(tx, sql, rowOnly, params...)
	if err != nil {
		tx.Rollback()
		return "", err
	}
	return out, tx.Commit(context.Background())
}

func (h *lakeHarness) must(sql string, params ...types.Datum) string {
	h.t.Helper()
	out, err := h.run(sql, false, params...)
	if err != nil {
		h.t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func TestLakeDML(t *testing.T) {
	h := newLakeHarness(t)
	h.must("INSERT INTO r VALUES (1, 'one'), (2, 'two'), (3, 'three')")
	steps := []struct{ sql, want string }{
		{"INSERT INTO lt VALUES (1, 10, 'a', 1.50, 0.5, '2024-01-01'), (2, 20, 'b', NULL, NULL, NULL) RETURNING k, s", "1|a\n2|b"},
		{"INSERT INTO lt (k, a) VALUES (3, 30)", "INSERT 0 1"},
		{"SELECT k, a, s, m, f, d FROM lt ORDER BY k", "1|10|a|1.50|0.5|2024-01-01\n2|20|b|NULL|NULL|NULL\n3|30|NULL|NULL|NULL|NULL"},
		{"SELECT count(*) FROM lt", "3"},
		{"UPDATE lt SET s = 'z', a = a + 1 WHERE k >= 2 RETURNING k, a, s", "2|21|z\n3|31|z"},
		{"SELECT k, a, s FROM lt ORDER BY k", "1|10|a\n2|21|z\n3|31|z"},
		{"DELETE FROM lt WHERE k = 1 RETURNING s", "a"},
		{"DELETE FROM lt WHERE k = 1", "DELETE 0"},
		{"UPDATE lt SET s = r.v FROM r WHERE lt.k = r.id", "UPDATE 2"},
		{"SELECT k, s FROM lt ORDER BY k", "2|two\n3|three"},
		{"DELETE FROM lt USING r WHERE lt.k = r.id AND r.v = 'two'", "DELETE 1"},
		{"SELECT k, s FROM lt", "3|three"},
		// Large enough for Parquet files (DirectWriteRows = 100).
		{"INSERT INTO lt SELECT i, i % 7, 's' || (i % 5), i * 0.25, i / 2.0, DATE '2024-01-01' + (i % 30)::int FROM generate_series(10, 1009) AS i", "INSERT 0 1000"},
		{"SELECT count(*), sum(k), min(s), max(d) FROM lt", "1001|509503|s0|2024-01-30"},
		{"DELETE FROM lt WHERE k BETWEEN 100 AND 199", "DELETE 100"},
		{"UPDATE lt SET a = 100 WHERE k IN (500, 501, 3)", "UPDATE 3"},
		{"SELECT count(*), sum(a) FROM lt WHERE a = 100", "3|300"},
		{"SELECT count(*) FROM lt", "901"},
		{"INSERT INTO lt SELECT * FROM lt WHERE k < 20", "INSERT 0 11"},
		{"SELECT count(*) FROM lt WHERE k < 20", "22"},
	}
	for _, s := range steps {
		got, err := h.run(s.sql, false)
		if err != nil {
			t.Fatalf("%s: %v", s.sql, err)
		}
		if got != s.want {
			t.Fatalf("%s:\ngot  %q\nwant %q", s.sql, got, s.want)
		}
	}
	errs := []struct{ sql, code string }{
		{"INSERT INTO lt (a) VALUES (1)", pgerr.NotNullViolation},
		{"INSERT INTO lt VALUES (5, -1)", pgerr.CheckViolation},
		{"UPDATE lt SET a = -5 WHERE k = 3", pgerr.CheckViolation},
		{"UPDATE lt SET k = NULL WHERE k = 3", pgerr.NotNullViolation},
		{"INSERT INTO lt VALUES (5, 1) ON CONFLICT (k) DO NOTHING", pgerr.InvalidColumnReference},
		{"SELECT * FROM lt FOR UPDATE", pgerr.FeatureNotSupported},
	}
	for _, e := range errs {
		_, err := h.run(e.sql, false)
		if pgerr.Code(err) != e.code {
			t.Errorf("%s: got %v (%s), want %s", e.sql, err, pgerr.Code(err), e.code)
		}
	}
	// A failed statement left nothing behind.
	if got := h.must("SELECT count(*) FROM lt"); got != "912" {
		t.Fatalf("count after errors: %s", got)
	}
	// Every statement left one snapshot record.
	lt, err := h.lake.Table(h.cat.TableByName(catalog.PublicSchemaID, "lt"))
	if err != nil {
		t.Fatal(err)
	}
	tx := h.db.Begin(txn.Options{})
	defer tx.Rollback()
	snaps, err := lt.Snapshots(context.Background(), tx)
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, s := range snaps {
		ops = append(ops, fmt.Sprintf("%s+%d-%d", s.Operation, s.RowsAdded, s.RowsDeleted))
	}
	want := "INSERT+2-0 INSERT+1-0 UPDATE+2-2 DELETE+0-1 UPDATE+2-2 DELETE+0-1 INSERT+1000-0 DELETE+0-100 UPDATE+3-3 INSERT+11-0"
	if got := strings.Join(ops, " "); got != want {
		t.Errorf("snapshots:\ngot  %s\nwant %s", got, want)
	}
}

// TestLakeVectorized runs queries over a lake table with and without the
// vectorized pipeline: same results, and the vectorized plan is used.
func TestLakeVectorized(t *testing.T) {
	h := newLakeHarness(t)
	h.must("INSERT INTO lt SELECT i, i % 7, 's' || (i % 5), i * 0.25, i / 2.0, DATE '2024-01-01' + (i % 30)::int FROM generate_series(1, 2000) AS i")
	h.must("INSERT INTO lt VALUES (0, NULL, NULL, NULL, NULL, NULL), (-1, 3, 'x', -2.50, -1.5, '2023-12-31')")
	h.must("DELETE FROM lt WHERE k % 10 = 3")
	h.must("INSERT INTO r VALUES (1, 'one'), (2, 'two'), (3, 'three'), (4, NULL)")
	queries := []string{
		"SELECT count(*), sum(k), sum(a), avg(a), min(s), max(s), min(m), max(m), min(d), max(d), min(f), max(f) FROM lt",
		"SELECT a, count(*), sum(k), max(m) FROM lt WHERE k > 100 AND k <= 1500 GROUP BY a ORDER BY a NULLS FIRST",
		"SELECT s, count(*) FROM lt WHERE d BETWEEN '2024-01-05' AND '2024-01-09' GROUP BY s ORDER BY s",
		"SELECT count(*) FROM lt WHERE m >= 100.25 AND f < 700",
		"SELECT k, m FROM lt WHERE k IN (5, 17, 1999, -1) ORDER BY k",
		"SELECT count(*) FROM lt WHERE a IS NULL OR s = 'x'",
		"SELECT k * 2, a + 1 FROM lt WHERE k < 5 ORDER BY 1",
		"SELECT count(*) FROM lt WHERE k = $1",
		"SELECT a, sum(m), avg(m), sum(f), avg(f) FROM lt WHERE k > 0 GROUP BY a ORDER BY a",
		"SELECT sum(m), avg(m) FROM lt WHERE m IS NULL",
		"SELECT count(*), sum(k) FROM lt WHERE k = ANY('{7, 1500, NULL, 3}'::int8[])",
		"SELECT count(*), sum(k) FROM lt WHERE k IN (NULL, 8, 1999)",
		"SELECT count(*) FROM lt WHERE k = ANY('{}'::int8[])",
		"SELECT a, sum(m * (1 - m / 100)), sum(m * (1 + 0.05) * 2), avg(m - 1) FROM lt WHERE d <= date '2024-01-25' - interval '3 days' GROUP BY a ORDER BY a",
		// Hash joins (colexec's): rows in the row engine's order, no ORDER BY.
		// Semi/anti joins with an extra condition on matched pairs (TPC-H Q21).
		"SELECT k FROM lt x WHERE EXISTS (SELECT 1 FROM lt y WHERE y.a = x.a AND y.k <> x.k AND y.k < 40) AND x.k < 100",
		"SELECT k FROM lt x WHERE NOT EXISTS (SELECT 1 FROM lt y WHERE y.a = x.a AND y.s <> x.s AND y.k < 30)",
		"SELECT x.k, y.k, x.s, y.m FROM lt x JOIN lt y ON x.a = y.a WHERE x.k < 20",
		"SELECT x.k, y.k FROM lt x JOIN lt y ON x.s = y.s AND x.a = y.a WHERE x.k < 50 AND y.k < 300",
		"SELECT x.k, y.k FROM lt x JOIN lt y ON x.m = y.m",
		"SELECT x.k, y.k, y.d FROM lt x JOIN lt y ON x.d = y.d AND x.k < y.k WHERE x.k < 30 AND y.k < 200",
		"SELECT x.k, y.k FROM lt x JOIN lt y ON x.f = y.f WHERE x.k < 100",
		"SELECT x.a, count(*), sum(y.m), sum(y.k) FROM lt x JOIN lt y ON x.a = y.a WHERE x.k < 100 GROUP BY x.a ORDER BY x.a",
		"SELECT x.k, y.k, z.k FROM lt x JOIN lt y ON y.a = x.a JOIN lt z ON z.k = y.k WHERE x.k < 10 AND y.k < 100",
		"SELECT lt.k, r.v FROM lt JOIN r ON r.id = lt.k",
		"SELECT k FROM lt x WHERE EXISTS (SELECT 1 FROM r WHERE r.id = x.k)",
		"SELECT k FROM lt x WHERE NOT EXISTS (SELECT 1 FROM r WHERE r.id = x.k) AND k < 20",
		"SELECT k FROM lt WHERE s IN ('s1', 'x') AND a NOT IN (2, 3)",
	}
	for _, q := range queries {
		var params []types.Datum
		if strings.Contains(q, "$1") {
			params = []types.Datum{types.DInt(42)}
		}
		vec, err := h.run(q, false, params...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		row, err := h.run(q, true, params...)
		if err != nil {
			t.Fatalf("%s (row): %v", q, err)
		}
		if vec != row {
			t.Errorf("%s:\nvectorized %q\nrow        %q", q, vec, row)
		}
		if vec == "" || vec == "0|NULL" {
			t.Errorf("%s: no rows (%q)", q, vec)
		}
		if strings.Contains(q, "JOIN") || strings.Contains(q, "EXISTS") || strings.Contains(q, "(SELECT") {
			ex := h.must("EXPLAIN " + q)
			if isVec := strings.Contains(ex, "Join (vectorized)"); isVec == strings.Contains(q, "x.f = y.f") {
				t.Errorf("%s: float keys stay in rows, others vectorize:\n%s", q, ex)
			}
		}
	}
	// date::timestamp comparisons become date comparisons (unwrapDateCast).
	for _, pair := range [][2]string{
		{"SELECT count(*) FROM lt WHERE d < date '2024-01-03' + interval '12 hours'", "SELECT count(*) FROM lt WHERE d <= '2024-01-03'"},
		{"SELECT count(*) FROM lt WHERE d >= date '2024-01-03' + interval '12 hours'", "SELECT count(*) FROM lt WHERE d > '2024-01-03'"},
		{"SELECT count(*) FROM lt WHERE d < date '2024-01-03' + interval '0 hours'", "SELECT count(*) FROM lt WHERE d < '2024-01-03'"},
		{"SELECT count(*) FROM lt WHERE d > date '2024-01-03' - interval '1 hour'", "SELECT count(*) FROM lt WHERE d >= '2024-01-03'"},
		{"SELECT count(*) FROM lt WHERE d::timestamp = '2024-01-03'", "SELECT count(*) FROM lt WHERE d = '2024-01-03'"},
	} {
		a, b := h.must(pair[0]), h.must(pair[1])
		if a != b || a == "0" {
			t.Errorf("%s = %s, %s = %s", pair[0], a, pair[1], b)
		}
	}
	// TPC-H Q1's shape: numeric arithmetic inside the aggregates.
	ex := h.must("EXPLAIN SELECT s, sum(m * (1 - m)), avg(m) FROM lt WHERE d <= date '2024-01-25' - interval '3 days' GROUP BY s")
	if !strings.Contains(ex, "HashAggregate (vectorized)") || !strings.Contains(ex, "Ranges: (d <= '2024-01-22'::date)") {
		t.Errorf("EXPLAIN:\n%s", ex)
	}
	ex = h.must("EXPLAIN SELECT x.a, count(*), sum(y.m) FROM lt x JOIN lt y ON x.a = y.a GROUP BY x.a")
	if !strings.Contains(ex, "HashAggregate (vectorized)") || !strings.Contains(ex, "Hash Inner Join (vectorized)") {
		t.Errorf("EXPLAIN:\n%s", ex)
	}
	ex = h.must("EXPLAIN SELECT a, count(*) FROM lt WHERE k > 100 GROUP BY a")
	if !strings.Contains(ex, "Lake Scan on lt (vectorized)") || !strings.Contains(ex, "Ranges: (k > 100)") {
		t.Errorf("EXPLAIN:\n%s", ex)
	}
}

// TestLakeTimeTravel reads a lake table as of earlier timestamps.
func TestLakeTimeTravel(t *testing.T) {
	h := newLakeHarness(t)
	h.must("INSERT INTO lt (k, a) VALUES (1, 1), (2, 2)")
	ts1 := h.db.Now()
	h.must("DELETE FROM lt WHERE k = 1")
	h.must("INSERT INTO lt (k, a) VALUES (3, 3)")
	ts2 := h.db.Now()
	h.must("UPDATE lt SET a = 30 WHERE k = 3")
	for _, c := range []struct {
		sql  string
		args []types.Datum
		want string
	}{
		{"SELECT k, a FROM as_of('lt', $1::bigint) ORDER BY k", []types.Datum{types.DInt(ts1)}, "1|1\n2|2"},
		{"SELECT k, a FROM as_of('lt', $1::bigint) ORDER BY k", []types.Datum{types.DInt(ts2)}, "2|2\n3|3"},
		{"SELECT k, a FROM as_of('lt', $1) ORDER BY k", []types.Datum{types.DTimestampTZ(ts2)}, "2|2\n3|3"},
		{"SELECT count(*) FROM as_of('lt', $1::bigint) WHERE a > 1", []types.Datum{types.DInt(ts1)}, "1"},
		{"SELECT o.k, o.a, n.a FROM as_of('lt', $1::bigint) o JOIN lt n ON o.k = n.k ORDER BY 1", []types.Datum{types.DInt(ts2)}, "2|2|2\n3|3|30"},
		{"SELECT k, a FROM lt ORDER BY k", nil, "2|2\n3|30"},
	} {
		got, err := h.run(c.sql, false, c.args...)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if got != c.want {
			t.Errorf("%s %v:\ngot  %q\nwant %q", c.sql, c.args, got, c.want)
		}
	}
	_, err := h.run("SELECT * FROM as_of('lt', $1::bigint)", false, types.DInt(h.db.Now()+1e12))
	if pgerr.Code(err) != pgerr.InvalidParameterValue {
		t.Errorf("future as_of: %v", err)
	}
	_, err = h.run("SELECT * FROM as_of('r', 1)", false)
	if pgerr.Code(err) != pgerr.FeatureNotSupported {
		t.Errorf("as_of on a row table: %v", err)
	}
}

// TestLakeConcurrentDelete: a row deleted and committed after the
// deleting statement's snapshot fails REPEATABLE READ with 40001; READ
// COMMITTED skips it (EvalPlanQual finds it gone).
func TestLakeConcurrentDelete(t *testing.T) {
	for _, iso := range []txn.Isolation{txn.ReadCommitted, txn.RepeatableRead} {
		t.Run(iso.String(), func(t *testing.T) {
			h := newLakeHarness(t)
			h.must("INSERT INTO lt (k, a) VALUES (1, 1), (2, 2)")
			slow := h.db.Begin(txn.Options{Isolation: iso})
			defer slow.Rollback()
			h.must("DELETE FROM lt WHERE k = 1")
			got, err := h.runIn(slow, "UPDATE lt SET a = 10 WHERE k = 1", false)
			switch {
			case iso == txn.ReadCommitted && (err != nil || got != "UPDATE 0"):
				t.Fatalf("READ COMMITTED: got %q, %v; want UPDATE 0", got, err)
			case iso != txn.ReadCommitted && pgerr.Code(err) != pgerr.SerializationFailure:
				t.Fatalf("%s: got %v, want 40001", iso, err)
			}
		})
	}
}

// TestLakeEvalPlanQual: at READ COMMITTED, UPDATE and DELETE re-check a
// row updated after their snapshot on its newest version, as PostgreSQL
// does: skipped when it no longer matches, written from the new values
// when it does; with FROM / USING the statement restarts instead.
func TestLakeEvalPlanQual(t *testing.T) {
	layouts := []struct{ name, insert string }{
		{"inline", "INSERT INTO lt (k, a) VALUES (1, 10), (2, 20), (3, 30)"},
		// DirectWriteRows = 100: Parquet files.
		{"files", "INSERT INTO lt (k, a) SELECT i, i * 10 FROM generate_series(1, 150) AS i"},
	}
	cases := []struct {
		concurrent string // committed after the statement's snapshot
		stmt       string
		want       string // the statement's result; "restart": a RetryStatementError
		after      string // SELECT k, a FROM lt WHERE k <= 2 ORDER BY k, afterwards
	}{
		{"UPDATE lt SET a = a + 1 WHERE k = 1", "UPDATE lt SET a = a + 100 WHERE a = 10", "UPDATE 0", "1|11\n2|20"},
		{"UPDATE lt SET a = a + 1 WHERE k = 1", "UPDATE lt SET a = a + 100 WHERE k = 1 RETURNING a", "111", "1|111\n2|20"},
		{"UPDATE lt SET a = a + 1 WHERE k = 1", "UPDATE lt SET a = a + 100 WHERE k <= 2 AND a < 15 RETURNING k, a", "1|111", "1|111\n2|20"},
		{"UPDATE lt SET a = 5 WHERE k = 1", "UPDATE lt SET a = a * 2 WHERE a >= 5 AND k <= 2 RETURNING k, a", "1|10\n2|40", "1|10\n2|40"},
		{"UPDATE lt SET a = a + 1 WHERE k = 1", "DELETE FROM lt WHERE a = 10", "DELETE 0", "1|11\n2|20"},
		{"UPDATE lt SET a = a + 1 WHERE k = 1", "DELETE FROM lt WHERE k = 1 RETURNING a", "11", "2|20"},
		{"DELETE FROM lt WHERE k = 1", "DELETE FROM lt WHERE k <= 2", "DELETE 1", ""},
		{"UPDATE lt SET a = a + 1 WHERE k = 1", "UPDATE lt SET a = 0 FROM r WHERE lt.k = r.id", "restart", ""},
		{"UPDATE lt SET a = a + 1 WHERE k = 1", "DELETE FROM lt USING r WHERE lt.k = r.id", "restart", ""},
	}
	for _, l := range layouts {
		for _, c := range cases {
			t.Run(l.name+"/"+c.stmt, func(t *testing.T) {
				h := newLakeHarness(t)
				h.must("INSERT INTO r VALUES (1, 'one')")
				h.must(l.insert)
				slow := h.db.Begin(txn.Options{Isolation: txn.ReadCommitted})
				defer slow.Rollback()
				h.must(c.concurrent)
				got, err := h.runIn(slow, c.stmt, false)
				if c.want == "restart" {
					var rse *txn.RetryStatementError
					if !errors.As(err, &rse) {
						t.Fatalf("got %q, %v; want a statement restart", got, err)
					}
					return
				}
				if err != nil || got != c.want {
					t.Fatalf("got %q, %v; want %q", got, err, c.want)
				}
				must(t, slow.Commit(context.Background()))
				if after := h.must("SELECT k, a FROM lt WHERE k <= 2 ORDER BY k"); after != c.after {
					t.Fatalf("afterwards:\ngot  %q\nwant %q", after, c.after)
				}
			})
		}
	}
}

// TestLakeEvalPlanQualBlocked: PostgreSQL's PMP-write case, with the
// statement really waiting for the updater's row lock.
func TestLakeEvalPlanQualBlocked(t *testing.T) {
	h := newLakeHarness(t)
	ctx := context.Background()
	h.must("INSERT INTO lt (k, a) VALUES (1, 10), (2, 20)")
	t1 := h.db.Begin(txn.Options{Isolation: txn.ReadCommitted})
	defer t1.Rollback()
	if _, err := h.runIn(t1, "UPDATE lt SET a = a + 10", false); err != nil {
		t.Fatal(err)
	}
	t2 := h.db.Begin(txn.Options{Isolation: txn.ReadCommitted})
	defer t2.Rollback()
	done := make(chan string, 1)
	go func() {
		got, err := h.runIn(t2, "DELETE FROM lt WHERE a = 20", false)
		if err != nil {
			got = err.Error()
		}
		done <- got
	}()
	select {
	case got := <-done:
		t.Fatalf("DELETE did not wait: %s", got)
	case <-time.After(50 * time.Millisecond):
	}
	must(t, t1.Commit(ctx))
	if got := <-done; got != "DELETE 0" {
		t.Fatalf("got %s, want DELETE 0", got)
	}
	must(t, t2.Commit(ctx))
	if got := h.must("SELECT k, a FROM lt ORDER BY k"); got != "1|20\n2|30" {
		t.Fatalf("afterwards: %q", got)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestLakeNoStore(t *testing.T) {
	h := newLakeHarness(t)
	p, err := h.plan("SELECT * FROM lt")
	if err != nil {
		t.Fatal(err)
	}
	tx := h.db.Begin(txn.Options{})
	defer tx.Rollback()
	_, err = exec.Run(context.Background(), p, exec.Runtime{Txn: tx})
	if err == nil {
		r, _ := exec.Run(context.Background(), p, exec.Runtime{Txn: tx})
		_, err = r.All(context.Background())
	}
	if pgerr.Code(err) != pgerr.FeatureNotSupported {
		t.Fatal(fmt.Sprint("without a lake store: ", err))
	}
}
