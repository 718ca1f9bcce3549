package server

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/server/scram"
)

func TestSCRAMWithPgx(t *testing.T) {
	b := newFakeBackend()
	v, err := scram.NewVerifier("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	b.roles["alice"] = &catalog.Role{Name: "alice", Login: true, Superuser: true, SCRAMVerifier: v}
	b.roles["nologin"] = &catalog.Role{Name: "nologin", SCRAMVerifier: v}
	ts := startServer(t, b, Config{Auth: AuthSCRAM})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	url := func(user, pw string) string {
		return fmt.Sprintf("postgres://%s:%s@%s/db?sslmode=disable", user, pw, ts.addr)
	}

	conn, err := pgx.Connect(ctx, url("alice", "s3cret"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if got := conn.PgConn().ParameterStatus("is_superuser"); got != "on" {
		t.Errorf("is_superuser = %q", got)
	}
	var one int32
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 = %d, %v", one, err)
	}
	// pgx prepares with a named statement and binary results.
	var echo int64
	if err := conn.QueryRow(ctx, "ECHO", int64(1)<<40).Scan(&echo); err != nil || echo != 1<<40 {
		t.Fatalf("ECHO = %d, %v", echo, err)
	}
	rows, err := conn.Query(ctx, "ROWS 3")
	if err != nil {
		t.Fatal(err)
	}
	var n int
	for rows.Next() {
		n++
	}
	if rows.Err() != nil || n != 3 {
		t.Fatalf("ROWS 3 gave %d rows, %v", n, rows.Err())
	}
	_, err = conn.Exec(ctx, "ERROR 23505")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" || pgErr.ConstraintName != "t_pkey" {
		t.Fatalf("ERROR 23505 gave %v", err)
	}

	for _, tc := range []struct{ user, pw, code, msg string }{
		{"alice", "wrong", "28P01", `password authentication failed for user "alice"`},
		{"ghost", "s3cret", "28P01", `password authentication failed for user "ghost"`},
		{"nologin", "s3cret", "28000", `role "nologin" is not permitted to log in`},
	} {
		_, err := pgx.Connect(ctx, url(tc.user, tc.pw))
		if !errors.As(err, &pgErr) || pgErr.Code != tc.code || pgErr.Message != tc.msg || pgErr.Severity != "FATAL" {
			t.Errorf("%s/%s: got %v", tc.user, tc.pw, err)
		}
	}
}

func TestSCRAMProtocolErrors(t *testing.T) {
	b := newFakeBackend()
	ts := startServer(t, b, Config{Auth: AuthSCRAM})
	c := dial(t, ts.addr)
	c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "bob"}})
	if got := c.recv(); got != "AuthenticationSASL" {
		t.Fatal(got)
	}
	c.send(&pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-1", Data: []byte("n,,n=,r=abc")})
	if got := c.recv(); got != "Error(FATAL 08P01: client selected an invalid SASL authentication mechanism)" {
		t.Fatal(got)
	}
	c.expectClosed()

	c = dial(t, ts.addr)
	c.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "bob"}})
	c.recv()
	c.send(&pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-256", Data: []byte("garbage")})
	if got := c.recv(); got[:22] != "Error(FATAL 08P01: mal" {
		t.Fatal(got)
	}
	c.expectClosed()
}
