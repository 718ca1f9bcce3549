// Package harness starts the systems a benchmark compares: a Conflux
// server built from this checkout and a real PostgreSQL 15, each in a
// temporary directory on a free loopback port, stopped when done.
package harness

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is a running database.
type Server struct {
	Name    string
	ConnStr string
	stop    func()
}

// Stop shuts the server down and removes its data.
func (s *Server) Stop() { s.stop() }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// repoRoot finds the Conflux checkout (the parent of bench/).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; d != "/"; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/conflux-db/conflux\n") {
			return d, nil
		}
	}
	return "", fmt.Errorf("cannot find the conflux checkout above %s", dir)
}

// StartConflux builds cmd/conflux and starts it on a fresh data directory.
func StartConflux(ctx context.Context) (*Server, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "conflux-bench-")
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(tmp, "conflux")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/conflux")
	build.Dir = root
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("build conflux: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--data-dir", filepath.Join(tmp, "data"), "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	s := &Server{Name: "conflux", ConnStr: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)}
	s.stop = func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
		os.RemoveAll(tmp)
	}
	if err := waitReady(ctx, s.ConnStr); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func pgBinDir() (string, error) {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		d := strings.TrimSpace(string(out))
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	for _, d := range []string{"/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin"} {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", fmt.Errorf("PostgreSQL server binaries (initdb, postgres) not found: apt-get install postgresql")
}

// StartPostgres initdb's and starts a PostgreSQL server with the given
// extra settings (e.g. "fsync=on"). As root it runs as the postgres user.
func StartPostgres(ctx context.Context, settings ...string) (*Server, error) {
	bindir, err := pgBinDir()
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "pg-bench-")
	if err != nil {
		return nil, err
	}
	asUser := func(name string, args ...string) *exec.Cmd {
		if os.Geteuid() == 0 {
			return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
		}
		return exec.Command(name, args...)
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs a postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		os.Chown(tmp, uid, gid)
	}
	data := filepath.Join(tmp, "data")
	initdb := asUser(filepath.Join(bindir, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--locale=C", "--encoding=UTF8")
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := []string{"-D", data, "-p", strconv.Itoa(port), "-k", tmp, "-c", "listen_addresses=127.0.0.1"}
	for _, s := range settings {
		args = append(args, "-c", s)
	}
	cmd := asUser(filepath.Join(bindir, "postgres"), args...)
	logf, _ := os.Create(filepath.Join(tmp, "postgres.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	s := &Server{Name: "postgresql", ConnStr: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)}
	s.stop = func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
		}
		os.RemoveAll(tmp)
	}
	if err := waitReady(ctx, s.ConnStr); err != nil {
		b, _ := os.ReadFile(filepath.Join(tmp, "postgres.log"))
		s.stop()
		return nil, fmt.Errorf("%w\n%s", err, b)
	}
	return s, nil
}

func waitReady(ctx context.Context, connStr string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := pgx.Connect(ctx, connStr)
		if err == nil {
			c.Close(ctx)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server at %s not ready: %w", connStr, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
