package catalog

import (
	"reflect"
	"testing"
)

func TestFormatACL(t *testing.T) {
	items := DefaultACL(ObjTable, "postgres")
	items = Grant(items, "alice", "postgres", PrivSelect, 0)
	items = Grant(items, PublicGrantee, "postgres", PrivSelect|PrivInsert, PrivInsert)
	items = Grant(items, "Bob Smith", "postgres", PrivUpdate, 0)
	want := `{postgres=arwdDxt/postgres,alice=r/postgres,=a*r/postgres,"\"Bob Smith\"=w/postgres"}`
	if got := FormatACL(items); got != want {
		t.Errorf("FormatACL = %s, want %s", got, want)
	}
	for _, tc := range []struct {
		kind ObjectKind
		want string
	}{
		{ObjTable, "{o=arwdDxt/o}"},
		{ObjSequence, "{o=rwU/o}"},
		{ObjSchema, "{o=UC/o}"},
	} {
		if got := FormatACL(DefaultACL(tc.kind, "o")); got != tc.want {
			t.Errorf("default ACL of kind %d = %s, want %s", tc.kind, got, tc.want)
		}
	}
}

func TestGrantRevoke(t *testing.T) {
	items := Grant(nil, "alice", "o", PrivSelect, 0)
	items = Grant(items, "alice", "o", PrivInsert|PrivSelect, 0)
	if len(items) != 1 || items[0].Privs != PrivSelect|PrivInsert {
		t.Fatalf("grants did not merge: %+v", items)
	}
	items = Revoke(items, "alice", "", PrivSelect)
	if len(items) != 1 || items[0].Privs != PrivInsert {
		t.Fatalf("after revoke SELECT: %+v", items)
	}
	if items = Revoke(items, "alice", "", AllPrivileges(ObjTable)); len(items) != 0 {
		t.Fatalf("after revoke ALL: %+v", items)
	}
}

func TestParsePrivilege(t *testing.T) {
	for name, want := range map[string]Privileges{"select": PrivSelect, "INSERT": PrivInsert, "Usage": PrivUsage, "truncate": PrivTruncate} {
		if got, ok := ParsePrivilege(name); !ok || got != want {
			t.Errorf("ParsePrivilege(%q) = %v, %v", name, got, ok)
		}
	}
	if _, ok := ParsePrivilege("fly"); ok {
		t.Error("ParsePrivilege accepted fly")
	}
}

func TestHasPrivilege(t *testing.T) {
	roles := []*Role{
		{ID: BootstrapSuperuserID, Name: "postgres", Superuser: true},
		{ID: 20, Name: "alice", MemberOf: []string{"readers"}},
		{ID: 21, Name: "readers", MemberOf: []string{"staff"}},
		{ID: 22, Name: "staff"},
		{ID: 23, Name: "bob"},
	}
	pub := &Schema{ID: PublicSchemaID, Name: "public", Owner: "postgres"}
	tbl := &Table{ID: 100, SchemaID: PublicSchemaID, Name: "t", Owner: "bob",
		ACL: &ACL{Items: []ACLItem{{Grantee: "staff", Grantor: "bob", Privs: PrivSelect}, {Grantee: PublicGrantee, Grantor: "bob", Privs: PrivInsert}}}}
	legacy := &Table{ID: 101, SchemaID: PublicSchemaID, Name: "old"} // no owner recorded
	cat := NewSnapshot([]*Schema{pub}, []*Table{tbl, legacy}, nil, roles, nil)
	for _, tc := range []struct {
		role  string
		t     *Table
		privs Privileges
		want  bool
	}{
		{"postgres", tbl, PrivDelete, true},            // superuser
		{"alice", tbl, PrivSelect, true},               // through readers -> staff
		{"alice", tbl, PrivInsert, true},               // PUBLIC
		{"alice", tbl, PrivSelect | PrivUpdate, false}, // all of them are needed
		{"bob", tbl, PrivSelect, false},                // owner's default was replaced by the ACL
		{"alice", legacy, PrivSelect, false},
		{"postgres", legacy, PrivSelect, true},
	} {
		if got := TablePrivilege(cat, tc.role, tc.t, tc.privs); got != tc.want {
			t.Errorf("%s %s on %s = %v, want %v", tc.role, tc.privs, tc.t.Name, got, tc.want)
		}
	}
	if !IsOwner(cat, "postgres", "") || IsOwner(cat, "alice", "") || !IsOwner(cat, "bob", "bob") {
		t.Error("IsOwner")
	}
	if !SchemaPrivilege(cat, "alice", pub, PrivUsage) || SchemaPrivilege(cat, "alice", pub, PrivCreate) {
		t.Error("public schema: PUBLIC has USAGE but not CREATE (PostgreSQL 15)")
	}
	if got := SchemaACL(pub); !reflect.DeepEqual(got, []string{"postgres=UC/postgres", "=U/postgres"}) {
		t.Errorf("SchemaACL(public) = %q", got)
	}
	if TableACL(legacy) != nil {
		t.Error("relacl of a never-granted table must be NULL")
	}
	want := []string{"owner of table t", "privileges for table old"}
	legacy.ACL = &ACL{Items: []ACLItem{{Grantee: "bob", Grantor: "postgres", Privs: PrivSelect}}}
	if got := RoleDependents(cat, "bob"); !reflect.DeepEqual(got, want) {
		t.Errorf("RoleDependents(bob) = %v, want %v", got, want)
	}
}
