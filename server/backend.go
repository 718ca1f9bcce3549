package server

import (
	"context"
	"io"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql"
	"github.com/conflux-db/conflux/sql/types"
)

// Backend is what the server needs from the database: authentication data
// and sessions. FromEngine adapts *sql.Engine; tests use a fake.
type Backend interface {
	// LookupRole returns the role with the given name, or nil.
	LookupRole(ctx context.Context, name string) (*catalog.Role, error)
	// NewSession starts a session for one authenticated connection.
	NewSession(ctx context.Context, p sql.SessionParams) (BackendSession, error)
}

// BackendSession is one connection's SQL session. It mirrors *sql.Session
// (see sql/api.go for the meaning of each method) plus the wire codec.
// The server calls it from a single goroutine.
type BackendSession interface {
	Parse(query string) ([]sql.Statement, error)
	Prepare(ctx context.Context, stmt sql.Statement, paramOIDs []uint32) (*sql.Prepared, error)
	Execute(ctx context.Context, p *sql.Prepared, params []types.Datum) (BackendCursor, error)
	CopyIn(ctx context.Context, p *sql.Prepared, params []types.Datum, r io.Reader) (tag string, err error)
	CopyOut(ctx context.Context, p *sql.Prepared, params []types.Datum, w io.Writer) (tag string, err error)
	CopyFormatOf(p *sql.Prepared) sql.CopyFormat
	TxnStatus() byte
	Setting(name string) string
	ChangedParams() map[string]string
	TakeNotices() []sql.Notice
	Close()

	// DecodeParam turns a Bind parameter (never NULL: the server handles
	// NULL) in the given format (0 text, 1 binary) into a datum of type t.
	DecodeParam(b []byte, format int16, t *types.T) (types.Datum, error)
	// EncodeValue appends a non-NULL datum of type t in the given format
	// to buf, following the session's output settings for text.
	EncodeValue(buf []byte, d types.Datum, t *types.T, format int16) ([]byte, error)
}

// BackendCursor is an open result; see sql.Cursor.
type BackendCursor interface {
	Next(ctx context.Context) (row types.Row, ok bool, err error)
	Tag() string
	Close()
}

// noticeSinkSession is implemented by sessions that can deliver NOTICEs
// while a statement runs (sql.Session.SetNoticeSink); the server installs
// a sink that sends and flushes each one.
type noticeSinkSession interface {
	SetNoticeSink(fn func(sql.Notice))
}
