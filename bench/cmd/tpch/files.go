package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/conflux-db/conflux/bench/lakeinterop"
	"github.com/conflux-db/conflux/bench/tpch"
)

// findFiles fills in each table's Parquet files: the ones Conflux wrote
// under lakeDir, matched to tables by column names, when they hold exactly
// the table's rows; otherwise (or with export) a COPY ... TO export.
func findFiles(ctx context.Context, conn *pgx.Conn, db *sql.DB, lakeDir, exportDir string, export bool, tables []tableLoad, logf logf) error {
	located := map[string][]string{}
	if !export {
		files, err := lakeinterop.ParquetFiles(lakeDir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		for _, f := range files {
			names, err := parquetColumns(ctx, db, f)
			if err != nil {
				return err
			}
			for _, t := range tpch.Tables {
				if containsAll(names, tpch.Columns(t)) {
					located[t] = append(located[t], f)
					break
				}
			}
		}
	}
	for i := range tables {
		tl := &tables[i]
		if files := located[tl.name]; len(files) > 0 {
			n, err := countRows(ctx, db, files)
			if err != nil {
				return err
			}
			if n == tl.rows {
				tl.files, tl.source = files, "data dir"
			} else {
				logf("%s: the %d files in the data directory hold %d rows, not %d: exporting instead", tl.name, len(files), n, tl.rows)
			}
		} else if !export {
			logf("%s: no Parquet files in the data directory (rows inlined?): exporting instead", tl.name)
		}
		if tl.files == nil {
			path := filepath.Join(exportDir, tl.name+".parquet")
			if _, err := conn.Exec(ctx, fmt.Sprintf("COPY %s TO %s (FORMAT parquet)", tl.name, quote(path))); err != nil {
				return fmt.Errorf("%s: COPY TO parquet: %w", tl.name, err)
			}
			n, err := countRows(ctx, db, []string{path})
			if err != nil {
				return err
			}
			if n != tl.rows {
				return fmt.Errorf("%s: exported file holds %d rows, want %d", tl.name, n, tl.rows)
			}
			tl.files, tl.source = []string{path}, "COPY TO"
		}
		for _, f := range tl.files {
			if st, err := os.Stat(f); err == nil {
				tl.bytes += st.Size()
			}
		}
	}
	return nil
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return len(want) > 0
}

// parquetColumns lists the column names in a Parquet file's schema.
func parquetColumns(ctx context.Context, db *sql.DB, file string) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM parquet_schema("+quote(file)+")")
	if err != nil {
		return nil, fmt.Errorf("duckdb: schema of %s: %w", file, err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

func countRows(ctx context.Context, db *sql.DB, files []string) (int64, error) {
	var n int64
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+lakeinterop.ReadParquet(files)).Scan(&n); err != nil {
		return 0, fmt.Errorf("duckdb: count: %w", err)
	}
	return n, nil
}

// createView makes table name in DuckDB a view over its Parquet files.
// char(n) columns whose values come back blank-padded are trimmed: in
// PostgreSQL semantics 'EUROPE' = 'EUROPE   ' for char(n), in DuckDB's
// VARCHAR it is not, and the queries would silently select nothing.
func createView(ctx context.Context, db *sql.DB, tl tableLoad) error {
	src := lakeinterop.ReadParquet(tl.files)
	padded := map[string]bool{}
	for _, c := range charColumns(tl.name) {
		var p sql.NullBool
		q := fmt.Sprintf("SELECT bool_or(suffix(%s, ' ')) FROM (SELECT %s FROM %s LIMIT 1000)", c, c, src)
		if err := db.QueryRowContext(ctx, q).Scan(&p); err != nil {
			return fmt.Errorf("duckdb: %s: %w", tl.name, err)
		}
		padded[c] = p.Valid && p.Bool
	}
	var sel []string
	for _, c := range tpch.Columns(tl.name) {
		if padded[c] {
			sel = append(sel, fmt.Sprintf("rtrim(%s) AS %s", c, c))
		} else {
			sel = append(sel, c)
		}
	}
	q := fmt.Sprintf("CREATE VIEW %s AS SELECT %s FROM %s", tl.name, strings.Join(sel, ", "), src)
	if _, err := db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("duckdb: %s: %w", q, err)
	}
	return nil
}

var charCol = regexp.MustCompile(`(\w+) char\(\d+\)`)

// charColumns are a table's char(n) columns, read off package tpch's DDL
// so the schema has one source.
func charColumns(table string) []string {
	ddl, err := tpch.CreateTable(table, tpch.Lake)
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range charCol.FindAllStringSubmatch(ddl, -1) {
		out = append(out, m[1])
	}
	return out
}

// quote is a SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
