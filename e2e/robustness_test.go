package e2e

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"

	"github.com/conflux-db/conflux/internal/pgtest"
)

// runaway is a statement that runs far longer than any test: only a
// cancel or a timeout ends it.
const runaway = "SELECT count(*) FROM generate_series(1, 100000000000)"

// TestErrorsLeaveConnectionUsable drives one connection through every kind
// of statement failure and checks after each one what a PostgreSQL client
// would see: the SQLSTATE, the ReadyForQuery transaction status (I idle,
// E failed transaction block), and that the connection still works and
// no committed data was lost.
func TestErrorsLeaveConnectionUsable(t *testing.T) {
	connStr := pgtest.StartConflux(t)
	ctx := context.Background()
	cfg, err := pgx.ParseConfig(connStr)
	if err != nil {
		t.Fatal(err)
	}
	// Cancel a canceled context's query with a CancelRequest, as libpq
	// clients do, rather than pgx's default of breaking the connection.
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 10 * time.Second}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	mustExec := func(t *testing.T, q string) {
		t.Helper()
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	wantErr := func(t *testing.T, ctx context.Context, q, code string) {
		t.Helper()
		_, err := conn.Exec(ctx, q)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) {
			t.Fatalf("%s: want SQLSTATE %s, got %v", q, code, err)
		}
		if pe.Code != code {
			t.Fatalf("%s: want SQLSTATE %s, got %s: %s", q, code, pe.Code, pe.Message)
		}
	}
	wantStatus := func(t *testing.T, want byte) {
		t.Helper()
		if got := conn.PgConn().TxStatus(); got != want {
			t.Fatalf("transaction status %c, want %c", got, want)
		}
	}
	// usable checks the connection answers and the committed rows are intact.
	usable := func(t *testing.T) {
		t.Helper()
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM r WHERE id < 100").Scan(&n); err != nil {
			t.Fatalf("connection unusable: %v", err)
		}
		if n != 2 {
			t.Fatalf("committed rows: got %d, want 2", n)
		}
		wantStatus(t, 'I')
	}
	// failedBlock checks the PostgreSQL aborted-transaction behaviour:
	// status E, every statement but ROLLBACK refused with 25P02, and
	// ROLLBACK returning to idle with the block's writes undone.
	failedBlock := func(t *testing.T) {
		t.Helper()
		wantStatus(t, 'E')
		wantErr(t, ctx, "SELECT 1", "25P02")
		wantStatus(t, 'E')
		mustExec(t, "ROLLBACK")
		usable(t)
	}

	// Each case starts idle even if the previous one failed midway.
	run := func(name string, f func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			if conn.PgConn().TxStatus() != 'I' {
				mustExec(t, "ROLLBACK")
			}
			f(t)
		})
	}

	mustExec(t, "CREATE TABLE r (id int PRIMARY KEY, v text)")
	mustExec(t, "INSERT INTO r VALUES (1, 'a'), (2, 'b')")
	usable(t)

	run("syntax error", func(t *testing.T) {
		wantErr(t, ctx, "SELEC 1", "42601")
		usable(t)
	})
	run("undefined table", func(t *testing.T) {
		wantErr(t, ctx, "SELECT * FROM nosuch", "42P01")
		usable(t)
	})
	run("division by zero in BEGIN", func(t *testing.T) {
		mustExec(t, "BEGIN")
		mustExec(t, "INSERT INTO r VALUES (100, 'gone')")
		wantStatus(t, 'T')
		wantErr(t, ctx, "SELECT 1/0", "22012")
		failedBlock(t)
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM r WHERE id = 100").Scan(&n); err != nil || n != 0 {
			t.Fatalf("rolled-back row: n=%d err=%v", n, err)
		}
	})
	run("undefined table in BEGIN", func(t *testing.T) {
		mustExec(t, "BEGIN")
		wantErr(t, ctx, "SELECT * FROM nosuch", "42P01")
		failedBlock(t)
	})
	run("syntax error in BEGIN", func(t *testing.T) {
		mustExec(t, "BEGIN")
		wantErr(t, ctx, "SELEC 1", "42601")
		failedBlock(t)
	})
	run("unique violation in autocommit", func(t *testing.T) {
		wantErr(t, ctx, "INSERT INTO r VALUES (3, 'c'), (1, 'dup')", "23505")
		usable(t)
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM r WHERE id = 3").Scan(&n); err != nil || n != 0 {
			t.Fatalf("statement's other row must be rolled back: n=%d err=%v", n, err)
		}
		mustExec(t, "INSERT INTO r VALUES (3, 'c')")
		mustExec(t, "DELETE FROM r WHERE id = 3")
		usable(t)
	})
	run("unique violation in BEGIN", func(t *testing.T) {
		mustExec(t, "BEGIN")
		wantErr(t, ctx, "INSERT INTO r VALUES (1, 'dup')", "23505")
		failedBlock(t)
	})
	run("context cancel", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(200*time.Millisecond, cancel)
		start := time.Now()
		wantErr(t, cctx, runaway, "57014")
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("cancel took %v", d)
		}
		usable(t)
	})
	run("context cancel in BEGIN", func(t *testing.T) {
		mustExec(t, "BEGIN")
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(200*time.Millisecond, cancel)
		wantErr(t, cctx, runaway, "57014")
		failedBlock(t)
	})
	run("statement_timeout", func(t *testing.T) {
		mustExec(t, "SET statement_timeout = '150ms'")
		start := time.Now()
		wantErr(t, ctx, runaway, "57014")
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("timeout took %v", d)
		}
		usable(t)
		mustExec(t, "BEGIN")
		wantErr(t, ctx, runaway, "57014")
		failedBlock(t)
		mustExec(t, "RESET statement_timeout")
	})
	run("error inside a multi-statement query string", func(t *testing.T) {
		// A simple-protocol string is one implicit transaction: the
		// error undoes the INSERT before it and skips the one after.
		res, err := conn.PgConn().Exec(ctx, "INSERT INTO r VALUES (200, 'x'); SELECT 1/0; INSERT INTO r VALUES (201, 'y')").ReadAll()
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "22012" {
			t.Fatalf("want 22012, got %v (%d results)", err, len(res))
		}
		usable(t)
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM r WHERE id >= 200").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("rows of the failed query string: %d", n)
		}
	})
	run("bad COPY data", func(t *testing.T) {
		_, err := conn.PgConn().CopyFrom(ctx, strings.NewReader("300\tok\nnot-a-number\tx\n"), "COPY r FROM STDIN")
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "22P02" {
			t.Fatalf("want 22P02, got %v", err)
		}
		usable(t)
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM r WHERE id = 300").Scan(&n); err != nil || n != 0 {
			t.Fatalf("rows of the failed COPY: n=%d err=%v", n, err)
		}
	})
	run("extended protocol error in BEGIN", func(t *testing.T) {
		mustExec(t, "BEGIN")
		_, err := conn.Exec(ctx, "SELECT 10 / $1::int", 0)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "22012" {
			t.Fatalf("want 22012, got %v", err)
		}
		failedBlock(t)
	})
}
