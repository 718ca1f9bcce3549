package pgcatalog

import (
	"testing"
	"time"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/types"
)

// aclFixture is newFixture with grants: t is granted to app (SELECT, and
// INSERT with grant option) and to PUBLIC (DELETE), seq1 to app (USAGE),
// schema s1 to app (USAGE); app is a member of readers.
func aclFixture(t *testing.T) *fixture {
	f := newFixture(t)
	cat := f.snap
	tbl := *cat.TableByID(tID)
	items := catalog.DefaultACL(catalog.ObjTable, "postgres")
	items = catalog.Grant(items, "app", "postgres", catalog.PrivSelect, 0)
	items = catalog.Grant(items, "app", "postgres", catalog.PrivInsert, catalog.PrivInsert)
	items = catalog.Grant(items, catalog.PublicGrantee, "postgres", catalog.PrivDelete, 0)
	tbl.ACL = &catalog.ACL{Items: items}
	var tables []*catalog.Table
	for _, x := range cat.Tables() {
		if x.ID == tID {
			x = &tbl
		}
		tables = append(tables, x)
	}
	seq := *cat.Sequences()[0]
	seq.Owner = "app"
	seq.ACL = &catalog.ACL{Items: catalog.Grant(catalog.DefaultACL(catalog.ObjSequence, "app"), "readers", "app", catalog.PrivUsage, 0)}
	var schemas []*catalog.Schema
	for _, s := range cat.Schemas() {
		if s.ID == s1ID {
			c := *s
			c.ACL = &catalog.ACL{Items: catalog.Grant(catalog.DefaultACL(catalog.ObjSchema, "postgres"), "app", "postgres", catalog.PrivUsage, 0)}
			s = &c
		}
		schemas = append(schemas, s)
	}
	roles := []*catalog.Role{
		{ID: 10, Name: "postgres", Superuser: true, Login: true},
		{ID: 16400, Name: "app", Login: true, MemberOf: []string{"readers"}},
		{ID: 16401, Name: "readers"},
	}
	f.snap = catalog.NewSnapshot(schemas, tables, []*catalog.Sequence{&seq}, roles, cat.VirtualTables())
	f.env.cat = f.snap
	return f
}

func TestACLColumns(t *testing.T) {
	f := aclFixture(t)
	class := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_class")
	for _, tc := range []struct{ rel, acl, owner string }{
		{"t", "{postgres=arwdDxt/postgres,app=a*r/postgres,=d/postgres}", "10"},
		{"t_pkey", "NULL", "10"},
		{"v", "NULL", "10"},
		{"seq1", "{app=rwU/app,readers=U/app}", "16400"},
		{"pg_class", "{postgres=arwdDxt/postgres,=r/postgres}", "10"},
	} {
		expect(t, tc.rel, find(class, "relname", tc.rel), "relacl", tc.acl, "relowner", tc.owner)
	}
	ns := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_namespace")
	for _, tc := range []struct{ nsp, acl string }{
		{"public", "{pg_database_owner=UC/pg_database_owner,=U/pg_database_owner}"},
		{"pg_catalog", "{postgres=UC/postgres,=U/postgres}"},
		{"s1", "{postgres=UC/postgres,app=U/postgres}"},
		{"pg_toast", "NULL"},
	} {
		expect(t, tc.nsp, find(ns, "nspname", tc.nsp), "nspacl", tc.acl)
	}
	members := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_auth_members")
	if len(members) != 1 {
		t.Fatalf("pg_auth_members: %v", members)
	}
	expect(t, "app in readers", members[0], "roleid", "16401", "member", "16400", "admin_option", "f")
}

func TestTablePrivilegesView(t *testing.T) {
	f := aclFixture(t)
	rows := f.rowsOf(t, catalog.InfoSchemaSchemaID, "table_privileges")
	count := func(kv ...string) int {
		n := 0
	next:
		for _, r := range rows {
			for i := 0; i < len(kv); i += 2 {
				if r[kv[i]] != kv[i+1] {
					continue next
				}
			}
			n++
		}
		return n
	}
	for _, tc := range []struct {
		kv   []string
		want int
	}{
		// The owner's seven privileges, grantable: explicit ACL and default alike.
		{[]string{"table_schema", "public", "table_name", "t", "grantee", "postgres", "is_grantable", "YES"}, 7},
		{[]string{"table_schema", "public", "table_name", "v", "grantee", "postgres"}, 7},
		{[]string{"table_name", "t", "grantee", "app", "privilege_type", "INSERT", "is_grantable", "YES", "with_hierarchy", "NO"}, 1},
		{[]string{"table_name", "t", "grantee", "app", "privilege_type", "SELECT", "is_grantable", "NO", "with_hierarchy", "YES"}, 1},
		{[]string{"table_name", "t", "grantee", "PUBLIC", "privilege_type", "DELETE"}, 1},
		// System relations: the bootstrap superuser's, and SELECT for PUBLIC.
		{[]string{"table_schema", "pg_catalog", "table_name", "pg_class", "grantee", "PUBLIC", "privilege_type", "SELECT"}, 1},
		// Sequences are not tables here.
		{[]string{"table_name", "seq1"}, 0},
	} {
		if got := count(tc.kv...); got != tc.want {
			t.Errorf("table_privileges %v: %d rows, want %d", tc.kv, got, tc.want)
		}
	}
}

// sessionTestEnv adds a session's cursors and runtime state to testEnv.
type sessionTestEnv struct {
	runtimeTestEnv
	cursors []CursorInfo
}

func (e sessionTestEnv) SessionState() SessionState { return e }
func (e sessionTestEnv) Cursors() []CursorInfo      { return e.cursors }

func TestSSLAndCursorViews(t *testing.T) {
	f := newFixture(t)
	created := time.Unix(1700000000, 0)
	env := sessionTestEnv{
		runtimeTestEnv: runtimeTestEnv{testEnv: f.env, rt: fakeRuntime{acts: []Activity{
			{PID: 7, SSL: true, SSLVersion: "TLSv1.3", SSLCipher: "TLS_CHACHA20_POLY1305_SHA256"},
			{PID: 8},
		}}},
		cursors: []CursorInfo{{Name: "c", Statement: "DECLARE c CURSOR FOR SELECT 1", IsScrollable: true, CreationTime: created}},
	}
	gen := func(name string) []map[string]string {
		vt := f.snap.VirtualTableByName(catalog.PgCatalogSchemaID, name)
		rows, err := vt.Generate(t.Context(), env)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var out []map[string]string
		for _, r := range rows {
			m := map[string]string{}
			for i, c := range vt.Columns {
				m[c.Name] = show(r[i])
			}
			out = append(out, m)
		}
		return out
	}
	ssl := gen("pg_stat_ssl")
	if len(ssl) != 2 {
		t.Fatalf("pg_stat_ssl: %v", ssl)
	}
	expect(t, "TLS backend", ssl[0], "pid", "7", "ssl", "t", "version", "TLSv1.3", "cipher", "TLS_CHACHA20_POLY1305_SHA256", "bits", "256", "client_dn", "NULL")
	expect(t, "plain backend", ssl[1], "pid", "8", "ssl", "f", "version", "NULL", "cipher", "NULL", "bits", "NULL")

	cur := gen("pg_cursors")
	if len(cur) != 1 {
		t.Fatalf("pg_cursors: %v", cur)
	}
	expect(t, "cursor", cur[0], "name", "c", "statement", "DECLARE c CURSOR FOR SELECT 1", "is_holdable", "f", "is_binary", "f",
		"is_scrollable", "t", "creation_time", show(types.DTimestampTZ(created.UnixMicro())))

	// A catalog-only env shows no backends and no cursors.
	for _, name := range []string{"pg_stat_ssl", "pg_cursors"} {
		if rows := f.rowsOf(t, catalog.PgCatalogSchemaID, name); len(rows) != 0 {
			t.Errorf("%s without runtime: %v", name, rows)
		}
	}
}
