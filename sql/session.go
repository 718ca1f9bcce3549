package sql

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/parser"
	"github.com/conflux-db/conflux/sql/pgcatalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/txn"
)

// sessionState is the Session's private state (Session is declared in api.go).
type sessionState struct {
	e        *Engine
	pid      int32
	user     string
	database string
	settings *settings
	notices  []Notice
	// noticeSink, when set, receives progress NOTICEs as they happen (lakemaint.go).
	noticeSink func(Notice)

	// The open transaction, if any. explicit is true inside BEGIN ... COMMIT;
	// otherwise the transaction is the implicit one of a single statement
	// (kept open while that statement's cursor is).
	txn      *txn.Txn
	explicit bool
	failed   bool
	// cat is the catalog the transaction sees; desc is non-nil once the
	// transaction changed the catalog (its private, edited copy).
	cat     *catalog.Snapshot
	desc    *descriptors
	txnTime time.Time
	// pending transaction characteristics (SET TRANSACTION before the first statement).
	txnOpts     txn.Options
	savepoints  []savepoint
	hasTemp     bool // the session created its pg_temp schema
	inBlock     bool // inside a multi-statement simple query string
	currvals    map[catalog.ID]int64
	tctx        *types.Context
	tctxKey     [3]string
	tctxVersion uint64
	// txnSettings caches what every statement reads of the settings
	// (synchronous_commit, the default transaction characteristics):
	// two map lookups per statement were a few percent of a point query.
	txnSettings txnSettingsCache
	// openCursor is the cursor holding an implicit transaction open.
	openCursor *Cursor
	// cursors are the DECLAREd cursors by name (cursors.go).
	cursors map[string]*declaredCursor
	// parsed caches the parse of recent simple-protocol query strings.
	parsed parseCache
	// activity is what pg_stat_activity shows of this session.
	activity *activity
	// Test hooks around each attempt of a restartable statement:
	// beforeAttempt runs after its snapshot was taken, afterAttempt may
	// replace the attempt's error (to simulate a conflict found late).
	beforeAttempt func(attempt int)
	afterAttempt  func(attempt int, err error) error
	// priv is the SET ROLE state and privilege cache (privileges.go).
	priv privState
}

// NewSession starts a session (one per client connection).
func (e *Engine) NewSession(ctx context.Context, p SessionParams) (*Session, error) {
	if e.closed.Load() {
		return nil, pgerr.New(pgerr.AdminShutdown, "the database system is shutting down")
	}
	user := p.User
	if user == "" {
		user = superuserName
	}
	db := p.Database
	if db == "" {
		db = user
	}
	s := &Session{sessionState{e: e, pid: e.nextPID.Add(1), user: user, database: db, settings: newSettings()}}
	s.settings.values["session_authorization"] = user
	for k, v := range p.Options {
		switch strings.ToLower(k) {
		case "user", "database", "replication":
			continue
		case "options":
			if err := s.applyCommandLineOptions(v); err != nil {
				return nil, err
			}
			continue
		}
		if err := s.settings.set(k, v, false); err != nil {
			// PostgreSQL rejects unknown startup parameters with FATAL 42704.
			return nil, err
		}
	}
	s.settings.changed = map[string]bool{}
	s.initPrivileges() // is_superuser for the session's user (privileges.go)
	now := time.Now()
	s.activity = &activity{a: pgcatalog.Activity{PID: s.pid, User: user, Database: db, State: "idle",
		BackendStart: now, StateChange: now}}
	s.activity.a.ApplicationName, _ = s.settings.get("application_name")
	e.sessions.add(s.pid, s.activity)
	return s, nil
}

// applyCommandLineOptions handles the startup "options" parameter
// ("-c search_path=x -c statement_timeout=5s").
func (s *Session) applyCommandLineOptions(v string) error {
	f := strings.Fields(v)
	for i := 0; i < len(f); i++ {
		opt := f[i]
		switch {
		case opt == "-c" && i+1 < len(f):
			i++
			opt = f[i]
		case strings.HasPrefix(opt, "-c"):
			opt = opt[2:]
		case strings.HasPrefix(opt, "--"):
			opt = opt[2:]
		default:
			continue
		}
		name, val, ok := strings.Cut(opt, "=")
		if !ok {
			return pgerr.New(pgerr.SyntaxError, "invalid command-line argument for server process: %s", opt)
		}
		if err := s.settings.set(strings.ReplaceAll(name, "-", "_"), val, false); err != nil {
			return err
		}
	}
	return nil
}

// Parse splits a simple-protocol query string into statements.
// Bare BEGIN/COMMIT/ROLLBACK skip the parser, and recently seen strings
// come from the session's parse cache (parsecache.go).
func (s *Session) Parse(query string) ([]Statement, error) {
	if st, ok := parseTxnControl(query); ok {
		return []Statement{st}, nil
	}
	if cached, ok := s.parsed.get(query); ok {
		return append([]Statement(nil), cached...), nil
	}
	stmts, err := parser.Parse(query)
	if err != nil {
		s.failStatement()
		return nil, err
	}
	out := make([]Statement, len(stmts))
	for i, st := range stmts {
		out[i] = Statement{SQL: st.SQL, ast: st.AST}
	}
	s.parsed.put(query, out)
	return append([]Statement(nil), out...), nil
}

// TxnStatus is the ReadyForQuery status. The server asks for it as it
// sends ReadyForQuery, so it also marks the session idle for
// pg_stat_activity.
func (s *Session) TxnStatus() byte {
	st := byte('I')
	switch {
	case s.failed:
		st = 'E'
	case s.explicit:
		st = 'T'
	}
	s.markIdle(st)
	return st
}

// Setting returns a session setting's current value.
func (s *Session) Setting(name string) string {
	v, _ := s.settings.get(name)
	return v
}

// ChangedParams returns reportable settings changed since the last call.
func (s *Session) ChangedParams() map[string]string { return s.settings.takeChanged() }

// TakeNotices returns NOTICE/WARNING messages raised since the last call.
func (s *Session) TakeNotices() []Notice {
	n := s.notices
	s.notices = nil
	return n
}

func (s *Session) notice(code, format string, args ...any) {
	s.notices = append(s.notices, Notice{Severity: "NOTICE", Code: code, Message: sprintf(format, args...)})
}

// BackendPID identifies the session (BackendKeyData, pg_backend_pid()).
func (s *Session) BackendPID() int32 { return s.pid }

// Close ends the session, rolling back any open transaction.
func (s *Session) Close() {
	s.e.sessions.remove(s.pid)
	if s.openCursor != nil {
		s.openCursor.Close()
	}
	s.endTxn(false)
	s.dropTempSchema()
}

// typesContext is the session's formatting context for datums, rebuilt
// only when a setting it depends on changed.
func (s *Session) typesContext() *types.Context {
	if s.tctx != nil && s.tctxVersion == s.settings.version {
		return s.tctx // no setting changed since it was built
	}
	s.tctxVersion = s.settings.version
	ds, _ := s.settings.get("datestyle")
	is, _ := s.settings.get("intervalstyle")
	tz, _ := s.settings.get("timezone")
	if c := s.tctx; c != nil && s.tctxKey == [3]string{ds, is, tz} {
		return c
	}
	s.tctx = &types.Context{Location: s.settings.location(), DateStyle: ds, IntervalStyle: is}
	s.tctxKey = [3]string{ds, is, tz}
	return s.tctx
}

// AppendText renders a result value in text format as this session
// prints it: its TimeZone and styles, and reg* OIDs as object names.
func (s *Session) AppendText(buf []byte, d types.Datum, t *types.T) []byte {
	if pgcatalog.IsRegType(t) {
		return append(buf, pgcatalog.RegOut(d, t, s.nameEnv())...)
	}
	return types.AppendText(buf, d, t, s.typesContext())
}

// ParseText parses a text-format parameter value for this session.
func (s *Session) ParseText(str string, t *types.T) (types.Datum, error) {
	if pgcatalog.IsRegType(t) {
		if _, err := strconv.ParseUint(str, 10, 32); err != nil {
			return pgcatalog.RegIn(str, t, s.nameEnv())
		}
	}
	return types.ParseText(str, t, s.typesContext())
}

func (s *Session) nameEnv() pgcatalog.NameEnv {
	return pgcatalog.NameEnv{Catalog: s.catalog(), SearchPath: s.searchPath(), User: s.user, Registry: s.e.registry}
}

// TypesContext exposes the session's datum formatting context to the
// server (text output of timestamptz depends on TimeZone).
func (s *Session) TypesContext() *types.Context { return s.typesContext() }

// searchPath returns the schemas of search_path that exist, "$user" expanded.
func (s *Session) searchPath() []string {
	v, _ := s.settings.get("search_path")
	var out []string
	if s.hasTemp {
		out = append(out, tempSchemaName(s.pid))
	}
	for _, part := range splitSearchPath(v) {
		if part == "$user" {
			part = s.user
		}
		out = append(out, part)
	}
	return out
}

func splitSearchPath(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if len(p) >= 2 && p[0] == '"' && p[len(p)-1] == '"' {
			p = strings.ReplaceAll(p[1:len(p)-1], `""`, `"`)
		} else {
			p = strings.ToLower(p)
		}
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// --- transactions ---

// ensureTxn opens the implicit transaction of a statement when no
// transaction is open; for READ COMMITTED it takes the statement's new
// snapshot. It fails only when conflux.as_of names a snapshot that
// cannot be read (22023).
func (s *Session) ensureTxn() error {
	if s.txn == nil {
		opts := s.defaultTxnOptions()
		if s.explicit {
			opts = s.txnOpts
		}
		opts.Owner = s.pid
		if ts, ok, err := s.asOf(); err != nil {
			return err
		} else if ok {
			// SET conflux.as_of: a read-only transaction in the past (asof.go).
			t, cat, err := s.e.beginAsOf(context.Background(), opts, ts)
			if err != nil {
				return err
			}
			s.txn, s.cat = t, cat
		} else {
			s.txn, s.cat = s.e.begin(opts)
		}
		s.txnTime = time.Now()
		s.txn.SetLockTimeout(s.lockTimeout())
		return nil
	}
	// lock_timeout applies to each statement as it starts (SET inside a
	// transaction takes effect from the next statement, as in PostgreSQL).
	s.txn.SetLockTimeout(s.lockTimeout())
	if s.txn.Options().Isolation == txn.ReadCommitted && s.openCursor == nil {
		cat := s.e.refresh(s.txn)
		if s.desc == nil {
			s.cat = cat
		}
	}
	return nil
}

// lockTimeout is lock_timeout as a duration (0: wait forever).
func (s *Session) lockTimeout() time.Duration { return s.cachedTxnSettings().lockTimeout }

// synchronousCommit reports whether COMMIT must wait for fsync:
// synchronous_commit = off is the only asynchronous value, since there
// are no standbys for local/remote_write/remote_apply to differ on.
func (s *Session) synchronousCommit() bool { return s.cachedTxnSettings().syncCommit }

func (s *Session) defaultTxnOptions() txn.Options { return s.cachedTxnSettings().opts }

// txnSettingsCache holds settings-derived values valid while
// settings.version equals version.
type txnSettingsCache struct {
	valid       bool
	version     uint64
	syncCommit  bool
	opts        txn.Options
	lockTimeout time.Duration
	// stmtTimeout is statement_timeout in milliseconds (0: none).
	stmtTimeout int64
	// asOf is conflux.as_of as set; parsed only when not empty.
	asOf string
}

func (s *Session) cachedTxnSettings() *txnSettingsCache {
	c := &s.txnSettings
	if c.valid && c.version == s.settings.version {
		return c
	}
	sc, _ := s.settings.get("synchronous_commit")
	iso, _ := s.settings.get("default_transaction_isolation")
	ro, _ := s.settings.get("default_transaction_read_only")
	*c = txnSettingsCache{valid: true, version: s.settings.version, syncCommit: sc != "off",
		opts: txn.Options{Isolation: isolationOf(iso), ReadOnly: ro == "on"}}
	if v, _ := s.settings.get("lock_timeout"); v != "0" {
		ms, _ := strconv.ParseInt(v, 10, 64) // stored as canonical milliseconds
		c.lockTimeout = time.Duration(ms) * time.Millisecond
	}
	if v, _ := s.settings.get("statement_timeout"); v != "0" {
		c.stmtTimeout, _ = parseDurationMS(v)
	}
	c.asOf, _ = s.settings.get(asOfSetting)
	return c
}

func isolationOf(v string) txn.Isolation {
	switch v {
	case "repeatable read":
		return txn.RepeatableRead
	case "serializable":
		return txn.Serializable
	}
	return txn.ReadCommitted
}

func isolationName(i txn.Isolation) string {
	switch i {
	case txn.RepeatableRead:
		return "repeatable read"
	case txn.Serializable:
		return "serializable"
	}
	return "read committed"
}

// endTxn commits (commit=true) or rolls back the open transaction and
// resets the transaction state.
func (s *Session) endTxn(commit bool) error {
	t := s.txn
	changed := s.desc != nil
	// Read before SET LOCAL values are dropped: SET LOCAL
	// synchronous_commit = off governs this very commit.
	sync := s.synchronousCommit()
	s.txn, s.cat, s.desc = nil, nil, nil
	s.explicit, s.failed = false, false
	s.savepoints = nil
	s.settings.endTxn()
	held := s.cursorsAtTxnEnd(commit)
	if t == nil {
		return nil
	}
	if !commit {
		t.Rollback()
		return nil
	}
	t.SetSynchronousCommit(sync)
	if err := s.e.commit(context.Background(), t, changed); err != nil {
		for _, name := range held {
			delete(s.cursors, name) // their transaction did not commit
		}
		return err
	}
	return nil
}

// catalog returns the catalog the current statement sees.
func (s *Session) catalog() *catalog.Snapshot {
	if s.cat != nil {
		return s.cat
	}
	s.e.catMu.RLock()
	defer s.e.catMu.RUnlock()
	return s.e.cat
}

// mutableDescriptors returns the transaction's private, editable catalog,
// loading it on first use.
func (s *Session) mutableDescriptors(ctx context.Context) (*descriptors, error) {
	if s.desc == nil {
		d, err := loadDescriptors(ctx, s.txn)
		if err != nil {
			return nil, err
		}
		s.desc = d
	}
	return s.desc, nil
}

// catalogChanged rebuilds the transaction's catalog after DDL edited desc.
func (s *Session) catalogChanged() {
	s.cat = s.e.snapshotOf(s.desc)
}

// canceledError maps a context error to PostgreSQL's cancel errors.
func canceledError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	var pe *pgerr.Error
	if errors.As(err, &pe) && pe.Code != pgerr.QueryCanceled {
		return err // a real error (55P03 lock timeout, 40P01, ...) that raced the cancel
	}
	isCancel := errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || pe != nil
	if !isCancel && ctx.Err() == nil {
		return err
	}
	// The context says why: a lower layer (a lock wait) may have reported
	// the cancellation without knowing its cause.
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(context.Cause(ctx), errStatementTimeout) {
		return pgerr.New(pgerr.QueryCanceled, "canceling statement due to statement timeout")
	}
	if pe != nil {
		return err
	}
	return pgerr.New(pgerr.QueryCanceled, "canceling statement due to user request")
}

var errStatementTimeout = errors.New("statement timeout")

// stmtKind classifies a statement node for the transaction state machine.
func isTxnControl(n *pg_query.Node) bool { return n.GetTransactionStmt() != nil }

// failStatement records that a statement failed before it could run (a
// syntax or binding error): inside BEGIN that aborts the transaction, as
// any error does in PostgreSQL.
func (s *Session) failStatement() {
	if s.explicit {
		s.enterFailed()
	}
}
