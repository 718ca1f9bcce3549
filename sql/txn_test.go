package sql

import (
	"context"
	"testing"
	"time"

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

// TestWriteConflict: the second writer of a row waits for the first; once
// the first commits, READ COMMITTED updates the new version and REPEATABLE
// READ fails with 40001 (first committer wins).
func TestWriteConflict(t *testing.T) {
	for _, tc := range []struct {
		iso     string
		code    string // of the waiting UPDATE once s1 commits
		balance string
	}{
		// READ COMMITTED: s2 waits, then updates the row s1 committed.
		{iso: "READ COMMITTED", balance: "70\nSELECT 1"},
		// REPEATABLE READ: s2 waits, then fails (first committer wins).
		{iso: "REPEATABLE READ", code: pgerr.SerializationFailure, balance: "90\nSELECT 1"},
	} {
		t.Run(tc.iso, func(t *testing.T) {
			e, s1 := newTestSession(t)
			s2 := newSessionOn(t, e)
			mustRun(t, s1, "CREATE TABLE acct (id int PRIMARY KEY, bal int)")
			mustRun(t, s1, "INSERT INTO acct VALUES (1, 100)")
			mustRun(t, s1, "BEGIN ISOLATION LEVEL "+tc.iso)
			mustRun(t, s2, "BEGIN ISOLATION LEVEL "+tc.iso)
			mustRun(t, s2, "SELECT bal FROM acct") // s2's snapshot predates s1's commit
			mustRun(t, s1, "UPDATE acct SET bal = bal - 10 WHERE id = 1")
			done := make(chan error, 1)
			go func() {
				_, err := run(t, s2, "UPDATE acct SET bal = bal - 20 WHERE id = 1")
				done <- err
			}()
			select {
			case err := <-done:
				t.Fatalf("second UPDATE did not wait for the row lock: %v", err)
			case <-time.After(100 * time.Millisecond):
			}
			mustRun(t, s1, "COMMIT")
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("second UPDATE still blocked after the first committed")
			}
			if pgerr.Code(err) != tc.code && !(tc.code == "" && err == nil) {
				t.Fatalf("second UPDATE: want SQLSTATE %q, got %v", tc.code, err)
			}
			if _, err := run(t, s2, "COMMIT"); err != nil {
				t.Fatalf("COMMIT: %v", err)
			}
			if got := mustRun(t, s1, "SELECT bal FROM acct"); got != tc.balance {
				t.Fatalf("balance: want %q, got %q", tc.balance, got)
			}
		})
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
