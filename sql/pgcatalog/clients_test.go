package pgcatalog

import (
	"context"
	"testing"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// What pgJDBC and BI tools need beyond psql: regproc names of the type
// I/O functions, build settings, _pg_expandarray, pg_toast and the
// built-in schemas' comments, information_schema's domains, system
// columns, and the privilege and size seams.

func TestTypeIOProcsResolve(t *testing.T) {
	f := newFixture(t)
	env := NameEnv{Catalog: f.snap, Registry: f.reg}
	for _, c := range []struct {
		name string
		oid  uint32
	}{
		{"pg_catalog.array_in", 750}, {"array_in", 750}, {"int4in", 42}, {"textout", 47}, {"domain_in", 2597},
	} {
		got, err := RegprocIn(c.name, env)
		if err != nil || got != c.oid {
			t.Errorf("RegprocIn(%q) = %d, %v; want %d", c.name, got, err, c.oid)
		}
		if out := RegprocOut(c.oid, env); out != c.name && "pg_catalog."+out != c.name {
			t.Errorf("RegprocOut(%d) = %q", c.oid, out)
		}
	}
	typ := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_type")
	expect(t, "int4", find(typ, "typname", "int4"), "typinput", "42", "typoutput", "43", "typsubscript", "0")
	expect(t, "_int4", find(typ, "typname", "_int4"), "typinput", "750", "typsubscript", "6179")
	proc := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_proc")
	expect(t, "array_in", find(proc, "proname", "array_in"), "oid", "750", "proargtypes", "{2275,26,23}", "prorettype", "2277")
	if got := f.callText(t, "pg_get_function_arguments", types.DInt(750)); got != "cstring, oid, integer" {
		t.Errorf("pg_get_function_arguments(array_in) = %q", got)
	}
}

func TestPresetSettings(t *testing.T) {
	f := newFixture(t)
	set := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_settings")
	expect(t, "max_index_keys", find(set, "name", "max_index_keys"), "setting", "32", "context", "internal", "category", "Preset Options")
	expect(t, "search_path", find(set, "name", "search_path"), "context", "user") // the session's own still there
	for i := 1; i < len(set); i++ {
		if set[i-1]["name"] > set[i]["name"] {
			t.Errorf("pg_settings not sorted: %s before %s", set[i-1]["name"], set[i]["name"])
		}
	}
	if got := f.callText(t, "current_setting", types.DString("MAX_INDEX_KEYS")); got != "32" {
		t.Errorf("current_setting(max_index_keys) = %q", got)
	}
	// The session wins over a preset.
	f.env.settings["max_identifier_length"] = "99"
	if got := f.callText(t, "current_setting", types.DString("max_identifier_length")); got != "99" {
		t.Errorf("current_setting(max_identifier_length) = %q, want the session's 99", got)
	}
}

func TestExpandArray(t *testing.T) {
	f := newFixture(t)
	ov := f.reg.Lookup("_pg_expandarray").Overloads[0]
	if ov.Args[0].Oid != types.OidInt2Vector || len(ov.GenCols) != 2 || ov.GenCols[0].Name != "x" || ov.GenCols[1].Name != "n" {
		t.Fatalf("unexpected first overload %+v", ov)
	}
	for _, c := range []struct {
		arr  *types.DArray
		want []string
	}{
		{&types.DArray{Elem: types.Int2, Elems: []types.Datum{types.DInt(3), types.DInt(1)}, LowerBound: 0}, []string{"3:1", "1:2"}},
		{&types.DArray{Elem: types.Int2}, nil},
	} {
		gen, err := ov.Gen(f.evalCtx(), []types.Datum{c.arr})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for {
			row, ok, err := gen.Next(f.evalCtx())
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				break
			}
			got = append(got, show(row[0])+":"+show(row[1]))
		}
		if len(got) != len(c.want) {
			t.Fatalf("_pg_expandarray = %v, want %v", got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("_pg_expandarray row %d = %s, want %s", i, got[i], c.want[i])
			}
		}
	}
}

func TestNamespacesDomainsSystemColumns(t *testing.T) {
	f := newFixture(t)
	ns := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_namespace")
	expect(t, "pg_toast", find(ns, "nspname", "pg_toast"), "oid", "99")
	desc := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_description")
	expect(t, "public", find(desc, "objoid", "2200", "classoid", "2615"), "description", "standard public schema")
	expect(t, "pg_catalog", find(desc, "objoid", "11", "classoid", "2615"), "description", "system catalog schema")

	typ := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_type")
	expect(t, "time_stamp", find(typ, "typname", "time_stamp"), "typtype", "d", "typbasetype", "1184",
		"typtypmod", "2", "typdefault", "CURRENT_TIMESTAMP(2)", "typnamespace", "13000", "typinput", "2597")
	expect(t, "yes_or_no", find(typ, "typname", "yes_or_no"), "typbasetype", "1043", "typtypmod", "7")
	if got := f.callText(t, "pg_type_is_visible", types.DInt(13232)); got != "f" {
		t.Errorf("pg_type_is_visible(time_stamp) = %q", got)
	}

	att := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_attribute")
	expect(t, "t.ctid", find(att, "attrelid", "16385", "attname", "ctid"), "attnum", "-1", "atttypid", "27", "attlen", "6", "attnotnull", "t")
	expect(t, "t.tableoid", find(att, "attrelid", "16385", "attname", "tableoid"), "attnum", "-6", "atttypid", "26")
	if r := find(att, "attrelid", "16389", "attname", "ctid"); r != nil {
		t.Errorf("a view has system columns: %v", r)
	}
	if r := find(att, "attrelid", "16386", "attname", "ctid"); r != nil {
		t.Errorf("an index has system columns: %v", r)
	}
}

// checker is a session that enforces privileges: app may only SELECT
// from t and use schema s1.
type checker struct {
	*testEnv
	asked []Privilege
}

func (c *checker) HasTablePrivilege(role string, table catalog.ID, privs []Privilege) (bool, error) {
	c.asked = privs
	if role == "postgres" {
		return true, nil
	}
	for _, p := range privs {
		if table == tID && p.Name == "SELECT" && !p.WithGrantOption {
			return true, nil
		}
	}
	return false, nil
}

func (c *checker) HasSchemaPrivilege(role string, schema catalog.ID, privs []Privilege) (bool, error) {
	return role == "postgres" || schema == s1ID && privs[0].Name == "USAGE", nil
}

func TestPrivilegeFunctions(t *testing.T) {
	f := newFixture(t)
	S, I := func(s string) types.Datum { return types.DString(s) }, func(v int64) types.Datum { return types.DInt(v) }
	sess := &checker{testEnv: f.env}
	ctx := &builtins.EvalContext{Ctx: context.Background(), Session: sess, Catalog: f.snap}
	call := func(name string, shape int, args ...types.Datum) (types.Datum, error) {
		return f.reg.Lookup(name).Overloads[shape].Fn(ctx, args)
	}
	// Shapes: 0 (name,text,text) 1 (name,oid,text) 2 (oid,text,text) 3 (oid,oid,text) 4 (text,text) 5 (oid,text).
	for _, c := range []struct {
		fn    string
		shape int
		args  []types.Datum
		want  string
		code  string
	}{
		{"has_table_privilege", 0, []types.Datum{S("app"), S("t"), S("select")}, "t", ""},
		{"has_table_privilege", 0, []types.Datum{S("app"), S("t"), S("INSERT")}, "f", ""},
		{"has_table_privilege", 0, []types.Datum{S("app"), S("t"), S("insert, Select")}, "t", ""},
		{"has_table_privilege", 0, []types.Datum{S("app"), S("t"), S("SELECT WITH GRANT OPTION")}, "f", ""},
		{"has_table_privilege", 1, []types.Datum{S("app"), I(tID), S("select")}, "t", ""},
		{"has_table_privilege", 2, []types.Datum{I(16400), S("public.t"), S("update")}, "f", ""},
		{"has_table_privilege", 3, []types.Datum{I(16400), I(99999), S("select")}, "NULL", ""},
		{"has_table_privilege", 4, []types.Datum{S("v"), S("delete")}, "t", ""}, // current user postgres
		{"has_table_privilege", 5, []types.Datum{I(vID), S("select")}, "t", ""},
		{"has_table_privilege", 0, []types.Datum{S("nobody"), S("t"), S("select")}, "", pgerr.UndefinedObject},
		{"has_table_privilege", 4, []types.Datum{S("nosuch"), S("select")}, "", pgerr.UndefinedTable},
		{"has_table_privilege", 4, []types.Datum{S("t"), S("usage")}, "", pgerr.InvalidParameterValue},
		{"has_schema_privilege", 0, []types.Datum{S("app"), S("s1"), S("usage")}, "t", ""},
		{"has_schema_privilege", 0, []types.Datum{S("app"), S("public"), S("create")}, "f", ""},
		{"has_schema_privilege", 1, []types.Datum{S("app"), I(s1ID), S("USAGE")}, "t", ""},
		{"has_schema_privilege", 5, []types.Datum{I(123456), S("usage")}, "NULL", ""},
		{"has_schema_privilege", 4, []types.Datum{S("nosuch"), S("usage")}, "", pgerr.UndefinedSchema},
		{"has_schema_privilege", 4, []types.Datum{S("s1"), S("select")}, "", pgerr.InvalidParameterValue},
	} {
		d, err := call(c.fn, c.shape, c.args...)
		if c.code != "" {
			if pgerr.Code(err) != c.code {
				t.Errorf("%s%v: error %v, want %s", c.fn, c.args, err, c.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s%v: %v", c.fn, c.args, err)
			continue
		}
		if got := show(d); got != c.want {
			t.Errorf("%s%v = %s, want %s", c.fn, c.args, got, c.want)
		}
	}
	// Without a checker in the session every privilege is held.
	if got := f.callText(t, "has_table_privilege", S("app"), S("t"), S("delete")); got != "t" {
		t.Errorf("no checker: has_table_privilege = %s", got)
	}
}

// sizer reports 1000 bytes for t's rows and 100 per secondary index.
type sizer struct{ *testEnv }

func (s sizer) RelationSize(_ context.Context, rel catalog.ID) (int64, error) {
	switch rel {
	case tID:
		return 1000, nil
	case tEmailID, tNIdxID:
		return 100, nil
	}
	return 0, nil
}

func TestRelationSizes(t *testing.T) {
	f := newFixture(t)
	ctx := &builtins.EvalContext{Ctx: context.Background(), Session: sizer{f.env}, Catalog: f.snap}
	for _, c := range []struct {
		fn   string
		rel  int64
		want string
	}{
		{"pg_relation_size", tID, "1000"},
		{"pg_table_size", tID, "1000"},
		{"pg_indexes_size", tID, "200"},
		{"pg_total_relation_size", tID, "1200"},
		{"pg_relation_size", tEmailID, "100"},
		{"pg_relation_size", tPkeyID, "0"},
		{"pg_total_relation_size", vID, "0"},
		{"pg_relation_size", 1259, "0"},
		{"pg_relation_size", 987654, "NULL"},
	} {
		d, err := f.reg.Lookup(c.fn).Overloads[0].Fn(ctx, []types.Datum{types.DInt(c.rel)})
		if err != nil {
			t.Fatal(err)
		}
		if got := show(d); got != c.want {
			t.Errorf("%s(%d) = %s, want %s", c.fn, c.rel, got, c.want)
		}
	}
}
