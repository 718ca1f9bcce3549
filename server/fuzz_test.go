package server

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// fuzzServer returns a server whose SLOW statement ends quickly, and a
// function that runs one connection carrying the given client bytes to
// completion, failing if the server panicked or hung.
func fuzzServer(t testing.TB) func(t *testing.T, startup bool, data []byte) {
	b := newFakeBackend()
	b.slowMax = time.Millisecond
	b.slowStarted = make(chan struct{}, 1<<20)
	s, err := New(b, Config{MaxMessageSize: 1 << 16, StartupTimeout: 5 * time.Second, Logger: testLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return func(t *testing.T, startup bool, data []byte) {
		before := s.panics.Load()
		cli, srv := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.serveConn(context.Background(), srv)
		}()
		go func() { _, _ = io.Copy(io.Discard, cli) }()
		if startup {
			msg := &pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "f"}}
			buf, _ := msg.Encode(nil)
			if _, err := cli.Write(buf); err != nil {
				t.Fatal(err)
			}
		}
		_ = cli.SetWriteDeadline(time.Now().Add(5 * time.Second))
		_, _ = cli.Write(data)
		_ = cli.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("connection goroutine did not finish")
		}
		if n := s.panics.Load() - before; n != 0 {
			t.Fatalf("server recovered %d panics", n)
		}
	}
}

func msgBytes(msgs ...pgproto3.FrontendMessage) []byte {
	var buf []byte
	for _, m := range msgs {
		buf, _ = m.Encode(buf)
	}
	return buf
}

// FuzzMessages feeds arbitrary bytes after a valid startup.
func FuzzMessages(f *testing.F) {
	f.Add(msgBytes(&pgproto3.Query{String: "SELECT 1; ROWS 3"}))
	f.Add(msgBytes(&pgproto3.Parse{Query: "ECHO", ParameterOIDs: []uint32{20}},
		&pgproto3.Bind{ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{0, 0, 0, 0, 0, 0, 0, 1}}, ResultFormatCodes: []int16{1}},
		&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{MaxRows: 1}, &pgproto3.Sync{}))
	f.Add(msgBytes(&pgproto3.Query{String: "COPY IN"}, &pgproto3.CopyData{Data: []byte("a\n")}, &pgproto3.CopyDone{}))
	f.Add(msgBytes(&pgproto3.Query{String: "COPY IN"}, &pgproto3.CopyFail{Message: "x"}, &pgproto3.Query{String: "COPY OUT"}))
	f.Add(msgBytes(&pgproto3.Parse{Name: "a", Query: "ROWS 2"}, &pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "a"},
		&pgproto3.Execute{Portal: "p", MaxRows: 1}, &pgproto3.Close{ObjectType: 'P', Name: "p"}, &pgproto3.Sync{}, &pgproto3.Terminate{}))
	f.Add([]byte{'B', 0, 0, 0, 6, 0, 0})
	f.Add([]byte{'Q', 0xff, 0xff, 0xff, 0xff})
	run := fuzzServer(f)
	f.Fuzz(func(t *testing.T, data []byte) { run(t, true, data) })
}

// FuzzStartup feeds arbitrary bytes as the startup packet.
func FuzzStartup(f *testing.F) {
	ok, _ := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "u"}}).Encode(nil)
	f.Add(ok)
	ssl, _ := (&pgproto3.SSLRequest{}).Encode(nil)
	f.Add(append(ssl, ok...))
	cancel, _ := (&pgproto3.CancelRequest{ProcessID: 1, SecretKey: []byte{1, 2, 3, 4}}).Encode(nil)
	f.Add(cancel)
	f.Add(binary.BigEndian.AppendUint32(nil, 8))
	f.Add([]byte{0, 0, 0, 9, 0, 3, 0, 0, 0})
	run := fuzzServer(f)
	f.Fuzz(func(t *testing.T, data []byte) { run(t, false, data) })
}
