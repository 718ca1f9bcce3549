package sql

// This file fixes the contract between the wire server and the SQL layer.

import (
	"context"
	"io"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/types"
)

// Config configures an Engine.
type Config struct {
	// DataDir holds the Pebble store; created if missing.
	DataDir string
	// InMemory runs on an in-memory filesystem (tests); DataDir is ignored.
	InMemory bool
}

// Engine is one open database: storage, catalog, and the shared state
// sessions use. It is safe for concurrent use.
type Engine struct{}

// Open opens (or creates) the database in cfg.DataDir.
func Open(ctx context.Context, cfg Config) (*Engine, error) { panic("unimplemented") }

// Close flushes and closes the store.
func (e *Engine) Close() error { panic("unimplemented") }

// LookupRole returns the role with the given name, or nil (authentication).
func (e *Engine) LookupRole(ctx context.Context, name string) (*catalog.Role, error) {
	panic("unimplemented")
}

// SessionParams are the startup parameters a client sent.
type SessionParams struct {
	User     string
	Database string
	// Options holds every other startup parameter (application_name,
	// client_encoding, DateStyle, TimeZone, options, ...).
	Options map[string]string
}

// NewSession starts a session (one per client connection).
func (e *Engine) NewSession(ctx context.Context, p SessionParams) (*Session, error) {
	panic("unimplemented")
}

// Session holds one connection's state: settings, the open transaction,
// prepared statements are kept by the server (it owns the names).
type Session struct{}

// Column describes one result column (RowDescription).
type Column struct {
	Name         string
	Type         *types.T
	TableOID     uint32 // 0 when not a plain table column
	ColumnNumber int16  // attnum in that table, 0 otherwise
}

// StatementKind says how the server must drive a prepared statement.
type StatementKind int

const (
	// KindRows returns rows (SELECT, VALUES, SHOW, EXPLAIN, DML ... RETURNING).
	KindRows StatementKind = iota
	// KindCommand returns only a command tag (DDL, DML without RETURNING, SET, BEGIN...).
	KindCommand
	// KindCopyIn is COPY ... FROM STDIN: the server runs the CopyIn sub-protocol.
	KindCopyIn
	// KindCopyOut is COPY ... TO STDOUT.
	KindCopyOut
	// KindEmpty is an empty query string.
	KindEmpty
)

// Prepared is a parsed and analyzed statement, reusable with different
// parameters (extended protocol) and holding its cached plan.
type Prepared struct {
	SQL        string
	Kind       StatementKind
	ParamTypes []*types.T
	// Columns is the row shape for KindRows (nil otherwise).
	Columns []Column
}

// Parse splits a simple-protocol query string into statements. A syntax
// error anywhere fails the whole string, as in PostgreSQL.
func (s *Session) Parse(query string) ([]Statement, error) { panic("unimplemented") }

// Statement is one parsed statement of a query string.
type Statement struct {
	SQL string // the statement's own text
}

// Prepare analyzes one statement. paramTypes holds the OIDs the client
// declared (0 = infer); the result's ParamTypes has one entry per $n.
func (s *Session) Prepare(ctx context.Context, stmt Statement, paramOIDs []uint32) (*Prepared, error) {
	panic("unimplemented")
}

// Execute starts running a prepared statement with bound parameters. For
// KindRows the Cursor yields the rows; for other kinds the statement has
// finished when Execute returns and the Cursor only carries the tag.
func (s *Session) Execute(ctx context.Context, p *Prepared, params []types.Datum) (*Cursor, error) {
	panic("unimplemented")
}

// Cursor is an open result (a portal's state). Next returns rows until
// done; Tag is the command tag once Next returned false.
type Cursor struct{}

// Next returns the next row, or ok=false when the result is exhausted.
func (c *Cursor) Next(ctx context.Context) (row types.Row, ok bool, err error) {
	panic("unimplemented")
}

// Tag returns the command tag ("SELECT 3", "INSERT 0 1", "CREATE TABLE").
func (c *Cursor) Tag() string { panic("unimplemented") }

// Close releases the cursor (a suspended portal being closed early).
func (c *Cursor) Close() { panic("unimplemented") }

// CopyFormat describes the COPY data stream.
type CopyFormat struct {
	Binary  bool
	Columns int
}

// CopyIn runs COPY ... FROM STDIN, reading the client's data (the
// concatenated CopyData payloads) from r until EOF. Returns the tag.
func (s *Session) CopyIn(ctx context.Context, p *Prepared, params []types.Datum, r io.Reader) (tag string, err error) {
	panic("unimplemented")
}

// CopyOut runs COPY ... TO STDOUT, writing the data stream to w.
func (s *Session) CopyOut(ctx context.Context, p *Prepared, params []types.Datum, w io.Writer) (tag string, err error) {
	panic("unimplemented")
}

// CopyFormatOf returns the stream format of a COPY statement
// (for CopyInResponse / CopyOutResponse).
func (s *Session) CopyFormatOf(p *Prepared) CopyFormat { panic("unimplemented") }

// TxnStatus is the ReadyForQuery status: 'I' idle, 'T' in a transaction,
// 'E' in a failed transaction.
func (s *Session) TxnStatus() byte { panic("unimplemented") }

// Setting returns a session setting's current value (for ParameterStatus).
func (s *Session) Setting(name string) string { panic("unimplemented") }

// ChangedParams returns the reportable settings (PostgreSQL's GUC_REPORT
// ones: application_name, client_encoding, DateStyle, IntervalStyle,
// TimeZone, ...) changed since the last call, for ParameterStatus messages.
func (s *Session) ChangedParams() map[string]string { panic("unimplemented") }

// TakeNotices returns NOTICE/WARNING messages raised since the last call.
func (s *Session) TakeNotices() []Notice { panic("unimplemented") }

// Notice is a NoticeResponse.
type Notice struct {
	Severity string // NOTICE, WARNING, INFO
	Code     string
	Message  string
}

// Close ends the session, rolling back any open transaction.
func (s *Session) Close() { panic("unimplemented") }
