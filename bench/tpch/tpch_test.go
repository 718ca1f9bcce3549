package tpch

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conflux-db/conflux/bench/internal/harness"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// defaultSF is the scale factor of the CI test: about 87,000 rows in
// all. TPCH_SF overrides it for experiments.
const defaultSF = 0.01

func testSF(t *testing.T) float64 {
	if s := os.Getenv("TPCH_SF"); s != "" {
		sf, err := strconv.ParseFloat(s, 64)
		if err != nil || sf <= 0 {
			t.Fatalf("TPCH_SF=%q: want a positive number", s)
		}
		return sf
	}
	return defaultSF
}

// queryTimeout bounds one query (statement_timeout, so the connection
// survives); at SF 0.01 every query should take well under a second, so
// hitting it means a plan without decorrelation or join reordering.
// TPCH_QUERY_TIMEOUT (a Go duration) overrides it for experiments at
// larger TPCH_SF, where PostgreSQL's own correlated subplans (Q17, Q20)
// take minutes.
func queryTimeout(t *testing.T) time.Duration {
	if s := os.Getenv("TPCH_QUERY_TIMEOUT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			t.Fatalf("TPCH_QUERY_TIMEOUT=%q: want a positive duration", s)
		}
		return d
	}
	return 60 * time.Second
}

// TestQueries loads SF 0.01 into PostgreSQL 15 (the oracle) and into
// Conflux, runs the 22 queries on both and compares the answers row for
// row (see sameResult for the rule), first on row tables, then on lake
// tables.
func TestQueries(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and Conflux")
	}
	ctx := context.Background()
	pg, err := harness.StartPostgres(ctx)
	if err != nil {
		if strings.Contains(err.Error(), "not found") {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	defer pg.Stop()
	cf, err := harness.StartConflux(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer cf.Stop()
	timeout := queryTimeout(t)
	pgc := connect(ctx, t, pg, timeout)
	cfc := connect(ctx, t, cf, timeout)

	sf := testSF(t)
	load(ctx, t, pgc, Row, sf)
	want := map[string]answer{}
	for _, q := range Queries {
		a := run(ctx, pgc, q, timeout)
		if a.err != nil {
			// At larger TPCH_SF PostgreSQL's own correlated subplans (Q17,
			// Q20) can time out; Conflux still runs, unchecked.
			t.Errorf("PostgreSQL %s: %v", q.Name, a.err)
		}
		want[q.Name] = a
	}

	for _, f := range []struct {
		name   string
		format Format
	}{{"row", Row}, {"lake", Lake}} {
		t.Run(f.name, func(t *testing.T) {
			for _, table := range Tables {
				if _, err := cfc.Exec(ctx, "DROP TABLE IF EXISTS "+table); err != nil {
					t.Fatal(err)
				}
			}
			if f.format == Lake {
				ddl, _ := CreateTable("region", Lake)
				if _, err := cfc.Exec(ctx, ddl); err != nil {
					t.Skipf("lake tables are not available yet: %v", err)
				}
				if _, err := cfc.Exec(ctx, "DROP TABLE region"); err != nil {
					t.Fatal(err)
				}
			}
			start := time.Now()
			load(ctx, t, cfc, f.format, sf)
			t.Logf("Conflux %s tables loaded in %v", f.name, time.Since(start).Round(time.Millisecond))
			var report strings.Builder
			fmt.Fprintf(&report, "%-4s %12s %12s  %s\n", "", "postgresql", "conflux", "result")
			for _, q := range Queries {
				got := run(ctx, cfc, q, timeout)
				status := "ok"
				if got.err != nil {
					status = got.err.Error()
					t.Errorf("%s: %v", q.Name, got.err)
				} else if want[q.Name].err != nil {
					status = "unchecked: no answer from PostgreSQL"
				} else if err := sameResult(want[q.Name], got); err != nil {
					status = "WRONG: " + err.Error()
					t.Errorf("%s: %v", q.Name, err)
				}
				fmt.Fprintf(&report, "%-4s %12v %12v  %s\n", q.Name, want[q.Name].took.Round(time.Millisecond), got.took.Round(time.Millisecond), firstLine(status))
			}
			t.Logf("SF %v, %s tables:\n%s", sf, f.name, report.String())
		})
	}
}

func connect(ctx context.Context, t *testing.T, s *harness.Server, timeout time.Duration) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(ctx, s.ConnStr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, fmt.Sprintf("SET statement_timeout = %d", timeout.Milliseconds())); err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

func load(ctx context.Context, t *testing.T, c *pgx.Conn, f Format, sf float64) {
	t.Helper()
	if err := CreateTables(ctx, c, f); err != nil {
		t.Fatal(err)
	}
	if err := Load(ctx, c, sf); err != nil {
		t.Fatal(err)
	}
	for _, table := range Tables {
		// PostgreSQL plans better with statistics; Conflux may lack ANALYZE.
		c.Exec(ctx, "ANALYZE "+table)
	}
}

// answer is a query's result in text format with the column types.
type answer struct {
	oids []uint32
	rows [][]string
	took time.Duration
	err  error
}

func run(ctx context.Context, c *pgx.Conn, q Query, timeout time.Duration) answer {
	// statement_timeout cancels first; the context is a backstop for a
	// server that ignores it (cancelling it closes the connection).
	ctx, cancel := context.WithTimeout(ctx, timeout+30*time.Second)
	defer cancel()
	start := time.Now()
	results, err := c.PgConn().Exec(ctx, q.SQL).ReadAll()
	a := answer{took: time.Since(start)}
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "57014" || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("timed out after %v", timeout)
		}
		a.err = err
		return a
	}
	r := results[len(results)-1]
	for _, fd := range r.FieldDescriptions {
		a.oids = append(a.oids, fd.DataTypeOID)
	}
	for _, row := range r.Rows {
		vals := make([]string, len(row))
		for i, v := range row {
			if v == nil {
				vals[i] = "NULL"
			} else {
				vals[i] = string(v)
			}
		}
		a.rows = append(a.rows, vals)
	}
	return a
}

// OIDs whose values are compared by value rather than by text.
const (
	oidFloat4  = 700
	oidFloat8  = 701
	oidNumeric = 1700
)

// floatTolerance is the relative difference allowed between float
// values: the systems may sum in different orders.
const floatTolerance = 1e-9

// sameResult compares Conflux's answer with PostgreSQL's. Both must have
// the same column types and the same rows in the same order (every query
// orders its result completely or returns one row). Values compare by
// their text, except numeric, which compares by exact decimal value (so
// 1.50 = 1.5), and float4/float8, which compare with a relative
// tolerance of 1e-9.
func sameResult(want, got answer) error {
	if len(want.oids) != len(got.oids) {
		return fmt.Errorf("%d columns, want %d", len(got.oids), len(want.oids))
	}
	for i := range want.oids {
		if want.oids[i] != got.oids[i] {
			return fmt.Errorf("column %d has type oid %d, want %d", i+1, got.oids[i], want.oids[i])
		}
	}
	for i := 0; i < len(want.rows) && i < len(got.rows); i++ {
		for j, w := range want.rows[i] {
			if g := got.rows[i][j]; !sameValue(want.oids[j], w, g) {
				return fmt.Errorf("row %d column %d: got %q, want %q\n got row:  %v\n want row: %v", i+1, j+1, g, w, got.rows[i], want.rows[i])
			}
		}
	}
	if len(want.rows) != len(got.rows) {
		return fmt.Errorf("%d rows, want %d", len(got.rows), len(want.rows))
	}
	return nil
}

func sameValue(oid uint32, want, got string) bool {
	if want == got {
		return true
	}
	switch oid {
	case oidNumeric:
		w, ok1 := new(big.Rat).SetString(want)
		g, ok2 := new(big.Rat).SetString(got)
		return ok1 && ok2 && w.Cmp(g) == 0
	case oidFloat4, oidFloat8:
		w, err1 := strconv.ParseFloat(want, 64)
		g, err2 := strconv.ParseFloat(got, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		return math.Abs(w-g) <= floatTolerance*math.Max(math.Abs(w), math.Abs(g))
	}
	return false
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
