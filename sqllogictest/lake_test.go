package sqllogictest

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestLakeCorpus runs testdata/lake/*.test in process: statements on lake
// tables, which PostgreSQL cannot run (their expected results are the
// row-table results PostgreSQL gives for the same statements).
func TestLakeCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "lake", "*.test"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/lake/*.test files (%v)", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".test"), func(t *testing.T) {
			requireAllPass(t, runInProcess(t, f))
		})
	}
}
