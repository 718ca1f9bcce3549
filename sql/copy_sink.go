package sql

import (
	"context"
	"fmt"
	"strings"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/lake"
	"github.com/conflux-db/conflux/sql/parser"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// copySink receives the rows of a COPY FROM, whatever their format (text,
// csv, binary, parquet), and inserts them in batches of copyBatch: straight
// into the row store (directCopy) or a lake Appender (lakeCopy) when the
// table needs nothing of a plan, else through a prepared multi-row INSERT.
type copySink struct {
	s     *Session
	t     *catalog.Table
	cols  []catalog.Column
	tctx  *types.Context
	names []string

	direct *directCopy
	lake   *lakeCopy
	insert map[int]*Prepared

	batch []types.Datum
	rows  int
	total int64
}

func (s *Session) newCopySink(ctx context.Context, t *catalog.Table, cols []catalog.Column) (*copySink, error) {
	k := &copySink{s: s, t: t, cols: cols, tctx: s.typesContext(), insert: map[int]*Prepared{}}
	for _, c := range cols {
		k.names = append(k.names, quoteIdent(c.Name))
	}
	if t.IsLake() {
		lc, err := newLakeCopy(ctx, s, t, cols)
		if err != nil {
			return nil, err
		}
		k.lake = lc
	} else {
		k.direct = newDirectCopy(s, t, cols)
	}
	return k, nil
}

// add takes one row of len(cols) datums.
func (k *copySink) add(ctx context.Context, row []types.Datum) error {
	k.batch = append(k.batch, row...)
	k.rows++
	if k.rows == copyBatch {
		return k.flush(ctx)
	}
	return nil
}

func (k *copySink) flush(ctx context.Context) error {
	if k.rows == 0 {
		return nil
	}
	switch {
	case k.lake != nil:
		if err := k.lake.insert(ctx, k.batch, k.tctx); err != nil {
			return err
		}
	case k.direct != nil:
		if err := k.direct.insert(ctx, k.batch, k.tctx); err != nil {
			return err
		}
	default:
		p, err := k.prepare(ctx, k.rows)
		if err != nil {
			return err
		}
		if _, err := k.s.runPlanned(ctx, p, k.batch); err != nil {
			return err
		}
	}
	k.total += int64(k.rows)
	k.batch, k.rows = k.batch[:0], 0
	return ctx.Err()
}

// close inserts what is left and returns the row count.
func (k *copySink) close(ctx context.Context) (int64, error) {
	if err := k.flush(ctx); err != nil {
		k.abort()
		return 0, err
	}
	if k.lake != nil {
		if err := k.lake.close(ctx); err != nil {
			return 0, err
		}
	}
	return k.total, nil
}

// abort drops a lake appender's unpublished files (vacuum removes them).
func (k *copySink) abort() {
	if k.lake != nil {
		k.lake.app.Abort()
	}
}

// prepare returns the INSERT of rows rows of COPY's columns.
func (k *copySink) prepare(ctx context.Context, rows int) (*Prepared, error) {
	if p := k.insert[rows]; p != nil {
		return p, nil
	}
	sc := k.s.catalog().SchemaByID(k.t.SchemaID)
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s.%s (%s) VALUES ", quoteIdent(sc.Name), quoteIdent(k.t.Name), strings.Join(k.names, ", "))
	param := 1
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range k.cols {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "$%d", param)
			param++
		}
		b.WriteByte(')')
	}
	stmt, err := parser.ParseOne(b.String())
	if err != nil {
		return nil, err
	}
	oids := make([]uint32, 0, rows*len(k.cols))
	for i := 0; i < rows; i++ {
		for _, c := range k.cols {
			oids = append(oids, c.Type.Oid)
		}
	}
	p, err := k.s.Prepare(ctx, Statement{SQL: stmt.SQL, ast: stmt.AST}, oids)
	if err != nil {
		return nil, err
	}
	if p.query != nil {
		// A bulk load: no row lock per key; a concurrent writer of the
		// same key fails one of the two at COMMIT (40001) instead.
		p.query.bulk = true
	}
	k.insert[rows] = p
	return p, nil
}

// lakeCopy appends COPY rows to a lake table through one Appender for the
// whole statement, so a large load streams into Parquet files with
// bounded memory instead of one inlined key per row. It does what the
// INSERT plan would: place the given columns, fill omitted ones with
// their (constant) default, apply typmods with assignment casts and check
// NOT NULL. Tables needing more (CHECK constraints, per-row defaults such
// as nextval(), identity columns) still use one Appender, with every
// default evaluated per row by the session.
type lakeCopy struct {
	app   *lake.Appender
	t     *catalog.Table
	ord   []int      // COPY field i goes to column ord[i]
	cast  []*types.T // per field: the typmod-less type to cast from, or nil
	typs  []*types.T
	fill  types.Row // the row template: constant defaults, NULL elsewhere
	width int
}

// newLakeCopy returns nil (use the INSERT plan) when the table has CHECK
// constraints or an omitted column whose default must be evaluated per
// row.
func newLakeCopy(ctx context.Context, s *Session, t *catalog.Table, cols []catalog.Column) (*lakeCopy, error) {
	if len(t.Checks) > 0 {
		return nil, nil
	}
	lt, err := s.lakeTable(t)
	if err != nil {
		return nil, err
	}
	lc := &lakeCopy{t: t, width: len(t.Columns), fill: make(types.Row, len(t.Columns))}
	given := map[uint32]bool{}
	for _, c := range cols {
		ord := -1
		for i := range t.Columns {
			if t.Columns[i].ID == c.ID {
				ord = i
			}
		}
		if ord < 0 || c.Identity != 0 {
			return nil, nil
		}
		if c.Type.Family == types.ArrayFamily && c.Type.Elem != nil && c.Type.Elem.Typmod != -1 {
			return nil, nil
		}
		given[c.ID] = true
		lc.ord = append(lc.ord, ord)
		lc.typs = append(lc.typs, c.Type)
		var from *types.T
		if c.Type.Typmod != -1 {
			from = c.Type.WithTypmod(-1)
		}
		lc.cast = append(lc.cast, from)
	}
	for i := range t.Columns {
		c := &t.Columns[i]
		lc.fill[i] = types.DNull
		switch {
		case c.Dropped || c.Hidden || given[c.ID]:
		case c.Identity != 0 || strings.Contains(c.Default, "("):
			return nil, nil // per-row default: the INSERT plan evaluates it
		case c.Default != "":
			d, err := s.evalDefault(ctx, c)
			if err != nil {
				return nil, err
			}
			lc.fill[i] = d
		}
	}
	lc.app = lt.NewAppender(s.txn)
	lc.app.SetOperation("COPY")
	return lc, nil
}

// insert appends the rows in fields (len(lc.ord) values per row).
func (lc *lakeCopy) insert(ctx context.Context, fields []types.Datum, tctx *types.Context) error {
	n := len(lc.ord)
	if n == 0 {
		return nil
	}
	rows := make([]types.Row, 0, len(fields)/n)
	for len(fields) >= n {
		row := make(types.Row, lc.width)
		copy(row, lc.fill)
		for i, o := range lc.ord {
			v := fields[i]
			if lc.cast[i] != nil && v != types.DNull {
				var err error
				if v, err = types.CastAssignment(v, lc.cast[i], lc.typs[i], tctx); err != nil {
					return err
				}
			}
			row[o] = v
		}
		for i := range lc.t.Columns {
			c := &lc.t.Columns[i]
			if c.NotNull && !c.Dropped && row[i] == types.DNull {
				return &pgerr.Error{Code: pgerr.NotNullViolation, Table: lc.t.Name, Column: c.Name,
					Message: fmt.Sprintf("null value in column \"%s\" of relation \"%s\" violates not-null constraint", c.Name, lc.t.Name)}
			}
		}
		rows = append(rows, row)
		fields = fields[n:]
	}
	return lc.app.Append(ctx, rows)
}

func (lc *lakeCopy) close(ctx context.Context) error {
	_, err := lc.app.Close(ctx)
	return err
}
