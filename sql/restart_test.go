package sql

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/txn"
)

// TestStatementRestart checks READ COMMITTED statement restart: a write
// that meets a row committed after the statement's snapshot re-runs the
// statement on a new snapshot (or the executor re-checks the row itself),
// so the result is what PostgreSQL gives; REPEATABLE READ fails with 40001.
// The concurrent commit is injected between the statement's snapshot and
// its execution by the beforeAttempt hook, which makes the race
// deterministic on one goroutine.
func TestStatementRestart(t *testing.T) {
	for _, tc := range []struct {
		name    string
		iso     string
		prelude []string // run in s's transaction before the statement
		other   string   // committed by the other session before the first attempt
		stmt    string
		tag     string // expected command tag ("" when an error is expected)
		code    string
		final   string // SELECT id, v FROM a ORDER BY id, after s commits
	}{
		{
			name:  "update re-reads committed value",
			iso:   "read committed",
			other: "UPDATE a SET v = v + 1 WHERE id = 1",
			stmt:  "UPDATE a SET v = v + 1 WHERE id = 1",
			tag:   "UPDATE 1",
			final: "1|12\n2|20\nSELECT 2",
		},
		{
			name:  "delete re-checks its predicate",
			iso:   "read committed",
			other: "UPDATE a SET v = 11 WHERE id = 1",
			stmt:  "DELETE FROM a WHERE v = 10",
			tag:   "DELETE 0",
			final: "1|11\n2|20\nSELECT 2",
		},
		{
			name:    "earlier statements of the transaction survive",
			iso:     "read committed",
			prelude: []string{"INSERT INTO a VALUES (3, 30)"},
			other:   "UPDATE a SET v = v + 1 WHERE id = 2",
			stmt:    "UPDATE a SET v = v * 2 WHERE id >= 2",
			tag:     "UPDATE 2",
			final:   "1|10\n2|42\n3|60\nSELECT 3",
		},
		{
			name:  "repeatable read reports the conflict",
			iso:   "repeatable read",
			other: "UPDATE a SET v = v + 1 WHERE id = 1",
			stmt:  "UPDATE a SET v = v + 1 WHERE id = 1",
			code:  pgerr.SerializationFailure,
			final: "1|11\n2|20\nSELECT 2",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, s := newTestSession(t)
			other := newSessionOn(t, e)
			mustRun(t, s, "CREATE TABLE a (id int PRIMARY KEY, v int)")
			mustRun(t, s, "INSERT INTO a VALUES (1, 10), (2, 20)")
			mustRun(t, s, "BEGIN ISOLATION LEVEL "+tc.iso)
			mustRun(t, s, "SELECT count(*) FROM a") // fixes the snapshot at REPEATABLE READ
			for _, q := range tc.prelude {
				mustRun(t, s, q)
			}
			s.beforeAttempt = func(attempt int) {
				if attempt == 1 {
					mustRun(t, other, tc.other)
				}
			}
			got, err := run(t, s, tc.stmt)
			s.beforeAttempt = nil
			if tc.code != "" {
				if pgerr.Code(err) != tc.code {
					t.Fatalf("%s: want SQLSTATE %s, got %q, %v", tc.stmt, tc.code, got, err)
				}
				mustRun(t, s, "ROLLBACK")
			} else {
				if err != nil || got != tc.tag {
					t.Fatalf("%s: want %q, got %q, %v", tc.stmt, tc.tag, got, err)
				}
				mustRun(t, s, "COMMIT")
			}
			if got := mustRun(t, other, "SELECT id, v FROM a ORDER BY id"); got != tc.final {
				t.Errorf("final state: want %q, got %q", tc.final, got)
			}
		})
	}
}

// TestStatementRestartMechanics drives the restart path directly: the
// afterAttempt hook turns an attempt's outcome into the
// txn.RetryStatementError a write returns when it meets a newer commit
// the executor did not re-check, so the test does not depend on which
// statements the executor handles itself.
func TestStatementRestartMechanics(t *testing.T) {
	retry := func() error { return &txn.RetryStatementError{Err: txn.ErrConcurrentUpdate()} }
	t.Run("partial writes are undone before the retry", func(t *testing.T) {
		_, s := newTestSession(t)
		mustRun(t, s, "CREATE TABLE a (id int PRIMARY KEY, v int)")
		mustRun(t, s, "BEGIN")
		mustRun(t, s, "INSERT INTO a VALUES (1, 10)")
		attempts := 0
		s.afterAttempt = func(attempt int, err error) error {
			attempts = attempt
			if attempt == 1 {
				return retry() // after the attempt inserted its row
			}
			return err
		}
		// A second attempt over the first one's insert would be 23505.
		if got, err := run(t, s, "INSERT INTO a VALUES (2, 20)"); err != nil || got != "INSERT 0 1" {
			t.Fatalf("INSERT: got %q, %v", got, err)
		}
		s.afterAttempt = nil
		if attempts != 2 {
			t.Errorf("attempts: want 2, got %d", attempts)
		}
		mustRun(t, s, "COMMIT")
		if got := mustRun(t, s, "SELECT id, v FROM a ORDER BY id"); got != "1|10\n2|20\nSELECT 2" {
			t.Errorf("rows: %q", got)
		}
	})
	t.Run("bounded, then 40001 and the transaction is aborted", func(t *testing.T) {
		_, s := newTestSession(t)
		mustRun(t, s, "CREATE TABLE a (id int PRIMARY KEY, v int)")
		mustRun(t, s, "BEGIN")
		attempts := 0
		s.afterAttempt = func(attempt int, err error) error { attempts = attempt; return retry() }
		_, err := run(t, s, "INSERT INTO a VALUES (1, 10)")
		s.afterAttempt = nil
		if pgerr.Code(err) != pgerr.SerializationFailure {
			t.Fatalf("want 40001, got %v", err)
		}
		if attempts != maxStatementRestarts {
			t.Errorf("attempts: want %d, got %d", maxStatementRestarts, attempts)
		}
		if _, err := run(t, s, "SELECT 1"); pgerr.Code(err) != pgerr.InFailedSQLTransaction {
			t.Errorf("after the failure: want 25P02, got %v", err)
		}
		mustRun(t, s, "ROLLBACK")
	})
	t.Run("not at repeatable read", func(t *testing.T) {
		_, s := newTestSession(t)
		mustRun(t, s, "CREATE TABLE a (id int PRIMARY KEY, v int)")
		mustRun(t, s, "BEGIN ISOLATION LEVEL REPEATABLE READ")
		attempts := 0
		s.afterAttempt = func(attempt int, err error) error { attempts = attempt; return retry() }
		_, err := run(t, s, "INSERT INTO a VALUES (1, 10)")
		s.afterAttempt = nil
		if pgerr.Code(err) != pgerr.SerializationFailure || attempts != 1 {
			t.Fatalf("want 40001 at the first attempt, got %v after %d", err, attempts)
		}
		mustRun(t, s, "ROLLBACK")
	})
}

// TestTransactionSettings checks the settings that reach the transaction
// layer: synchronous_commit validation (as PostgreSQL) and SET LOCAL.
func TestTransactionSettings(t *testing.T) {
	_, s := newTestSession(t)
	for _, tc := range []struct {
		q, want, code string
	}{
		{q: "SET synchronous_commit = off; SHOW synchronous_commit", want: "SET\noff\nSHOW"},
		{q: "SET synchronous_commit = true; SHOW synchronous_commit", want: "SET\non\nSHOW"},
		{q: "SET synchronous_commit = 'remote_apply'; SHOW synchronous_commit", want: "SET\nremote_apply\nSHOW"},
		{q: "SET synchronous_commit = 'LOCAL'; SHOW synchronous_commit", want: "SET\nlocal\nSHOW"},
		{q: "SET synchronous_commit = 'sometimes'", code: pgerr.InvalidParameterValue},
		{q: "SET lock_timeout = '1s'; SHOW lock_timeout", want: "SET\n1000\nSHOW"},
		{q: "SET lock_timeout = 'soon'", code: pgerr.InvalidParameterValue},
		{q: "SET idle_in_transaction_session_timeout = 250; SHOW idle_in_transaction_session_timeout", want: "SET\n250\nSHOW"},
		{q: "CREATE TABLE t (x int)", want: "CREATE TABLE"},
		// SET LOCAL governs the commit of its own transaction.
		{q: "BEGIN; SET LOCAL synchronous_commit = off; INSERT INTO t VALUES (1); COMMIT", want: "BEGIN\nSET\nINSERT 0 1\nCOMMIT"},
		{q: "SELECT count(*) FROM t", want: "1\nSELECT 1"},
	} {
		got, err := run(t, s, tc.q)
		if tc.code != "" {
			if pgerr.Code(err) != tc.code {
				t.Errorf("%s: want SQLSTATE %s, got %q, %v", tc.q, tc.code, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: want %q, got %q, %v", tc.q, tc.want, got, err)
		}
	}
	if s.lockTimeout().Milliseconds() != 1000 {
		t.Errorf("lockTimeout: want 1s, got %v", s.lockTimeout())
	}
}

func newSessionOn(t *testing.T, e *Engine) *Session {
	t.Helper()
	s, err := e.NewSession(context.Background(), SessionParams{User: "postgres", Database: "postgres"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func mustRun(t *testing.T, s *Session, q string) string {
	t.Helper()
	got, err := run(t, s, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return got
}

// failingIter fails with a statement-retry error once failAt rows were
// returned, like a SELECT ... FOR UPDATE meeting a newer row version.
type failingIter struct {
	rowIter
	failAt, n int
}

func (f *failingIter) Next(ctx context.Context) (types.Row, bool, error) {
	if f.n == f.failAt {
		f.n++ // fail once
		return nil, false, &txn.RetryStatementError{Err: txn.ErrConcurrentUpdate()}
	}
	f.n++
	return f.rowIter.Next(ctx)
}

// TestStreamingRestart: a streaming result restarts on a conflict only
// while no row has been returned; after that the client gets the 40001.
func TestStreamingRestart(t *testing.T) {
	for _, tc := range []struct {
		failAt int
		want   string
		code   string
	}{
		{failAt: 0, want: "1,2,3"},
		{failAt: 1, want: "1", code: pgerr.SerializationFailure},
	} {
		t.Run(fmt.Sprint("fail after ", tc.failAt, " rows"), func(t *testing.T) {
			ctx := context.Background()
			_, s := newTestSession(t)
			mustRun(t, s, "CREATE TABLE a (id int PRIMARY KEY)")
			mustRun(t, s, "INSERT INTO a VALUES (1), (2), (3)")
			mustRun(t, s, "BEGIN")
			st, err := s.Parse("SELECT id FROM a ORDER BY id")
			if err != nil {
				t.Fatal(err)
			}
			p, err := s.Prepare(ctx, st[0], nil)
			if err != nil {
				t.Fatal(err)
			}
			cur, err := s.Execute(ctx, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			if cur.iter == nil || cur.restart == nil {
				t.Fatal("a planned SELECT should stream and be restartable")
			}
			cur.iter = &failingIter{rowIter: cur.iter, failAt: tc.failAt}
			var got []string
			for {
				row, ok, err := cur.Next(ctx)
				if err != nil {
					if pgerr.Code(err) != tc.code {
						t.Fatalf("want SQLSTATE %q, got %v", tc.code, err)
					}
					break
				}
				if !ok {
					if tc.code != "" {
						t.Fatalf("want SQLSTATE %s, got the end of the result", tc.code)
					}
					break
				}
				got = append(got, fmt.Sprint(row[0]))
			}
			cur.Close()
			if g := strings.Join(got, ","); g != tc.want {
				t.Errorf("rows: want %s, got %s", tc.want, g)
			}
			mustRun(t, s, "ROLLBACK")
		})
	}
}

// TestCachedTxnSettings: the cached synchronous_commit and default
// transaction characteristics follow SET, SET LOCAL (dropped at the end
// of the transaction) and RESET.
func TestCachedTxnSettings(t *testing.T) {
	_, s := newTestSession(t)
	check := func(step string, sync bool, iso txn.Isolation, ro bool) {
		t.Helper()
		if got := s.synchronousCommit(); got != sync {
			t.Errorf("%s: synchronousCommit %v, want %v", step, got, sync)
		}
		if got := s.defaultTxnOptions(); got.Isolation != iso || got.ReadOnly != ro {
			t.Errorf("%s: defaultTxnOptions %+v, want %v read-only %v", step, got, iso, ro)
		}
	}
	check("defaults", true, txn.ReadCommitted, false)
	mustRun(t, s, "SET synchronous_commit = off")
	check("SET synchronous_commit", false, txn.ReadCommitted, false)
	mustRun(t, s, "SET default_transaction_isolation = 'serializable'")
	check("SET isolation", false, txn.Serializable, false)
	mustRun(t, s, "BEGIN")
	mustRun(t, s, "SET LOCAL synchronous_commit = on")
	mustRun(t, s, "SET LOCAL default_transaction_read_only = on")
	check("SET LOCAL", true, txn.Serializable, true)
	mustRun(t, s, "COMMIT")
	check("after COMMIT", false, txn.Serializable, false)
	mustRun(t, s, "RESET synchronous_commit")
	mustRun(t, s, "RESET default_transaction_isolation")
	check("RESET", true, txn.ReadCommitted, false)

	mustRun(t, s, "SET lock_timeout = '2s'")
	mustRun(t, s, "SET statement_timeout = 1500")
	if got := s.lockTimeout(); got != 2*time.Second {
		t.Errorf("lockTimeout %v, want 2s", got)
	}
	if _, cancel := s.statementContext(context.Background()); cancel == nil {
		t.Error("no cancel func")
	}
	if got := s.cachedTxnSettings().stmtTimeout; got != 1500 {
		t.Errorf("statement_timeout %d ms, want 1500", got)
	}
	mustRun(t, s, "RESET lock_timeout")
	mustRun(t, s, "RESET statement_timeout")
	if got, ms := s.lockTimeout(), s.cachedTxnSettings().stmtTimeout; got != 0 || ms != 0 {
		t.Errorf("after RESET: lock_timeout %v, statement_timeout %d", got, ms)
	}
	if _, ok, err := s.asOf(); ok || err != nil {
		t.Errorf("as_of unset: %v %v", ok, err)
	}
}
