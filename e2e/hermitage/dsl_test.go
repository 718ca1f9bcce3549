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
	// lake lists the layout's lake tables; filed says setup must have
	// put all their rows in Parquet files (checked before the script).
	lake  []string
	filed bool
}

// kind is the storage of the tables a suite runs on.
type kind string

const (
	rowKind   kind = "row"   // primary-key row tables (PostgreSQL's own setup)
	lakeKind  kind = "lake"  // lake tables, which have no primary key
	mixedKind kind = "mixed" // cross-table only: one lake table, one row table
)

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

// createTable is the DDL of a Hermitage table. A lake table has no
// primary key: its scripts rely on the WHERE clauses alone, which is what
// makes lake conflicts per row rather than per key.
func createTable(name string, lake bool) string {
	if lake {
		return "create table " + name + " (id int, value int) with (format = 'lake')"
	}
	return "create table " + name + " (id int primary key, value int)"
}

// layouts returns the layouts a suite on tables of kind k runs. The row
// layouts are exactly the ones checked against PostgreSQL; the others
// differ only in their CREATE TABLE statements and, in the "-files"
// variants, a VACUUM that flushes the lake tables' inlined rows into
// Parquet files before the script starts, so the scripts change rows in
// files (deletion vectors) rather than inlined rows. Mixed runs both
// orientations, since item 1 (x) is the contended one in most scripts.
func layouts(k kind) []layout {
	cross := func(name string, xLake, yLake bool) layout {
		l := crossTable
		l.name = name
		l.setup = append([]string{createTable("tx", xLake), createTable("ty", yLake)}, crossTable.setup[2:]...)
		if xLake {
			l.lake = append(l.lake, "tx")
		}
		if yLake {
			l.lake = append(l.lake, "ty")
		}
		return l
	}
	var out []layout
	switch k {
	case lakeKind:
		same := sameTable
		same.setup = append([]string{createTable("test", true)}, sameTable.setup[1:]...)
		same.lake = []string{"test"}
		out = []layout{same, cross("cross-table", true, true)}
	case mixedKind:
		out = []layout{cross("cross-lake-row", true, false), cross("cross-row-lake", false, true)}
	default:
		return []layout{sameTable, crossTable}
	}
	for _, l := range out { // the range is evaluated once: appends are not revisited
		f := l
		f.name += "-files"
		f.setup = append(l.setup[:len(l.setup):len(l.setup)], "vacuum")
		f.filed = true
		out = append(out, f)
	}
	return out
}

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
	blocks bool   // the statement blocks on a row lock until another step ends its holder
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

// blocking marks a statement that blocks until another transaction ends:
// it must still be running after blockGrace, and its result is checked
// before the connection's next step (or at the end of the script).
func (s step) blocking() step { s.blocks = true; return s }

// blockGrace is how long a blocking step must stay blocked.
const blockGrace = 200 * time.Millisecond

// target is a server the scripts run against.
type target struct {
	name string
	conn string
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
func runScript(t *testing.T, tg target, lay layout, steps []step) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
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

	for _, tbl := range lay.lake {
		if !lay.filed {
			break
		}
		var inFiles, total int64
		q := "select coalesce(sum(rows - deleted_rows), 0)::int8 from conflux_lake_files where relname = $1"
		if err := conns[0].QueryRow(ctx, q, tbl).Scan(&inFiles); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if err := conns[0].QueryRow(ctx, "select count(*) from "+tbl).Scan(&total); err != nil {
			t.Fatalf("count %s: %v", tbl, err)
		}
		if inFiles == 0 || inFiles != total {
			t.Fatalf("setup left %d of %d rows of %s in Parquet files, want all", inFiles, total, tbl)
		}
	}

	type pendingStep struct {
		s    step
		line int
		done chan result
	}
	pending := map[int]*pendingStep{}

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
		sql := lay.expand(s.sql)
		query := s.rows != nil
		c := conns[s.conn]
		if s.blocks {
			p := &pendingStep{s: s, line: line, done: make(chan result, 1)}
			go func() { p.done <- run(ctx, c, sql, query) }()
			select {
			case got := <-p.done:
				t.Errorf("line %d T%d %q: should block, returned %v", line, s.conn, sql, got)
			case <-time.After(blockGrace):
				pending[s.conn] = p
			}
			continue
		}
		check(line, s, run(ctx, c, sql, query))
	}
	for c := range pending {
		collect(c)
	}
}
