package bank

import (
	"context"
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
			ctx := context.Background()
			conn := pgtest.StartConflux(t)
			setupBank(ctx, t, conn)
			l := newLedger()
			stop := make(chan struct{})
			time.AfterFunc(8*time.Second, func() { close(stop) })
			start := time.Now()
			workload{iso: iso, clients: 16, conn: func() string { return conn }}.run(t, l, stop)
			t.Logf("workload ran %v", time.Since(start).Round(time.Millisecond))
			report(t, l)
			verify(ctx, t, conn, l)
		})
	}
}
