package server

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/conflux-db/conflux/sql"
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

// startEngineServer runs the server on a fresh in-memory engine holding
// an accounts table of n rows loaded with COPY, as bench/cmd/pointlookup does.
func startEngineServer(b *testing.B, n int) string {
	return startEngineServerOn(b, n, sql.Config{InMemory: true, Logger: testLogger()})
}

func startEngineServerOn(b *testing.B, n int, cfg sql.Config) string {
	b.Helper()
	ctx := context.Background()
	eng, err := sql.Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = eng.Close() })
	ts := startServer(b, FromEngine(eng), Config{})
	connStr := fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", ts.addr)
	conn, err := pgx.Connect(ctx, connStr)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE accounts (id bigint PRIMARY KEY, balance bigint NOT NULL, name text, updated timestamptz)`); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	i := 0
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"accounts"}, []string{"id", "balance", "name", "updated"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i >= n {
				return nil, nil
			}
			i++
			return []any{int64(i), int64(i * 7 % 1000), fmt.Sprintf("account-%d", i), now}, nil
		})); err != nil {
		b.Fatal(err)
	}
	return connStr
}

// BenchmarkPointLookup is the full path of a prepared primary-key lookup
// (pgbench -S -M prepared): wire, session, planner cache, executor, txn,
// storage, with one pgx client in the same process.
func BenchmarkPointLookup(b *testing.B) {
	connStr := startEngineServer(b, 100_000)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, connStr)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	rng := rand.New(rand.NewPCG(1, 2))
	var bal int64
	var name string
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		id := rng.Int64N(100_000) + 1
		if err := conn.QueryRow(ctx, `SELECT balance, name FROM accounts WHERE id = $1`, id).Scan(&bal, &name); err != nil {
			b.Fatal(err)
		}
		if name != fmt.Sprintf("account-%d", id) {
			b.Fatalf("id %d: got %q", id, name)
		}
	}
}

// BenchmarkBatchLookup is WHERE id = ANY($1) with 100 keys per query.
func BenchmarkBatchLookup(b *testing.B) {
	connStr := startEngineServer(b, 100_000)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, connStr)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	rng := rand.New(rand.NewPCG(1, 2))
	ids := make([]int64, 100)
	b.ReportAllocs()
	for b.Loop() {
		for i := range ids {
			ids[i] = rng.Int64N(100_000) + 1
		}
		rows, err := conn.Query(ctx, `SELECT id, balance FROM accounts WHERE id = ANY($1)`, ids)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "keys/s")
}

// BenchmarkCopyIn loads 100k rows with COPY FROM STDIN (binary, as pgx sends it).
func BenchmarkCopyIn(b *testing.B) {
	for b.Loop() {
		startEngineServer(b, 100_000)
	}
	b.ReportMetric(float64(b.N*100_000)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkPointLookupParallel is the shape of bench/cmd/pointlookup: 8
// clients sharing the machine with an on-disk server.
func BenchmarkPointLookupParallel(b *testing.B) {
	const rows = 200_000
	connStr := startEngineServerOn(b, rows, sql.Config{DataDir: b.TempDir(), Logger: testLogger()})
	ctx := context.Background()
	b.SetParallelism(4) // 8 clients on 2 cores
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	var seed atomic.Uint64
	b.RunParallel(func(pb *testing.PB) {
		conn, err := pgx.Connect(ctx, connStr)
		if err != nil {
			b.Error(err)
			return
		}
		defer conn.Close(ctx)
		rng := rand.New(rand.NewPCG(seed.Add(1), 2))
		var bal int64
		var name string
		for pb.Next() {
			id := rng.Int64N(rows) + 1
			if err := conn.QueryRow(ctx, `SELECT balance, name FROM accounts WHERE id = $1`, id).Scan(&bal, &name); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkBatchLookupParallel is the batch mode of bench/cmd/pointlookup:
// 8 clients, WHERE id = ANY($1) with 100 keys, on-disk server.
func BenchmarkBatchLookupParallel(b *testing.B) {
	const rows = 200_000
	connStr := startEngineServerOn(b, rows, sql.Config{DataDir: b.TempDir(), Logger: testLogger()})
	ctx := context.Background()
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	var seed atomic.Uint64
	b.RunParallel(func(pb *testing.PB) {
		conn, err := pgx.Connect(ctx, connStr)
		if err != nil {
			b.Error(err)
			return
		}
		defer conn.Close(ctx)
		rng := rand.New(rand.NewPCG(seed.Add(1), 2))
		ids := make([]int64, 100)
		for pb.Next() {
			for i := range ids {
				ids[i] = rng.Int64N(rows) + 1
			}
			r, err := conn.Query(ctx, `SELECT id, balance FROM accounts WHERE id = ANY($1)`, ids)
			if err != nil {
				b.Error(err)
				return
			}
			for r.Next() {
			}
			if err := r.Err(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "keys/s")
}

// reportCPU reports the process's CPU time (server and clients together)
// per operation: unlike ns/op it does not depend on what else the
// machine is running.
func reportCPU(b *testing.B) func() {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	start := cpu()
	return func() {
		b.ReportMetric(float64((cpu()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}
