package locking

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/conflux-db/conflux/internal/pgtest"
)

// grace is how long a statement must stay blocked to count as waiting.
const grace = 300 * time.Millisecond

// scenario is one locking behaviour, run against every target.
type scenario struct {
	name string
	run  func(t *testing.T, e *env)
}

// env is one target server.
type env struct {
	dsn      string
	postgres bool
}

func TestLocking(t *testing.T) {
	t.Run("conflux", func(t *testing.T) {
		runAll(t, &env{dsn: pgtest.StartConflux(t)})
	})
	t.Run("postgres", func(t *testing.T) {
		if testing.Short() {
			t.Skip("needs a PostgreSQL cluster")
		}
		runAll(t, &env{dsn: pgtest.StartPostgres(t), postgres: true}) // skips when PostgreSQL is not installed
	})
}

func runAll(t *testing.T, e *env) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) { sc.run(t, e) })
	}
}

func (e *env) conn(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, e.dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

// table creates name (id int primary key, v int) with rows id => 10*id.
func (e *env) table(t *testing.T, name string, n int) {
	t.Helper()
	c := e.conn(t)
	mustExec(t, c, "drop table if exists "+name)
	mustExec(t, c, "create table "+name+" (id int primary key, v int)")
	if n > 0 {
		mustExec(t, c, fmt.Sprintf("insert into %s select g, 10 * g from generate_series(1, %d) g", name, n))
	}
}

func mustExec(t *testing.T, c *pgx.Conn, sql string) {
	t.Helper()
	if _, err := c.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// expect runs sql and checks its SQLSTATE ("" for success).
func expect(t *testing.T, c *pgx.Conn, sql, code string) error {
	t.Helper()
	_, err := c.Exec(context.Background(), sql)
	if got := sqlstate(err); got != code {
		t.Fatalf("%s: want SQLSTATE %q, got %v", sql, code, err)
	}
	return err
}

func sqlstate(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	if err != nil {
		return "error: " + err.Error()
	}
	return ""
}

func message(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Message
	}
	return fmt.Sprint(err)
}

// rows renders a query's rows as "a=>b, c=>d".
func rows(t *testing.T, c *pgx.Conn, sql string) string {
	t.Helper()
	rs, err := c.Query(context.Background(), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		vals, err := rs.Values()
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(parts, "=>"))
	}
	if err := rs.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return strings.Join(out, ", ")
}

// async runs sql on its own goroutine.
func async(c *pgx.Conn, sql string) <-chan error {
	ch := make(chan error, 1)
	go func() {
		_, err := c.Exec(context.Background(), sql)
		ch <- err
	}()
	return ch
}

// blocked asserts the statement is still waiting after the grace period.
func blocked(t *testing.T, ch <-chan error, what string) {
	t.Helper()
	select {
	case err := <-ch:
		t.Fatalf("%s should wait for a row lock, returned %v", what, err)
	case <-time.After(grace):
	}
}

// finished waits for the statement to end.
func finished(t *testing.T, ch <-chan error, what string) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(15 * time.Second):
		t.Fatalf("%s still blocked", what)
		return nil
	}
}

var scenarios = []scenario{
	{"deadlock", func(t *testing.T, e *env) {
		e.table(t, "dl", 2)
		a, b := e.conn(t), e.conn(t)
		mustExec(t, a, "begin")
		mustExec(t, b, "begin")
		mustExec(t, a, "update dl set v = v + 1 where id = 1")
		mustExec(t, b, "update dl set v = v + 1 where id = 2")
		ca := async(a, "update dl set v = v + 1 where id = 2")
		blocked(t, ca, "A's update of row 2")
		cb := async(b, "update dl set v = v + 1 where id = 1")
		ea, eb := finished(t, ca, "A"), finished(t, cb, "B")
		victim, survivor := a, b
		switch {
		case sqlstate(ea) == "40P01" && eb == nil:
		case sqlstate(eb) == "40P01" && ea == nil:
			victim, survivor = b, a
		default:
			t.Fatalf("want exactly one 40P01 and one success, got A: %v, B: %v", ea, eb)
		}
		if m := message(errors.Join(ea, eb)); m != "deadlock detected" {
			t.Errorf("message: want %q, got %q", "deadlock detected", m)
		}
		expect(t, victim, "select 1", "25P02")
		mustExec(t, victim, "rollback")
		mustExec(t, survivor, "commit")
		if got := rows(t, a, "select id, v from dl order by id"); got != "1=>11, 2=>21" {
			t.Errorf("after the survivor committed: %q", got)
		}
	}},
	{"lock timeout", func(t *testing.T, e *env) {
		e.table(t, "lt", 1)
		a, b := e.conn(t), e.conn(t)
		mustExec(t, a, "begin")
		mustExec(t, a, "update lt set v = 11 where id = 1")
		mustExec(t, b, "set lock_timeout = '100ms'")
		start := time.Now()
		err := expect(t, b, "update lt set v = 12 where id = 1", "55P03")
		if m := message(err); m != "canceling statement due to lock timeout" {
			t.Errorf("message: %q", m)
		}
		if d := time.Since(start); d < 90*time.Millisecond || d > 5*time.Second {
			t.Errorf("lock timeout fired after %v, want about 100ms", d)
		}
		// Inside a transaction block the timeout aborts the transaction.
		mustExec(t, b, "begin")
		expect(t, b, "update lt set v = 12 where id = 1", "55P03")
		expect(t, b, "select 1", "25P02")
		mustExec(t, b, "rollback")
		mustExec(t, a, "commit")
		if got := rows(t, b, "select v from lt"); got != "11" {
			t.Errorf("value: %q", got)
		}
	}},
	{"nowait", func(t *testing.T, e *env) {
		e.table(t, "nw", 2)
		a, b := e.conn(t), e.conn(t)
		mustExec(t, a, "begin")
		mustExec(t, a, "select * from nw where id = 1 for update")
		mustExec(t, b, "begin")
		err := expect(t, b, "select * from nw where id = 1 for update nowait", "55P03")
		if m := message(err); m != `could not obtain lock on row in relation "nw"` {
			t.Errorf("message: %q", m)
		}
		mustExec(t, b, "rollback")
		// An unlocked row is fine.
		mustExec(t, b, "begin")
		if got := rows(t, b, "select id from nw where id = 2 for update nowait"); got != "2" {
			t.Errorf("unlocked row: %q", got)
		}
		mustExec(t, b, "commit")
		mustExec(t, a, "commit")
	}},
	{"skip locked job queue", func(t *testing.T, e *env) {
		e.table(t, "jobs", 40)
		c := e.conn(t)
		mustExec(t, c, "alter table jobs add column done_by int")
		// Two transactions each take a different job.
		a, b := e.conn(t), e.conn(t)
		const take = "select id from jobs where done_by is null order by id limit 1 for update skip locked"
		mustExec(t, a, "begin")
		mustExec(t, b, "begin")
		if got := rows(t, a, take); got != "1" {
			t.Fatalf("A took %q, want 1", got)
		}
		if got := rows(t, b, take); got != "2" {
			t.Fatalf("B took %q, want 2 (1 is locked)", got)
		}
		mustExec(t, a, "rollback")
		mustExec(t, b, "rollback")
		// Two workers drain the queue: every job done exactly once.
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for w := 1; w <= 2; w++ {
			wc := e.conn(t)
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := context.Background()
				for {
					tx, err := wc.Begin(ctx)
					if err != nil {
						errs <- err
						return
					}
					var id int
					err = tx.QueryRow(ctx, take).Scan(&id)
					if errors.Is(err, pgx.ErrNoRows) {
						_ = tx.Rollback(ctx)
						return
					}
					if err == nil {
						_, err = tx.Exec(ctx, "update jobs set done_by = $1 where id = $2", w, id)
					}
					if err == nil {
						err = tx.Commit(ctx)
					}
					if err != nil {
						_ = tx.Rollback(ctx)
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("worker: %v", err)
		}
		if got := rows(t, c, "select count(*), count(done_by) from jobs"); got != "40=>40" {
			t.Errorf("jobs done: %q", got)
		}
	}},
	{"select for update blocks update until commit", func(t *testing.T, e *env) {
		e.table(t, "fu", 1)
		a, b := e.conn(t), e.conn(t)
		mustExec(t, a, "begin")
		if got := rows(t, a, "select id, v from fu where id = 1 for update"); got != "1=>10" {
			t.Fatalf("for update: %q", got)
		}
		cb := async(b, "update fu set v = v + 1 where id = 1")
		blocked(t, cb, "the update of a row locked FOR UPDATE")
		mustExec(t, a, "update fu set v = 100 where id = 1")
		mustExec(t, a, "commit")
		if err := finished(t, cb, "the update"); err != nil {
			t.Fatalf("update after commit: %v", err)
		}
		if got := rows(t, a, "select v from fu"); got != "101" {
			t.Errorf("value: want 101 (the update re-read the committed row), got %q", got)
		}
		// FOR SHARE does not block another FOR SHARE, but blocks an update.
		mustExec(t, a, "begin")
		mustExec(t, b, "begin")
		rows(t, a, "select * from fu for share")
		rows(t, b, "select * from fu for share")
		c := e.conn(t)
		cc := async(c, "update fu set v = 0")
		blocked(t, cc, "an update of a row locked FOR SHARE")
		mustExec(t, a, "commit")
		blocked(t, cc, "an update of a row still locked FOR SHARE by B")
		mustExec(t, b, "commit")
		if err := finished(t, cc, "the update"); err != nil {
			t.Fatalf("update after both committed: %v", err)
		}
	}},
	{"statement timeout while waiting", func(t *testing.T, e *env) {
		e.table(t, "st", 1)
		a, b := e.conn(t), e.conn(t)
		mustExec(t, a, "begin")
		mustExec(t, a, "update st set v = 11 where id = 1")
		mustExec(t, b, "set statement_timeout = '200ms'")
		mustExec(t, b, "begin")
		err := expect(t, b, "update st set v = 12 where id = 1", "57014")
		if m := message(err); m != "canceling statement due to statement timeout" {
			t.Errorf("message: %q", m)
		}
		expect(t, b, "select 1", "25P02")
		mustExec(t, b, "rollback")
		mustExec(t, a, "commit")
	}},
	{"cancel request while waiting", func(t *testing.T, e *env) {
		e.table(t, "cr", 1)
		a, b := e.conn(t), e.conn(t)
		mustExec(t, a, "begin")
		mustExec(t, a, "update cr set v = 11 where id = 1")
		mustExec(t, b, "begin")
		cb := async(b, "update cr set v = 12 where id = 1")
		blocked(t, cb, "the update")
		if err := b.PgConn().CancelRequest(context.Background()); err != nil {
			t.Fatalf("cancel request: %v", err)
		}
		err := finished(t, cb, "the canceled update")
		if sqlstate(err) != "57014" || message(err) != "canceling statement due to user request" {
			t.Fatalf("want 57014 canceling statement due to user request, got %v", err)
		}
		expect(t, b, "select 1", "25P02")
		mustExec(t, b, "rollback")
		mustExec(t, a, "commit")
	}},
	{"rollback to savepoint releases the row lock", func(t *testing.T, e *env) {
		e.table(t, "sp", 1)
		a, b := e.conn(t), e.conn(t)
		mustExec(t, a, "begin")
		mustExec(t, a, "savepoint s")
		mustExec(t, a, "update sp set v = 11 where id = 1")
		cb := async(b, "update sp set v = v + 2 where id = 1")
		blocked(t, cb, "the update")
		mustExec(t, a, "rollback to savepoint s")
		if err := finished(t, cb, "the update after the savepoint rollback"); err != nil {
			t.Fatalf("update: %v", err)
		}
		mustExec(t, a, "commit")
		if got := rows(t, a, "select v from sp"); got != "12" {
			t.Errorf("value: %q", got)
		}
	}},
	{"aborted transaction state", func(t *testing.T, e *env) {
		e.table(t, "ab", 1)
		a, b := e.conn(t), e.conn(t)
		mustExec(t, a, "begin")
		mustExec(t, a, "update ab set v = 11 where id = 1")
		expect(t, a, "select 1/0", "22012")
		for _, q := range []string{"select 1", "update ab set v = 12", "savepoint x", "release savepoint x", "show search_path"} {
			expect(t, a, q, "25P02")
		}
		// The failure already released A's row lock.
		mustExec(t, b, "set lock_timeout = '2s'")
		mustExec(t, b, "update ab set v = 13 where id = 1")
		if tag, err := a.Exec(context.Background(), "commit"); err != nil || tag.String() != "ROLLBACK" {
			t.Fatalf("commit of an aborted transaction: %q, %v", tag, err)
		}
		// With a savepoint, ROLLBACK TO resumes the transaction.
		mustExec(t, a, "begin")
		mustExec(t, a, "update ab set v = 20 where id = 1")
		mustExec(t, a, "savepoint s")
		expect(t, a, "select 1/0", "22012")
		expect(t, a, "select 1", "25P02")
		mustExec(t, a, "rollback to savepoint s")
		mustExec(t, a, "update ab set v = v + 1 where id = 1")
		mustExec(t, a, "commit")
		if got := rows(t, b, "select v from ab"); got != "21" {
			t.Errorf("value: %q", got)
		}
	}},
	{"idle in transaction session timeout", func(t *testing.T, e *env) {
		e.table(t, "it", 1)
		a, b := e.conn(t), e.conn(t)
		mustExec(t, a, "set idle_in_transaction_session_timeout = '300ms'")
		// Idle outside a transaction is fine.
		time.Sleep(500 * time.Millisecond)
		mustExec(t, a, "begin")
		mustExec(t, a, "update it set v = 11 where id = 1")
		time.Sleep(time.Second)
		_, err := a.Exec(context.Background(), "select 1")
		if sqlstate(err) != "25P03" || message(err) != "terminating connection due to idle-in-transaction timeout" {
			t.Fatalf("after idling in a transaction: want FATAL 25P03, got %v", err)
		}
		if !a.IsClosed() {
			if _, err := a.Exec(context.Background(), "select 1"); err == nil {
				t.Fatal("the connection is still usable")
			}
		}
		// The transaction was rolled back and its lock released.
		mustExec(t, b, "set lock_timeout = '2s'")
		mustExec(t, b, "update it set v = v + 2 where id = 1")
		if got := rows(t, b, "select v from it"); got != "12" {
			t.Errorf("value: %q", got)
		}
	}},
	{"read committed re-checks, repeatable read fails", func(t *testing.T, e *env) {
		e.table(t, "rc", 2)
		a, b := e.conn(t), e.conn(t)
		// READ COMMITTED: the waiting update applies to the new version.
		mustExec(t, a, "begin")
		mustExec(t, a, "update rc set v = v + 1 where id = 1")
		mustExec(t, b, "begin isolation level read committed")
		cb := async(b, "update rc set v = v * 2 where id = 1")
		blocked(t, cb, "the READ COMMITTED update")
		mustExec(t, a, "commit")
		if err := finished(t, cb, "the READ COMMITTED update"); err != nil {
			t.Fatalf("READ COMMITTED update: %v", err)
		}
		mustExec(t, b, "commit")
		if got := rows(t, a, "select v from rc where id = 1"); got != "22" {
			t.Errorf("READ COMMITTED: want 22, got %q", got)
		}
		// READ COMMITTED: the re-check drops a row that no longer matches.
		mustExec(t, a, "begin")
		mustExec(t, a, "update rc set v = 21 where id = 2")
		mustExec(t, b, "begin")
		cb = async(b, "delete from rc where v = 20")
		blocked(t, cb, "the READ COMMITTED delete")
		mustExec(t, a, "commit")
		if err := finished(t, cb, "the READ COMMITTED delete"); err != nil {
			t.Fatalf("READ COMMITTED delete: %v", err)
		}
		mustExec(t, b, "commit")
		if got := rows(t, a, "select id, v from rc order by id"); got != "1=>22, 2=>21" {
			t.Errorf("READ COMMITTED delete re-check: %q", got)
		}
		// REPEATABLE READ: the waiter fails once the holder commits...
		mustExec(t, b, "begin isolation level repeatable read")
		rows(t, b, "select * from rc")
		mustExec(t, a, "begin")
		mustExec(t, a, "update rc set v = v + 1 where id = 1")
		cb = async(b, "update rc set v = v * 2 where id = 1")
		blocked(t, cb, "the REPEATABLE READ update")
		mustExec(t, a, "commit")
		err := finished(t, cb, "the REPEATABLE READ update")
		if sqlstate(err) != "40001" || message(err) != "could not serialize access due to concurrent update" {
			t.Fatalf("REPEATABLE READ: want 40001, got %v", err)
		}
		mustExec(t, b, "rollback")
		// ...and proceeds when the holder rolls back.
		mustExec(t, b, "begin isolation level repeatable read")
		rows(t, b, "select * from rc")
		mustExec(t, a, "begin")
		mustExec(t, a, "update rc set v = 0 where id = 1")
		cb = async(b, "update rc set v = v * 2 where id = 1")
		blocked(t, cb, "the REPEATABLE READ update")
		mustExec(t, a, "rollback")
		if err := finished(t, cb, "the REPEATABLE READ update"); err != nil {
			t.Fatalf("REPEATABLE READ after the holder rolled back: %v", err)
		}
		mustExec(t, b, "commit")
		if got := rows(t, a, "select v from rc where id = 1"); got != "46" {
			t.Errorf("REPEATABLE READ: want 46, got %q", got)
		}
	}},
	{"lock views show the waiter", func(t *testing.T, e *env) {
		e.table(t, "lv", 1)
		a, b, obs := e.conn(t), e.conn(t), e.conn(t)
		pid := b.PgConn().PID()
		if got := rows(t, b, "select pg_backend_pid()"); got != fmt.Sprint(pid) {
			t.Fatalf("pg_backend_pid() = %s, BackendKeyData pid = %d", got, pid)
		}
		mustExec(t, a, "begin")
		mustExec(t, a, "update lv set v = 11 where id = 1")
		cb := async(b, "update lv set v = 12 where id = 1")
		blocked(t, cb, "the update")
		q := fmt.Sprintf("select count(*) > 0 from pg_locks where not granted and pid = %d and waitstart is not null", pid)
		if got := rows(t, obs, q); got != "true" {
			t.Errorf("pg_locks shows no waiting lock for pid %d: %s", pid, rows(t, obs, "select locktype, pid, mode, granted from pg_locks"))
		}
		q = fmt.Sprintf("select state, wait_event_type from pg_stat_activity where pid = %d", pid)
		if got := rows(t, obs, q); got != "active=>Lock" {
			t.Errorf("pg_stat_activity of the waiter: %q", got)
		}
		mustExec(t, a, "commit")
		if err := finished(t, cb, "the update"); err != nil {
			t.Fatal(err)
		}
	}},
	{"duplicate insert waits for the inserter", func(t *testing.T, e *env) {
		e.table(t, "dup", 0)
		a, b := e.conn(t), e.conn(t)
		mustExec(t, a, "begin")
		mustExec(t, a, "insert into dup values (1, 10)")
		cb := async(b, "insert into dup values (1, 11)")
		blocked(t, cb, "the duplicate insert")
		mustExec(t, a, "commit")
		err := finished(t, cb, "the duplicate insert")
		if sqlstate(err) != "23505" {
			t.Fatalf("after the inserter committed: want 23505, got %v", err)
		}
		// When the inserter rolls back, the waiter's insert succeeds.
		mustExec(t, a, "begin")
		mustExec(t, a, "insert into dup values (2, 20)")
		cb = async(b, "insert into dup values (2, 21)")
		blocked(t, cb, "the duplicate insert")
		mustExec(t, a, "rollback")
		if err := finished(t, cb, "the insert"); err != nil {
			t.Fatalf("after the inserter rolled back: %v", err)
		}
		if got := rows(t, a, "select id, v from dup order by id"); got != "1=>10, 2=>21" {
			t.Errorf("rows: %q", got)
		}
	}},
}
