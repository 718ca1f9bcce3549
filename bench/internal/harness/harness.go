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
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Server is a running database.
type Server struct {
	Name    string
	ConnStr string
	// Pid is the server's root process (for PostgreSQL, the postmaster,
	// whose descendants are its backends).
	Pid int
	// DataDir is the server's data directory (Conflux keeps lake table
	// Parquet files under DataDir/lake).
	DataDir string
	stop    func()
}

// CPUTime returns the CPU time (user+system) used so far by the server's
// process tree, read from /proc; 0 where /proc is unavailable. Processes
// that already exited are not counted, so sample while clients are
// still connected.
func (s *Server) CPUTime() time.Duration {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	type proc struct {
		ppid  int
		ticks int64
	}
	procs := map[int]proc{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the parenthesised command name: state ppid ... utime(14) stime(15).
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) < 13 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		procs[pid] = proc{ppid, ut + st}
	}
	in := map[int]bool{s.Pid: true}
	for changed := true; changed; {
		changed = false
		for pid, p := range procs {
			if !in[pid] && in[p.ppid] {
				in[pid], changed = true, true
			}
		}
	}
	var ticks int64
	for pid := range in {
		ticks += procs[pid].ticks
	}
	return time.Duration(ticks) * (time.Second / 100) // USER_HZ
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
	dataDir := filepath.Join(tmp, "data")
	cmd := exec.Command(bin, "serve", "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--data-dir", dataDir, "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if n := os.Getenv("CONFLUX_GOMAXPROCS"); n != "" {
		// For experiments: the server's GOMAXPROCS apart from the clients'.
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+n)
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	s := &Server{Name: "conflux", Pid: cmd.Process.Pid, DataDir: dataDir, ConnStr: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)}
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
	// As root, PostgreSQL runs as the postgres user. Setting the
	// credentials directly (not through runuser) makes the started process
	// the postmaster itself, so stop's SIGINT reaches it.
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs a postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		os.Chown(tmp, uid, gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	asUser := func(name string, args ...string) *exec.Cmd {
		c := exec.Command(name, args...)
		if cred != nil {
			c.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
			c.Env = append(os.Environ(), "HOME="+tmp)
		}
		return c
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
	s := &Server{Name: "postgresql", Pid: cmd.Process.Pid, DataDir: data, ConnStr: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)}
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
