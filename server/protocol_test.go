package server

import (
	"encoding/binary"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

func TestStartupParameterStatus(t *testing.T) {
	ts := startServer(t, newFakeBackend(), Config{})
	c, msgs := connect(t, ts.addr, map[string]string{"application_name": "app1", "TimeZone": "Europe/Amsterdam"})
	if msgs[0] != "AuthenticationOk" {
		t.Fatalf("first message %s", msgs[0])
	}
	want := []string{
		"ParameterStatus(application_name=app1)",
		"ParameterStatus(client_encoding=UTF8)",
		"ParameterStatus(DateStyle=ISO, MDY)",
		"ParameterStatus(in_hot_standby=off)",
		"ParameterStatus(integer_datetimes=on)",
		"ParameterStatus(IntervalStyle=postgres)",
		"ParameterStatus(is_superuser=off)",
		"ParameterStatus(server_encoding=UTF8)",
		"ParameterStatus(server_version=16.4)",
		"ParameterStatus(session_authorization=alice)",
		"ParameterStatus(standard_conforming_strings=on)",
		"ParameterStatus(TimeZone=Europe/Amsterdam)",
		"BackendKeyData",
		"ReadyForQuery(I)",
	}
	for _, w := range want {
		if !slices.Contains(msgs, w) {
			t.Errorf("missing %s in %v", w, msgs)
		}
	}
	if msgs[len(msgs)-1] != "ReadyForQuery(I)" || msgs[len(msgs)-2] != "BackendKeyData" {
		t.Errorf("startup must end with BackendKeyData, ReadyForQuery: %v", msgs)
	}
	if c.pid == 0 || len(c.secret) != 4 {
		t.Errorf("bad key data pid=%d secret=%x", c.pid, c.secret)
	}
}

func TestSSLAndGSSRequestDeclined(t *testing.T) {
	ts := startServer(t, newFakeBackend(), Config{})
	for _, req := range []pgproto3.FrontendMessage{&pgproto3.SSLRequest{}, &pgproto3.GSSEncRequest{}} {
		c := dial(t, ts.addr)
		c.send(req)
		b := make([]byte, 1)
		if _, err := io.ReadFull(c.nc, b); err != nil || b[0] != 'N' {
			t.Fatalf("%T: got %q, %v", req, b, err)
		}
		c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "u"}})
		if msgs := c.untilReady(); msgs[len(msgs)-1] != "ReadyForQuery(I)" {
			t.Fatalf("startup after %T failed: %v", req, msgs)
		}
		if got := filter(c.query("SELECT 1"), "Row"); !slices.Equal(got, []string{"DataRow('1')", "CommandComplete(SELECT 1)", "ReadyForQuery(I)"}) {
			t.Fatalf("query after %T: %v", req, got)
		}
	}
}

func TestStartupErrors(t *testing.T) {
	ts := startServer(t, newFakeBackend(), Config{})
	t.Run("no user", func(t *testing.T) {
		c := dial(t, ts.addr)
		c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"database": "x"}})
		if got := c.recv(); got != "Error(FATAL 28000: no PostgreSQL user name specified in startup packet)" {
			t.Fatal(got)
		}
		c.expectClosed()
	})
	t.Run("session refused", func(t *testing.T) {
		c := dial(t, ts.addr)
		c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "nobody"}})
		msgs := c.untilReady()
		if got := msgs[len(msgs)-1]; got != `Error(FATAL 28000: role "nobody" does not exist)` {
			t.Fatal(got)
		}
		c.expectClosed()
	})
	t.Run("protocol 2.0", func(t *testing.T) {
		c := dial(t, ts.addr)
		pkt := binary.BigEndian.AppendUint32(nil, 8+5)
		pkt = binary.BigEndian.AppendUint32(pkt, 2<<16)
		pkt = append(pkt, 'u', 0, 0, 0, 0)
		if _, err := c.nc.Write(pkt); err != nil {
			t.Fatal(err)
		}
		if got := c.recv(); !strings.HasPrefix(got, "Error(FATAL 08P01") {
			t.Fatal(got)
		}
		c.expectClosed()
	})
	t.Run("protocol 3.2 negotiated down", func(t *testing.T) {
		c := dial(t, ts.addr)
		c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion32, Parameters: map[string]string{"user": "u", "_pq_.x": "1"}})
		msgs := c.untilReady()
		if msgs[0] != "NegotiateProtocolVersion" || msgs[len(msgs)-1] != "ReadyForQuery(I)" {
			t.Fatal(msgs)
		}
	})
}

func TestSimpleQuery(t *testing.T) {
	ts := startServer(t, newFakeBackend(), Config{})
	c, _ := connect(t, ts.addr, nil)
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"SELECT 1", []string{"RowDescription(?column?:23:4:-1:0)", "DataRow('1')", "CommandComplete(SELECT 1)", "ReadyForQuery(I)"}},
		{"", []string{"EmptyQueryResponse", "ReadyForQuery(I)"}},
		{" ; ", []string{"EmptyQueryResponse", "ReadyForQuery(I)"}},
		{"SELECT 1; ROWS 2; INSERT", []string{
			"RowDescription(?column?:23:4:-1:0)", "DataRow('1')", "CommandComplete(SELECT 1)",
			"RowDescription(i:20:8:-1:0,s:25:-1:-1:0)", "DataRow('1','r1')", "DataRow('2','r2')", "CommandComplete(SELECT 2)",
			"CommandComplete(INSERT 0 1)", "ReadyForQuery(I)"}},
		{"INSERT; ERROR 23505; INSERT", []string{"CommandComplete(INSERT 0 1)", "Error(ERROR 23505: fake error 23505)", "ReadyForQuery(I)"}},
		{"PREPERR; INSERT", []string{`Error(ERROR 42P01: relation "nope" does not exist)`, "ReadyForQuery(I)"}},
		{"INSERT; SYNTAX", []string{`Error(ERROR 42601: syntax error at or near "SYNTAX")`, "ReadyForQuery(I)"}},
		{"NULLS", []string{"RowDescription(a:25:-1:-1:0,b:25:-1:-1:0)", "DataRow(NULL,'')", "CommandComplete(SELECT 1)", "ReadyForQuery(I)"}},
		{"NOTICE hello there", []string{"Notice(NOTICE 00000: hello there)", "CommandComplete(NOTICE)", "ReadyForQuery(I)"}},
		{"SET TimeZone Asia/Tokyo", []string{"CommandComplete(SET)", "ParameterStatus(TimeZone=Asia/Tokyo)", "ReadyForQuery(I)"}},
		{"BEGIN; INSERT", []string{"CommandComplete(BEGIN)", "CommandComplete(INSERT 0 1)", "ReadyForQuery(T)"}},
		{"ERROR 22012", []string{"Error(ERROR 22012: fake error 22012)", "ReadyForQuery(E)"}},
		{"INSERT", []string{"Error(ERROR 25P02: current transaction is aborted, commands ignored until end of transaction block)", "ReadyForQuery(E)"}},
		{"ROLLBACK", []string{"CommandComplete(ROLLBACK)", "ReadyForQuery(I)"}},
		{"COPY OUT", []string{"CopyOutResponse(0,[0 0])", `CopyData("1\ta\n")`, `CopyData("2\tb\n")`, "CopyDone", "CommandComplete(COPY 2)", "ReadyForQuery(I)"}},
		{"ECHO", []string{"Error(ERROR 42P02: there is no parameter $1)", "ReadyForQuery(I)"}},
	} {
		if got := c.query(tc.query); !slices.Equal(got, tc.want) {
			t.Errorf("%q:\n got %v\nwant %v", tc.query, got, tc.want)
		}
	}
}

func TestLargeResult(t *testing.T) {
	ts := startServer(t, newFakeBackend(), Config{})
	c, _ := connect(t, ts.addr, nil)
	got := c.query("ROWS 20000")
	if len(got) != 20003 || got[20000] != "DataRow('20000','r20000')" || got[20001] != "CommandComplete(SELECT 20000)" {
		t.Fatalf("%d messages, tail %v", len(got), got[len(got)-3:])
	}
}

func TestErrorResponseFields(t *testing.T) {
	ts := startServer(t, newFakeBackend(), Config{})
	c, _ := connect(t, ts.addr, nil)
	c.send(&pgproto3.Query{String: "ERROR 23505"})
	msg, err := c.fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	e, ok := msg.(*pgproto3.ErrorResponse)
	if !ok {
		t.Fatalf("got %T", msg)
	}
	if e.Severity != "ERROR" || e.SeverityUnlocalized != "ERROR" || e.Code != "23505" || e.Detail != "some detail" ||
		e.Hint != "some hint" || e.TableName != "t" || e.ColumnName != "c" || e.ConstraintName != "t_pkey" {
		t.Fatalf("fields lost: %+v", e)
	}
	c.untilReady()
	c.send(&pgproto3.Query{String: "SYNTAX"})
	msg, _ = c.fe.Receive()
	if e := msg.(*pgproto3.ErrorResponse); e.Position != 1 {
		t.Fatalf("position lost: %+v", e)
	}
}

func TestExtendedProtocol(t *testing.T) {
	ts := startServer(t, newFakeBackend(), Config{})
	c, _ := connect(t, ts.addr, nil)
	int8bin := func(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }
	for _, tc := range []struct {
		name string
		msgs []pgproto3.FrontendMessage
		want []string
	}{
		{"portal suspension", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "ROWS 5"},
			&pgproto3.Bind{},
			&pgproto3.Describe{ObjectType: 'P'},
			&pgproto3.Execute{MaxRows: 2},
			&pgproto3.Execute{MaxRows: 2},
			&pgproto3.Execute{MaxRows: 2},
			&pgproto3.Sync{},
		}, []string{"ParseComplete", "BindComplete", "RowDescription(i:20:8:-1:0,s:25:-1:-1:0)",
			"DataRow('1','r1')", "DataRow('2','r2')", "PortalSuspended",
			"DataRow('3','r3')", "DataRow('4','r4')", "PortalSuspended",
			"DataRow('5','r5')", "CommandComplete(SELECT 1)", "ReadyForQuery(I)"}},
		{"portal suspended across Flush", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "ROWS 3"},
			&pgproto3.Bind{},
			&pgproto3.Execute{MaxRows: 3},
			&pgproto3.Flush{},
			&pgproto3.Execute{},
			&pgproto3.Sync{},
		}, []string{"ParseComplete", "BindComplete", "DataRow('1','r1')", "DataRow('2','r2')", "DataRow('3','r3')",
			"PortalSuspended", "CommandComplete(SELECT 0)", "ReadyForQuery(I)"}},
		{"describe statement", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Name: "e", Query: "ECHO", ParameterOIDs: []uint32{20}},
			&pgproto3.Describe{ObjectType: 'S', Name: "e"},
			&pgproto3.Parse{Name: "ins", Query: "INSERT"},
			&pgproto3.Describe{ObjectType: 'S', Name: "ins"},
			&pgproto3.Close{ObjectType: 'S', Name: "e"},
			&pgproto3.Close{ObjectType: 'S', Name: "ins"},
			&pgproto3.Close{ObjectType: 'S', Name: "never-existed"},
			&pgproto3.Sync{},
		}, []string{"ParseComplete", "ParameterDescription(20)", "RowDescription(echo:20:8:-1:0)",
			"ParseComplete", "ParameterDescription()", "NoData", "CloseComplete", "CloseComplete", "CloseComplete", "ReadyForQuery(I)"}},
		{"error skips to sync", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "ERROR 40001"},
			&pgproto3.Bind{},
			&pgproto3.Execute{},
			&pgproto3.Parse{Query: "SELECT 1"},
			&pgproto3.Bind{},
			&pgproto3.Execute{},
			&pgproto3.Sync{},
			&pgproto3.Parse{Query: "SELECT 1"},
			&pgproto3.Bind{},
			&pgproto3.Execute{},
			&pgproto3.Sync{},
		}, []string{"ParseComplete", "BindComplete", "Error(ERROR 40001: fake error 40001)", "ReadyForQuery(I)",
			"ParseComplete", "BindComplete", "DataRow('1')", "CommandComplete(SELECT 1)", "ReadyForQuery(I)"}},
		{"unnamed statement replaced", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "SELECT 1"},
			&pgproto3.Parse{Query: "ROWS 1"},
			&pgproto3.Bind{},
			&pgproto3.Execute{},
			&pgproto3.Sync{},
		}, []string{"ParseComplete", "ParseComplete", "BindComplete", "DataRow('1','r1')", "CommandComplete(SELECT 1)", "ReadyForQuery(I)"}},
		{"named duplicate", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Name: "s1", Query: "SELECT 1"},
			&pgproto3.Parse{Name: "s1", Query: "SELECT 1"},
			&pgproto3.Sync{},
			&pgproto3.Bind{DestinationPortal: "p1", PreparedStatement: "s1"},
			&pgproto3.Bind{DestinationPortal: "p1", PreparedStatement: "s1"},
			&pgproto3.Sync{},
			&pgproto3.Close{ObjectType: 'S', Name: "s1"},
			&pgproto3.Sync{},
		}, []string{"ParseComplete", `Error(ERROR 42P05: prepared statement "s1" already exists)`, "ReadyForQuery(I)",
			"BindComplete", `Error(ERROR 42P03: portal "p1" already exists)`, "ReadyForQuery(I)",
			"CloseComplete", "ReadyForQuery(I)"}},
		{"named portals interleaved", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Name: "a", Query: "ROWS 2"},
			&pgproto3.Bind{DestinationPortal: "pa", PreparedStatement: "a"},
			&pgproto3.Bind{DestinationPortal: "pb", PreparedStatement: "a"},
			&pgproto3.Execute{Portal: "pa", MaxRows: 1},
			&pgproto3.Execute{Portal: "pb", MaxRows: 1},
			&pgproto3.Execute{Portal: "pa"},
			&pgproto3.Close{ObjectType: 'P', Name: "pb"},
			&pgproto3.Execute{Portal: "pb"},
			&pgproto3.Sync{},
			&pgproto3.Close{ObjectType: 'S', Name: "a"},
			&pgproto3.Sync{},
		}, []string{"ParseComplete", "BindComplete", "BindComplete",
			"DataRow('1','r1')", "PortalSuspended", "DataRow('1','r1')", "PortalSuspended",
			"DataRow('2','r2')", "CommandComplete(SELECT 1)", "CloseComplete",
			`Error(ERROR 34000: portal "pb" does not exist)`, "ReadyForQuery(I)", "CloseComplete", "ReadyForQuery(I)"}},
		{"binary params and results", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "ECHO", ParameterOIDs: []uint32{20}},
			&pgproto3.Bind{ParameterFormatCodes: []int16{1}, Parameters: [][]byte{int8bin(42)}, ResultFormatCodes: []int16{1}},
			&pgproto3.Describe{ObjectType: 'P'},
			&pgproto3.Execute{},
			&pgproto3.Bind{ParameterFormatCodes: []int16{0}, Parameters: [][]byte{[]byte("-7")}},
			&pgproto3.Execute{},
			&pgproto3.Bind{Parameters: [][]byte{nil}, ResultFormatCodes: []int16{1}},
			&pgproto3.Execute{},
			&pgproto3.Sync{},
		}, []string{"ParseComplete", "BindComplete", "RowDescription(echo:20:8:-1:1)", `DataRow(\x000000000000002a)`, "CommandComplete(SELECT 1)",
			"BindComplete", "DataRow('-7')", "CommandComplete(SELECT 1)",
			"BindComplete", "DataRow(NULL)", "CommandComplete(SELECT 1)", "ReadyForQuery(I)"}},
		{"bad text param", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "ECHO"},
			&pgproto3.Bind{Parameters: [][]byte{[]byte("x")}},
			&pgproto3.Sync{},
		}, []string{"ParseComplete", `Error(ERROR 22P02: invalid input syntax for type int8: "x")`, "ReadyForQuery(I)"}},
		{"bad binary param", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "ECHO"},
			&pgproto3.Bind{ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{1, 2, 3}}},
			&pgproto3.Sync{},
		}, []string{"ParseComplete", "Error(ERROR 22P03: incorrect binary data format in bind parameter 1)", "ReadyForQuery(I)"}},
		{"bind errors", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "ECHO"},
			&pgproto3.Bind{},
			&pgproto3.Sync{},
			&pgproto3.Bind{Parameters: [][]byte{[]byte("1")}, ResultFormatCodes: []int16{0, 1}},
			&pgproto3.Sync{},
			&pgproto3.Bind{Parameters: [][]byte{[]byte("1")}, ParameterFormatCodes: []int16{0, 0}},
			&pgproto3.Sync{},
			&pgproto3.Bind{PreparedStatement: "nope"},
			&pgproto3.Sync{},
			&pgproto3.Execute{Portal: "nope"},
			&pgproto3.Sync{},
		}, []string{"ParseComplete", `Error(ERROR 08P01: bind message supplies 0 parameters, but prepared statement "" requires 1)`, "ReadyForQuery(I)",
			"Error(ERROR 08P01: bind message has 2 result formats but query has 1 columns)", "ReadyForQuery(I)",
			"Error(ERROR 08P01: bind message has 2 parameter formats but 1 parameters)", "ReadyForQuery(I)",
			`Error(ERROR 26000: prepared statement "nope" does not exist)`, "ReadyForQuery(I)",
			`Error(ERROR 34000: portal "nope" does not exist)`, "ReadyForQuery(I)"}},
		{"empty and multiple statements", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: ""},
			&pgproto3.Bind{},
			&pgproto3.Describe{ObjectType: 'P'},
			&pgproto3.Execute{},
			&pgproto3.Parse{Query: "SELECT 1; SELECT 1"},
			&pgproto3.Sync{},
		}, []string{"ParseComplete", "BindComplete", "NoData", "EmptyQueryResponse",
			"Error(ERROR 42601: cannot insert multiple commands into a prepared statement)", "ReadyForQuery(I)"}},
		{"command portal runs once", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "INSERT"},
			&pgproto3.Bind{},
			&pgproto3.Execute{},
			&pgproto3.Execute{},
			&pgproto3.Sync{},
		}, []string{"ParseComplete", "BindComplete", "CommandComplete(INSERT 0 1)", `Error(ERROR 55000: portal "" cannot be run)`, "ReadyForQuery(I)"}},
		{"transaction status at sync", []pgproto3.FrontendMessage{
			&pgproto3.Parse{Query: "BEGIN"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Parse{Query: "ERROR 23505"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{},
			&pgproto3.Parse{Query: "ROLLBACK"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{},
		}, []string{"ParseComplete", "BindComplete", "CommandComplete(BEGIN)", "ReadyForQuery(T)",
			"ParseComplete", "BindComplete", "Error(ERROR 23505: fake error 23505)", "ReadyForQuery(E)",
			"ParseComplete", "BindComplete", "CommandComplete(ROLLBACK)", "ReadyForQuery(I)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.send(tc.msgs...)
			var got []string
			for range strings.Count(strings.Join(tc.want, "\x00"), "ReadyForQuery") {
				got = append(got, c.untilReady()...)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("\n got %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestCopyIn(t *testing.T) {
	b := newFakeBackend()
	ts := startServer(t, b, Config{})
	c, _ := connect(t, ts.addr, nil)

	c.send(&pgproto3.Query{String: "COPY IN"})
	if got := c.recv(); got != "CopyInResponse(0,[0 0])" {
		t.Fatal(got)
	}
	c.send(&pgproto3.CopyData{Data: []byte("1\ta\n")}, &pgproto3.Flush{}, &pgproto3.CopyData{Data: []byte("2\tb\n")}, &pgproto3.CopyDone{})
	if got := c.untilReady(); !slices.Equal(got, []string{"CommandComplete(COPY 2)", "ReadyForQuery(I)"}) {
		t.Fatal(got)
	}
	if got := b.copiedData(); !slices.Equal(got, []string{"1\ta\n2\tb\n"}) {
		t.Fatalf("copied %q", got)
	}

	c.send(&pgproto3.Query{String: "COPY IN"})
	c.recv()
	c.send(&pgproto3.CopyData{Data: []byte("3\tc\n")}, &pgproto3.CopyFail{Message: "client gave up"})
	if got := c.untilReady(); !slices.Equal(got, []string{"Error(ERROR 57014: COPY from stdin failed: client gave up)", "ReadyForQuery(I)"}) {
		t.Fatal(got)
	}
	// Stray copy messages after a failed COPY are dropped.
	c.send(&pgproto3.CopyData{Data: []byte("x")}, &pgproto3.CopyDone{})
	if got := c.query("SELECT 1"); len(got) != 4 || got[1] != "DataRow('1')" {
		t.Fatal(got)
	}

	// Extended protocol COPY.
	// Sync belongs after CopyDone: one sent during COPY is ignored.
	c.send(&pgproto3.Parse{Query: "COPY IN"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Flush{})
	if got := []string{c.recv(), c.recv(), c.recv()}; got[2] != "CopyInResponse(0,[0 0])" {
		t.Fatal(got)
	}
	c.send(&pgproto3.CopyData{Data: []byte("4\td\n")}, &pgproto3.Sync{}, &pgproto3.CopyDone{}, &pgproto3.Sync{})
	if got := c.untilReady(); !slices.Equal(got, []string{"CommandComplete(COPY 1)", "ReadyForQuery(I)"}) {
		t.Fatal(got)
	}

	// A protocol violation in COPY ends the connection.
	c.send(&pgproto3.Query{String: "COPY IN"})
	c.recv()
	c.send(&pgproto3.Parse{Query: "SELECT 1"})
	msgs := c.untilReady()
	if !slices.Contains(msgs, "Error(FATAL 08P01: unexpected message type 0x50 during COPY from stdin)") {
		t.Fatal(msgs)
	}
	c.expectClosed()
}

func TestCancelRequest(t *testing.T) {
	b := newFakeBackend()
	ts := startServer(t, b, Config{})
	c, _ := connect(t, ts.addr, nil)
	c.send(&pgproto3.Query{String: "SLOW"})
	<-b.slowStarted

	// Wrong secret: ignored.
	bad := dial(t, ts.addr)
	bad.send(&pgproto3.CancelRequest{ProcessID: c.pid, SecretKey: []byte{^c.secret[0], 0, 0, 0}})
	bad.expectClosed()
	_ = c.nc.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, err := c.fe.Receive(); err == nil {
		t.Fatal("statement ended after a cancel with the wrong key")
	}
	// The timed-out read may have left the frontend mid-message; use a
	// fresh one (nothing was sent, so the stream is intact).
	c.fe = pgproto3.NewFrontend(c.nc, c.nc)
	_ = c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))

	cc := dial(t, ts.addr)
	cc.send(&pgproto3.CancelRequest{ProcessID: c.pid, SecretKey: c.secret})
	cc.expectClosed()
	if got := c.untilReady(); !slices.Equal(got, []string{"Error(ERROR 57014: canceling statement due to user request)", "ReadyForQuery(I)"}) {
		t.Fatal(got)
	}
	if got := c.query("SELECT 1"); len(got) != 4 {
		t.Fatal(got)
	}

	// Statements share one context per connection until it is cancelled:
	// a second cancel (this time of an Execute) must work too, and the
	// statements after it must run under a fresh, live context.
	c.send(&pgproto3.Parse{Query: "SLOW"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	<-b.slowStarted
	cc = dial(t, ts.addr)
	cc.send(&pgproto3.CancelRequest{ProcessID: c.pid, SecretKey: c.secret})
	cc.expectClosed()
	if got := c.untilReady(); !slices.Equal(got, []string{"ParseComplete", "BindComplete",
		"Error(ERROR 57014: canceling statement due to user request)", "ReadyForQuery(I)"}) {
		t.Fatal(got)
	}
	for range 3 {
		if got := c.query("SELECT 1"); len(got) != 4 {
			t.Fatal(got)
		}
	}
}

// TestCancelBetweenStatements: PostgreSQL ignores a CancelRequest that
// arrives while nothing runs; it must not cancel the next statement.
func TestCancelBetweenStatements(t *testing.T) {
	b := newFakeBackend()
	ts := startServer(t, b, Config{})
	c, _ := connect(t, ts.addr, nil)
	if got := c.query("SELECT 1"); len(got) != 4 {
		t.Fatal(got)
	}
	cc := dial(t, ts.addr)
	cc.send(&pgproto3.CancelRequest{ProcessID: c.pid, SecretKey: c.secret})
	cc.expectClosed()
	for range 3 {
		if got := c.query("SELECT 1"); len(got) != 4 {
			t.Fatal(got)
		}
	}
}

func TestMalformedMessageClosesOnlyThatConnection(t *testing.T) {
	ts := startServer(t, newFakeBackend(), Config{MaxMessageSize: 1 << 10})
	good, _ := connect(t, ts.addr, nil)
	for _, tc := range []struct {
		name string
		raw  []byte
		want string
	}{
		{"unknown type", []byte{'z', 0, 0, 0, 4}, "Error(FATAL 08P01: invalid frontend message: unknown message type: z)"},
		{"short length", []byte{'Q', 0, 0, 0, 2}, "Error(FATAL 08P01: invalid frontend message: invalid message length: 2)"},
		{"oversized", append([]byte{'Q', 0, 0, 0x10, 0}, make([]byte, 16)...), "Error(FATAL 08P01: invalid message length)"},
		{"bad bind", []byte{'B', 0, 0, 0, 6, 0, 0}, "Error(FATAL 08P01: invalid frontend message: Bind body is invalid )"},
		{"password after startup", []byte{'p', 0, 0, 0, 6, 'x', 0}, `Error(FATAL 08P01: invalid frontend message type 'p')`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad, _ := connect(t, ts.addr, nil)
			if _, err := bad.nc.Write(tc.raw); err != nil {
				t.Fatal(err)
			}
			if got := bad.recv(); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			bad.expectClosed()
			if got := good.query("SELECT 1"); len(got) != 4 || got[1] != "DataRow('1')" {
				t.Fatalf("other connection broken: %v", got)
			}
		})
	}
	if n := ts.panics.Load(); n != 0 {
		t.Fatalf("%d panics", n)
	}
}

func TestPanicBecomesInternalError(t *testing.T) {
	ts := startServer(t, newFakeBackend(), Config{})
	c, _ := connect(t, ts.addr, nil)
	if got := c.query("PANIC"); !slices.Equal(got, []string{"Error(ERROR XX000: internal error: fake backend panic)", "ReadyForQuery(I)"}) {
		t.Fatal(got)
	}
	c.send(&pgproto3.Parse{Query: "PANIC"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	if got := c.untilReady(); !slices.Equal(got, []string{"ParseComplete", "BindComplete", "Error(ERROR XX000: internal error: fake backend panic)", "ReadyForQuery(I)"}) {
		t.Fatal(got)
	}
	if got := c.query("SELECT 1"); len(got) != 4 {
		t.Fatal(got)
	}
	if n := ts.panics.Load(); n != 2 {
		t.Fatalf("recovered %d panics, want 2", n)
	}
}

func TestTerminateClosesSession(t *testing.T) {
	b := newFakeBackend()
	ts := startServer(t, b, Config{})
	c, _ := connect(t, ts.addr, nil)
	c.send(&pgproto3.Terminate{})
	c.expectClosed()
	deadline := time.Now().Add(5 * time.Second)
	for {
		b.mu.Lock()
		n := b.closed
		b.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("session not closed")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestShutdown(t *testing.T) {
	b := newFakeBackend()
	s, err := New(b, Config{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := contextWithCancel()
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	idle, _ := connect(t, ln.Addr().String(), nil)
	busy, _ := connect(t, ln.Addr().String(), nil)
	busy.send(&pgproto3.Query{String: "SLOW"})
	<-b.slowStarted
	stuck := dial(t, ln.Addr().String()) // never finishes startup
	cancel()
	stuck.expectClosed()
	if got := idle.recv(); got != "Error(FATAL 57P01: terminating connection due to administrator command)" {
		t.Fatal(got)
	}
	idle.expectClosed()
	msgs := busy.untilReady()
	if msgs[0] != "Error(ERROR 57014: canceling statement due to user request)" {
		t.Fatal(msgs)
	}
	busy.expectClosed()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Fatal("still accepting after shutdown")
	}
}
