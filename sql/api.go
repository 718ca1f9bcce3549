package sql

// This file fixes the contract between the wire server and the SQL layer.
// The implementations live in engine.go, session.go, execute.go and copy.go.

import (
	"log/slog"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/lake"
	"github.com/conflux-db/conflux/sql/types"
)

// Config configures an Engine.
type Config struct {
	// DataDir holds the Pebble store; created if missing.
	DataDir string
	// InMemory runs on an in-memory filesystem (tests); DataDir is ignored.
	InMemory bool
	// Logger receives the engine's logs (slog.Default when nil).
	Logger *slog.Logger
	// LakeURL is where lake tables keep their Parquet files: a local
	// directory (a path or file:// URL) or s3://bucket/prefix?... Empty
	// means <DataDir>/lake, or memory when InMemory.
	LakeURL string
	// Lake tunes lake tables (retention, flush thresholds, file sizes).
	Lake lake.Options
}

// Engine is one open database: storage, catalog, and the shared state
// sessions use. It is safe for concurrent use.
type Engine struct{ engineState }

// SessionParams are the startup parameters a client sent.
type SessionParams struct {
	User     string
	Database string
	// Options holds every other startup parameter (application_name,
	// client_encoding, DateStyle, TimeZone, options, ...).
	Options map[string]string
}

// Session holds one connection's state: settings and the open
// transaction. Prepared statements and portals are kept by the server
// (it owns their names). A Session is used by one goroutine at a time.
type Session struct{ sessionState }

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

	prepState
}

// Statement is one parsed statement of a query string.
type Statement struct {
	SQL string // the statement's own text
	ast *pg_query.Node
}

// Cursor is an open result (a portal's state). Next returns rows until
// done; Tag is the command tag once Next returned false.
type Cursor struct{ cursorState }

// CopyFormat describes the COPY data stream.
type CopyFormat struct {
	Binary  bool
	Columns int
}

// Notice is a NoticeResponse.
type Notice struct {
	Severity string // NOTICE, WARNING, INFO
	Code     string
	Message  string
}
