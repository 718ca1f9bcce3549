package sqllogictest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// Result is what a query returned.
type Result struct {
	Columns []string
	Rows    [][]Value
}

// Executor runs SQL for the runner. Both methods receive one record's SQL
// text (which may hold several statements, run with simple-query
// semantics). Errors should carry a SQLSTATE (see SQLState).
type Executor interface {
	Exec(ctx context.Context, sql string) error
	Query(ctx context.Context, sql string) (Result, error)
}

// SQLState returns the SQLSTATE of err: a *pgconn.PgError's code, or the
// Code field / SQLState method of any error in the chain; "" if none.
func SQLState(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	var ss interface{ SQLState() string }
	if errors.As(err, &ss) {
		return ss.SQLState()
	}
	return ""
}

// Runner runs test files against an Executor.
type Runner struct {
	Exec Executor
	// Engine is the name skipif/onlyif conditions are matched against.
	// Empty means "postgresql".
	Engine string
	// Rewrite makes RunFile regenerate expected results (and error codes)
	// from what the executor returns; FileResult.Rewritten holds the new
	// file. Use it only against the reference (PostgreSQL).
	Rewrite bool
	// ErrorCode extracts a SQLSTATE from an executor error. Nil means
	// SQLState.
	ErrorCode func(error) string
	// Mode, when set, adapts each record before it runs (LakeMode).
	Mode Mode
}

// Failure is one record that did not behave as expected.
type Failure struct {
	File string
	Line int
	SQL  string
	Msg  string
}

func (f Failure) String() string {
	sql := f.SQL
	if len(sql) > 300 {
		sql = sql[:300] + "..."
	}
	return fmt.Sprintf("%s:%d: %s\n    %s", f.File, f.Line, f.Msg, strings.ReplaceAll(sql, "\n", "\n    "))
}

// Key is "base:line", the form used in expected-failure lists.
func (f Failure) Key() string { return fmt.Sprintf("%s:%d", filepath.Base(f.File), f.Line) }

// FileResult summarises one file's run.
type FileResult struct {
	File    string
	Passed  int
	Failed  int
	Skipped int
	// SkippedBy counts the records Mode skipped, by reason (they are
	// included in Skipped; the rest were skipped by skipif/onlyif).
	SkippedBy map[string]int
	Failures  []Failure
	// Halted is set when a halt record stopped the file.
	Halted bool
	// Rewritten is the regenerated file (Rewrite mode only).
	Rewritten []byte
}

// RunFile parses and runs the file at path.
func (r *Runner) RunFile(ctx context.Context, path string) (*FileResult, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	f, err := Parse(path, fh)
	if err != nil {
		return nil, err
	}
	return r.Run(ctx, f)
}

// Run runs a parsed file. It returns an error only when ctx ends; record
// failures are in the result.
func (r *Runner) Run(ctx context.Context, f *File) (*FileResult, error) {
	engine := r.Engine
	if engine == "" {
		engine = "postgresql"
	}
	res := &FileResult{File: f.Name, SkippedBy: map[string]int{}}
	if r.Mode != nil {
		r.Mode.StartFile(f.Name)
	}
	st := &runState{threshold: 0, labels: map[string]string{}}
	var lines []string
	if r.Rewrite {
		lines = slicesClone(f.Lines)
	}
	// Rewrites are applied back to front so earlier indices stay valid.
	type edit struct {
		start, end int
		repl       []string
	}
	var edits []edit
	for _, rec := range f.Records {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if !rec.ShouldRun(engine) {
			if rec.Kind == Statement || rec.Kind == Query {
				res.Skipped++
			}
			continue
		}
		switch rec.Kind {
		case HashThreshold:
			st.threshold = rec.Threshold
			continue
		case Halt:
			res.Halted = true
		}
		if res.Halted {
			break
		}
		sql := rec.SQL
		if r.Mode != nil && (rec.Kind == Statement || rec.Kind == Query) {
			s, skip, err := r.Mode.Prepare(ctx, r.Exec, rec)
			if skip != "" {
				res.Skipped++
				res.SkippedBy[skip]++
				continue
			}
			if err != nil {
				res.Failed++
				res.Failures = append(res.Failures, Failure{File: f.Name, Line: rec.Line, SQL: rec.SQL, Msg: err.Error()})
				continue
			}
			sql = s
		}
		out := r.runRecord(ctx, rec, sql, st)
		if r.Rewrite {
			if out.header != "" {
				edits = append(edits, edit{rec.headerIdx, rec.headerIdx + 1, []string{out.header}})
			}
			if out.results != nil && rec.resStart >= 0 {
				edits = append(edits, edit{rec.resStart, rec.resEnd, out.results})
			}
		}
		if out.msg == "" {
			res.Passed++
			continue
		}
		res.Failed++
		res.Failures = append(res.Failures, Failure{File: f.Name, Line: rec.Line, SQL: rec.SQL, Msg: out.msg})
	}
	if r.Rewrite {
		for i := len(edits) - 1; i >= 0; i-- {
			e := edits[i]
			lines = append(lines[:e.start], append(e.repl, lines[e.end:]...)...)
		}
		res.Rewritten = []byte(strings.Join(lines, "\n") + "\n")
	}
	return res, nil
}

func slicesClone(s []string) []string { return append([]string(nil), s...) }

type runState struct {
	threshold int
	labels    map[string]string // label -> hash of its results
}

// outcome is one record's verdict: msg is empty on success; header and
// results are the rewritten header line / result block (Rewrite mode).
type outcome struct {
	msg     string
	header  string
	results []string
}

func (r *Runner) code(err error) string {
	if r.ErrorCode != nil {
		return r.ErrorCode(err)
	}
	return SQLState(err)
}

// runRecord runs one statement or query; a panic in the executor is a
// failure of this record, not of the run.
func (r *Runner) runRecord(ctx context.Context, rec *Record, sql string, st *runState) (out outcome) {
	defer func() {
		if p := recover(); p != nil {
			out = outcome{msg: fmt.Sprintf("panic: %v", p)}
		}
	}()
	if rec.Kind == Statement {
		err := r.Exec.Exec(ctx, sql)
		return r.checkError(rec, err, "statement")
	}
	res, err := r.Exec.Query(ctx, sql)
	if rec.ExpectError || err != nil {
		return r.checkError(rec, err, "query")
	}
	if len(res.Columns) != len(rec.Types) && len(res.Columns) > 0 {
		if !r.Rewrite {
			return outcome{msg: fmt.Sprintf("expected %d columns (%s), got %d", len(rec.Types), rec.Types, len(res.Columns))}
		}
	}
	got := FormatRows(res.Rows, rec.Types, rec.Sort)
	hash := Hash(got)
	if r.Rewrite {
		if st.threshold > 0 && len(got) > st.threshold || rec.Hashed {
			out.results = []string{fmt.Sprintf("%d values hashing to %s", len(got), hash)}
		} else {
			out.results = got
		}
		if len(res.Columns) != len(rec.Types) && len(res.Columns) > 0 {
			out.msg = fmt.Sprintf("expected %d columns (%s), got %d", len(rec.Types), rec.Types, len(res.Columns))
		}
		return out
	}
	if rec.Label != "" {
		if prev, ok := st.labels[rec.Label]; ok && prev != hash {
			return outcome{msg: fmt.Sprintf("result differs from earlier result labelled %s", rec.Label)}
		}
		st.labels[rec.Label] = hash
	}
	if rec.Hashed {
		if len(got) != rec.ExpectedCount || hash != rec.ExpectedHash {
			return outcome{msg: fmt.Sprintf("expected %d values hashing to %s, got %d values hashing to %s%s",
				rec.ExpectedCount, rec.ExpectedHash, len(got), hash, preview(got))}
		}
		return outcome{}
	}
	if !equalStrings(got, rec.Expected) {
		return outcome{msg: fmt.Sprintf("results differ\n  expected: %s\n  got:      %s", short(rec.Expected), short(got))}
	}
	return outcome{}
}

func (r *Runner) checkError(rec *Record, err error, what string) outcome {
	if err == nil {
		if rec.ExpectError {
			return outcome{msg: what + " succeeded, expected an error"}
		}
		return outcome{}
	}
	code := r.code(err)
	if r.Rewrite && rec.ExpectError {
		// Record the reference's SQLSTATE in the header.
		hdr := rewriteErrorHeader(rec, code)
		return outcome{header: hdr}
	}
	if !rec.ExpectError {
		msg := fmt.Sprintf("%s failed: %v", what, err)
		if !strings.Contains(msg, code) {
			msg += " (SQLSTATE " + code + ")"
		}
		return outcome{msg: msg}
	}
	if rec.ErrorCode != "" && rec.ErrorCode != code {
		return outcome{msg: fmt.Sprintf("expected SQLSTATE %s, got %s: %v", rec.ErrorCode, code, err)}
	}
	return outcome{}
}

func rewriteErrorHeader(rec *Record, code string) string {
	if code == "" {
		return ""
	}
	if rec.Kind == Statement {
		return "statement error " + code
	}
	if rec.Types == "" {
		return "query error " + code
	}
	hdr := "query " + rec.Types
	if rec.Sort != NoSort {
		hdr += " " + rec.Sort.String()
	}
	return hdr + " error " + code
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func short(v []string) string {
	const max = 20
	s := v
	suffix := ""
	if len(s) > max {
		s, suffix = s[:max], fmt.Sprintf(" ... (%d values)", len(v))
	}
	return "[" + strings.Join(s, " | ") + "]" + suffix
}

func preview(v []string) string { return "\n  got: " + short(v) }
