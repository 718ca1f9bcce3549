package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conflux-db/conflux/internal/pgtest"
	"github.com/jackc/pgx/v5/pgconn"
)

var update = os.Getenv("E2E_UPDATE") == "1"

// confluxProc is a running conflux binary.
type confluxProc struct {
	cmd    *exec.Cmd
	done   chan error
	log    *strings.Builder
	port   int
	closed bool
}

func (p *confluxProc) connString() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
}

// startConflux runs `conflux serve` on a free port with dataDir and waits
// until it accepts connections. The process is killed at test end if
// still running.
func startConflux(t *testing.T, bin, dataDir string) *confluxProc {
	t.Helper()
	port := pgtest.FreePort(t)
	p := &confluxProc{done: make(chan error, 1), log: &strings.Builder{}, port: port}
	p.cmd = exec.Command(bin, "serve", "--listen", "127.0.0.1:"+strconv.Itoa(port), "--data-dir", dataDir)
	p.cmd.Stdout = p.log
	p.cmd.Stderr = p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start conflux: %v", err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		if !p.closed {
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgconn.Connect(ctx, p.connString())
		cancel()
		if err == nil {
			_ = c.Close(context.Background())
			return p
		}
		select {
		case werr := <-p.done:
			p.closed = true
			t.Fatalf("conflux exited during startup: %v\n%s", werr, p.log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("conflux not accepting connections after 30s: %v\n%s", err, p.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for a clean exit.
func (p *confluxProc) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.closed = true
		if err != nil {
			t.Fatalf("conflux exited with %v after SIGTERM\n%s", err, p.log)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("conflux did not exit within 30s of SIGTERM\n%s", p.log)
	}
}

// freshDB creates a database on a PostgreSQL server and returns a
// connection string for it.
func freshDB(t *testing.T, base, name string) string {
	t.Helper()
	ctx := context.Background()
	c, err := pgconn.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+name).ReadAll(); err != nil {
		t.Fatal(err)
	}
	return strings.Replace(base, "/postgres?", "/"+name+"?", 1)
}
