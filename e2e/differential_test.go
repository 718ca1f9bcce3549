package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/conflux-db/conflux/internal/pgtest"
	"github.com/jackc/pgx/v5/pgconn"
)

// stmt is one statement of a differential script.
type stmt struct {
	sql  string
	line int
}

// splitStatements splits a script at semicolons outside quotes, dollar
// quotes, comments and parentheses. Blank statements are dropped.
func splitStatements(src string) []stmt {
	var out []stmt
	start, depth := 0, 0
	emit := func(end int) {
		body := src[start:end]
		s := strings.TrimSpace(stripComments(body))
		if s == "" {
			return
		}
		// The statement's line is that of its first non-comment text.
		first := strings.Index(src[start:end], strings.SplitN(s, "\n", 2)[0])
		out = append(out, stmt{sql: s, line: 1 + strings.Count(src[:start+max(first, 0)], "\n")})
	}
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '-' && i+1 < len(src) && src[i+1] == '-':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '\'' || c == '"':
			for i++; i < len(src) && src[i] != c; i++ {
			}
		case c == '$':
			j := i + 1
			for j < len(src) && (src[j] == '_' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			if j < len(src) && src[j] == '$' && (j == i+1 || !(src[i+1] >= '0' && src[i+1] <= '9')) {
				tag := src[i : j+1]
				if k := strings.Index(src[j+1:], tag); k >= 0 {
					i = j + k + len(tag)
				}
			}
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ';' && depth <= 0:
			emit(i)
			start = i + 1
		}
	}
	emit(len(src))
	return out
}

// stripComments drops whole-line "--" comments (and leading blank lines).
func stripComments(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "--") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}

// topLevelOrderBy reports whether the statement's outermost query has
// ORDER BY (not one inside parentheses, such as a window or subquery).
func topLevelOrderBy(sql string) bool {
	u := strings.ToUpper(sql)
	depth := 0
	for i := 0; i < len(u); i++ {
		switch u[i] {
		case '\'':
			for i++; i < len(u) && u[i] != '\''; i++ {
			}
		case '(':
			depth++
		case ')':
			depth--
		case 'O':
			if depth == 0 && strings.HasPrefix(u[i:], "ORDER") && (i == 0 || !isWordByte(u[i-1])) {
				rest := strings.TrimLeft(u[i+5:], " \t\n")
				if strings.HasPrefix(rest, "BY") {
					return true
				}
			}
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// outcome is everything compared for one statement.
type outcome struct {
	code    string // SQLSTATE, "" on success
	tag     string
	columns []string
	rows    []string // each row rendered as a single line
}

func (o outcome) String() string {
	if o.code != "" {
		return "ERROR " + o.code
	}
	s := fmt.Sprintf("%s columns=%v", o.tag, o.columns)
	for i, r := range o.rows {
		if i == 10 {
			s += fmt.Sprintf("\n  ... (%d rows)", len(o.rows))
			break
		}
		s += "\n  " + r
	}
	return s
}

// execute runs one statement with the extended protocol, text results.
func execute(ctx context.Context, c *pgconn.PgConn, sql string, ordered bool) outcome {
	res := c.ExecParams(ctx, sql, nil, nil, nil, nil).Read()
	if res.Err != nil {
		var pe *pgconn.PgError
		if errors.As(res.Err, &pe) {
			return outcome{code: pe.Code}
		}
		return outcome{code: "client: " + res.Err.Error()}
	}
	o := outcome{tag: res.CommandTag.String()}
	for _, fd := range res.FieldDescriptions {
		o.columns = append(o.columns, fd.Name)
	}
	for _, row := range res.Rows {
		parts := make([]string, len(row))
		for i, v := range row {
			if v == nil {
				parts[i] = "NULL"
			} else {
				parts[i] = fmt.Sprintf("%q", v)
			}
		}
		o.rows = append(o.rows, strings.Join(parts, " | "))
	}
	if !ordered {
		sort.Strings(o.rows)
	}
	return o
}

func (o outcome) equal(p outcome) bool {
	return o.code == p.code && o.tag == p.tag && slices.Equal(o.columns, p.columns) && slices.Equal(o.rows, p.rows)
}

// TestDifferential runs testdata/differential/*.sql statement by
// statement against Conflux and PostgreSQL 15 and requires the same
// SQLSTATE, command tag, column names and text values (in order when the
// statement has a top-level ORDER BY).
func TestDifferential(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "differential", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/differential/*.sql: %v", err)
	}
	sort.Strings(files)
	pg := pgtest.StartPostgres(t)
	for i, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".sql"), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			ref, err := pgconn.Connect(ctx, freshDB(t, pg, fmt.Sprintf("diff_%d", i)))
			if err != nil {
				t.Fatal(err)
			}
			defer ref.Close(ctx)
			if update {
				// Reference only: show which statements fail on
				// PostgreSQL, to review that each error is intended.
				for _, s := range splitStatements(string(src)) {
					if o := execute(ctx, ref, s.sql, true); o.code != "" {
						t.Logf("%s:%d: %s: %s", filepath.Base(f), s.line, o, s.sql)
					}
				}
				return
			}
			cfx, err := pgconn.Connect(ctx, pgtest.StartConflux(t))
			if err != nil {
				t.Fatal(err)
			}
			defer cfx.Close(ctx)
			stmts := splitStatements(string(src))
			failed := 0
			for _, s := range stmts {
				ordered := topLevelOrderBy(s.sql)
				want := execute(ctx, ref, s.sql, ordered)
				got := execute(ctx, cfx, s.sql, ordered)
				if !got.equal(want) {
					failed++
					t.Errorf("%s:%d: %s\n--- PostgreSQL: %s\n--- Conflux:    %s", filepath.Base(f), s.line, s.sql, want, got)
				}
			}
			t.Logf("%s: %d statements, %d differ", filepath.Base(f), len(stmts), failed)
		})
	}
}

// TestSplitStatements checks the script splitter and ORDER BY detection.
func TestSplitStatements(t *testing.T) {
	src := "-- header\nSELECT 1;\nSELECT 'a;b'\n  , \"x;\";\n\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT (1);SELECT 2"
	got := splitStatements(src)
	want := []stmt{
		{"SELECT 1", 2},
		{"SELECT 'a;b'\n  , \"x;\"", 3},
		{"CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql", 6},
		{"SELECT (1)", 7},
		{"SELECT 2", 7},
	}
	if !slices.Equal(got, want) {
		t.Errorf("splitStatements:\ngot  %+v\nwant %+v", got, want)
	}
	for sql, want := range map[string]bool{
		"SELECT a FROM t ORDER BY a":                         true,
		"SELECT a FROM t order\n by a":                       true,
		"SELECT row_number() OVER (ORDER BY a) FROM t":       false,
		"SELECT * FROM (SELECT a FROM t ORDER BY a) s":       false,
		"SELECT 'ORDER BY' FROM t":                           false,
		"SELECT x_order FROM t":                              false,
		"SELECT a FROM t UNION SELECT b FROM u ORDER BY 1":   true,
		"SELECT string_agg(a, ',' ORDER BY a) FROM t":        false,
		"SELECT a, (SELECT max(b) FROM u) FROM t ORDER BY a": true,
	} {
		if got := topLevelOrderBy(sql); got != want {
			t.Errorf("topLevelOrderBy(%q) = %v, want %v", sql, got, want)
		}
	}
}
