package server

import (
	"context"
	"io"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/conflux-db/conflux/sql"
	"github.com/conflux-db/conflux/sql/pgerr"
)

func copyFormats(f sql.CopyFormat) (byte, []uint16) {
	var code uint16
	if f.Binary {
		code = 1
	}
	codes := make([]uint16, max(f.Columns, 0))
	for i := range codes {
		codes[i] = code
	}
	return byte(code), codes
}

// copyIn runs COPY FROM STDIN: CopyInResponse, then the session reads the
// client's CopyData stream through a copyInReader until CopyDone.
func (c *conn) copyIn(ctx context.Context, pt *portal) (string, error) {
	overall, codes := copyFormats(c.sess.CopyFormatOf(pt.stmt))
	c.send(&pgproto3.CopyInResponse{OverallFormat: overall, ColumnFormatCodes: codes}, 3+2*len(codes))
	if err := c.flush(); err != nil {
		return "", err
	}
	r := &copyInReader{c: c}
	tag, err := c.sess.CopyIn(ctx, pt.stmt, pt.params, r)
	switch {
	case r.fail != nil:
		// The client aborted: that is the error to report, whatever the
		// session made of the broken stream.
		return "", r.fail
	case c.fatalErr != nil:
		return "", c.fatalErr
	case err != nil:
		// Whatever the client still sends (CopyData, CopyDone) is dropped
		// by the main loop, as PostgreSQL does.
		return "", err
	}
	if !r.done {
		// The session stopped reading early but succeeded: consume the
		// rest of the stream so the protocol stays in step.
		if _, err := io.Copy(io.Discard, r); err != nil {
			if r.fail != nil {
				return "", r.fail
			}
			return "", err
		}
	}
	return tag, nil
}

// copyInReader presents the CopyData messages of a COPY FROM STDIN as one
// byte stream, reading them from the connection as the session asks.
type copyInReader struct {
	c    *conn
	buf  []byte // rest of the current CopyData (valid until the next Receive)
	err  error  // sticky: io.EOF after CopyDone, or the failure
	done bool
	fail error // CopyFail from the client
}

func (r *copyInReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		msg, err := r.c.be.Receive()
		if err != nil {
			r.c.fatalErr = r.c.receiveErr(err)
			r.err = r.c.fatalErr
			continue
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			r.buf = m.Data
		case *pgproto3.CopyDone:
			r.done = true
			r.err = io.EOF
		case *pgproto3.CopyFail:
			r.fail = pgerr.New(pgerr.QueryCanceled, "COPY from stdin failed: %s", m.Message)
			r.err = r.fail
		case *pgproto3.Flush, *pgproto3.Sync:
			// Ignored during COPY, as PostgreSQL does.
		default:
			r.c.fatalErr = fatal(pgerr.ProtocolViolation, "unexpected message type 0x%02X during COPY from stdin", messageType(msg))
			r.err = r.c.fatalErr
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// copyOut runs COPY TO STDOUT: every Write becomes a CopyData message.
func (c *conn) copyOut(ctx context.Context, pt *portal) (string, error) {
	overall, codes := copyFormats(c.sess.CopyFormatOf(pt.stmt))
	c.send(&pgproto3.CopyOutResponse{OverallFormat: overall, ColumnFormatCodes: codes}, 3+2*len(codes))
	tag, err := c.sess.CopyOut(ctx, pt.stmt, pt.params, copyOutWriter{c})
	if err != nil {
		return "", err
	}
	c.send(&pgproto3.CopyDone{}, 0)
	return tag, nil
}

type copyOutWriter struct{ c *conn }

func (w copyOutWriter) Write(p []byte) (int, error) {
	if w.c.writeErr != nil {
		return 0, w.c.writeErr
	}
	if len(p) == 0 {
		return 0, nil
	}
	w.c.send(&pgproto3.CopyData{Data: p}, len(p))
	if w.c.writeErr != nil {
		return 0, w.c.writeErr
	}
	return len(p), nil
}
