package server

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5/pgproto3"
)

// testServer is a Server on a loopback port, shut down at test end.
type testServer struct {
	*Server
	addr string
}

func startServer(t testing.TB, b Backend, cfg Config) *testServer {
	t.Helper()
	if cfg.Logger == nil && testing.Verbose() {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := New(b, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("server did not shut down")
		}
	})
	return &testServer{Server: s, addr: ln.Addr().String()}
}

// client is a raw protocol client.
type client struct {
	t      testing.TB
	nc     net.Conn
	fe     *pgproto3.Frontend
	pid    uint32
	secret []byte
}

func dial(t testing.TB, addr string) *client {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { nc.Close() })
	return &client{t: t, nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
}

// connect dials and completes a trust startup, returning the startup messages.
func connect(t testing.TB, addr string, params map[string]string) (*client, []string) {
	t.Helper()
	c := dial(t, addr)
	if params == nil {
		params = map[string]string{}
	}
	if _, ok := params["user"]; !ok {
		params["user"] = "alice"
	}
	c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: params})
	return c, c.untilReady()
}

func (c *client) send(msgs ...pgproto3.FrontendMessage) {
	c.t.Helper()
	for _, m := range msgs {
		c.fe.Send(m)
	}
	if err := c.fe.Flush(); err != nil {
		c.t.Fatal(err)
	}
}

func (c *client) recv() string {
	c.t.Helper()
	msg, err := c.fe.Receive()
	if err != nil {
		c.t.Fatalf("receive: %v", err)
	}
	if k, ok := msg.(*pgproto3.BackendKeyData); ok {
		c.pid, c.secret = k.ProcessID, append([]byte(nil), k.SecretKey...)
	}
	return summarize(msg)
}

// untilReady receives messages up to and including ReadyForQuery.
func (c *client) untilReady() []string {
	c.t.Helper()
	var out []string
	for {
		s := c.recv()
		out = append(out, s)
		if strings.HasPrefix(s, "ReadyForQuery") {
			return out
		}
		if strings.HasPrefix(s, "Error(FATAL") {
			return out
		}
	}
}

// query runs a simple query and returns the response messages.
func (c *client) query(q string) []string {
	c.t.Helper()
	c.send(&pgproto3.Query{String: q})
	return c.untilReady()
}

// expectClosed asserts the server closed the connection.
func (c *client) expectClosed() {
	c.t.Helper()
	_ = c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		msg, err := c.fe.Receive()
		if err != nil {
			return
		}
		if s := summarize(msg); !strings.HasPrefix(s, "Error(FATAL") {
			c.t.Fatalf("expected connection close, got %s", s)
		}
	}
}

// summarize renders a backend message compactly for comparisons.
func summarize(msg pgproto3.BackendMessage) string {
	switch m := msg.(type) {
	case *pgproto3.RowDescription:
		var f []string
		for _, fd := range m.Fields {
			f = append(f, fmt.Sprintf("%s:%d:%d:%d:%d", fd.Name, fd.DataTypeOID, fd.DataTypeSize, fd.TypeModifier, fd.Format))
		}
		return "RowDescription(" + strings.Join(f, ",") + ")"
	case *pgproto3.DataRow:
		var v []string
		for _, b := range m.Values {
			v = append(v, value(b))
		}
		return "DataRow(" + strings.Join(v, ",") + ")"
	case *pgproto3.CommandComplete:
		return "CommandComplete(" + string(m.CommandTag) + ")"
	case *pgproto3.ReadyForQuery:
		return "ReadyForQuery(" + string(m.TxStatus) + ")"
	case *pgproto3.ErrorResponse:
		return fmt.Sprintf("Error(%s %s: %s)", m.Severity, m.Code, m.Message)
	case *pgproto3.NoticeResponse:
		return fmt.Sprintf("Notice(%s %s: %s)", m.Severity, m.Code, m.Message)
	case *pgproto3.ParameterStatus:
		return "ParameterStatus(" + m.Name + "=" + m.Value + ")"
	case *pgproto3.ParameterDescription:
		var v []string
		for _, o := range m.ParameterOIDs {
			v = append(v, strconv.Itoa(int(o)))
		}
		return "ParameterDescription(" + strings.Join(v, ",") + ")"
	case *pgproto3.CopyInResponse:
		return fmt.Sprintf("CopyInResponse(%d,%v)", m.OverallFormat, m.ColumnFormatCodes)
	case *pgproto3.CopyOutResponse:
		return fmt.Sprintf("CopyOutResponse(%d,%v)", m.OverallFormat, m.ColumnFormatCodes)
	case *pgproto3.CopyData:
		return fmt.Sprintf("CopyData(%q)", m.Data)
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", msg), "*pgproto3.")
}

func value(b []byte) string {
	if b == nil {
		return "NULL"
	}
	for _, r := range string(b) {
		if !unicode.IsPrint(r) {
			return `\x` + hex.EncodeToString(b)
		}
	}
	return "'" + string(b) + "'"
}

// filter drops ParameterStatus messages (for tests not about them).
func filter(msgs []string, prefix string) []string {
	var out []string
	for _, m := range msgs {
		if !strings.HasPrefix(m, prefix) {
			out = append(out, m)
		}
	}
	return out
}

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

// testLogger logs to stderr under -v and nowhere otherwise.
func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return nil
}
