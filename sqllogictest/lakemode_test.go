package sqllogictest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/conflux-db/conflux/lake"
	"github.com/conflux-db/conflux/sql"
)

// lakeModes are the configurations TestLakeMode runs the corpus in, one
// per place a row can live when it is read:
//
//   - inline: every INSERT is inlined in Pebble, nothing is flushed;
//   - direct: every INSERT writes its own Parquet file (DirectWriteRows 1),
//     so tables are many one-row files;
//   - background: multi-row INSERTs (3 rows or more) write files, smaller
//     ones are inlined, and the background loop flushes, optimizes and
//     vacuums every 20ms while the queries run;
//   - optimize: as background without the loop, plus VACUUM FULL before
//     the first query after writes, so queries read compacted files;
//   - partitioned: as background, with every table partitioned by its
//     first column (of a partitionable type), so scans prune partitions.
//
// The direct and partitioned modes are the slow ones (every scan of
// select1-3 opens about 30 files), so by default they run a fifth of
// select1-3's queries (all of the other files); set
// CONFLUX_SLT_LAKE_FULL=1 to run them all.
//
// layout says what the select files' tables must look like at their end
// (proving the mode put rows where it claims).
var lakeModes = []struct {
	name      string
	optimize  bool
	partition bool
	// sample > 1 runs only every sample-th query of select1-3 unless
	// lakeFullEnv is set (every statement still runs).
	sample int
	opts   lake.Options
	layout func(files, fileRows, rows int64) bool
}{
	{"inline", false, false, 1, lake.Options{MaintenanceInterval: time.Hour},
		func(files, fileRows, rows int64) bool { return files == 0 }},
	{"direct", false, false, 5, lake.Options{DirectWriteRows: 1, MaintenanceInterval: time.Hour},
		func(files, fileRows, rows int64) bool { return fileRows == rows && files == rows }},
	{"background", false, false, 1, lake.Options{DirectWriteRows: 3, InlineFlushRows: 4, FlushAge: 20 * time.Millisecond,
		TargetFileRows: 64, MaintenanceInterval: 20 * time.Millisecond},
		func(files, fileRows, rows int64) bool { return files > 0 }},
	{"optimize", true, false, 1, lake.Options{DirectWriteRows: 3, TargetFileRows: 64, MaintenanceInterval: time.Hour},
		func(files, fileRows, rows int64) bool { return fileRows == rows && files < rows }},
	{"partitioned", false, true, 5, lake.Options{DirectWriteRows: 2, InlineFlushRows: 4, FlushAge: 20 * time.Millisecond,
		TargetFileRows: 64, MaintenanceInterval: 20 * time.Millisecond},
		func(files, fileRows, rows int64) bool { return files > 1 }},
}

// lakeFullEnv makes TestLakeMode run every query in every mode.
const lakeFullEnv = "CONFLUX_SLT_LAKE_FULL"

func openLakeEngine(t *testing.T, opts lake.Options) *sql.Engine {
	t.Helper()
	e, err := sql.Open(context.Background(), sql.Config{InMemory: true, Lake: opts,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("open engine: %v", err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// lakeTally sums one mode's results over files.
type lakeTally struct {
	files, run, passed, failed, known, skipped int
	by                                         map[string]int
}

func (lt *lakeTally) add(res *FileResult, known int) {
	lt.files++
	lt.run += res.Passed + res.Failed
	lt.passed += res.Passed
	lt.failed += res.Failed
	lt.known += known
	lt.skipped += res.Skipped
	for k, v := range res.SkippedBy {
		lt.by[k] += v
	}
}

func (lt *lakeTally) String() string {
	modeSkips := 0
	var reasons []string
	for k, v := range lt.by {
		modeSkips += v
		reasons = append(reasons, fmt.Sprintf("    %5d  %s", v, k))
	}
	sort.Strings(reasons)
	s := fmt.Sprintf("%d files: %d records run, %d passed, %d failed (%d as on PostgreSQL), %d skipped (%d by skipif/onlyif, %d by lake mode)",
		lt.files, lt.run, lt.passed, lt.failed, lt.known, lt.skipped, lt.skipped-modeSkips, modeSkips)
	if len(reasons) > 0 {
		s += "\n" + strings.Join(reasons, "\n")
	}
	return s
}

// TestLakeMode runs the shared corpus (select1-3, evidence/) and the
// project's testdata/*.test on lake tables (see LakeMode), in process,
// against the same expected results as row tables; and testdata/lake/*.test
// (already on lake tables) in each storage layout.
func TestLakeMode(t *testing.T) {
	selects, evidence := corpusFiles(t)
	known, err := ReadKeyList(filepath.Join("testdata", "evidence-expected-failures.txt"))
	if err != nil {
		t.Fatal(err)
	}
	project := projectFiles(t)
	lakeFiles, err := filepath.Glob(filepath.Join("testdata", "lake", "*.test"))
	if err != nil {
		t.Fatal(err)
	}
	project = append(project, lakeFiles...)
	full := os.Getenv(lakeFullEnv) != ""
	for _, mode := range lakeModes {
		t.Run(mode.name, func(t *testing.T) {
			tally := &lakeTally{by: map[string]int{}}
			run := func(t *testing.T, path string, isSelect bool) *FileResult {
				keep := filepath.Base(filepath.Dir(path)) == "lake"
				ctx := context.Background()
				ex, err := NewEngineExecutor(ctx, openLakeEngine(t, mode.opts))
				if err != nil {
					t.Fatal(err)
				}
				defer ex.Close()
				f, err := parseFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if isSelect && mode.sample > 1 && !full {
					lakeSample(f, mode.sample)
				}
				res, err := (&Runner{Exec: ex, Mode: &LakeMode{Optimize: mode.optimize, Partition: mode.partition, KeepTables: keep}}).Run(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if isSelect {
					files, fileRows, rows := lakeLayout(t, ex)
					t.Logf("layout: %d rows, %d of them in %d files", rows, fileRows, files)
					if rows == 0 || !mode.layout(files, fileRows, rows) {
						t.Errorf("%s mode left %d rows, %d of them in %d files: not the layout it promises", mode.name, rows, fileRows, files)
					}
				}
				return res
			}
			for _, f := range selects {
				t.Run(filepath.Base(f), func(t *testing.T) {
					res := run(t, f, true)
					tally.add(res, 0)
					requireAllPass(t, res)
				})
			}
			for _, f := range append(evidence, project...) {
				name := filepath.Base(f)
				if d := filepath.Base(filepath.Dir(f)); d == "evidence" || d == "lake" {
					name = d + "/" + name
				}
				t.Run(name, func(t *testing.T) {
					res := run(t, f, false)
					n := countKnown(res, known)
					tally.add(res, n)
					t.Logf("%s: %d passed, %d failed (%d as on PostgreSQL), %d skipped %v",
						filepath.Base(f), res.Passed, res.Failed, n, res.Skipped, res.SkippedBy)
					bad := 0
					for _, fl := range res.Failures {
						if known[fl.Key()] {
							continue
						}
						if bad++; bad <= maxReported {
							t.Errorf("%s (passes on row tables)", fl)
						}
					}
					if bad > maxReported {
						t.Errorf("... and %d more failures", bad-maxReported)
					}
				})
			}
			t.Logf("%s mode: %s", mode.name, tally)
		})
	}
}

func parseFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return Parse(path, fh)
}

// lakeLayout counts the rows of every table in schema public and how many
// of them (and how many files) conflux_lake_files holds.
func lakeLayout(t *testing.T, ex Executor) (files, fileRows, rows int64) {
	t.Helper()
	ctx := context.Background()
	num := func(q string) int64 {
		res, err := ex.Query(ctx, q)
		if err != nil || len(res.Rows) != 1 {
			t.Fatalf("%s: %v", q, err)
		}
		var n int64
		fmt.Sscan(res.Rows[0][0].Text, &n)
		return n
	}
	files = num("SELECT count(*) FROM conflux_lake_files")
	fileRows = num("SELECT coalesce(sum(rows - deleted_rows), 0) FROM conflux_lake_files")
	res, err := ex.Query(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Rows {
		rows += num(fmt.Sprintf("SELECT count(*) FROM %q", r[0].Text))
	}
	return files, fileRows, rows
}

// lakeSample keeps every statement of f (they build the tables) and every
// n-th query.
func lakeSample(f *File, n int) {
	q := 0
	out := f.Records[:0]
	for _, r := range f.Records {
		if r.Kind == Query {
			if q++; q%n != 1 {
				continue
			}
		}
		out = append(out, r)
	}
	f.Records = out
}
