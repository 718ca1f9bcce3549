package pgcatalog

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// fixture is the catalog the tests describe:
//
//	CREATE SCHEMA s1;
//	CREATE TABLE t (id int PRIMARY KEY, email varchar(10) UNIQUE,
//	                n numeric(12,2) DEFAULT 0, created timestamptz DEFAULT now());
//	CREATE INDEX t_n_idx ON t (n DESC);
//	CREATE VIEW v AS SELECT id, email FROM t;
//	CREATE SEQUENCE seq1;
//	CREATE TABLE s1.x (a int);            -- no primary key: hidden rowid
//	CREATE TABLE s1.t (b text);           -- shadowed by public.t
type fixture struct {
	reg  *builtins.Registry
	snap *catalog.Snapshot
	env  *testEnv
}

const (
	s1ID     = 16384
	tID      = 16385
	tPkeyID  = 16386
	tEmailID = 16387
	tNIdxID  = 16388
	vID      = 16389
	seqID    = 16390
	xID      = 16391
	xPkeyID  = 16392
	s1tID    = 16393
	s1tPkey  = 16394
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	reg := builtins.NewRegistry()
	for _, f := range Functions(reg) {
		if err := reg.Register(f); err != nil {
			t.Fatal(err)
		}
	}
	reg.Freeze()

	numeric := types.Numeric.WithTypmod(types.NumericTypmod(12, 2))
	tbl := &catalog.Table{
		ID: tID, SchemaID: catalog.PublicSchemaID, Name: "t", Kind: catalog.KindTable, Owner: "postgres",
		Columns: []catalog.Column{
			{ID: 1, Name: "id", Type: types.Int4, NotNull: true},
			{ID: 2, Name: "email", Type: types.Varchar.WithTypmod(14)},
			{ID: 3, Name: "n", Type: numeric, Default: "0"},
			{ID: 4, Name: "created", Type: types.TimestampTZ, Default: "now()"},
		},
		Primary: catalog.Index{ID: tPkeyID, Name: "t_pkey", ColumnIDs: []uint32{1}, Unique: true, Primary: true, Constraint: true},
		Indexes: []catalog.Index{
			{ID: tEmailID, Name: "t_email_key", ColumnIDs: []uint32{2}, Unique: true, Constraint: true},
			{ID: tNIdxID, Name: "t_n_idx", ColumnIDs: []uint32{3}, Desc: []bool{true}},
		},
		NextColumnID: 5,
		Comment:      "the test table",
		Checks:       []catalog.Check{{Name: "t_n_check", Expr: "n > 0 AND email <> ''"}},
	}
	view := &catalog.Table{
		ID: vID, SchemaID: catalog.PublicSchemaID, Name: "v", Kind: catalog.KindView, Owner: "postgres",
		Columns: []catalog.Column{
			{ID: 1, Name: "id", Type: types.Int4},
			{ID: 2, Name: "email", Type: types.Varchar.WithTypmod(14)},
		},
		ViewQuery: "SELECT id, email FROM t",
	}
	x := &catalog.Table{
		ID: xID, SchemaID: s1ID, Name: "x", Kind: catalog.KindTable, Owner: "postgres",
		Columns: []catalog.Column{
			{ID: 1, Name: "a", Type: types.Int4},
			{ID: 2, Name: "rowid", Type: types.Int8, Hidden: true, NotNull: true},
		},
		Primary: catalog.Index{ID: xPkeyID, Name: "x_pkey", ColumnIDs: []uint32{2}, Unique: true, Primary: true},
	}
	s1t := &catalog.Table{
		ID: s1tID, SchemaID: s1ID, Name: "t", Kind: catalog.KindTable, Owner: "postgres",
		Columns: []catalog.Column{
			{ID: 1, Name: "b", Type: types.Text},
			{ID: 2, Name: "rowid", Type: types.Int8, Hidden: true, NotNull: true},
		},
		Primary: catalog.Index{ID: s1tPkey, Name: "t_pkey", ColumnIDs: []uint32{2}, Unique: true, Primary: true},
	}
	schemas := []*catalog.Schema{
		{ID: catalog.PgCatalogSchemaID, Name: "pg_catalog", Owner: "postgres"},
		{ID: catalog.PublicSchemaID, Name: "public", Owner: "postgres"},
		{ID: catalog.InfoSchemaSchemaID, Name: "information_schema", Owner: "postgres"},
		{ID: s1ID, Name: "s1", Owner: "postgres"},
	}
	seqs := []*catalog.Sequence{{ID: seqID, SchemaID: catalog.PublicSchemaID, Name: "seq1", Start: 1, Increment: 1, Min: 1, Max: 1<<63 - 1}}
	roles := []*catalog.Role{{ID: 10, Name: "postgres", Superuser: true, Login: true}, {ID: 16400, Name: "app", Login: true}}
	snap := catalog.NewSnapshot(schemas, []*catalog.Table{tbl, view, x, s1t}, seqs, roles, VirtualTables(reg))
	env := &testEnv{cat: snap, settings: map[string]string{"search_path": `"$user", public`, "application_name": "psql"}}
	return &fixture{reg: reg, snap: snap, env: env}
}

// testEnv is both the virtual-table environment and the builtins' session.
type testEnv struct {
	cat      catalog.Reader
	settings map[string]string
}

func (e *testEnv) Catalog() catalog.Reader { return e.cat }
func (e *testEnv) Setting(name string) (string, bool) {
	v, ok := e.settings[name]
	return v, ok
}
func (e *testEnv) Settings() []catalog.Setting {
	return []catalog.Setting{{Name: "search_path", Value: e.settings["search_path"], Category: "Client Connection Defaults", Context: "user", VarType: "string"}}
}
func (e *testEnv) CurrentUser() string     { return "postgres" }
func (e *testEnv) CurrentDatabase() string { return "conflux" }
func (e *testEnv) SetSetting(name, value string, isLocal bool) error {
	e.settings[name] = value
	return nil
}
func (e *testEnv) SearchPath() []string                      { return parseSearchPath(e.settings["search_path"]) }
func (e *testEnv) BackendPID() int32                         { return 4242 }
func (e *testEnv) NextVal(string) (int64, error)             { return 0, errors.New("no") }
func (e *testEnv) CurrVal(string) (int64, error)             { return 0, errors.New("no") }
func (e *testEnv) SetVal(string, int64, bool) (int64, error) { return 0, errors.New("no") }
func (f *fixture) evalCtx() *builtins.EvalContext {
	return &builtins.EvalContext{Ctx: context.Background(), Session: f.env, Catalog: f.snap, TxnTime: time.Unix(1700000000, 0)}
}

// rowsOf generates a virtual table and returns its rows as maps of column
// name to text, for readable assertions.
func (f *fixture) rowsOf(t *testing.T, schema catalog.ID, name string) []map[string]string {
	t.Helper()
	vt := f.snap.VirtualTableByName(schema, name)
	if vt == nil {
		t.Fatalf("no virtual table %s", name)
	}
	rows, err := vt.Generate(context.Background(), f.env)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out []map[string]string
	for _, r := range rows {
		if len(r) != len(vt.Columns) {
			t.Fatalf("%s: row has %d values for %d columns", name, len(r), len(vt.Columns))
		}
		m := map[string]string{}
		for i, c := range vt.Columns {
			if !datumFits(r[i], c.Type) {
				t.Errorf("%s.%s: datum %T does not fit type %s", name, c.Name, r[i], c.Type)
			}
			m[c.Name] = show(r[i])
		}
		out = append(out, m)
	}
	return out
}

// show renders a datum compactly: NULL, numbers, strings, {a,b} arrays.
func show(d types.Datum) string {
	switch v := d.(type) {
	case types.DString:
		return string(v)
	case types.DInt:
		return fmt.Sprint(int64(v))
	case types.DBool:
		if v {
			return "t"
		}
		return "f"
	case types.DFloat:
		return fmt.Sprint(float64(v))
	case *types.DArray:
		parts := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			parts[i] = show(e)
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	if types.IsNull(d) {
		return "NULL"
	}
	return fmt.Sprint(d)
}

func find(rows []map[string]string, kv ...string) map[string]string {
next:
	for _, r := range rows {
		for i := 0; i < len(kv); i += 2 {
			if r[kv[i]] != kv[i+1] {
				continue next
			}
		}
		return r
	}
	return nil
}

func expect(t *testing.T, what string, row map[string]string, kv ...string) {
	t.Helper()
	if row == nil {
		t.Fatalf("%s: row not found", what)
	}
	for i := 0; i < len(kv); i += 2 {
		if got := row[kv[i]]; got != kv[i+1] {
			t.Errorf("%s: %s = %q, want %q", what, kv[i], got, kv[i+1])
		}
	}
}

func TestEveryVirtualTableGenerates(t *testing.T) {
	f := newFixture(t)
	seen := map[string]bool{}
	for _, vt := range f.snap.VirtualTables() {
		key := fmt.Sprint(vt.SchemaID, ".", vt.Name)
		if seen[key] {
			t.Errorf("duplicate virtual table %s", key)
		}
		seen[key] = true
		if vt.ID >= catalog.FirstUserID || vt.ID == catalog.InfoSchemaSchemaID {
			t.Errorf("%s: OID %d collides with user or schema OIDs", vt.Name, vt.ID)
		}
		f.rowsOf(t, vt.SchemaID, vt.Name)
	}
	for _, want := range []string{"pg_class", "pg_attribute", "pg_type", "pg_namespace", "pg_proc", "pg_index",
		"pg_constraint", "pg_database", "pg_roles", "pg_authid", "pg_settings", "pg_description", "pg_am",
		"pg_attrdef", "pg_inherits", "pg_trigger", "pg_rewrite", "pg_tablespace", "pg_collation", "pg_extension",
		"pg_policy", "pg_statistic_ext", "pg_sequence", "pg_depend", "pg_foreign_table", "pg_partitioned_table",
		"pg_publication", "pg_publication_rel", "pg_publication_namespace", "pg_stat_activity", "pg_user",
		"pg_shdescription", "pg_range", "pg_enum", "pg_event_trigger", "pg_operator", "pg_cast", "pg_tables",
		"pg_views", "pg_indexes", "pg_stat_user_tables", "pg_locks"} {
		if f.snap.VirtualTableByName(catalog.PgCatalogSchemaID, want) == nil {
			t.Errorf("missing pg_catalog.%s", want)
		}
	}
	for _, want := range []string{"tables", "columns", "schemata", "table_constraints", "key_column_usage", "views", "routines", "character_sets"} {
		if f.snap.VirtualTableByName(catalog.InfoSchemaSchemaID, want) == nil {
			t.Errorf("missing information_schema.%s", want)
		}
	}
}

func TestRealOIDsAndColumnTypes(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		name string
		oid  catalog.ID
	}{{"pg_class", 1259}, {"pg_attribute", 1249}, {"pg_type", 1247}, {"pg_namespace", 2615}, {"pg_proc", 1255},
		{"pg_index", 2610}, {"pg_constraint", 2606}, {"pg_database", 1262}, {"pg_authid", 1260}, {"pg_am", 2601}} {
		if vt := f.snap.VirtualTableByName(catalog.PgCatalogSchemaID, c.name); vt == nil || vt.ID != c.oid {
			t.Errorf("%s: want OID %d", c.name, c.oid)
		}
	}
	colType := func(rel, col string) *types.T {
		vt := f.snap.VirtualTableByName(catalog.PgCatalogSchemaID, rel)
		for _, c := range vt.Columns {
			if c.Name == col {
				return c.Type
			}
		}
		t.Fatalf("%s.%s missing", rel, col)
		return nil
	}
	for _, c := range []struct {
		rel, col string
		oid      uint32
	}{
		{"pg_class", "oid", types.OidOid}, {"pg_class", "relname", types.OidName}, {"pg_class", "relkind", types.OidChar},
		{"pg_class", "relpartbound", types.OidText}, {"pg_class", "relacl", types.OidTextArray},
		{"pg_index", "indkey", types.OidInt2Vector}, {"pg_index", "indexprs", types.OidText},
		{"pg_attrdef", "adbin", types.OidText}, {"pg_constraint", "conkey", types.OidInt2Array},
		{"pg_attribute", "atttypmod", types.OidInt4}, {"pg_proc", "proargtypes", types.OidOidVector},
	} {
		if got := colType(c.rel, c.col).Oid; got != c.oid {
			t.Errorf("%s.%s: type OID %d, want %d", c.rel, c.col, got, c.oid)
		}
	}
}

func TestPgClass(t *testing.T) {
	f := newFixture(t)
	rows := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_class")
	expect(t, "t", find(rows, "relname", "t", "relnamespace", "2200"), "oid", "16385", "relkind", "r", "relhasindex", "t", "relnatts", "4", "relam", "2", "relowner", "10")
	expect(t, "t_pkey", find(rows, "relname", "t_pkey", "relnamespace", "2200"), "oid", "16386", "relkind", "i", "relam", "403", "relnatts", "1")
	expect(t, "t_n_idx", find(rows, "relname", "t_n_idx"), "relkind", "i")
	expect(t, "v", find(rows, "relname", "v"), "relkind", "v", "relhasindex", "f")
	expect(t, "seq1", find(rows, "relname", "seq1"), "relkind", "S", "relnatts", "3")
	expect(t, "s1.x", find(rows, "relname", "x"), "relnamespace", "16384", "relnatts", "1", "relhasindex", "f")
	expect(t, "pg_class", find(rows, "relname", "pg_class"), "oid", "1259", "relnamespace", "11", "relkind", "r")
	expect(t, "pg_roles", find(rows, "relname", "pg_roles"), "relkind", "v")
	expect(t, "columns", find(rows, "relname", "columns"), "relnamespace", "13000", "relkind", "v")
	if r := find(rows, "relname", "x_pkey"); r != nil {
		t.Errorf("hidden rowid primary index shown: %v", r)
	}
}

func TestPgAttributeIndexConstraint(t *testing.T) {
	f := newFixture(t)
	attrs := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_attribute")
	expect(t, "t.id", find(attrs, "attrelid", "16385", "attname", "id"), "attnum", "1", "atttypid", "23", "attnotnull", "t", "atthasdef", "f", "attlen", "4", "attisdropped", "f")
	expect(t, "t.email", find(attrs, "attrelid", "16385", "attname", "email"), "attnum", "2", "atttypid", "1043", "atttypmod", "14", "attcollation", "100")
	expect(t, "t.n", find(attrs, "attrelid", "16385", "attname", "n"), "attnum", "3", "atttypmod", fmt.Sprint(types.NumericTypmod(12, 2)), "atthasdef", "t")
	expect(t, "t_pkey.id", find(attrs, "attrelid", "16386"), "attname", "id", "attnum", "1")
	expect(t, "pg_class.relname", find(attrs, "attrelid", "1259", "attname", "relname"), "attnum", "2", "atttypid", "19")
	if r := find(attrs, "attrelid", "16391", "attname", "rowid"); r != nil {
		t.Errorf("hidden column shown: %v", r)
	}

	idx := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_index")
	expect(t, "pkey", find(idx, "indexrelid", "16386"), "indrelid", "16385", "indisprimary", "t", "indisunique", "t", "indkey", "{1}", "indnatts", "1")
	expect(t, "email", find(idx, "indexrelid", "16387"), "indisprimary", "f", "indisunique", "t", "indkey", "{2}")
	expect(t, "n", find(idx, "indexrelid", "16388"), "indisunique", "f", "indkey", "{3}", "indoption", "{3}")
	if len(idx) != 3 {
		t.Errorf("pg_index has %d rows, want 3", len(idx))
	}

	cons := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_constraint")
	expect(t, "pk", find(cons, "conname", "t_pkey"), "contype", "p", "conrelid", "16385", "conindid", "16386", "conkey", "{1}", "connamespace", "2200")
	expect(t, "uq", find(cons, "conname", "t_email_key"), "contype", "u", "conkey", "{2}")
	if len(cons) != 3 { // plus the CHECK t_n_check (TestCheckConstraintsAndRegNamespace)
		t.Errorf("pg_constraint has %d rows, want 3", len(cons))
	}

	defs := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_attrdef")
	expect(t, "n default", find(defs, "adrelid", "16385", "adnum", "3"), "adbin", "0")
	expect(t, "created default", find(defs, "adrelid", "16385", "adnum", "4"), "adbin", "now()")

	desc := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_description")
	expect(t, "comment", find(desc, "objoid", "16385"), "classoid", "1259", "objsubid", "0", "description", "the test table")
}

func TestNamespacesTypesRolesDatabase(t *testing.T) {
	f := newFixture(t)
	ns := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_namespace")
	for _, n := range []string{"pg_catalog:11", "public:2200", "information_schema:13000", "s1:16384"} {
		name, oid, _ := strings.Cut(n, ":")
		expect(t, name, find(ns, "nspname", name), "oid", oid)
	}
	typ := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_type")
	expect(t, "int4", find(typ, "typname", "int4"), "oid", "23", "typlen", "4", "typbyval", "t", "typtype", "b",
		"typcategory", "N", "typarray", "1007", "typinput", "42", "typnamespace", "11") // typinput is regproc: int4in
	expect(t, "_int4", find(typ, "typname", "_int4"), "oid", "1007", "typelem", "23", "typcategory", "A", "typlen", "-1")
	expect(t, "varchar", find(typ, "typname", "varchar"), "typcollation", "100", "typcategory", "S")

	roles := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_roles")
	expect(t, "postgres", find(roles, "rolname", "postgres"), "oid", "10", "rolsuper", "t", "rolcanlogin", "t")
	expect(t, "app", find(roles, "rolname", "app"), "oid", "16400", "rolsuper", "f")
	for _, r := range f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_authid") {
		if r["rolpassword"] != "NULL" {
			t.Errorf("pg_authid exposes a password: %v", r)
		}
	}

	dbs := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_database")
	expect(t, "postgres", find(dbs, "datname", "postgres"), "encoding", "6", "datallowconn", "t")
	expect(t, "conflux", find(dbs, "datname", "conflux"), "datistemplate", "f")

	settings := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_settings")
	expect(t, "search_path", find(settings, "name", "search_path"), "setting", `"$user", public`, "vartype", "string")

	am := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_am")
	expect(t, "btree", find(am, "amname", "btree"), "oid", "403", "amtype", "i")
	expect(t, "heap", find(am, "amname", "heap"), "oid", "2", "amtype", "t")

	proc := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_proc")
	expect(t, "format_type", find(proc, "proname", "format_type"), "oid", "1081", "pronargs", "2", "proargtypes", "{26,23}", "prorettype", "25", "prokind", "f", "proisstrict", "f")
	expect(t, "pg_get_keywords", find(proc, "proname", "pg_get_keywords"), "proretset", "t")

	views := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_views")
	expect(t, "v", find(views, "viewname", "v"), "schemaname", "public", "definition", " SELECT t.id,\n    t.email\n   FROM t;", "viewowner", "postgres")
	tables := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_tables")
	expect(t, "t", find(tables, "tablename", "t", "schemaname", "public"), "hasindexes", "t", "tableowner", "postgres")
	indexes := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_indexes")
	expect(t, "t_pkey", find(indexes, "indexname", "t_pkey"), "indexdef", "CREATE UNIQUE INDEX t_pkey ON public.t USING btree (id)")
}

func TestInformationSchema(t *testing.T) {
	f := newFixture(t)
	I := catalog.ID(catalog.InfoSchemaSchemaID)
	cols := f.rowsOf(t, I, "columns")
	expect(t, "t.id", find(cols, "table_schema", "public", "table_name", "t", "column_name", "id"),
		"ordinal_position", "1", "is_nullable", "NO", "data_type", "integer", "numeric_precision", "32",
		"numeric_precision_radix", "2", "numeric_scale", "0", "udt_name", "int4", "table_catalog", "conflux", "column_default", "NULL")
	expect(t, "t.email", find(cols, "table_name", "t", "column_name", "email"),
		"data_type", "character varying", "character_maximum_length", "10", "character_octet_length", "40", "is_nullable", "YES", "udt_name", "varchar")
	expect(t, "t.n", find(cols, "table_name", "t", "column_name", "n"),
		"data_type", "numeric", "numeric_precision", "12", "numeric_scale", "2", "column_default", "0")
	expect(t, "t.created", find(cols, "table_name", "t", "column_name", "created"),
		"data_type", "timestamp with time zone", "datetime_precision", "6", "column_default", "now()")
	expect(t, "pg_class.relacl", find(cols, "table_name", "pg_class", "column_name", "relacl"), "data_type", "ARRAY", "udt_name", "_text")

	tables := f.rowsOf(t, I, "tables")
	expect(t, "t", find(tables, "table_schema", "public", "table_name", "t"), "table_type", "BASE TABLE", "is_insertable_into", "YES")
	expect(t, "v", find(tables, "table_name", "v"), "table_type", "VIEW")
	expect(t, "pg_class", find(tables, "table_name", "pg_class"), "table_schema", "pg_catalog")

	tc := f.rowsOf(t, I, "table_constraints")
	expect(t, "pk", find(tc, "constraint_name", "t_pkey", "table_schema", "public"), "constraint_type", "PRIMARY KEY", "table_name", "t")
	expect(t, "uq", find(tc, "constraint_name", "t_email_key"), "constraint_type", "UNIQUE", "nulls_distinct", "YES")
	expect(t, "nn", find(tc, "constraint_name", "2200_16385_1_not_null"), "constraint_type", "CHECK")

	kcu := f.rowsOf(t, I, "key_column_usage")
	expect(t, "pk", find(kcu, "constraint_name", "t_pkey"), "column_name", "id", "ordinal_position", "1")
	expect(t, "uq", find(kcu, "constraint_name", "t_email_key"), "column_name", "email")

	sch := f.rowsOf(t, I, "schemata")
	expect(t, "s1", find(sch, "schema_name", "s1"), "schema_owner", "postgres", "catalog_name", "conflux")

	views := f.rowsOf(t, I, "views")
	expect(t, "v", find(views, "table_name", "v"), "view_definition", " SELECT t.id,\n    t.email\n   FROM t;", "check_option", "NONE")

	seqs := f.rowsOf(t, I, "sequences")
	expect(t, "seq1", find(seqs, "sequence_name", "seq1"), "start_value", "1", "data_type", "bigint")

	cs := f.rowsOf(t, I, "character_sets")
	expect(t, "utf8", find(cs, "character_set_name", "UTF8"), "form_of_use", "UTF8")

	routines := f.rowsOf(t, I, "routines")
	expect(t, "version", find(routines, "routine_name", "version"), "data_type", "text", "routine_type", "FUNCTION")
}

// call evaluates a function from Functions by name and argument count.
func (f *fixture) call(t *testing.T, name string, args ...types.Datum) (types.Datum, error) {
	t.Helper()
	fn := f.reg.Lookup(name)
	if fn == nil {
		t.Fatalf("no function %s", name)
	}
	for _, ov := range fn.Overloads {
		if len(ov.Args) != len(args) || ov.Fn == nil {
			continue
		}
		match := true
		for i, a := range args {
			_, isStr := a.(types.DString)
			if ov.Args[i] != nil && isStr != (ov.Args[i].Family == types.StringFamily) && !types.IsNull(a) {
				match = false
			}
		}
		if match {
			return ov.Fn(f.evalCtx(), args)
		}
	}
	t.Fatalf("no overload of %s for %d args", name, len(args))
	return nil, nil
}

func (f *fixture) callText(t *testing.T, name string, args ...types.Datum) string {
	t.Helper()
	d, err := f.call(t, name, args...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return show(d)
}

func TestFunctions(t *testing.T) {
	f := newFixture(t)
	I, S, B := func(v int64) types.Datum { return types.DInt(v) }, func(s string) types.Datum { return types.DString(s) }, func(b bool) types.Datum { return types.DBool(b) }
	for _, c := range []struct {
		name string
		args []types.Datum
		want string
	}{
		{"format_type", []types.Datum{I(1043), I(14)}, "character varying(10)"},
		{"format_type", []types.Datum{I(1043), types.DNull}, "character varying"},
		{"format_type", []types.Datum{I(1042), types.DNull}, "character"},
		{"format_type", []types.Datum{I(1042), I(-1)}, "bpchar"},
		{"format_type", []types.Datum{I(1700), I(int64(types.NumericTypmod(12, 2)))}, "numeric(12,2)"},
		{"format_type", []types.Datum{I(1184), I(6)}, "timestamp(6) with time zone"},
		{"format_type", []types.Datum{I(1007), I(-1)}, "integer[]"},
		{"format_type", []types.Datum{I(18), I(-1)}, `"char"`},
		{"format_type", []types.Datum{I(99999), I(-1)}, "???"},
		{"format_type", []types.Datum{types.DNull, I(-1)}, "NULL"},
		{"pg_get_indexdef", []types.Datum{I(tPkeyID)}, "CREATE UNIQUE INDEX t_pkey ON public.t USING btree (id)"},
		{"pg_get_indexdef", []types.Datum{I(tPkeyID), I(0), B(true)}, "CREATE UNIQUE INDEX t_pkey ON t USING btree (id)"},
		{"pg_get_indexdef", []types.Datum{I(tNIdxID)}, "CREATE INDEX t_n_idx ON public.t USING btree (n DESC)"},
		{"pg_get_indexdef", []types.Datum{I(tNIdxID), I(1), B(true)}, "n"},
		{"pg_get_indexdef", []types.Datum{I(tID)}, "NULL"},
		{"pg_get_constraintdef", []types.Datum{I(tPkeyID)}, "PRIMARY KEY (id)"},
		{"pg_get_constraintdef", []types.Datum{I(tEmailID), B(true)}, "UNIQUE (email)"},
		{"pg_get_constraintdef", []types.Datum{I(tNIdxID)}, "NULL"},
		{"pg_get_expr", []types.Datum{S("now()"), I(tID), B(true)}, "now()"},
		{"pg_get_viewdef", []types.Datum{I(vID), B(true)}, " SELECT t.id,\n    t.email\n   FROM t;"},
		{"pg_get_viewdef", []types.Datum{S("v")}, " SELECT t.id,\n    t.email\n   FROM t;"},
		{"pg_get_serial_sequence", []types.Datum{S("t"), S("id")}, "NULL"},
		{"pg_table_is_visible", []types.Datum{I(tID)}, "t"},
		{"pg_table_is_visible", []types.Datum{I(s1tID)}, "f"},
		{"pg_table_is_visible", []types.Datum{I(xID)}, "f"},
		{"pg_table_is_visible", []types.Datum{I(1259)}, "t"},
		{"pg_get_userbyid", []types.Datum{I(10)}, "postgres"},
		{"pg_get_userbyid", []types.Datum{I(16400)}, "app"},
		{"obj_description", []types.Datum{I(tID), S("pg_class")}, "the test table"},
		{"pg_encoding_to_char", []types.Datum{I(6)}, "UTF8"},
		{"pg_char_to_encoding", []types.Datum{S("UTF8")}, "6"},
		{"has_table_privilege", []types.Datum{S("t"), S("SELECT")}, "t"},
		{"current_schema", nil, "public"},
		{"current_schemas", []types.Datum{B(true)}, "{pg_catalog,public}"},
		{"current_schemas", []types.Datum{B(false)}, "{public}"},
		{"current_database", nil, "conflux"},
		{"current_user", nil, "postgres"},
		{"version", nil, "PostgreSQL 16.4 (Conflux 0.1) on x86_64-pc-linux-gnu, compiled by Go"},
		{"current_setting", []types.Datum{S("application_name")}, "psql"},
		{"current_setting", []types.Datum{S("nope"), B(true)}, "NULL"},
		{"pg_backend_pid", nil, "4242"},
		{"pg_is_in_recovery", nil, "f"},
		{"pg_size_pretty", []types.Datum{I(123456789)}, "118 MB"},
		{"pg_size_pretty", []types.Datum{I(10239)}, "10239 bytes"},
		{"pg_size_pretty", []types.Datum{I(10240)}, "10 kB"},
		{"pg_size_pretty", []types.Datum{I(-10240)}, "-10 kB"},
		{"pg_relation_size", []types.Datum{I(tID)}, "0"},
		{"pg_get_function_arguments", []types.Datum{I(1081)}, "oid, integer"},
		{"pg_get_function_result", []types.Datum{I(1081)}, "text"},
		{"pg_get_function_result", []types.Datum{I(1686)}, "TABLE(word text, catcode \"char\", barelabel boolean, catdesc text, baredesc text)"},
		{"to_regclass", []types.Datum{S("nosuch")}, "NULL"},
		{"to_regtype", []types.Datum{S("integer")}, "23"},
	} {
		if got := f.callText(t, c.name, c.args...); got != c.want {
			t.Errorf("%s%v = %q, want %q", c.name, c.args, got, c.want)
		}
	}

	if _, err := f.call(t, "current_setting", S("nope")); pgerr.Code(err) != pgerr.UndefinedObject {
		t.Errorf("current_setting(nope): %v, want 42704", err)
	}
	if got := f.callText(t, "set_config", S("search_path"), S("s1, public"), B(false)); got != "s1, public" {
		t.Errorf("set_config = %q", got)
	}
	if got := f.callText(t, "current_schemas", B(true)); got != "{pg_catalog,s1,public}" {
		t.Errorf("after set_config current_schemas = %q", got)
	}
	if got := f.callText(t, "pg_table_is_visible", I(s1tID)); got != "t" {
		t.Errorf("s1.t not visible after search_path change")
	}
	if got := f.callText(t, "pg_get_indexdef", I(tPkeyID), I(0), B(true)); got != "CREATE UNIQUE INDEX t_pkey ON public.t USING btree (id)" {
		t.Errorf("shadowed table printed unqualified: %q", got)
	}
}

func TestKeywordsGenerator(t *testing.T) {
	f := newFixture(t)
	ov := f.reg.Lookup("pg_get_keywords").Overloads[0]
	gen, err := ov.Gen(f.evalCtx(), nil)
	if err != nil {
		t.Fatal(err)
	}
	n, found := 0, false
	for {
		row, ok, err := gen.Next(f.evalCtx())
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		n++
		if show(row[0]) == "select" {
			found = true
			if show(row[1]) != "R" || show(row[3]) != "reserved" {
				t.Errorf("select: %v", row)
			}
		}
	}
	if n < 400 || !found {
		t.Errorf("pg_get_keywords: %d rows, select found %v", n, found)
	}
}

func TestRegNames(t *testing.T) {
	f := newFixture(t)
	env := EvalNameEnv(f.evalCtx())
	env.Registry = f.reg
	for _, c := range []struct {
		in   string
		want uint32
		code string
	}{
		{"t", tID, ""}, {"public.t", tID, ""}, {`"t"`, tID, ""}, {"T", tID, ""}, {"s1.t", s1tID, ""},
		{"pg_class", 1259, ""}, {"pg_catalog.pg_class", 1259, ""}, {"information_schema.columns", 13295, ""},
		{"t_pkey", tPkeyID, ""}, {"seq1", seqID, ""}, {"16385", 16385, ""},
		{"nosuch", 0, pgerr.UndefinedTable}, {"x", 0, pgerr.UndefinedTable}, {"nosuch.t", 0, pgerr.UndefinedSchema},
		{`"T"`, 0, pgerr.UndefinedTable},
	} {
		got, err := RegclassIn(c.in, env)
		if c.code != "" {
			if pgerr.Code(err) != c.code {
				t.Errorf("RegclassIn(%q) error %v, want %s", c.in, err, c.code)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("RegclassIn(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		oid  uint32
		want string
	}{{tID, "t"}, {s1tID, "s1.t"}, {xID, "s1.x"}, {1259, "pg_class"}, {0, "-"}, {99999, "99999"}} {
		if got := RegclassOut(c.oid, env); got != c.want {
			t.Errorf("RegclassOut(%d) = %q, want %q", c.oid, got, c.want)
		}
	}
	for _, c := range []struct {
		in   string
		want uint32
	}{{"integer", 23}, {"int4", 23}, {"character varying", 1043}, {"varchar(10)", 1043}, {"text[]", 1009},
		{"pg_catalog.bool", 16}, {`"char"`, 18}, {"timestamp with time zone", 1184}, {"_int4", 1007}} {
		got, err := RegtypeIn(c.in, env)
		if err != nil || got != c.want {
			t.Errorf("RegtypeIn(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	if _, err := RegtypeIn("nosuchtype", env); pgerr.Code(err) != pgerr.UndefinedObject {
		t.Errorf("RegtypeIn(nosuchtype): %v", err)
	}
	for oid, want := range map[uint32]string{23: "integer", 1043: "character varying", 1009: "text[]", 0: "-"} {
		if got := RegtypeOut(oid); got != want {
			t.Errorf("RegtypeOut(%d) = %q, want %q", oid, got, want)
		}
	}
	if oid, err := RegprocIn("format_type", env); err != nil || oid != 1081 {
		t.Errorf("RegprocIn(format_type) = %d, %v", oid, err)
	}
	if _, err := RegprocIn("pg_get_viewdef", env); pgerr.Code(err) != pgerr.AmbiguousFunction {
		t.Errorf("RegprocIn(overloaded): %v", err)
	}
	if _, err := RegprocIn("nosuchfn", env); pgerr.Code(err) != pgerr.UndefinedFunction {
		t.Errorf("RegprocIn(nosuchfn): %v", err)
	}
	if got := RegprocOut(1081, env); got != "format_type" {
		t.Errorf("RegprocOut(1081) = %q", got)
	}
}

func TestQuoteIdent(t *testing.T) {
	for in, want := range map[string]string{"t": "t", "T": `"T"`, "select": `"select"`, "name": "name", "a b": `"a b"`, "1a": `"1a"`, `q"`: `"q"""`, "user": `"user"`} {
		if got := quoteIdent(in); got != want {
			t.Errorf("quoteIdent(%q) = %q, want %q", in, got, want)
		}
	}
}

// datumFits reports whether d is the Datum representation of t's family.
func datumFits(d types.Datum, t *types.T) bool {
	if types.IsNull(d) {
		return true
	}
	switch d.(type) {
	case types.DString:
		return t.Family == types.StringFamily
	case types.DInt:
		return t.Family == types.IntFamily
	case types.DBool:
		return t.Family == types.BoolFamily
	case types.DFloat:
		return t.Family == types.FloatFamily
	case types.DTimestampTZ:
		return t.Family == types.TimestampTZFamily
	case *types.DArray:
		a := d.(*types.DArray)
		if t.Family != types.ArrayFamily || !a.Elem.Equivalent(t.Elem) {
			return false
		}
		for _, e := range a.Elems {
			if !datumFits(e, t.Elem) {
				return false
			}
		}
		return true
	}
	return false
}
