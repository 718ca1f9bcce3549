package server

import (
	"context"
	"io"
	"time"

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
	es := &engineSession{Session: s}
	es.refresh()
	return es, nil
}

// engineSession is a *sql.Session plus the wire codec (sql/types), whose
// text I/O follows the session's TimeZone, DateStyle and IntervalStyle.
type engineSession struct {
	*sql.Session
	tctx types.Context
	tz   string // TimeZone setting tctx.Location was built from
}

// refresh re-reads the settings type I/O depends on. Settings only change
// by running statements, so it is called before each statement runs.
func (s *engineSession) refresh() {
	s.tctx.DateStyle = s.Setting("DateStyle")
	s.tctx.IntervalStyle = s.Setting("IntervalStyle")
	if tz := s.Setting("TimeZone"); tz != s.tz || s.tctx.Location == nil {
		s.tz = tz
		loc, err := time.LoadLocation(tz)
		if err != nil || tz == "" {
			loc = time.UTC
		}
		s.tctx.Location = loc
	}
}

func (s *engineSession) Prepare(ctx context.Context, stmt sql.Statement, paramOIDs []uint32) (*sql.Prepared, error) {
	s.refresh()
	return s.Session.Prepare(ctx, stmt, paramOIDs)
}

func (s *engineSession) Execute(ctx context.Context, p *sql.Prepared, params []types.Datum) (BackendCursor, error) {
	s.refresh()
	cur, err := s.Session.Execute(ctx, p, params)
	if err != nil {
		return nil, err
	}
	return cur, nil
}

func (s *engineSession) CopyIn(ctx context.Context, p *sql.Prepared, params []types.Datum, r io.Reader) (string, error) {
	s.refresh()
	return s.Session.CopyIn(ctx, p, params, r)
}

func (s *engineSession) CopyOut(ctx context.Context, p *sql.Prepared, params []types.Datum, w io.Writer) (string, error) {
	s.refresh()
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
