package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/conflux-db/conflux/sql"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// prepStmt is a prepared statement known to the connection by name.
type prepStmt struct {
	name string
	p    *sql.Prepared
}

// portal is a bound statement: parameters, result formats and, once it has
// started running, the open cursor (kept across Execute messages for
// max-rows suspension). Every Execute runs under the connection's
// statement context.
type portal struct {
	name    string
	stmt    *sql.Prepared
	params  []types.Datum
	formats []int16 // result format per column (nil: all text)

	cursor  BackendCursor
	limited bool   // an Execute stopped at max rows
	state   string // "", "done", "failed"
}

// release closes the cursor.
func (pt *portal) release() {
	if pt.cursor != nil {
		cur := pt.cursor
		pt.cursor = nil
		cur.Close()
	}
}

func (c *conn) closePortals() {
	for name, pt := range c.portals {
		delete(c.portals, name)
		pt.release()
	}
}

func (c *conn) closePortal(name string) {
	if pt, ok := c.portals[name]; ok {
		delete(c.portals, name)
		pt.release()
	}
}

// simpleQuery runs a Query message: every statement in turn, stopping at
// the first error, then ReadyForQuery.
func (c *conn) simpleQuery(q string) {
	// A simple query reuses (and so destroys) the unnamed statement and portal.
	delete(c.stmts, "")
	c.closePortal("")
	var stmts []sql.Statement
	err := c.protect(func() (err error) {
		stmts, err = c.sess.Parse(q)
		return err
	})
	if err == nil && len(stmts) == 0 {
		c.send(&pgproto3.EmptyQueryResponse{}, 0)
	}
	// A string of several statements runs as one implicit transaction.
	blocker, block := c.sess.(implicitBlocker)
	block = block && len(stmts) > 1
	if block {
		blocker.BeginImplicitBlock()
	}
	for _, st := range stmts {
		if err = c.protect(func() error { return c.runSimpleStatement(st) }); err != nil {
			break
		}
		if c.writeErr != nil {
			if block {
				blocker.EndImplicitBlock(false)
			}
			return
		}
	}
	if block {
		if endErr := c.protect(func() error { return blocker.EndImplicitBlock(err == nil) }); err == nil {
			err = endErr
		}
	}
	if c.fatalErr != nil {
		return // the connection ends with that error instead
	}
	if err != nil {
		c.sendError(toPgError(err))
	}
	if c.sess.TxnStatus() == 'I' {
		c.closePortals() // portals do not outlive their transaction
	}
	c.sendReady()
}

func (c *conn) runSimpleStatement(st sql.Statement) error {
	ctx := c.stmtContext()
	defer c.setRunning(false)
	p, err := c.sess.Prepare(ctx, st, nil)
	if err != nil {
		return err
	}
	if len(p.ParamTypes) > 0 {
		return pgerr.New(pgerr.UndefinedParameter, "there is no parameter $1")
	}
	pt := &portal{stmt: p}
	defer pt.release()
	if p.Kind == sql.KindRows {
		c.sendRowDescription(p.Columns, nil)
	}
	return c.runPortal(ctx, pt, 0)
}

// runPortal executes pt (or continues it) under ctx, sending at most
// maxRows rows (0: all), then CommandComplete or PortalSuspended.
func (c *conn) runPortal(ctx context.Context, pt *portal, maxRows int) (err error) {
	switch pt.state {
	case "failed":
		return pgerr.New(pgerr.ObjectNotInPrerequisiteState, "portal %q cannot be run", pt.name)
	case "done":
		if pt.stmt.Kind != sql.KindRows {
			return pgerr.New(pgerr.ObjectNotInPrerequisiteState, "portal %q cannot be run", pt.name)
		}
		c.sendComplete("SELECT 0")
		return nil
	}
	defer func() {
		if err != nil {
			pt.state = "failed"
			pt.release()
		}
	}()
	p := pt.stmt
	switch p.Kind {
	case sql.KindEmpty:
		c.send(&pgproto3.EmptyQueryResponse{}, 0)
	case sql.KindCommand:
		cur, err := c.sess.Execute(ctx, p, pt.params)
		if err != nil {
			return err
		}
		tag := cur.Tag()
		cur.Close()
		c.sendComplete(tag)
	case sql.KindCopyIn:
		tag, err := c.copyIn(ctx, pt)
		if err != nil {
			return err
		}
		c.sendComplete(tag)
	case sql.KindCopyOut:
		tag, err := c.copyOut(ctx, pt)
		if err != nil {
			return err
		}
		c.sendComplete(tag)
	case sql.KindRows:
		if pt.cursor == nil {
			cur, err := c.sess.Execute(ctx, p, pt.params)
			if err != nil {
				return err
			}
			pt.cursor = cur
		}
		enc := &c.enc
		enc.c, enc.cols, enc.formats = c, p.Columns, pt.formats
		if cap(enc.buf) > 64<<10 {
			enc.buf = nil // do not keep one huge row's buffer for good
		}
		for n := 0; maxRows <= 0 || n < maxRows; n++ {
			row, ok, err := pt.cursor.Next(ctx)
			if err != nil {
				return err
			}
			if !ok {
				tag := pt.cursor.Tag()
				if pt.limited && strings.HasPrefix(tag, "SELECT ") {
					// PostgreSQL counts only this Execute's rows.
					tag = fmt.Sprintf("SELECT %d", n)
				}
				pt.release()
				pt.state = "done"
				c.sendComplete(tag)
				return nil
			}
			if err := enc.send(row); err != nil {
				return err
			}
			if c.writeErr != nil {
				return c.writeErr
			}
		}
		pt.limited = true
		c.sendNotices()
		c.send(&pgproto3.PortalSuspended{}, 0)
		return nil
	default:
		return pgerr.New(pgerr.InternalError, "unknown statement kind %d", p.Kind)
	}
	pt.state = "done"
	return nil
}

func (c *conn) sendComplete(tag string) {
	c.sendNotices()
	c.complete.CommandTag = append(c.complete.CommandTag[:0], tag...)
	c.send(&c.complete, len(tag)+1)
}

// formatOf returns the format code for column i under PostgreSQL's rules
// (none: text; one: for all; otherwise one per column).
func formatOf(formats []int16, i int) int16 {
	switch len(formats) {
	case 0:
		return 0
	case 1:
		return formats[0]
	}
	return formats[i]
}

func (c *conn) sendRowDescription(cols []sql.Column, formats []int16) {
	fields := make([]pgproto3.FieldDescription, len(cols))
	size := 2
	for i, col := range cols {
		t := col.Type
		if t == nil {
			t = types.Unknown
		}
		fields[i] = pgproto3.FieldDescription{
			Name:                 []byte(col.Name),
			TableOID:             col.TableOID,
			TableAttributeNumber: uint16(col.ColumnNumber),
			DataTypeOID:          t.Oid,
			DataTypeSize:         typeSize(t),
			TypeModifier:         t.Typmod,
			Format:               formatOf(formats, i),
		}
		size += len(col.Name) + 19
	}
	c.send(&pgproto3.RowDescription{Fields: fields}, size)
}

// typeSize is pg_type.typlen: the fixed width, or -1 for varlena types
// (-2 for cstring, which never appears here).
func typeSize(t *types.T) int16 {
	switch t.Oid {
	case types.OidBool, types.OidChar:
		return 1
	case types.OidInt2:
		return 2
	case types.OidInt4, types.OidFloat4, types.OidOid, types.OidDate,
		types.OidRegclass, types.OidRegproc, types.OidRegtype:
		return 4
	case types.OidInt8, types.OidFloat8, types.OidTime, types.OidTimestamp, types.OidTimestampTZ:
		return 8
	case types.OidInterval, types.OidUUID:
		return 16
	case types.OidName:
		return 64
	case types.OidVoid:
		return 4
	}
	return -1
}

// rowEncoder turns rows into DataRow messages, reusing its buffers (one
// per connection, so they survive from one query to the next).
type rowEncoder struct {
	c       *conn
	cols    []sql.Column
	formats []int16
	buf     []byte
	offs    []int
	vals    [][]byte
	msg     pgproto3.DataRow
}

func (e *rowEncoder) send(row types.Row) error {
	if len(row) != len(e.cols) {
		return pgerr.New(pgerr.InternalError, "row has %d values but the result has %d columns", len(row), len(e.cols))
	}
	if e.buf == nil {
		e.buf = make([]byte, 0, 256) // non-nil, so empty values stay non-NULL
	}
	e.buf, e.offs = e.buf[:0], e.offs[:0]
	for i, d := range row {
		if d == nil || types.IsNull(d) {
			e.offs = append(e.offs, -1)
			continue
		}
		t := e.cols[i].Type
		if t == nil {
			t = types.Unknown
		}
		start := len(e.buf)
		var err error
		e.buf, err = e.c.sess.EncodeValue(e.buf, d, t, formatOf(e.formats, i))
		if err != nil {
			return err
		}
		e.offs = append(e.offs, start)
	}
	e.vals = e.vals[:0]
	for i, start := range e.offs {
		if start < 0 {
			e.vals = append(e.vals, nil)
			continue
		}
		end := len(e.buf)
		for _, next := range e.offs[i+1:] {
			if next >= 0 {
				end = next
				break
			}
		}
		// A non-NULL empty value must not be nil (nil means NULL).
		e.vals = append(e.vals, e.buf[start:end:end])
	}
	e.msg.Values = e.vals
	e.c.send(&e.msg, len(e.buf)+4*len(e.vals)+2)
	return nil
}

// implicitBlocker is implemented by sessions that run a multi-statement
// simple query as one implicit transaction (the SQL engine's sessions).
type implicitBlocker interface {
	BeginImplicitBlock()
	EndImplicitBlock(ok bool) error
}
