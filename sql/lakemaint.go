package sql

import (
	"context"
	"fmt"
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/lake"
	"github.com/conflux-db/conflux/sql/parser"
	"github.com/conflux-db/conflux/sql/pgerr"
)

// Maintenance statements. On row tables VACUUM stays a no-op (MVCC GC
// runs in the background). On lake tables:
//
//	VACUUM t             flush inlined rows, then delete unreferenced files
//	VACUUM FULL t        compact (OPTIMIZE), then vacuum
//	OPTIMIZE t           the same as VACUUM FULL, with its own command tag
//
// Without a table name they apply to every lake table. The job runs in
// its own transactions (package lake), never the session's, so like
// PostgreSQL's VACUUM it is refused inside a transaction block. Progress
// goes to the client as NOTICEs as the job advances (through the notice
// sink when the server installed one) and to conflux_lake_maintenance.

// progressEvery bounds how often a job's progress NOTICE repeats within
// one phase.
const progressEvery = time.Second

// SetNoticeSink makes the session deliver progress NOTICEs of long
// statements (OPTIMIZE, VACUUM of lake tables) through fn while the
// statement runs, instead of queueing them for TakeNotices. fn is called
// on the goroutine executing the statement.
func (s *Session) SetNoticeSink(fn func(Notice)) { s.noticeSink = fn }

func (s *Session) progressNotice(msg string) {
	n := Notice{Severity: "NOTICE", Message: msg}
	if s.noticeSink != nil {
		s.noticeSink(n)
		return
	}
	s.notices = append(s.notices, n)
}

// execVacuum runs VACUUM / VACUUM FULL / OPTIMIZE / ANALYZE.
func (s *Session) execVacuum(ctx context.Context, v *pg_query.VacuumStmt) (*Cursor, error) {
	optimize := parser.IsOptimize(v)
	tag := "VACUUM"
	switch {
	case optimize:
		tag = "OPTIMIZE"
	case !v.IsVacuumcmd:
		return tagCursor("ANALYZE"), nil
	}
	if s.explicit {
		return nil, pgerr.New(pgerr.ActiveSQLTransaction, "%s cannot run inside a transaction block", tag)
	}
	full := optimize
	for _, o := range v.Options {
		if de := o.GetDefElem(); de != nil && de.Defname == "full" {
			b, ok := parseBool(defElemString(de.Arg))
			full = full || de.Arg == nil || ok && b
		}
	}
	tables, err := s.vacuumTargets(v, optimize)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		if err := s.maintainLake(ctx, t, full); err != nil {
			return nil, err
		}
	}
	return tagCursor(tag), nil
}

// vacuumTargets resolves the tables a maintenance statement names (every
// lake table when it names none). OPTIMIZE of a row table is skipped with
// a NOTICE, since only lake tables have files to compact.
func (s *Session) vacuumTargets(v *pg_query.VacuumStmt, optimize bool) ([]*catalog.Table, error) {
	if len(v.Rels) == 0 {
		var out []*catalog.Table
		for _, t := range s.catalog().Tables() {
			if t.IsLake() {
				out = append(out, t)
			}
		}
		return out, nil
	}
	var out []*catalog.Table
	for _, rn := range v.Rels {
		vr := rn.GetVacuumRelation()
		if vr == nil || vr.Relation == nil {
			continue
		}
		t, err := s.resolveTable(vr.Relation)
		if err != nil {
			return nil, err
		}
		if err := s.checkMaintainPrivilege(t); err != nil {
			return nil, err
		}
		if !t.IsLake() {
			if optimize {
				s.notice("", "\"%s\" is not a lake table, skipping", t.Name)
			}
			continue
		}
		out = append(out, t)
	}
	return out, nil
}

// checkMaintainPrivilege: VACUUM needs ownership (or superuser), as in
// PostgreSQL 15; PostgreSQL skips with a WARNING, Conflux reports 42501
// for a lake table since the statement would otherwise do nothing visible.
func (s *Session) checkMaintainPrivilege(t *catalog.Table) error {
	if !t.IsLake() || s.isSuperuser() || catalog.OwnerName(s.catalog(), t.Owner) == s.currentUser() {
		return nil
	}
	return pgerr.New(pgerr.InsufficientPrivilege, "must be owner of table %s", t.Name)
}

// maintainLake runs one table's maintenance, relaying progress.
func (s *Session) maintainLake(ctx context.Context, t *catalog.Table, full bool) error {
	st := s.e.lake
	if st == nil {
		return nil
	}
	// The job reports from its own goroutines; the session's goroutine
	// turns reports into NOTICEs, so the notice sink sees one caller.
	progress := make(chan lake.Progress, 16)
	done := make(chan error, 1)
	go func() {
		report := func(p lake.Progress) {
			select {
			case progress <- p:
			default: // a slow client must not stall the job; the view has it all
			}
		}
		var err error
		if full {
			err = st.Optimize(ctx, t, report)
		} else {
			err = st.Flush(ctx, t)
		}
		if err == nil {
			err = st.Vacuum(ctx, t, report)
		}
		done <- err
	}()
	var last lake.Progress
	var lastSent time.Time
	relay := func(p lake.Progress) {
		if p.Job == last.Job && p.Phase == last.Phase && time.Since(lastSent) < progressEvery && (p.Total == 0 || p.Done < p.Total) {
			return
		}
		last, lastSent = p, time.Now()
		s.progressNotice(progressMessage(t, p))
	}
	for {
		select {
		case p := <-progress:
			relay(p)
		case err := <-done:
			// Every report was sent before done: relay what is queued.
			for len(progress) > 0 {
				relay(<-progress)
			}
			if err != nil {
				return canceledError(ctx, err)
			}
			return nil
		}
	}
}

// progressMessage renders a job's progress: `optimize "t": rewrite 3 of 10 files`.
func progressMessage(t *catalog.Table, p lake.Progress) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s \"%s\": %s", p.Job, t.Name, p.Phase)
	if p.Total > 0 {
		fmt.Fprintf(&b, " %d of %d", p.Done, p.Total)
		if p.Unit != "" {
			b.WriteString(" " + p.Unit)
		}
	}
	if p.Err != "" {
		b.WriteString(": " + p.Err)
	}
	return b.String()
}
