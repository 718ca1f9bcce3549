package sql

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/rowstore"
	"github.com/conflux-db/conflux/sql/parser"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// COPY FROM STDIN turns each batch of incoming rows into the parameters
// of one prepared multi-row INSERT, so defaults, constraints, indexes and
// unique checks behave exactly as for INSERT. When the table needs nothing
// of a plan but the row store's own checks (no CHECK constraints, columns
// either given, NULL by default or the hidden row id), the rows go
// straight to rowstore.Insert instead (directCopy): planning and running
// an INSERT per batch was a third of a bulk load's CPU. COPY TO STDOUT
// runs the equivalent SELECT and formats its rows.

const copyBatch = 256

type copyOptions struct {
	binary bool
	// parquet is FORMAT parquet (copy_parquet.go).
	parquet bool
	csv     bool
	delim   byte
	null    string
	header  bool
	quote   byte
	escape  byte
	// forceQuote names the columns FORCE_QUOTE quotes even when not
	// needed; forceQuoteAll is FORCE QUOTE *.
	forceQuote    []string
	forceQuoteAll bool
	// forceNotNull and forceNull name the COPY FROM columns whose
	// unquoted null string is a value, and whose quoted one is NULL;
	// notNullAt and nullAt are the same by field position.
	forceNotNull, forceNull []string
	notNullAt, nullAt       []bool
}

// defElemString renders a COPY option's argument. The legacy syntax
// (WITH CSV HEADER) gives Boolean and Integer nodes where the
// parenthesized one gives strings, so every node kind is read.
func defElemString(n *pg_query.Node) string {
	if n == nil {
		return ""
	}
	switch {
	case n.GetBoolean() != nil:
		return boolSetting(n.GetBoolean().Boolval)
	case n.GetInteger() != nil:
		return fmt.Sprint(n.GetInteger().Ival)
	case n.GetFloat() != nil:
		return n.GetFloat().Fval
	}
	return constString(n)
}

// defElemNames reads a column-list option argument (FORCE_QUOTE (a, b)).
func defElemNames(n *pg_query.Node) []string {
	var out []string
	if l := n.GetList(); l != nil {
		for _, it := range l.Items {
			out = append(out, constString(it))
		}
	}
	return out
}

func parseCopyOptions(st *pg_query.CopyStmt) (copyOptions, error) {
	o := copyOptions{delim: '\t', null: `\N`, quote: '"', escape: '"'}
	delimSet, nullSet, escSet := false, false, false
	for _, n := range st.Options {
		de := n.GetDefElem()
		if de == nil {
			continue
		}
		v := defElemString(de.Arg)
		switch de.Defname {
		case "format":
			switch strings.ToLower(v) {
			case "text":
			case "csv":
				o.csv = true
			case "binary":
				o.binary = true
			case "parquet":
				o.parquet = true
			default:
				return o, pgerr.New(pgerr.InvalidParameterValue, "COPY format \"%s\" not recognized", v)
			}
		case "delimiter":
			if len(v) != 1 {
				return o, pgerr.New(pgerr.FeatureNotSupported, "COPY delimiter must be a single one-byte character")
			}
			o.delim, delimSet = v[0], true
		case "null":
			o.null, nullSet = v, true
		case "header":
			b, ok := parseBool(v)
			if de.Arg == nil {
				b, ok = true, true
			}
			if !ok && !strings.EqualFold(v, "match") {
				return o, pgerr.New(pgerr.SyntaxError, "header requires a Boolean value or \"match\"")
			}
			o.header = b || strings.EqualFold(v, "match")
		case "quote":
			if len(v) != 1 {
				return o, pgerr.New(pgerr.FeatureNotSupported, "COPY quote must be a single one-byte character")
			}
			o.quote = v[0]
		case "escape":
			if len(v) != 1 {
				return o, pgerr.New(pgerr.FeatureNotSupported, "COPY escape must be a single one-byte character")
			}
			o.escape, escSet = v[0], true
		case "encoding":
			if _, err := checkEncoding(v); err != nil {
				return o, err
			}
		case "force_quote":
			if de.Arg.GetAStar() != nil {
				o.forceQuoteAll = true
			} else {
				o.forceQuote = append(o.forceQuote, defElemNames(de.Arg)...)
			}
		case "force_not_null":
			o.forceNotNull = append(o.forceNotNull, defElemNames(de.Arg)...)
		case "force_null":
			o.forceNull = append(o.forceNull, defElemNames(de.Arg)...)
		case "freeze":
		default:
			return o, pgerr.New(pgerr.SyntaxError, "option \"%s\" not recognized", de.Defname)
		}
	}
	if o.parquet {
		// Like BINARY, Parquet has no text options.
		for _, n := range st.Options {
			switch de := n.GetDefElem(); de.GetDefname() {
			case "format", "freeze", "encoding":
			case "header", "delimiter", "null", "quote", "escape", "force_quote", "force_not_null", "force_null":
				return o, pgerr.New(pgerr.SyntaxError, "cannot specify %s in PARQUET mode", strings.ToUpper(de.GetDefname()))
			}
		}
	}
	if o.csv {
		if !delimSet {
			o.delim = ','
		}
		if !nullSet {
			o.null = ""
		}
		if !escSet {
			o.escape = o.quote
		}
	}
	return o, nil
}

// prepareCopy classifies a COPY statement.
func (s *Session) prepareCopy(st *pg_query.CopyStmt) (StatementKind, error) {
	if st.IsProgram {
		return 0, pgerr.New(pgerr.InsufficientPrivilege, "COPY to or from an external program is not supported")
	}
	if _, err := parseCopyOptions(st); err != nil {
		return 0, err
	}
	if st.Filename != "" {
		if o, _ := parseCopyOptions(st); !o.parquet {
			return 0, pgerr.Unsupported("COPY to or from a server file other than FORMAT parquet (use STDIN/STDOUT, e.g. psql's \\copy)")
		}
		if st.IsFrom && st.Query != nil {
			return 0, pgerr.New(pgerr.SyntaxError, "COPY FROM does not support a query")
		}
		return KindCommand, nil // runs in Execute: no COPY sub-protocol
	}
	if o, _ := parseCopyOptions(st); o.binary && (o.csv || o.header) {
		return 0, pgerr.New(pgerr.SyntaxError, "cannot specify HEADER or CSV in BINARY mode")
	}
	if o, _ := parseCopyOptions(st); !o.csv && (o.forceQuoteAll || len(o.forceQuote) > 0) {
		return 0, pgerr.New(pgerr.FeatureNotSupported, "COPY force quote available only in CSV mode")
	} else if st.IsFrom && (o.forceQuoteAll || len(o.forceQuote) > 0) {
		return 0, pgerr.New(pgerr.FeatureNotSupported, "COPY force quote only available using COPY TO")
	}
	if o, _ := parseCopyOptions(st); len(o.forceNotNull) > 0 && (!o.csv || !st.IsFrom) {
		if !o.csv {
			return 0, pgerr.New(pgerr.FeatureNotSupported, "COPY force not null available only in CSV mode")
		}
		return 0, pgerr.New(pgerr.FeatureNotSupported, "COPY force not null only available using COPY FROM")
	} else if len(o.forceNull) > 0 && (!o.csv || !st.IsFrom) {
		if !o.csv {
			return 0, pgerr.New(pgerr.FeatureNotSupported, "COPY force null available only in CSV mode")
		}
		return 0, pgerr.New(pgerr.FeatureNotSupported, "COPY force null only available using COPY FROM")
	}
	if o, _ := parseCopyOptions(st); st.IsFrom && len(o.forceNotNull)+len(o.forceNull) > 0 {
		// Check the column names before the client starts sending data.
		t, cols, err := s.copyTarget(st)
		if err != nil {
			return 0, err
		}
		if _, err := columnFlags(t, cols, o.forceNotNull, "FORCE_NOT_NULL"); err != nil {
			return 0, err
		}
		if _, err := columnFlags(t, cols, o.forceNull, "FORCE_NULL"); err != nil {
			return 0, err
		}
	}
	if st.IsFrom {
		if st.Query != nil {
			return 0, pgerr.New(pgerr.SyntaxError, "COPY FROM does not support a query")
		}
		return KindCopyIn, nil
	}
	return KindCopyOut, nil
}

// CopyFormatOf returns the stream format of a COPY statement.
func (s *Session) CopyFormatOf(p *Prepared) CopyFormat {
	st := p.ast.GetCopyStmt()
	if st == nil {
		return CopyFormat{}
	}
	n := len(st.Attlist)
	if n == 0 && st.Relation != nil {
		if t, err := s.resolveTable(st.Relation); err == nil {
			n = len(t.VisibleColumns())
		}
	}
	o, _ := parseCopyOptions(st)
	return CopyFormat{Columns: n, Binary: o.binary || o.parquet}
}

// resolveTable finds a table by name in the current catalog.
func (s *Session) resolveTable(rv *pg_query.RangeVar) (*catalog.Table, error) {
	cat := s.catalog()
	schemas := s.searchPath()
	if rv.Schemaname != "" {
		schemas = []string{rv.Schemaname}
	}
	for _, sn := range schemas {
		if sc := cat.SchemaByName(sn); sc != nil {
			if t := cat.TableByName(sc.ID, rv.Relname); t != nil {
				return t, nil
			}
		}
	}
	return nil, pgerr.New(pgerr.UndefinedTable, "relation \"%s\" does not exist", qualifiedName(rv))
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// copyTarget resolves the table and column list of a COPY.
func (s *Session) copyTarget(st *pg_query.CopyStmt) (*catalog.Table, []catalog.Column, error) {
	t, err := s.resolveTable(st.Relation)
	if err != nil {
		return nil, nil, err
	}
	if t.Kind != catalog.KindTable && st.IsFrom {
		return nil, nil, pgerr.New(pgerr.WrongObjectType, "cannot copy to view \"%s\"", t.Name)
	}
	if len(st.Attlist) == 0 {
		return t, t.VisibleColumns(), nil
	}
	var cols []catalog.Column
	for _, name := range stringList(st.Attlist) {
		c := t.ColumnByName(name)
		if c == nil || c.Hidden {
			return nil, nil, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", name, t.Name)
		}
		cols = append(cols, *c)
	}
	return t, cols, nil
}

// CopyIn runs COPY ... FROM STDIN, reading the data stream from r.
func (s *Session) CopyIn(ctx context.Context, p *Prepared, params []types.Datum, r io.Reader) (string, error) {
	if s.failed {
		return "", pgerr.New(pgerr.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	if err := s.ensureTxn(); err != nil {
		s.failStatement()
		return "", err
	}
	n, err := s.copyIn(ctx, p.ast.GetCopyStmt(), r)
	if err != nil {
		s.abortStatement()
		return "", canceledError(ctx, err)
	}
	if !s.explicit {
		if err := s.endTxn(true); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("COPY %d", n), nil
}

func (s *Session) copyIn(ctx context.Context, st *pg_query.CopyStmt, r io.Reader) (int64, error) {
	opts, err := parseCopyOptions(st)
	if err != nil {
		return 0, err
	}
	t, cols, err := s.copyTarget(st)
	if err != nil {
		return 0, err
	}
	// COPY FROM needs INSERT even when no row arrives (privileges.go).
	if err := s.checkTablePrivilege(t, catalog.PrivInsert, ""); err != nil {
		return 0, err
	}
	sink, err := s.newCopySink(ctx, t, cols)
	if err != nil {
		return 0, err
	}
	if err := s.readCopyRows(ctx, st, opts, t, cols, r, sink); err != nil {
		sink.abort()
		return 0, err
	}
	return sink.close(ctx)
}

// readCopyRows parses the COPY data stream and hands each row to sink.
func (s *Session) readCopyRows(ctx context.Context, st *pg_query.CopyStmt, opts copyOptions, t *catalog.Table, cols []catalog.Column, r io.Reader, sink *copySink) error {
	tctx := s.typesContext()
	if opts.parquet {
		return s.readParquetRows(ctx, st, t, cols, r, sink)
	}
	row := make([]types.Datum, 0, len(cols))
	if opts.binary {
		br := &binaryCopyReader{r: bufio.NewReaderSize(r, 64<<10)}
		for line := 1; ; line++ {
			fields, err := br.next(len(cols))
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return copyContext(err, t.Name, line)
			}
			row = row[:0]
			for i, f := range fields {
				if f == nil {
					row = append(row, types.DNull)
					continue
				}
				d, err := types.DecodeBinary(f, cols[i].Type)
				if err != nil {
					return copyContext(err, t.Name, line, cols[i].Name, "")
				}
				row = append(row, d)
			}
			if err := sink.add(ctx, row); err != nil {
				return err
			}
		}
	}
	var err error
	if opts.notNullAt, err = columnFlags(t, cols, opts.forceNotNull, "FORCE_NOT_NULL"); err != nil {
		return err
	}
	if opts.nullAt, err = columnFlags(t, cols, opts.forceNull, "FORCE_NULL"); err != nil {
		return err
	}
	rd := newCopyReader(r, opts)
	line := 0
	for {
		fields, err := rd.next()
		if err == io.EOF {
			return nil
		}
		line++
		if err != nil {
			return copyContext(err, t.Name, line)
		}
		if opts.header && line == 1 {
			continue
		}
		if len(fields) != len(cols) {
			if len(fields) < len(cols) {
				return copyContext(pgerr.New("22P04", "missing data for column \"%s\"", cols[len(fields)].Name), t.Name, line)
			}
			return copyContext(pgerr.New("22P04", "extra data after last expected column"), t.Name, line)
		}
		row = row[:0]
		for i, f := range fields {
			if f == nil {
				row = append(row, types.DNull)
				continue
			}
			d, err := types.ParseText(*f, cols[i].Type, tctx)
			if err != nil {
				pe := pgerr.As(err)
				return copyContext(pe, t.Name, line, cols[i].Name, *f)
			}
			row = append(row, d)
		}
		if err := sink.add(ctx, row); err != nil {
			return err
		}
	}
}

// copyContext adds PostgreSQL's "COPY t, line n" context to an error.
func copyContext(err error, table string, line int, colAndValue ...string) error {
	pe := pgerr.As(err)
	c := *pe
	ctxt := fmt.Sprintf("COPY %s, line %d", table, line)
	if len(colAndValue) == 2 && colAndValue[1] == "" {
		ctxt += ", column " + colAndValue[0]
	} else if len(colAndValue) == 2 {
		ctxt += fmt.Sprintf(", column %s: \"%s\"", colAndValue[0], colAndValue[1])
	}
	if c.Detail == "" {
		c.Detail = ctxt
	}
	return &c
}

// copyReader splits the COPY data stream into rows of fields; a nil
// field is NULL.
type copyReader struct {
	r    *bufio.Reader
	opts copyOptions
	done bool
}

func newCopyReader(r io.Reader, opts copyOptions) *copyReader {
	return &copyReader{r: bufio.NewReaderSize(r, 64<<10), opts: opts}
}

func (c *copyReader) readLine() (string, error) {
	line, err := c.r.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil
	}
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	return line, nil
}

func (c *copyReader) next() ([]*string, error) {
	if c.done {
		return nil, io.EOF
	}
	line, err := c.readLine()
	if err != nil {
		return nil, err
	}
	if line == `\.` {
		c.done = true
		return nil, io.EOF
	}
	if c.opts.csv {
		return c.csvRecord(line)
	}
	return c.textRecord(line)
}

func (c *copyReader) textRecord(line string) ([]*string, error) {
	var out []*string
	for _, raw := range strings.Split(line, string(c.opts.delim)) {
		if raw == c.opts.null {
			out = append(out, nil)
			continue
		}
		v, err := unescapeCopyText(raw)
		if err != nil {
			return nil, err
		}
		out = append(out, &v)
	}
	return out, nil
}

func unescapeCopyText(s string) (string, error) {
	if strings.IndexByte(s, '\\') < 0 {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch != '\\' || i+1 >= len(s) {
			b.WriteByte(ch)
			continue
		}
		i++
		switch e := s[i]; e {
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case 'x':
			v, n := 0, 0
			for n < 2 && i+1 < len(s) && isHex(s[i+1]) {
				i++
				v = v*16 + hexVal(s[i])
				n++
			}
			if n == 0 {
				b.WriteByte('x')
			} else {
				b.WriteByte(byte(v))
			}
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v := int(e - '0')
			for n := 1; n < 3 && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '7'; n++ {
				i++
				v = v*8 + int(s[i]-'0')
			}
			b.WriteByte(byte(v))
		default:
			b.WriteByte(e)
		}
	}
	return b.String(), nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

// csvRecord parses one CSV record; quoted fields may span lines.
func (c *copyReader) csvRecord(line string) ([]*string, error) {
	var out []*string
	var field strings.Builder
	quoted, inQuotes, wasQuoted := false, false, false
	o := c.opts
	i := 0
	for {
		if i >= len(line) {
			if inQuotes {
				next, err := c.readLine()
				if err != nil {
					return nil, pgerr.New("22P04", "unterminated CSV quoted field")
				}
				field.WriteByte('\n')
				line, i = next, 0
				continue
			}
			break
		}
		ch := line[i]
		switch {
		case inQuotes && ch == o.escape && i+1 < len(line) && line[i+1] == o.quote:
			field.WriteByte(o.quote)
			i += 2
			continue
		case inQuotes && ch == o.quote:
			inQuotes = false
		case inQuotes && ch == o.escape && o.escape != o.quote && i+1 < len(line) && line[i+1] == o.escape:
			field.WriteByte(o.escape)
			i += 2
			continue
		case inQuotes:
			field.WriteByte(ch)
		case ch == o.quote:
			inQuotes, quoted, wasQuoted = true, true, true
		case ch == o.delim:
			out = append(out, csvField(field.String(), wasQuoted, o, len(out)))
			field.Reset()
			wasQuoted = false
		default:
			field.WriteByte(ch)
		}
		i++
	}
	_ = quoted
	out = append(out, csvField(field.String(), wasQuoted, o, len(out)))
	return out, nil
}

func csvField(v string, wasQuoted bool, o copyOptions, i int) *string {
	if v == o.null {
		if !wasQuoted && !(i < len(o.notNullAt) && o.notNullAt[i]) ||
			wasQuoted && i < len(o.nullAt) && o.nullAt[i] {
			return nil
		}
	}
	return &v
}

// forceColumnError reports a FORCE_* column outside the COPY's columns
// as PostgreSQL does: unknown to the table (t nil: to the query), or not
// in the COPY column list.
func forceColumnError(t *catalog.Table, name, option string) error {
	if t == nil {
		return pgerr.New(pgerr.UndefinedColumn, "column \"%s\" does not exist", name)
	}
	for _, c := range t.Columns {
		if !c.Dropped && c.Name == name {
			return pgerr.New(pgerr.InvalidColumnReference, "%s column \"%s\" not referenced by COPY", option, name)
		}
	}
	return pgerr.New(pgerr.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", name, t.Name)
}

// columnFlags marks the COPY columns an option names, by position.
func columnFlags(t *catalog.Table, cols []catalog.Column, names []string, option string) ([]bool, error) {
	if len(names) == 0 {
		return nil, nil
	}
	flags := make([]bool, len(cols))
	for _, name := range names {
		found := false
		for i, c := range cols {
			if c.Name == name {
				flags[i], found = true, true
			}
		}
		if !found {
			return nil, forceColumnError(t, name, option)
		}
	}
	return flags, nil
}

// CopyOut runs COPY ... TO STDOUT, writing the data stream to w.
func (s *Session) CopyOut(ctx context.Context, p *Prepared, params []types.Datum, w io.Writer) (string, error) {
	if s.failed {
		return "", pgerr.New(pgerr.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	if err := s.ensureTxn(); err != nil {
		s.failStatement()
		return "", err
	}
	n, err := s.copyOut(ctx, p.ast.GetCopyStmt(), w)
	if err != nil {
		s.abortStatement()
		return "", canceledError(ctx, err)
	}
	if !s.explicit {
		if err := s.endTxn(true); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("COPY %d", n), nil
}

func (s *Session) copyOut(ctx context.Context, st *pg_query.CopyStmt, w io.Writer) (int64, error) {
	opts, err := parseCopyOptions(st)
	if err != nil {
		return 0, err
	}
	var query *pg_query.Node
	var header []string
	var table *catalog.Table
	if st.Query != nil {
		query = st.Query
	} else {
		t, cols, err := s.copyTarget(st)
		table = t
		if err != nil {
			return 0, err
		}
		sc := s.catalog().SchemaByID(t.SchemaID)
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = quoteIdent(c.Name)
		}
		stmt, err := parser.ParseOne(fmt.Sprintf("SELECT %s FROM %s.%s", strings.Join(names, ", "), quoteIdent(sc.Name), quoteIdent(t.Name)))
		if err != nil {
			return 0, err
		}
		query = stmt.AST
	}
	p, err := s.Prepare(ctx, Statement{ast: query}, nil)
	if err != nil {
		return 0, err
	}
	for _, c := range p.Columns {
		header = append(header, c.Name)
	}
	forced := make([]bool, len(header))
	for _, name := range opts.forceQuote {
		i := indexOf(header, name)
		if i < 0 {
			return 0, forceColumnError(table, name, "FORCE_QUOTE")
		}
		forced[i] = true
	}
	cur, err := s.runPlanned(ctx, p, nil)
	if err != nil {
		return 0, err
	}
	defer cur.Close()
	bw := bufio.NewWriterSize(w, 64<<10)
	tctx := s.typesContext()
	if opts.header && opts.csv {
		for i, h := range header {
			if i > 0 {
				bw.WriteByte(opts.delim)
			}
			bw.WriteString(csvQuote(h, opts, false))
		}
		bw.WriteByte('\n')
	}
	if opts.binary {
		return writeBinaryCopy(ctx, bw, cur, p.Columns)
	}
	if opts.parquet {
		return writeParquetCopy(ctx, bw, cur, p.Columns)
	}
	var n int64
	var buf []byte
	for {
		row, ok, err := cur.Next(ctx)
		if err != nil {
			return 0, err
		}
		if !ok {
			break
		}
		for i, d := range row {
			if i > 0 {
				bw.WriteByte(opts.delim)
			}
			if d == types.DNull {
				bw.WriteString(opts.null)
				continue
			}
			buf = types.AppendText(buf[:0], d, p.Columns[i].Type, tctx)
			if opts.csv && (opts.forceQuoteAll || forced[i]) {
				q := string(opts.quote)
				bw.WriteString(q + strings.ReplaceAll(string(buf), q, string(opts.escape)+q) + q)
			} else if opts.csv {
				bw.WriteString(csvQuote(string(buf), opts, true))
			} else {
				writeCopyText(bw, buf, opts.delim)
			}
		}
		bw.WriteByte('\n')
		n++
	}
	return n, bw.Flush()
}

func csvQuote(v string, o copyOptions, isValue bool) string {
	need := v == o.null && isValue || strings.ContainsAny(v, string([]byte{o.delim, o.quote, '\n', '\r'})) || v == `\.`
	if !need {
		return v
	}
	q := string(o.quote)
	return q + strings.ReplaceAll(v, q, string(o.escape)+q) + q
}

func writeCopyText(w *bufio.Writer, v []byte, delim byte) {
	for _, ch := range v {
		switch ch {
		case '\\':
			w.WriteString(`\\`)
		case '\n':
			w.WriteString(`\n`)
		case '\r':
			w.WriteString(`\r`)
		case '\t':
			if delim == '\t' {
				w.WriteString(`\t`)
			} else {
				w.WriteByte(ch)
			}
		default:
			if ch == delim {
				w.WriteByte('\\')
			}
			w.WriteByte(ch)
		}
	}
}

// binaryCopySignature starts every binary COPY stream.
const binaryCopySignature = "PGCOPY\n\xff\r\n\x00"

// binaryCopyReader decodes PostgreSQL's binary COPY format (what pgx's
// CopyFrom sends): a header, then tuples of length-prefixed fields in each
// type's binary representation, then a -1 trailer.
type binaryCopyReader struct {
	r          *bufio.Reader
	headerDone bool
	buf        []byte
}

func (b *binaryCopyReader) readN(n int) ([]byte, error) {
	if cap(b.buf) < n {
		b.buf = make([]byte, n)
	}
	buf := b.buf[:n]
	if _, err := io.ReadFull(b.r, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

func (b *binaryCopyReader) next(ncols int) ([][]byte, error) {
	bad := func() error { return pgerr.New("22P04", "invalid COPY file header or row format") }
	if !b.headerDone {
		h, err := b.readN(len(binaryCopySignature) + 8)
		if err != nil {
			if err == io.EOF {
				return nil, io.EOF
			}
			return nil, bad()
		}
		if string(h[:len(binaryCopySignature)]) != binaryCopySignature {
			return nil, pgerr.New("22P04", "COPY file signature not recognized")
		}
		ext := binary.BigEndian.Uint32(h[len(binaryCopySignature)+4:])
		if ext > 1<<20 {
			return nil, bad()
		}
		if _, err := b.readN(int(ext)); err != nil {
			return nil, bad()
		}
		b.headerDone = true
	}
	h, err := b.readN(2)
	if err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, bad()
	}
	n := int16(binary.BigEndian.Uint16(h))
	if n == -1 {
		return nil, io.EOF
	}
	if int(n) != ncols {
		return nil, pgerr.New("22P04", "row field count is %d, expected %d", n, ncols)
	}
	out := make([][]byte, n)
	for i := range out {
		lb, err := b.readN(4)
		if err != nil {
			return nil, bad()
		}
		l := int32(binary.BigEndian.Uint32(lb))
		if l == -1 {
			continue
		}
		if l < 0 || l > 1<<30 {
			return nil, bad()
		}
		v, err := b.readN(int(l))
		if err != nil {
			return nil, bad()
		}
		out[i] = append([]byte{}, v...)
	}
	return out, nil
}

func writeBinaryCopy(ctx context.Context, w *bufio.Writer, cur *Cursor, cols []Column) (int64, error) {
	w.WriteString(binaryCopySignature)
	w.Write(make([]byte, 8))
	var n int64
	var buf []byte
	var hdr [4]byte
	for {
		row, ok, err := cur.Next(ctx)
		if err != nil {
			return 0, err
		}
		if !ok {
			break
		}
		binary.BigEndian.PutUint16(hdr[:2], uint16(len(row)))
		w.Write(hdr[:2])
		for i, d := range row {
			if d == types.DNull {
				binary.BigEndian.PutUint32(hdr[:], 0xffffffff)
				w.Write(hdr[:])
				continue
			}
			buf, err = types.AppendBinary(buf[:0], d, cols[i].Type)
			if err != nil {
				return 0, err
			}
			binary.BigEndian.PutUint32(hdr[:], uint32(len(buf)))
			w.Write(hdr[:])
			w.Write(buf)
		}
		n++
	}
	w.Write([]byte{0xff, 0xff})
	return n, w.Flush()
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// directCopy inserts COPY rows without an INSERT plan. It does what the
// plan would do for an eligible table: place the given columns, fill the
// hidden row id, apply the columns' typmods with assignment semantics,
// then rowstore.Insert (NOT NULL, unique checks, indexes) through a Bulk
// KV, as the plan's Bulk runtime would.
type directCopy struct {
	t     *rowstore.Table
	kv    rowstore.KV
	ord   []int      // COPY field i goes to column ord[i]
	cast  []*types.T // per field: the typmod-less type to cast from, or nil
	typs  []*types.T // per field: the column's type
	rowid int        // ordinal of the hidden row id, or -1
	width int
}

// newDirectCopy returns nil when the table needs the INSERT plan: CHECK
// constraints, a non-row format, identity columns, or an omitted column
// with a default other than NULL.
func newDirectCopy(s *Session, t *catalog.Table, cols []catalog.Column) *directCopy {
	if t.Kind != catalog.KindTable || len(t.Checks) > 0 {
		return nil
	}
	if f, ok := t.Options["format"]; ok && !strings.EqualFold(f, "row") {
		return nil
	}
	d := &directCopy{t: rowstore.For(t), kv: rowstore.Bulk(s.txn, nil), rowid: -1, width: len(t.Columns)}
	given := make(map[uint32]bool, len(cols))
	for _, c := range cols {
		ord := -1
		for i := range t.Columns {
			if t.Columns[i].ID == c.ID {
				ord = i
			}
		}
		if ord < 0 || c.Identity != 0 {
			return nil
		}
		given[c.ID] = true
		d.ord = append(d.ord, ord)
		d.typs = append(d.typs, c.Type)
		if c.Type.Family == types.ArrayFamily && c.Type.Elem != nil && c.Type.Elem.Typmod != -1 {
			return nil
		}
		var from *types.T
		if c.Type.Typmod != -1 {
			// The INSERT plan's parameters carry no typmod and are cast
			// to the column's type on assignment.
			from = c.Type.WithTypmod(-1)
		}
		d.cast = append(d.cast, from)
	}
	for i, c := range t.Columns {
		switch {
		case c.Dropped || given[c.ID]:
		case c.Hidden && c.Default == "unique_rowid()":
			d.rowid = i
		case c.Default != "" || c.Identity != 0:
			return nil
		}
	}
	return d
}

// insert writes the rows in fields (len(d.ord) values per row).
func (d *directCopy) insert(ctx context.Context, fields []types.Datum, tctx *types.Context) error {
	n := len(d.ord)
	if n == 0 {
		return nil
	}
	for len(fields) >= n {
		row := make(types.Row, d.width)
		for i := range row {
			row[i] = types.DNull
		}
		for i, o := range d.ord {
			v := fields[i]
			if d.cast[i] != nil {
				var err error
				if v, err = types.CastAssignment(v, d.cast[i], d.typs[i], tctx); err != nil {
					return err
				}
			}
			row[o] = v
		}
		if d.rowid >= 0 {
			row[d.rowid] = types.DInt(rowstore.NewRowID())
		}
		if err := d.t.Insert(ctx, d.kv, row); err != nil {
			var ce *rowstore.ConflictError
			if errors.As(err, &ce) {
				return ce.Err
			}
			return err
		}
		fields = fields[n:]
	}
	return nil
}
