// Command pointlookup measures primary-key point lookups over the wire:
// N concurrent pgx clients run a prepared SELECT ... WHERE id = $1 on
// random keys for a fixed time, against Conflux and against PostgreSQL on
// the same machine in the same run. It also measures the batch form,
// WHERE id = ANY($1) with 100 keys per query, in keys per second.
//
//	cd bench && go run ./cmd/pointlookup [-rows 1000000] [-clients 8] [-duration 10s] [-only conflux] [-modes point,batch]
//
// To profile the Conflux server during a run, set CONFLUX_PPROF=127.0.0.1:6060
// (the server inherits the environment) and fetch
// http://127.0.0.1:6060/debug/pprof/profile?seconds=5 while it runs.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/conflux-db/conflux/bench/internal/harness"
)

type result struct {
	system   string
	mode     string
	ops      int64
	keys     int64
	elapsed  time.Duration
	p50, p99 time.Duration
	cpu      time.Duration // server CPU time during the run
	cliCPU   time.Duration // this process's (the clients') CPU time
}

// selfCPU is the CPU time (user+system) this process used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func main() {
	rows := flag.Int("rows", 1_000_000, "table size")
	clients := flag.Int("clients", 8, "concurrent clients")
	duration := flag.Duration("duration", 10*time.Second, "measurement time per system and mode")
	batch := flag.Int("batch", 100, "keys per query in batch mode")
	only := flag.String("only", "", "run just this system (conflux or postgresql); both when empty")
	modes := flag.String("modes", "point,batch", "comma-separated modes to run")
	flag.Parse()
	ctx := context.Background()

	var results []result
	var loadTimes []loadTime
	starts := map[string]func(context.Context) (*harness.Server, error){
		"conflux":    harness.StartConflux,
		"postgresql": func(ctx context.Context) (*harness.Server, error) { return harness.StartPostgres(ctx) },
	}
	for _, name := range []string{"conflux", "postgresql"} {
		if *only != "" && *only != name {
			continue
		}
		srv, err := starts[name](ctx)
		if err != nil {
			log.Fatal(err)
		}
		log.Printf("%s: loading %d rows", srv.Name, *rows)
		t0 := time.Now()
		if err := load(ctx, srv.ConnStr, *rows); err != nil {
			srv.Stop()
			log.Fatalf("%s: load: %v", srv.Name, err)
		}
		loadTimes = append(loadTimes, loadTime{srv.Name, time.Since(t0)})
		log.Printf("%s: loaded %d rows in %s", srv.Name, *rows, time.Since(t0).Round(time.Millisecond))
		for _, mode := range strings.Split(*modes, ",") {
			log.Printf("%s: %s lookups, %d clients, %s", srv.Name, mode, *clients, *duration)
			r, err := run(ctx, srv, mode, *rows, *clients, *batch, *duration)
			if err != nil {
				srv.Stop()
				log.Fatalf("%s: %v", srv.Name, err)
			}
			r.system = srv.Name
			results = append(results, r)
		}
		srv.Stop()
	}
	report(results, *clients, *batch)
	for _, l := range loadTimes {
		fmt.Printf("load (COPY %d rows, incl. CREATE TABLE): %s %s (%.0f rows/s)\n", *rows, l.system, l.d.Round(time.Millisecond), float64(*rows)/l.d.Seconds())
	}
}

type loadTime struct {
	system string
	d      time.Duration
}

func load(ctx context.Context, connStr string, n int) error {
	c, err := pgx.Connect(ctx, connStr)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, `DROP TABLE IF EXISTS accounts`); err != nil {
		return err
	}
	if _, err := c.Exec(ctx, `CREATE TABLE accounts (id bigint PRIMARY KEY, balance bigint NOT NULL, name text, updated timestamptz)`); err != nil {
		return err
	}
	now := time.Now()
	_, err = c.CopyFrom(ctx, pgx.Identifier{"accounts"}, []string{"id", "balance", "name", "updated"},
		pgx.CopyFromFunc(func() func() ([]any, error) {
			i := 0
			return func() ([]any, error) {
				if i >= n {
					return nil, nil
				}
				i++
				return []any{int64(i), int64(i * 7 % 1000), fmt.Sprintf("account-%d", i), now}, nil
			}
		}()))
	return err
}

func run(ctx context.Context, srv *harness.Server, mode string, rows, clients, batch int, d time.Duration) (result, error) {
	connStr := srv.ConnStr
	// Server CPU is sampled while the clients are still connected
	// (PostgreSQL's backends exit with them): workers report the end of
	// their loop on looped and wait for release before disconnecting.
	var looped sync.WaitGroup
	release := make(chan struct{})
	cpu0, cli0 := srv.CPUTime(), selfCPU()
	var mu sync.Mutex
	var lat []time.Duration
	var ops, keys int64
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for w := 0; w < clients; w++ {
		wg.Add(1)
		looped.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			loopDone := sync.OnceFunc(looped.Done)
			defer loopDone()
			c, err := pgx.Connect(ctx, connStr)
			if err != nil {
				mu.Lock()
				firstErr = err
				mu.Unlock()
				return
			}
			defer func() {
				loopDone()
				<-release
				c.Close(ctx)
			}()
			rng := rand.New(rand.NewPCG(seed, 42))
			var local []time.Duration
			var n, k int64
			ids := make([]int64, batch)
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if mode == "point" {
					var bal int64
					var name string
					id := rng.Int64N(int64(rows)) + 1
					if err := c.QueryRow(ctx, `SELECT balance, name FROM accounts WHERE id = $1`, id).Scan(&bal, &name); err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						return
					}
					k++
				} else {
					for i := range ids {
						ids[i] = rng.Int64N(int64(rows)) + 1
					}
					r, err := c.Query(ctx, `SELECT id, balance FROM accounts WHERE id = ANY($1)`, ids)
					if err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						return
					}
					for r.Next() {
						k++
					}
					if err := r.Err(); err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						return
					}
				}
				local = append(local, time.Since(t0))
				n++
			}
			mu.Lock()
			lat = append(lat, local...)
			ops += n
			keys += k
			mu.Unlock()
		}(uint64(w))
	}
	looped.Wait()
	elapsed := time.Since(start)
	cpu, cliCPU := srv.CPUTime()-cpu0, selfCPU()-cli0
	close(release)
	wg.Wait()
	if firstErr != nil {
		return result{}, firstErr
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[int(float64(len(lat)-1)*p)]
	}
	return result{mode: mode, ops: ops, keys: keys, elapsed: elapsed, p50: pct(0.50), p99: pct(0.99), cpu: cpu, cliCPU: cliCPU}, nil
}

func report(rs []result, clients, batch int) {
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "mode\tsystem\tqueries/s\tkeys/s\tp50\tp99\tserver CPU/query\tclient CPU/query\t\n")
	byKey := map[string]result{}
	for _, r := range rs {
		byKey[r.system+"/"+r.mode] = r
		secs := r.elapsed.Seconds()
		fmt.Fprintf(w, "%s\t%s\t%.0f\t%.0f\t%s\t%s\t%.1fµs\t%.1fµs\t\n", r.mode, r.system, float64(r.ops)/secs, float64(r.keys)/secs,
			r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), float64(r.cpu.Microseconds())/float64(max(r.ops, 1)),
			float64(r.cliCPU.Microseconds())/float64(max(r.ops, 1)))
	}
	w.Flush()
	fmt.Printf("\nclients=%d batch=%d\n", clients, batch)
	for _, mode := range []string{"point", "batch"} {
		c, p := byKey["conflux/"+mode], byKey["postgresql/"+mode]
		if p.ops > 0 && c.ops > 0 {
			fmt.Printf("%s: conflux/postgresql throughput ratio %.2f (goal >= 1.0)\n", mode,
				(float64(c.ops)/c.elapsed.Seconds())/(float64(p.ops)/p.elapsed.Seconds()))
		}
	}
	if c := byKey["conflux/point"]; c.ops > 0 {
		fmt.Printf("conflux point p99 %s (goal <= 500µs)\n", c.p99.Round(time.Microsecond))
	}
	if c := byKey["conflux/batch"]; c.ops > 0 {
		fmt.Printf("conflux batch %.0f keys/s (goal >= 1,000,000)\n", float64(c.keys)/c.elapsed.Seconds())
	}
}
