package sql

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// fuzzFixture is the schema every fuzz input runs against: varied types,
// a composite index, UNIQUE, CHECK, NOT NULL, defaults, serial and a view,
// so that the seed statements (which mostly create their own tables) and
// mutations of them naming t1/t2 both reach the planner and executor.
var fuzzFixture = []string{
	`CREATE TABLE t1 (id int PRIMARY KEY, a int NOT NULL DEFAULT 0, b text UNIQUE,
		c numeric(10,2) CHECK (c > -1000), d float8, e bool, f date, g timestamptz,
		h jsonb, i int[], j bytea, k interval, l varchar(8), m bigint, n smallint)`,
	`CREATE INDEX t1_a_idx ON t1 (a)`,
	`CREATE INDEX t1_lb_idx ON t1 (l, b)`,
	`CREATE TABLE t2 (id bigserial PRIMARY KEY, t1_id int, v text DEFAULT 'x', ts timestamp, r real, u uuid, UNIQUE (t1_id, v))`,
	`CREATE VIEW v1 AS SELECT t1.id, t1.a, t2.v FROM t1 LEFT JOIN t2 ON t1.id = t2.t1_id`,
	`CREATE SEQUENCE s1`,
	`INSERT INTO t1 VALUES
		(1, 10, 'one', 1.50, 1.5, true, '2024-01-01', '2024-01-01 10:00+00', '{"k": 1, "a": [1, 2]}', '{1,2,3}', '\x0102', '1 day', 'aa', 9223372036854775807, 32767),
		(2, 20, 'two', -2.25, -0.0, false, '1999-12-31', '2000-02-29 23:59:59+05', '[1, "x", null]', '{}', '\x', '-1 mon 2 hours', 'bb', -9223372036854775808, -32768),
		(3, 30, NULL, NULL, 'NaN', NULL, 'infinity', '-infinity', 'null', '{NULL,4}', NULL, '00:00:01.5', NULL, 0, 0),
		(4, 0, 'four', 999.99, 'Infinity', true, '0001-01-01', '1970-01-01 00:00:00+00', '"s"', '{-2147483648,2147483647}', 'abc', '100 years', '', NULL, NULL)`,
	`INSERT INTO t2 (t1_id, v, ts, r, u) VALUES (1, 'p', '2024-01-01 00:00', 1.5, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
		(1, 'q', NULL, NULL, NULL), (2, 'r', 'infinity', 'NaN', NULL), (NULL, 's', '1900-01-01', -1e30, '00000000-0000-0000-0000-000000000000')`,
}

// fuzzSeeds collects every statement of the sqllogictest and differential
// corpora, each on its own and each file's statements as one
// multi-statement query string.
func fuzzSeeds(t testing.TB) []string {
	var seeds []string
	slt, _ := filepath.Glob("../sqllogictest/testdata/*.test")
	for _, path := range slt {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var cur []string
		inStmt := false
		var all []string
		flush := func() {
			if len(cur) > 0 {
				s := strings.Join(cur, "\n")
				seeds = append(seeds, s)
				all = append(all, s)
			}
			cur = nil
			inStmt = false
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "statement ") || strings.HasPrefix(line, "query "):
				flush()
				inStmt = true
			case line == "----" || strings.TrimSpace(line) == "":
				flush()
			case inStmt:
				cur = append(cur, line)
			}
		}
		flush()
		f.Close()
		seeds = append(seeds, strings.Join(all, ";\n"))
	}
	diff, _ := filepath.Glob("../e2e/testdata/differential/*.sql")
	for _, path := range diff {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for _, line := range strings.Split(string(b), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "--") {
				continue
			}
			seeds = append(seeds, line)
			all = append(all, line)
		}
		seeds = append(seeds, strings.Join(all, "\n"))
	}
	if len(seeds) < 100 {
		t.Fatalf("only %d fuzz seeds found; corpus files missing?", len(seeds))
	}
	return seeds
}

// fuzzMutations are hand-written seeds aimed at edges the corpora miss:
// the fixture's types, overflow, deep nesting, runaway queries.
var fuzzMutations = []string{
	`SELECT * FROM t1 JOIN t2 ON t1.id = t2.t1_id WHERE t1.a > 5 ORDER BY 1`,
	`SELECT a, count(*), sum(c), avg(d), max(g), min(f), string_agg(b, ',') FROM t1 GROUP BY a HAVING count(*) > 0`,
	`SELECT h->'a'->>0, h #> '{a,1}', jsonb_array_length(h->'a'), i[1], i[2:3], array_length(i, 1) FROM t1`,
	`SELECT m + 1 FROM t1`, `SELECT n * 2 FROM t1`, `SELECT -m FROM t1`, `SELECT abs(m) FROM t1`,
	`SELECT f + k, g - k, g - g, f - f, k * 2.5, k / 0 FROM t1`,
	`SELECT c / 0 FROM t1`, `SELECT d::int FROM t1`, `SELECT d::numeric FROM t1`, `SELECT c::float4::int2 FROM t1`,
	`SELECT * FROM generate_series(1, 100000000000)`,
	`WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT count(*) FROM r`,
	`SELECT repeat('ab', 1000), lpad('x', 100, ''), substr('abc', -5, 2), overlay('abc' placing 'z' from 10)`,
	`SELECT row_number() OVER (PARTITION BY a ORDER BY id), lag(b, 2) OVER w, ntile(0) OVER w FROM t1 WINDOW w AS (ORDER BY id)`,
	`UPDATE t1 SET a = a + 1 WHERE id = 1 RETURNING *`,
	`INSERT INTO t1 (id, b) VALUES (1, 'dup') ON CONFLICT (id) DO UPDATE SET b = excluded.b RETURNING *`,
	`INSERT INTO t2 (t1_id, v) SELECT id, b FROM t1 ON CONFLICT DO NOTHING`,
	`DELETE FROM t2 USING t1 WHERE t1.id = t2.t1_id AND t1.e RETURNING t2.*`,
	`SELECT * FROM v1 WHERE id IN (SELECT t1_id FROM t2) AND EXISTS (SELECT 1 FROM t2 WHERE t2.t1_id = v1.id)`,
	`SELECT (SELECT b FROM t1), (SELECT id FROM t1 WHERE id = 1)`,
	`SELECT id FROM t1 UNION SELECT t1_id FROM t2 INTERSECT SELECT 1 EXCEPT ALL SELECT NULL ORDER BY 1 LIMIT 2 OFFSET 1`,
	`SELECT DISTINCT ON (a) * FROM t1 ORDER BY a, id DESC NULLS FIRST`,
	`SELECT nextval('s1'), currval('s1'), setval('s1', 0)`,
	`BEGIN; SAVEPOINT a; SELECT 1/0; ROLLBACK TO a; SELECT 1; COMMIT`,
	`SELECT ((((((((((((((((((((1))))))))))))))))))))`,
	`SELECT ARRAY[[1,2],[3]]`, `SELECT '{{1},{2,3}}'::int[]`, `SELECT '[1,2'::jsonb`,
	`SELECT to_char(now(), 'YYYY-MM-DD HH24:MI:SS.US TZ'), to_char(1234.5, '9G999D99'), to_number('12,345', '99G999')`,
	`SELECT regexp_replace(b, '(', 'x') FROM t1`, `SELECT b ~ '[' FROM t1`, `SELECT b LIKE '%\' FROM t1`,
	`SELECT $1`, `SELECT * FROM t1 WHERE id = $1`,
	`EXPLAIN SELECT * FROM t1 WHERE a = 1`, `EXPLAIN ANALYZE SELECT * FROM t1 ORDER BY b`,
	`COPY t1 TO STDOUT`, `SHOW ALL`, `SET search_path = ''; SELECT * FROM t1`,
	`ALTER TABLE t1 ADD COLUMN z int DEFAULT 1/0`, `CREATE INDEX ON t1 ((a + 1))`,
	`SELECT 9223372036854775807::int8 * 2`, `SELECT (-32768)::int2 / (-1)::int2`, `SELECT (-2147483648)::int4 % (-1)`,
	`SELECT 'epoch'::timestamptz + '1000000000 years'::interval`, `SELECT date '294276-12-31' + 1`,
	`SELECT 1e1000000::numeric`, `SELECT power(10::numeric, 100000)`, `SELECT factorial(100000)`,
	`SELECT sqrt(-1)`, `SELECT ln(0)`, `SELECT log(-1)`, `SELECT 0 ^ -1`, `SELECT width_bucket(1, 0, 0, 5)`,
	`VALUES (1, 'a'), (2, NULL), (NULL, 3)`,
	`SELECT x FROM unnest(ARRAY[1,2]) AS u(x) CROSS JOIN LATERAL (SELECT x * 2) s`,
	`TABLE t1`,
	`SELECT CASE WHEN a > 0 THEN b ELSE c END FROM t1`,
	`SELECT coalesce(b, c), nullif(a, 0), greatest(a, id, NULL), least(d, c) FROM t1`,
}

func FuzzSQL(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	for _, s := range fuzzMutations {
		f.Add(s)
	}
	ctx := context.Background()
	e, err := Open(ctx, Config{InMemory: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { e.Close() })
	resetFixture := func(t *testing.T) *catalog.Snapshot {
		s, err := e.NewSession(ctx, SessionParams{User: "postgres", Database: "postgres"})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for _, q := range append([]string{"DROP SCHEMA IF EXISTS public CASCADE", "CREATE SCHEMA public", "DROP SEQUENCE IF EXISTS s1"}, fuzzFixture...) {
			if err := fuzzExec(ctx, s, q); err != nil {
				t.Fatalf("fixture %q: %v", q, err)
			}
		}
		return e.currentCatalog()
	}
	var fixtureCat *catalog.Snapshot
	f.Fuzz(func(t *testing.T, query string) {
		if len(query) > 1<<16 {
			t.Skip()
		}
		if fixtureCat == nil || e.currentCatalog() != fixtureCat {
			// The previous input changed the schema: start from the
			// fixture again so inputs stay (mostly) reproducible.
			fixtureCat = resetFixture(t)
		}
		s, err := e.NewSession(ctx, SessionParams{User: "postgres", Database: "postgres",
			Options: map[string]string{"statement_timeout": "100ms"}})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		// A backstop in case the input resets statement_timeout.
		qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		err = fuzzRun(qctx, s, query)
		if err != nil {
			checkFuzzErr(t, query, err)
		}
		// Whatever happened, the session must still work once the
		// transaction is ended, as a PostgreSQL connection would.
		if err := fuzzExec(ctx, s, "ROLLBACK"); err != nil {
			checkFuzzErr(t, query+" -- then ROLLBACK", err)
		}
		if st := s.TxnStatus(); st != 'I' {
			t.Fatalf("%q: transaction status %c after ROLLBACK", query, st)
		}
		if err := fuzzExec(ctx, s, "RESET ALL; SELECT 1"); err != nil {
			t.Fatalf("%q: session unusable afterwards: %v", query, err)
		}
	})
}

// currentCatalog returns the latest committed catalog snapshot.
func (e *Engine) currentCatalog() *catalog.Snapshot {
	e.catMu.RLock()
	defer e.catMu.RUnlock()
	return e.cat
}

func checkFuzzErr(t *testing.T, query string, err error) {
	t.Helper()
	var pe *pgerr.Error
	if !errors.As(err, &pe) {
		t.Fatalf("%q: error is not a *pgerr.Error: %T %v", query, err, err)
	}
	if pe.Code == pgerr.InternalError {
		t.Fatalf("%q: internal error: %v", query, err)
	}
}

func fuzzExec(ctx context.Context, s *Session, query string) error {
	return fuzzRun(ctx, s, query)
}

// fuzzRun runs query like the simple query protocol: statements in order,
// stopping at the first error, every row rendered as text. A panic is
// re-raised with its stack so the fuzzer reports it as a crash.
func fuzzRun(ctx context.Context, s *Session, query string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			panic(fmt.Sprintf("panic: %v\n%s", p, debug.Stack()))
		}
	}()
	stmts, err := s.Parse(query)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		p, err := s.Prepare(ctx, st, nil)
		if err != nil {
			return err
		}
		if p.Kind == KindCopyIn {
			if _, err := s.CopyIn(ctx, p, nil, strings.NewReader("1\tx\n\\.\n")); err != nil {
				return err
			}
			continue
		}
		if p.Kind == KindCopyOut {
			var sb strings.Builder
			if _, err := s.CopyOut(ctx, p, nil, &sb); err != nil {
				return err
			}
			continue
		}
		params := make([]types.Datum, len(p.ParamTypes))
		for i := range params {
			params[i] = types.DNull
		}
		cur, err := s.Execute(ctx, p, params)
		if err != nil {
			return err
		}
		tctx := s.typesContext()
		for {
			row, ok, err := cur.Next(ctx)
			if err != nil {
				cur.Close()
				return err
			}
			if !ok {
				break
			}
			for i, d := range row {
				if d != types.DNull && i < len(p.Columns) {
					_ = types.AppendText(nil, d, p.Columns[i].Type, tctx)
				}
			}
		}
		cur.Close()
	}
	return nil
}

// TestRandomSQL runs queries from a small random generator over the fuzz
// fixture: typed column and literal expressions combined with operators,
// casts and functions, in projections, filters, grouping and ordering.
// It complements FuzzSQL, whose byte mutations rarely stay valid SQL.
// The seed is fixed so failures reproduce; CONFLUX_RANDOM_SQL_SEED overrides.
func TestRandomSQL(t *testing.T) {
	n := 1500
	if testing.Short() {
		n = 200
	}
	seed := int64(1)
	if v := os.Getenv("CONFLUX_RANDOM_SQL_SEED"); v != "" {
		fmt.Sscan(v, &seed)
	}
	_, s := newTestSession(t)
	ctx := context.Background()
	for _, q := range fuzzFixture {
		if err := fuzzExec(ctx, s, q); err != nil {
			t.Fatal(err)
		}
	}
	g := &sqlGen{r: rand.New(rand.NewSource(seed))}
	codes := map[string]int{}
	defer func() { t.Logf("seed %d: outcomes by SQLSTATE: %v", seed, codes) }()
	for i := 0; i < n; i++ {
		q := g.query()
		qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := fuzzRun(qctx, s, "SET statement_timeout = '200ms'; "+q)
		cancel()
		if err != nil {
			codes[pgerr.Code(err)]++
			checkFuzzErr(t, q, err)
		} else {
			codes["ok"]++
		}
		if err := fuzzExec(ctx, s, "ROLLBACK"); err != nil {
			t.Fatalf("%s: then ROLLBACK: %v", q, err)
		}
	}
}

type sqlGen struct{ r *rand.Rand }

var (
	genCols = []string{"id", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "NULL"}
	genLits = []string{"0", "1", "-1", "2147483647", "-9223372036854775808", "1.5", "'NaN'::float8", "'x'", "''",
		"NULL", "true", "'2024-01-01'::date", "'1 day'::interval", "now()", "'{1,2}'::int[]", "'{\"a\":1}'::jsonb",
		"'\\x00'::bytea", "1e300", "'infinity'::timestamptz", "32767::int2", "ARRAY['a', NULL]"}
	genBinOps = []string{"+", "-", "*", "/", "%", "^", "||", "=", "<>", "<", ">=", "AND", "OR", "LIKE", "~", "->", "->>",
		"@>", "IS DISTINCT FROM", "#>", "&", "<<"}
	genFuncs = []string{"abs", "length", "upper", "coalesce", "greatest", "least", "nullif", "round", "trunc", "floor",
		"sqrt", "exp", "ln", "md5", "to_char", "date_trunc", "array_length", "jsonb_typeof", "cardinality",
		"array_to_string", "substr", "left", "lpad", "repeat", "split_part", "extract", "age", "sign", "pg_typeof",
		"concat", "format", "string_to_array", "unnest", "generate_series", "array_append", "to_json"}
	genTypes = []string{"int2", "int4", "int8", "numeric", "numeric(5,2)", "float4", "float8", "text", "varchar(2)",
		"bool", "date", "timestamp", "timestamptz", "interval", "jsonb", "bytea", "int4[]", "text[]", "char(1)", "time", "uuid"}
	genAggs = []string{"count", "sum", "avg", "min", "max", "string_agg", "array_agg", "bool_and", "jsonb_agg", "stddev"}
)

func (g *sqlGen) pick(xs []string) string { return xs[g.r.Intn(len(xs))] }

func (g *sqlGen) expr(depth int) string {
	if depth <= 0 {
		if g.r.Intn(2) == 0 {
			return g.pick(genCols)
		}
		return g.pick(genLits)
	}
	switch g.r.Intn(8) {
	case 0, 1:
		return "(" + g.expr(depth-1) + " " + g.pick(genBinOps) + " " + g.expr(depth-1) + ")"
	case 2:
		return "CAST(" + g.expr(depth-1) + " AS " + g.pick(genTypes) + ")"
	case 3:
		args := []string{g.expr(depth - 1)}
		for g.r.Intn(2) == 0 && len(args) < 3 {
			args = append(args, g.expr(depth-1))
		}
		return g.pick(genFuncs) + "(" + strings.Join(args, ", ") + ")"
	case 4:
		return "CASE WHEN " + g.expr(depth-1) + " THEN " + g.expr(depth-1) + " ELSE " + g.expr(depth-1) + " END"
	case 5:
		return g.expr(depth-1) + " IN (" + g.expr(depth-1) + ", " + g.expr(depth-1) + ")"
	case 6:
		return "(SELECT " + g.expr(depth-1) + " FROM t2 LIMIT 1)"
	default:
		return "NOT " + g.expr(depth-1)
	}
}

func (g *sqlGen) query() string {
	e := func() string { return g.expr(g.r.Intn(3)) }
	switch g.r.Intn(6) {
	case 0:
		return "SELECT " + e() + ", " + e() + " FROM t1 WHERE (" + e() + ") IS NOT NULL ORDER BY 1 LIMIT 10"
	case 1:
		return "SELECT " + e() + ", " + g.pick(genAggs) + "(" + e() + ") FROM t1 GROUP BY 1 HAVING count(*) > 0 ORDER BY 1"
	case 2:
		return "SELECT " + e() + " FROM t1 JOIN t2 ON t1.id = t2.t1_id WHERE (" + e() + ") IS NULL"
	case 3:
		return "UPDATE t1 SET a = a WHERE (" + e() + ") IS NOT NULL RETURNING " + e()
	case 4:
		return "SELECT DISTINCT " + e() + " FROM t1 UNION SELECT " + e() + " FROM t1"
	default:
		return "SELECT " + e() + ", row_number() OVER (PARTITION BY " + e() + " ORDER BY " + e() + ") FROM t1"
	}
}
