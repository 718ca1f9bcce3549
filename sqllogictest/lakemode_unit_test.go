package sqllogictest

import (
	"context"
	"strings"
	"testing"
)

// TestLakeModeRewrite feeds LakeMode a sequence of records and checks,
// per record, the SQL it runs or the reason it skips, and which VACUUM
// FULL statements the optimize variant adds.
func TestLakeModeRewrite(t *testing.T) {
	type step struct {
		sql     string
		errCode string // "-" for a bare "statement error"
		query   bool
		want    string // the SQL run, or "skip: <reason>"
	}
	same := ""
	for _, tc := range []struct {
		name     string
		optimize bool
		steps    []step
		vacuums  int
	}{
		{name: "create", steps: []step{
			{sql: "CREATE TABLE t (id int PRIMARY KEY, name text NOT NULL, email text UNIQUE)",
				want: "CREATE TABLE t (id int NOT NULL, name text NOT NULL, email text) WITH (format='lake')"},
			{sql: "CREATE TABLE t2 (a int, b int, PRIMARY KEY (a, b), UNIQUE (b))",
				want: "CREATE TABLE t2 (a int NOT NULL, b int NOT NULL) WITH (format='lake')"},
			{sql: "CREATE TABLE t3 (a int) WITH (format = 'lake', partition_by = 'a')", want: "CREATE TABLE t3 (a int) WITH (format='lake', partition_by='a')"},
			{sql: "CREATE TABLE c AS SELECT 1 AS a", want: "CREATE TABLE c WITH (format='lake') AS SELECT 1 AS a"},
			{sql: "SELECT 1 AS a INTO d", want: "CREATE TABLE d WITH (format='lake') AS SELECT 1 AS a"},
			{sql: "SELECT * FROM t", query: true, want: same},
		}},
		{name: "keys", steps: []step{
			{sql: "CREATE TABLE t (id int PRIMARY KEY)", want: "CREATE TABLE t (id int NOT NULL) WITH (format='lake')"},
			{sql: "CREATE TABLE t (x int)", errCode: "42P07", want: "CREATE TABLE t (x int) WITH (format='lake')"},
			{sql: "INSERT INTO t VALUES (1)", errCode: "23505", want: "skip: " + SkipUniqueError},
			{sql: "INSERT INTO t VALUES (NULL)", errCode: "23502", want: same},
			{sql: "CREATE TABLE u (x int)", want: "CREATE TABLE u (x int) WITH (format='lake')"},
			{sql: "INSERT INTO u VALUES (1)", errCode: "-", want: same},
			{sql: "CREATE UNIQUE INDEX ux ON u (x)", want: "skip: " + SkipIndex},
			{sql: "INSERT INTO u VALUES (1)", errCode: "-", want: "skip: " + SkipUniqueError},
			{sql: "DROP INDEX ux", want: "skip: " + SkipIndex},
			{sql: "DROP INDEX other", errCode: "42704", want: same},
			{sql: "ALTER TABLE u ADD PRIMARY KEY (x)", want: "skip: " + SkipAddKey},
			{sql: "EXPLAIN SELECT * FROM u", query: true, want: "skip: " + SkipExplain},
			{sql: "SELECT indexdef FROM pg_indexes", query: true, want: "skip: " + SkipCatalogKeys},
		}},
		{name: "taint", steps: []step{
			{sql: "CREATE TABLE kv (k int PRIMARY KEY, v text)", want: "CREATE TABLE kv (k int NOT NULL, v text) WITH (format='lake')"},
			{sql: "CREATE TABLE other (k int)", want: "CREATE TABLE other (k int) WITH (format='lake')"},
			{sql: "INSERT INTO kv VALUES (1, 'a') ON CONFLICT (k) DO UPDATE SET v = 'b'", want: "skip: " + SkipOnConflict},
			{sql: "SELECT v FROM kv", query: true, want: "skip: " + SkipTainted},
			{sql: "SELECT k FROM other", query: true, want: same},
			{sql: "ALTER TABLE kv RENAME TO kv2", want: same},
			{sql: "SELECT v FROM kv2", query: true, want: "skip: " + SkipTainted},
			{sql: "TRUNCATE kv2", want: same},
			{sql: "SELECT v FROM kv2", query: true, want: same},
			{sql: "BEGIN", want: same},
			{sql: "DECLARE c CURSOR FOR SELECT k FROM other FOR UPDATE", want: "skip: " + SkipLocking},
			{sql: "FETCH 1 FROM c", query: true, want: "skip: " + SkipTainted},
			{sql: "ALTER TABLE other ADD COLUMN m int DEFAULT NULL", want: same},
			{sql: "ALTER TABLE other ADD COLUMN n int DEFAULT 5", want: "skip: " + SkipAddColDefault},
			{sql: "SELECT n FROM other", query: true, want: "skip: " + SkipTainted},
		}},
		{name: "optimize", optimize: true, vacuums: 2, steps: []step{
			{sql: "CREATE TABLE t (a int)", want: "CREATE TABLE t (a int) WITH (format='lake')"},
			{sql: "INSERT INTO t VALUES (1)", want: same},
			{sql: "SELECT * FROM t", query: true, want: "VACUUM FULL; SELECT * FROM t"},
			{sql: "SELECT * FROM t", query: true, want: same},
			{sql: "BEGIN", want: same},
			{sql: "DELETE FROM t", want: same},
			{sql: "SELECT * FROM t", query: true, want: same},
			{sql: "COMMIT", want: same},
			{sql: "SELECT * FROM t", query: true, want: "VACUUM FULL; SELECT * FROM t"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := &fakeExec{results: map[string]Result{"VACUUM FULL": {}}}
			m := &LakeMode{Optimize: tc.optimize}
			m.StartFile(tc.name)
			for _, s := range tc.steps {
				rec := &Record{Kind: Statement, SQL: s.sql}
				if s.query {
					rec.Kind = Query
				}
				if s.errCode != "" {
					rec.ExpectError = true
					if s.errCode != "-" {
						rec.ErrorCode = s.errCode
					}
				}
				ex.ran = nil
				sql, skip, err := m.Prepare(context.Background(), ex, rec)
				if err != nil {
					t.Fatalf("%s: %v", s.sql, err)
				}
				got := sql
				if skip != "" {
					got = "skip: " + skip
				} else if len(ex.ran) > 0 {
					got = strings.Join(ex.ran, "; ") + "; " + sql
				}
				want := s.want
				if want == same {
					want = s.sql
				}
				if got != want {
					t.Errorf("%s:\n  got  %s\n  want %s", s.sql, got, want)
				}
			}
			if m.Vacuums != tc.vacuums {
				t.Errorf("%d VACUUM FULL, want %d", m.Vacuums, tc.vacuums)
			}
		})
	}
}
