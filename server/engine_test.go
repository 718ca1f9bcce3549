package server

// These tests run the server against the real SQL engine (in memory) with
// pgx as the client. They skip while the engine is still unimplemented.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/conflux-db/conflux/sql"
)

func openEngine(t *testing.T) *sql.Engine {
	t.Helper()
	var eng *sql.Engine
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Skipf("sql engine not available yet: %v", r)
			}
		}()
		eng, err = sql.Open(context.Background(), sql.Config{InMemory: true, Logger: testLogger()})
	}()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	return eng
}

// skipIfUnsupported skips the rest of a test when the engine reports a
// feature it does not have yet (0A000): the wire path is what is tested.
func skipIfUnsupported(t *testing.T, err error) {
	t.Helper()
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "0A000" {
		t.Skipf("engine does not support this yet: %s", pe.Message)
	}
}

func engineConn(t *testing.T, addr, user, password string, simple bool) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://%s:%s@%s/conflux?sslmode=disable", user, password, addr))
	if err != nil {
		t.Fatal(err)
	}
	if simple {
		cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func TestEngineOverWire(t *testing.T) {
	eng := openEngine(t)
	ts := startServer(t, FromEngine(eng), Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, mode := range []struct {
		name   string
		simple bool
	}{{"extended", false}, {"simple", true}} {
		t.Run(mode.name, func(t *testing.T) {
			c := engineConn(t, ts.addr, "postgres", "", mode.simple)
			tbl := "t_" + mode.name
			var one int
			if err := c.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
				t.Fatalf("SELECT 1: %d, %v", one, err)
			}
			if _, err := c.Exec(ctx, "CREATE TABLE "+tbl+" (id int8 PRIMARY KEY, s text, n numeric(10,2), ts timestamptz)"); err != nil {
				t.Fatal(err)
			}
			when := time.Date(2024, 2, 29, 12, 30, 0, 0, time.UTC)
			for i := int64(1); i <= 3; i++ {
				tag, err := c.Exec(ctx, "INSERT INTO "+tbl+" VALUES ($1, $2, $3, $4)", i, fmt.Sprintf("s%d", i), "12.50", when)
				if err != nil || tag.String() != "INSERT 0 1" {
					t.Fatalf("insert %d: %v %v", i, tag, err)
				}
			}
			rows, err := c.Query(ctx, "SELECT id, s, n::text, ts FROM "+tbl+" WHERE id >= $1 ORDER BY id", int64(2))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for rows.Next() {
				var id int64
				var s, n string
				var ts time.Time
				if err := rows.Scan(&id, &s, &n, &ts); err != nil {
					t.Fatal(err)
				}
				got = append(got, fmt.Sprintf("%d %s %s %s", id, s, n, ts.UTC().Format(time.RFC3339)))
			}
			if rows.Err() != nil {
				t.Fatal(rows.Err())
			}
			want := []string{"2 s2 12.50 2024-02-29T12:30:00Z", "3 s3 12.50 2024-02-29T12:30:00Z"}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Fatalf("got %v want %v", got, want)
			}

			for q, code := range map[string]string{
				"SELECT 1/0":                         "22012",
				"SELECT * FROM no_such_table":        "42P01",
				"INSERT INTO " + tbl + " VALUES (1)": "23505",
				"SELEC 1":                            "42601",
			} {
				_, err := c.Exec(ctx, q)
				var pe *pgconn.PgError
				if !errors.As(err, &pe) || pe.Code != code {
					t.Errorf("%s: got %v, want %s", q, err, code)
				}
			}

			tx, err := c.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(ctx, "DELETE FROM "+tbl); err != nil {
				t.Fatal(err)
			}
			if err := tx.Rollback(ctx); err != nil {
				t.Fatal(err)
			}
			var n int64
			if err := c.QueryRow(ctx, "SELECT count(*) FROM "+tbl).Scan(&n); err != nil || n != 3 {
				t.Fatalf("count after rollback: %d, %v", n, err)
			}

			if _, err := c.Exec(ctx, "SET TimeZone = 'America/New_York'"); err != nil {
				t.Fatal(err)
			}
			if got := c.PgConn().ParameterStatus("TimeZone"); got != "America/New_York" {
				t.Errorf("TimeZone ParameterStatus = %q", got)
			}
		})
	}
}

func TestEngineCopy(t *testing.T) {
	eng := openEngine(t)
	ts := startServer(t, FromEngine(eng), Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := engineConn(t, ts.addr, "postgres", "", false)
	if _, err := c.Exec(ctx, "CREATE TABLE cp (id int8, s text)"); err != nil {
		t.Fatal(err)
	}
	tag, err := c.PgConn().CopyFrom(ctx, strings.NewReader("1\tone\n2\ttwo\n"), "COPY cp FROM STDIN")
	if err != nil || tag.RowsAffected() != 2 {
		t.Fatalf("COPY FROM: %v %v", tag, err)
	}
	var out bytes.Buffer
	tag, err = c.PgConn().CopyTo(ctx, &out, "COPY (SELECT id, s FROM cp ORDER BY id) TO STDOUT")
	if err != nil || out.String() != "1\tone\n2\ttwo\n" {
		t.Fatalf("COPY TO: %q %v %v", out.String(), tag, err)
	}
	// pgx's CopyFrom uses the binary COPY format.
	n, err := c.CopyFrom(ctx, pgx.Identifier{"cp"}, []string{"id", "s"}, pgx.CopyFromRows([][]any{{int64(3), "three"}}))
	skipIfUnsupported(t, err)
	if err != nil || n != 1 {
		t.Fatalf("binary COPY FROM: %d %v", n, err)
	}
	out.Reset()
	tag, err = c.PgConn().CopyTo(ctx, &out, "COPY (SELECT id, s FROM cp ORDER BY id) TO STDOUT")
	if err != nil || out.String() != "1\tone\n2\ttwo\n3\tthree\n" {
		t.Fatalf("COPY TO: %q %v %v", out.String(), tag, err)
	}
}

func TestEngineSCRAM(t *testing.T) {
	eng := openEngine(t)
	trust := startServer(t, FromEngine(eng), Config{})
	scramSrv := startServer(t, FromEngine(eng), Config{Auth: AuthSCRAM})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin := engineConn(t, trust.addr, "postgres", "", false)
	if _, err := admin.Exec(ctx, "CREATE ROLE bob LOGIN PASSWORD 'hunter2'"); err != nil {
		t.Fatal(err)
	}
	bob := engineConn(t, scramSrv.addr, "bob", "hunter2", false)
	var one int
	if err := bob.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("SELECT 1 as bob = %d, %v", one, err)
	}
	_, err := pgx.Connect(ctx, fmt.Sprintf("postgres://bob:wrong@%s/conflux?sslmode=disable", scramSrv.addr))
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "28P01" {
		t.Fatalf("wrong password: %v", err)
	}
}
