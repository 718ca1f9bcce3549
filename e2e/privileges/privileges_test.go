package privileges

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/conflux-db/conflux/internal/pgtest"
)

func TestPrivilegesConflux(t *testing.T) { runScript(t, pgtest.StartConflux(t)) }

func TestPrivilegesPostgres(t *testing.T) { runScript(t, pgtest.StartPostgres(t)) }

// setup runs as the superuser before alice connects.
var setup = []string{
	"CREATE ROLE alice LOGIN",
	"CREATE ROLE readers",
	"CREATE TABLE t (id serial PRIMARY KEY, v int)",
	"INSERT INTO t (v) VALUES (1), (2)",
	"CREATE VIEW tv AS SELECT id, v FROM t",
	"CREATE SCHEMA s",
	"CREATE TABLE s.u (id int PRIMARY KEY)",
	"CREATE SEQUENCE q",
	"CREATE TABLE g (a int)",
}

// step is one statement by "admin" or "alice"; err is "" for success or
// "SQLSTATE message"; rows, when set, is the expected result (rows joined
// by ";", columns by ",").
type step struct {
	who, sql, err string
	rows          string
}

func denied(what string) string { return "42501 permission denied for " + what }

var script = []step{
	// Without any privilege: every statement kind is refused.
	{"alice", "SELECT v FROM t", denied("table t"), ""},
	{"alice", "SELECT 1 WHERE EXISTS (SELECT 1 FROM t)", denied("table t"), ""},
	{"alice", "WITH c AS (SELECT * FROM t) SELECT count(*) FROM c", denied("table t"), ""},
	{"alice", "SELECT * FROM tv", denied("view tv"), ""},
	{"alice", "SELECT v FROM t FOR UPDATE", denied("table t"), ""},
	{"alice", "INSERT INTO t (v) VALUES (3)", denied("table t"), ""},
	{"alice", "INSERT INTO t (id, v) VALUES (1, 3) ON CONFLICT (id) DO UPDATE SET v = 3", denied("table t"), ""},
	{"alice", "UPDATE t SET v = 0", denied("table t"), ""},
	{"alice", "DELETE FROM t", denied("table t"), ""},
	{"alice", "TRUNCATE t", denied("table t"), ""},
	{"alice", "COPY t TO STDOUT", denied("table t"), ""},
	{"alice", "COPY t (v) FROM STDIN", denied("table t"), ""},
	{"alice", "SELECT nextval('q')", denied("sequence q"), ""},
	{"alice", "SELECT setval('q', 10)", denied("sequence q"), ""},
	{"alice", "SELECT * FROM s.u", denied("schema s"), ""},
	{"alice", "CREATE TABLE mine (a int)", denied("schema public"), ""},
	{"alice", "CREATE SCHEMA mine", denied("database postgres"), ""},
	{"alice", "DROP TABLE t", "42501 must be owner of table t", ""},
	{"alice", "DROP VIEW tv", "42501 must be owner of view tv", ""},
	{"alice", "ALTER TABLE t ADD COLUMN w int", "42501 must be owner of table t", ""},
	{"alice", "CREATE INDEX ON t (v)", "42501 must be owner of table t", ""},
	{"alice", "DROP SCHEMA s", "42501 must be owner of schema s", ""},
	{"alice", "DROP SEQUENCE q", "42501 must be owner of sequence q", ""},
	{"alice", "GRANT SELECT ON t TO alice", denied("table t"), ""},
	{"alice", "ALTER TABLE t RENAME TO t2", "42501 must be owner of table t", ""},
	{"alice", "COMMENT ON TABLE t IS 'mine'", "42501 must be owner of table t", ""},
	{"alice", "ALTER SCHEMA s OWNER TO alice", "42501 must be owner of schema s", ""},
	{"alice", "ALTER TABLE t OWNER TO alice", "42501 must be owner of table t", ""},
	{"alice", "CREATE VIEW mine AS SELECT 1", denied("schema public"), ""},
	{"alice", "CREATE SEQUENCE mine", denied("schema public"), ""},
	{"alice", "EXPLAIN SELECT * FROM t", denied("table t"), ""},
	{"admin", "GRANT USAGE ON t TO alice", "0LP01 invalid privilege type USAGE for table", ""},
	{"admin", "GRANT INSERT ON SEQUENCE q TO alice", "0LP01 invalid privilege type INSERT for sequence", ""},
	{"admin", "GRANT SELECT ON t TO nobody", `42704 role "nobody" does not exist`, ""},
	{"admin", "GRANT SELECT ON nosuch TO alice", `42P01 relation "nosuch" does not exist`, ""},
	{"alice", "CREATE ROLE eve", "42501 permission denied to create role", ""},
	{"alice", "DROP ROLE readers", "42501 permission denied to drop role", ""},
	{"alice", "SET ROLE readers", `42501 permission denied to set role "readers"`, ""},

	// GRANT, then success; REVOKE, then 42501 again.
	{"admin", "GRANT SELECT ON t TO alice", "", ""},
	{"alice", "PREPARE sel AS SELECT count(*) FROM t", "", ""},
	{"alice", "EXECUTE sel", "", "2"},
	{"alice", "SELECT v FROM t ORDER BY v", "", "1;2"},
	{"alice", "COPY t TO STDOUT", "", ""},
	{"alice", "SELECT has_table_privilege('t', 'SELECT'), has_table_privilege('t', 'UPDATE'), has_table_privilege('t', 'update, select')", "", "true,false,true"},
	{"alice", "SELECT has_table_privilege('tv', 'SELECT'), has_schema_privilege('s', 'USAGE'), has_schema_privilege('public', 'USAGE, CREATE')", "", "false,false,true"},
	{"admin", "SELECT has_table_privilege('alice', 't', 'SELECT WITH GRANT OPTION'), has_table_privilege('t', 'DELETE WITH GRANT OPTION')", "", "false,true"},
	{"alice", "SELECT * FROM tv", denied("view tv"), ""},
	{"alice", "UPDATE t SET v = 0", denied("table t"), ""},
	{"alice", "SELECT v FROM t FOR UPDATE", denied("table t"), ""},
	{"admin", "REVOKE SELECT ON t FROM alice", "", ""},
	{"alice", "EXECUTE sel", denied("table t"), ""},
	{"alice", "SELECT v FROM t", denied("table t"), ""},

	// UPDATE/DELETE need SELECT too when they read columns.
	{"admin", "GRANT UPDATE, DELETE ON t TO alice", "", ""},
	{"alice", "UPDATE t SET v = v + 1 WHERE id = 1", denied("table t"), ""},
	{"alice", "UPDATE t SET v = 7 RETURNING id", denied("table t"), ""},
	{"alice", "DELETE FROM t WHERE id = 1", denied("table t"), ""},
	{"alice", "UPDATE t SET v = 7", "", ""},
	{"admin", "GRANT SELECT ON t TO alice", "", ""},
	{"alice", "UPDATE t SET v = v + 1 WHERE id = 1", "", ""},
	{"alice", "SELECT v FROM t WHERE id = 1 FOR UPDATE", "", ""},
	{"admin", "REVOKE ALL ON t FROM alice", "", ""},
	{"alice", "DELETE FROM t WHERE id = 1", denied("table t"), ""},

	// INSERT, RETURNING, ON CONFLICT and sequences behind serial.
	{"admin", "GRANT INSERT ON t TO alice", "", ""},
	{"alice", "INSERT INTO t (v) VALUES (3)", denied("sequence t_id_seq"), ""},
	{"alice", "INSERT INTO t (id, v) VALUES (10, 3) RETURNING id", denied("table t"), ""},
	{"alice", "INSERT INTO t (id, v) VALUES (10, 3)", "", ""},
	{"alice", "INSERT INTO t (id, v) VALUES (10, 4) ON CONFLICT (id) DO UPDATE SET v = 4", denied("table t"), ""},
	{"admin", "GRANT USAGE ON SEQUENCE t_id_seq TO alice", "", ""},
	{"alice", "INSERT INTO t (v) VALUES (3)", "", ""},
	{"alice", "COPY t (id, v) FROM STDIN", "", ""},
	{"admin", "REVOKE INSERT ON t FROM alice", "", ""},
	{"alice", "COPY t (id, v) FROM STDIN", denied("table t"), ""},

	// Views are read with their owner's privileges.
	{"admin", "GRANT SELECT ON tv TO alice", "", ""},
	{"alice", "SELECT count(*) FROM tv", "", "5"},
	{"admin", "REVOKE SELECT ON tv FROM alice", "", ""},

	// Privileges through group membership and PUBLIC.
	{"admin", "GRANT SELECT ON t TO readers", "", ""},
	{"alice", "SELECT count(*) FROM t", denied("table t"), ""},
	{"admin", "GRANT readers TO alice", "", ""},
	{"alice", "SELECT count(*) FROM t", "", ""},
	{"alice", "SET ROLE readers", "", ""},
	{"alice", "SELECT current_user", "", "readers"},
	{"alice", "RESET ROLE", "", ""},
	{"admin", "REVOKE readers FROM alice", "", ""},
	{"alice", "SELECT count(*) FROM t", denied("table t"), ""},
	{"admin", "GRANT SELECT ON t TO PUBLIC", "", ""},
	{"alice", "SELECT count(*) FROM t", "", ""},
	{"admin", "REVOKE SELECT ON t FROM PUBLIC", "", ""},

	// Schemas and sequences.
	{"admin", "GRANT USAGE ON SCHEMA s TO alice", "", ""},
	{"alice", "SELECT * FROM s.u", denied("table u"), ""},
	{"admin", "GRANT SELECT ON ALL TABLES IN SCHEMA s TO alice", "", ""},
	{"alice", "SELECT * FROM s.u", "", ""},
	{"admin", "GRANT CREATE ON SCHEMA s TO alice", "", ""},
	{"alice", "CREATE TABLE s.mine (a int)", "", ""},
	{"alice", "INSERT INTO s.mine VALUES (1)", "", ""},
	{"alice", "DROP TABLE s.mine", "", ""},
	{"admin", "GRANT USAGE ON SEQUENCE q TO alice", "", ""},
	{"alice", "SELECT nextval('q')", "", "1"},
	{"alice", "SELECT setval('q', 10)", denied("sequence q"), ""},
	{"admin", "GRANT UPDATE ON SEQUENCE q TO alice", "", ""},
	{"alice", "SELECT setval('q', 10)", "", ""},

	// WITH GRANT OPTION: alice may pass on what she holds, only that.
	{"alice", "GRANT SELECT ON g TO PUBLIC", denied("table g"), ""},
	{"admin", "GRANT SELECT ON g TO alice WITH GRANT OPTION", "", ""},
	{"alice", "GRANT SELECT ON g TO PUBLIC", "", ""},
	{"alice", "GRANT UPDATE ON g TO PUBLIC", "", ""}, // a warning: nothing granted
	{"admin", "SET ROLE readers", "", ""},
	{"admin", "UPDATE g SET a = 1", denied("table g"), ""},
	{"admin", "SELECT count(*) FROM g", "", "0"},
	{"admin", "RESET ROLE", "", ""},
	{"alice", "REVOKE SELECT ON g FROM PUBLIC", "", ""},
	{"admin", "REVOKE ALL ON g FROM alice", "", ""},

	// SET SESSION AUTHORIZATION (superusers only).
	{"admin", "SET SESSION AUTHORIZATION alice", "", ""},
	{"admin", "SELECT current_user", "", "alice"},
	{"admin", "DELETE FROM t", denied("table t"), ""},
	{"admin", "RESET SESSION AUTHORIZATION", "", ""},
	{"admin", "SELECT current_user", "", "postgres"},
	{"alice", "SET SESSION AUTHORIZATION postgres", `42501 permission denied to set session authorization "postgres"`, ""},

	// ALTER ROLE and DROP ROLE.
	{"alice", "ALTER ROLE alice PASSWORD 'secret'", "", ""},
	{"alice", "ALTER ROLE alice SUPERUSER", "", ""}, // message checked by code only
	{"admin", "DROP ROLE alice", `2BP01 role "alice" cannot be dropped because some objects depend on it`, ""},
	{"admin", "ALTER TABLE t OWNER TO alice", "", ""},
	{"alice", "DELETE FROM t WHERE v = 1", "", ""},
	{"alice", "INSERT INTO t (v) VALUES (42)", "", ""}, // the serial sequence moved with the table
	{"alice", "DROP VIEW tv", "42501 must be owner of view tv", ""},
	{"admin", "ALTER ROLE readers RENAME TO readers2", "", ""},
	{"admin", "ALTER ROLE readers2 NOLOGIN", "", ""},
	{"admin", "DROP ROLE readers2", `2BP01 role "readers2" cannot be dropped because some objects depend on it`, ""},
	{"admin", "REVOKE ALL ON t FROM readers2", "", ""},
	{"admin", "DROP ROLE readers2", "", ""},
}

// fingerprint summarises everything a denied statement could change.
const fingerprint = `SELECT (SELECT count(*) || ':' || coalesce(sum(v), 0) FROM t) || '/' ||
	(SELECT count(*) FROM s.u) || '/' || (SELECT count(*) FROM pg_class WHERE relname IN ('mine', 't', 'tv', 'q')) || '/' ||
	(SELECT count(*) FROM pg_namespace WHERE nspname = 'mine') || '/' || (SELECT count(*) FROM pg_roles)`

func runScript(t *testing.T, connStr string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin := connect(t, ctx, connStr, "postgres")
	for _, q := range setup {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("setup %s: %v", q, err)
		}
	}
	alice := connect(t, ctx, connStr, "alice")
	conns := map[string]*pgx.Conn{"admin": admin, "alice": alice}
	for c, want := range map[*pgx.Conn]string{admin: "on", alice: "off"} {
		if got := c.PgConn().ParameterStatus("is_superuser"); got != want {
			t.Errorf("is_superuser for %s = %q, want %q", c.Config().User, got, want)
		}
	}
	// The observer stays a superuser while admin changes roles.
	observer := connect(t, ctx, connStr, "postgres")
	state := func() string {
		var s string
		if err := observer.QueryRow(ctx, fingerprint).Scan(&s); err != nil {
			t.Fatalf("fingerprint: %v", err)
		}
		return s
	}
	for i, st := range script {
		before := ""
		if st.err != "" {
			before = state()
		}
		out, err := exec(ctx, conns[st.who], st.sql)
		got := ""
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			got = pe.Code + " " + pe.Message
		} else if err != nil {
			t.Fatalf("step %d (%s) %s: %v", i, st.who, st.sql, err)
		}
		want := st.err
		if st.sql == "ALTER ROLE alice SUPERUSER" {
			// PostgreSQL 15 words this differently across minor versions.
			if pe == nil || pe.Code != "42501" {
				t.Errorf("step %d: %s: got %q, want 42501", i, st.sql, got)
			}
			continue
		}
		if got != want {
			t.Errorf("step %d (%s) %s:\n got: %q\nwant: %q", i, st.who, st.sql, got, want)
			continue
		}
		if st.rows != "" && out != st.rows {
			t.Errorf("step %d (%s) %s: rows %q, want %q", i, st.who, st.sql, out, st.rows)
		}
		if st.err != "" {
			if after := state(); after != before {
				t.Errorf("step %d (%s) %s: denied statement changed state %s -> %s", i, st.who, st.sql, before, after)
			}
		}
	}
}

func connect(t *testing.T, ctx context.Context, connStr, user string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(connStr)
	if err != nil {
		t.Fatal(err)
	}
	cfg.User = user
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// exec runs one statement: PREPARE/EXECUTE name as a protocol-level
// prepared statement, COPY through the copy sub-protocol, queries
// through pgx's default (extended, statement-caching) mode, reading all rows.
func exec(ctx context.Context, c *pgx.Conn, sql string) (string, error) {
	switch {
	case strings.HasPrefix(sql, "PREPARE "):
		// A protocol-level prepared statement (Parse), as drivers make.
		name, query, _ := strings.Cut(strings.TrimPrefix(sql, "PREPARE "), " AS ")
		_, err := c.Prepare(ctx, name, query)
		return "", err
	case strings.HasPrefix(sql, "EXECUTE "):
		sql = strings.TrimPrefix(sql, "EXECUTE ") // pgx runs a prepared statement by name
	case strings.HasPrefix(sql, "COPY ") && strings.HasSuffix(sql, "TO STDOUT"):
		var b strings.Builder
		_, err := c.PgConn().CopyTo(ctx, &b, sql)
		return b.String(), err
	case strings.HasPrefix(sql, "COPY ") && strings.HasSuffix(sql, "FROM STDIN"):
		data := "5\n"
		if strings.Contains(sql, "(id, v)") {
			data = fmt.Sprintf("%d\t5\n", 100+time.Now().Nanosecond()%1000)
		}
		_, err := c.PgConn().CopyFrom(ctx, strings.NewReader(data), sql)
		return "", err
	}
	rows, err := c.Query(ctx, sql)
	if err != nil {
		return "", err
	}
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return "", err
		}
		var cols []string
		for _, v := range vals {
			cols = append(cols, fmt.Sprint(v))
		}
		out = append(out, strings.Join(cols, ","))
	}
	rows.Close()
	return strings.Join(out, ";"), rows.Err()
}
