package bank

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/conflux-db/conflux/internal/pgtest"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// kills is how many times TestBankCrash kills the server; lakeKills is
// the same for each kind of TestBankCrashLake.
const (
	kills     = 12
	lakeKills = 10
)

// TestBankCrash runs the bank workload (half the clients at REPEATABLE
// READ, half at READ COMMITTED) against the real conflux binary
// while the server is killed with SIGKILL at random moments and restarted
// on the same data directory. After the last restart the total must be
// conserved, every acknowledged transfer must be in the log, no
// rolled-back one may be, and the balances must replay from the log.
func TestBankCrash(t *testing.T) {
	runCrash(t, rowBank, kills)
}

// TestBankCrashLake is TestBankCrash on lake tables and on a mix of lake
// and row tables, with the lake tables flushed and compacted throughout:
// inlined rows, manifests, deletion vectors and the files of maintenance
// jobs a kill interrupted must recover all or nothing per transaction,
// from the same WAL as row tables.
func TestBankCrashLake(t *testing.T) {
	for _, k := range []bankKind{lakeBank, mixedBank} {
		t.Run(k.name, func(t *testing.T) { runCrash(t, k, lakeKills) })
	}
}

func runCrash(t *testing.T, k bankKind, kills int) {
	ctx := context.Background()
	bin := pgtest.BuildConflux(t)
	dir := t.TempDir()
	p := startServer(t, bin, dir, 0)
	var addr atomic.Pointer[string]
	cs := p.connString()
	addr.Store(&cs)
	setupBank(ctx, t, cs, k)

	l := newLedger()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		workload{mixIso: []pgx.TxIsoLevel{pgx.RepeatableRead, pgx.ReadCommitted}, clients: 16, conn: func() string { return *addr.Load() }, crashy: true,
			maintain: k.lakeTables()}.run(t, l, stop)
	}()

	start := time.Now()
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	var downtime time.Duration
	for i := range kills {
		time.Sleep(time.Duration(200+rng.IntN(900)) * time.Millisecond)
		ack, _, _ := l.counts()
		p.kill()
		down := time.Now()
		p = startServer(t, bin, dir, p.port)
		downtime += time.Since(down)
		cs := p.connString()
		addr.Store(&cs)
		t.Logf("kill %d at %v: %d transfers acknowledged so far", i+1, time.Since(start).Round(time.Millisecond), ack)
	}
	// Let the clients commit against the final incarnation too.
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	t.Logf("%d kills in %v (restarts took %v in total)", kills, time.Since(start).Round(time.Millisecond), downtime.Round(time.Millisecond))
	report(t, l)
	verify(ctx, t, p.connString(), l)
	checkLakeFiles(ctx, t, p.connString(), k.lakeTables())
	p.stop(t)
}

// server is one incarnation of the conflux process.
type server struct {
	cmd  *exec.Cmd
	done chan error
	log  *syncBuilder
	port int
	dead bool
}

// syncBuilder is a strings.Builder safe for the process's two output
// streams.
type syncBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuilder) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuilder) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *server) connString() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.port)
}

// startServer starts conflux on dir, on port if it is not 0 (so clients
// find the restarted server where they left it), falling back to a fresh
// port if that one cannot be bound. A server that exits during startup
// (recovery failed) fails the test with its log.
func startServer(t *testing.T, bin, dir string, port int) *server {
	t.Helper()
	for attempt := 0; ; attempt++ {
		if port == 0 || attempt > 0 {
			port = pgtest.FreePort(t)
		}
		s, err := tryStart(t, bin, dir, port)
		if err == nil {
			return s
		}
		if attempt == 2 || !strings.Contains(err.Error(), "address already in use") {
			t.Fatalf("restart on %s: %v", dir, err)
		}
	}
}

func tryStart(t *testing.T, bin, dir string, port int) (*server, error) {
	s := &server{done: make(chan error, 1), log: &syncBuilder{}, port: port}
	s.cmd = exec.Command(bin, "serve", "--listen", "127.0.0.1:"+strconv.Itoa(port), "--data-dir", dir)
	s.cmd.Stdout = s.log
	s.cmd.Stderr = s.log
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(s.kill)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgconn.Connect(ctx, s.connString())
		cancel()
		if err == nil {
			_ = c.Close(context.Background())
			return s, nil
		}
		select {
		case werr := <-s.done:
			s.dead = true
			return nil, fmt.Errorf("conflux exited during startup: %v\n%s", werr, s.log)
		default:
		}
		if time.Now().After(deadline) {
			s.kill()
			return nil, fmt.Errorf("not accepting connections after 30s: %v\n%s", err, s.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (s *server) kill() {
	if s.dead {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
	s.dead = true
}

// stop sends SIGTERM and requires a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.dead = true
		if err != nil {
			t.Errorf("conflux exited with %v after SIGTERM\n%s", err, s.log)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("conflux did not exit within 30s of SIGTERM\n%s", s.log)
	}
}
