// Command txoverhead measures what wrapping work in a multi-table
// transaction costs: N clients each insert one row into each of 10
// tables, either as 10 autocommit INSERTs (10 transactions) or as the
// same 10 INSERTs between BEGIN and COMMIT (one transaction), against
// Conflux and PostgreSQL 15 on the same machine in one run. Conflux is
// measured twice: on primary-key row tables and on lake tables (WITH
// (format = 'lake'), no key; small inserts are inlined in Pebble and
// flushed to Parquet in the background during the run, in both modes
// alike). PostgreSQL has no lake tables, so it is measured on row tables
// only; each kind gets its own pair of tables in the output.
//
//	cd bench && go run ./cmd/txoverhead [-clients 8] [-duration 4s] [-reps 3] [-sync off,on] [-kinds row,lake] [-only conflux]
//
// With synchronous_commit = on the comparison is dominated by commits:
// autocommit waits for 10 WAL flushes per 10 rows, the transaction for
// one, so the transaction wins by a wide margin and says nothing about
// the transaction machinery. With synchronous_commit = off neither waits
// for a flush, and the difference is what the issue means by overhead:
// BEGIN/COMMIT round trips, buffering the writes, locking, and writing
// one multi-table batch instead of ten single-row ones. Both settings
// are measured and reported.
//
// overhead = (txn time per row - autocommit time per row) / autocommit
// time per row, where time per row is wall time over rows inserted by
// all clients (the inverse of throughput). Repetitions alternate the
// order of the two modes (ABBA) so drift, such as tables growing, hits
// both alike; each repetition's pair gives one overhead, and the table
// shows the median with the range. On a shared machine wall time swings
// with other processes' load, so the table also gives the overhead in
// server CPU time per row (Conflux only), computed the same way.
//
// To profile the Conflux server during a run, set CONFLUX_PPROF=127.0.0.1:6060
// (the server inherits the environment) and fetch
// http://127.0.0.1:6060/debug/pprof/profile?seconds=5 while it runs.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/conflux-db/conflux/bench/internal/harness"
)

const (
	modeAuto = "autocommit"
	modeTxn  = "txn"
)

// sample is one timed run of one mode.
type sample struct {
	rows     int64
	elapsed  time.Duration
	p50, p99 time.Duration // per statement (BEGIN and COMMIT included)
	unitP99  time.Duration // per 10 rows (one unit of work)
	cpu      time.Duration // server CPU during the run
}

func (s sample) perRow() float64 { return s.elapsed.Seconds() / float64(max(s.rows, 1)) }

// cpuPerRow is server CPU seconds per row: unlike wall time it barely
// moves when other processes load the machine.
func (s sample) cpuPerRow() float64 { return s.cpu.Seconds() / float64(max(s.rows, 1)) }

// Table kinds.
const (
	kindRow  = "row"
	kindLake = "lake"
)

// cell is every repetition of one system, table kind, sync setting and mode.
type cell struct {
	system, kind, sync, mode string
	reps                     []sample
}

func main() {
	clients := flag.Int("clients", 8, "concurrent clients")
	duration := flag.Duration("duration", 4*time.Second, "measurement time of each run")
	reps := flag.Int("reps", 3, "repetitions of each (system, sync, mode)")
	tables := flag.Int("tables", 10, "tables per unit of work (one row each)")
	syncList := flag.String("sync", "off,on", "synchronous_commit settings to measure")
	only := flag.String("only", "", "run just this system (conflux or postgresql); both when empty")
	kindList := flag.String("kinds", "row,lake", "table kinds to measure on Conflux (row, lake); PostgreSQL runs row only")
	flag.Parse()
	ctx := context.Background()
	syncs := strings.Split(*syncList, ",")
	for _, s := range syncs {
		if s != "on" && s != "off" {
			log.Fatalf("bad -sync entry %q", s)
		}
	}
	kinds := strings.Split(*kindList, ",")
	for _, k := range kinds {
		if k != kindRow && k != kindLake {
			log.Fatalf("bad -kinds entry %q", k)
		}
	}

	starts := map[string]func(context.Context) (*harness.Server, error){
		"conflux": harness.StartConflux,
		"postgresql": func(ctx context.Context) (*harness.Server, error) {
			return harness.StartPostgres(ctx, "fsync=on", "max_connections=200")
		},
	}
	var cells []*cell
	notes := map[string]string{}
	for _, name := range []string{"conflux", "postgresql"} {
		if *only != "" && *only != name {
			continue
		}
		srvKinds := kinds
		if name == "postgresql" {
			if !slices.Contains(kinds, kindRow) {
				continue
			}
			srvKinds = []string{kindRow}
		}
		srv, err := starts[name](ctx)
		if err != nil {
			log.Fatal(err)
		}
		for _, k := range srvKinds {
			cs, note, err := measure(ctx, srv, k, *clients, *tables, *reps, *duration, syncs)
			if err != nil {
				srv.Stop()
				log.Fatalf("%s, %s tables: %v", name, k, err)
			}
			cells = append(cells, cs...)
			if note != "" {
				notes[name] = note
			}
		}
		srv.Stop()
	}
	report(os.Stdout, cells, *clients, *tables, *reps, *duration)
	for _, name := range []string{"conflux", "postgresql"} {
		if n, ok := notes[name]; ok {
			fmt.Printf("note (%s): %s\n", name, n)
		}
	}
}

// tableName is the name of table t of a kind.
func tableName(kind string, t int) string {
	if kind == kindLake {
		return fmt.Sprintf("txo_lake_%d", t)
	}
	return fmt.Sprintf("txo_%d", t)
}

// createTable is the DDL of table t of a kind. Lake tables have no
// primary key (ids stay unique by construction).
func createTable(kind string, t int) string {
	if kind == kindLake {
		return fmt.Sprintf(`CREATE TABLE %s (id bigint NOT NULL, k bigint NOT NULL, v text, ts timestamptz) WITH (format = 'lake')`, tableName(kind, t))
	}
	return fmt.Sprintf(`CREATE TABLE %s (id bigint PRIMARY KEY, k bigint NOT NULL, v text, ts timestamptz)`, tableName(kind, t))
}

// measure creates the tables of one kind and runs every (sync, mode,
// rep) on one set of connections.
func measure(ctx context.Context, srv *harness.Server, kind string, clients, tables, reps int, d time.Duration, syncs []string) ([]*cell, string, error) {
	conns := make([]*pgx.Conn, clients)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close(ctx)
			}
		}
	}()
	for i := range conns {
		c, err := pgx.Connect(ctx, srv.ConnStr)
		if err != nil {
			return nil, "", err
		}
		conns[i] = c
	}
	for t := range tables {
		for _, q := range []string{
			`DROP TABLE IF EXISTS ` + tableName(kind, t),
			createTable(kind, t),
		} {
			if _, err := conns[0].Exec(ctx, q); err != nil {
				return nil, "", fmt.Errorf("%s: %w", q, err)
			}
		}
	}
	var note string
	var nextID atomic.Int64 // ids are unique across every run
	var cells []*cell
	for _, sc := range syncs {
		for _, c := range conns {
			if _, err := c.Exec(ctx, "SET synchronous_commit = "+sc); err != nil {
				note = fmt.Sprintf("SET synchronous_commit = %s failed (%v); measured with the server default", sc, err)
				break
			}
		}
		auto := &cell{system: srv.Name, kind: kind, sync: sc, mode: modeAuto}
		txn := &cell{system: srv.Name, kind: kind, sync: sc, mode: modeTxn}
		// Warm up: plans cached on every connection, the first flushes
		// of the tables done.
		if _, err := run(ctx, srv, conns, kind, tables, modeAuto, time.Second, &nextID); err != nil {
			return nil, note, err
		}
		if _, err := run(ctx, srv, conns, kind, tables, modeTxn, time.Second, &nextID); err != nil {
			return nil, note, err
		}
		for r := range reps {
			order := []*cell{auto, txn}
			if r%2 == 1 {
				order = []*cell{txn, auto}
			}
			for _, c := range order {
				log.Printf("%s, %s tables: synchronous_commit=%s %s rep %d/%d, %d clients, %s", srv.Name, kind, sc, c.mode, r+1, reps, len(conns), d)
				s, err := run(ctx, srv, conns, kind, tables, c.mode, d, &nextID)
				if err != nil {
					return nil, note, fmt.Errorf("synchronous_commit=%s %s: %w", sc, c.mode, err)
				}
				log.Printf("  %.0f rows/s, server CPU %.1fµs/row", float64(s.rows)/s.elapsed.Seconds(), 1e6*s.cpuPerRow())
				c.reps = append(c.reps, s)
			}
		}
		cells = append(cells, auto, txn)
	}
	return cells, note, nil
}

// run has every connection insert units of one row per table until d
// has passed.
func run(ctx context.Context, srv *harness.Server, conns []*pgx.Conn, kind string, tables int, mode string, d time.Duration, nextID *atomic.Int64) (sample, error) {
	inserts := make([]string, tables)
	for t := range inserts {
		inserts[t] = fmt.Sprintf(`INSERT INTO %s (id, k, v, ts) VALUES ($1, $2, $3, $4)`, tableName(kind, t))
	}
	var (
		mu       sync.Mutex
		stmtLat  []time.Duration
		unitLat  []time.Duration
		rows     int64
		firstErr error
		wg       sync.WaitGroup
	)
	cpu0 := srv.CPUTime()
	start := time.Now()
	deadline := start.Add(d)
	for _, c := range conns {
		wg.Go(func() {
			var sl, ul []time.Duration
			var n int64
			now := time.Now()
			err := func() error {
				for time.Now().Before(deadline) {
					id := nextID.Add(1)
					u0 := time.Now()
					exec := func(q string, args ...any) error {
						t0 := time.Now()
						_, err := c.Exec(ctx, q, args...)
						sl = append(sl, time.Since(t0))
						return err
					}
					if mode == modeTxn {
						if err := exec("BEGIN"); err != nil {
							return err
						}
					}
					for _, q := range inserts {
						if err := exec(q, id, id%1000, "payload", now); err != nil {
							if mode == modeTxn {
								_, _ = c.Exec(ctx, "ROLLBACK")
							}
							return err
						}
					}
					if mode == modeTxn {
						if err := exec("COMMIT"); err != nil {
							return err
						}
					}
					ul = append(ul, time.Since(u0))
					n += int64(len(inserts))
				}
				return nil
			}()
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			stmtLat = append(stmtLat, sl...)
			unitLat = append(unitLat, ul...)
			rows += n
		})
	}
	wg.Wait()
	// Connections stay open, so PostgreSQL's backends are still there to
	// be counted.
	s := sample{rows: rows, elapsed: time.Since(start), cpu: srv.CPUTime() - cpu0}
	if firstErr != nil {
		return s, firstErr
	}
	slices.Sort(stmtLat)
	slices.Sort(unitLat)
	s.p50, s.p99, s.unitP99 = percentile(stmtLat, 0.50), percentile(stmtLat, 0.99), percentile(unitLat, 0.99)
	return s, nil
}

// percentile of sorted durations (nearest rank below).
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(float64(len(sorted)-1)*p)]
}

// median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

func medianDur(ss []sample, f func(sample) time.Duration) time.Duration {
	xs := make([]float64, len(ss))
	for i, s := range ss {
		xs[i] = float64(f(s))
	}
	return time.Duration(median(xs))
}

// overheads pairs the repetitions of the two modes (run back to back)
// and returns each pair's relative cost of the transaction per row.
func overheads(auto, txn []sample) []float64 { return relCost(auto, txn, sample.perRow) }

// cpuOverheads is overheads in server CPU per row.
func cpuOverheads(auto, txn []sample) []float64 { return relCost(auto, txn, sample.cpuPerRow) }

func relCost(auto, txn []sample, cost func(sample) float64) []float64 {
	var out []float64
	for i := range min(len(auto), len(txn)) {
		a, t := cost(auto[i]), cost(txn[i])
		if a > 0 {
			out = append(out, (t-a)/a)
		}
	}
	return out
}

// report prints, per table kind, the per-mode table and the overhead
// table, then one summary line per kind against the goal.
func report(w io.Writer, cells []*cell, clients, tables, reps int, d time.Duration) {
	var summary []string
	for _, kind := range []string{kindRow, kindLake} {
		var kc []*cell
		for _, c := range cells {
			if c.kind == kind {
				kc = append(kc, c)
			}
		}
		if len(kc) > 0 {
			summary = append(summary, reportKind(w, kind, kc, clients, tables, reps, d)...)
		}
	}
	for _, s := range summary {
		fmt.Fprintln(w, s)
	}
	fmt.Fprintln(w, "stmt = one statement round trip (BEGIN and COMMIT included); unit = the 10 rows (one transaction or ten).")
	fmt.Fprintln(w, "server CPU per row: the same overhead in server CPU time, less sensitive to other load on the machine than wall time.")
}

func reportKind(w io.Writer, kind string, cells []*cell, clients, tables, reps int, d time.Duration) []string {
	fmt.Fprintf(w, "\n%s tables: %d single-row INSERTs into %d tables per unit, %d clients, %d reps x %s, medians\n\n", kind, tables, tables, clients, reps, d)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "sync commit\tsystem\tmode\trows/s\tµs/row (wall)\tstmt p50\tstmt p99\tunit p99\tserver CPU/row\t")
	byKey := map[string]*cell{}
	for _, c := range cells {
		byKey[c.system+"/"+c.sync+"/"+c.mode] = c
		rates := make([]float64, len(c.reps))
		for i, s := range c.reps {
			rates[i] = float64(s.rows) / s.elapsed.Seconds()
		}
		rate := median(rates)
		cpu := "-"
		if c.system == "conflux" {
			cpus := make([]float64, len(c.reps))
			for i, s := range c.reps {
				cpus[i] = float64(s.cpu.Microseconds()) / float64(max(s.rows, 1))
			}
			cpu = fmt.Sprintf("%.1fµs", median(cpus))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%.1f\t%s\t%s\t%s\t%s\t\n", c.sync, c.system, c.mode, rate, 1e6/max(rate, 1e-9),
			medianDur(c.reps, func(s sample) time.Duration { return s.p50 }).Round(time.Microsecond),
			medianDur(c.reps, func(s sample) time.Duration { return s.p99 }).Round(time.Microsecond),
			medianDur(c.reps, func(s sample) time.Duration { return s.unitP99 }).Round(time.Microsecond), cpu)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "sync commit\tsystem\ttxn overhead per row\t(range over reps)\tserver CPU per row\t")
	var summary []string
	for _, sc := range []string{"off", "on"} {
		for _, sys := range []string{"conflux", "postgresql"} {
			a, t := byKey[sys+"/"+sc+"/"+modeAuto], byKey[sys+"/"+sc+"/"+modeTxn]
			if a == nil || t == nil {
				continue
			}
			ov := overheads(a.reps, t.reps)
			if len(ov) == 0 {
				continue
			}
			m := median(ov)
			cpu := "-"
			if cov := cpuOverheads(a.reps, t.reps); sys == "conflux" && len(cov) > 0 {
				cpu = fmt.Sprintf("%+.1f%%", 100*median(cov))
			}
			fmt.Fprintf(tw, "%s\t%s\t%+.1f%%\t%+.1f%% .. %+.1f%%\t%s\t\n", sc, sys, 100*m, 100*slices.Min(ov), 100*slices.Max(ov), cpu)
			if sys == "conflux" && sc == "off" {
				summary = append(summary, fmt.Sprintf("conflux, %s tables, synchronous_commit=off: transaction overhead %+.1f%% (goal <= 3%%; LakeVilla reports 2-2.5%%)", kind, 100*m))
			}
		}
	}
	tw.Flush()
	fmt.Fprintln(w)
	return summary
}
