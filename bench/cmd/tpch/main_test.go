package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/conflux-db/conflux/bench/internal/harness"
	"github.com/conflux-db/conflux/bench/tpch"
)

// TestSmoke runs the whole benchmark at SF 0.01 with one run per query:
// it builds and starts Conflux and takes minutes (queries with correlated
// subqueries are slow on Conflux so far), so it is skipped unless
// BENCH_SMOKE=1 and needs a longer -timeout:
//
//	cd bench && BENCH_SMOKE=1 go test -timeout 60m -run TestSmoke -v ./cmd/tpch
func TestSmoke(t *testing.T) {
	if os.Getenv("BENCH_SMOKE") != "1" {
		t.Skip("set BENCH_SMOKE=1 to run TPC-H SF 0.01 on Conflux lake tables and DuckDB")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 55*time.Minute)
	defer cancel()
	rep, err := run(ctx, config{sf: 0.01, runs: 1, timeout: 15 * time.Minute}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	rep.print(&b)
	t.Log(b.String())
	if len(rep.queries) != 22 {
		t.Fatalf("%d queries ran, want 22", len(rep.queries))
	}
	for _, q := range rep.queries {
		if q.confluxErr != nil || q.duckErr != nil || !strings.HasPrefix(q.match, "yes") {
			t.Errorf("%s: conflux err %v, duckdb err %v, same answer: %s", q.name, q.confluxErr, q.duckErr, q.match)
		}
	}
}

func TestParseQueries(t *testing.T) {
	got, err := parseQueries(" 1, q6,Q14 ,")
	if err != nil || !slices.Equal(got, []string{"Q1", "Q6", "Q14"}) {
		t.Fatalf("parseQueries = %v, %v", got, err)
	}
	for _, bad := range []string{"0", "23", "Q1x", "x", "01"} {
		if _, err := parseQueries(bad); err == nil {
			t.Errorf("parseQueries(%q) succeeded", bad)
		}
	}
}

func TestCompare(t *testing.T) {
	num := func(v int64, exp int32) pgtype.Numeric {
		return pgtype.Numeric{Int: big.NewInt(v), Exp: exp, Valid: true}
	}
	dec := func(v int64, scale uint8) duckdb.Decimal {
		return duckdb.Decimal{Width: 18, Scale: scale, Value: big.NewInt(v)}
	}
	day := time.Date(1995, 3, 15, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		pg, dk [][]any
		want   string
	}{
		{"same", [][]any{{"A", num(2550000000001, -12), int64(3), day}}, [][]any{{"A", 2.550000000001, int64(3), day}}, "yes"},
		{"char padding", [][]any{{"EUROPE   ", num(5, 0)}}, [][]any{{"EUROPE", dec(500, 2)}}, "yes"},
		{"ties reordered", [][]any{{"a", int64(1)}, {"b", int64(1)}}, [][]any{{"b", int64(1)}, {"a", int64(1)}}, "yes (unordered)"},
		{"row count", [][]any{{"a"}}, nil, "NO: 1 rows vs 0"},
		{"value", [][]any{{"a", num(5, 0)}}, [][]any{{"a", dec(501, 2)}}, "NO: row 0: (a, 5) vs (a, 5.01)"},
	} {
		if got := compare(tc.pg, tc.dk); got != tc.want {
			t.Errorf("%s: compare = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{3, 1, 2}, 2},
		{[]time.Duration{4, 1, 2, 3}, 2},
	} {
		if got := median(tc.in); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestCharColumns(t *testing.T) {
	if got, want := charColumns("lineitem"), []string{"l_returnflag", "l_linestatus", "l_shipinstruct", "l_shipmode"}; !slices.Equal(got, want) {
		t.Fatalf("charColumns(lineitem) = %v, want %v", got, want)
	}
	if got := charColumns("nope"); got != nil {
		t.Fatalf("charColumns(nope) = %v", got)
	}
}

// TestDuckDBDialect runs the 22 queries, written in PostgreSQL dialect, on
// DuckDB over Parquet files of SF 0.01 data that DuckDB itself wrote: the
// DuckDB half of the benchmark must not fail on syntax, whatever state
// Conflux's lake tables are in.
func TestDuckDBDialect(t *testing.T) {
	if testing.Short() {
		t.Skip("generates SF 0.01")
	}
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dir := t.TempDir()
	for _, table := range tpch.Tables {
		txt := filepath.Join(dir, table+".tbl")
		f, err := os.Create(txt)
		if err != nil {
			t.Fatal(err)
		}
		if err := tpch.Generate(0.01, table, f); err != nil {
			t.Fatal(err)
		}
		f.Close()
		ddl, _ := tpch.CreateTable(table, tpch.Row)
		pq := filepath.Join(dir, table+".parquet")
		for _, q := range []string{
			ddl,
			fmt.Sprintf("COPY %s FROM %s (FORMAT csv, DELIMITER '\t', HEADER false)", table, quote(txt)),
			fmt.Sprintf("COPY %s TO %s (FORMAT parquet)", table, quote(pq)),
			"DROP TABLE " + table,
		} {
			if _, err := db.ExecContext(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if err := createView(ctx, db, tableLoad{name: table, files: []string{pq}}); err != nil {
			t.Fatal(err)
		}
	}
	// PostgreSQL, when installed, stands in for Conflux (same dialect,
	// same result types): the answer comparison must accept the two
	// engines' legitimately different types.
	var conn *pgx.Conn
	if srv, err := harness.StartPostgres(ctx); err != nil {
		t.Logf("no PostgreSQL, checking DuckDB syntax only: %v", err)
	} else {
		defer srv.Stop()
		if conn, err = pgx.Connect(ctx, srv.ConnStr); err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if err := tpch.CreateTables(ctx, conn, tpch.Row); err != nil {
			t.Fatal(err)
		}
		if err := tpch.Load(ctx, conn, 0.01); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range tpch.Queries {
		ans, err := duckAll(ctx, db, q.SQL)
		if err != nil {
			t.Errorf("%s on DuckDB: %v", q.Name, err)
			continue
		}
		if conn == nil {
			continue
		}
		want, err := pgAll(ctx, conn, q.SQL)
		if err != nil {
			t.Errorf("%s on PostgreSQL: %v", q.Name, err)
			continue
		}
		m := compare(want, ans)
		if !strings.HasPrefix(m, "yes") {
			t.Errorf("%s: PostgreSQL and DuckDB answers differ: %s", q.Name, m)
		}
		t.Logf("%s: %d rows, same answer: %s", q.Name, len(want), m)
	}
}
