package bank

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

var tables = [...]string{"acct_a", "acct_b", "acct_c"}

const (
	accountsPerTable = 30
	initialBalance   = 1000
	total            = int64(len(tables) * accountsPerTable * initialBalance)
	// opTimeout bounds one statement so a hung server fails the test
	// instead of the CI job.
	opTimeout = 15 * time.Second
)

// sumQuery reads the total in one statement, which is one snapshot at
// every isolation level.
const sumQuery = `SELECT sum(s)::bigint FROM (
	SELECT sum(balance) AS s FROM acct_a
	UNION ALL SELECT sum(balance) FROM acct_b
	UNION ALL SELECT sum(balance) FROM acct_c) AS t`

func setupBank(ctx context.Context, t *testing.T, conn string, k bankKind) {
	t.Helper()
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	transfers, accts := k.ddl()
	stmts := []string{transfers}
	for i, tbl := range tables {
		stmts = append(stmts,
			accts[i],
			fmt.Sprintf("INSERT INTO %s SELECT g, %d FROM generate_series(1, %d) g", tbl, initialBalance, accountsPerTable))
	}
	for _, s := range stmts {
		if _, err := c.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// outcome is what a client knows about one transfer id.
type outcome int

const (
	acked      outcome = iota // COMMIT returned OK
	rolledBack                // failed before COMMIT was sent, or COMMIT returned an error
	inDoubt                   // the connection died with COMMIT in flight
)

// ledger collects the outcome of every transfer id and every anomaly.
type ledger struct {
	mu        sync.Mutex
	outcomes  map[int64]outcome
	failures  []string
	retries   int
	reads     int
	badReads  int
	connErrs  int
	maintRuns int
}

func newLedger() *ledger { return &ledger{outcomes: map[int64]outcome{}} }

func (l *ledger) record(id int64, o outcome) {
	l.mu.Lock()
	l.outcomes[id] = o
	l.mu.Unlock()
}

func (l *ledger) fail(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.failures) < 50 {
		l.failures = append(l.failures, fmt.Sprintf(format, args...))
	}
}

func (l *ledger) counts() (ack, rb, doubt int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, o := range l.outcomes {
		switch o {
		case acked:
			ack++
		case rolledBack:
			rb++
		case inDoubt:
			doubt++
		}
	}
	return
}

func sqlstate(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func retryable(err error) bool {
	s := sqlstate(err)
	return s == "40001" || s == "40P01"
}

// workload is the bank clients' configuration.
type workload struct {
	iso pgx.TxIsoLevel
	// mixIso, if set, gives client i this level instead of iso (by i mod
	// its length).
	mixIso  []pgx.TxIsoLevel
	clients int
	// conn returns the server's current connection string (it may move
	// between restarts).
	conn func() string
	// crashy means the server is being killed: connection errors are
	// expected and the client reconnects; otherwise they are failures.
	crashy bool
	// maintain lists lake tables an extra client flushes and compacts
	// while the transfers run (see maintainer).
	maintain []string
}

// run drives the clients until stop is closed and returns when all have
// finished their current operation.
func (w workload) run(t *testing.T, l *ledger, stop <-chan struct{}) {
	t.Helper()
	var wg sync.WaitGroup
	var seq atomic.Int64
	for i := range w.clients {
		wg.Add(1)
		cw := w
		if len(w.mixIso) > 0 {
			cw.iso = w.mixIso[i%len(w.mixIso)]
		}
		go func() {
			defer wg.Done()
			cw.client(i, l, stop, &seq)
		}()
	}
	if len(w.maintain) > 0 {
		wg.Go(func() { w.maintainer(l, stop) })
	}
	wg.Wait()
}

// maintainer keeps moving lake rows while transfers run: VACUUM flushes
// a table's inlined rows into a Parquet file, OPTIMIZE rewrites files
// with deletions. Transfers then update rows in files (deletion vectors)
// and rows whose place changed after their snapshot (forwarding), and
// reads must see the same total before and after every move.
func (w workload) maintainer(l *ledger, stop <-chan struct{}) {
	rng := rand.New(rand.NewPCG(99, uint64(time.Now().UnixNano())))
	var c *pgx.Conn
	defer func() {
		if c != nil {
			_ = c.Close(context.Background())
		}
	}()
	for !stopped(stop) {
		time.Sleep(time.Duration(100+rng.IntN(300)) * time.Millisecond)
		if c == nil || c.IsClosed() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			var err error
			c, err = pgx.Connect(ctx, w.conn())
			cancel()
			if err != nil {
				c = nil
				if !w.crashy {
					l.fail("maintainer: connect: %v", err)
					return
				}
				continue
			}
		}
		stmt := "VACUUM "
		if rng.IntN(3) == 0 {
			stmt = "OPTIMIZE "
		}
		stmt += w.maintain[rng.IntN(len(w.maintain))]
		if _, err := execSQL(c, stmt); err != nil {
			if sqlstate(err) == "" && w.crashy {
				_ = c.Close(context.Background())
				c = nil
				continue
			}
			l.fail("maintainer: %s: %v", stmt, err)
			return
		}
		l.mu.Lock()
		l.maintRuns++
		l.mu.Unlock()
	}
}

func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

func (w workload) client(i int, l *ledger, stop <-chan struct{}, seq *atomic.Int64) {
	rng := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
	var c *pgx.Conn
	defer func() {
		if c != nil {
			_ = c.Close(context.Background())
		}
	}()
	for !stopped(stop) {
		if c == nil || c.IsClosed() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			var err error
			c, err = pgx.Connect(ctx, w.conn())
			cancel()
			if err != nil {
				c = nil
				if !w.crashy {
					l.fail("client %d: connect: %v", i, err)
					return
				}
				time.Sleep(20 * time.Millisecond)
				continue
			}
		}
		var err error
		if rng.IntN(5) == 0 {
			err = w.read(c, rng, l)
		} else {
			err = w.transfer(c, rng, l, seq)
		}
		if err == nil {
			continue
		}
		if sqlstate(err) == "" {
			// A connection-level error: drop the connection.
			l.mu.Lock()
			l.connErrs++
			l.mu.Unlock()
			if !w.crashy {
				l.fail("client %d: %v", i, err)
				return
			}
			_ = c.Close(context.Background())
			c = nil
			continue
		}
		if retryable(err) {
			l.mu.Lock()
			l.retries++
			l.mu.Unlock()
			continue
		}
		l.fail("client %d: unexpected error: %v", i, err)
		return
	}
}

// execSQL runs one statement with a timeout.
func execSQL(c *pgx.Conn, sql string, args ...any) (pgconn.CommandTag, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	return c.Exec(ctx, sql, args...)
}

func (w workload) begin() string {
	return "BEGIN ISOLATION LEVEL " + strings.ToUpper(string(w.iso))
}

// transfer moves money between two distinct accounts (same table or not)
// and logs it. It returns the error that ended the attempt; the caller
// retries 40001/40P01 with a fresh id.
func (w workload) transfer(c *pgx.Conn, rng *rand.Rand, l *ledger, seq *atomic.Int64) error {
	id := seq.Add(1)
	st, dt := rng.IntN(len(tables)), rng.IntN(len(tables))
	sa, da := 1+rng.IntN(accountsPerTable), 1+rng.IntN(accountsPerTable)
	for st == dt && sa == da {
		da = 1 + rng.IntN(accountsPerTable)
	}
	amt := int64(1 + rng.IntN(100))
	steps := []struct {
		sql  string
		args []any
	}{
		{w.begin(), nil},
		{fmt.Sprintf("UPDATE %s SET balance = balance - $1 WHERE id = $2", tables[st]), []any{amt, sa}},
		{fmt.Sprintf("UPDATE %s SET balance = balance + $1 WHERE id = $2", tables[dt]), []any{amt, da}},
		{"INSERT INTO transfers VALUES ($1, $2, $3, $4, $5, $6)", []any{id, st, sa, dt, da, amt}},
	}
	for n, s := range steps {
		tag, err := execSQL(c, s.sql, s.args...)
		if err != nil {
			// COMMIT was never sent, so the transaction cannot commit.
			l.record(id, rolledBack)
			if sqlstate(err) != "" {
				if _, rerr := execSQL(c, "ROLLBACK"); rerr != nil && sqlstate(rerr) == "" {
					_ = c.Close(context.Background())
				}
			}
			return err
		}
		if n > 0 && tag.RowsAffected() != 1 {
			l.record(id, rolledBack)
			_, _ = execSQL(c, "ROLLBACK")
			l.fail("transfer %d: %q affected %d rows, want 1", id, s.sql, tag.RowsAffected())
			return nil
		}
	}
	tag, err := execSQL(c, "COMMIT")
	switch {
	case err == nil && tag.String() == "COMMIT":
		l.record(id, acked)
		return nil
	case err == nil:
		// PostgreSQL answers COMMIT of a failed transaction with ROLLBACK.
		l.record(id, rolledBack)
		l.fail("transfer %d: COMMIT answered %q without an error", id, tag.String())
		return nil
	case sqlstate(err) != "":
		l.record(id, rolledBack)
		return err
	default:
		l.record(id, inDoubt)
		return err
	}
}

// read checks the total: either one UNION ALL statement, or (above READ
// COMMITTED, where a transaction is one snapshot) three statements in one
// transaction.
func (w workload) read(c *pgx.Conn, rng *rand.Rand, l *ledger) error {
	var got int64
	if w.iso == pgx.ReadCommitted || rng.IntN(2) == 0 {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		err := c.QueryRow(ctx, sumQuery).Scan(&got)
		cancel()
		if err != nil {
			return err
		}
	} else {
		if _, err := execSQL(c, w.begin()); err != nil {
			return err
		}
		for _, tbl := range tables {
			var s int64
			ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
			err := c.QueryRow(ctx, "SELECT sum(balance)::bigint FROM "+tbl).Scan(&s)
			cancel()
			if err != nil {
				if sqlstate(err) != "" {
					_, _ = execSQL(c, "ROLLBACK")
				}
				return err
			}
			got += s
		}
		if _, err := execSQL(c, "COMMIT"); err != nil {
			return err
		}
	}
	l.mu.Lock()
	l.reads++
	l.mu.Unlock()
	if got != total {
		l.mu.Lock()
		l.badReads++
		l.mu.Unlock()
		l.fail("read saw total %d, want %d", got, total)
	}
	return nil
}

// verify checks the final state against the ledger: the total, every
// acknowledged id logged, no rolled-back id logged, and the balances equal
// to the initial ones plus the logged transfers (all-or-nothing).
func verify(ctx context.Context, t *testing.T, conn string, l *ledger) {
	t.Helper()
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var sum int64
	if err := c.QueryRow(ctx, sumQuery).Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if sum != total {
		t.Errorf("final total %d, want %d", sum, total)
	}
	want := make([][]int64, len(tables))
	for i := range want {
		want[i] = make([]int64, accountsPerTable+1)
		for a := 1; a <= accountsPerTable; a++ {
			want[i][a] = initialBalance
		}
	}
	rows, err := c.Query(ctx, "SELECT id, src_tbl, src_id, dst_tbl, dst_id, amount FROM transfers")
	if err != nil {
		t.Fatal(err)
	}
	logged := map[int64]bool{}
	dups := 0
	for rows.Next() {
		var id, amt int64
		var st, sa, dt, da int
		if err := rows.Scan(&id, &st, &sa, &dt, &da, &amt); err != nil {
			t.Fatal(err)
		}
		if logged[id] {
			// Only possible in a lake log (no primary key): a transfer
			// applied twice.
			if dups++; dups <= 10 {
				t.Errorf("transfer %d logged twice", id)
			}
		}
		logged[id] = true
		want[st][sa] -= amt
		want[dt][da] += amt
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var missing, phantom []int64
	doubtIn, doubtOut := 0, 0
	l.mu.Lock()
	for id, o := range l.outcomes {
		switch {
		case o == acked && !logged[id]:
			missing = append(missing, id)
		case o == rolledBack && logged[id]:
			phantom = append(phantom, id)
		case o == inDoubt && logged[id]:
			doubtIn++
		case o == inDoubt:
			doubtOut++
		}
	}
	for id := range logged {
		if _, ok := l.outcomes[id]; !ok {
			phantom = append(phantom, id)
		}
	}
	l.mu.Unlock()
	sort.Slice(missing, func(i, j int) bool { return missing[i] < missing[j] })
	sort.Slice(phantom, func(i, j int) bool { return phantom[i] < phantom[j] })
	if len(missing) > 0 {
		t.Errorf("%d acknowledged transfers lost, e.g. %v", len(missing), missing[:min(10, len(missing))])
	}
	if len(phantom) > 0 {
		t.Errorf("%d rolled-back (or unknown) transfers present in the log, e.g. %v", len(phantom), phantom[:min(10, len(phantom))])
	}
	t.Logf("final: %d transfers logged; in doubt: %d committed, %d not", len(logged), doubtIn, doubtOut)
	bad := 0
	for i, tbl := range tables {
		rows, err := c.Query(ctx, "SELECT id, balance FROM "+tbl)
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		for rows.Next() {
			var id int
			var bal int64
			if err := rows.Scan(&id, &bal); err != nil {
				t.Fatal(err)
			}
			seen++
			if id < 1 || id > accountsPerTable {
				t.Errorf("%s: unexpected account %d", tbl, id)
				continue
			}
			if bal != want[i][id] {
				bad++
				if bad <= 10 {
					t.Errorf("%s.%d: balance %d, replaying the transfer log gives %d", tbl, id, bal, want[i][id])
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if seen != accountsPerTable {
			t.Errorf("%s: %d accounts, want %d", tbl, seen, accountsPerTable)
		}
	}
}

func report(t *testing.T, l *ledger) {
	t.Helper()
	ack, rb, doubt := l.counts()
	l.mu.Lock()
	defer l.mu.Unlock()
	t.Logf("transfers: %d acknowledged, %d rolled back (%d retries on 40001/40P01), %d in doubt; %d reads (%d bad); %d connection errors",
		ack, rb, l.retries, doubt, l.reads, l.badReads, l.connErrs)
	if l.maintRuns > 0 {
		t.Logf("%d VACUUM/OPTIMIZE runs on lake tables", l.maintRuns)
	}
	for _, f := range l.failures {
		t.Error(f)
	}
	if ack == 0 {
		t.Error("no transfer was acknowledged")
	}
	if l.reads == 0 {
		t.Error("no read completed")
	}
}
