package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/conflux-db/conflux/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

// psqlNormalizations are applied to both Conflux's and PostgreSQL's psql
// output before comparing. Each entry is a place where the two may
// legitimately differ:
//
//   - \timing prints the elapsed time, which varies run to run.
//   - \watch titles each run with the current time.
//
// Other legitimate differences are removed on the PostgreSQL side when
// the expected outputs are generated (E2E_UPDATE=1), so the .out files
// stay exactly what a real PostgreSQL 15 prints (see matchConflux):
//
//   - Conflux serves one database, postgres; PostgreSQL also has
//     template0 and template1, which \l would list. The reference server
//     drops them before the scripts run.
var psqlNormalizations = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`(?m)^Time: [0-9.]+ ms.*$`), "Time: <elapsed>"},
	{regexp.MustCompile(`(?m)^\w{3} \w{3} [ 0-9]\d \d\d:\d\d:\d\d \d{4} \(every ([0-9.]+)s\)$`), "<now> (every ${1}s)"},
}

func normalizePsql(s string) string {
	for _, n := range psqlNormalizations {
		s = n.re.ReplaceAllString(s, n.repl)
	}
	return s
}

// runPsql feeds script to psql on stdin (so error lines read
// "psql:<stdin>:N:" on every machine) and returns its combined output
// plus the exit status line.
func runPsql(t *testing.T, psql, conn, script string) string {
	t.Helper()
	in, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(psql, "-X", "-v", "ON_ERROR_STOP=1", conn)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "PAGER=", "PSQL_PAGER=", "PGTZ=UTC", "PGCLIENTENCODING=UTF8")
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err = cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("psql: %v", err)
	}
	return normalizePsql(out.String()) + "-- psql exit status " + string(rune('0'+code)) + "\n"
}

func psqlScripts(t *testing.T) []string {
	t.Helper()
	s, err := filepath.Glob(filepath.Join("testdata", "psql", "*.sql"))
	if err != nil || len(s) == 0 {
		t.Fatalf("no testdata/psql/*.sql: %v", err)
	}
	sort.Strings(s)
	return s
}

// TestPsql drives the real psql against the conflux binary with the
// scripts in testdata/psql, in order on one server, and compares the
// output with PostgreSQL 15's (testdata/psql/*.out; E2E_UPDATE=1
// regenerates them from a real PostgreSQL).
func TestPsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql not found in PATH (apt-get install postgresql-client)")
	}
	scripts := psqlScripts(t)
	var conn string
	if update {
		conn = pgtest.StartPostgres(t)
		matchConflux(t, conn)
	} else {
		p := startConflux(t, pgtest.BuildConflux(t), t.TempDir())
		conn = p.connString()
	}
	for _, script := range scripts {
		got := runPsql(t, psql, conn, script)
		golden := strings.TrimSuffix(script, ".sql") + ".out"
		if update {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if got != normalizePsql(string(want)) {
			t.Errorf("%s: psql output differs from PostgreSQL 15's\n--- want\n%s\n--- got\n%s", filepath.Base(script), want, got)
		}
	}
}

// matchConflux makes a fresh PostgreSQL reference server look like a
// fresh Conflux where the two legitimately differ (see
// psqlNormalizations' comment).
func matchConflux(t *testing.T, conn string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, q := range []string{
		"UPDATE pg_database SET datistemplate = false WHERE datname IN ('template0', 'template1')",
		"DROP DATABASE template0",
		"DROP DATABASE template1",
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// TestRestart writes rows, stops the server with SIGTERM, starts it
// again on the same data directory and reads the rows back.
func TestRestart(t *testing.T) {
	bin := pgtest.BuildConflux(t)
	dir := t.TempDir()
	ctx := context.Background()

	p := startConflux(t, bin, dir)
	c, err := pgx.Connect(ctx, p.connString())
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE TABLE durable (k int PRIMARY KEY, v text)",
		"INSERT INTO durable SELECT g, 'v' || g FROM generate_series(1, 1000) g",
		"UPDATE durable SET v = 'updated' WHERE k = 7",
		"DELETE FROM durable WHERE k > 990",
	} {
		if _, err := c.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	_ = c.Close(ctx)
	p.stop(t)

	p = startConflux(t, bin, dir)
	c, err = pgx.Connect(ctx, p.connString())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var n, sum int
	var v string
	if err := c.QueryRow(ctx, "SELECT count(*), sum(k) FROM durable").Scan(&n, &sum); err != nil {
		t.Fatal(err)
	}
	if err := c.QueryRow(ctx, "SELECT v FROM durable WHERE k = 7").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if n != 990 || sum != 990*991/2 || v != "updated" {
		t.Fatalf("after restart: count %d sum %d v %q, want 990 %d updated", n, sum, v, 990*991/2)
	}
	p.stop(t)
}
