package sql

import (
	"context"
	"testing"

	"github.com/conflux-db/conflux/sql/pgerr"
)

// TestTransactionControl drives BEGIN/COMMIT/ROLLBACK, SET TRANSACTION,
// savepoints and the aborted state on one session, and checks visibility
// from a second session.
func TestTransactionControl(t *testing.T) {
	e, s := newTestSession(t)
	other, err := e.NewSession(context.Background(), SessionParams{User: "postgres"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	type step struct {
		who          *Session
		q, want, err string
		status       byte
	}
	steps := []step{
		{who: s, q: "CREATE TABLE a (id int PRIMARY KEY, v int)", want: "CREATE TABLE", status: 'I'},
		{who: s, q: "BEGIN", want: "BEGIN", status: 'T'},
		{who: s, q: "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", want: "SET", status: 'T'},
		{who: s, q: "SHOW transaction_isolation", want: "repeatable read\nSHOW", status: 'T'},
		{who: s, q: "INSERT INTO a VALUES (1, 10)", want: "INSERT 0 1", status: 'T'},
		{who: s, q: "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", err: pgerr.ActiveSQLTransaction, status: 'E'},
		{who: s, q: "SELECT 1", err: pgerr.InFailedSQLTransaction, status: 'E'},
		{who: s, q: "COMMIT", want: "ROLLBACK", status: 'I'},
		{who: other, q: "SELECT count(*) FROM a", want: "0\nSELECT 1", status: 'I'},
		{who: s, q: "BEGIN", want: "BEGIN", status: 'T'},
		{who: s, q: "INSERT INTO a VALUES (1, 10)", want: "INSERT 0 1", status: 'T'},
		{who: other, q: "SELECT count(*) FROM a", want: "0\nSELECT 1", status: 'I'},
		{who: s, q: "SAVEPOINT sp", want: "SAVEPOINT", status: 'T'},
		{who: s, q: "INSERT INTO a VALUES (2, 20)", want: "INSERT 0 1", status: 'T'},
		{who: s, q: "INSERT INTO a VALUES (2, 21)", err: pgerr.UniqueViolation, status: 'E'},
		{who: s, q: "ROLLBACK TO SAVEPOINT sp", want: "ROLLBACK", status: 'T'},
		{who: s, q: "SELECT id FROM a ORDER BY id", want: "1\nSELECT 1", status: 'T'},
		{who: s, q: "RELEASE SAVEPOINT sp", want: "RELEASE", status: 'T'},
		{who: s, q: "ROLLBACK TO SAVEPOINT sp", err: "3B001", status: 'E'},
		{who: s, q: "ROLLBACK", want: "ROLLBACK", status: 'I'},
		{who: s, q: "BEGIN", want: "BEGIN", status: 'T'},
		{who: s, q: "INSERT INTO a VALUES (3, 30)", want: "INSERT 0 1", status: 'T'},
		{who: s, q: "CREATE TABLE b (x int)", want: "CREATE TABLE", status: 'T'},
		{who: other, q: "SELECT * FROM b", err: pgerr.UndefinedTable, status: 'I'},
		{who: s, q: "COMMIT", want: "COMMIT", status: 'I'},
		{who: other, q: "SELECT count(*) FROM b", want: "0\nSELECT 1", status: 'I'},
		{who: other, q: "SELECT id, v FROM a", want: "3|30\nSELECT 1", status: 'I'},
		{who: s, q: "BEGIN; CREATE TABLE c (x int); ROLLBACK", want: "BEGIN\nCREATE TABLE\nROLLBACK", status: 'I'},
		{who: s, q: "SELECT * FROM c", err: pgerr.UndefinedTable, status: 'I'},
		{who: s, q: "COMMIT", want: "COMMIT", status: 'I'},
	}
	for i, st := range steps {
		got, err := run(t, st.who, st.q)
		switch {
		case st.err != "" && err == nil:
			t.Errorf("step %d %s: want error %s, got %q", i, st.q, st.err, got)
		case st.err != "" && pgerr.Code(err) != st.err:
			t.Errorf("step %d %s: want error %s, got %v (%s)", i, st.q, st.err, err, pgerr.Code(err))
		case st.err == "" && err != nil:
			t.Errorf("step %d %s: %v", i, st.q, err)
		case st.err == "" && got != st.want:
			t.Errorf("step %d %s: got %q, want %q", i, st.q, got, st.want)
		}
		if ts := st.who.TxnStatus(); ts != st.status {
			t.Errorf("step %d %s: status %c, want %c", i, st.q, ts, st.status)
		}
	}
}

// TestWriteConflict: the later committer of two transactions writing the
// same row gets 40001 (first committer wins).
func TestWriteConflict(t *testing.T) {
	e, s1 := newTestSession(t)
	s2, _ := e.NewSession(context.Background(), SessionParams{User: "postgres"})
	defer s2.Close()
	for _, q := range []string{"CREATE TABLE acct (id int PRIMARY KEY, bal int)", "INSERT INTO acct VALUES (1, 100)"} {
		if _, err := run(t, s1, q); err != nil {
			t.Fatal(err)
		}
	}
	mustRun := func(s *Session, q string) {
		t.Helper()
		if _, err := run(t, s, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	mustRun(s1, "BEGIN ISOLATION LEVEL REPEATABLE READ")
	mustRun(s2, "BEGIN ISOLATION LEVEL REPEATABLE READ")
	mustRun(s1, "UPDATE acct SET bal = bal - 10 WHERE id = 1")
	mustRun(s2, "UPDATE acct SET bal = bal - 20 WHERE id = 1")
	mustRun(s1, "COMMIT")
	_, err := run(t, s2, "COMMIT")
	if pgerr.Code(err) != pgerr.SerializationFailure {
		t.Fatalf("second commit: want 40001, got %v", err)
	}
	got, err := run(t, s1, "SELECT bal FROM acct")
	if err != nil || got != "90\nSELECT 1" {
		t.Fatalf("balance: %q %v", got, err)
	}
}

// TestImplicitBlock: a multi-statement string outside BEGIN is one
// implicit transaction: a failure rolls back the statements before it.
func TestImplicitBlock(t *testing.T) {
	_, s := newTestSession(t)
	block := func(q string) error {
		t.Helper()
		s.BeginImplicitBlock()
		_, err := run(t, s, q)
		if endErr := s.EndImplicitBlock(err == nil); err == nil {
			err = endErr
		}
		return err
	}
	if _, err := run(t, s, "CREATE TABLE ib (id int PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	if err := block("INSERT INTO ib VALUES (1); INSERT INTO ib VALUES (1)"); pgerr.Code(err) != pgerr.UniqueViolation {
		t.Fatalf("want 23505, got %v", err)
	}
	if got, _ := run(t, s, "SELECT count(*) FROM ib"); got != "0\nSELECT 1" {
		t.Fatalf("failed block left rows: %q", got)
	}
	if err := block("INSERT INTO ib VALUES (1); COMMIT; INSERT INTO ib VALUES (1)"); pgerr.Code(err) != pgerr.UniqueViolation {
		t.Fatalf("want 23505, got %v", err)
	}
	if got, _ := run(t, s, "SELECT count(*) FROM ib"); got != "1\nSELECT 1" {
		t.Fatalf("COMMIT inside the block should keep the first row: %q", got)
	}
	if err := block("INSERT INTO ib VALUES (2); BEGIN; INSERT INTO ib VALUES (3)"); err != nil {
		t.Fatal(err)
	}
	if s.TxnStatus() != 'T' {
		t.Fatalf("BEGIN inside a string leaves the transaction open, status %c", s.TxnStatus())
	}
	if _, err := run(t, s, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if got, _ := run(t, s, "SELECT count(*) FROM ib"); got != "1\nSELECT 1" {
		t.Fatalf("ROLLBACK should undo the whole adopted block: %q", got)
	}
}
