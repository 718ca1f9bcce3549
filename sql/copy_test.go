package sql

import (
	"context"
	"strings"
	"testing"

	"github.com/conflux-db/conflux/sql/pgerr"
)

// copyIn runs one COPY ... FROM STDIN statement with data as its stream.
func copyIn(t *testing.T, s *Session, stmt, data string) (string, error) {
	t.Helper()
	ctx := context.Background()
	stmts, err := s.Parse(stmt)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Prepare(ctx, stmts[0], nil)
	if err != nil {
		return "", err
	}
	return s.CopyIn(ctx, p, nil, strings.NewReader(data))
}

// TestCopyFrom covers both COPY paths: tables COPY writes straight into
// the row store (no CHECK, omitted columns NULL or the row id) and tables
// that need the INSERT plan (defaults, CHECK). Each must behave as INSERT:
// typmods applied, constraints enforced, and a failing COPY leaves
// nothing behind.
func TestCopyFrom(t *testing.T) {
	_, s := newTestSession(t)
	for _, q := range []string{
		"CREATE TABLE direct (a int NOT NULL, c char(4), v varchar(3), n numeric(5,2), extra text)",
		"CREATE UNIQUE INDEX direct_v ON direct (v)",
		"CREATE TABLE keyed (id int PRIMARY KEY, s text)",
		"CREATE TABLE planned (a int, d int DEFAULT 7, CHECK (a > 0))",
	} {
		if _, err := run(t, s, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, tc := range []struct {
		name, stmt, data string
		code             string // expected SQLSTATE, or "" for success
		query, want      string // state afterwards
	}{
		{name: "typmods and omitted column", stmt: "COPY direct (a, c, v, n) FROM STDIN",
			data:  "1\tab\txy\t1.005\n2\t\\N\tz  \t3\n",
			query: "SELECT a, c || '|', v || '|', n, extra FROM direct ORDER BY a",
			want:  "1|ab||xy||1.01|NULL\n2|NULL|z  ||3.00|NULL\nSELECT 2"},
		{name: "too long is 22001 and atomic", stmt: "COPY direct (a, v) FROM STDIN",
			data: "5\tok\n6\ttoolong\n", code: pgerr.StringDataRightTruncation,
			query: "SELECT count(*) FROM direct", want: "2\nSELECT 1"},
		{name: "not null", stmt: "COPY direct (a, v) FROM STDIN",
			data: "7\tq\n\\N\tr\n", code: pgerr.NotNullViolation,
			query: "SELECT count(*) FROM direct", want: "2\nSELECT 1"},
		{name: "unique secondary index", stmt: "COPY direct (a, v) FROM STDIN",
			data: "8\tnew\n9\txy\n", code: pgerr.UniqueViolation,
			query: "SELECT count(*) FROM direct", want: "2\nSELECT 1"},
		{name: "csv", stmt: "COPY direct (a, v) FROM STDIN (FORMAT csv)",
			data:  "10,\"q,\"\n",
			query: "SELECT v FROM direct WHERE a = 10", want: "q,\nSELECT 1"},
		{name: "primary key", stmt: "COPY keyed FROM STDIN",
			data:  "2\tb\n1\ta\n",
			query: "SELECT id, s FROM keyed ORDER BY id", want: "1|a\n2|b\nSELECT 2"},
		{name: "duplicate primary key within the copy", stmt: "COPY keyed FROM STDIN",
			data: "3\tc\n3\tc\n", code: pgerr.UniqueViolation,
			query: "SELECT count(*) FROM keyed", want: "2\nSELECT 1"},
		{name: "duplicate of a committed row", stmt: "COPY keyed FROM STDIN",
			data: "1\tx\n", code: pgerr.UniqueViolation,
			query: "SELECT s FROM keyed WHERE id = 1", want: "a\nSELECT 1"},
		{name: "default through the plan", stmt: "COPY planned (a) FROM STDIN",
			data:  "1\n2\n",
			query: "SELECT a, d FROM planned ORDER BY a", want: "1|7\n2|7\nSELECT 2"},
		{name: "check through the plan", stmt: "COPY planned (a) FROM STDIN",
			data: "3\n-1\n", code: pgerr.CheckViolation,
			query: "SELECT count(*) FROM planned", want: "2\nSELECT 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tag, err := copyIn(t, s, tc.stmt, tc.data)
			if tc.code == "" && err != nil {
				t.Fatalf("COPY: %v", err)
			}
			if tc.code != "" && pgerr.Code(err) != tc.code {
				t.Fatalf("COPY: got %q %v, want SQLSTATE %s", tag, err, tc.code)
			}
			got, err := run(t, s, tc.query)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("%s:\ngot:\n%s\nwant:\n%s", tc.query, got, tc.want)
			}
		})
	}
}

// TestCopyFromInTransaction: COPY inside a transaction block is part of
// it (pgbench -i runs TRUNCATE and COPY in one), and rolls back with it.
func TestCopyFromInTransaction(t *testing.T) {
	_, s := newTestSession(t)
	for _, q := range []string{"CREATE TABLE tx (a int, b text)", "BEGIN"} {
		if _, err := run(t, s, q); err != nil {
			t.Fatal(err)
		}
	}
	if tag, err := copyIn(t, s, "COPY tx FROM STDIN", "1\tx\n2\ty\n"); err != nil || tag != "COPY 2" {
		t.Fatalf("COPY: %q %v", tag, err)
	}
	for _, st := range []struct{ q, want string }{
		{"SELECT count(*) FROM tx", "2\nSELECT 1"},
		{"ROLLBACK", "ROLLBACK"},
		{"SELECT count(*) FROM tx", "0\nSELECT 1"},
	} {
		if got, err := run(t, s, st.q); err != nil || got != st.want {
			t.Fatalf("%s: %q %v, want %q", st.q, got, err, st.want)
		}
	}
}

// TestDirectCopyEligibility pins which tables skip the INSERT plan.
func TestDirectCopyEligibility(t *testing.T) {
	_, s := newTestSession(t)
	for _, q := range []string{
		"CREATE TABLE plain (a int, b text)",
		"CREATE TABLE keyed (id int PRIMARY KEY, s varchar(4))",
		"CREATE TABLE withdefault (a int, d int DEFAULT 7)",
		"CREATE TABLE withserial (id serial, a int)",
		"CREATE TABLE withcheck (a int CHECK (a > 0))",
	} {
		if _, err := run(t, s, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, tc := range []struct {
		stmt   string
		direct bool
	}{
		{"COPY plain FROM STDIN", true},
		{"COPY plain (b) FROM STDIN", true},
		{"COPY keyed FROM STDIN", true},
		{"COPY withdefault FROM STDIN", true}, // every column given
		{"COPY withdefault (a) FROM STDIN", false},
		{"COPY withserial (a) FROM STDIN", false},
		{"COPY withcheck FROM STDIN", false},
	} {
		stmts, err := s.Parse(tc.stmt)
		if err != nil {
			t.Fatal(err)
		}
		s.ensureTxn()
		tab, cols, err := s.copyTarget(stmts[0].ast.GetCopyStmt())
		if err != nil {
			t.Fatal(err)
		}
		if got := newDirectCopy(s, tab, cols) != nil; got != tc.direct {
			t.Errorf("%s: direct = %v, want %v", tc.stmt, got, tc.direct)
		}
	}
}
