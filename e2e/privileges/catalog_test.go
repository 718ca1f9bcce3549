package privileges

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/conflux-db/conflux/internal/pgtest"
)

// catalogSetup runs as the superuser on both servers before the catalog
// queries; it leaves grants of every shape (grant option, PUBLIC, quoted
// role names, sequences, schemas, role membership) in the catalog.
var catalogSetup = []string{
	`CREATE ROLE alice LOGIN`, `CREATE ROLE readers`, `CREATE ROLE "Bob Smith"`,
	`GRANT readers TO alice`,
	`CREATE TABLE t (id int PRIMARY KEY, v int)`,
	`CREATE VIEW tv AS SELECT id, v FROM t`,
	`CREATE SEQUENCE q`,
	`CREATE TABLE plain (a int)`,
	`CREATE SCHEMA s`,
	`CREATE TABLE s.u (id int)`,
	`CREATE TABLE owned (a int)`,
	`ALTER TABLE owned OWNER TO alice`,
	`GRANT SELECT ON t TO alice`,
	`GRANT INSERT ON t TO alice WITH GRANT OPTION`,
	`GRANT UPDATE ON t TO "Bob Smith"`,
	`GRANT SELECT ON tv TO readers`,
	`GRANT DELETE ON t TO PUBLIC`,
	`GRANT USAGE ON SEQUENCE q TO alice`,
	`GRANT SELECT ON SEQUENCE q TO readers WITH GRANT OPTION`,
	`GRANT USAGE ON SCHEMA s TO alice`,
	`GRANT SELECT ON s.u TO readers`,
}

// catalogQueries are compared, as text, between Conflux and PostgreSQL 15.
// who is the session: admin (superuser) or alice.
var catalogQueries = []struct{ who, sql string }{
	{"admin", `SELECT c.relname, c.relacl::text, pg_get_userbyid(c.relowner) FROM pg_class c
		WHERE c.relname IN ('t', 'tv', 'q', 'plain', 'u', 'owned', 't_pkey') ORDER BY 1`},
	{"admin", `SELECT n.nspname, n.nspacl::text, pg_get_userbyid(n.nspowner) FROM pg_namespace n
		WHERE n.nspname IN ('public', 's', 'pg_catalog', 'information_schema') ORDER BY 1`},
	{"admin", `SELECT r.rolname, m.rolname, pg_get_userbyid(a.grantor), a.admin_option
		FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member
		WHERE m.rolname IN ('alice', 'readers', 'Bob Smith') ORDER BY 1, 2`},
	{"admin", `SELECT grantor, grantee, table_catalog, table_schema, table_name, privilege_type, is_grantable, with_hierarchy
		FROM information_schema.table_privileges WHERE table_schema IN ('public', 's') ORDER BY table_schema, table_name, grantee, privilege_type`},
	{"alice", `SELECT grantor, grantee, table_schema, table_name, privilege_type, is_grantable, with_hierarchy
		FROM information_schema.table_privileges WHERE table_schema IN ('public', 's') ORDER BY table_schema, table_name, grantee, privilege_type`},
	{"alice", `SELECT grantor, grantee, table_schema, table_name, privilege_type, is_grantable
		FROM information_schema.role_table_grants WHERE table_schema IN ('public', 's') ORDER BY table_schema, table_name, grantee, privilege_type`},
	{"admin", `SELECT count(*) > 0 FROM information_schema.table_privileges WHERE table_schema = 'pg_catalog' AND table_name = 'pg_class' AND grantee = 'PUBLIC' AND privilege_type = 'SELECT'`},
	{"alice", `SELECT has_sequence_privilege('q', 'USAGE'), has_sequence_privilege('q', 'SELECT'), has_sequence_privilege('q', 'UPDATE'),
		has_sequence_privilege('q', 'select, update'), has_sequence_privilege('readers', 'q', 'SELECT WITH GRANT OPTION'),
		has_sequence_privilege('alice', 'public.q', 'usage'), has_sequence_privilege('q'::regclass, 'UPDATE')`},
	{"alice", `SELECT has_sequence_privilege('t', 'USAGE')`},
	{"alice", `SELECT has_sequence_privilege('q', 'INSERT')`},
	{"alice", `SELECT session_user, current_user`},
	{"admin", `SET ROLE alice`},
	{"admin", `SELECT session_user, current_user, current_role, user`},
	{"admin", `RESET ROLE`},
	{"admin", `SELECT session_user, current_user`},
}

func TestCatalogViewsMatchPostgres(t *testing.T) {
	pg := catalogTranscript(t, pgtest.StartPostgres(t))
	cf := catalogTranscript(t, pgtest.StartConflux(t))
	for i := range catalogQueries {
		if pg[i] != cf[i] {
			t.Errorf("(%s) %s\n postgres: %s\n conflux:  %s", catalogQueries[i].who, catalogQueries[i].sql, pg[i], cf[i])
		}
	}
}

// catalogTranscript runs catalogSetup and catalogQueries on one server
// and returns each query's text result (or SQLSTATE and message).
func catalogTranscript(t *testing.T, connStr string) []string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := connect(t, ctx, connStr, "postgres")
	for _, q := range catalogSetup {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("setup %s: %v", q, err)
		}
	}
	conns := map[string]*pgx.Conn{"admin": admin, "alice": connect(t, ctx, connStr, "alice")}
	out := make([]string, len(catalogQueries))
	for i, q := range catalogQueries {
		out[i] = simpleQuery(ctx, conns[q.who], q.sql)
	}
	return out
}

// simpleQuery runs sql over the simple protocol and renders the text
// result: rows by ";", columns by "|", NULL as "<null>".
func simpleQuery(ctx context.Context, c *pgx.Conn, sql string) string {
	res, err := c.PgConn().Exec(ctx, sql).ReadAll()
	if err != nil {
		if pe, ok := err.(*pgconn.PgError); ok {
			return pe.Code + " " + pe.Message
		}
		return err.Error()
	}
	var rows []string
	for _, r := range res {
		for _, row := range r.Rows {
			cols := make([]string, len(row))
			for j, v := range row {
				if v == nil {
					cols[j] = "<null>"
				} else {
					cols[j] = string(v)
				}
			}
			rows = append(rows, strings.Join(cols, "|"))
		}
		rows = append(rows, r.CommandTag.String())
	}
	return strings.Join(rows, ";")
}
