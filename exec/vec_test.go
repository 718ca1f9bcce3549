package exec_test

import (
	"context"
	"fmt"
	"strings"
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

// vecCatalog has one table with a column of every vectorizable type (plus
// a jsonb column, which is not), and an empty copy of it.
func vecCatalog() *catalog.Snapshot {
	cols := []catalog.Column{
		{ID: 1, Name: "id", Type: types.Int8, NotNull: true},
		{ID: 2, Name: "b", Type: types.Bool},
		{ID: 3, Name: "i2", Type: types.Int2},
		{ID: 4, Name: "i4", Type: types.Int4},
		{ID: 5, Name: "i8", Type: types.Int8},
		{ID: 6, Name: "f4", Type: types.Float4},
		{ID: 7, Name: "f8", Type: types.Float8},
		{ID: 8, Name: "s", Type: types.Text},
		{ID: 9, Name: "vc", Type: types.Varchar.WithTypmod(10 + 4)},
		{ID: 10, Name: "d", Type: types.Date},
		{ID: 11, Name: "ts", Type: types.Timestamp},
		{ID: 12, Name: "tz", Type: types.TimestampTZ},
		{ID: 13, Name: "n", Type: types.Numeric.WithTypmod(types.NumericTypmod(12, 2))},
		{ID: 14, Name: "j", Type: types.JSONB},
		{ID: 15, Name: "k", Type: types.Int4},
	}
	mk := func(id catalog.ID, name string) *catalog.Table {
		return &catalog.Table{ID: id, SchemaID: catalog.PublicSchemaID, Name: name, Kind: catalog.KindTable, Columns: cols,
			Primary: catalog.Index{ID: 1, Name: name + "_pkey", ColumnIDs: []uint32{1}, Unique: true, Primary: true}}
	}
	schemas := []*catalog.Schema{{ID: catalog.PublicSchemaID, Name: "public"}, {ID: catalog.PgCatalogSchemaID, Name: "pg_catalog"}}
	return catalog.NewSnapshot(schemas, []*catalog.Table{mk(200, "t"), mk(201, "e")}, nil, nil, nil)
}

type vecHarness struct {
	db  *txn.DB
	cat *catalog.Snapshot
}

func newVecHarness(t testing.TB) *vecHarness {
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
	return &vecHarness{db: db, cat: vecCatalog()}
}

func (h *vecHarness) plan(sql string) (*planner.Plan, error) {
	res, err := pg_query.Parse(sql)
	if err != nil {
		return nil, err
	}
	return planner.Build(context.Background(), res.Stmts[0].Stmt, &planner.StaticEnv{Cat: h.cat})
}

// run executes sql; rowOnly disables the vectorized pipelines.
func (h *vecHarness) run(sql string, rowOnly bool, params ...types.Datum) (string, error) {
	ctx := context.Background()
	p, err := h.plan(sql)
	if err != nil {
		return "", err
	}
	tx := h.db.Begin(txn.Options{})
	defer tx.Rollback()
	r, err := exec.Run(ctx, p, exec.Runtime{Txn: tx, Params: params, RowOnly: rowOnly})
	if err != nil {
		return "", err
	}
	rows, err := r.All(ctx)
	if err != nil {
		return "", err
	}
	if !p.ReturnsRows {
		return "", tx.Commit(ctx)
	}
	return fmtRows(rows, p), nil
}

func (h *vecHarness) mustExec(t testing.TB, sql string) {
	t.Helper()
	if _, err := h.run(sql, true); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// load inserts n deterministic rows with NULLs sprinkled in every column,
// special floats (NaN, -0, ±Infinity) and numeric NaN.
func (h *vecHarness) load(t testing.TB, n int) {
	var vals []string
	flush := func() {
		if len(vals) > 0 {
			h.mustExec(t, "INSERT INTO t VALUES "+strings.Join(vals, ", "))
			vals = vals[:0]
		}
	}
	for i := 0; i < n; i++ {
		null := func(every int, v string) string {
			if i%every == every-1 {
				return "NULL"
			}
			return v
		}
		x := (i*7919 + 13) % 1000
		f := fmt.Sprintf("%d.25", x-500)
		switch i % 97 {
		case 5:
			f = "'NaN'"
		case 6:
			f = "'-0'"
		case 7:
			f = "'Infinity'"
		case 8:
			f = "'-Infinity'"
		}
		num := fmt.Sprintf("%d.%02d", x-500, i%100)
		if i%89 == 3 {
			num = "'NaN'"
		}
		vals = append(vals, fmt.Sprintf("(%d, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '{\"a\": %d}', %s)",
			i,
			null(11, fmt.Sprint(x%3 == 0)),
			null(13, fmt.Sprint(x%200-100)),
			null(7, fmt.Sprint(x*1000-500000)),
			null(17, fmt.Sprint(int64(x)*1e15)),
			null(19, f),
			null(23, f),
			null(5, fmt.Sprintf("'s%03d'", x%50)),
			null(29, fmt.Sprintf("'v%d'", x%7)),
			null(31, fmt.Sprintf("'2024-01-01'::date + %d", x%40-20)),
			null(37, fmt.Sprintf("'2024-01-01 10:00:00'::timestamp + interval '%d hours'", x%30)),
			null(41, fmt.Sprintf("'2024-01-01 10:00:00+00'::timestamptz + interval '%d minutes'", x%30)),
			null(43, num),
			i,
			null(9, fmt.Sprint(x%10)),
		))
		if len(vals) == 200 {
			flush()
		}
	}
	flush()
}

// vecQueries run through both engines; vec says whether the plan is
// expected to run (at least partly) vectorized.
var vecQueries = []struct {
	sql string
	vec bool
}{
	{"SELECT id, i4 FROM t WHERE i4 > 10", true},
	{"SELECT * FROM t WHERE id < 300", false}, // jsonb column needed: row engine
	{"SELECT id, b, i2, i4, i8, f4, f8, s, vc, d, ts, tz, n, k FROM t WHERE id % 2 = 0 OR id >= 7", false},
	{"SELECT id, b, i2, i4, i8, f4, f8, s, vc, d, ts, tz, n, k FROM t WHERE (i4 IS NULL OR i4 > -1000000000)", true},
	{"SELECT id FROM t WHERE i4 > 1000000000", true},              // selects nothing
	{"SELECT id FROM t WHERE i4 IS NULL OR i4 IS NOT NULL", true}, // selects everything
	{"SELECT id FROM t WHERE NOT (i2 < 0) AND s <> 's001'", true}, // NULL handling in NOT/AND
	{"SELECT id FROM t WHERE i2 < 0 OR s = 's001'", true},
	{"SELECT id FROM t WHERE NOT (i2 < 0 OR s = 's001')", true},
	{"SELECT id FROM t WHERE b", true},
	{"SELECT id FROM t WHERE NOT b", true},
	{"SELECT id FROM t WHERE b IS NULL", true},
	{"SELECT id FROM t WHERE b = true", true},
	{"SELECT id FROM t WHERE f8 > 0", true},
	{"SELECT id FROM t WHERE f8 = 'NaN'", true},
	{"SELECT id FROM t WHERE f8 = 0", true}, // matches -0
	{"SELECT id FROM t WHERE f4 >= 'Infinity'", true},
	{"SELECT id FROM t WHERE f4 < f4 OR f8 <= f8", true},
	{"SELECT id FROM t WHERE n > 100.5", true},
	{"SELECT id FROM t WHERE n = 'NaN'", true},
	{"SELECT id FROM t WHERE n <= -3", true},
	{"SELECT id FROM t WHERE n = n", true},
	{"SELECT id FROM t WHERE n > 1.005", false}, // constant finer than the scale: row engine
	{"SELECT id FROM t WHERE vc = 'v3'", true},
	{"SELECT id FROM t WHERE s >= 's040' AND vc < 'v2'", true},
	{"SELECT id FROM t WHERE d < '2024-01-01'", true},
	{"SELECT id FROM t WHERE ts >= '2024-01-02 00:00:00'", true},
	{"SELECT id FROM t WHERE tz < '2024-01-01 10:10:00+00'", true},
	{"SELECT id FROM t WHERE i2 = i4", true},
	{"SELECT id FROM t WHERE i4 = NULL", true},
	{"SELECT id, i4 + i4, i2 - i2, i8 * 2, f8 + f8, f4 * f4, i4 + 1 FROM t WHERE (i4 IS NULL OR i4 > -1000000000)", true},
	{"SELECT id, 7, 'x', NULL::int4 FROM t WHERE (i4 IS NULL OR i4 > -1000000000)", true},
	{"SELECT i8 * 10 FROM t WHERE (i4 IS NULL OR i4 > -1000000000)", true},      // bigint out of range
	{"SELECT i4 * i4 FROM t WHERE (i4 IS NULL OR i4 > -1000000000)", true},      // integer out of range
	{"SELECT i2 * i2 * i2 FROM t WHERE (i4 IS NULL OR i4 > -1000000000)", true}, // smallint out of range
	{"SELECT f8 * 1e308 FROM t WHERE (i4 IS NULL OR i4 > -1000000000)", true},   // float overflow
	{"SELECT count(*), count(i4), sum(i2), sum(i4), sum(i8), sum(f4), sum(f8), avg(i2), avg(i4), avg(i8), avg(f4), avg(f8) FROM t WHERE (i4 IS NULL OR i4 > -1000000000)", true},
	{"SELECT min(i2), max(i2), min(i8), max(i8), min(f4), max(f8), min(s), max(vc), min(d), max(ts), min(tz), max(n), min(n) FROM t WHERE (i4 IS NULL OR i4 > -1000000000)", true},
	{"SELECT k, count(*), sum(i4) FROM t WHERE i4 > 10 GROUP BY k", true},
	{"SELECT k, count(*), sum(i4), avg(i4), min(s), max(f8) FROM t WHERE (i4 IS NULL OR i4 > -1000000000) GROUP BY k", true},
	{"SELECT s, count(*), sum(i8) FROM t WHERE (i4 IS NULL OR i4 > -1000000000) GROUP BY s", true},
	{"SELECT b, vc, count(*), avg(i2) FROM t WHERE (i4 IS NULL OR i4 > -1000000000) GROUP BY b, vc", true},
	{"SELECT f8, count(*) FROM t WHERE (i4 IS NULL OR i4 > -1000000000) GROUP BY f8", true}, // NaN and -0 keys
	{"SELECT n, count(*) FROM t WHERE (i4 IS NULL OR i4 > -1000000000) GROUP BY n", true},
	{"SELECT d, ts, tz, count(*) FROM t WHERE (i4 IS NULL OR i4 > -1000000000) GROUP BY d, ts, tz", true},
	{"SELECT k, count(*) FROM t GROUP BY k", true},
	{"SELECT k, count(*) FROM t WHERE i4 > 1000000000 GROUP BY k", true}, // no groups
	{"SELECT count(*), sum(i4), max(s) FROM t WHERE i4 > 1000000000", true},
	{"SELECT k, sum(i4) FROM t WHERE (i4 IS NULL OR i4 > -1000000000) GROUP BY k HAVING sum(i4) > 0", true},
	// count(DISTINCT) runs in the row engine, over a vectorized scan and
	// filter (the scan decodes only the columns the aggregation reads).
	{"SELECT k, count(DISTINCT i4) FROM t WHERE (i4 IS NULL OR i4 > -1000000000) GROUP BY k", true},
	{"SELECT sum(n), avg(n) FROM t WHERE (i4 IS NULL OR i4 > -1000000000)", true},
	{"SELECT k, sum(n), avg(n), count(n) FROM t WHERE (i4 IS NULL OR i4 > -1000000000) GROUP BY k", true},
	// Numeric arithmetic on scaled integers (exact, NaN-propagating).
	{"SELECT k, sum(n * n), sum(n - 1.5), avg(2 * n + n), sum(n * (1 - n)), max(n * 0.01) FROM t WHERE (i4 IS NULL OR i4 > -1000000000) GROUP BY k", true},
	{"SELECT sum(n * (1 + 0.05)) FROM t WHERE i4 > 10", true},
	// Too large for the batch representation: the row plan takes over.
	{"SELECT sum(n * 1000000000000000) FROM t WHERE (i4 IS NULL OR i4 > -1000000000)", true},
	{"SELECT count(*), sum(n * n * n * n) FROM t WHERE (i4 IS NULL OR i4 > -1000000000)", true},
	{"SELECT id, n * 2 FROM t WHERE i4 > 10", false}, // fallible without an aggregation: row plan
	{"SELECT id FROM t WHERE i4 > $1", true},
	{"SELECT id FROM t WHERE s = $2 OR i8 < $1", true},
	{"SELECT count(*) FROM e WHERE i4 > 1", true},
	{"SELECT k, sum(i4) FROM e WHERE i4 > 1 GROUP BY k", true},
	{"SELECT id, i4 + 1 FROM e WHERE i4 > 1", true},
	{"SELECT id FROM t WHERE i4 > 10 ORDER BY id DESC LIMIT 5", true},
	{"SELECT id FROM t", false},
	// IN lists are ORs of equalities (NULL items and NOT IN included).
	{"SELECT id FROM t WHERE k IN (1, 3, 8)", true},
	{"SELECT id FROM t WHERE k IN (1, NULL)", true},
	{"SELECT id FROM t WHERE k NOT IN (1, 2)", true},
	{"SELECT id FROM t WHERE k NOT IN (1, NULL)", true},
	{"SELECT id FROM t WHERE s IN ('s001', 's017') OR k IN (2)", true},
	{"SELECT id FROM t WHERE d IN ('2024-01-01', '2023-12-25') OR f8 IN ('NaN', 0, 12.25) OR vc NOT IN ('v1', 'v2', 'v3')", true},
	{"SELECT id FROM t WHERE s NOT IN ('s001', NULL) OR i4 IN ($1, 2)", true},
	{"SELECT id FROM t WHERE s = 's001' AND i4 > 100000 AND k = 1", true},
	{"SELECT id FROM t WHERE s <> 's001' OR i4 > 100000 OR k = 1", true},
	{"SELECT id, i4 + 1 FROM t", false}, // projection alone is not worth it
}

func TestVectorizedMatchesRowEngine(t *testing.T) {
	h := newVecHarness(t)
	h.load(t, 3000)
	params := []types.Datum{types.DInt(100), types.DString("s007")}
	for _, q := range vecQueries {
		t.Run(q.sql, func(t *testing.T) {
			want, werr := h.run(q.sql, true, params...)
			got, gerr := h.run(q.sql, false, params...)
			if (werr == nil) != (gerr == nil) || werr != nil && (pgerr.Code(werr) != pgerr.Code(gerr) || werr.Error() != gerr.Error()) {
				t.Fatalf("errors differ: row=%v vectorized=%v", werr, gerr)
			}
			if got != want {
				t.Fatalf("results differ\nrow:\n%.2000s\nvectorized:\n%.2000s", want, got)
			}
			explain, err := h.run("EXPLAIN "+q.sql, false, params...)
			if err != nil {
				t.Fatal(err)
			}
			if isVec := strings.Contains(explain, "(vectorized)"); isVec != q.vec {
				t.Fatalf("vectorized=%v, want %v:\n%s", isVec, q.vec, explain)
			}
		})
	}
}

func TestVectorizedExplain(t *testing.T) {
	h := newVecHarness(t)
	got, err := h.run("EXPLAIN SELECT k, count(*), sum(i4) FROM t WHERE i4 > 10 GROUP BY k", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"HashAggregate (vectorized)", "Seq Scan on t (vectorized)"} {
		if !strings.Contains(got, want) {
			t.Errorf("EXPLAIN lacks %q:\n%s", want, got)
		}
	}
}
