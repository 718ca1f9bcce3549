package lake

import (
	"context"
	"fmt"

	"github.com/conflux-db/conflux/lake/pqfile"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/storage/keys"
	"github.com/conflux-db/conflux/storage/rowenc"
	"github.com/conflux-db/conflux/txn"
)

// EvalPlanQual for lake tables.
//
// A lake row is never updated in place: an UPDATE deletes it and inserts
// the new version elsewhere. So that a READ COMMITTED writer blocked on
// the old version can re-check the newest one, as PostgreSQL does, an
// UPDATE links the old version to the new: a file row's deletion key
// holds the new row's locator (a DELETE leaves it empty), an inlined
// row's deletion -- a tombstone, which holds nothing -- leaves an update
// record among the inline forwarding records (forward.go). Following the
// links, and the forwarding records of flushes and rewrites, from any
// version leads to the newest one, or to a deletion.
//
// Delete and Update report a row changed after the snapshot as a
// *RowChangedError carrying that newest version. It unwraps to a
// txn.RetryStatementError, so a caller that does not re-check (MERGE,
// UPDATE ... FROM) restarts its statement as before; one that does
// re-evaluates its WHERE clause on RowChangedError.Row and writes through
// DeleteNewest / UpdateNewest. REPEATABLE READ and SERIALIZABLE get 40001.

// RowChangedError: at READ COMMITTED, Delete or Update found the row
// deleted by a transaction that committed after the snapshot. Gone says
// it was deleted for good (PostgreSQL skips such a row); otherwise it was
// updated, and Locator and Row are its newest version: Row in catalog
// Columns order, lake_rowid set to Locator.
type RowChangedError struct {
	Gone    bool
	Locator Locator
	Row     types.Row
}

func (e *RowChangedError) Error() string { return txn.ErrConcurrentUpdate().Error() }

// Unwrap makes the error a statement restart for callers that do not
// re-check the row themselves.
func (e *RowChangedError) Unwrap() error {
	return &txn.RetryStatementError{Err: txn.ErrConcurrentUpdate()}
}

// DeleteNewest deletes the row at loc, a locator a RowChangedError
// reported: the row is newer than tx's snapshot, so it is checked at the
// newest commit. It may itself report a RowChangedError when the row
// changed again meanwhile.
func (t *Table) DeleteNewest(ctx context.Context, tx *txn.Txn, loc Locator) (bool, error) {
	return t.deleteRow(ctx, tx, loc, true)
}

// UpdateNewest is DeleteNewest's counterpart of Update.
func (t *Table) UpdateNewest(ctx context.Context, tx *txn.Txn, loc Locator, row types.Row) (bool, error) {
	return t.updateRow(ctx, tx, loc, row, true)
}

func (t *Table) deleteRow(ctx context.Context, tx *txn.Txn, loc Locator, newest bool) (bool, error) {
	found, err := t.delete(ctx, tx, loc, nil, newest)
	if !found || err != nil {
		return found, err
	}
	t.countChange(tx).deleted++
	return true, t.noteChange(tx)
}

// updateRow deletes the row at loc, linking it to the new version, and
// inlines the new version.
func (t *Table) updateRow(ctx context.Context, tx *txn.Txn, loc Locator, row types.Row, newest bool) (bool, error) {
	stored := t.storedRow(row)
	part, _, err := t.partKey(stored)
	if err != nil {
		return false, err
	}
	id := t.s.ids.next()
	link := appendLocator(nil, locInline, part, id, 0)
	if found, err := t.delete(ctx, tx, loc, link, newest); !found || err != nil {
		return found, err
	}
	// NOT NULL is checked on rows actually updated, as PostgreSQL does
	// (a row skipped as concurrently deleted raises nothing); the failed
	// statement's writes are rolled back by the caller.
	if err := t.checkNotNull(stored); err != nil {
		return false, err
	}
	if err := t.putInlineID(tx, part, id, stored); err != nil {
		return false, err
	}
	t.countChange(tx).updated++
	return true, t.noteChange(tx)
}

// changed is the outcome of finding the row at l deleted after tx's
// snapshot.
func (t *Table) changed(ctx context.Context, tx *txn.Txn, l locator) (bool, error) {
	if tx.Options().Isolation != txn.ReadCommitted {
		return false, txn.ErrConcurrentUpdate()
	}
	loc, row, ok, err := t.follow(ctx, tx, l)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, &RowChangedError{Gone: true}
	}
	return false, &RowChangedError{Locator: loc, Row: t.fullRow(row, loc)}
}

// maxChain bounds the versions and moves follow walks through.
const maxChain = 64

// follow walks from the row version at l to the newest one, reading the
// newest commits, and returns its locator and stored datums; ok is false
// when the chain ends in a deletion. A version tx itself deleted ends the
// chain too: like PostgreSQL, a statement does not update a row twice.
func (t *Table) follow(ctx context.Context, tx *txn.Txn, l locator) (Locator, types.Row, bool, error) {
	for range maxChain {
		var next locator
		switch l.kind {
		case locInline:
			v, live, err := tx.GetLatest(ctx, inlineKey(t.id, l.part, l.id))
			if err != nil {
				return nil, nil, false, err
			}
			if live {
				row := make(types.Row, len(t.colIDs))
				if err := rowenc.NewRowDecoder(t.colIDs, t.typs).Decode(v, row); err != nil {
					return nil, nil, false, err
				}
				return appendLocator(nil, locInline, l.part, l.id, 0), row, true, nil
			}
			if _, own := tx.GetBuffered(forwardInlineKey(t.id, l.part, l.id)); own {
				return nil, nil, false, nil
			}
			to, _, ok, err := t.forwardedInline(ctx, l.part, l.id)
			if err != nil || !ok {
				return nil, nil, false, err
			}
			next = to
		case locFile:
			mv, live, err := tx.GetLatest(ctx, manifestKey(t.id, l.part, l.id))
			if err != nil {
				return nil, nil, false, err
			}
			if !live {
				f, p, ok, err := t.forwardedFile(ctx, tx, l.id, l.pos)
				if err != nil {
					return nil, nil, false, err
				}
				if ok {
					next = locator{kind: locFile, part: l.part, id: f, pos: p}
					break
				}
				// Deleted before the rewrite, which dropped the deletion
				// key: its last value still names the successor.
				link, err := t.lastDeletion(ctx, l.id, l.pos)
				if err != nil || len(link) == 0 {
					return nil, nil, false, err
				}
				if next, err = parseLocator(link); err != nil {
					return nil, nil, false, fmt.Errorf("%w: %v", keys.ErrCorrupt, err)
				}
				break
			}
			dkey := deleteKey(t.id, l.id, l.pos)
			if _, own := tx.GetBuffered(dkey); own {
				return nil, nil, false, nil
			}
			link, deleted, err := tx.GetLatest(ctx, dkey)
			if err != nil {
				return nil, nil, false, err
			}
			if !deleted {
				row, err := t.readFileRow(ctx, mv, l.pos)
				if err != nil {
					return nil, nil, false, err
				}
				return appendLocator(nil, locFile, l.part, l.id, l.pos), row, true, nil
			}
			if len(link) == 0 {
				return nil, nil, false, nil // a plain DELETE
			}
			if next, err = parseLocator(link); err != nil {
				return nil, nil, false, fmt.Errorf("%w: %v", keys.ErrCorrupt, err)
			}
		default:
			return nil, nil, false, fmt.Errorf("lake: invalid row locator kind %q", l.kind)
		}
		l = next
	}
	return nil, nil, false, concurrentUpdate(tx)
}

// lastDeletion returns the value of the newest version of a deletion key
// that is not a tombstone (OPTIMIZE drops the deletion keys of the files
// it replaces), reading every retained version: nil when there is none.
func (t *Table) lastDeletion(ctx context.Context, file uint64, pos int64) ([]byte, error) {
	rtx := t.s.db.Begin(txn.Options{Isolation: txn.ReadCommitted, ReadOnly: true})
	defer rtx.Rollback()
	dkey := deleteKey(t.id, file, pos)
	var out []byte
	found := false
	err := rtx.ScanVersions(ctx, dkey, keys.PrefixEnd(dkey), func(key []byte, _ uint64, value []byte, deleted bool) error {
		if found || deleted || string(key) != string(dkey) {
			return nil
		}
		found, out = true, append([]byte(nil), value...)
		return nil
	})
	return out, err
}

// readFileRow reads the stored datums of row pos of the file whose
// manifest value is mv: one row group is decoded for one row, which is
// fine for a re-check.
func (t *Table) readFileRow(ctx context.Context, mv []byte, pos int64) (types.Row, error) {
	m, _, err := decodeFileMeta(mv, t.typByID)
	if err != nil {
		return nil, err
	}
	of, err := t.s.files.acquire(ctx, m.Path, t.cols)
	if err != nil {
		return nil, err
	}
	defer t.s.files.release(of)
	g, first := -1, int64(0)
	for i, rg := range of.r.RowGroups() {
		if pos < first+rg.Rows {
			g = i
			break
		}
		first += rg.Rows
	}
	if g < 0 {
		return nil, fmt.Errorf("%w: lake row %d beyond file %s", keys.ErrCorrupt, pos, m.Path)
	}
	it, err := of.r.Read(ctx, []int{g}, t.colIDs, defaultBatchRows)
	if err != nil {
		return nil, err
	}
	defer it.Close()
	for {
		rec, p, err := it.Next(ctx)
		if err != nil {
			return nil, err
		}
		if rec == nil {
			return nil, fmt.Errorf("%w: lake row %d missing from file %s", keys.ErrCorrupt, pos, m.Path)
		}
		if pos >= p+rec.NumRows() {
			rec.Release()
			continue
		}
		rows, err := pqfile.AppendRows(nil, rec, t.typs)
		rec.Release()
		if err != nil {
			return nil, err
		}
		return rows[pos-p], nil
	}
}

// fullRow spreads stored datums over the catalog columns, as a scan
// returns them: dropped columns NULL, lake_rowid the locator.
func (t *Table) fullRow(stored types.Row, loc Locator) types.Row {
	out := make(types.Row, len(t.desc.Columns))
	for i := range out {
		out[i] = types.DNull
	}
	for i, o := range t.colOrd {
		out[o] = stored[i]
	}
	for i := range t.desc.Columns {
		if isRowIDColumn(&t.desc.Columns[i]) {
			out[i] = types.DBytes(loc)
		}
	}
	return out
}
