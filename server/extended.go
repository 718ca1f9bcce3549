package server

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/conflux-db/conflux/sql"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

func stmtNotFound(name string) error {
	if name == "" {
		return pgerr.New(pgerr.InvalidSQLStatementName, "unnamed prepared statement does not exist")
	}
	return pgerr.New(pgerr.InvalidSQLStatementName, "prepared statement %q does not exist", name)
}

func portalNotFound(name string) error {
	if name == "" {
		return pgerr.New(pgerr.InvalidCursorName, "unnamed portal does not exist")
	}
	return pgerr.New(pgerr.InvalidCursorName, "portal %q does not exist", name)
}

// inStatement runs f under a cancellable statement context.
func (c *conn) inStatement(f func(ctx context.Context) error) error {
	ctx := c.stmtContext()
	defer c.setRunning(false)
	return f(ctx)
}

func (c *conn) parse(m *pgproto3.Parse) error {
	if m.Name != "" {
		if _, dup := c.stmts[m.Name]; dup {
			return pgerr.New(pgerr.DuplicatePreparedStatement, "prepared statement %q already exists", m.Name)
		}
	}
	stmts, err := c.sess.Parse(m.Query)
	if err != nil {
		return err
	}
	var p *sql.Prepared
	switch len(stmts) {
	case 0:
		p = &sql.Prepared{SQL: m.Query, Kind: sql.KindEmpty}
	case 1:
		oids := slices.Clone(m.ParameterOIDs)
		err = c.inStatement(func(ctx context.Context) error {
			p, err = c.sess.Prepare(ctx, stmts[0], oids)
			return err
		})
		if err != nil {
			return err
		}
	default:
		return pgerr.New(pgerr.SyntaxError, "cannot insert multiple commands into a prepared statement")
	}
	c.stmts[m.Name] = &prepStmt{name: m.Name, p: p}
	c.send(&pgproto3.ParseComplete{}, 0)
	return nil
}

func (c *conn) bind(m *pgproto3.Bind) error {
	ps, ok := c.stmts[m.PreparedStatement]
	if !ok {
		return stmtNotFound(m.PreparedStatement)
	}
	p := ps.p
	if m.DestinationPortal != "" {
		if _, dup := c.portals[m.DestinationPortal]; dup {
			return pgerr.New(pgerr.DuplicateCursor, "portal %q already exists", m.DestinationPortal)
		}
	} else {
		c.closePortal("")
	}
	nparams := len(p.ParamTypes)
	if nf := len(m.ParameterFormatCodes); nf > 1 && nf != len(m.Parameters) {
		return pgerr.New(pgerr.ProtocolViolation, "bind message has %d parameter formats but %d parameters", nf, len(m.Parameters))
	}
	if len(m.Parameters) != nparams {
		return pgerr.New(pgerr.ProtocolViolation, "bind message supplies %d parameters, but prepared statement %q requires %d",
			len(m.Parameters), ps.name, nparams)
	}
	params := make([]types.Datum, nparams)
	for i, b := range m.Parameters {
		if b == nil {
			params[i] = types.DNull
			continue
		}
		f := formatOf(m.ParameterFormatCodes, i)
		if f != 0 && f != 1 {
			return pgerr.New(pgerr.ProtocolViolation, "unsupported format code: %d", f)
		}
		t := p.ParamTypes[i]
		if t == nil {
			t = types.Unknown
		}
		d, err := c.sess.DecodeParam(b, f, t)
		if err != nil {
			return paramError(err, i, f)
		}
		params[i] = d
	}
	ncols := len(p.Columns)
	if nf := len(m.ResultFormatCodes); nf > 1 && nf != ncols {
		return pgerr.New(pgerr.ProtocolViolation, "bind message has %d result formats but query has %d columns", nf, ncols)
	}
	for _, f := range m.ResultFormatCodes {
		if f != 0 && f != 1 {
			return pgerr.New(pgerr.InvalidParameterValue, "unsupported format code: %d", f)
		}
	}
	c.portals[m.DestinationPortal] = &portal{
		name:    m.DestinationPortal,
		stmt:    p,
		params:  params,
		formats: slices.Clone(m.ResultFormatCodes),
	}
	c.send(&pgproto3.BindComplete{}, 0)
	return nil
}

// paramError gives a codec failure PostgreSQL's shape: SQLSTATE errors
// pass through, anything else becomes 22P02/22P03 naming the parameter.
func paramError(err error, i int, format int16) error {
	if pe, ok := err.(*pgerr.Error); ok {
		return pe
	}
	if format == 1 {
		return pgerr.New(pgerr.InvalidBinaryRepresentation, "incorrect binary data format in bind parameter %d", i+1)
	}
	return pgerr.New(pgerr.InvalidTextRepresentation, "invalid input for bind parameter %d: %v", i+1, err)
}

func (c *conn) describe(m *pgproto3.Describe) error {
	switch m.ObjectType {
	case 'S':
		ps, ok := c.stmts[m.Name]
		if !ok {
			return stmtNotFound(m.Name)
		}
		oids := make([]uint32, len(ps.p.ParamTypes))
		for i, t := range ps.p.ParamTypes {
			if t != nil {
				oids[i] = t.Oid
			}
		}
		c.send(&pgproto3.ParameterDescription{ParameterOIDs: oids}, 2+4*len(oids))
		c.describeResult(ps.p, nil)
	case 'P':
		pt, ok := c.portals[m.Name]
		if !ok {
			return portalNotFound(m.Name)
		}
		c.describeResult(pt.stmt, pt.formats)
	default:
		return pgerr.New(pgerr.ProtocolViolation, "invalid DESCRIBE message subtype %d", m.ObjectType)
	}
	return nil
}

func (c *conn) describeResult(p *sql.Prepared, formats []int16) {
	if p.Kind == sql.KindRows {
		c.sendRowDescription(p.Columns, formats)
	} else {
		c.send(&pgproto3.NoData{}, 0)
	}
}

func (c *conn) execute(m *pgproto3.Execute) error {
	pt, ok := c.portals[m.Portal]
	if !ok {
		return portalNotFound(m.Portal)
	}
	ctx := c.stmtContext()
	defer c.setRunning(false)
	maxRows := int(int32(m.MaxRows))
	return c.runPortal(ctx, pt, max(maxRows, 0))
}

func (c *conn) closeMsg(m *pgproto3.Close) error {
	switch m.ObjectType {
	case 'S':
		delete(c.stmts, m.Name)
	case 'P':
		c.closePortal(m.Name)
	default:
		return pgerr.New(pgerr.ProtocolViolation, "invalid CLOSE message subtype %d", m.ObjectType)
	}
	c.send(&pgproto3.CloseComplete{}, 0)
	return nil
}
