package sql

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/pgcatalog"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/txn"
)

// activity is what other sessions may read about one session
// (pg_stat_activity). The session's own goroutine writes it at statement
// start and at ReadyForQuery; readers take a copy under mu.
type activity struct {
	mu sync.Mutex
	a  pgcatalog.Activity
	// appVersion is the settings version application_name was read at.
	appVersion uint64
}

// sessionRegistry lists the open sessions of an engine.
type sessionRegistry struct {
	mu       sync.Mutex
	sessions map[int32]*activity
}

func (r *sessionRegistry) add(pid int32, a *activity) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.sessions == nil {
		r.sessions = map[int32]*activity{}
	}
	r.sessions[pid] = a
}

func (r *sessionRegistry) remove(pid int32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.sessions, pid)
}

func (r *sessionRegistry) list() []pgcatalog.Activity {
	r.mu.Lock()
	acts := make([]*activity, 0, len(r.sessions))
	for _, a := range r.sessions {
		acts = append(acts, a)
	}
	r.mu.Unlock()
	out := make([]pgcatalog.Activity, 0, len(acts))
	for _, a := range acts {
		a.mu.Lock()
		out = append(out, a.a)
		a.mu.Unlock()
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out
}

// statementStarted records a statement beginning (state active).
func (s *Session) statementStarted(query string) {
	now := time.Now()
	act := s.activity
	act.mu.Lock()
	act.a.State, act.a.Query, act.a.QueryStart, act.a.StateChange = "active", query, now, now
	if act.a.XactStart.IsZero() {
		act.a.XactStart = now // BEGIN or the statement's implicit transaction
	}
	if act.appVersion != s.settings.version {
		act.appVersion = s.settings.version
		act.a.ApplicationName, _ = s.settings.get("application_name")
	}
	act.mu.Unlock()
}

// markIdle records that the session waits for its client, inside or
// outside a transaction.
func (s *Session) markIdle(status byte) {
	state := "idle"
	switch status {
	case 'T':
		state = "idle in transaction"
	case 'E':
		state = "idle in transaction (aborted)"
	}
	act := s.activity
	act.mu.Lock()
	if act.a.State != state {
		act.a.State, act.a.StateChange = state, time.Now()
	}
	if status == 'I' {
		act.a.XactStart = time.Time{}
	}
	act.mu.Unlock()
}

// SetSSL records the connection's TLS state; the server calls it right
// after NewSession. serverOn (the server has a certificate) is what SHOW
// ssl and pg_settings report, as PostgreSQL's ssl parameter is a server
// setting; version and cipher are this connection's, empty without TLS
// (pg_stat_ssl).
func (s *Session) SetSSL(serverOn bool, version, cipher string) {
	s.settings.values["ssl"] = boolSetting(serverOn)
	s.settings.version++
	act := s.activity
	act.mu.Lock()
	act.a.SSL, act.a.SSLVersion, act.a.SSLCipher = version != "", version, cipher
	act.mu.Unlock()
}

// sessionCtxKey carries the executing session in the context a
// statement runs under, so system-table generators (called by the
// executor with a catalog-only env) can show the session's own state.
type sessionCtxKey struct{}

func withSession(ctx context.Context, s *Session) context.Context {
	return context.WithValue(ctx, sessionCtxKey{}, s)
}

// sessionView is what pgcatalog.SessionEnv exposes of a session.
type sessionView struct{ s *Session }

func (ss sessionView) Cursors() []pgcatalog.CursorInfo { return ss.s.Cursors() }

// engineRuntime is the runtime state pg_locks, pg_stat_activity and
// conflux_gc_status show.
type engineRuntime struct{ e *Engine }

func (r engineRuntime) Locks() []txn.LockInfo          { return r.e.db.Locks() }
func (r engineRuntime) GCStatus() txn.GCStatus         { return r.e.db.GCStatus() }
func (r engineRuntime) Activity() []pgcatalog.Activity { return r.e.sessions.list() }

// runtimeEnv adds the engine's runtime state to the env the executor
// hands a virtual table (pgcatalog.RuntimeEnv).
type runtimeEnv struct {
	catalog.VirtualEnv
	e *Engine
	s *Session // the querying session; nil when the context lacks it
}

func (r runtimeEnv) Runtime() pgcatalog.Runtime { return engineRuntime{r.e} }

// SessionState implements pgcatalog.SessionEnv; a nil result (no session
// in the context) shows no rows.
func (r runtimeEnv) SessionState() pgcatalog.SessionState {
	if r.s == nil {
		return nil
	}
	return sessionView{r.s}
}

// withRuntime wraps each system table's generator so it sees the engine's
// runtime state through its env.
func (e *Engine) withRuntime(vts []*catalog.VirtualTable) []*catalog.VirtualTable {
	for _, vt := range vts {
		gen := vt.Generate
		vt.Generate = func(ctx context.Context, env catalog.VirtualEnv) ([]types.Row, error) {
			s, _ := ctx.Value(sessionCtxKey{}).(*Session)
			if s == nil {
				if ev, ok := env.(interface{ EvalSession() builtins.SessionInfo }); ok {
					if si, ok := ev.EvalSession().(sessionInfo); ok {
						s = si.s
					}
				}
			}
			return gen(ctx, runtimeEnv{VirtualEnv: env, e: e, s: s})
		}
	}
	return vts
}
