package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/conflux-db/conflux/internal/pgtest"
)

// TestLakePsql drives the real psql against the conflux binary with the
// scripts in testdata/lake. PostgreSQL has no lake tables, so the golden
// outputs (testdata/lake/*.out) come from a reviewed Conflux run
// (E2E_UPDATE_LAKE=1 regenerates them); the scripts show lake tables in
// psql's \d+ and \dt+ and the conflux_lake_* views, selecting only
// columns that are stable from run to run.
func TestLakePsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql not found in PATH (apt-get install postgresql-client)")
	}
	scripts, err := filepath.Glob(filepath.Join("testdata", "lake", "*.sql"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no testdata/lake/*.sql: %v", err)
	}
	sort.Strings(scripts)
	p := startConflux(t, pgtest.BuildConflux(t), t.TempDir())
	conn := p.connString()
	for _, script := range scripts {
		got := runPsql(t, psql, conn, script)
		golden := strings.TrimSuffix(script, ".sql") + ".out"
		if os.Getenv("E2E_UPDATE_LAKE") == "1" {
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
			t.Errorf("%s: psql output differs from the golden\n--- want\n%s\n--- got\n%s", filepath.Base(script), want, got)
		}
	}
}
