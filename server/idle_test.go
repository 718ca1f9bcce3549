package server

import (
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// TestIdleInTransactionTimeout: a session idle after ReadyForQuery inside
// a transaction (T or E) longer than idle_in_transaction_session_timeout
// is terminated with FATAL 25P03 and its session closed (rolling the
// transaction back); idling outside a transaction, or between extended
// protocol messages before Sync, is not limited.
func TestIdleInTransactionTimeout(t *testing.T) {
	const fatal = "Error(FATAL 25P03: terminating connection due to idle-in-transaction timeout)"
	for _, tc := range []struct {
		name   string
		setup  []string // simple queries before idling
		killed bool
	}{
		{name: "idle outside a transaction", setup: []string{"SET idle_in_transaction_session_timeout 100"}},
		{name: "idle in a transaction", setup: []string{"SET idle_in_transaction_session_timeout 100", "BEGIN"}, killed: true},
		{name: "idle in an aborted transaction", setup: []string{"SET idle_in_transaction_session_timeout 100", "BEGIN", "ERROR 22012"}, killed: true},
		{name: "disabled", setup: []string{"SET idle_in_transaction_session_timeout 0", "BEGIN"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newFakeBackend()
			ts := startServer(t, b, Config{})
			c, _ := connect(t, ts.addr, nil)
			for _, q := range tc.setup {
				c.query(q)
			}
			time.Sleep(400 * time.Millisecond)
			if !tc.killed {
				if got := c.query("SELECT"); got[len(got)-1][:len("ReadyForQuery")] != "ReadyForQuery" {
					t.Fatalf("connection should live on: %v", got)
				}
				return
			}
			if got := c.recv(); got != fatal {
				t.Fatalf("want %s, got %s", fatal, got)
			}
			c.expectClosed()
			deadline := time.Now().Add(5 * time.Second)
			for {
				b.mu.Lock()
				closed := b.closed
				b.mu.Unlock()
				if closed == 1 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("session not closed (its transaction would hold its locks)")
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	t.Run("not between extended protocol messages", func(t *testing.T) {
		ts := startServer(t, newFakeBackend(), Config{})
		c, _ := connect(t, ts.addr, nil)
		c.query("SET idle_in_transaction_session_timeout 100")
		c.query("BEGIN")
		c.send(&pgproto3.Parse{Query: "SELECT"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Flush{})
		for got := c.recv(); !strings.HasPrefix(got, "CommandComplete"); got = c.recv() {
		}
		time.Sleep(400 * time.Millisecond) // no ReadyForQuery yet: not idle
		c.send(&pgproto3.Sync{})
		if got := c.untilReady(); got[len(got)-1] != "ReadyForQuery(T)" {
			t.Fatalf("after Sync: %v", got)
		}
	})
}
