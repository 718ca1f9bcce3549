package pgtest

import (
	"context"
	"fmt"
	"net"
	"testing"

	"github.com/conflux-db/conflux/server"
	"github.com/conflux-db/conflux/sql"
)

// OpenEngine opens an in-memory engine closed at the end of the test. A
// panic while opening (an unfinished engine) fails the test instead of
// the whole test binary.
func OpenEngine(t testing.TB) *sql.Engine {
	t.Helper()
	var (
		e   *sql.Engine
		err error
	)
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		e, err = sql.Open(context.Background(), sql.Config{InMemory: true})
	}()
	if err != nil {
		t.Fatalf("open in-memory engine: %v", err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

// StartConflux starts an in-process Conflux server (in-memory engine,
// trust auth) on a loopback port and returns a connection string for it.
// The server shuts down when the test ends.
func StartConflux(t testing.TB) string {
	t.Helper()
	e := OpenEngine(t)
	srv, err := server.New(server.FromEngine(e), server.Config{Auth: server.AuthTrust})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	// Registered after OpenEngine's cleanup, so it runs first: the server
	// stops before the engine closes.
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("conflux server: %v", err)
		}
	})
	return fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", ln.Addr().String())
}
