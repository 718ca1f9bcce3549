package sql

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/sql/pgcatalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// Server-side cursors (DECLARE / FETCH / MOVE / CLOSE).
//
// A cursor's query runs to completion at DECLARE and its rows are kept in
// the session. The transaction layer has no way to pin a snapshot for
// reads interleaved with later statements of the same transaction, and a
// cursor must not see those statements' writes nor a READ COMMITTED
// refresh; materializing gives exactly PostgreSQL's visibility, makes
// every cursor scrollable, and makes WITH HOLD free (PostgreSQL
// materializes held cursors at COMMIT anyway). The cost is memory
// proportional to the result.
//
// Positioning is a literal port of PostgreSQL's portal logic
// (DoPortalRunFetch / PortalRunSelect in pquery.c), so edge cases such as
// FETCH after the end, FETCH 0 and MOVE BACKWARD ALL report the same rows
// and counts.

// Cursor option bits of DeclareCursorStmt.options (parsenodes.h).
const (
	cursorOptBinary      = 0x0001
	cursorOptScroll      = 0x0002
	cursorOptNoScroll    = 0x0004
	cursorOptInsensitive = 0x0008
	cursorOptAsensitive  = 0x0010
	cursorOptHold        = 0x0020
)

// fetchAll is FETCH ALL's count (LONG_MAX in PostgreSQL).
const fetchAll = math.MaxInt64

// declaredCursor is one open cursor of a session.
type declaredCursor struct {
	name      string
	statement string // the DECLARE's text, for pg_cursors
	binary    bool
	created   time.Time
	columns   []Column
	rows      []types.Row
	noScroll  bool
	hold      bool
	// held is set once the cursor survived a COMMIT: it then belongs to no
	// transaction and a later ROLLBACK does not close it.
	held bool
	// depth is how many savepoints were open at DECLARE; rolling back to
	// a shallower savepoint closes the cursor.
	depth int

	// PostgreSQL's portal state.
	atStart, atEnd bool
	portalPos      int64
	// pos is the executor's position: 0 before the first row, 1..N on a
	// row, N+1 after the last.
	pos int64
}

// cursorPrep is the prepared form of a cursor statement.
type cursorPrep struct {
	declare *pg_query.DeclareCursorStmt
	query   *Prepared // the DECLARE's query
	fetch   *pg_query.FetchStmt
	close   *pg_query.ClosePortalStmt
}

// prepareCursorStmt classifies DECLARE, FETCH, MOVE and CLOSE.
func (s *Session) prepareCursorStmt(ctx context.Context, p *Prepared, declared []*types.T) error {
	n := p.ast
	cp := &cursorPrep{}
	p.cursor = cp
	p.Kind = KindCommand
	switch {
	case n.GetDeclareCursorStmt() != nil:
		d := n.GetDeclareCursorStmt()
		cp.declare = d
		if err := checkCursorOptions(d); err != nil {
			return err
		}
		q, err := s.planQuery(ctx, d.Query, declared)
		if err != nil {
			return err
		}
		if !q.returnsRows {
			return pgerr.New(pgerr.InvalidCursorDefinition, "DECLARE CURSOR must not contain data-modifying statements in WITH")
		}
		cp.query = &Prepared{SQL: p.SQL, Kind: KindRows, ParamTypes: q.paramTypes, Columns: q.columns,
			prepState: prepState{ast: d.Query, query: q}}
		p.ParamTypes = q.paramTypes
	case n.GetFetchStmt() != nil:
		f := n.GetFetchStmt()
		cp.fetch = f
		if f.Ismove {
			return nil
		}
		c, err := s.lookupCursor(f.Portalname)
		if err != nil {
			if s.failed {
				return nil // Execute reports 25P02 first, as PostgreSQL does
			}
			return err
		}
		p.Kind = KindRows
		p.Columns = c.columns
	case n.GetClosePortalStmt() != nil:
		cp.close = n.GetClosePortalStmt()
	}
	return nil
}

func checkCursorOptions(d *pg_query.DeclareCursorStmt) error {
	o := d.Options
	if o&cursorOptScroll != 0 && o&cursorOptNoScroll != 0 {
		return pgerr.New(pgerr.InvalidCursorDefinition, "cannot specify both SCROLL and NO SCROLL")
	}
	if o&cursorOptInsensitive != 0 && o&cursorOptAsensitive != 0 {
		return pgerr.New(pgerr.InvalidCursorDefinition, "cannot specify both ASENSITIVE and INSENSITIVE")
	}
	if sel := d.Query.GetSelectStmt(); sel != nil && len(sel.LockingClause) > 0 {
		if o&cursorOptHold != 0 {
			return pgerr.New(pgerr.FeatureNotSupported, "DECLARE CURSOR WITH HOLD ... FOR UPDATE is not supported").
				WithDetail("Holdable cursors must be READ ONLY.")
		}
		if o&cursorOptScroll != 0 {
			return pgerr.New(pgerr.FeatureNotSupported, "DECLARE SCROLL CURSOR ... FOR UPDATE is not supported").
				WithDetail("Scrollable cursors must be READ ONLY.")
		}
		if o&cursorOptInsensitive != 0 {
			return pgerr.New(pgerr.FeatureNotSupported, "DECLARE INSENSITIVE CURSOR ... FOR UPDATE is not supported").
				WithDetail("Insensitive cursors must be READ ONLY.")
		}
	}
	return nil
}

func (s *Session) lookupCursor(name string) (*declaredCursor, error) {
	if name == "" {
		return nil, pgerr.New(pgerr.InvalidCursorName, "invalid cursor name: must not be empty")
	}
	c := s.cursors[name]
	if c == nil {
		return nil, pgerr.New(pgerr.InvalidCursorName, "cursor \"%s\" does not exist", name)
	}
	return c, nil
}

// execCursorStmt runs a prepared cursor statement in the open transaction.
func (s *Session) execCursorStmt(ctx context.Context, cp *cursorPrep, params []types.Datum) (*Cursor, error) {
	switch {
	case cp.declare != nil:
		return s.execDeclare(ctx, cp, params)
	case cp.fetch != nil:
		c, err := s.lookupCursor(cp.fetch.Portalname)
		if err != nil {
			return nil, err
		}
		var rows []types.Row
		collect := func(r types.Row) { rows = append(rows, r) }
		if cp.fetch.Ismove {
			collect = nil
		}
		n, err := c.runFetch(cp.fetch.Direction, cp.fetch.HowMany, collect)
		if err != nil {
			return nil, err
		}
		if cp.fetch.Ismove {
			return tagCursor(fmt.Sprintf("MOVE %d", n)), nil
		}
		return rowsCursor(rows, func(int64) string { return fmt.Sprintf("FETCH %d", n) }), nil
	case cp.close != nil:
		if cp.close.Portalname == "" {
			clear(s.cursors)
			return tagCursor("CLOSE CURSOR ALL"), nil
		}
		if _, err := s.lookupCursor(cp.close.Portalname); err != nil {
			return nil, err
		}
		delete(s.cursors, cp.close.Portalname)
		return tagCursor("CLOSE CURSOR"), nil
	}
	return nil, pgerr.New(pgerr.InternalError, "unknown cursor statement")
}

func (s *Session) execDeclare(ctx context.Context, cp *cursorPrep, params []types.Datum) (*Cursor, error) {
	d := cp.declare
	if d.Options&cursorOptHold == 0 && !s.explicit && !s.inBlock {
		return nil, pgerr.New(pgerr.NoActiveSQLTransaction, "DECLARE CURSOR can only be used in transaction blocks")
	}
	if d.Portalname == "" {
		return nil, pgerr.New(pgerr.InvalidCursorName, "invalid cursor name: must not be empty")
	}
	if s.cursors[d.Portalname] != nil {
		return nil, pgerr.New(pgerr.DuplicateCursor, "cursor \"%s\" already exists", d.Portalname)
	}
	cur, err := s.runStatement(ctx, cp.query, params)
	if err != nil {
		return nil, err
	}
	defer cur.Close()
	var rows []types.Row
	for {
		row, ok, err := cur.Next(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		rows = append(rows, row)
	}
	// PostgreSQL makes a cursor declared with neither SCROLL nor NO SCROLL
	// scrollable when its plan can run backwards and it locks no rows;
	// every materialized result can, so only FOR UPDATE/SHARE decides.
	noScroll := d.Options&cursorOptNoScroll != 0
	if sel := d.Query.GetSelectStmt(); d.Options&cursorOptScroll == 0 && sel != nil && len(sel.LockingClause) > 0 {
		noScroll = true
	}
	if s.cursors == nil {
		s.cursors = map[string]*declaredCursor{}
	}
	s.cursors[d.Portalname] = &declaredCursor{name: d.Portalname, statement: cp.query.SQL, binary: d.Options&cursorOptBinary != 0,
		created: time.Now(), columns: cp.query.Columns, rows: rows,
		noScroll: noScroll, hold: d.Options&cursorOptHold != 0, depth: len(s.savepoints), atStart: true}
	return tagCursor("DECLARE CURSOR"), nil
}

// CursorInfo describes an open cursor as pg_cursors shows it.
type CursorInfo = pgcatalog.CursorInfo

// Cursors lists the session's open cursors by name (the rows of
// pg_cursors).
func (s *Session) Cursors() []CursorInfo {
	out := make([]CursorInfo, 0, len(s.cursors))
	for _, c := range s.cursors {
		out = append(out, CursorInfo{Name: c.name, Statement: c.statement, IsHoldable: c.hold, IsBinary: c.binary,
			IsScrollable: !c.noScroll, CreationTime: c.created})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// cursorsAtTxnEnd applies a transaction's end to the session's cursors:
// COMMIT keeps WITH HOLD cursors and closes the rest; ROLLBACK closes
// every cursor the transaction declared, held ones from earlier
// transactions survive. It returns the cursors that became held.
func (s *Session) cursorsAtTxnEnd(commit bool) (held []string) {
	for name, c := range s.cursors {
		switch {
		case c.held:
		case commit && c.hold:
			c.held = true
			held = append(held, name)
		default:
			delete(s.cursors, name)
		}
	}
	return held
}

// cursorsAtRollbackTo closes the cursors declared after savepoint i.
func (s *Session) cursorsAtRollbackTo(i int) {
	for name, c := range s.cursors {
		if !c.held && c.depth > i {
			delete(s.cursors, name)
		}
	}
}

// cursorsAtRelease hands the cursors of released savepoints (those above
// index i) to the enclosing level.
func (s *Session) cursorsAtRelease(i int) {
	for _, c := range s.cursors {
		if !c.held && c.depth > i {
			c.depth = i
		}
	}
}

// runFetch is DoPortalRunFetch: it returns the count PostgreSQL puts in
// the FETCH/MOVE command tag. collect receives fetched rows (nil: MOVE).
func (c *declaredCursor) runFetch(dir pg_query.FetchDirection, count int64, collect func(types.Row)) (int64, error) {
	switch dir {
	case pg_query.FetchDirection_FETCH_FORWARD:
		if count < 0 {
			dir, count = pg_query.FetchDirection_FETCH_BACKWARD, -count
		}
	case pg_query.FetchDirection_FETCH_BACKWARD:
		if count < 0 {
			dir, count = pg_query.FetchDirection_FETCH_FORWARD, -count
		}
	case pg_query.FetchDirection_FETCH_ABSOLUTE:
		switch {
		case count > 0:
			if count-1 <= c.portalPos/2 || c.portalPos >= fetchAll {
				if err := c.rewind(); err != nil {
					return 0, err
				}
				if count > 1 {
					if _, err := c.runSelect(true, count-1, nil); err != nil {
						return 0, err
					}
				}
			} else {
				pos := c.portalPos
				if c.atEnd {
					pos++ // one extra step back when off the end
				}
				var err error
				if count <= pos {
					_, err = c.runSelect(false, pos-count+1, nil)
				} else if count > pos+1 {
					_, err = c.runSelect(true, count-pos-1, nil)
				}
				if err != nil {
					return 0, err
				}
			}
			return c.runSelect(true, 1, collect)
		case count < 0:
			if _, err := c.runSelect(true, fetchAll, nil); err != nil {
				return 0, err
			}
			if count < -1 {
				if _, err := c.runSelect(false, -count-1, nil); err != nil {
					return 0, err
				}
			}
			return c.runSelect(false, 1, collect)
		default:
			if err := c.rewind(); err != nil {
				return 0, err
			}
			return c.runSelect(true, 0, collect)
		}
	case pg_query.FetchDirection_FETCH_RELATIVE:
		switch {
		case count > 0:
			if count > 1 {
				if _, err := c.runSelect(true, count-1, nil); err != nil {
					return 0, err
				}
			}
			return c.runSelect(true, 1, collect)
		case count < 0:
			if count < -1 {
				if _, err := c.runSelect(false, -count-1, nil); err != nil {
					return 0, err
				}
			}
			return c.runSelect(false, 1, collect)
		}
		dir = pg_query.FetchDirection_FETCH_FORWARD
	default:
		return 0, pgerr.New(pgerr.InternalError, "bogus direction")
	}
	forward := dir == pg_query.FetchDirection_FETCH_FORWARD
	if count == 0 {
		// FETCH 0 re-fetches the current row; MOVE 0 says whether there is one.
		onRow := !c.atStart && !c.atEnd
		if collect == nil {
			if onRow {
				return 1, nil
			}
			return 0, nil
		}
		if onRow {
			if _, err := c.runSelect(false, 1, nil); err != nil {
				return 0, err
			}
			count, forward = 1, true
		}
	}
	if !forward && count == fetchAll && collect == nil {
		// MOVE BACKWARD ALL is a rewind.
		result := c.portalPos
		if result > 0 && !c.atEnd {
			result--
		}
		if err := c.rewind(); err != nil {
			return 0, err
		}
		return result, nil
	}
	return c.runSelect(forward, count, collect)
}

// runSelect is PortalRunSelect: move up to count rows (fetchAll: all) in
// one direction, maintaining atStart/atEnd/portalPos as PostgreSQL does.
func (c *declaredCursor) runSelect(forward bool, count int64, collect func(types.Row)) (int64, error) {
	if forward {
		moving := !c.atEnd && count > 0
		if !moving {
			count = 0
		}
		if count == fetchAll {
			count = 0
		}
		if !moving {
			return 0, nil
		}
		n := c.step(true, count, collect)
		if n > 0 {
			c.atStart = false
		}
		if count == 0 || n < count {
			c.atEnd = true
		}
		c.portalPos += n
		return n, nil
	}
	if c.noScroll {
		return 0, pgerr.New(pgerr.ObjectNotInPrerequisiteState, "cursor can only scan forward").
			WithHint("Declare it with SCROLL option to enable backward scan.")
	}
	moving := !c.atStart && count > 0
	if !moving {
		return 0, nil
	}
	if count == fetchAll {
		count = 0
	}
	n := c.step(false, count, collect)
	if n > 0 && c.atEnd {
		c.atEnd = false
		c.portalPos++
	}
	if count == 0 || n < count {
		c.atStart = true
		c.portalPos = 0
	} else {
		c.portalPos -= n
	}
	return n, nil
}

// step is the executor: it returns up to count rows (0: all) from the
// current position in one direction.
func (c *declaredCursor) step(forward bool, count int64, collect func(types.Row)) int64 {
	total := int64(len(c.rows))
	var n int64
	for count == 0 || n < count {
		if forward {
			if c.pos >= total {
				c.pos = total + 1
				break
			}
			c.pos++
		} else {
			if c.pos <= 1 {
				c.pos = 0
				break
			}
			c.pos--
		}
		n++
		if collect != nil {
			collect(c.rows[c.pos-1])
		}
	}
	return n
}

// rewind is DoPortalRewind.
func (c *declaredCursor) rewind() error {
	if c.atStart && !c.atEnd {
		return nil // never moved: no SCROLL needed
	}
	if c.noScroll {
		return pgerr.New(pgerr.ObjectNotInPrerequisiteState, "cursor can only scan forward").
			WithHint("Declare it with SCROLL option to enable backward scan.")
	}
	c.pos, c.portalPos = 0, 0
	c.atStart, c.atEnd = true, false
	return nil
}
