package server

// This file holds a fake Backend that tests the wire protocol machinery of
// this package, NOT the SQL engine. It understands a handful of canned
// statements (see fakeSession.Prepare) and a tiny codec for int and text.

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

type fakeBackend struct {
	roles map[string]*catalog.Role
	// slowStarted receives a value when a SLOW statement starts running.
	slowStarted chan struct{}
	// slowMax bounds how long SLOW waits for cancellation.
	slowMax time.Duration

	mu     sync.Mutex
	copied []string // data received by COPY IN statements
	ssl    []string // what SetSSL was told, one entry per session
	closed int      // sessions closed
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{roles: map[string]*catalog.Role{}, slowStarted: make(chan struct{}, 16), slowMax: 10 * time.Second}
}

func (b *fakeBackend) LookupRole(ctx context.Context, name string) (*catalog.Role, error) {
	return b.roles[name], nil
}

func (b *fakeBackend) NewSession(ctx context.Context, p sql.SessionParams) (BackendSession, error) {
	if p.User == "nobody" {
		return nil, pgerr.New(pgerr.InvalidAuthorization, "role %q does not exist", p.User)
	}
	s := &fakeSession{b: b, txn: 'I', settings: map[string]string{"TimeZone": "UTC"}, changed: map[string]string{}}
	if tz := p.Options["TimeZone"]; tz != "" {
		s.settings["TimeZone"] = tz
	}
	if an := p.Options["application_name"]; an != "" {
		s.settings["application_name"] = an
	}
	return s, nil
}

// SetSSL records the TLS state the server reports for a session.
func (s *fakeSession) SetSSL(serverOn bool, version, cipher string) {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	s.b.ssl = append(s.b.ssl, fmt.Sprintf("server=%v version=%s cipher=%v", serverOn, version, cipher != ""))
}

func (b *fakeBackend) sslReports() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.ssl...)
}

func (b *fakeBackend) copiedData() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.copied...)
}

type fakeSession struct {
	b        *fakeBackend
	txn      byte
	settings map[string]string
	changed  map[string]string
	notices  []sql.Notice
}

func (s *fakeSession) Parse(query string) ([]sql.Statement, error) {
	var out []sql.Statement
	for _, part := range strings.Split(query, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.HasPrefix(strings.ToUpper(part), "SYNTAX") {
			return nil, pgerr.New(pgerr.SyntaxError, "syntax error at or near \"SYNTAX\"").WithPosition(1)
		}
		out = append(out, sql.Statement{SQL: part})
	}
	return out, nil
}

func col(name string, t *types.T) sql.Column { return sql.Column{Name: name, Type: t} }

// Prepare knows these statements:
//
//	SELECT 1            one int4 row
//	ROWS n              n rows (i int8, s text 'r<i>')
//	NULLS               one row (NULL, '')
//	ECHO                one row echoing its single parameter ($1, int8 unless declared)
//	ERROR code          fails at execution with that SQLSTATE
//	PREPERR             fails at preparation (42P01)
//	SLOW                runs until cancelled
//	PANIC               panics at execution
//	SET name value      changes a setting (reported by ParameterStatus)
//	NOTICE msg          raises a notice
//	BEGIN/COMMIT/ROLLBACK  transaction status
//	INSERT              "INSERT 0 1"
//	COPY IN / COPY OUT  COPY FROM STDIN (records data) / TO STDOUT
func (s *fakeSession) Prepare(ctx context.Context, stmt sql.Statement, paramOIDs []uint32) (*sql.Prepared, error) {
	f := strings.Fields(stmt.SQL)
	verb := strings.ToUpper(f[0])
	p := &sql.Prepared{SQL: stmt.SQL, Kind: sql.KindCommand}
	switch verb {
	case "SELECT":
		p.Kind = sql.KindRows
		p.Columns = []sql.Column{col("?column?", types.Int4)}
	case "ROWS":
		p.Kind = sql.KindRows
		p.Columns = []sql.Column{col("i", types.Int8), col("s", types.Text)}
	case "NULLS":
		p.Kind = sql.KindRows
		p.Columns = []sql.Column{col("a", types.Text), col("b", types.Text)}
	case "ECHO":
		t := types.Int8
		if len(paramOIDs) > 0 && paramOIDs[0] != 0 {
			t = types.ByOid(paramOIDs[0])
		}
		p.Kind = sql.KindRows
		p.ParamTypes = []*types.T{t}
		p.Columns = []sql.Column{col("echo", t)}
	case "PREPERR":
		return nil, pgerr.New(pgerr.UndefinedTable, "relation \"nope\" does not exist")
	case "SLOW", "PANIC", "ERROR", "SET", "NOTICE", "BEGIN", "COMMIT", "ROLLBACK", "INSERT":
	case "COPY":
		if len(f) > 1 && strings.EqualFold(f[1], "IN") {
			p.Kind = sql.KindCopyIn
		} else {
			p.Kind = sql.KindCopyOut
		}
	default:
		return nil, pgerr.New(pgerr.SyntaxError, "fake backend does not know %q", stmt.SQL)
	}
	return p, nil
}

func (s *fakeSession) fail(err error) error {
	if s.txn == 'T' {
		s.txn = 'E'
	}
	return err
}

func (s *fakeSession) Execute(ctx context.Context, p *sql.Prepared, params []types.Datum) (BackendCursor, error) {
	f := strings.Fields(p.SQL)
	verb := strings.ToUpper(f[0])
	if s.txn == 'E' && verb != "ROLLBACK" && verb != "COMMIT" {
		return nil, pgerr.New(pgerr.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	tag := verb
	var rows []types.Row
	switch verb {
	case "SELECT":
		rows = []types.Row{{types.DInt(1)}}
	case "ROWS":
		var n int
		if len(f) > 1 {
			n, _ = strconv.Atoi(f[1])
		}
		for i := 1; i <= n; i++ {
			rows = append(rows, types.Row{types.DInt(i), types.DString(fmt.Sprintf("r%d", i))})
		}
	case "NULLS":
		rows = []types.Row{{types.DNull, types.DString("")}}
	case "ECHO":
		rows = []types.Row{{params[0]}}
	case "ERROR":
		return nil, s.fail(&pgerr.Error{Code: f[1], Message: "fake error " + f[1], Detail: "some detail",
			Hint: "some hint", Table: "t", Column: "c", Constraint: "t_pkey"})
	case "SLOW":
		s.b.slowStarted <- struct{}{}
		select {
		case <-ctx.Done():
			return nil, s.fail(ctx.Err())
		case <-time.After(s.b.slowMax):
		}
	case "PANIC":
		panic("fake backend panic")
	case "SET":
		if len(f) >= 3 {
			s.settings[f[1]] = f[2]
			s.changed[f[1]] = f[2]
		}
	case "NOTICE":
		s.notices = append(s.notices, sql.Notice{Severity: "NOTICE", Code: "00000", Message: strings.Join(f[1:], " ")})
	case "BEGIN":
		s.txn = 'T'
	case "COMMIT", "ROLLBACK":
		if s.txn == 'E' {
			tag = "ROLLBACK"
		}
		s.txn = 'I'
	case "INSERT":
		tag = "INSERT 0 1"
	}
	return &fakeCursor{rows: rows, tag: tag, isRows: p.Kind == sql.KindRows}, nil
}

func (s *fakeSession) CopyIn(ctx context.Context, p *sql.Prepared, params []types.Datum, r io.Reader) (string, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return "", s.fail(err)
	}
	s.b.mu.Lock()
	s.b.copied = append(s.b.copied, string(data))
	s.b.mu.Unlock()
	return fmt.Sprintf("COPY %d", strings.Count(string(data), "\n")), nil
}

func (s *fakeSession) CopyOut(ctx context.Context, p *sql.Prepared, params []types.Datum, w io.Writer) (string, error) {
	for _, line := range []string{"1\ta\n", "2\tb\n"} {
		if _, err := io.WriteString(w, line); err != nil {
			return "", err
		}
	}
	return "COPY 2", nil
}

func (s *fakeSession) CopyFormatOf(p *sql.Prepared) sql.CopyFormat { return sql.CopyFormat{Columns: 2} }
func (s *fakeSession) TxnStatus() byte                             { return s.txn }
func (s *fakeSession) Setting(name string) string                  { return s.settings[name] }

func (s *fakeSession) ChangedParams() map[string]string {
	c := s.changed
	s.changed = map[string]string{}
	return c
}

func (s *fakeSession) TakeNotices() []sql.Notice {
	n := s.notices
	s.notices = nil
	return n
}

func (s *fakeSession) Close() {
	s.b.mu.Lock()
	s.b.closed++
	s.b.mu.Unlock()
}

func (s *fakeSession) DecodeParam(b []byte, format int16, t *types.T) (types.Datum, error) {
	switch {
	case t.Family == types.IntFamily && format == 0:
		n, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			return nil, pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type %s: %q", t.Name(), b)
		}
		return types.DInt(n), nil
	case t.Family == types.IntFamily && format == 1:
		switch len(b) {
		case 8:
			return types.DInt(int64(binary.BigEndian.Uint64(b))), nil
		case 4:
			return types.DInt(int32(binary.BigEndian.Uint32(b))), nil
		}
		return nil, fmt.Errorf("bad int length %d", len(b))
	case t.Family == types.StringFamily:
		return types.DString(b), nil
	}
	return nil, fmt.Errorf("fake codec cannot decode %s", t.Name())
}

func (s *fakeSession) EncodeValue(buf []byte, d types.Datum, t *types.T, format int16) ([]byte, error) {
	switch v := d.(type) {
	case types.DInt:
		if format == 0 {
			return strconv.AppendInt(buf, int64(v), 10), nil
		}
		if t.Width == 32 {
			return binary.BigEndian.AppendUint32(buf, uint32(v)), nil
		}
		return binary.BigEndian.AppendUint64(buf, uint64(v)), nil
	case types.DString:
		return append(buf, v...), nil
	}
	return nil, fmt.Errorf("fake codec cannot encode %T", d)
}

type fakeCursor struct {
	rows   []types.Row
	n      int
	tag    string
	isRows bool
}

func (c *fakeCursor) Next(ctx context.Context) (types.Row, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if c.n >= len(c.rows) {
		return nil, false, nil
	}
	c.n++
	return c.rows[c.n-1], true, nil
}

func (c *fakeCursor) Tag() string {
	if c.isRows {
		return fmt.Sprintf("SELECT %d", c.n)
	}
	return c.tag
}

func (c *fakeCursor) Close() {}
