package bi

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/conflux-db/conflux/internal/pgtest"
)

// connect opens a connection and runs the setup script on it.
func connect(t *testing.T, ctx context.Context, connStr, setup string) *pgconn.PgConn {
	t.Helper()
	c, err := pgconn.Connect(ctx, connStr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	for _, s := range strings.Split(setup, ";\n") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		if _, err := c.Exec(ctx, s).ReadAll(); err != nil {
			t.Fatalf("setup %q on %s: %v", s, connStr, err)
		}
	}
	return c
}

// result renders a query's result: the chosen columns (all when cols is
// empty) of every row in text format, sorted unless ordered. An error is
// rendered as its SQLSTATE, so that a query PostgreSQL rejects must be
// rejected the same way.
func result(ctx context.Context, c *pgconn.PgConn, sql string, cols []string, ordered bool) string {
	// The result is read by hand: ReadAll drops the row description of
	// an empty result, and the column names are part of the answer.
	var (
		fields []pgconn.FieldDescription
		data   [][][]byte
	)
	mrr := c.Exec(ctx, sql)
	for mrr.NextResult() {
		rr := mrr.ResultReader()
		fields = append([]pgconn.FieldDescription(nil), rr.FieldDescriptions()...)
		data = data[:0]
		for rr.NextRow() {
			row := make([][]byte, len(rr.Values()))
			for i, v := range rr.Values() {
				if v != nil {
					row[i] = append([]byte{}, v...)
				}
			}
			data = append(data, row)
		}
		if _, err := rr.Close(); err != nil {
			break
		}
	}
	if err := mrr.Close(); err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return "error " + pe.Code + "\n"
		}
		return "error " + err.Error() + "\n"
	}
	idx := make([]int, 0, len(fields))
	var head []string
	for i, f := range fields {
		if len(cols) == 0 || slices.Contains(cols, f.Name) {
			idx = append(idx, i)
			head = append(head, f.Name)
		}
	}
	if len(cols) > 0 && len(idx) != len(cols) {
		return "result lacks some of the columns " + strings.Join(cols, ",") + ": has " + strings.Join(head, ",") + "\n"
	}
	rows := make([]string, 0, len(data))
	for _, row := range data {
		vals := make([]string, len(idx))
		for j, i := range idx {
			if row[i] == nil {
				vals[j] = "NULL"
			} else {
				vals[j] = string(row[i])
			}
		}
		rows = append(rows, strings.Join(vals, " | "))
	}
	if !ordered {
		slices.Sort(rows)
	}
	var sb strings.Builder
	sb.WriteString(strings.Join(head, " | ") + "\n")
	for _, r := range rows {
		sb.WriteString(r + "\n")
	}
	return sb.String()
}

// TestIntrospection runs testdata/introspection. Directives:
//
//	query [cols=(a,b,...)] [ordered] [xfail=reason]
//	<the tool's SQL, verbatim>
//	----
//	<PostgreSQL's result>
//
// xfail marks a known difference whose fix lies outside the catalog (the
// reason names it); the test fails once the difference is gone, so the
// marker cannot outlive the bug.
func TestIntrospection(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	setup, err := os.ReadFile(filepath.Join("testdata", "setup.sql"))
	if err != nil {
		t.Fatal(err)
	}
	pg := connect(t, ctx, pgtest.StartPostgres(t), string(setup))
	cfx := connect(t, ctx, pgtest.StartConflux(t), string(setup))
	// Differences are reported after the run: datadriven stops at a failed
	// directive when rewriting, and every difference is worth seeing.
	var diffs []string
	datadriven.RunTest(t, filepath.Join("testdata", "introspection"), func(t *testing.T, d *datadriven.TestData) string {
		if d.Cmd != "query" {
			d.Fatalf(t, "unknown directive %q", d.Cmd)
		}
		var cols []string
		ordered, xfail := false, ""
		for _, a := range d.CmdArgs {
			switch a.Key {
			case "cols":
				cols = a.Vals
			case "ordered":
				ordered = true
			case "xfail":
				xfail = strings.Join(a.Vals, ",")
			default:
				d.Fatalf(t, "unknown argument %q", a.Key)
			}
		}
		want := result(ctx, pg, d.Input, cols, ordered)
		got := result(ctx, cfx, d.Input, cols, ordered)
		switch {
		case got != want && xfail != "":
			t.Logf("%s: known difference (%s)", d.Pos, xfail)
		case got != want:
			diffs = append(diffs, d.Pos+": Conflux differs from PostgreSQL\n--- postgresql\n"+want+"--- conflux\n"+got)
		case xfail != "":
			diffs = append(diffs, d.Pos+": matches PostgreSQL now; drop its xfail ("+xfail+")")
		}
		return want
	})
	for _, d := range diffs {
		t.Error(d)
	}
}
