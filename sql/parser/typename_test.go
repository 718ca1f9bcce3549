package parser

import "testing"

func TestResolveTypeName(t *testing.T) {
	cases := map[string]string{
		"int":                    "integer",
		"bigint":                 "bigint",
		"varchar(10)":            "character varying(10)",
		"character varying":      "character varying",
		"char(3)":                "character(3)",
		"char":                   "character(1)",
		"\"char\"":               "\"char\"",
		"numeric(12,2)":          "numeric(12,2)",
		"decimal(5)":             "numeric(5,0)",
		"float(10)":              "real",
		"float":                  "double precision",
		"timestamptz":            "timestamp with time zone",
		"timestamp(3)":           "timestamp without time zone",
		"int[]":                  "integer[]",
		"text[]":                 "text[]",
		"double precision":       "double precision",
		"jsonb":                  "jsonb",
		"uuid":                   "uuid",
		"bytea":                  "bytea",
		"interval":               "interval",
		"time without time zone": "time without time zone",
		"pg_catalog.int8":        "bigint",
		"boolean":                "boolean",
		"smallint":               "smallint",
	}
	for in, want := range cases {
		st, err := ParseOne("SELECT NULL::" + in)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		tc := st.AST.GetSelectStmt().TargetList[0].GetResTarget().Val.GetTypeCast()
		typ, err := ResolveTypeName(tc.TypeName)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got := typ.SQLString(); got != want {
			t.Errorf("%s: got %q, want %q", in, got, want)
		}
	}
	st, _ := ParseOne("SELECT NULL::nosuchtype")
	if _, err := ResolveTypeName(st.AST.GetSelectStmt().TargetList[0].GetResTarget().Val.GetTypeCast().TypeName); err == nil {
		t.Error("want error for unknown type")
	}
}
