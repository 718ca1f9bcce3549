package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/conflux-db/conflux/bench/lakeinterop"
	"github.com/conflux-db/conflux/bench/tpch"
)

// queryResult is one query on both systems.
type queryResult struct {
	name              string
	conflux, duck     time.Duration // medians
	confluxErr        error
	duckErr           error
	rows              int    // Conflux's answer
	match             string // "yes", "yes (unordered)", "NO: ...", or "-" if either failed
	confluxT, duckT   []time.Duration
	confluxAns, duckA [][]any
}

// tolerance is the relative difference allowed between numbers: avg is
// numeric in PostgreSQL dialect and double in DuckDB.
const tolerance = 1e-6

func runQuery(ctx context.Context, conn *pgx.Conn, db *sql.DB, q tpch.Query, cfg config) queryResult {
	r := queryResult{name: q.Name}
	for i := 0; i < cfg.runs && r.confluxErr == nil; i++ {
		d, ans, err := timed(ctx, cfg.timeout, func(ctx context.Context) ([][]any, error) { return pgAll(ctx, conn, q.SQL) })
		r.confluxT, r.confluxAns, r.confluxErr = append(r.confluxT, d), ans, err
	}
	for i := 0; i < cfg.runs && r.duckErr == nil; i++ {
		d, ans, err := timed(ctx, cfg.timeout, func(ctx context.Context) ([][]any, error) { return duckAll(ctx, db, q.SQL) })
		r.duckT, r.duckA, r.duckErr = append(r.duckT, d), ans, err
	}
	r.conflux, r.duck = median(r.confluxT), median(r.duckT)
	r.rows = len(r.confluxAns)
	if r.confluxErr != nil || r.duckErr != nil {
		r.match = "-"
	} else {
		r.match = compare(r.confluxAns, r.duckA)
	}
	r.confluxAns, r.duckA = nil, nil
	return r
}

// timed runs f (reading the whole answer) under a deadline.
func timed(ctx context.Context, limit time.Duration, f func(context.Context) ([][]any, error)) (time.Duration, [][]any, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	t0 := time.Now()
	ans, err := f(ctx)
	return time.Since(t0), ans, err
}

func pgAll(ctx context.Context, conn *pgx.Conn, q string) ([][]any, error) {
	rows, err := conn.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func duckAll(ctx context.Context, db *sql.DB, q string) ([][]any, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]any
	for rows.Next() {
		v := make([]any, len(cols))
		p := make([]any, len(cols))
		for i := range v {
			p[i] = &v[i]
		}
		if err := rows.Scan(p...); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// compare checks two answers value by value in order, then, if that
// fails, ignoring order (ORDER BY ties may legitimately come out in either
// order).
func compare(a, b [][]any) string {
	if len(a) != len(b) {
		return fmt.Sprintf("NO: %d rows vs %d", len(a), len(b))
	}
	if i := firstDiff(a, b); i < 0 {
		return "yes"
	}
	sa, sb := sortedCopy(a), sortedCopy(b)
	if i := firstDiff(sa, sb); i >= 0 {
		return fmt.Sprintf("NO: row %d: %s vs %s", i, rowString(sa[i]), rowString(sb[i]))
	}
	return "yes (unordered)"
}

func firstDiff(a, b [][]any) int {
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return i
		}
		for j := range a[i] {
			if !lakeinterop.SameValue(a[i][j], b[i][j], tolerance) {
				return i
			}
		}
	}
	return -1
}

// sortedCopy orders rows by their canonical text, numbers rounded so
// near-equal values from the two engines sort alike.
func sortedCopy(rows [][]any) [][]any {
	key := func(r []any) string {
		parts := make([]string, len(r))
		for i, v := range r {
			if f, ok := lakeinterop.Float(v); ok {
				parts[i] = fmt.Sprintf("%.4g", f)
			} else {
				parts[i] = strings.TrimRight(lakeinterop.Canon(v), " ")
			}
		}
		return strings.Join(parts, "|")
	}
	out := slices.Clone(rows)
	sort.SliceStable(out, func(i, j int) bool { return key(out[i]) < key(out[j]) })
	return out
}

func rowString(r []any) string {
	parts := make([]string, len(r))
	for i, v := range r {
		parts[i] = lakeinterop.Canon(v)
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func fmtDur(d time.Duration, err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	if err != nil {
		return "error"
	}
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	default:
		return d.Round(100 * time.Microsecond).String()
	}
}

// totals sums the medians of the queries both systems answered.
func (rep *report) totals() (conflux, duck time.Duration, n int) {
	for _, q := range rep.queries {
		if q.confluxErr == nil && q.duckErr == nil {
			conflux += q.conflux
			duck += q.duck
			n++
		}
	}
	return conflux, duck, n
}

func (rep *report) print(w io.Writer) {
	fmt.Fprintf(w, "\nTPC-H SF %g: Conflux lake tables vs DuckDB %s on the same Parquet files, median of %d runs\n\n", rep.cfg.sf, rep.duckVersion, rep.cfg.runs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "table\trows\tConflux COPY\tParquet files\tMB\tDuckDB reads\t")
	var total time.Duration
	for _, t := range rep.tables {
		total += t.copy
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%.1f\t%s\t\n", t.name, t.rows, fmtDur(t.copy, nil), len(t.files), float64(t.bytes)/(1<<20), t.source)
	}
	fmt.Fprintf(tw, "total\t\t%s\t\t\t\t\n", fmtDur(total, nil))
	tw.Flush()
	fmt.Fprintf(w, "DuckDB view creation: %s", fmtDur(rep.duckDDL, nil))
	if rep.analyze != "" {
		fmt.Fprintf(w, "; ANALYZE failed on Conflux (%s)", rep.analyze)
	}
	fmt.Fprint(w, "\n\n")

	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "query\tConflux\tDuckDB\tratio\trows\tsame answer\t")
	for _, q := range rep.queries {
		ratio := "-"
		if q.confluxErr == nil && q.duckErr == nil && q.duck > 0 {
			ratio = fmt.Sprintf("%.1fx", float64(q.conflux)/float64(q.duck))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t\n", q.name, fmtDur(q.conflux, q.confluxErr), fmtDur(q.duck, q.duckErr), ratio, q.rows, q.match)
	}
	c, d, n := rep.totals()
	ratio := "-"
	if d > 0 {
		ratio = fmt.Sprintf("%.2fx", float64(c)/float64(d))
	}
	fmt.Fprintf(tw, "total (%d/%d)\t%s\t%s\t%s\t\t\t\n", n, len(rep.queries), fmtDur(c, nil), fmtDur(d, nil), ratio)
	tw.Flush()
	if d > 0 {
		verdict := "met"
		if float64(c) > 3*float64(d) {
			verdict = "NOT met"
		}
		fmt.Fprintf(w, "\ngoal Conflux total <= 3x DuckDB: %s\n", verdict)
	}
	for _, q := range rep.queries {
		if q.confluxErr != nil {
			fmt.Fprintf(w, "%s on Conflux: %v\n", q.name, q.confluxErr)
		}
		if q.duckErr != nil {
			fmt.Fprintf(w, "%s on DuckDB: %v\n", q.name, q.duckErr)
		}
	}
}
