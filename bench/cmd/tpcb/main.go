// Command tpcb runs the stock pgbench TPC-B workload, unmodified, against
// Conflux and against PostgreSQL 15 on the same machine in one run, with
// fsync on for both, and prints TPS, average latency and failed/retried
// transactions for each client count with the Conflux/PostgreSQL ratio.
//
//	cd bench && go run ./cmd/tpcb [-scale 10] [-duration 10s] [-clients 1,8,32] [-mode prepared] [-builtin tpcb-like] [-only conflux]
//
// Both systems wait for row locks, so at READ COMMITTED (pgbench's
// default) contention on the few branch rows serialises transactions
// instead of failing them. Both still run with the same --max-tries (100 by
// default) so that a serialization failure or deadlock under some other
// setting is retried, and the retry counts are reported next to the
// throughput.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/conflux-db/conflux/bench/internal/harness"
)

// result is one pgbench run's summary, parsed from its output.
type result struct {
	system    string
	clients   int
	processed int64
	failed    int64
	retried   int64 // transactions retried at least once
	retries   int64 // total retries
	latency   float64
	tps       float64
	cpu       time.Duration // server CPU during the run
	elapsed   time.Duration
	load      string // 1-minute load average after the run: flags noisy neighbours
}

func main() {
	scale := flag.Int("scale", 10, "pgbench scale factor (-s)")
	duration := flag.Duration("duration", 10*time.Second, "duration of each run (-T), whole seconds")
	clientList := flag.String("clients", "1,8,32", "comma-separated client counts (-c); -j is min(c,2)")
	mode := flag.String("mode", "prepared", "pgbench query mode (-M): simple, extended or prepared")
	builtin := flag.String("builtin", "tpcb-like", "pgbench builtin script (-b): tpcb-like, simple-update or select-only")
	maxTries := flag.Int("max-tries", 100, "pgbench --max-tries (serialization failures are retried)")
	only := flag.String("only", "", "run just this system (conflux or postgresql); both when empty")
	flag.Parse()
	ctx := context.Background()

	var clients []int
	for _, f := range strings.Split(*clientList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			log.Fatalf("bad -clients entry %q", f)
		}
		clients = append(clients, n)
	}
	secs := int(duration.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	pgbench, err := pgbenchPath()
	if err != nil {
		log.Fatal(err)
	}

	starts := map[string]func(context.Context) (*harness.Server, error){
		"conflux": harness.StartConflux,
		"postgresql": func(ctx context.Context) (*harness.Server, error) {
			return harness.StartPostgres(ctx, "fsync=on", "synchronous_commit=on", "max_connections=200")
		},
	}
	var results []result
	inits := map[string]time.Duration{}
	for _, name := range []string{"conflux", "postgresql"} {
		if *only != "" && *only != name {
			continue
		}
		srv, err := starts[name](ctx)
		if err != nil {
			log.Fatal(err)
		}
		conn, err := connArgs(srv.ConnStr)
		if err != nil {
			srv.Stop()
			log.Fatal(err)
		}
		log.Printf("%s: pgbench -i -s %d", srv.Name, *scale)
		t0 := time.Now()
		if out, err := runPgbench(ctx, pgbench, conn, "-i", "-s", strconv.Itoa(*scale), "-q"); err != nil {
			srv.Stop()
			log.Fatalf("%s: pgbench -i: %v\n%s", srv.Name, err, out)
		}
		inits[srv.Name] = time.Since(t0)
		log.Printf("%s: initialized in %s", srv.Name, inits[srv.Name].Round(time.Millisecond))
		for _, c := range clients {
			args := []string{"-c", strconv.Itoa(c), "-j", strconv.Itoa(min(c, 2)), "-T", strconv.Itoa(secs),
				"-M", *mode, "-b", *builtin, "--max-tries=" + strconv.Itoa(*maxTries)}
			log.Printf("%s: pgbench %s", srv.Name, strings.Join(args, " "))
			cpu0, t1 := srv.CPUTime(), time.Now()
			out, err := runPgbench(ctx, pgbench, conn, args...)
			if err != nil {
				srv.Stop()
				log.Fatalf("%s: pgbench: %v\n%s", srv.Name, err, out)
			}
			r, err := parse(out)
			if err != nil {
				srv.Stop()
				log.Fatalf("%s: %v\n%s", srv.Name, err, out)
			}
			r.system, r.clients, r.elapsed = srv.Name, c, time.Since(t1)
			// PostgreSQL's backends exit with the clients, so its CPU is
			// undercounted; only Conflux's (one process) is reliable.
			r.cpu = srv.CPUTime() - cpu0
			r.load = loadAvg()
			results = append(results, r)
		}
		srv.Stop()
	}
	report(os.Stdout, results, clients, inits, *scale, secs, *mode, *builtin, *maxTries)
}

// pgbenchPath prefers the PostgreSQL 15 pgbench (retries need >= 15).
func pgbenchPath() (string, error) {
	for _, p := range []string{"/usr/lib/postgresql/15/bin/pgbench", "/usr/lib/postgresql/16/bin/pgbench"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("pgbench not found: apt-get install postgresql-client")
}

// loadAvg is the machine's 1-minute load average ("-" if unknown). On a
// 2-core machine a value well above what pgbench and the server explain
// means something else was running and the row is suspect.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "-"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "-"
}

// connArgs turns the harness's URL into pgbench's -h/-p/-U/dbname.
func connArgs(connStr string) ([]string, error) {
	u, err := url.Parse(connStr)
	if err != nil {
		return nil, err
	}
	return []string{"-h", u.Hostname(), "-p", u.Port(), "-U", u.User.Username(), strings.TrimPrefix(u.Path, "/")}, nil
}

func runPgbench(ctx context.Context, bin string, conn []string, args ...string) ([]byte, error) {
	// The database name must come last: pgbench stops at the first non-option.
	all := append(append([]string{}, args...), conn...)
	cmd := exec.CommandContext(ctx, bin, all...)
	cmd.Env = append(os.Environ(), "PGSSLMODE=disable")
	cmd.Dir = filepath.Clean(os.TempDir())
	return cmd.CombinedOutput()
}

var (
	reProcessed = regexp.MustCompile(`number of transactions actually processed: (\d+)`)
	reFailed    = regexp.MustCompile(`number of failed transactions: (\d+)`)
	reRetried   = regexp.MustCompile(`number of transactions retried: (\d+)`)
	reRetries   = regexp.MustCompile(`total number of retries: (\d+)`)
	reLatency   = regexp.MustCompile(`latency average = ([\d.]+) ms`)
	reTPS       = regexp.MustCompile(`tps = ([\d.]+) \(without initial connection time\)`)
)

// parse reads pgbench 15's summary. Missing failure/retry lines mean zero
// (pgbench prints them only when they can be non-zero).
func parse(out []byte) (result, error) {
	var r result
	find := func(re *regexp.Regexp) (string, bool) {
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				return m[1], true
			}
		}
		return "", false
	}
	ints := []struct {
		re       *regexp.Regexp
		dst      *int64
		required bool
	}{{reProcessed, &r.processed, true}, {reFailed, &r.failed, false}, {reRetried, &r.retried, false}, {reRetries, &r.retries, false}}
	for _, f := range ints {
		s, ok := find(f.re)
		if !ok {
			if f.required {
				return r, fmt.Errorf("pgbench output lacks %q", f.re)
			}
			continue
		}
		*f.dst, _ = strconv.ParseInt(s, 10, 64)
	}
	floats := []struct {
		re  *regexp.Regexp
		dst *float64
	}{{reLatency, &r.latency}, {reTPS, &r.tps}}
	for _, f := range floats {
		s, ok := find(f.re)
		if !ok {
			return r, fmt.Errorf("pgbench output lacks %q", f.re)
		}
		*f.dst, _ = strconv.ParseFloat(s, 64)
	}
	return r, nil
}

func report(w *os.File, results []result, clients []int, inits map[string]time.Duration, scale, secs int, mode, builtin string, maxTries int) {
	fmt.Fprintf(w, "\npgbench -b %s, scale %d, -T %d, -M %s, --max-tries=%d, fsync on\n\n", builtin, scale, secs, mode, maxTries)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "system\tclients\tTPS\tavg latency ms\ttxns\tfailed\tretried txns\tretries\tserver CPU/txn\tload\t")
	byKey := map[string]result{}
	for _, r := range results {
		byKey[fmt.Sprintf("%s/%d", r.system, r.clients)] = r
		cpu := "-"
		if r.system == "conflux" && r.processed > 0 {
			cpu = (r.cpu / time.Duration(r.processed)).Round(time.Microsecond).String()
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%.2f\t%d\t%d\t%d\t%d\t%s\t%s\t\n", r.system, r.clients, r.tps, r.latency, r.processed, r.failed, r.retried, r.retries, cpu, r.load)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "clients\tTPS conflux/postgresql\tlatency conflux/postgresql\t")
	any := false
	for _, c := range clients {
		cf, ok1 := byKey[fmt.Sprintf("conflux/%d", c)]
		pg, ok2 := byKey[fmt.Sprintf("postgresql/%d", c)]
		if !ok1 || !ok2 || pg.tps == 0 || pg.latency == 0 {
			continue
		}
		any = true
		fmt.Fprintf(tw, "%d\t%.2fx\t%.2fx\t\n", c, cf.tps/pg.tps, cf.latency/pg.latency)
	}
	if any {
		tw.Flush()
		fmt.Fprintln(w)
	}
	for _, name := range []string{"conflux", "postgresql"} {
		if d, ok := inits[name]; ok {
			fmt.Fprintf(w, "pgbench -i -s %d: %s %s\n", scale, name, d.Round(time.Millisecond))
		}
	}
}
