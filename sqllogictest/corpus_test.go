package sqllogictest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conflux-db/conflux/internal/pgtest"
)

// maxReported bounds the failures printed per file; the count is always
// reported.
const maxReported = 25

func runInProcess(t *testing.T, path string) *FileResult {
	t.Helper()
	ctx := context.Background()
	ex, err := NewEngineExecutor(ctx, pgtest.OpenEngine(t))
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	res, err := (&Runner{Exec: ex}).RunFile(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// requireAllPass fails the test for every failure (printing the first
// few) and logs the per-file counts.
func requireAllPass(t *testing.T, res *FileResult) {
	t.Helper()
	t.Logf("%s: %d passed, %d failed, %d skipped", filepath.Base(res.File), res.Passed, res.Failed, res.Skipped)
	for i, f := range res.Failures {
		if i == maxReported {
			t.Errorf("... and %d more failures", len(res.Failures)-maxReported)
			break
		}
		t.Errorf("%s", f)
	}
}

// TestCorpus runs SQLite's select1-3 (every record must pass, as on
// PostgreSQL 15) and evidence/*.test (failures must be exactly those
// PostgreSQL 15 has, listed in testdata/evidence-expected-failures.txt)
// on the in-process engine.
func TestCorpus(t *testing.T) {
	selects, evidence := corpusFiles(t)
	for _, f := range selects {
		t.Run(filepath.Base(f), func(t *testing.T) {
			requireAllPass(t, runInProcess(t, f))
		})
	}
	known, err := ReadKeyList(filepath.Join("testdata", "evidence-expected-failures.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range evidence {
		t.Run("evidence/"+filepath.Base(f), func(t *testing.T) {
			res := runInProcess(t, f)
			t.Logf("%s: %d passed, %d failed (%d as on PostgreSQL), %d skipped",
				filepath.Base(f), res.Passed, res.Failed, countKnown(res, known), res.Skipped)
			n := 0
			for _, fl := range res.Failures {
				if known[fl.Key()] {
					continue
				}
				if n++; n <= maxReported {
					t.Errorf("%s (PostgreSQL 15 passes this record)", fl)
				}
			}
			if n > maxReported {
				t.Errorf("... and %d more failures", n-maxReported)
			}
		})
	}
}

func countKnown(res *FileResult, known map[string]bool) int {
	n := 0
	for _, f := range res.Failures {
		if known[f.Key()] {
			n++
		}
	}
	return n
}

// TestCorpusWire runs select1.test through the wire server with pgx's
// simple protocol. The other files run only in process, to keep the
// suite fast; the wire path's formatting is the same code.
func TestCorpusWire(t *testing.T) {
	selects, _ := corpusFiles(t)
	res := runWire(t, pgtest.StartConflux(t), selects[0], false)
	requireAllPass(t, res)
}

// TestProjectCorpus runs testdata/*.test, whose expected results come
// from PostgreSQL 15, in process and over the wire.
func TestProjectCorpus(t *testing.T) {
	for _, f := range projectFiles(t) {
		name := strings.TrimSuffix(filepath.Base(f), ".test")
		t.Run(name+"/inprocess", func(t *testing.T) {
			requireAllPass(t, runInProcess(t, f))
		})
		t.Run(name+"/wire", func(t *testing.T) {
			requireAllPass(t, runWire(t, pgtest.StartConflux(t), f, false))
		})
	}
}
