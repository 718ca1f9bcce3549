package lakeinterop

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"

	"github.com/conflux-db/conflux/bench/internal/harness"
)

// columns of the test table: every type whose Parquet mapping other
// engines must read back identically (pqfile.ArrowType).
const columns = "id, i2, i4, i8, n, s, vc, b, f4, f8, d, ts, tstz, bt, u"

const createTable = `CREATE TABLE t (
	id int8 NOT NULL, i2 int2, i4 int4, i8 int8, n numeric(12,2), s text,
	vc varchar(40), b bool, f4 float4, f8 float8, d date, ts timestamp,
	tstz timestamptz, bt bytea, u uuid
) WITH (format = 'lake')`

// rows is large enough that the INSERT writes Parquet files directly rather
// than inlining rows in Pebble (lake.Options.DirectWriteRows, 8192).
const rows = 12000

// insertRows fills t in one statement. Every column is NULL on its own
// residue class of id, and values cover negatives, pre-1970 dates,
// microsecond timestamps, empty strings and bytes, and non-ASCII text.
var insertRows = fmt.Sprintf(`INSERT INTO t SELECT i,
	CASE WHEN i %% 17 = 1 THEN NULL ELSE (i %% 60000 - 30000)::int2 END,
	CASE WHEN i %% 17 = 2 THEN NULL ELSE (i * 7919 %% 2000000 - 1000000)::int4 END,
	CASE WHEN i %% 17 = 3 THEN NULL ELSE i::int8 * 1000000007 - 5000000000000 END,
	CASE WHEN i %% 17 = 4 THEN NULL ELSE ((i * 37) %% 10000000 - 5000000)::numeric / 100 END,
	CASE WHEN i %% 17 = 5 THEN NULL WHEN i %% 13 = 0 THEN '' ELSE 'row ' || i || ' ünïcødé ✓' END,
	CASE WHEN i %% 17 = 6 THEN NULL ELSE md5(i::text) END,
	CASE WHEN i %% 17 = 7 THEN NULL ELSE i %% 3 = 0 END,
	CASE WHEN i %% 17 = 8 THEN NULL ELSE (i::float8 / 7)::float4 END,
	CASE WHEN i %% 17 = 9 THEN NULL ELSE i::float8 / 3 - 1000 END,
	CASE WHEN i %% 17 = 10 THEN NULL ELSE date '1960-01-01' + i END,
	CASE WHEN i %% 17 = 11 THEN NULL ELSE timestamp '1969-12-31 23:59:58.123456' + i * interval '1 minute 1.000001 second' END,
	CASE WHEN i %% 17 = 12 THEN NULL ELSE timestamptz '2020-03-04 05:06:07.654321+00' + i * interval '37 seconds' END,
	CASE WHEN i %% 17 = 13 THEN NULL WHEN i %% 19 = 0 THEN ''::bytea ELSE decode(md5(i::text), 'hex') END,
	CASE WHEN i %% 17 = 14 THEN NULL ELSE md5(i::text)::uuid END
FROM generate_series(1, %d) AS g(i)`, rows)

// queryRows returns every row of a query in canonical form.
func queryRows(ctx context.Context, q func() (rowScanner, error)) ([]string, error) {
	rs, err := q()
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		vals, err := rs.Values()
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = Canon(v)
		}
		out = append(out, strings.Join(parts, " | "))
	}
	return out, rs.Err()
}

// rowScanner is the part of pgx.Rows and sqlRows the comparison needs.
type rowScanner interface {
	Next() bool
	Values() ([]any, error)
	Err() error
	Close()
}

type sqlRows struct {
	*sql.Rows
	n int
}

func (r sqlRows) Close() { r.Rows.Close() }

func (r sqlRows) Values() ([]any, error) {
	vals := make([]any, r.n)
	ptrs := make([]any, r.n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	return vals, r.Scan(ptrs...)
}

func duckQuery(ctx context.Context, db *sql.DB, q string, args ...any) func() (rowScanner, error) {
	return func() (rowScanner, error) {
		rs, err := db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		cols, err := rs.Columns()
		if err != nil {
			rs.Close()
			return nil, err
		}
		return sqlRows{rs, len(cols)}, nil
	}
}

func pgQuery(ctx context.Context, conn *pgx.Conn, q string) func() (rowScanner, error) {
	return func() (rowScanner, error) {
		rs, err := conn.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		return pgRows{rs}, nil
	}
}

type pgRows struct{ pgx.Rows }

func (r pgRows) Close() { r.Rows.Close() }

// diffRows reports the first difference between two canonical row lists.
func diffRows(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d rows, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := 0; i < min(len(got), len(want)); i++ {
		if got[i] != want[i] {
			if bad++; bad <= 5 {
				t.Errorf("%s: row %d:\n got  %s\n want %s", what, i, got[i], want[i])
			}
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d rows differ in all", what, bad)
	}
}

func openDuckDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatalf("open duckdb: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	// One connection: DuckDB settings such as TimeZone are per connection.
	db.SetMaxOpenConns(1)
	return db
}

// TestCanonHandWritten checks the comparison itself, without Conflux:
// DuckDB writes a Parquet file with the test's types and reads it back
// through Canon, and a few canonical forms are pinned.
func TestCanonHandWritten(t *testing.T) {
	ctx := context.Background()
	db := openDuckDB(t)
	path := filepath.Join(t.TempDir(), "x.parquet")
	if _, err := db.ExecContext(ctx, fmt.Sprintf(`COPY (SELECT
		1::BIGINT AS id, -2::SMALLINT AS i2, NULL::INTEGER AS i4, 5000000000::BIGINT AS i8,
		-1234.50::DECIMAL(12,2) AS n, 'ü ✓' AS s, '' AS vc, true AS b, (1/7)::FLOAT AS f4,
		1/3 AS f8, DATE '1960-01-02' AS d, TIMESTAMP '1969-12-31 23:59:58.123456' AS ts,
		TIMESTAMPTZ '2020-03-04 05:06:07.654321+00' AS tstz, '\x00\xff'::BLOB AS bt,
		'c4ca4238-a0b9-2382-0dcc-509a6f75849b'::UUID AS u
	) TO '%s' (FORMAT parquet)`, path)); err != nil {
		t.Fatal(err)
	}
	got, err := queryRows(ctx, duckQuery(ctx, db, "SELECT "+columns+" FROM "+ReadParquet([]string{path})))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"1 | -2 | NULL | 5000000000 | -1234.5 | ü ✓ |  | true | 0.14285715 | 0.3333333333333333 | " +
		"1960-01-02 00:00:00Z | 1969-12-31 23:59:58.123456Z | 2020-03-04 05:06:07.654321Z | \\x00ff | \\xc4ca4238a0b923820dcc509a6f75849b"}
	diffRows(t, "hand-written parquet", got, want)
}

// TestDuckDBReadsLakeFiles is the interop test of issue 4.
func TestDuckDBReadsLakeFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Conflux server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	srv, err := harness.StartConflux(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	conn, err := pgx.Connect(ctx, srv.ConnStr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)

	if _, err := conn.Exec(ctx, createTable); err != nil {
		t.Fatalf("creating the lake table failed (are lake tables implemented yet?): %v", err)
	}
	tag, err := conn.Exec(ctx, insertRows)
	if err != nil {
		t.Fatalf("insert: %v", err)
	}
	if tag.RowsAffected() != rows {
		t.Fatalf("insert: %d rows, want %d", tag.RowsAffected(), rows)
	}
	want, err := queryRows(ctx, pgQuery(ctx, conn, "SELECT "+columns+" FROM t ORDER BY id"))
	if err != nil {
		t.Fatalf("select over the wire: %v", err)
	}
	if len(want) != rows {
		t.Fatalf("select over the wire: %d rows, want %d", len(want), rows)
	}

	files, err := ParquetFiles(filepath.Join(srv.DataDir, "lake"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Parquet files under %s (err %v); the data directory holds:\n%s",
			filepath.Join(srv.DataDir, "lake"), err, tree(srv.DataDir))
	}
	t.Logf("%d Parquet files", len(files))

	db := openDuckDB(t)
	got, err := queryRows(ctx, duckQuery(ctx, db, "SELECT "+columns+" FROM "+ReadParquet(files)+" ORDER BY id"))
	if err != nil {
		t.Fatalf("DuckDB read_parquet: %v", err)
	}
	diffRows(t, "DuckDB over Conflux's files vs Conflux over the wire", got, want)

	// The types must survive too, not just the values: DuckDB sees the
	// Parquet logical types pqfile.ArrowType promises.
	wantTypes := map[string]string{
		"id": "BIGINT", "i2": "SMALLINT", "i4": "INTEGER", "i8": "BIGINT", "n": "DECIMAL(12,2)",
		"s": "VARCHAR", "vc": "VARCHAR", "b": "BOOLEAN", "f4": "FLOAT", "f8": "DOUBLE", "d": "DATE",
		"ts": "TIMESTAMP", "tstz": "TIMESTAMP WITH TIME ZONE", "bt": "BLOB", "u": "UUID",
	}
	rs, err := db.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT "+columns+" FROM "+ReadParquet(files)+")")
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for rs.Next() {
		var name, typ string
		if err := rs.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		if typ != wantTypes[name] {
			t.Errorf("column %s: DuckDB type %s, want %s", name, typ, wantTypes[name])
		}
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
}

// tree lists a directory for failure messages.
func tree(dir string) string {
	var b strings.Builder
	n := 0
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || n > 50 {
			return nil
		}
		n++
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(&b, "  %s\n", rel)
		return nil
	})
	return b.String()
}
