package hermitage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// level is an isolation level as spelled in SQL.
type level string

const (
	readCommitted  level = "read committed"
	repeatableRead level = "repeatable read"
	serializable   level = "serializable"
)

var levels = []level{readCommitted, repeatableRead, serializable}

// layout places Hermitage's two items. {x} is the table holding item 1 (and
// rows inserted "next to" it), {y} the table holding item 2, {all} a
// relation over every row; a statement on {both} runs once per table.
type layout struct {
	name  string
	setup []string
	x, y  string
	all   string
}

var (
	sameTable = layout{
		name: "same-table",
		setup: []string{
			"create table test (id int primary key, value int)",
			"insert into test (id, value) values (1, 10), (2, 20)",
		},
		x: "test", y: "test", all: "test",
	}
	crossTable = layout{
		name: "cross-table",
		setup: []string{
			"create table tx (id int primary key, value int)",
			"create table ty (id int primary key, value int)",
			"insert into tx (id, value) values (1, 10)",
			"insert into ty (id, value) values (2, 20)",
		},
		x: "tx", y: "ty", all: "(select * from tx union all select * from ty) t",
	}
)

func (l layout) expand(sql string) string {
	if strings.Contains(sql, "{both}") {
		// One statement per table holding the items.
		stmts := []string{strings.ReplaceAll(sql, "{both}", l.x)}
		if l.y != l.x {
			stmts = append(stmts, strings.ReplaceAll(sql, "{both}", l.y))
		}
		return strings.Join(stmts, "; ")
	}
	return strings.NewReplacer("{x}", l.x, "{y}", l.y, "{all}", l.all).Replace(sql)
}

// step is one line of a Hermitage script.
type step struct {
	conn   int    // 1-based connection (T1, T2, T3)
	sql    string // may use {x}, {y}, {all}
	rows   *string
	code   string // expected SQLSTATE; "" means success
	blocks bool   // PostgreSQL blocks this statement on a row lock

	// Conflux's current expectation where it differs from PostgreSQL.
	cf  *step
	why string
}

func T1(sql string) step { return step{conn: 1, sql: sql} }
func T2(sql string) step { return step{conn: 2, sql: sql} }
func T3(sql string) step { return step{conn: 3, sql: sql} }

// begin is "begin; set transaction isolation level ..." for connection c.
func begin(c int, l level) step {
	return step{conn: c, sql: "begin; set transaction isolation level " + string(l)}
}

// shows expects the statement's rows, rendered "id=>value" and joined by
// ", " ("" for none). Queries order by id.
func (s step) shows(rows string) step { s.rows = &rows; return s }

// fails expects an error with the SQLSTATE.
func (s step) fails(code string) step { s.code = code; return s }

// serFailure expects 40001 (could not serialize access).
func (s step) serFailure() step { return s.fails("40001") }

// blocking marks a statement PostgreSQL blocks until another transaction
// ends; its result is checked before the connection's next step.
func (s step) blocking() step { s.blocks = true; return s }

// conflux states what Conflux does today instead of PostgreSQL's outcome;
// why names the PostgreSQL behaviour and carries TODO(issue 3).
func (s step) conflux(alt step, why string) step {
	alt.conn, alt.sql = s.conn, s.sql
	s.cf, s.why = &alt, why
	return s
}

// target is a server the scripts run against.
type target struct {
	name string
	conn string
	// PostgreSQL blocks writers on row locks and raises conflicts at the
	// statement; Conflux does neither yet (TODO(issue 3): lock waiting).
	postgres bool
}

// result is one statement's outcome.
type result struct {
	rows string
	err  error
}

func (r result) code() string {
	var pe *pgconn.PgError
	if errors.As(r.err, &pe) {
		return pe.Code
	}
	if r.err != nil {
		return "error: " + r.err.Error()
	}
	return ""
}

func (r result) String() string {
	if r.err != nil {
		return "error " + r.err.Error()
	}
	return fmt.Sprintf("rows %q", r.rows)
}

// cellReport is what one (test, level, layout) run observed.
type cellReport struct {
	timing []string // equivalent outcomes reached with different timing
	gaps   []string // real differences from PostgreSQL (TODO(issue 3))
}

func run(ctx context.Context, c *pgx.Conn, sql string, query bool) result {
	if !query {
		_, err := c.Exec(ctx, sql)
		return result{err: err}
	}
	rows, err := c.Query(ctx, sql)
	if err != nil {
		return result{err: err}
	}
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			rows.Close()
			return result{err: err}
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = fmt.Sprint(v)
		}
		out = append(out, strings.Join(parts, "=>"))
	}
	rows.Close()
	return result{rows: strings.Join(out, ", "), err: rows.Err()}
}

// runScript runs one cell: a fresh schema, three connections, the steps.
func runScript(t *testing.T, tg target, lay layout, steps []step) cellReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var rep cellReport
	conns := make([]*pgx.Conn, 4)
	for i := range conns {
		c, err := pgx.Connect(ctx, tg.conn)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		defer c.Close(context.Background())
		conns[i] = c
	}
	// conns[0] sets up; T1..T3 are conns[1..3].
	for _, s := range []string{"drop table if exists test", "drop table if exists tx", "drop table if exists ty"} {
		if _, err := conns[0].Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	for _, s := range lay.setup {
		if _, err := conns[0].Exec(ctx, s); err != nil {
			t.Fatalf("setup %s: %v", s, err)
		}
	}

	type pendingStep struct {
		s    step
		line int
		done chan result
	}
	pending := map[int]*pendingStep{}
	owes := map[int]int{} // connection -> line whose 40001 Conflux defers to COMMIT

	check := func(line int, s step, got result) {
		t.Helper()
		if got.code() != s.code {
			t.Errorf("line %d T%d %q: want SQLSTATE %q, got %v", line, s.conn, s.sql, s.code, got)
			return
		}
		if s.rows != nil && got.err == nil && got.rows != *s.rows {
			t.Errorf("line %d T%d %q: want rows %q, got %q", line, s.conn, s.sql, *s.rows, got.rows)
		}
	}
	collect := func(c int) {
		t.Helper()
		p := pending[c]
		if p == nil {
			return
		}
		delete(pending, c)
		select {
		case got := <-p.done:
			check(p.line, p.s, got)
		case <-ctx.Done():
			t.Fatalf("line %d T%d %q: still blocked", p.line, p.s.conn, p.s.sql)
		}
	}

	for i, s := range steps {
		line := i + 1
		collect(s.conn)
		if !tg.postgres && s.cf != nil {
			rep.gaps = append(rep.gaps, fmt.Sprintf("T%d %s: %s", s.conn, s.sql, s.why))
			s = *s.cf
		}
		sql := lay.expand(s.sql)
		upper := strings.ToUpper(strings.TrimSpace(sql))
		isEnd := upper == "ABORT" || upper == "ROLLBACK"
		if !tg.postgres && isEnd && owes[s.conn] != 0 {
			// PostgreSQL already raised 40001 at line owes[s.conn];
			// Conflux raises it at COMMIT, so commit to observe it.
			sql, s.code = "commit", "40001"
			delete(owes, s.conn)
		}
		if !tg.postgres && s.code == "40001" && upper != "COMMIT" && !isEnd {
			rep.timing = append(rep.timing, fmt.Sprintf("T%d %s: 40001 at COMMIT, not at the statement", s.conn, s.sql))
			owes[s.conn] = line
			s.code = ""
		}
		query := s.rows != nil
		c := conns[s.conn]
		if s.blocks {
			p := &pendingStep{s: s, line: line, done: make(chan result, 1)}
			go func() { p.done <- run(ctx, c, sql, query) }()
			wait := 200 * time.Millisecond // long enough to see PostgreSQL wait
			if !tg.postgres {
				wait = 10 * time.Second // Conflux must not wait at all; allow a slow machine
			}
			select {
			case got := <-p.done:
				if tg.postgres {
					t.Errorf("line %d T%d %q: PostgreSQL should block here, returned %v", line, s.conn, sql, got)
				} else {
					rep.timing = append(rep.timing, fmt.Sprintf("T%d %s: does not block (no lock waiting)", s.conn, s.sql))
				}
				check(line, s, got)
			case <-time.After(wait):
				if !tg.postgres {
					t.Fatalf("line %d T%d %q: Conflux blocked", line, s.conn, sql)
				}
				pending[s.conn] = p
			}
			continue
		}
		check(line, s, run(ctx, c, sql, query))
	}
	for c := range pending {
		collect(c)
	}
	if len(owes) != 0 {
		t.Errorf("a deferred 40001 was never observed: %v", owes)
	}
	return rep
}
