package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/server/hba"
	"github.com/conflux-db/conflux/server/scram"
	"github.com/conflux-db/conflux/server/tlstest"
)

// pgConnect connects with pgconn, from source address src (any 127.x
// address is local on Linux) when src is not empty.
func pgConnect(t *testing.T, connStr, src string) (*pgconn.PgConn, error) {
	t.Helper()
	cfg, err := pgconn.ParseConfig(connStr)
	if err != nil {
		t.Fatal(err)
	}
	if src != "" {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
		cfg.DialFunc = d.DialContext
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := pgconn.ConnectConfig(ctx, cfg)
	if err == nil {
		t.Cleanup(func() { _ = c.Close(context.Background()) })
	}
	return c, err
}

func wantPgErr(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != code || pe.Message != msg || pe.Severity != "FATAL" {
		t.Errorf("%s: got %v, want FATAL %s %s", what, err, code, msg)
	}
}

func TestTLS(t *testing.T) {
	ca := tlstest.NewCA(t, "conflux-test")
	other := tlstest.NewCA(t, "someone-else")
	cert := ca.Issue(t, "127.0.0.1", "localhost")
	b := newFakeBackend()
	ts := startServer(t, b, Config{TLS: cert.Config()})
	base := fmt.Sprintf("postgres://u@%s/db?", ts.addr)

	for _, tc := range []struct {
		name, params string
		tls          bool // the connection must end up encrypted
		fail         string
	}{
		{"disable", "sslmode=disable", false, ""},
		{"prefer", "sslmode=prefer", true, ""},
		{"require", "sslmode=require", true, ""},
		{"verify-ca", "sslmode=verify-ca&sslrootcert=" + ca.CertFile, true, ""},
		{"verify-full", "sslmode=verify-full&sslrootcert=" + ca.CertFile, true, ""},
		{"direct", "sslmode=require&sslnegotiation=direct", true, ""},
		{"direct verify-full", "sslmode=verify-full&sslnegotiation=direct&sslrootcert=" + ca.CertFile, true, ""},
		{"wrong CA", "sslmode=verify-full&sslrootcert=" + other.CertFile, false, "certificate signed by unknown authority"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := pgConnect(t, base+tc.params, "")
			if tc.fail != "" {
				if err == nil || !strings.Contains(err.Error(), tc.fail) {
					t.Fatalf("got %v, want an error containing %q", err, tc.fail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, isTLS := c.Conn().(*tls.Conn)
			if isTLS != tc.tls {
				t.Fatalf("TLS = %v, want %v", isTLS, tc.tls)
			}
			if isTLS {
				if v := c.Conn().(*tls.Conn).ConnectionState().Version; v < tls.VersionTLS12 {
					t.Errorf("TLS version %x", v)
				}
			}
			if _, err := c.Exec(context.Background(), "SELECT 1").ReadAll(); err != nil {
				t.Fatal(err)
			}
		})
	}
	reports := strings.Join(b.sslReports(), "\n")
	if !strings.Contains(reports, "server=true version=TLSv1.3 cipher=true") ||
		!strings.Contains(reports, "server=true version= cipher=false") {
		t.Errorf("SetSSL reports:\n%s", reports)
	}
}

func TestTLSRequired(t *testing.T) {
	cert := tlstest.NewCA(t, "ca").Issue(t, "127.0.0.1")
	ts := startServer(t, newFakeBackend(), Config{TLS: cert.Config(), TLSRequired: true})
	_, err := pgConnect(t, fmt.Sprintf("postgres://u@%s/db?sslmode=disable", ts.addr), "")
	wantPgErr(t, "plain text", err, "28000", `no pg_hba.conf entry for host "127.0.0.1", user "u", database "db", no encryption`)
	if _, err := pgConnect(t, fmt.Sprintf("postgres://u@%s/db?sslmode=require", ts.addr), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := New(newFakeBackend(), Config{TLSRequired: true}); err == nil {
		t.Error("TLSRequired without a certificate was accepted")
	}
}

// TestSSLRequestProtocol checks the raw negotiation: 'S' then a
// handshake; plain text pipelined after SSLRequest is refused (it would
// otherwise be read as if it had come through TLS); GSSENCRequest is
// declined.
func TestSSLRequestProtocol(t *testing.T) {
	cert := tlstest.NewCA(t, "ca").Issue(t, "127.0.0.1")
	ts := startServer(t, newFakeBackend(), Config{TLS: cert.Config()})

	c := dial(t, ts.addr)
	ssl, _ := (&pgproto3.SSLRequest{}).Encode(nil)
	startup, _ := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "u"}}).Encode(nil)
	if _, err := c.nc.Write(append(ssl, startup...)); err != nil {
		t.Fatal(err)
	}
	// Refused before 'S', in plain text: nothing was upgraded.
	if got := c.recv(); got != "Error(FATAL 08P01: received unencrypted data after SSL request)" {
		t.Fatalf("got %q", got)
	}
	c.expectClosed()
	var reply [1]byte

	c = dial(t, ts.addr)
	gss, _ := (&pgproto3.GSSEncRequest{}).Encode(nil)
	if _, err := c.nc.Write(gss); err != nil {
		t.Fatal(err)
	}
	if _, err := c.nc.Read(reply[:]); err != nil || reply[0] != 'N' {
		t.Fatalf("GSSENCRequest: %q %v", reply[0], err)
	}
	if _, err := c.nc.Write(ssl); err != nil {
		t.Fatal(err)
	}
	if _, err := c.nc.Read(reply[:]); err != nil || reply[0] != 'S' {
		t.Fatalf("SSLRequest: %q %v", reply[0], err)
	}
	tc := tls.Client(c.nc, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	fe := pgproto3.NewFrontend(tc, tc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "u"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	if msg, err := fe.Receive(); err != nil {
		t.Fatal(err)
	} else if _, ok := msg.(*pgproto3.AuthenticationOk); !ok {
		t.Fatalf("got %T", msg)
	}

	// Direct TLS without the ALPN name is refused, as PostgreSQL 17 does.
	c = dial(t, ts.addr)
	tc = tls.Client(c.nc, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	fe = pgproto3.NewFrontend(tc, tc)
	msg, err := fe.Receive()
	if e, ok := msg.(*pgproto3.ErrorResponse); err != nil || !ok || e.Code != "08P01" {
		t.Fatalf("direct TLS without ALPN: %#v %v", msg, err)
	}
}

func TestHBA(t *testing.T) {
	cert := tlstest.NewCA(t, "ca").Issue(t, "127.0.0.1")
	rules, err := hba.Parse("hba.conf", strings.NewReader(`
hostssl    all   admin   127.0.0.1/32   scram-sha-256
host       all   admin   all            reject
host       all   alice   127.0.0.2/32   trust
host       all   alice   127.0.0.0/8    scram-sha-256
hostnossl  all   legacy  all            password
host       secret all    all            reject
host       all   bob     all            md5
`))
	if err != nil {
		t.Fatal(err)
	}
	b := newFakeBackend()
	v, err := scram.NewVerifier("pw")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"admin", "alice", "legacy", "bob"} {
		b.roles[u] = &catalog.Role{Name: u, Login: true, SCRAMVerifier: v}
	}
	ts := startServer(t, b, Config{TLS: cert.Config(), HBA: rules})
	url := func(user, pw, db, sslmode string) string {
		return fmt.Sprintf("postgres://%s:%s@%s/%s?sslmode=%s", user, pw, ts.addr, db, sslmode)
	}
	for _, tc := range []struct {
		name, user, pw, db, sslmode, src string
		code, msg                        string // empty: must connect
	}{
		{"admin over TLS with password", "admin", "pw", "d", "require", "", "", ""},
		{"admin over TLS wrong password", "admin", "nope", "d", "require", "", "28P01", `password authentication failed for user "admin"`},
		{"admin in plain text is rejected", "admin", "pw", "d", "disable", "", "28000",
			`pg_hba.conf rejects connection for host "127.0.0.1", user "admin", database "d", no encryption`},
		{"admin from elsewhere over TLS is rejected", "admin", "pw", "d", "require", "127.0.0.3", "28000",
			`pg_hba.conf rejects connection for host "127.0.0.3", user "admin", database "d", SSL encryption`},
		{"alice trusted from 127.0.0.2", "alice", "", "d", "disable", "127.0.0.2", "", ""},
		{"alice needs scram from 127.0.0.1", "alice", "", "d", "disable", "", "28P01", `password authentication failed for user "alice"`},
		{"alice with scram from 127.0.0.1", "alice", "pw", "d", "disable", "", "", ""},
		{"alice wrong password", "alice", "bad", "d", "disable", "", "28P01", `password authentication failed for user "alice"`},
		{"legacy cleartext password in plain text", "legacy", "pw", "d", "disable", "", "", ""},
		{"legacy wrong cleartext password", "legacy", "bad", "d", "disable", "", "28P01", `password authentication failed for user "legacy"`},
		{"legacy over TLS has no entry", "legacy", "pw", "d", "require", "", "28000",
			`no pg_hba.conf entry for host "127.0.0.1", user "legacy", database "d", SSL encryption`},
		{"bob md5 means scram", "bob", "pw", "d", "disable", "", "", ""},
		{"bob to the secret database", "bob", "pw", "secret", "disable", "", "28000",
			`pg_hba.conf rejects connection for host "127.0.0.1", user "bob", database "secret", no encryption`},
		{"unknown user has no entry", "carol", "pw", "d", "disable", "", "28000",
			`no pg_hba.conf entry for host "127.0.0.1", user "carol", database "d", no encryption`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pgConnect(t, url(tc.user, tc.pw, tc.db, tc.sslmode), tc.src)
			switch {
			case tc.code == "":
				if err != nil {
					t.Fatal(err)
				}
			default:
				wantPgErr(t, tc.name, err, tc.code, tc.msg)
			}
		})
	}

	if _, err := New(b, Config{HBA: rules}); err == nil || !strings.Contains(err.Error(), "hba.conf line 2: hostssl record cannot match") {
		t.Errorf("hostssl rules without TLS: %v", err)
	}
}
