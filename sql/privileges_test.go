package sql

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/conflux-db/conflux/sql/pgerr"
)

// TestPrivileges runs a script over two sessions: the superuser (su) and
// alice, a role without privileges until granted. Each step names the
// session, the statement and either its output or its SQLSTATE and message.
func TestPrivileges(t *testing.T) {
	e, su := newTestSession(t)
	ctx := context.Background()
	mustRun := func(q string) {
		t.Helper()
		if _, err := run(t, su, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	mustRun("CREATE ROLE alice LOGIN")
	mustRun("CREATE ROLE readers")
	mustRun("CREATE TABLE t (id serial PRIMARY KEY, v int)")
	mustRun("INSERT INTO t (v) VALUES (1), (2)")
	mustRun("CREATE VIEW tv AS SELECT id, v FROM t")
	mustRun("CREATE SCHEMA s")
	mustRun("CREATE TABLE s.u (id int PRIMARY KEY)")
	alice, err := e.NewSession(ctx, SessionParams{User: "alice", Database: "postgres"})
	if err != nil {
		t.Fatal(err)
	}
	defer alice.Close()
	sessions := map[string]*Session{"su": su, "alice": alice}
	denied := func(what string) string { return "42501 permission denied for " + what }
	steps := []struct{ who, q, want string }{
		{"alice", "SELECT v FROM t", denied("table t")},
		{"alice", "BEGIN", "BEGIN"},
		{"alice", "DECLARE c CURSOR FOR SELECT v FROM t", denied("table t")},
		{"alice", "ROLLBACK", "ROLLBACK"},
		{"alice", "EXPLAIN SELECT v FROM t", denied("table t")},
		{"alice", "SELECT 1 WHERE EXISTS (SELECT 1 FROM t)", denied("table t")},
		{"alice", "WITH c AS (SELECT * FROM t) SELECT count(*) FROM c", denied("table t")},
		{"alice", "SELECT * FROM tv", denied("view tv")},
		{"alice", "INSERT INTO t (v) VALUES (3)", denied("table t")},
		{"alice", "UPDATE t SET v = 0", denied("table t")},
		{"alice", "DELETE FROM t", denied("table t")},
		{"alice", "TRUNCATE t", denied("table t")},
		{"alice", "SELECT nextval('t_id_seq')", denied("sequence t_id_seq")},
		{"alice", "DROP TABLE t", "42501 must be owner of table t"},
		{"alice", "ALTER TABLE t ADD COLUMN w int", "42501 must be owner of table t"},
		{"alice", "CREATE TABLE mine (a int)", denied("schema public")},
		{"alice", "SELECT * FROM s.u", denied("schema s")},
		{"alice", "GRANT SELECT ON t TO alice", denied("table t")},
		{"alice", "CREATE ROLE eve", "42501 permission denied to create role"},
		{"su", "SELECT count(*) FROM t", "2\nSELECT 1"},

		{"su", "GRANT SELECT ON t TO alice", "GRANT"},
		{"alice", "SELECT v FROM t ORDER BY v", "1\n2\nSELECT 2"},
		{"alice", "SELECT * FROM tv", denied("view tv")},
		{"alice", "UPDATE t SET v = 0", denied("table t")},
		{"alice", "SELECT v FROM t FOR UPDATE", denied("table t")},
		{"su", "GRANT UPDATE ON t TO alice", "GRANT"},
		{"alice", "UPDATE t SET v = v + 10 WHERE v = 1", "UPDATE 1"},
		{"su", "REVOKE SELECT ON t FROM alice", "REVOKE"},
		{"alice", "UPDATE t SET v = 5", "UPDATE 2"},
		{"alice", "UPDATE t SET v = 5 WHERE id = 1", denied("table t")},
		{"alice", "UPDATE t SET v = 5 RETURNING id", denied("table t")},

		// Views: the querying user needs SELECT on the view only.
		{"su", "GRANT SELECT ON tv TO alice", "GRANT"},
		{"alice", "SELECT count(*) FROM tv", "2\nSELECT 1"},

		// Group membership.
		{"su", "GRANT SELECT ON t TO readers", "GRANT"},
		{"su", "REVOKE SELECT ON tv FROM alice", "REVOKE"},
		{"alice", "SELECT count(*) FROM t", denied("table t")},
		{"su", "GRANT readers TO alice", "GRANT ROLE"},
		{"alice", "SELECT count(*) FROM t", "2\nSELECT 1"},
		{"su", "REVOKE readers FROM alice", "REVOKE ROLE"},
		{"alice", "SELECT count(*) FROM t", denied("table t")},

		// PUBLIC, schemas and sequences.
		{"su", "GRANT USAGE ON SCHEMA s TO PUBLIC", "GRANT"},
		{"alice", "SELECT * FROM s.u", denied("table u")},
		{"su", "GRANT SELECT ON ALL TABLES IN SCHEMA s TO PUBLIC", "GRANT"},
		{"alice", "SELECT * FROM s.u", "SELECT 0"},
		{"su", "GRANT USAGE ON SEQUENCE t_id_seq TO alice", "GRANT"},
		{"alice", "SELECT nextval('t_id_seq') > 0", "t\nSELECT 1"},
		{"alice", "SELECT setval('t_id_seq', 100)", denied("sequence t_id_seq")},
		{"su", "GRANT CREATE ON SCHEMA s TO alice", "GRANT"},
		{"alice", "CREATE TABLE s.mine (a int)", "CREATE TABLE"},
		{"alice", "INSERT INTO s.mine VALUES (1)", "INSERT 0 1"},
		{"alice", "DROP TABLE s.mine", "DROP TABLE"},

		// SET ROLE: a superuser becomes alice.
		{"su", "SET ROLE alice", "SET"},
		{"su", "SELECT current_user", "alice\nSELECT 1"},
		{"su", "DELETE FROM t", denied("table t")},
		{"su", "RESET ROLE", "RESET"},
		{"su", "SELECT current_user", "postgres\nSELECT 1"},
		{"alice", "SET ROLE postgres", "42501 permission denied to set role \"postgres\""},

		// Ownership transfer and DROP ROLE.
		{"su", "DROP ROLE alice", "2BP01 role \"alice\" cannot be dropped because some objects depend on it"},
		{"su", "ALTER TABLE t OWNER TO alice", "ALTER TABLE"},
		{"alice", "DELETE FROM t", "DELETE 2"},
		{"alice", "ALTER ROLE alice SUPERUSER", "42501 permission denied"},
		{"su", "ALTER ROLE alice RENAME TO alicia", "ALTER ROLE"},
	}
	for i, st := range steps {
		if st.want == "" {
			continue
		}
		out, err := run(t, sessions[st.who], st.q)
		got := out
		if err != nil {
			var pe *pgerr.Error
			if !errors.As(err, &pe) {
				t.Fatalf("step %d %s: %s: non-pg error %v", i, st.who, st.q, err)
			}
			got = pe.Code + " " + pe.Message
		}
		if got != st.want {
			t.Errorf("step %d %s: %s\n got: %s\nwant: %s", i, st.who, st.q, got, st.want)
		}
	}
	// After the rename, alice's owned table and grants follow the new name.
	out, err := run(t, su, "SELECT count(*) FROM pg_class WHERE relname = 't'")
	if err != nil || !strings.HasPrefix(out, "1") {
		t.Fatalf("pg_class: %q %v", out, err)
	}
	if o := su.catalog().TableByName(2200, "t").Owner; o != "alicia" {
		t.Errorf("owner after rename = %q, want alicia", o)
	}
}

// TestPrivilegesTransactionalAndDurable checks that GRANT is DDL like any
// other: rolled back with its transaction, and kept across a restart.
func TestPrivilegesTransactionalAndDurable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := func() (*Engine, *Session, *Session) {
		e, err := Open(ctx, Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		su, err := e.NewSession(ctx, SessionParams{User: "postgres"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := run(t, su, "CREATE ROLE alice LOGIN"); err != nil && !strings.Contains(err.Error(), "already exists") {
			t.Fatal(err)
		}
		alice, err := e.NewSession(ctx, SessionParams{User: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		return e, su, alice
	}
	code := func(s *Session, q string) string {
		t.Helper()
		if _, err := run(t, s, q); err != nil {
			return pgerr.Code(err)
		}
		return ""
	}
	e, su, alice := open()
	for _, q := range []string{"CREATE TABLE t (a int)", "BEGIN", "GRANT SELECT ON t TO alice", "ROLLBACK"} {
		if _, err := run(t, su, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if c := code(alice, "SELECT * FROM t"); c != pgerr.InsufficientPrivilege {
		t.Fatalf("after rolled-back GRANT: %q, want 42501", c)
	}
	if _, err := run(t, su, "GRANT SELECT ON t TO alice"); err != nil {
		t.Fatal(err)
	}
	su.Close()
	alice.Close()
	e.Close()

	e, su, alice = open()
	defer e.Close()
	defer su.Close()
	defer alice.Close()
	if _, err := run(t, alice, "SELECT * FROM t"); err != nil {
		t.Fatalf("after restart: %v, want success", err)
	}
	if c := code(alice, "INSERT INTO t VALUES (1)"); c != pgerr.InsufficientPrivilege {
		t.Fatalf("INSERT after restart: %q, want 42501", c)
	}
}

// BenchmarkCheckPlan measures the per-execution privilege check of a
// cached plan (a cache hit for a non-superuser).
func BenchmarkCheckPlan(b *testing.B) {
	e, err := Open(context.Background(), Config{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	su, _ := e.NewSession(ctx, SessionParams{User: "postgres"})
	defer su.Close()
	for _, q := range []string{"CREATE ROLE alice LOGIN", "CREATE TABLE t (id int PRIMARY KEY)", "GRANT SELECT ON t TO alice"} {
		st, _ := su.Parse(q)
		p, err := su.Prepare(ctx, st[0], nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := su.Execute(ctx, p, nil); err != nil {
			b.Fatal(err)
		}
	}
	alice, _ := e.NewSession(ctx, SessionParams{User: "alice"})
	defer alice.Close()
	st, _ := alice.Parse("SELECT id FROM t WHERE id = 1")
	p, err := alice.Prepare(ctx, st[0], nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := alice.checkPlan(p.query.plan); err != nil {
			b.Fatal(err)
		}
	}
}
