// Command tpch runs TPC-H on Conflux lake tables and on DuckDB reading the
// very Parquet files Conflux wrote, on the same machine in one run, and
// prints load times, each query's median time on both, their ratio, and
// the total ratio (issue 4's goal: Conflux total <= 3x DuckDB).
//
//	cd bench && go run ./cmd/tpch [-sf 1] [-runs 3] [-queries 1,6,14] [-export]
//
// The data comes from package tpch's generator, loaded with COPY into lake
// tables. DuckDB then queries views over read_parquet of the files found
// in Conflux's data directory (<data-dir>/lake), matched to tables by their
// column names and checked against Conflux's row counts; a table whose
// files cannot be matched that way (rows still inlined in Pebble, or a
// compaction's superseded files not yet vacuumed) is exported with
// COPY ... TO (FORMAT parquet) instead, and the report says which. Both
// engines must return the same answers (compared value by value, numbers
// to a relative 1e-6, since avg is numeric in one and double in the
// other): a query whose answers differ is flagged, because a fast wrong
// answer is no benchmark.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"time"
)

func main() {
	var cfg config
	flag.Float64Var(&cfg.sf, "sf", 1, "TPC-H scale factor")
	flag.IntVar(&cfg.runs, "runs", 3, "runs of each query on each system (the median is reported)")
	queries := flag.String("queries", "", "comma-separated query numbers or names (1,6 or Q1,Q6); all 22 when empty")
	flag.BoolVar(&cfg.export, "export", false, "always export tables with COPY ... TO parquet instead of reading Conflux's own files")
	flag.DurationVar(&cfg.timeout, "timeout", 30*time.Minute, "per-query time limit on each system")
	flag.Parse()
	var err error
	if cfg.queries, err = parseQueries(*queries); err != nil {
		log.Fatal(err)
	}
	if cfg.runs < 1 {
		log.Fatal("-runs must be at least 1")
	}
	rep, err := run(context.Background(), cfg, log.Printf)
	if err != nil {
		log.Fatal(err)
	}
	rep.print(os.Stdout)
}

// config is one benchmark run's parameters.
type config struct {
	sf      float64
	runs    int
	queries []string // names ("Q6"); all when empty
	export  bool
	timeout time.Duration
}

// parseQueries turns "1, q6,Q14" into query names.
func parseQueries(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.ToUpper(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		f = strings.TrimPrefix(f, "Q")
		var n int
		if _, err := fmt.Sscanf(f, "%d", &n); err != nil || n < 1 || n > 22 || fmt.Sprint(n) != f {
			return nil, fmt.Errorf("bad -queries entry %q: want 1..22", f)
		}
		out = append(out, fmt.Sprintf("Q%d", n))
	}
	return out, nil
}
