package exec_test

import (
	"context"
	"os"
	"strconv"
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/exec"
	"github.com/conflux-db/conflux/lake"
	"github.com/conflux-db/conflux/lake/objstore"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/storage"
	"github.com/conflux-db/conflux/txn"
)

// tpchLake is a lake table shaped like TPC-H's lineitem (the columns Q1,
// Q6, Q12, Q14 and Q19 read) plus small orders/part tables, filled with
// generate_series data, for profiling the lake read path.
type tpchLake struct {
	db   *txn.DB
	lake *lake.Store
	cat  *catalog.Snapshot
}

func newTPCHLake(tb testing.TB, rows int) *tpchLake {
	ctx := context.Background()
	e, err := storage.Open(ctx, "", storage.Options{InMemory: true})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { e.Close() })
	db, err := txn.Open(ctx, e)
	if err != nil {
		tb.Fatal(err)
	}
	ls := lake.New(db, objstore.NewMemory(), lake.Options{TempDir: tb.TempDir()})
	dec := types.Numeric.WithTypmod(types.NumericTypmod(15, 2))
	schemas := []*catalog.Schema{{ID: catalog.PublicSchemaID, Name: "public"}, {ID: catalog.PgCatalogSchemaID, Name: "pg_catalog"}}
	mk := func(id catalog.ID, name string, cols []catalog.Column) *catalog.Table {
		cols = append(cols, catalog.Column{ID: uint32(len(cols) + 1), Name: catalog.LakeRowIDColumn, Type: types.Bytea, Hidden: true})
		return &catalog.Table{ID: id, SchemaID: catalog.PublicSchemaID, Name: name, Kind: catalog.KindTable,
			Options: map[string]string{"format": "lake"}, Columns: cols,
			Primary: catalog.Index{ID: 1, Name: name + "_pkey", ColumnIDs: []uint32{uint32(len(cols))}, Unique: true, Primary: true}}
	}
	li := mk(300, "lineitem", []catalog.Column{
		{ID: 1, Name: "l_orderkey", Type: types.Int8},
		{ID: 2, Name: "l_partkey", Type: types.Int4},
		{ID: 3, Name: "l_quantity", Type: dec},
		{ID: 4, Name: "l_extendedprice", Type: dec},
		{ID: 5, Name: "l_discount", Type: dec},
		{ID: 6, Name: "l_tax", Type: dec},
		{ID: 7, Name: "l_returnflag", Type: types.BPChar.WithTypmod(1 + 4)},
		{ID: 8, Name: "l_linestatus", Type: types.BPChar.WithTypmod(1 + 4)},
		{ID: 9, Name: "l_shipdate", Type: types.Date},
		{ID: 10, Name: "l_shipmode", Type: types.BPChar.WithTypmod(10 + 4)},
	})
	ord := mk(301, "orders", []catalog.Column{
		{ID: 1, Name: "o_orderkey", Type: types.Int8},
		{ID: 2, Name: "o_orderpriority", Type: types.BPChar.WithTypmod(15 + 4)},
		{ID: 3, Name: "o_orderdate", Type: types.Date},
	})
	part := mk(302, "part", []catalog.Column{
		{ID: 1, Name: "p_partkey", Type: types.Int4},
		{ID: 2, Name: "p_type", Type: types.Varchar.WithTypmod(25 + 4)},
	})
	h := &tpchLake{db: db, lake: ls, cat: catalog.NewSnapshot(schemas, []*catalog.Table{li, ord, part}, nil, nil, nil)}
	orders := rows / 4
	h.exec(tb, "INSERT INTO lineitem SELECT i / 4, (i * 7) % "+strconv.Itoa(rows/30+1)+", (i % 50) + 1, ((i * 37) % 100000) + 900.5, (i % 11) * 0.01, (i % 9) * 0.01, "+
		"CASE i % 3 WHEN 0 THEN 'A' WHEN 1 THEN 'N' ELSE 'R' END, CASE i % 2 WHEN 0 THEN 'F' ELSE 'O' END, "+
		"DATE '1992-01-01' + (i % 2500), CASE i % 7 WHEN 0 THEN 'MAIL' WHEN 1 THEN 'SHIP' WHEN 2 THEN 'AIR' ELSE 'TRUCK' END FROM generate_series(0, "+strconv.Itoa(rows-1)+") AS i")
	h.exec(tb, "INSERT INTO orders SELECT i, CASE i % 5 WHEN 0 THEN '1-URGENT' WHEN 1 THEN '2-HIGH' ELSE '3-MEDIUM' END, DATE '1992-01-01' + (i % 2400) FROM generate_series(0, "+strconv.Itoa(orders-1)+") AS i")
	h.exec(tb, "INSERT INTO part SELECT i, CASE i % 4 WHEN 0 THEN 'PROMO BRUSHED' ELSE 'STANDARD' END FROM generate_series(0, "+strconv.Itoa(rows/30)+") AS i")
	return h
}

func (h *tpchLake) plan(sql string) (*planner.Plan, error) {
	res, err := pg_query.Parse(sql)
	if err != nil {
		return nil, err
	}
	return planner.Build(context.Background(), res.Stmts[0].Stmt, &planner.StaticEnv{Cat: h.cat})
}

func (h *tpchLake) run(sql string, rowOnly bool) ([]types.Row, *planner.Plan, error) {
	ctx := context.Background()
	p, err := h.plan(sql)
	if err != nil {
		return nil, nil, err
	}
	tx := h.db.Begin(txn.Options{})
	defer tx.Rollback()
	r, err := exec.Run(ctx, p, exec.Runtime{Txn: tx, Lake: h.lake, DB: h.db, RowOnly: rowOnly})
	if err != nil {
		return nil, nil, err
	}
	rows, err := r.All(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !p.ReturnsRows {
		return nil, p, tx.Commit(ctx)
	}
	return rows, p, nil
}

func (h *tpchLake) exec(tb testing.TB, sql string) {
	tb.Helper()
	if _, _, err := h.run(sql, false); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}

var tpchLakeQueries = []struct{ name, sql string }{
	{"Q1", `select l_returnflag, l_linestatus, sum(l_quantity) as sum_qty, sum(l_extendedprice) as sum_base_price,
	sum(l_extendedprice * (1 - l_discount)) as sum_disc_price, sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) as sum_charge,
	avg(l_quantity) as avg_qty, avg(l_extendedprice) as avg_price, avg(l_discount) as avg_disc, count(*) as count_order
	from lineitem where l_shipdate <= date '1998-12-01' - interval '90' day
	group by l_returnflag, l_linestatus order by l_returnflag, l_linestatus`},
	{"Q6", `select sum(l_extendedprice * l_discount) as revenue from lineitem
	where l_shipdate >= date '1994-01-01' and l_shipdate < date '1994-01-01' + interval '1' year
	and l_discount between 0.06 - 0.01 and 0.06 + 0.01 and l_quantity < 24`},
	{"Q12", `select l_shipmode, sum(case when o_orderpriority = '1-URGENT' or o_orderpriority = '2-HIGH' then 1 else 0 end) as high_line_count
	from orders, lineitem where o_orderkey = l_orderkey and l_shipmode in ('MAIL', 'SHIP')
	and l_shipdate >= date '1994-01-01' and l_shipdate < date '1995-01-01' group by l_shipmode order by l_shipmode`},
	{"Q14", `select 100.00 * sum(case when p_type like 'PROMO%' then l_extendedprice * (1 - l_discount) else 0 end)
	/ sum(l_extendedprice * (1 - l_discount)) as promo_revenue from lineitem, part
	where l_partkey = p_partkey and l_shipdate >= date '1995-09-01' and l_shipdate < date '1995-09-01' + interval '1' month`},
}

func tpchLakeRows(b *testing.B) int {
	if s := os.Getenv("TPCH_LAKE_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 200_000
}

// BenchmarkLakeTPCH runs TPC-H-shaped queries over lake tables (rows from
// TPCH_LAKE_ROWS, default 200k lineitems), vectorized and row at a time.
func BenchmarkLakeTPCH(b *testing.B) {
	n := tpchLakeRows(b)
	h := newTPCHLake(b, n)
	for _, q := range tpchLakeQueries {
		for _, mode := range []struct {
			name    string
			rowOnly bool
		}{{"vec", false}, {"row", true}} {
			b.Run(q.name+"/"+mode.name, func(b *testing.B) {
				if mode.rowOnly && os.Getenv("TPCH_LAKE_ROW") == "" {
					b.Skip("set TPCH_LAKE_ROW=1 to time the row engine")
				}
				for b.Loop() {
					if _, _, err := h.run(q.sql, mode.rowOnly); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e6, "Mrows/s")
			})
		}
	}
}

// TestLakeTPCHMatchesRowEngine: the TPC-H-shaped queries give the row
// engine's answers when vectorized.
func TestLakeTPCHMatchesRowEngine(t *testing.T) {
	h := newTPCHLake(t, 20_000)
	for _, q := range tpchLakeQueries {
		vec, p, err := h.run(q.sql, false)
		if err != nil {
			t.Fatalf("%s: %v", q.name, err)
		}
		row, _, err := h.run(q.sql, true)
		if err != nil {
			t.Fatalf("%s (row): %v", q.name, err)
		}
		if a, b := fmtRows(vec, p), fmtRows(row, p); a != b {
			t.Errorf("%s:\nvectorized %q\nrow        %q", q.name, a, b)
		} else if len(vec) == 0 {
			t.Errorf("%s: no rows", q.name)
		}
	}
}

func TestLakeTPCHExplain(t *testing.T) {
	if os.Getenv("TPCH_EXPLAIN") == "" {
		t.Skip()
	}
	h := newTPCHLake(t, 2000)
	for _, q := range tpchLakeQueries {
		rows, p, err := h.run("EXPLAIN "+q.sql, false)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s\n%s", q.name, fmtRows(rows, p))
	}
}
