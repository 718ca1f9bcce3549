package bank

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/conflux-db/conflux/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

// TestBankInvariant runs 16 clients doing transfers within and across
// three tables plus full-sum reads against an in-process server, at
// REPEATABLE READ and READ COMMITTED. Every read must see the exact total
// and the final balances must replay from the transfer log.
func TestBankInvariant(t *testing.T) {
	for _, iso := range []pgx.TxIsoLevel{pgx.RepeatableRead, pgx.ReadCommitted} {
		t.Run(string(iso), func(t *testing.T) {
			runInvariant(t, rowBank, iso, 8*time.Second)
		})
	}
}

// TestBankInvariantLake is TestBankInvariant on lake tables and on a mix
// of lake and row tables, also at SERIALIZABLE: lake tables have no key,
// so every transfer scans its account tables and SSI sees whole-table
// read sets. A maintainer flushes and compacts the lake tables
// throughout, so rows move between inlined keys and files under the
// transfers. Shorter runs keep the package's time in bounds.
func TestBankInvariantLake(t *testing.T) {
	for _, k := range []bankKind{lakeBank, mixedBank} {
		for _, iso := range []pgx.TxIsoLevel{pgx.RepeatableRead, pgx.ReadCommitted, pgx.Serializable} {
			t.Run(k.name+"/"+strings.ReplaceAll(string(iso), " ", "-"), func(t *testing.T) {
				runInvariant(t, k, iso, 4*time.Second)
			})
		}
	}
}

func runInvariant(t *testing.T, k bankKind, iso pgx.TxIsoLevel, d time.Duration) {
	ctx := context.Background()
	conn := pgtest.StartConflux(t)
	setupBank(ctx, t, conn, k)
	l := newLedger()
	stop := make(chan struct{})
	time.AfterFunc(d, func() { close(stop) })
	start := time.Now()
	workload{iso: iso, clients: 16, conn: func() string { return conn }, maintain: k.lakeTables()}.run(t, l, stop)
	t.Logf("workload ran %v", time.Since(start).Round(time.Millisecond))
	report(t, l)
	verify(ctx, t, conn, l)
	checkLakeFiles(ctx, t, conn, k.lakeTables())
}
