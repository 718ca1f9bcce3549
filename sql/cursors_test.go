package sql

import (
	"context"
	"errors"
	"testing"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// The SQL-visible cursor behaviour is checked against PostgreSQL in
// sqllogictest/testdata/cursors.test; these tests cover what that corpus
// cannot reach: parameters, pg_cursors' data, savepoint release and
// multi-statement strings.

func wantSQLState(t *testing.T, err error, code string) {
	t.Helper()
	var pe *pgerr.Error
	if !errors.As(err, &pe) || pe.Code != code {
		t.Fatalf("got error %v, want SQLSTATE %s", err, code)
	}
}

func runWant(t *testing.T, s *Session, q, want string) {
	t.Helper()
	got, err := run(t, s, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if got != want {
		t.Fatalf("%s: got %q, want %q", q, got, want)
	}
}

func TestCursorWithParameters(t *testing.T) {
	_, s := newTestSession(t)
	ctx := context.Background()
	runWant(t, s, "BEGIN", "BEGIN")
	st, err := s.Parse("DECLARE c CURSOR FOR SELECT x AS n FROM generate_series(1, $1::int) x")
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Prepare(ctx, st[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != KindCommand || len(p.ParamTypes) != 1 || p.ParamTypes[0] != types.Int4 {
		t.Fatalf("DECLARE prepared as kind %v with params %v", p.Kind, p.ParamTypes)
	}
	cur, err := s.Execute(ctx, p, []types.Datum{types.DInt(4)})
	if err != nil {
		t.Fatal(err)
	}
	if cur.Tag() != "DECLARE CURSOR" {
		t.Fatalf("tag %q", cur.Tag())
	}
	cur.Close()
	st, _ = s.Parse("FETCH ALL FROM c")
	p, err = s.Prepare(ctx, st[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Kind != KindRows || len(p.Columns) != 1 || p.Columns[0].Name != "n" {
		t.Fatalf("FETCH described as kind %v columns %+v", p.Kind, p.Columns)
	}
	runWant(t, s, "FETCH ALL FROM c", "1\n2\n3\n4\nFETCH 4")
	runWant(t, s, "MOVE BACKWARD ALL IN c", "MOVE 4")
	runWant(t, s, "MOVE 0 IN c", "MOVE 0")
	runWant(t, s, "COMMIT", "COMMIT")
}

func TestCursorsList(t *testing.T) {
	_, s := newTestSession(t)
	runWant(t, s, "BEGIN", "BEGIN")
	runWant(t, s, "DECLARE b BINARY SCROLL CURSOR WITH HOLD FOR SELECT 1", "DECLARE CURSOR")
	runWant(t, s, "DECLARE a NO SCROLL CURSOR FOR SELECT 2", "DECLARE CURSOR")
	got := s.Cursors()
	if len(got) != 2 || got[0].Name != "a" || got[1].Name != "b" {
		t.Fatalf("cursors %+v", got)
	}
	if a := got[0]; a.IsHoldable || a.IsBinary || a.IsScrollable || a.Statement != "DECLARE a NO SCROLL CURSOR FOR SELECT 2" {
		t.Errorf("cursor a: %+v", a)
	}
	if b := got[1]; !b.IsHoldable || !b.IsBinary || !b.IsScrollable || b.CreationTime.IsZero() {
		t.Errorf("cursor b: %+v", b)
	}
	runWant(t, s, "COMMIT", "COMMIT")
	if got := s.Cursors(); len(got) != 1 || got[0].Name != "b" {
		t.Fatalf("after COMMIT: %+v", got)
	}
	runWant(t, s, "CLOSE ALL", "CLOSE CURSOR ALL")
	if got := s.Cursors(); len(got) != 0 {
		t.Fatalf("after CLOSE ALL: %+v", got)
	}
}

func TestCursorSavepointRelease(t *testing.T) {
	_, s := newTestSession(t)
	runWant(t, s, "BEGIN", "BEGIN")
	runWant(t, s, "SAVEPOINT outer_sp", "SAVEPOINT")
	runWant(t, s, "SAVEPOINT inner_sp", "SAVEPOINT")
	runWant(t, s, "DECLARE c CURSOR FOR SELECT 1", "DECLARE CURSOR")
	runWant(t, s, "RELEASE SAVEPOINT inner_sp", "RELEASE")
	runWant(t, s, "FETCH c", "1\nFETCH 1")
	// The released savepoint's cursor now belongs to outer_sp.
	runWant(t, s, "ROLLBACK TO SAVEPOINT outer_sp", "ROLLBACK")
	_, err := run(t, s, "FETCH c")
	wantSQLState(t, err, pgerr.InvalidCursorName)
	runWant(t, s, "ROLLBACK", "ROLLBACK")
}

func TestCursorInImplicitBlock(t *testing.T) {
	_, s := newTestSession(t)
	s.BeginImplicitBlock()
	runWant(t, s, "DECLARE c CURSOR FOR SELECT 7", "DECLARE CURSOR")
	runWant(t, s, "FETCH c", "7\nFETCH 1")
	if err := s.EndImplicitBlock(true); err != nil {
		t.Fatal(err)
	}
	_, err := run(t, s, "FETCH c")
	wantSQLState(t, err, pgerr.InvalidCursorName)
}

func TestCursorInFailedTransaction(t *testing.T) {
	_, s := newTestSession(t)
	runWant(t, s, "BEGIN", "BEGIN")
	runWant(t, s, "DECLARE c CURSOR FOR SELECT 1", "DECLARE CURSOR")
	_, err := run(t, s, "SELECT 1/0")
	wantSQLState(t, err, pgerr.DivisionByZero)
	_, err = run(t, s, "FETCH c")
	wantSQLState(t, err, pgerr.InFailedSQLTransaction)
	_, err = run(t, s, "FETCH nosuch")
	wantSQLState(t, err, pgerr.InFailedSQLTransaction)
	runWant(t, s, "ROLLBACK", "ROLLBACK")
	if s.TxnStatus() != 'I' {
		t.Fatal("transaction still open")
	}
}
