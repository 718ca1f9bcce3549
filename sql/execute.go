package sql

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/sql/parser"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/txn"
)

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}

// prepState is the private part of a Prepared statement.
type prepState struct {
	ast *pg_query.Node
	// query holds the cached plan of planned statements (SELECT, DML, EXPLAIN).
	query *queryPrep
	// show is the setting name of a SHOW statement ("all" for SHOW ALL).
	show string
	// cursor is set for DECLARE, FETCH, MOVE and CLOSE.
	cursor *cursorPrep
}

// cursorState is the private part of a Cursor.
type cursorState struct {
	rows  []types.Row // buffered rows (utility statements, DML ... RETURNING)
	pos   int
	iter  rowIter // streaming rows (SELECT)
	count int64
	// tagFn renders the command tag from the row count once the result is done.
	tagFn func(n int64) string
	tag   string
	done  bool
	// restart re-runs the statement after a READ COMMITTED conflict
	// surfaced before the first row (nil when not restartable).
	restart func(ctx context.Context, err error) (rowIter, bool, error)
	// finish ends the implicit transaction when the cursor holds one.
	finish func(ok bool) error
	closed bool
	// deallocate carries DEALLOCATE [ALL] name for the server, which owns
	// prepared statement names.
	deallocate    string
	deallocateAll bool
}

// rowIter is a streaming result.
type rowIter interface {
	Next(ctx context.Context) (types.Row, bool, error)
	Close()
}

// Next returns the next row, or ok=false when the result is exhausted.
func (c *Cursor) Next(ctx context.Context) (types.Row, bool, error) {
	if c.done {
		return nil, false, nil
	}
	if c.iter != nil {
		row, ok, err := c.iter.Next(ctx)
		for err != nil && c.restart != nil && c.count == 0 {
			// Nothing was sent yet: a READ COMMITTED statement that hit a
			// concurrent update may run again on a new snapshot.
			c.iter.Close()
			it, again, rerr := c.restart(ctx, err)
			if !again {
				c.iter = nil
				c.restart = nil
				c.fail()
				return nil, false, canceledError(ctx, rerr)
			}
			c.iter = it
			row, ok, err = c.iter.Next(ctx)
		}
		if err != nil {
			c.fail()
			return nil, false, canceledError(ctx, err)
		}
		if ok {
			c.count++
			return row, true, nil
		}
		if err := c.complete(); err != nil {
			return nil, false, err
		}
		return nil, false, nil
	}
	if c.pos < len(c.rows) {
		c.pos++
		return c.rows[c.pos-1], true, nil
	}
	if err := c.complete(); err != nil {
		return nil, false, err
	}
	return nil, false, nil
}

func (c *Cursor) complete() error {
	c.done = true
	if c.tagFn != nil {
		c.tag = c.tagFn(c.count)
	}
	if c.iter != nil {
		c.iter.Close()
	}
	if c.finish != nil {
		f := c.finish
		c.finish = nil
		return f(true)
	}
	return nil
}

func (c *Cursor) fail() {
	c.done = true
	if c.iter != nil {
		c.iter.Close()
	}
	if c.finish != nil {
		f := c.finish
		c.finish = nil
		f(false)
	}
}

// Tag returns the command tag ("SELECT 3", "INSERT 0 1", "CREATE TABLE").
func (c *Cursor) Tag() string { return c.tag }

// Deallocate reports a DEALLOCATE statement the server must apply to its
// prepared statements.
func (c *Cursor) Deallocate() (name string, all bool, ok bool) {
	return c.deallocate, c.deallocateAll, c.deallocate != "" || c.deallocateAll
}

// Close releases the cursor. Closing an unfinished cursor that holds an
// implicit transaction commits it: the rows already sent stand, as when
// PostgreSQL drops a suspended portal at Sync.
func (c *Cursor) Close() {
	if c.closed {
		return
	}
	c.closed = true
	if !c.done {
		c.done = true
		if c.iter != nil {
			c.iter.Close()
		}
		if c.finish != nil {
			f := c.finish
			c.finish = nil
			f(true)
		}
	}
}

func tagCursor(tag string) *Cursor {
	return &Cursor{cursorState{tag: tag, done: true}}
}

func rowsCursor(rows []types.Row, tagFn func(int64) string) *Cursor {
	return &Cursor{cursorState{rows: rows, tagFn: tagFn}}
}

func selectTag(n int64) string { return fmt.Sprintf("SELECT %d", n) }

// Prepare analyzes one statement. paramOIDs are the client-declared
// parameter types (0 = infer).
func (s *Session) Prepare(ctx context.Context, stmt Statement, paramOIDs []uint32) (*Prepared, error) {
	p, err := s.prepare(ctx, stmt, paramOIDs)
	if err != nil {
		if p == nil || !isTxnControlStmt(stmt.ast) {
			s.failStatement()
		}
		return nil, canceledError(ctx, err)
	}
	return p, nil
}

func isTxnControlStmt(n *pg_query.Node) bool { return n != nil && n.GetTransactionStmt() != nil }

func (s *Session) prepare(ctx context.Context, stmt Statement, paramOIDs []uint32) (*Prepared, error) {
	p := &Prepared{SQL: stmt.SQL, prepState: prepState{ast: stmt.ast}}
	if stmt.ast == nil {
		if stmt.SQL != "" && strings.TrimSpace(stmt.SQL) != "" {
			st, err := parser.ParseOne(stmt.SQL)
			if err != nil {
				return nil, err
			}
			p.ast = st.AST
			p.SQL = st.SQL
		}
		if p.ast == nil {
			p.Kind = KindEmpty
			return p, nil
		}
	}
	declared := make([]*types.T, len(paramOIDs))
	for i, oid := range paramOIDs {
		if oid == 0 {
			continue
		}
		t := types.ByOid(oid)
		if t == nil {
			return nil, pgerr.New(pgerr.UndefinedObject, "type with OID %d does not exist", oid)
		}
		declared[i] = t
	}
	n := p.ast
	switch {
	case n.GetSelectStmt() != nil, n.GetInsertStmt() != nil, n.GetUpdateStmt() != nil,
		n.GetDeleteStmt() != nil, n.GetExplainStmt() != nil, n.GetMergeStmt() != nil:
		q, err := s.planQuery(ctx, n, declared)
		if err != nil {
			return nil, err
		}
		p.query = q
		p.ParamTypes = q.paramTypes
		p.Columns = q.columns
		if q.returnsRows {
			p.Kind = KindRows
		} else {
			p.Kind = KindCommand
		}
	case n.GetVariableShowStmt() != nil:
		name := strings.ToLower(n.GetVariableShowStmt().Name)
		p.show = name
		p.Kind = KindRows
		if name == "all" {
			p.Columns = []Column{{Name: "name", Type: types.Text}, {Name: "setting", Type: types.Text}, {Name: "description", Type: types.Text}}
		} else {
			colName := name
			if d := settingByLower[name]; d != nil {
				colName = d.name
			}
			if name == "time zone" {
				colName = "TimeZone"
			}
			p.Columns = []Column{{Name: colName, Type: types.Text}}
		}
	case n.GetDeclareCursorStmt() != nil, n.GetFetchStmt() != nil, n.GetClosePortalStmt() != nil:
		if err := s.prepareCursorStmt(ctx, p, declared); err != nil {
			return nil, err
		}
	case n.GetCopyStmt() != nil:
		kind, err := s.prepareCopy(n.GetCopyStmt())
		if err != nil {
			return nil, err
		}
		p.Kind = kind
	default:
		p.Kind = KindCommand
		p.ParamTypes = declared
	}
	return p, nil
}

// Execute runs a prepared statement with bound parameters.
func (s *Session) Execute(ctx context.Context, p *Prepared, params []types.Datum) (*Cursor, error) {
	if p.Kind == KindEmpty {
		return tagCursor(""), nil
	}
	if s.openCursor != nil {
		// A new statement ends the previous implicit transaction's cursor.
		s.openCursor.Close()
		s.openCursor = nil
	}
	s.statementStarted(p.SQL)
	if ts := p.ast.GetTransactionStmt(); ts != nil {
		return s.execTransactionStmt(ctx, ts)
	}
	if s.failed {
		return nil, pgerr.New(pgerr.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	if len(params) < len(p.ParamTypes) {
		return nil, pgerr.New(pgerr.ProtocolViolation, "bind message supplies %d parameters, but prepared statement requires %d", len(params), len(p.ParamTypes))
	}
	if p.ast.GetVariableSetStmt() == nil && p.show == "" {
		if err := s.ensureTxn(); err != nil {
			s.failStatement()
			return nil, err
		}
	}
	implicit := !s.explicit
	ctx, cancel := s.statementContext(ctx)
	cur, err := s.runStatement(ctx, p, params)
	if err != nil {
		cancel()
		s.abortStatement()
		return nil, canceledError(ctx, err)
	}
	if cur.iter != nil || (!cur.done && implicit) {
		// Streaming: the implicit transaction (and the statement's
		// timeout) live until the cursor is done.
		finish := func(ok bool) error {
			cancel()
			if s.openCursor == cur {
				s.openCursor = nil
			}
			if !ok {
				s.abortStatement()
				return nil
			}
			if implicit && s.txn != nil && !s.explicit && !s.inBlock {
				if err := s.endTxn(true); err != nil {
					return err
				}
			}
			return nil
		}
		cur.finish = finish
		if implicit {
			s.openCursor = cur
		}
		return cur, nil
	}
	cancel()
	if implicit && s.txn != nil && !s.explicit && !s.inBlock {
		if err := s.endTxn(true); err != nil {
			return nil, err
		}
	}
	return cur, nil
}

// maxStatementRestarts bounds how often one READ COMMITTED statement is
// re-run after a concurrent update; past it the client gets the 40001.
const maxStatementRestarts = 100

// runStatement dispatches a statement and, at READ COMMITTED, re-runs it
// on a fresh snapshot when a write found the row updated by a transaction
// that committed after the statement's snapshot (txn.RetryStatementError).
// This is the fallback for writes the executor did not re-check itself
// (PostgreSQL's EvalPlanQual): the statement is atomic, so undoing its
// writes back to the savepoint taken here and running it again is what
// PostgreSQL's result would be had the statement started a moment later.
// Only planned statements restart: utility statements may have edited the
// transaction's private catalog, which a write-buffer rollback does not
// undo.
func (s *Session) runStatement(ctx context.Context, p *Prepared, params []types.Datum) (*Cursor, error) {
	if p.query == nil || s.txn == nil {
		return s.dispatch(ctx, p, params)
	}
	sp := s.txn.Savepoint()
	for attempt := 1; ; attempt++ {
		if s.beforeAttempt != nil {
			s.beforeAttempt(attempt)
		}
		cur, err := s.dispatch(ctx, p, params)
		if s.afterAttempt != nil {
			if err = s.afterAttempt(attempt, err); err != nil && cur != nil {
				cur.Close()
			}
		}
		if err == nil {
			if cur.iter != nil {
				// A streaming result may still hit the conflict while
				// producing its first row; Cursor.Next restarts it then.
				r := &restarter{s: s, p: p, params: params, sp: sp, attempts: attempt}
				cur.restart = r.restart
			}
			return cur, nil
		}
		if !s.canRestart(err, attempt) {
			return nil, err
		}
		s.restartFrom(sp)
	}
}

// canRestart reports whether a failed statement may run again.
func (s *Session) canRestart(err error, attempt int) bool {
	var rse *txn.RetryStatementError
	return errors.As(err, &rse) && s.txn != nil && s.txn.Options().Isolation == txn.ReadCommitted &&
		attempt < maxStatementRestarts
}

// restartFrom undoes the statement's writes and takes a new snapshot.
// Row locks the statement took stay held, so the next attempt does not
// race for the same rows again.
func (s *Session) restartFrom(sp txn.Savepoint) {
	s.txn.RollbackToKeepLocks(sp)
	cat := s.e.refresh(s.txn)
	if s.desc == nil {
		s.cat = cat
	}
}

// restarter re-runs a streaming statement that failed before its first row.
type restarter struct {
	s        *Session
	p        *Prepared
	params   []types.Datum
	sp       txn.Savepoint
	attempts int
}

// restart returns a fresh iterator for the statement, or ok=false when err
// does not allow a restart.
func (r *restarter) restart(ctx context.Context, err error) (rowIter, bool, error) {
	for {
		if !r.s.canRestart(err, r.attempts) {
			return nil, false, err
		}
		r.attempts++
		r.s.restartFrom(r.sp)
		if r.s.beforeAttempt != nil {
			r.s.beforeAttempt(r.attempts)
		}
		var cur *Cursor
		cur, err = r.s.dispatch(ctx, r.p, r.params)
		if err == nil {
			if cur.iter == nil {
				// Planned SELECTs always stream; anything else is a bug.
				return nil, false, pgerr.New(pgerr.InternalError, "restarted statement did not stream")
			}
			return cur.iter, true, nil
		}
	}
}

// statementContext applies statement_timeout.
func (s *Session) statementContext(ctx context.Context) (context.Context, context.CancelFunc) {
	ms := s.cachedTxnSettings().stmtTimeout
	if ms <= 0 {
		return ctx, noCancel
	}
	return context.WithTimeoutCause(ctx, time.Duration(ms)*time.Millisecond, errStatementTimeout)
}

func noCancel() {}

// abortStatement handles a failed statement: an explicit transaction
// enters the aborted state until ROLLBACK; an implicit one is rolled back.
func (s *Session) abortStatement() {
	if s.explicit {
		s.enterFailed()
		return
	}
	s.endTxn(false)
}

// enterFailed puts an explicit transaction in the aborted state. Like
// PostgreSQL, the failure undoes the work at once and releases its row
// locks, so transactions waiting on them proceed without waiting for the
// client's ROLLBACK: without a savepoint the whole transaction is rolled
// back (only ROLLBACK can follow); with one, the work since the innermost
// savepoint is (PostgreSQL aborts that subtransaction), and ROLLBACK TO
// SAVEPOINT resumes from there.
func (s *Session) enterFailed() {
	s.failed = true
	if s.txn == nil {
		return
	}
	if n := len(s.savepoints); n > 0 {
		s.txn.RollbackTo(s.savepoints[n-1].sp)
		return
	}
	s.txn.Rollback()
}

// dispatch runs one statement inside the open transaction.
func (s *Session) dispatch(ctx context.Context, p *Prepared, params []types.Datum) (*Cursor, error) {
	if p.query != nil {
		return s.runPlanned(ctx, p, params)
	}
	if p.show != "" {
		return s.execShow(p.show)
	}
	if p.cursor != nil {
		return s.execCursorStmt(ctx, p.cursor, params)
	}
	n := p.ast
	switch {
	case n.GetVariableSetStmt() != nil:
		return s.execSet(n.GetVariableSetStmt())
	case n.GetCopyStmt() != nil:
		if n.GetCopyStmt().Filename != "" {
			return s.copyFile(ctx, n.GetCopyStmt()) // FORMAT parquet (copy_parquet.go)
		}
		return nil, pgerr.New(pgerr.ProtocolViolation, "COPY must be run through the COPY sub-protocol")
	case n.GetDeallocateStmt() != nil:
		d := n.GetDeallocateStmt()
		c := tagCursor("DEALLOCATE")
		if d.Isall || d.Name == "" {
			c.deallocateAll = true
			c.tag = "DEALLOCATE ALL"
		} else {
			c.deallocate = d.Name
		}
		return c, nil
	case n.GetDiscardStmt() != nil:
		if s.explicit {
			return nil, pgerr.New(pgerr.ActiveSQLTransaction, "DISCARD ALL cannot run inside a transaction block")
		}
		c := tagCursor("DISCARD ALL")
		c.deallocateAll = true
		return c, nil
	case n.GetVacuumStmt() != nil:
		// MVCC garbage collection of row tables runs in the background;
		// VACUUM and ANALYZE are accepted so tools such as pgbench work
		// unmodified. Lake tables get flush/compaction/vacuum (lakemaint.go).
		return s.execVacuum(ctx, n.GetVacuumStmt())
	case n.GetCheckPointStmt() != nil:
		return tagCursor("CHECKPOINT"), nil
	case n.GetListenStmt() != nil, n.GetNotifyStmt() != nil, n.GetUnlistenStmt() != nil:
		return nil, pgerr.Unsupported("LISTEN/NOTIFY")
	}
	return s.execDDL(ctx, n)
}

// execTransactionStmt implements BEGIN, COMMIT, ROLLBACK, SAVEPOINT and friends.
func (s *Session) execTransactionStmt(ctx context.Context, ts *pg_query.TransactionStmt) (*Cursor, error) {
	switch ts.Kind {
	case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN, pg_query.TransactionStmtKind_TRANS_STMT_START:
		if s.failed {
			return nil, pgerr.New(pgerr.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
		}
		if s.explicit {
			s.notices = append(s.notices, Notice{Severity: "WARNING", Code: pgerr.ActiveSQLTransaction, Message: "there is already a transaction in progress"})
			return tagCursor(beginTag(ts)), nil
		}
		opts := s.defaultTxnOptions()
		if err := applyTxnModes(&opts, ts.Options); err != nil {
			return nil, err
		}
		if s.txn != nil {
			// Statements of this implicit transaction already ran (a
			// multi-statement string): BEGIN adopts it.
			s.explicit = true
			return tagCursor(beginTag(ts)), nil
		}
		// The snapshot is taken by the first statement, so SET TRANSACTION
		// can still change the isolation level, as in PostgreSQL.
		s.explicit = true
		s.txnOpts = opts
		return tagCursor(beginTag(ts)), nil
	case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT:
		if !s.explicit && s.inBlock && s.txn != nil {
			// COMMIT inside a multi-statement string commits what the
			// string's implicit transaction did so far.
			if err := s.endTxn(true); err != nil {
				return nil, err
			}
			return tagCursor("COMMIT"), nil
		}
		if !s.explicit {
			s.notices = append(s.notices, Notice{Severity: "WARNING", Code: pgerr.NoActiveSQLTransaction, Message: "there is no transaction in progress"})
			return tagCursor("COMMIT"), nil
		}
		if s.failed {
			s.endTxn(false)
			return tagCursor("ROLLBACK"), nil
		}
		if err := s.endTxn(true); err != nil {
			return nil, err
		}
		return tagCursor("COMMIT"), nil
	case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK:
		if !s.explicit {
			s.notices = append(s.notices, Notice{Severity: "WARNING", Code: pgerr.NoActiveSQLTransaction, Message: "there is no transaction in progress"})
		}
		s.endTxn(false)
		return tagCursor("ROLLBACK"), nil
	case pg_query.TransactionStmtKind_TRANS_STMT_SAVEPOINT:
		if s.failed {
			return nil, pgerr.New(pgerr.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
		}
		if !s.explicit {
			return nil, pgerr.New(pgerr.NoActiveSQLTransaction, "SAVEPOINT can only be used in transaction blocks")
		}
		if err := s.ensureTxn(); err != nil {
			s.enterFailed()
			return nil, err
		}
		s.savepoints = append(s.savepoints, savepoint{name: ts.SavepointName, sp: s.txn.Savepoint(), catalogDirty: s.desc != nil})
		return tagCursor("SAVEPOINT"), nil
	case pg_query.TransactionStmtKind_TRANS_STMT_RELEASE:
		if s.failed {
			return nil, pgerr.New(pgerr.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
		}
		i, err := s.findSavepoint(ts.SavepointName, "RELEASE SAVEPOINT")
		if err != nil {
			return nil, err
		}
		s.savepoints = s.savepoints[:i]
		s.cursorsAtRelease(i)
		return tagCursor("RELEASE"), nil
	case pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO:
		i, err := s.findSavepoint(ts.SavepointName, "ROLLBACK TO SAVEPOINT")
		if err != nil {
			if s.explicit {
				s.enterFailed()
			}
			return nil, err
		}
		sp := s.savepoints[i]
		s.txn.RollbackTo(sp.sp)
		s.savepoints = s.savepoints[:i+1]
		s.cursorsAtRollbackTo(i)
		if s.desc != nil {
			// Re-read the catalog as of the savepoint: the undo covered descriptor keys too.
			s.desc = nil
			if sp.catalogDirty {
				if _, err := s.mutableDescriptors(ctx); err != nil {
					return nil, err
				}
				s.catalogChanged()
			} else {
				s.cat = s.e.cat
			}
		}
		s.failed = false
		return tagCursor("ROLLBACK"), nil
	case pg_query.TransactionStmtKind_TRANS_STMT_PREPARE, pg_query.TransactionStmtKind_TRANS_STMT_COMMIT_PREPARED,
		pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK_PREPARED:
		return nil, pgerr.Unsupported("two-phase commit")
	}
	return nil, pgerr.Unsupported("this transaction statement")
}

type savepoint struct {
	name         string
	sp           txn.Savepoint
	catalogDirty bool
}

func (s *Session) findSavepoint(name, stmt string) (int, error) {
	if !s.explicit {
		return 0, pgerr.New(pgerr.NoActiveSQLTransaction, "%s can only be used in transaction blocks", stmt)
	}
	for i := len(s.savepoints) - 1; i >= 0; i-- {
		if s.savepoints[i].name == name {
			return i, nil
		}
	}
	return 0, pgerr.New("3B001", "savepoint \"%s\" does not exist", name)
}

// applyTxnModes applies ISOLATION LEVEL / READ ONLY options.
func applyTxnModes(opts *txn.Options, nodes []*pg_query.Node) error {
	for _, n := range nodes {
		d := n.GetDefElem()
		if d == nil {
			continue
		}
		v := constString(d.Arg)
		switch d.Defname {
		case "transaction_isolation":
			iso, err := checkIsolation(v)
			if err != nil {
				return err
			}
			opts.Isolation = isolationOf(iso)
		case "transaction_read_only":
			b, _ := parseBool(v)
			if c := d.Arg.GetAConst(); c != nil && c.GetIval() != nil {
				b = c.GetIval().Ival != 0
			}
			opts.ReadOnly = b
		case "transaction_deferrable":
		}
	}
	return nil
}

// constString renders a constant node as the text SET would store.
func constString(n *pg_query.Node) string {
	if n == nil {
		return ""
	}
	if c := n.GetAConst(); c != nil {
		switch {
		case c.GetSval() != nil:
			return c.GetSval().Sval
		case c.GetIval() != nil:
			return fmt.Sprint(c.GetIval().Ival)
		case c.GetFval() != nil:
			return c.GetFval().Fval
		case c.GetBoolval() != nil:
			if c.GetBoolval().Boolval {
				return "on"
			}
			return "off"
		case c.Isnull:
			return ""
		}
		return "0"
	}
	if tc := n.GetTypeCast(); tc != nil {
		return constString(tc.Arg)
	}
	if s := n.GetString_(); s != nil {
		return s.Sval
	}
	return ""
}

// execSet implements SET / RESET / SET TRANSACTION.
func (s *Session) execSet(st *pg_query.VariableSetStmt) (*Cursor, error) {
	if c, ok, err := s.execSetRole(st); ok { // SET ROLE / SESSION AUTHORIZATION (privileges.go)
		return c, err
	}
	name := strings.ToLower(st.Name)
	switch st.Kind {
	case pg_query.VariableSetKind_VAR_SET_MULTI:
		switch name {
		case "transaction", "session characteristics":
			opts := s.defaultTxnOptions()
			if name == "transaction" && s.txn != nil {
				opts = s.txn.Options()
			} else if name == "transaction" && s.explicit {
				opts = s.txnOpts
			}
			if err := applyTxnModes(&opts, st.Args); err != nil {
				return nil, err
			}
			if name == "session characteristics" {
				s.settings.set("default_transaction_isolation", isolationName(opts.Isolation), false)
				s.settings.set("default_transaction_read_only", boolSetting(opts.ReadOnly), false)
			} else {
				if !s.explicit {
					s.notices = append(s.notices, Notice{Severity: "WARNING", Code: pgerr.NoActiveSQLTransaction, Message: "SET TRANSACTION can only be used in transaction blocks"})
					return tagCursor("SET"), nil
				}
				if s.txn != nil {
					if s.txn.Options() != opts {
						return nil, pgerr.New(pgerr.ActiveSQLTransaction, "SET TRANSACTION ISOLATION LEVEL must be called before any query")
					}
				} else {
					s.txnOpts = opts
				}
			}
			return tagCursor("SET"), nil
		}
		return nil, pgerr.Unsupported("SET " + st.Name)
	case pg_query.VariableSetKind_VAR_RESET:
		if err := s.settings.reset(name); err != nil {
			return nil, err
		}
		return tagCursor("RESET"), nil
	case pg_query.VariableSetKind_VAR_RESET_ALL:
		for _, d := range settingDefs {
			if !d.readOnly {
				s.settings.reset(d.name)
			}
		}
		return tagCursor("RESET"), nil
	case pg_query.VariableSetKind_VAR_SET_DEFAULT:
		if err := s.settings.reset(name); err != nil {
			return nil, err
		}
		return tagCursor("SET"), nil
	case pg_query.VariableSetKind_VAR_SET_CURRENT:
		return tagCursor("SET"), nil
	}
	var parts []string
	for _, a := range st.Args {
		parts = append(parts, constString(a))
	}
	value := strings.Join(parts, ", ")
	switch name {
	case "timezone":
		if len(st.Args) == 1 {
			if tc := st.Args[0].GetTypeCast(); tc != nil {
				// SET TIME ZONE INTERVAL '+05:30' HOUR TO MINUTE
				value = constString(tc.Arg)
			}
			if c := st.Args[0].GetAConst(); c != nil && c.GetIval() != nil {
				// SET TIME ZONE -8: hours east of UTC, as PostgreSQL reads it.
				h := c.GetIval().Ival
				value = fmt.Sprintf("%+03d:00", h)
			}
		}
	case "transaction_isolation":
		iso := isolationOf(mustIsolation(value))
		if s.txn != nil && s.txn.Options().Isolation != iso {
			return nil, pgerr.New(pgerr.ActiveSQLTransaction, "SET TRANSACTION ISOLATION LEVEL must be called before any query")
		}
		s.txnOpts.Isolation = iso
	case asOfSetting:
		if s.txn != nil && s.explicit {
			return nil, pgerr.New(pgerr.ActiveSQLTransaction, "SET %s must be called before any query", asOfSetting)
		}
		v, err := s.canonicalAsOf(value)
		if err != nil {
			return nil, err
		}
		value = v
	case "search_path":
		// Keep identifiers as typed: quoted parts were already unquoted by the parser.
		var quoted []string
		for _, p := range parts {
			if p != strings.ToLower(p) || strings.ContainsAny(p, " ,\"$") && p != "$user" {
				quoted = append(quoted, `"`+strings.ReplaceAll(p, `"`, `""`)+`"`)
			} else if p == "$user" {
				quoted = append(quoted, `"$user"`)
			} else {
				quoted = append(quoted, p)
			}
		}
		value = strings.Join(quoted, ", ")
	}
	if err := s.settings.set(name, value, st.IsLocal); err != nil {
		return nil, err
	}
	return tagCursor("SET"), nil
}

func mustIsolation(v string) string {
	iso, err := checkIsolation(v)
	if err != nil {
		return "read committed"
	}
	return iso
}

func boolSetting(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// execShow implements SHOW name / SHOW ALL.
func (s *Session) execShow(name string) (*Cursor, error) {
	switch name {
	case "all":
		var rows []types.Row
		for _, st := range s.settings.list() {
			rows = append(rows, types.Row{types.DString(st.Name), types.DString(st.Value), types.DString(st.Description)})
		}
		return rowsCursor(rows, func(int64) string { return "SHOW" }), nil
	case "transaction_isolation", "transaction isolation level":
		iso := s.defaultTxnOptions().Isolation
		if s.txn != nil {
			iso = s.txn.Options().Isolation
		} else if s.explicit {
			iso = s.txnOpts.Isolation
		}
		return rowsCursor([]types.Row{{types.DString(isolationName(iso))}}, func(int64) string { return "SHOW" }), nil
	case "transaction_read_only":
		ro := s.defaultTxnOptions().ReadOnly
		if s.txn != nil {
			ro = s.txn.Options().ReadOnly
		}
		return rowsCursor([]types.Row{{types.DString(boolSetting(ro))}}, func(int64) string { return "SHOW" }), nil
	case "time zone":
		name = "timezone"
	}
	v, ok := s.settings.get(name)
	if !ok {
		return nil, pgerr.New(pgerr.UndefinedObject, "unrecognized configuration parameter \"%s\"", name)
	}
	return rowsCursor([]types.Row{{types.DString(v)}}, func(int64) string { return "SHOW" }), nil
}

func beginTag(ts *pg_query.TransactionStmt) string {
	if ts.Kind == pg_query.TransactionStmtKind_TRANS_STMT_START {
		return "START TRANSACTION"
	}
	return "BEGIN"
}

// BeginImplicitBlock marks the start of a multi-statement simple-protocol
// query string. Until EndImplicitBlock, statements outside BEGIN share one
// implicit transaction, so the string is all or nothing as in PostgreSQL.
func (s *Session) BeginImplicitBlock() { s.inBlock = true }

// EndImplicitBlock ends a multi-statement string: ok commits the implicit
// transaction (returning its commit error), !ok rolls it back. An
// explicit transaction the string opened stays open.
func (s *Session) EndImplicitBlock(ok bool) error {
	s.inBlock = false
	if s.explicit || s.txn == nil {
		return nil
	}
	if s.openCursor != nil {
		s.openCursor.Close()
		s.openCursor = nil
	}
	return s.endTxn(ok)
}
