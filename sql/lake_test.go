package sql

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/conflux-db/conflux/lake"
	"github.com/conflux-db/conflux/sql/pgerr"
)

// TestLakeDataDriven runs the scripts in testdata/lake against one
// in-memory engine per file:
//
//	sql             statements; output is their rows and tags, or the
//	                error as "ERROR <SQLSTATE>: <message>", then NOTICEs
//	copy-in         first line the COPY ... FROM STDIN, the rest its data
//	copy-out        COPY ... TO STDOUT; output is the data stream, or for
//	                parquet and binary only "parquet ok" / "binary ok" when
//	                it starts with the format's magic (copy-in @last loads it)
//
// $TMP in input is replaced by a per-test temporary directory (server
// files of COPY ... (FORMAT parquet)).
func TestLakeDataDriven(t *testing.T) {
	datadriven.Walk(t, "testdata/lake", func(t *testing.T, path string) {
		_, s := newTestSession(t)
		tmp := t.TempDir()
		var lastOut []byte
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			in := strings.ReplaceAll(d.Input, "$TMP", tmp)
			var out string
			switch d.Cmd {
			case "sql":
				res, err := run(t, s, in)
				out = res
				if err != nil {
					if out != "" {
						out += "\n"
					}
					out += errText(err)
				}
			case "copy-in":
				stmt, data, _ := strings.Cut(in, "\n")
				if strings.HasPrefix(data, "@last") {
					data = string(lastOut)
				}
				tag, err := copyIn(t, s, stmt, data)
				out = tag
				if err != nil {
					out = errText(err)
				}
			case "copy-out":
				var buf bytes.Buffer
				tag, err := copyOut(t, s, in, &buf)
				lastOut = buf.Bytes()
				switch {
				case err != nil:
					out = errText(err)
				case bytes.HasPrefix(lastOut, []byte("PAR1")):
					out = "parquet ok\n" + tag
				case bytes.HasPrefix(lastOut, []byte("PGCOPY")):
					out = "binary ok\n" + tag
				default:
					out = buf.String() + tag
				}
			case "file-exists":
				_, err := os.Stat(filepath.Clean(in))
				out = fmt.Sprint(err == nil)
			default:
				t.Fatalf("unknown command %s", d.Cmd)
			}
			for _, n := range s.TakeNotices() {
				out += "\n" + n.Severity + ": " + n.Message
			}
			return strings.ReplaceAll(out, tmp, "$TMP") + "\n"
		})
	})
}

func errText(err error) string {
	pe := pgerr.As(err)
	return "ERROR " + pe.Code + ": " + pe.Message
}

func copyOut(t *testing.T, s *Session, stmt string, w *bytes.Buffer) (string, error) {
	t.Helper()
	ctx := context.Background()
	stmts, err := s.Parse(stmt)
	if err != nil {
		return "", err
	}
	p, err := s.Prepare(ctx, stmts[0], nil)
	if err != nil {
		return "", err
	}
	return s.CopyOut(ctx, p, nil, w)
}

// TestLakeAsOf: SET conflux.as_of reads every statement at a past commit
// timestamp or time through a read-only transaction, until RESET.
func TestLakeAsOf(t *testing.T) {
	_, s := newTestSession(t)
	mustRun := func(q string) string {
		t.Helper()
		out, err := run(t, s, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return out
	}
	mustRun("CREATE TABLE h (id int) WITH (format = 'lake')")
	mustRun("CREATE TABLE rt (id int)")
	mustRun("INSERT INTO h VALUES (1), (2)")
	ts := strings.Split(mustRun("SELECT max(commit_ts) FROM conflux_lake_snapshots WHERE relname = 'h'"), "\n")[0]
	mustRun("DELETE FROM h WHERE id = 1")
	mustRun("INSERT INTO h VALUES (3)")

	if got := mustRun("SET conflux.as_of = " + ts + "; SELECT id FROM h ORDER BY id"); got != "SET\n1\n2\nSELECT 2" {
		t.Errorf("as of commit ts: got %q", got)
	}
	if got := mustRun("SHOW conflux.as_of"); got != ts+"\nSHOW" {
		t.Errorf("SHOW: got %q", got)
	}
	for _, q := range []string{"INSERT INTO h VALUES (9)", "INSERT INTO rt VALUES (9)", "CREATE TABLE nope (a int)"} {
		if _, err := run(t, s, q); pgerr.Code(err) != pgerr.ReadOnlySQLTransaction {
			t.Errorf("%s under as_of: got %v, want 25006", q, err)
		}
	}
	// An explicit transaction reads at the same snapshot throughout.
	if got := mustRun("BEGIN; SELECT count(*) FROM h; SELECT count(*) FROM h; COMMIT"); got != "BEGIN\n2\nSELECT 1\n2\nSELECT 1\nCOMMIT" {
		t.Errorf("transaction as of: got %q", got)
	}
	if _, err := run(t, s, "BEGIN; SELECT 1; SET conflux.as_of = 5"); pgerr.Code(err) != pgerr.ActiveSQLTransaction {
		t.Errorf("SET inside a transaction: got %v, want 25001", err)
	}
	mustRun("ROLLBACK")
	if got := mustRun("RESET conflux.as_of; SELECT id FROM h ORDER BY id"); got != "RESET\n2\n3\nSELECT 2" {
		t.Errorf("after RESET: got %q", got)
	}
	// A timestamptz names the same snapshots; one before the retention
	// period or in the future is 22023, and so is garbage.
	if got := mustRun("SET conflux.as_of = 'now'; SELECT id FROM h ORDER BY id; RESET conflux.as_of"); got != "SET\n2\n3\nSELECT 2\nRESET" {
		t.Errorf("as of now: got %q", got)
	}
	for _, v := range []string{"'2000-01-01 00:00:00+00'", "'2999-01-01 00:00:00+00'"} {
		mustRun("SET conflux.as_of = " + v)
		if _, err := run(t, s, "SELECT 1"); pgerr.Code(err) != pgerr.InvalidParameterValue {
			t.Errorf("as of %s: got %v, want 22023", v, err)
		}
		mustRun("RESET conflux.as_of")
	}
	if _, err := run(t, s, "SET conflux.as_of = 'yesterday-ish'"); pgerr.Code(err) != pgerr.InvalidParameterValue {
		t.Errorf("bad value: got %v, want 22023", err)
	}
}

// TestLakeCopyLarge: a COPY past DirectWriteRows streams into Parquet
// files during the statement (visible in conflux_lake_files at once), and
// the rows survive VACUUM FULL.
func TestLakeCopyLarge(t *testing.T) {
	e, err := Open(context.Background(), Config{InMemory: true, Lake: lakeOptions(100)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	s, err := e.NewSession(context.Background(), SessionParams{User: "postgres"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if _, err := run(t, s, "CREATE TABLE big (id int, g text) WITH (format = 'lake', partition_by = 'g')"); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "%d\tg%d\n", i, i%3)
	}
	if tag, err := copyIn(t, s, "COPY big FROM STDIN", b.String()); err != nil || tag != "COPY 5000" {
		t.Fatalf("copy: %q %v", tag, err)
	}
	check := func(what string) {
		t.Helper()
		got, err := run(t, s, "SELECT count(*), sum(id), count(DISTINCT g) FROM big")
		if err != nil || got != "5000|12497500|3\nSELECT 1" {
			t.Fatalf("%s: %q %v", what, got, err)
		}
	}
	check("after copy")
	files, err := run(t, s, "SELECT count(*) >= 3, sum(rows) FROM conflux_lake_files WHERE relname = 'big'")
	if err != nil || files != "t|5000\nSELECT 1" {
		t.Fatalf("files: %q %v", files, err)
	}
	if _, err := run(t, s, "VACUUM FULL big"); err != nil {
		t.Fatal(err)
	}
	check("after VACUUM FULL")
	snaps, err := run(t, s, "SELECT operation, rows_added FROM conflux_lake_snapshots WHERE relname = 'big' ORDER BY commit_ts LIMIT 1")
	if err != nil || snaps != "COPY|5000\nSELECT 1" {
		t.Fatalf("snapshots: %q %v", snaps, err)
	}
}

func lakeOptions(directRows int) lake.Options {
	return lake.Options{DirectWriteRows: directRows, InlineFlushRows: directRows}
}
