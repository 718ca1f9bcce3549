package bank

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/conflux-db/conflux/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

// pairedChecks each return 0 on a state where every key is in both tables
// with the same value. At READ COMMITTED they run as single statements
// (one snapshot each); above it, inside one transaction.
var pairedChecks = []struct {
	name string
	sql  string
}{
	{"count difference", "SELECT (SELECT count(*) FROM pa) - (SELECT count(*) FROM pb)"},
	{"keys only in pa", "SELECT count(*) FROM (SELECT k FROM pa EXCEPT SELECT k FROM pb) AS d"},
	{"keys only in pb", "SELECT count(*) FROM (SELECT k FROM pb EXCEPT SELECT k FROM pa) AS d"},
	{"torn updates", "SELECT count(*) FROM pa JOIN pb ON pa.k = pb.k WHERE pa.v <> pb.v"},
}

// TestPairedInserts has writers insert, update and delete the same key in
// two tables in one transaction while readers at every isolation level
// check that they never see one half of a transaction.
func TestPairedInserts(t *testing.T) {
	runPaired(t, false, false, 5*time.Second)
}

// TestPairedInsertsLake is TestPairedInserts with pa a lake table and pb
// a row table, and with both lake tables: the halves of a transaction
// then live in lake metadata and row data, or in two lake tables'
// metadata, and must still become visible together, also while
// maintenance flushes and compacts the lake tables.
func TestPairedInsertsLake(t *testing.T) {
	t.Run("lake-row", func(t *testing.T) { runPaired(t, true, false, 4*time.Second) })
	t.Run("lake-lake", func(t *testing.T) { runPaired(t, true, true, 4*time.Second) })
}

func runPaired(t *testing.T, paLake, pbLake bool, d time.Duration) {
	ctx := context.Background()
	conn := pgtest.StartConflux(t)
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		createTable("pa", "k", "bigint", "v bigint NOT NULL", paLake),
		createTable("pb", "k", "bigint", "v bigint NOT NULL", pbLake),
	} {
		if _, err := c.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	_ = c.Close(ctx)
	var lakeTables []string
	if paLake {
		lakeTables = append(lakeTables, "pa")
	}
	if pbLake {
		lakeTables = append(lakeTables, "pb")
	}

	l := newLedger()
	stop := make(chan struct{})
	time.AfterFunc(d, func() { close(stop) })
	var wg sync.WaitGroup
	var writes atomic.Int64
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pairedWriter(conn, w, l, stop, &writes)
		}()
	}
	if len(lakeTables) > 0 {
		wg.Go(func() { workload{conn: func() string { return conn }, maintain: lakeTables}.maintainer(l, stop) })
	}
	levels := []pgx.TxIsoLevel{pgx.ReadCommitted, pgx.RepeatableRead, pgx.Serializable}
	reads := make([]atomic.Int64, len(levels))
	for i, iso := range levels {
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				pairedReader(conn, iso, l, stop, &reads[i])
			}()
		}
	}
	wg.Wait()
	t.Logf("%d write transactions committed, %d failed with 40001/40P01", writes.Load(), l.retries)
	for i, iso := range levels {
		t.Logf("%s: %d consistent reads", iso, reads[i].Load())
		if reads[i].Load() == 0 {
			t.Errorf("%s: no read completed", iso)
		}
	}
	if writes.Load() == 0 {
		t.Error("no write committed")
	}
	if l.maintRuns > 0 {
		t.Logf("%d VACUUM/OPTIMIZE runs on lake tables", l.maintRuns)
	}
	for _, f := range l.failures {
		t.Error(f)
	}
	checkLakeFiles(ctx, t, conn, lakeTables)
}

func pairedWriter(conn string, w int, l *ledger, stop <-chan struct{}, writes *atomic.Int64) {
	rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
	c, err := pgx.Connect(context.Background(), conn)
	if err != nil {
		l.fail("writer %d: %v", w, err)
		return
	}
	defer c.Close(context.Background())
	var live []int64
	next := int64(w) * 1_000_000_000
	for !stopped(stop) {
		var stmts []string
		var k int64
		switch op := rng.IntN(10); {
		case op < 6 || len(live) < 10:
			next++
			k = next
			v := rng.Int64N(1000)
			stmts = []string{
				fmt.Sprintf("INSERT INTO pa VALUES (%d, %d)", k, v),
				fmt.Sprintf("INSERT INTO pb VALUES (%d, %d)", k, v),
			}
		case op < 8:
			k = live[rng.IntN(len(live))]
			v := rng.Int64N(1000)
			stmts = []string{
				fmt.Sprintf("UPDATE pa SET v = %d WHERE k = %d", v, k),
				fmt.Sprintf("UPDATE pb SET v = %d WHERE k = %d", v, k),
			}
		default:
			i := rng.IntN(len(live))
			k = live[i]
			live = append(live[:i], live[i+1:]...)
			stmts = []string{
				fmt.Sprintf("DELETE FROM pa WHERE k = %d", k),
				fmt.Sprintf("DELETE FROM pb WHERE k = %d", k),
			}
		}
		if rng.IntN(2) == 0 {
			stmts[0], stmts[1] = stmts[1], stmts[0]
		}
		stmts = append([]string{"BEGIN"}, append(stmts, "COMMIT")...)
		committed := true
		for n, s := range stmts {
			tag, err := execSQL(c, s)
			if retryable(err) {
				// Writers touch disjoint keys, so this is a false conflict:
				// allowed, but counted.
				l.mu.Lock()
				l.retries++
				l.mu.Unlock()
				_, _ = execSQL(c, "ROLLBACK")
				committed = false
				break
			}
			if err != nil {
				l.fail("writer %d: %s: %v", w, s, err)
				return
			}
			if n > 0 && n < 3 && tag.RowsAffected() != 1 {
				l.fail("writer %d: %s affected %d rows, want 1", w, s, tag.RowsAffected())
				return
			}
			if n == 3 && tag.String() != "COMMIT" {
				l.fail("writer %d: COMMIT answered %q", w, tag.String())
				return
			}
		}
		if !committed {
			if stmts[1][0] == 'D' {
				live = append(live, k)
			}
			continue
		}
		if stmts[1][0] == 'I' {
			live = append(live, k)
		}
		writes.Add(1)
	}
}

func pairedReader(conn string, iso pgx.TxIsoLevel, l *ledger, stop <-chan struct{}, reads *atomic.Int64) {
	c, err := pgx.Connect(context.Background(), conn)
	if err != nil {
		l.fail("reader %s: %v", iso, err)
		return
	}
	defer c.Close(context.Background())
	txn := iso != pgx.ReadCommitted
	for !stopped(stop) {
		if txn {
			if _, err := execSQL(c, (workload{iso: iso}).begin()); err != nil {
				l.fail("reader %s: BEGIN: %v", iso, err)
				return
			}
		}
		ok := true
		for _, chk := range pairedChecks {
			var n int64
			ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
			err := c.QueryRow(ctx, chk.sql).Scan(&n)
			cancel()
			if err != nil {
				if retryable(err) {
					ok = false
					break
				}
				l.fail("reader %s: %s: %v", iso, chk.sql, err)
				return
			}
			if n != 0 {
				ok = false
				l.fail("reader %s: %s: got %d, want 0 (part of a transaction visible)", iso, chk.name, n)
			}
		}
		if txn {
			end := "COMMIT"
			if !ok {
				end = "ROLLBACK"
			}
			if _, err := execSQL(c, end); err != nil && !retryable(err) {
				l.fail("reader %s: %s: %v", iso, end, err)
				return
			}
		}
		if ok {
			reads.Add(1)
		}
	}
}
