package pgbench

import (
	"context"
	"fmt"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/conflux-db/conflux/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

var processed = regexp.MustCompile(`number of transactions actually processed: (\d+)/(\d+)`)

func TestPgbench(t *testing.T) {
	bin, err := exec.LookPath("pgbench")
	if err != nil {
		t.Skip("pgbench not found: install postgresql-client (CI does)")
	}
	connStr := pgtest.StartConflux(t)
	u, err := url.Parse(connStr)
	if err != nil {
		t.Fatal(err)
	}
	conn := []string{"-h", u.Hostname(), "-p", u.Port(), "-U", "postgres"}
	pgbench := func(t *testing.T, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		full := append(append(append([]string{}, args...), conn...), "postgres")
		out, err := exec.CommandContext(ctx, bin, full...).CombinedOutput()
		if err != nil {
			t.Fatalf("pgbench %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	out := pgbench(t, "-i", "-s", "1", "-q")
	if !strings.Contains(out, "done in") {
		t.Fatalf("pgbench -i did not finish:\n%s", out)
	}

	ctx := context.Background()
	db, err := pgx.Connect(ctx, connStr)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	count := func(table string) int64 {
		var n int64
		if err := db.QueryRow(ctx, "select count(*) from "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for table, want := range map[string]int64{"pgbench_accounts": 100000, "pgbench_branches": 1, "pgbench_tellers": 10, "pgbench_history": 0} {
		if got := count(table); got != want {
			t.Errorf("after pgbench -i: %s has %d rows, want %d", table, got, want)
		}
	}
	var pk bool
	if err := db.QueryRow(ctx, `select exists (select 1 from pg_indexes where indexname = 'pgbench_accounts_pkey')`).Scan(&pk); err != nil || !pk {
		t.Errorf("pgbench_accounts_pkey missing after pgbench -i (err %v)", err)
	}

	// pgbench vacuums and truncates pgbench_history before each run, so the
	// invariants are checked per run: every TPC-B-like and simple-update
	// transaction added the same delta to one account and one history row,
	// TPC-B-like also to a teller and a branch.
	type sums struct{ accounts, tellers, branches, history, historyRows int64 }
	read := func() sums {
		var s sums
		if err := db.QueryRow(ctx, `select (select sum(abalance) from pgbench_accounts), (select sum(tbalance) from pgbench_tellers),
			(select sum(bbalance) from pgbench_branches), (select coalesce(sum(delta), 0) from pgbench_history),
			(select count(*) from pgbench_history)`).Scan(&s.accounts, &s.tellers, &s.branches, &s.history, &s.historyRows); err != nil {
			t.Fatal(err)
		}
		return s
	}
	const clients, perClient = 4, 40
	for _, mode := range []string{"simple", "extended", "prepared"} {
		for _, script := range []struct{ name, flag string }{{"tpcb-like", ""}, {"select-only", "-S"}, {"simple-update", "-N"}} {
			t.Run(mode+"/"+script.name, func(t *testing.T) {
				before := read()
				args := []string{"-c", fmt.Sprint(clients), "-j", "2", "-t", fmt.Sprint(perClient), "-M", mode}
				if script.flag != "" {
					args = append(args, script.flag)
				}
				out := pgbench(t, args...)
				m := processed.FindStringSubmatch(out)
				want := fmt.Sprint(clients * perClient)
				if m == nil || m[1] != want || m[2] != want {
					t.Fatalf("want %s/%s transactions processed:\n%s", want, want, out)
				}
				after := read()
				var wantRows int64
				if script.flag != "-S" {
					wantRows = clients * perClient
				}
				if after.historyRows != wantRows {
					t.Errorf("pgbench_history has %d rows after the run, want %d", after.historyRows, wantRows)
				}
				if got := after.accounts - before.accounts; got != after.history {
					t.Errorf("accounts changed by %d, history records %d", got, after.history)
				}
				wantBranch := after.history
				if script.flag != "" {
					wantBranch = 0
				}
				if got := after.tellers - before.tellers; got != wantBranch {
					t.Errorf("tellers changed by %d, want %d", got, wantBranch)
				}
				if got := after.branches - before.branches; got != wantBranch {
					t.Errorf("branches changed by %d, want %d", got, wantBranch)
				}
			})
		}
	}
}
