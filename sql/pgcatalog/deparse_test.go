package pgcatalog

import (
	"strconv"
	"testing"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// TestDeparse checks CHECK constraints and column defaults print as
// PostgreSQL 15's pg_get_constraintdef and pg_get_expr print them; every
// expected string was produced by a real PostgreSQL 15 for
//
//	CREATE TABLE dd(a int DEFAULT -1, b numeric(10,2) DEFAULT -1.5 CHECK (...),
//	  c varchar(10) DEFAULT 'x' CHECK (...), d date DEFAULT '2024-01-01',
//	  e float8 DEFAULT 1.5 CHECK (...), f bigint DEFAULT 7 CHECK (...),
//	  g boolean DEFAULT true CHECK (...), h text CHECK (...), i int CHECK (...),
//	  j numeric DEFAULT 0)
func TestDeparse(t *testing.T) {
	cols := map[string]*types.T{
		"a": types.Int4, "b": types.Numeric.WithTypmod(types.NumericTypmod(10, 2)),
		"c": types.Varchar.WithTypmod(14), "d": types.Date, "e": types.Float8, "f": types.Int8,
		"g": types.Bool, "h": types.Text, "i": types.Int4, "j": types.Numeric,
	}
	checks := []struct{ expr, plain, pretty string }{
		{"c > 0", "CHECK ((c > 0))", "CHECK (c > 0)"}, // c unknown here: no coercion
		{"b > 0 and b < 100.5", "CHECK (((b > (0)::numeric) AND (b < 100.5)))", "CHECK (b > 0::numeric AND b < 100.5)"},
		{"c <> '' and c is not null", "CHECK ((((c)::text <> ''::text) AND (c IS NOT NULL)))", "CHECK (c::text <> ''::text AND c IS NOT NULL)"},
		{"e > 0", "CHECK ((e > (0)::double precision))", "CHECK (e > 0::double precision)"},
		{"f between 1 and 10 or f in (20, 30)", "CHECK ((((f >= 1) AND (f <= 10)) OR (f = ANY (ARRAY[(20)::bigint, (30)::bigint]))))",
			"CHECK (f >= 1 AND f <= 10 OR (f = ANY (ARRAY[20::bigint, 30::bigint])))"},
		{"not g", "CHECK ((NOT g))", "CHECK (NOT g)"},
		{"h like 'a%' and length(h) > 2", "CHECK (((h ~~ 'a%'::text) AND (length(h) > 2)))", "CHECK (h ~~ 'a%'::text AND length(h) > 2)"},
		{"(i + 1) * 2 > i - 1 - 1", "CHECK ((((i + 1) * 2) > ((i - 1) - 1)))", "CHECK (((i + 1) * 2) > (i - 1 - 1))"},
	}
	delete(cols, "c")
	for _, c := range checks[:1] {
		if got := deparseCheck(c.expr, cols, false); got != c.plain {
			t.Errorf("%s: got %s, want %s", c.expr, got, c.plain)
		}
	}
	cols["c"] = types.Varchar.WithTypmod(14)
	for _, c := range checks[1:] {
		if got := deparseCheck(c.expr, cols, false); got != c.plain {
			t.Errorf("%s: got %s, want %s", c.expr, got, c.plain)
		}
		if got := deparseCheck(c.expr, cols, true); got != c.pretty {
			t.Errorf("%s (pretty): got %s, want %s", c.expr, got, c.pretty)
		}
		// pg_get_expr(conbin, rel, true) re-prints the stored plain form.
		inner := deparseExprText(c.expr, cols, nil, false)
		if got := "CHECK (" + deparseExprText(inner, cols, nil, true) + ")"; got != c.pretty {
			t.Errorf("%s (re-printed): got %s, want %s", c.expr, got, c.pretty)
		}
	}
	defaults := []struct {
		col, expr, want string
	}{
		{"a", "-1", "'-1'::integer"},
		{"b", "-1.5", "'-1.5'::numeric"},
		{"c", "'x'", "'x'::character varying"},
		{"d", "'2024-01-01'", "'2024-01-01'::date"},
		{"e", "1.5", "1.5"},
		{"f", "7", "7"},
		{"g", "true", "true"},
		{"h", "'n/a'", "'n/a'::text"},
		{"j", "0", "0"},
		{"a", "nextval('t_a_seq'::regclass)", "nextval('t_a_seq'::regclass)"},
		{"h", "now()", "now()"},
	}
	for _, c := range defaults {
		if got := deparseExprText(c.expr, cols, cols[c.col], true); got != c.want {
			t.Errorf("default %s: got %s, want %s", c.expr, got, c.want)
		}
	}
}

func TestCheckConstraintsAndRegNamespace(t *testing.T) {
	f := newFixture(t)
	con := find(f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_constraint"), "conname", "t_n_check")
	expect(t, "pg_constraint t_n_check", con, "contype", "c", "conrelid", "16385", "conindid", "0",
		"conkey", "{3,2}", "conbin", "((n > (0)::numeric) AND ((email)::text <> ''::text))")
	cls := find(f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_class"), "relname", "t", "relnamespace", "2200")
	expect(t, "pg_class t", cls, "relchecks", "1")
	oid, _ := strconv.ParseInt(con["oid"], 10, 64)
	if got := f.callText(t, "pg_get_constraintdef", types.DInt(oid)); got != "CHECK (((n > (0)::numeric) AND ((email)::text <> ''::text)))" {
		t.Errorf("pg_get_constraintdef: %s", got)
	}
	if got := f.callText(t, "pg_get_constraintdef", types.DInt(oid), types.DBool(true)); got != "CHECK (n > 0::numeric AND email::text <> ''::text)" {
		t.Errorf("pg_get_constraintdef pretty: %s", got)
	}
	if got := f.callText(t, "pg_get_expr", types.DString(con["conbin"]), types.DInt(tID), types.DBool(true)); got != "n > 0::numeric AND email::text <> ''::text" {
		t.Errorf("pg_get_expr pretty: %s", got)
	}
	ns := find(f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_namespace"), "nspname", "public")
	expect(t, "public", ns, "nspowner", "6171")
	if got := f.callText(t, "pg_get_userbyid", types.DInt(6171)); got != "pg_database_owner" {
		t.Errorf("pg_get_userbyid(6171) = %s", got)
	}

	env := NameEnv{Catalog: f.snap, SearchPath: []string{"public"}}
	for _, c := range []struct {
		in   func(string, NameEnv) (uint32, error)
		out  func(uint32, NameEnv) string
		name string
		oid  uint32
	}{
		{RegnamespaceIn, RegnamespaceOut, "public", uint32(catalog.PublicSchemaID)},
		{RegnamespaceIn, RegnamespaceOut, "pg_catalog", uint32(catalog.PgCatalogSchemaID)},
		{RegnamespaceIn, RegnamespaceOut, "s1", s1ID},
		{RegroleIn, RegroleOut, "postgres", 10},
		{RegroleIn, RegroleOut, "pg_database_owner", 6171},
	} {
		oid, err := c.in(c.name, env)
		if err != nil || oid != c.oid {
			t.Errorf("%s in: %d, %v; want %d", c.name, oid, err, c.oid)
		}
		if got := c.out(c.oid, env); got != c.name {
			t.Errorf("%d out: %s, want %s", c.oid, got, c.name)
		}
	}
	if _, err := RegnamespaceIn("nope", env); err == nil || pgerr.Code(err) != pgerr.UndefinedSchema {
		t.Errorf("missing schema: %v", err)
	}
	if _, err := RegroleIn("nope", env); err == nil || pgerr.Code(err) != pgerr.UndefinedObject {
		t.Errorf("missing role: %v", err)
	}
	if got := RegnamespaceOut(99999, env); got != "99999" {
		t.Errorf("unknown namespace oid: %s", got)
	}
}
