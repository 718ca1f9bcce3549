package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/conflux-db/conflux/sql"
	"github.com/conflux-db/conflux/sql/pgerr"
)

// flushThreshold is how much output may be buffered before it is written
// out even though the client has not asked for it yet.
const flushThreshold = 64 << 10

// conn is one client connection. Everything but the fields under mu is
// owned by the connection's goroutine.
type conn struct {
	srv  *Server
	nc   net.Conn
	be   *pgproto3.Backend
	log  *slog.Logger
	ctx  context.Context // cancelled on server shutdown
	sess BackendSession
	user string
	// tls is the connection's TLS state once upgraded (nil in plain text);
	// nc stays the raw socket, used for deadlines.
	tls *tls.ConnectionState

	pid    uint32
	secret []byte

	stmts   map[string]*prepStmt
	portals map[string]*portal
	// ignoreTillSync is set after an error in extended-query mode: every
	// message up to the next Sync is discarded.
	ignoreTillSync bool
	// unflushed counts bytes sent since the last flush; writeErr is the
	// first write failure (the connection is then dead).
	unflushed int
	writeErr  error
	// fatalErr, once set, ends the connection after the current message
	// (a protocol violation found in the middle of COPY, for instance).
	fatalErr error

	// stmtCtx is the context statements run under. It is shared by every
	// statement of the connection and replaced only once cancelled (by a
	// CancelRequest or shutdown): a context per statement cost an
	// allocation and a registration with the parent on every query.
	stmtCtx    context.Context
	stmtCancel context.CancelFunc

	// Reused reply messages and the DataRow encoder: Backend.Send encodes
	// a message into its buffer at once, so one value per kind suffices
	// and the hot path sends a reply without allocating.
	enc      rowEncoder
	complete pgproto3.CommandComplete
	ready    pgproto3.ReadyForQuery

	// readySent is set when ReadyForQuery was the last message sent: the
	// connection is idle until the next message arrives.
	readySent bool

	mu      sync.Mutex
	running bool // a statement is running under stmtCtx (guarded by mu)
}

// fatalError ends the connection after being sent as a FATAL ErrorResponse.
type fatalError struct{ err *pgerr.Error }

func (f *fatalError) Error() string { return f.err.Message }

func fatal(code, format string, args ...any) error {
	e := pgerr.New(code, format, args...)
	e.Severity = "FATAL"
	return &fatalError{e}
}

// errClosed ends the connection silently (client went away, Terminate).
var errClosed = errors.New("connection closed")

func (s *Server) serveConn(ctx context.Context, nc net.Conn) {
	// Statement contexts derive from a per-connection context, so that
	// creating one does not contend on the server-wide context's lock.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c := &conn{
		srv:     s,
		nc:      nc,
		be:      pgproto3.NewBackend(nc, nc),
		log:     s.log.With("remote", nc.RemoteAddr().String()),
		ctx:     ctx,
		stmts:   make(map[string]*prepStmt),
		portals: make(map[string]*portal),
	}
	c.be.SetMaxBodyLen(s.cfg.MaxMessageSize)
	s.track(c)
	defer s.untrack(c)
	defer func() {
		if r := recover(); r != nil {
			s.panics.Add(1)
			c.log.Error("panic in connection", "panic", r, "stack", string(debug.Stack()))
		}
		c.closeAll()
		c.releaseStmtContext()
		if c.pid != 0 {
			s.unregister(c)
		}
		if c.sess != nil {
			c.closeSession()
		}
		_ = nc.Close()
	}()
	err := c.run()
	switch {
	case err == nil || errors.Is(err, errClosed):
	default:
		var fe *fatalError
		if errors.As(err, &fe) {
			c.log.Debug("closing connection", "error", fe.err.Message, "code", fe.err.Code)
			c.sendError(fe.err)
			_ = c.flush()
		} else if !isNetClosed(err) {
			c.log.Debug("connection ended", "error", err)
		}
	}
}

// closeSession closes the session, surviving a panicking Close.
func (c *conn) closeSession() {
	defer func() {
		if r := recover(); r != nil {
			c.srv.panics.Add(1)
			c.log.Error("panic closing session", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	c.sess.Close()
}

func isNetClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

func (c *conn) run() error {
	_ = c.nc.SetDeadline(time.Now().Add(c.srv.cfg.StartupTimeout))
	if c.ctx.Err() != nil {
		// Shutdown's wake-up may have come before the deadline above replaced it.
		return c.shutdownErr()
	}
	ok, err := c.startup()
	if err != nil || !ok {
		return err
	}
	_ = c.nc.SetDeadline(time.Time{})
	if c.ctx.Err() != nil {
		return c.shutdownErr()
	}
	for {
		if c.writeErr != nil {
			return c.writeErr
		}
		idle := c.armIdleTimeout()
		msg, err := c.be.Receive()
		if idle {
			c.setReadDeadline(time.Time{})
		}
		if err != nil {
			if idle && c.ctx.Err() == nil && isTimeout(err) {
				return fatal(pgerr.IdleInTransactionSessionTimeout, "terminating connection due to idle-in-transaction timeout")
			}
			return c.receiveErr(err)
		}
		c.readySent = false
		if err := c.handle(msg); err != nil {
			return err
		}
		if c.fatalErr != nil {
			return c.fatalErr
		}
	}
}

// armIdleTimeout applies idle_in_transaction_session_timeout: when the
// last thing sent was ReadyForQuery inside a transaction (status T or E),
// the wait for the next message is bounded by a read deadline. PostgreSQL
// measures the same interval (from ReadyForQuery to the next message), and
// ending the connection rolls the transaction back, releasing its locks.
// It reports whether a deadline was set.
func (c *conn) armIdleTimeout() bool {
	if !c.readySent {
		return false
	}
	if st := c.sess.TxnStatus(); st != 'T' && st != 'E' {
		return false
	}
	v := c.sess.Setting("idle_in_transaction_session_timeout")
	if v == "" || v == "0" {
		return false
	}
	ms, err := strconv.ParseInt(v, 10, 64) // the session stores milliseconds
	if err != nil || ms <= 0 {
		return false
	}
	c.setReadDeadline(time.Now().Add(time.Duration(ms) * time.Millisecond))
	return true
}

// setReadDeadline sets the read deadline without undoing shutdown's
// wake-up (a past deadline), which may have been set concurrently.
func (c *conn) setReadDeadline(t time.Time) {
	_ = c.nc.SetReadDeadline(t)
	if c.ctx.Err() != nil {
		_ = c.nc.SetReadDeadline(time.Unix(1, 0))
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// receiveErr classifies a failed Receive.
func (c *conn) receiveErr(err error) error {
	// The wake-up deadline can fire before cancellation has reached this
	// connection's context (contexts cancel their children in no set
	// order), so the server's closing flag counts too.
	if c.ctx.Err() != nil || (isTimeout(err) && c.srv.isClosing()) {
		return c.shutdownErr()
	}
	if isNetClosed(err) {
		return errClosed
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return err
	}
	var big *pgproto3.ExceededMaxBodyLenErr
	if errors.As(err, &big) {
		return fatal(pgerr.ProtocolViolation, "invalid message length")
	}
	return fatal(pgerr.ProtocolViolation, "invalid frontend message: %v", err)
}

func (c *conn) shutdownErr() error {
	return fatal(pgerr.AdminShutdown, "terminating connection due to administrator command")
}

// handle processes one message, turning a panic into an XX000 error for
// that message so the connection (and the server) go on.
func (c *conn) handle(msg pgproto3.FrontendMessage) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.srv.panics.Add(1)
			c.log.Error("panic while handling message", "message", fmt.Sprintf("%T", msg),
				"panic", r, "stack", string(debug.Stack()))
			c.setRunning(false)
			c.sendError(pgerr.New(pgerr.InternalError, "internal error: %v", r))
			switch msg.(type) {
			case *pgproto3.Query, *pgproto3.Sync:
				c.sendReady()
			default:
				c.ignoreTillSync = true
			}
			err = nil
		}
	}()
	if c.ignoreTillSync {
		switch msg.(type) {
		case *pgproto3.Sync:
		case *pgproto3.Terminate:
			return errClosed
		default:
			return nil
		}
	}
	switch m := msg.(type) {
	case *pgproto3.Query:
		c.simpleQuery(m.String)
	case *pgproto3.Parse:
		c.extended(c.protect(func() error { return c.parse(m) }))
	case *pgproto3.Bind:
		c.extended(c.protect(func() error { return c.bind(m) }))
	case *pgproto3.Describe:
		c.extended(c.protect(func() error { return c.describe(m) }))
	case *pgproto3.Execute:
		c.extended(c.protect(func() error { return c.execute(m) }))
	case *pgproto3.Close:
		c.extended(c.protect(func() error { return c.closeMsg(m) }))
	case *pgproto3.Sync:
		c.sync()
	case *pgproto3.Flush:
		return c.flush()
	case *pgproto3.Terminate:
		return errClosed
	case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
		// Left over from a COPY that already failed: PostgreSQL drops them.
	case *pgproto3.FunctionCall:
		c.sendError(pgerr.Unsupported("the function call protocol"))
		c.sendReady()
	default:
		return fatal(pgerr.ProtocolViolation, "invalid frontend message type %q", messageType(msg))
	}
	return nil
}

func messageType(msg pgproto3.FrontendMessage) byte {
	b, err := msg.Encode(nil)
	if err != nil || len(b) == 0 {
		return '?'
	}
	return b[0]
}

// protect runs f, turning a panic into an XX000 error (logged with its
// stack) so that one bad statement does not take the connection down.
func (c *conn) protect(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.srv.panics.Add(1)
			c.log.Error("panic while running statement", "panic", r, "stack", string(debug.Stack()))
			err = pgerr.New(pgerr.InternalError, "internal error: %v", r)
		}
	}()
	return f()
}

// extended finishes an extended-protocol message: on error, report it and
// discard everything up to Sync.
func (c *conn) extended(err error) {
	if err != nil && c.fatalErr == nil {
		c.sendError(toPgError(err))
		c.ignoreTillSync = true
	}
}

func (c *conn) sync() {
	c.ignoreTillSync = false
	// Portals do not outlive their transaction.
	if c.sess.TxnStatus() == 'I' {
		c.closePortals()
	}
	c.sendReady()
}

// send buffers msg, flushing when enough output has accumulated.
func (c *conn) send(msg pgproto3.BackendMessage, size int) {
	if c.writeErr != nil {
		return
	}
	c.be.Send(msg)
	c.unflushed += size + 5
	if c.unflushed >= flushThreshold {
		_ = c.flush()
	}
}

func (c *conn) flush() error {
	if c.writeErr != nil {
		return c.writeErr
	}
	c.unflushed = 0
	if err := c.be.Flush(); err != nil {
		c.writeErr = err
		return err
	}
	return nil
}

func (c *conn) sendReady() {
	c.sendNotices()
	c.sendChangedParams()
	c.ready.TxStatus = c.sess.TxnStatus()
	c.send(&c.ready, 1)
	_ = c.flush()
	c.readySent = true
}

// sendError sends an ErrorResponse for e.
func (c *conn) sendError(e *pgerr.Error) {
	c.sendNotices()
	sev := e.Severity
	if sev == "" {
		sev = "ERROR"
	}
	c.send(&pgproto3.ErrorResponse{
		Severity:            sev,
		SeverityUnlocalized: sev,
		Code:                e.Code,
		Message:             e.Message,
		Detail:              e.Detail,
		Hint:                e.Hint,
		Position:            e.Position,
		TableName:           e.Table,
		ColumnName:          e.Column,
		ConstraintName:      e.Constraint,
	}, len(e.Message)+len(e.Detail)+len(e.Hint)+32)
}

// sendNotices reports the notices the session raised; they go out before
// the CommandComplete or ErrorResponse of the statement that raised them.
func (c *conn) sendNotices() {
	if c.sess == nil {
		return
	}
	for _, n := range c.sess.TakeNotices() {
		c.sendNotice(n)
	}
}

// sendNotice sends one NoticeResponse.
func (c *conn) sendNotice(n sql.Notice) {
	sev := n.Severity
	if sev == "" {
		sev = "NOTICE"
	}
	code := n.Code
	if code == "" {
		code = pgerr.SuccessfulCompletion
	}
	c.send(&pgproto3.NoticeResponse{Severity: sev, SeverityUnlocalized: sev, Code: code, Message: n.Message}, len(n.Message)+16)
}

// sendChangedParams reports changed settings; like PostgreSQL 16 this
// happens just before ReadyForQuery.
func (c *conn) sendChangedParams() {
	changed := c.sess.ChangedParams()
	if len(changed) == 0 {
		return
	}
	names := make([]string, 0, len(changed))
	for k := range changed {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		c.send(&pgproto3.ParameterStatus{Name: k, Value: changed[k]}, len(k)+len(changed[k])+2)
	}
}

// toPgError converts any error into what the client sees.
func toPgError(err error) *pgerr.Error {
	var pe *pgerr.Error
	switch {
	case errors.As(err, &pe):
		return pe
	case errors.Is(err, context.Canceled):
		return pgerr.New(pgerr.QueryCanceled, "canceling statement due to user request")
	case errors.Is(err, context.DeadlineExceeded):
		return pgerr.New(pgerr.QueryCanceled, "canceling statement due to statement timeout")
	}
	return pgerr.New(pgerr.InternalError, "%s", err.Error())
}

// stmtContext returns the context for running a statement, registered so
// that a CancelRequest can cancel it. The caller must call
// setRunning(false) when the statement stops running.
func (c *conn) stmtContext() context.Context {
	if c.stmtCtx == nil || c.stmtCtx.Err() != nil {
		// Only this goroutine replaces it; cancelRunning reads stmtCancel
		// under mu, and only while running, which it is not now.
		ctx, cancel := context.WithCancel(c.ctx)
		c.mu.Lock()
		c.stmtCtx, c.stmtCancel = ctx, cancel
		c.mu.Unlock()
	}
	c.setRunning(true)
	return c.stmtCtx
}

func (c *conn) setRunning(running bool) {
	c.mu.Lock()
	c.running = running
	c.mu.Unlock()
}

// cancelRunning is called from another goroutine by a CancelRequest. It
// cancels under mu, so a request that arrives as a statement ends cannot
// hit the next one: that one finds the context cancelled and replaces it.
func (c *conn) cancelRunning() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running && c.stmtCancel != nil {
		c.log.Info("canceling statement on request", "pid", c.pid)
		c.stmtCancel()
	}
}

// releaseStmtContext frees the statement context when the connection ends.
func (c *conn) releaseStmtContext() {
	c.mu.Lock()
	cancel := c.stmtCancel
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// closeAll releases every portal (on connection end).
func (c *conn) closeAll() {
	defer func() {
		if r := recover(); r != nil {
			c.srv.panics.Add(1)
			c.log.Error("panic closing portals", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	c.closePortals()
}
