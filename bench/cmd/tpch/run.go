package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/jackc/pgx/v5"

	"github.com/conflux-db/conflux/bench/internal/harness"
	"github.com/conflux-db/conflux/bench/tpch"
)

// tableLoad is how one table got into both systems.
type tableLoad struct {
	name   string
	rows   int64
	copy   time.Duration // Conflux COPY FROM STDIN (generation overlaps it)
	files  []string      // Parquet files DuckDB reads
	bytes  int64
	source string // "data dir" or "COPY TO"
}

// report is everything a run measured.
type report struct {
	cfg     config
	tables  []tableLoad
	analyze string        // "" or why ANALYZE failed
	duckDDL time.Duration // DuckDB view creation (incl. padding probes)
	queries []queryResult
	// duckVersion is DuckDB's version() string.
	duckVersion string
}

// logf reports progress (log.Printf, or t.Logf in the smoke test).
type logf func(format string, args ...any)

func run(ctx context.Context, cfg config, logf logf) (*report, error) {
	rep := &report{cfg: cfg}
	srv, err := harness.StartConflux(ctx)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	conn, err := pgx.Connect(ctx, srv.ConnStr)
	if err != nil {
		return nil, err
	}
	defer func() { conn.Close(context.Background()) }()

	if err := tpch.CreateTables(ctx, conn, tpch.Lake); err != nil {
		return nil, fmt.Errorf("creating lake tables (are lake tables implemented?): %w", err)
	}
	for _, t := range tpch.Tables {
		t0 := time.Now()
		n, err := tpch.LoadTable(ctx, conn, cfg.sf, t)
		if err != nil {
			return nil, err
		}
		rep.tables = append(rep.tables, tableLoad{name: t, rows: n, copy: time.Since(t0)})
		logf("conflux: loaded %s: %d rows in %s", t, n, time.Since(t0).Round(time.Millisecond))
	}
	// Statistics for the planner, if Conflux keeps any; not part of the
	// load time, and not fatal.
	for _, t := range tpch.Tables {
		if _, err := conn.Exec(ctx, "ANALYZE "+t); err != nil {
			rep.analyze = err.Error()
			break
		}
	}

	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("duckdb: %w", err)
	}
	defer db.Close()
	if err := db.QueryRowContext(ctx, "SELECT version()").Scan(&rep.duckVersion); err != nil {
		return nil, fmt.Errorf("duckdb: %w", err)
	}
	exportDir, err := os.MkdirTemp("", "tpch-export-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(exportDir)
	if err := findFiles(ctx, conn, db, filepath.Join(srv.DataDir, "lake"), exportDir, cfg.export, rep.tables, logf); err != nil {
		return nil, err
	}
	t0 := time.Now()
	for _, tl := range rep.tables {
		if err := createView(ctx, db, tl); err != nil {
			return nil, err
		}
	}
	rep.duckDDL = time.Since(t0)

	for _, q := range tpch.Queries {
		if len(cfg.queries) > 0 && !slices.Contains(cfg.queries, q.Name) {
			continue
		}
		r := runQuery(ctx, conn, db, q, cfg)
		if conn.IsClosed() {
			// pgx closes the connection when a query's deadline passes.
			if conn, err = pgx.Connect(ctx, srv.ConnStr); err != nil {
				return nil, err
			}
		}
		logf("%s: conflux %s, duckdb %s, same answer: %s", q.Name, fmtDur(r.conflux, r.confluxErr), fmtDur(r.duck, r.duckErr), r.match)
		rep.queries = append(rep.queries, r)
	}
	return rep, nil
}
