package server

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/conflux-db/conflux/server/hba"
	"github.com/conflux-db/conflux/server/tlstest"
	"github.com/conflux-db/conflux/sql"
)

// syncBuffer is a log sink shared by many connection goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestPasswordsNeverLogged runs every path a password travels (CREATE and
// ALTER ROLE, SCRAM logins, cleartext logins over TLS, failed logins, a
// statement error next to a password) with debug logging of both the
// server and the engine captured, and checks no password shows up.
func TestPasswordsNeverLogged(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var eng *sql.Engine
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Skipf("sql engine not available yet: %v", r)
			}
		}()
		eng, err = sql.Open(context.Background(), sql.Config{InMemory: true, Logger: log})
	}()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })

	cert := tlstest.NewCA(t, "ca").Issue(t, "127.0.0.1")
	rules, err := hba.Parse("hba", strings.NewReader("hostssl all all all password\n"))
	if err != nil {
		t.Fatal(err)
	}
	trust := startServer(t, FromEngine(eng), Config{Logger: log})
	scramSrv := startServer(t, FromEngine(eng), Config{Auth: AuthSCRAM, Logger: log})
	pwSrv := startServer(t, FromEngine(eng), Config{HBA: rules, TLS: cert.Config(), Logger: log})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	admin := engineConn(t, trust.addr, "postgres", "", false)
	for _, q := range []string{
		"CREATE ROLE carol LOGIN PASSWORD 'secret-one'",
		"ALTER ROLE carol PASSWORD 'secret-two'",
		"ALTER ROLE carol WITH PASSWORD 'secret-two'",
		"CREATE ROLE carol PASSWORD 'secret-dup'", // fails: exists
	} {
		_, _ = admin.Exec(ctx, q)
	}
	_, _ = admin.Exec(ctx, "CREATE ROLE dave PASSWORD 'secret-syntax' BOGUS") // syntax error
	simple := engineConn(t, trust.addr, "postgres", "", true)
	_, _ = simple.Exec(ctx, "ALTER ROLE carol PASSWORD 'secret-two'")

	if c := engineConn(t, scramSrv.addr, "carol", "secret-two", false); c == nil {
		t.Fatal("no connection")
	}
	if _, err := pgx.Connect(ctx, fmt.Sprintf("postgres://carol:secret-wrong@%s/conflux?sslmode=disable", scramSrv.addr)); err == nil {
		t.Error("wrong SCRAM password accepted")
	}
	c, err := pgx.Connect(ctx, fmt.Sprintf("postgres://carol:secret-two@%s/conflux?sslmode=require", pwSrv.addr))
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Close(ctx)
	if _, err := pgx.Connect(ctx, fmt.Sprintf("postgres://carol:secret-wrong@%s/conflux?sslmode=require", pwSrv.addr)); err == nil {
		t.Error("wrong cleartext password accepted")
	}

	out := logs.String()
	if !strings.Contains(out, "password authentication failed") {
		t.Fatalf("expected the failed logins to be logged; logs:\n%s", out)
	}
	if strings.Contains(out, "secret") {
		t.Fatalf("a password appears in the logs:\n%s", out)
	}
}
