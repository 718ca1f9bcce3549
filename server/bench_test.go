package server

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
)

// BenchmarkPreparedRoundTrip measures the wire layer alone (fake backend)
// for a pgbench -S -M prepared style round trip: Bind/Execute/Sync.
func BenchmarkPreparedRoundTrip(b *testing.B) {
	ts := startServer(b, newFakeBackend(), Config{})
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://u@%s/db?sslmode=disable", ts.addr))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var v int64
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if err := conn.QueryRow(ctx, "ECHO", int64(i)).Scan(&v); err != nil || v != int64(i) {
			b.Fatal(v, err)
		}
	}
}
