package server

import (
	"context"
	"io"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql"
	"github.com/conflux-db/conflux/sql/types"
)

// FromEngine adapts the SQL engine to the Backend interface.
func FromEngine(e *sql.Engine) Backend { return engineBackend{e} }

type engineBackend struct{ e *sql.Engine }

func (b engineBackend) LookupRole(ctx context.Context, name string) (*catalog.Role, error) {
	return b.e.LookupRole(ctx, name)
}

func (b engineBackend) NewSession(ctx context.Context, p sql.SessionParams) (BackendSession, error) {
	s, err := b.e.NewSession(ctx, p)
	if err != nil {
		return nil, err
	}
	return &engineSession{Session: s}, nil
}

// engineSession is a *sql.Session plus the wire codec (sql/types). Text
// I/O goes through the session (AppendText, ParseText), which follows its
// TimeZone, DateStyle and IntervalStyle settings itself.
type engineSession struct {
	*sql.Session
}

func (s *engineSession) Prepare(ctx context.Context, stmt sql.Statement, paramOIDs []uint32) (*sql.Prepared, error) {
	return s.Session.Prepare(ctx, stmt, paramOIDs)
}

func (s *engineSession) Execute(ctx context.Context, p *sql.Prepared, params []types.Datum) (BackendCursor, error) {
	cur, err := s.Session.Execute(ctx, p, params)
	if err != nil {
		return nil, err
	}
	return cur, nil
}

func (s *engineSession) CopyIn(ctx context.Context, p *sql.Prepared, params []types.Datum, r io.Reader) (string, error) {
	return s.Session.CopyIn(ctx, p, params, r)
}

func (s *engineSession) CopyOut(ctx context.Context, p *sql.Prepared, params []types.Datum, w io.Writer) (string, error) {
	return s.Session.CopyOut(ctx, p, params, w)
}

func (s *engineSession) DecodeParam(b []byte, format int16, t *types.T) (types.Datum, error) {
	if format == 1 {
		return types.DecodeBinary(b, t)
	}
	return s.Session.ParseText(string(b), t)
}

func (s *engineSession) EncodeValue(buf []byte, d types.Datum, t *types.T, format int16) ([]byte, error) {
	if format == 1 {
		return types.AppendBinary(buf, d, t)
	}
	return s.Session.AppendText(buf, d, t), nil
}
