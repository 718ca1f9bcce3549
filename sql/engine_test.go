package sql

import (
	"context"
	"strings"
	"testing"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// run executes a query string through the session like the simple query
// protocol and renders results as text lines.
func run(t *testing.T, s *Session, query string) (string, error) {
	t.Helper()
	ctx := context.Background()
	stmts, err := s.Parse(query)
	if err != nil {
		return "", err
	}
	var out []string
	for _, st := range stmts {
		p, err := s.Prepare(ctx, st, nil)
		if err != nil {
			return strings.Join(out, "\n"), err
		}
		cur, err := s.Execute(ctx, p, nil)
		if err != nil {
			return strings.Join(out, "\n"), err
		}
		for {
			row, ok, err := cur.Next(ctx)
			if err != nil {
				return strings.Join(out, "\n"), err
			}
			if !ok {
				break
			}
			var vals []string
			for i, d := range row {
				if d == types.DNull {
					vals = append(vals, "NULL")
				} else {
					vals = append(vals, string(types.AppendText(nil, d, p.Columns[i].Type, s.typesContext())))
				}
			}
			out = append(out, strings.Join(vals, "|"))
		}
		out = append(out, cur.Tag())
		cur.Close()
	}
	return strings.Join(out, "\n"), nil
}

func newTestSession(t *testing.T) (*Engine, *Session) {
	t.Helper()
	e, err := Open(context.Background(), Config{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	s, err := e.NewSession(context.Background(), SessionParams{User: "postgres", Database: "postgres"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return e, s
}

func TestEngineSmoke(t *testing.T) {
	_, s := newTestSession(t)
	steps := []struct{ q, want, code string }{
		{q: "CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL, score numeric(5,2) DEFAULT 1.5)", want: "CREATE TABLE"},
		{q: "INSERT INTO t (id, name) VALUES (1, 'a'), (2, 'b')", want: "INSERT 0 2"},
		{q: "INSERT INTO t VALUES (3, 'c', 2.25) RETURNING id, score", want: "3|2.25\nINSERT 0 1"},
		{q: "SELECT id, name, score FROM t ORDER BY id", want: "1|a|1.50\n2|b|1.50\n3|c|2.25\nSELECT 3"},
		{q: "SELECT name FROM t WHERE id = 2", want: "b\nSELECT 1"},
		{q: "INSERT INTO t VALUES (1, 'dup')", code: pgerr.UniqueViolation},
		{q: "INSERT INTO t (id) VALUES (9)", code: pgerr.NotNullViolation},
		{q: "SELECT nosuch FROM t", code: pgerr.UndefinedColumn},
		{q: "SELECT * FROM nosuch", code: pgerr.UndefinedTable},
		{q: "UPDATE t SET name = 'bb' WHERE id = 2", want: "UPDATE 1"},
		{q: "DELETE FROM t WHERE id = 3", want: "DELETE 1"},
		{q: "SELECT count(*) FROM t", want: "2\nSELECT 1"},
		{q: "BEGIN", want: "BEGIN"},
		{q: "INSERT INTO t VALUES (10, 'x')", want: "INSERT 0 1"},
		{q: "SELECT 1/0", code: pgerr.DivisionByZero},
		{q: "SELECT 1", code: pgerr.InFailedSQLTransaction},
		{q: "ROLLBACK", want: "ROLLBACK"},
		{q: "SELECT count(*) FROM t", want: "2\nSELECT 1"},
		{q: "CREATE INDEX t_name_idx ON t (name)", want: "CREATE INDEX"},
		{q: "SELECT id FROM t WHERE name = 'bb'", want: "2\nSELECT 1"},
		{q: "CREATE TABLE s (a serial, b text)", want: "CREATE TABLE"},
		{q: "INSERT INTO s (b) VALUES ('x'), ('y') RETURNING a", want: "1\n2\nINSERT 0 2"},
		{q: "ALTER TABLE s ADD PRIMARY KEY (a)", want: "ALTER TABLE"},
		{q: "INSERT INTO s VALUES (1, 'z')", code: pgerr.UniqueViolation},
		{q: "ALTER TABLE s ADD COLUMN c int DEFAULT 7", want: "ALTER TABLE"},
		{q: "SELECT a, b, c FROM s ORDER BY a", want: "1|x|7\n2|y|7\nSELECT 2"},
		{q: "TRUNCATE s", want: "TRUNCATE TABLE"},
		{q: "SELECT count(*) FROM s", want: "0\nSELECT 1"},
		{q: "CREATE VIEW v AS SELECT id, name FROM t WHERE id > 1", want: "CREATE VIEW"},
		{q: "SELECT * FROM v", want: "2|bb\nSELECT 1"},
		{q: "SET search_path = nosuch, public", want: "SET"},
		{q: "SHOW search_path", want: "nosuch, public\nSHOW"},
		{q: "SET nosuch_param = 1", code: pgerr.UndefinedObject},
		{q: "DROP TABLE t, s", want: "DROP TABLE"},
	}
	for _, st := range steps {
		got, err := run(t, s, st.q)
		if st.code != "" {
			if err == nil {
				t.Errorf("%s: want error %s, got %q", st.q, st.code, got)
			} else if c := pgerr.Code(err); c != st.code {
				t.Errorf("%s: want error %s, got %s: %v", st.q, st.code, c, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", st.q, err)
			continue
		}
		if got != st.want {
			t.Errorf("%s:\ngot:\n%s\nwant:\n%s", st.q, got, st.want)
		}
	}
}

func TestDurableAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	e, err := Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	s, _ := e.NewSession(ctx, SessionParams{User: "postgres"})
	for _, q := range []string{"CREATE TABLE k (id bigint PRIMARY KEY, v text)", "INSERT INTO k VALUES (1, 'one'), (2, 'two')", "CREATE SEQUENCE q", "SELECT nextval('q')"} {
		if _, err := run(t, s, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s.Close()
	e.Close()
	e, err = Open(ctx, Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	s, _ = e.NewSession(ctx, SessionParams{User: "postgres"})
	defer s.Close()
	got, err := run(t, s, "SELECT id, v FROM k ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	if want := "1|one\n2|two\nSELECT 2"; got != want {
		t.Fatalf("after restart got %q want %q", got, want)
	}
	got, err = run(t, s, "SELECT nextval('q') > 1")
	if err != nil {
		t.Fatal(err)
	}
	if want := "t\nSELECT 1"; got != want {
		t.Fatalf("sequence after restart: got %q", got)
	}
}

// TestPreparedPlanAfterDDL: a prepared statement is re-planned after DDL,
// and refuses to run when its result shape would change under the client.
func TestPreparedPlanAfterDDL(t *testing.T) {
	_, s := newTestSession(t)
	ctx := context.Background()
	if _, err := run(t, s, "CREATE TABLE pp (id int PRIMARY KEY, v text); INSERT INTO pp VALUES (1, 'a')"); err != nil {
		t.Fatal(err)
	}
	prep := func(q string) *Prepared {
		st, err := s.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.Prepare(ctx, st[0], nil)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	exec := func(p *Prepared) error {
		cur, err := s.Execute(ctx, p, nil)
		if err != nil {
			return err
		}
		defer cur.Close()
		for {
			_, ok, err := cur.Next(ctx)
			if err != nil || !ok {
				return err
			}
		}
	}
	star, named := prep("SELECT * FROM pp"), prep("SELECT v FROM pp WHERE id = 1")
	if _, err := run(t, s, "CREATE INDEX pp_v ON pp (v)"); err != nil {
		t.Fatal(err)
	}
	if err := exec(named); err != nil {
		t.Fatalf("re-plan after CREATE INDEX: %v", err)
	}
	if _, err := run(t, s, "ALTER TABLE pp ADD COLUMN w int"); err != nil {
		t.Fatal(err)
	}
	if err := exec(named); err != nil {
		t.Fatalf("unchanged shape after ADD COLUMN: %v", err)
	}
	if err := exec(star); pgerr.Code(err) != pgerr.FeatureNotSupported {
		t.Fatalf("SELECT * after ADD COLUMN: want 0A000, got %v", err)
	}
}
