package parser

import (
	"testing"

	"github.com/conflux-db/conflux/sql/pgerr"
)

func TestParseSplitsStatements(t *testing.T) {
	stmts, err := Parse("SELECT 1; INSERT INTO t VALUES ($1) ;\n  select 'a;b'")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"SELECT 1", "INSERT INTO t VALUES ($1)", "select 'a;b'"}
	if len(stmts) != len(want) {
		t.Fatalf("got %d statements, want %d", len(stmts), len(want))
	}
	for i, s := range stmts {
		if s.SQL != want[i] {
			t.Errorf("statement %d: got %q, want %q", i, s.SQL, want[i])
		}
		if s.AST == nil {
			t.Errorf("statement %d: nil AST", i)
		}
	}
}

func TestParseEmpty(t *testing.T) {
	for _, q := range []string{"", "  ", "-- comment only", ";"} {
		stmts, err := Parse(q)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if len(stmts) != 0 {
			t.Errorf("%q: got %d statements, want 0", q, len(stmts))
		}
	}
}

func TestParseSyntaxError(t *testing.T) {
	_, err := Parse("SELECT 1; SELEC 2")
	if err == nil {
		t.Fatal("expected error")
	}
	pe := pgerr.As(err)
	if pe.Code != pgerr.SyntaxError {
		t.Errorf("code %s, want 42601", pe.Code)
	}
	if pe.Message != `syntax error at or near "SELEC"` {
		t.Errorf("message %q", pe.Message)
	}
	if pe.Position != 11 {
		t.Errorf("position %d, want 11", pe.Position)
	}
}

func TestParseExpr(t *testing.T) {
	n, err := ParseExpr("nextval('t_id_seq'::regclass)")
	if err != nil {
		t.Fatal(err)
	}
	if n.GetFuncCall() == nil {
		t.Fatalf("want FuncCall, got %v", n)
	}
	if _, err := ParseExpr("1, 2"); err == nil {
		t.Fatal("want error for two expressions")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"SELECT 1", "select * from t where a = $1", "INSERT INTO t VALUES (1, 'x') RETURNING *",
		"CREATE TABLE t (a int PRIMARY KEY)", "SELECT 'unterminated", "/* c", "SELECT $$x$$", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		stmts, err := Parse(q)
		if err != nil {
			if _, ok := err.(*pgerr.Error); !ok {
				t.Fatalf("non-pgerr error %T: %v", err, err)
			}
			return
		}
		for _, s := range stmts {
			if s.Offset < 0 || s.Offset > len(q) {
				t.Fatalf("bad offset %d", s.Offset)
			}
		}
	})
}
