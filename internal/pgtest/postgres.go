package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// BinDir returns the directory holding PostgreSQL's server binaries
// (initdb, postgres), or an error naming what is missing.
func BinDir() (string, error) {
	var cands []string
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		cands = append(cands, strings.TrimSpace(string(out)))
	}
	cands = append(cands, "/usr/lib/postgresql/15/bin")
	if p, err := exec.LookPath("initdb"); err == nil {
		cands = append(cands, filepath.Dir(p))
	}
	for _, d := range cands {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", errors.New("PostgreSQL server binaries not found: need initdb and postgres " +
		"(apt-get install postgresql; looked in pg_config --bindir, /usr/lib/postgresql/15/bin, PATH)")
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// owner says which account the cluster runs as: nil when not root.
type owner struct{ uid, gid int }

func clusterOwner() (*owner, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		return &owner{uid, gid}, nil
	}
	return nil, errors.New("running as root and no unprivileged account (postgres, nobody) to run PostgreSQL as")
}

func (o *owner) cmd(ctx context.Context, name string, args ...string) *exec.Cmd {
	c := exec.CommandContext(ctx, name, args...)
	c.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	if o != nil {
		c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(o.uid), Gid: uint32(o.gid)}}
		c.Env = append(c.Env, "HOME=/tmp")
	}
	return c
}

// StartPostgres starts a fresh PostgreSQL cluster for the test and
// returns a connection string for the superuser "postgres" on database
// "postgres". The server stops when the test ends. Skips if PostgreSQL is
// not installed.
func StartPostgres(t testing.TB) string {
	t.Helper()
	bin, err := BinDir()
	if err != nil {
		t.Skip(err.Error())
	}
	own, err := clusterOwner()
	if err != nil {
		t.Skip(err.Error())
	}
	var dir string
	if own == nil {
		dir = t.TempDir()
	} else {
		// t.TempDir's parent is private to root; make a directory the
		// cluster's owner can reach.
		dir, err = os.MkdirTemp("", "conflux-pgtest-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = os.RemoveAll(dir) })
		if err := os.Chown(dir, own.uid, own.gid); err != nil {
			t.Fatal(err)
		}
	}
	data := filepath.Join(dir, "data")
	ctx := context.Background()

	initdb := own.cmd(ctx, filepath.Join(bin, "initdb"), "-D", data, "--locale=C", "--encoding=UTF8",
		"-U", "postgres", "--auth=trust", "--no-sync")
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}

	port := FreePort(t)
	logFile := filepath.Join(dir, "postgres.log")
	var stderr bytes.Buffer
	pg := own.cmd(ctx, filepath.Join(bin, "postgres"), "-D", data,
		"-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "TimeZone=UTC", "-c", "DateStyle=ISO, MDY", "-c", "lc_messages=C",
		"-c", "max_connections=50", "-c", "logging_collector=off",
		"-c", "log_min_messages=warning")
	lf, err := os.Create(logFile)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	pg.Stdout = lf
	pg.Stderr = &stderr
	if err := pg.Start(); err != nil {
		t.Fatalf("start postgres: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- pg.Wait() }()
	t.Cleanup(func() {
		// SIGINT is PostgreSQL's fast shutdown.
		_ = pg.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			_ = pg.Process.Kill()
			<-exited
		}
	})

	conn := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	deadline := time.Now().Add(60 * time.Second)
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := pgconn.Connect(cctx, conn)
		cancel()
		if err == nil {
			_ = c.Close(ctx)
			return conn
		}
		select {
		case werr := <-exited:
			exited <- werr
			t.Fatalf("postgres exited during startup: %v\n%s", werr, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("postgres not ready after 60s: %v\n%s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
