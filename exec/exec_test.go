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

func testCatalog() *catalog.Snapshot {
	schemas := []*catalog.Schema{{ID: catalog.PublicSchemaID, Name: "public"}, {ID: catalog.PgCatalogSchemaID, Name: "pg_catalog"}}
	kv := &catalog.Table{ID: 100, SchemaID: catalog.PublicSchemaID, Name: "kv", Kind: catalog.KindTable,
		Columns: []catalog.Column{{ID: 1, Name: "k", Type: types.Int8, NotNull: true}, {ID: 2, Name: "v", Type: types.Text}, {ID: 3, Name: "n", Type: types.Int4}},
		Primary: catalog.Index{ID: 1, Name: "kv_pkey", ColumnIDs: []uint32{1}, Unique: true, Primary: true},
		Indexes: []catalog.Index{{ID: 2, Name: "kv_v_key", ColumnIDs: []uint32{2}, Unique: true}, {ID: 3, Name: "kv_n_idx", ColumnIDs: []uint32{3}}}}
	nopk := &catalog.Table{ID: 101, SchemaID: catalog.PublicSchemaID, Name: "nopk", Kind: catalog.KindTable,
		Columns: []catalog.Column{{ID: 1, Name: "a", Type: types.Int4}, {ID: 2, Name: "s", Type: types.Varchar.WithTypmod(3 + 4)}, {ID: 3, Name: "rowid", Type: types.Int8, Hidden: true, NotNull: true, Default: "unique_rowid()"}},
		Primary: catalog.Index{ID: 1, Name: "nopk_pkey", ColumnIDs: []uint32{3}, Unique: true, Primary: true}}
	view := &catalog.Table{ID: 102, SchemaID: catalog.PublicSchemaID, Name: "big", Kind: catalog.KindView, Columns: []catalog.Column{{ID: 1, Name: "k", Type: types.Int8}}, ViewQuery: "SELECT k FROM kv WHERE k > 1"}
	return catalog.NewSnapshot(schemas, []*catalog.Table{kv, nopk, view}, nil, nil, nil)
}

type harness struct {
	t   *testing.T
	db  *txn.DB
	cat *catalog.Snapshot
}

func newHarness(t *testing.T) *harness {
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
	return &harness{t: t, db: db, cat: testCatalog()}
}

func (h *harness) query(sql string, params ...types.Datum) ([]types.Row, *planner.Plan, int64, error) {
	ctx := context.Background()
	res, err := pg_query.Parse(sql)
	if err != nil {
		return nil, nil, 0, err
	}
	p, err := planner.Build(ctx, res.Stmts[0].Stmt, &planner.StaticEnv{Cat: h.cat})
	if err != nil {
		return nil, nil, 0, err
	}
	tx := h.db.Begin(txn.Options{})
	r, err := exec.Run(ctx, p, exec.Runtime{Txn: tx, Params: params})
	if err != nil {
		tx.Rollback()
		return nil, p, 0, err
	}
	rows, err := r.All(ctx)
	if err != nil {
		tx.Rollback()
		return nil, p, 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, p, 0, err
	}
	return rows, p, r.RowsAffected(), nil
}

func fmtRows(rows []types.Row, p *planner.Plan) string {
	var lines []string
	for _, r := range rows {
		var parts []string
		for i, d := range r {
			if d == types.DNull {
				parts = append(parts, "NULL")
			} else {
				parts = append(parts, types.FormatText(d, p.Columns[i].Type, nil))
			}
		}
		lines = append(lines, strings.Join(parts, "|"))
	}
	return strings.Join(lines, "\n")
}

func TestEndToEnd(t *testing.T) {
	h := newHarness(t)
	steps := []struct{ sql, want string }{
		{"INSERT INTO kv VALUES (1, 'a', 10), (2, 'b', 20), (3, NULL, 20), (4, 'd', NULL)", "INSERT 0 4"},
		{"SELECT k, v FROM kv ORDER BY k", "1|a\n2|b\n3|NULL\n4|d"},
		{"SELECT v FROM kv WHERE k = 2", "b"},
		{"SELECT k FROM kv WHERE k = ANY('{1,3,9}'::int8[]) ORDER BY 1", "1\n3"},
		{"SELECT k FROM kv WHERE n = 20 ORDER BY k DESC", "3\n2"},
		{"SELECT k FROM kv WHERE k >= 2 AND k < 4", "2\n3"},
		{"SELECT count(*), sum(n), max(v) FROM kv", "4|50|d"},
		{"SELECT n, count(*) AS c FROM kv GROUP BY n ORDER BY n NULLS FIRST", "NULL|1\n10|1\n20|2"},
		{"SELECT n FROM kv GROUP BY n HAVING count(*) > 1", "20"},
		{"SELECT DISTINCT n FROM kv ORDER BY n", "10\n20\nNULL"},
		{"SELECT k FROM kv ORDER BY k LIMIT 2 OFFSET 1", "2\n3"},
		{"SELECT a.k, b.k FROM kv a JOIN kv b ON a.n = b.n AND a.k < b.k", "2|3"},
		{"SELECT a.k, b.v FROM kv a LEFT JOIN kv b ON b.k = a.k + 3 ORDER BY a.k", "1|d\n2|NULL\n3|NULL\n4|NULL"},
		{"SELECT k FROM kv WHERE k IN (SELECT k FROM kv WHERE n = 20) ORDER BY k", "2\n3"},
		{"SELECT k, (SELECT max(b.k) FROM kv b WHERE b.k < a.k) FROM kv a ORDER BY k", "1|NULL\n2|1\n3|2\n4|3"},
		{"SELECT k FROM kv a WHERE EXISTS (SELECT 1 FROM kv b WHERE b.n = a.n AND b.k <> a.k) ORDER BY 1", "2\n3"},
		{"SELECT 1 UNION SELECT 2 UNION ALL SELECT 1 ORDER BY 1", "1\n1\n2"},
		{"WITH t AS (SELECT k FROM kv WHERE k < 3) SELECT sum(k) FROM t", "3"},
		{"WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 5) SELECT sum(i) FROM r", "15"},
		{"SELECT k, row_number() OVER (ORDER BY k DESC) FROM kv ORDER BY k", "1|4\n2|3\n3|2\n4|1"},
		{"SELECT k, sum(k) OVER (ORDER BY k) FROM kv ORDER BY k", "1|1\n2|3\n3|6\n4|10"},
		{"SELECT generate_series(1, 3)", "1\n2\n3"},
		{"SELECT x FROM generate_series(1, 3) AS x WHERE x > 1", "2\n3"},
		{"SELECT k, s.x FROM kv, LATERAL (SELECT kv.k * 10 AS x) s WHERE k < 3 ORDER BY k", "1|10\n2|20"},
		{"SELECT * FROM big ORDER BY k", "2\n3\n4"},
		{"SELECT CASE WHEN n > 15 THEN 'hi' ELSE 'lo' END FROM kv WHERE k = 1", "lo"},
		{"SELECT coalesce(v, 'none') FROM kv WHERE k = 3", "none"},
		{"UPDATE kv SET n = n + 1 WHERE k = 1 RETURNING k, n", "1|11"},
		{"UPDATE kv SET v = v || 'z' WHERE n = 20", "UPDATE 2"},
		{"DELETE FROM kv WHERE k = 4 RETURNING v", "d"},
		{"INSERT INTO kv VALUES (1, 'q', 0) ON CONFLICT (k) DO NOTHING", "INSERT 0 0"},
		{"INSERT INTO kv VALUES (1, 'q', 0) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v RETURNING k, v", "1|q"},
		{"INSERT INTO nopk (a, s) VALUES (1, 'abc'), (1, 'x')", "INSERT 0 2"},
		{"SELECT * FROM nopk ORDER BY s", "1|abc\n1|x"},
		{"EXPLAIN SELECT v FROM kv WHERE k = $1", "Point Lookup using kv_pkey on kv"},
	}
	for _, s := range steps {
		rows, p, n, err := h.query(s.sql)
		if err != nil {
			t.Fatalf("%s: %v", s.sql, err)
		}
		got := fmtRows(rows, p)
		if !p.ReturnsRows {
			got = p.CommandTag(n)
		}
		if strings.HasPrefix(s.sql, "EXPLAIN") {
			if strings.Contains(got, "->  "+s.want) {
				got = s.want
			}
		}
		if got != s.want {
			t.Errorf("%s:\n got: %q\nwant: %q", s.sql, got, s.want)
		}
	}
}

func TestErrors(t *testing.T) {
	h := newHarness(t)
	if _, _, _, err := h.query("INSERT INTO kv VALUES (1, 'a', 1)"); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ sql, code, msg string }{
		{"SELECT * FROM nope", pgerr.UndefinedTable, `relation "nope" does not exist`},
		{"SELECT nope FROM kv", pgerr.UndefinedColumn, `column "nope" does not exist`},
		{"SELECT k FROM kv a, kv b", pgerr.AmbiguousColumn, `column reference "k" is ambiguous`},
		{"SELECT k + 'x'::text FROM kv", pgerr.UndefinedFunction, ""},
		{"SELECT v, count(*) FROM kv", pgerr.GroupingError, `column "v" must appear in the GROUP BY clause or be used in an aggregate function`},
		{"SELECT (SELECT k FROM kv UNION ALL SELECT 2)", pgerr.CardinalityViolation, "more than one row returned by a subquery used as an expression"},
		{"SELECT 1/0", pgerr.DivisionByZero, ""},
		{"INSERT INTO kv VALUES (1, 'b', 1)", pgerr.UniqueViolation, `duplicate key value violates unique constraint "kv_pkey"`},
		{"INSERT INTO kv VALUES (2, 'a', 1)", pgerr.UniqueViolation, `duplicate key value violates unique constraint "kv_v_key"`},
		{"INSERT INTO kv (v) VALUES ('zz')", pgerr.NotNullViolation, `null value in column "k" of relation "kv" violates not-null constraint`},
		{"INSERT INTO nopk (s) VALUES ('abcd')", pgerr.StringDataRightTruncation, ""},
	}
	for _, c := range cases {
		_, _, _, err := h.query(c.sql)
		if err == nil {
			t.Errorf("%s: expected error %s", c.sql, c.code)
			continue
		}
		if pgerr.Code(err) != c.code || (c.msg != "" && err.Error() != c.msg) {
			t.Errorf("%s: got %s %q, want %s %q", c.sql, pgerr.Code(err), err.Error(), c.code, c.msg)
		}
	}
	_, _, _, err := h.query("INSERT INTO kv VALUES (1, 'b', 1)")
	if pe := pgerr.As(err); pe.Detail != "Key (k)=(1) already exists." {
		t.Errorf("detail = %q", pe.Detail)
	}
}

func TestPreparedPointLookup(t *testing.T) {
	h := newHarness(t)
	if _, _, _, err := h.query("INSERT INTO kv SELECT g, 'v' || g, g % 7 FROM generate_series(1, 200) g"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, _ := pg_query.Parse("SELECT v FROM kv WHERE k = $1")
	p, err := planner.Build(ctx, res.Stmts[0].Stmt, &planner.StaticEnv{Cat: h.cat})
	if err != nil {
		t.Fatal(err)
	}
	if p.ParamTypes[0] != types.Int8 {
		t.Fatalf("param type %v", p.ParamTypes[0])
	}
	for i := 1; i <= 200; i += 37 {
		tx := h.db.Begin(txn.Options{})
		r, err := exec.Run(ctx, p, exec.Runtime{Txn: tx, Params: []types.Datum{types.DInt(i)}})
		if err != nil {
			t.Fatal(err)
		}
		rows, err := r.All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0][0] != types.DString(fmt.Sprintf("v%d", i)) {
			t.Fatalf("k=%d: %v", i, rows)
		}
		tx.Rollback()
	}
}
