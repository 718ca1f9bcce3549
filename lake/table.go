package lake

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"time"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/storage/keys"
	"github.com/conflux-db/conflux/storage/rowenc"
	"github.com/conflux-db/conflux/txn"
)

// footerCacheSize bounds the open files (parsed footers) a Store keeps.
const footerCacheSize = 256

func (o *Options) setDefaults() {
	if o.InlineFlushRows <= 0 {
		o.InlineFlushRows = 8192
	}
	if o.FlushAge <= 0 {
		o.FlushAge = time.Minute
	}
	if o.DirectWriteRows <= 0 {
		o.DirectWriteRows = 8192
	}
	if o.TargetFileRows <= 0 {
		o.TargetFileRows = 1 << 20
	}
	if o.Retention <= 0 {
		o.Retention = 24 * time.Hour
	}
	if o.VacuumGrace <= 0 {
		o.VacuumGrace = time.Hour
	}
	if o.MaintenanceInterval <= 0 {
		o.MaintenanceInterval = 10 * time.Second
	}
	if o.TempDir == "" {
		o.TempDir = os.TempDir()
	}
}

// Options returns the options in effect (defaults filled in).
func (s *Store) Options() Options { return s.opts }

func (s *Store) table(t *catalog.Table) (*Table, error) {
	if !t.IsLake() {
		return nil, pgerr.New(pgerr.WrongObjectType, "%q is not a lake table", t.Name)
	}
	lt := &Table{s: s, desc: t, id: uint32(t.ID), typByID: map[uint32]*types.T{}, writer: s.opts.Writer}
	if c := t.Options["compression"]; c != "" {
		lt.writer.Compression = c
	}
	for i, c := range t.Columns {
		if c.Dropped || isRowIDColumn(&c) {
			continue
		}
		lt.cols = append(lt.cols, c)
		lt.colOrd = append(lt.colOrd, i)
		lt.colIDs = append(lt.colIDs, c.ID)
		lt.typs = append(lt.typs, c.Type)
		lt.typByID[c.ID] = c.Type
	}
	for _, name := range t.PartitionBy() {
		idx := -1
		for i, c := range lt.cols {
			if c.Name == name {
				idx = i
			}
		}
		if idx < 0 {
			return nil, pgerr.New(pgerr.UndefinedColumn, "partition column %q of table %q does not exist", name, t.Name)
		}
		lt.partIdx = append(lt.partIdx, idx)
	}
	return lt, nil
}

func isRowIDColumn(c *catalog.Column) bool {
	return c.Hidden && c.Name == catalog.LakeRowIDColumn
}

// storedRow picks the stored columns out of a full-width row.
func (t *Table) storedRow(row types.Row) types.Row {
	out := make(types.Row, len(t.colOrd))
	for i, o := range t.colOrd {
		if o < len(row) && row[o] != nil {
			out[i] = row[o]
		} else {
			out[i] = types.DNull
		}
	}
	return out
}

// partKey encodes the partition values of a stored row (the <part> of
// the keyspace) and their text forms.
func (t *Table) partKey(row types.Row) ([]byte, []string, error) {
	if len(t.partIdx) == 0 {
		return nil, nil, nil
	}
	var b []byte
	text := make([]string, len(t.partIdx))
	for n, i := range t.partIdx {
		var err error
		if b, err = rowenc.AppendKey(b, row[i], t.typs[i], false); err != nil {
			return nil, nil, err
		}
		if row[i] == types.DNull {
			text[n] = "NULL"
		} else {
			text[n] = types.FormatText(row[i], t.typs[i], nil)
		}
	}
	return b, text, nil
}

// putInline writes one inlined row: a fresh key, so no row lock.
func (t *Table) putInline(tx *txn.Txn, row types.Row) error {
	part, _, err := t.partKey(row)
	if err != nil {
		return err
	}
	return t.putInlineID(tx, part, t.s.ids.next(), row)
}

// putInlineID writes an inlined row under a given (fresh) id.
func (t *Table) putInlineID(tx *txn.Txn, part []byte, id uint64, row types.Row) error {
	v, err := rowenc.EncodeRow(t.colIDs, row, t.typs)
	if err != nil {
		return err
	}
	return tx.PutUnlocked(inlineKey(t.id, part, id), v)
}

// stmtCounts are the rows a statement's Delete/Update calls changed and
// the key of the snapshot record describing them.
type stmtCounts struct {
	tx               *txn.Txn
	deleted, updated int64
	key              []byte
	op               string
}

// countChange returns the counters of tx's statement (a Table used by
// another transaction starts over).
func (t *Table) countChange(tx *txn.Txn) *stmtCounts {
	if t.stmt.tx != tx {
		t.stmt = stmtCounts{tx: tx}
	}
	return &t.stmt
}

// noteChange rewrites the statement's snapshot record after a Delete or
// Update: the record is one buffered key, replaced in place, so it is
// right whenever the transaction commits and no end-of-statement call is
// needed.
func (t *Table) noteChange(tx *txn.Txn) error {
	c := &t.stmt
	if c.key == nil {
		c.key = snapshotKey(t.id, t.s.ids.next())
	}
	op := c.op
	if op == "" {
		op = "DELETE"
		if c.updated > 0 {
			op = "UPDATE"
		}
	}
	return t.putSnapshot(tx, c.key, SnapshotRecord{Operation: op, RowsDeleted: c.deleted + c.updated, RowsAdded: c.updated})
}

// FinishStatement ends the statement's snapshot record: the next Delete
// or Update through t starts a new one. op, if not empty, renames the
// record's operation ("MERGE"; the default is DELETE or UPDATE). Calling
// it is optional when a Table serves one statement.
func (t *Table) FinishStatement(ctx context.Context, tx *txn.Txn, op string) error {
	var err error
	if op != "" && t.stmt.key != nil {
		t.stmt.op = op
		err = t.noteChange(tx)
	}
	t.stmt = stmtCounts{}
	return err
}

// writeSnapshot appends a record to the table's snapshot log: a blind
// write of a fresh key, so concurrent writers never conflict on it.
func (t *Table) writeSnapshot(tx *txn.Txn, rec SnapshotRecord) error {
	return t.putSnapshot(tx, snapshotKey(t.id, t.s.ids.next()), rec)
}

func (t *Table) putSnapshot(tx *txn.Txn, key []byte, rec SnapshotRecord) error {
	_, id, err := splitPartID(key[len(key)-8:])
	if err != nil {
		return err
	}
	rec.Time = idTime(id)
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return tx.PutUnlocked(key, v)
}

// delete writes the deletion of the row loc names. link is the locator
// of the row an UPDATE replaces it by (nil for a DELETE): it is stored
// with the deletion so that a READ COMMITTED writer blocked on this row
// can find its newest version (epq.go). newest says loc came from a
// RowUpdatedError: the row is newer than tx's snapshot, so it is checked
// at the newest commit instead.
func (t *Table) delete(ctx context.Context, tx *txn.Txn, loc Locator, link []byte, newest bool) (bool, error) {
	l, err := parseLocator(loc)
	if err != nil {
		return false, pgerr.New(pgerr.InternalError, "%v", err)
	}
	if l.kind == locFile {
		return t.deleteFileRow(ctx, tx, l.part, l.id, l.pos, newest, link)
	}
	key := inlineKey(t.id, l.part, l.id)
	if !newest {
		if _, found, err := tx.Get(ctx, key); err != nil || !found {
			return false, err
		}
	}
	// The row lock of the inlined key: a concurrent deleter makes this
	// wait, then fail as for a row table.
	res, err := tx.Lock(ctx, key, txn.LockExclusive, txn.WaitBlock)
	if err != nil {
		return false, err
	}
	live := res == txn.Locked
	if newest {
		// Inserted after the snapshot: is it still there?
		if _, live, err = tx.GetLatest(ctx, key); err != nil {
			return false, err
		}
	}
	if live {
		if err := tx.Delete(ctx, key); err != nil {
			return false, err
		}
		if link != nil {
			return true, putForward(tx, forwardInlineKey(t.id, l.part, l.id), &forward{IDs: []uint64{l.id}, To: link})
		}
		return true, nil
	}
	// Deleted after our snapshot: by a user (updated or deleted), or by
	// a flush that moved the row into a file, where we delete it instead.
	to, update, ok, err := t.forwardedInline(ctx, l.part, l.id)
	if err != nil {
		return false, err
	}
	if !ok || update {
		return t.changed(ctx, tx, l)
	}
	return t.deleteFileRow(ctx, tx, to.part, to.id, to.pos, true, link)
}

// maxForwards bounds how many rewrites a delete follows a row through.
const maxForwards = 16

// deleteFileRow deletes row pos of a file. moved says the row was found
// through a forwarding record or a RowUpdatedError: the file is newer
// than the snapshot, so the checks read the newest commits instead.
func (t *Table) deleteFileRow(ctx context.Context, tx *txn.Txn, part []byte, file uint64, pos int64, moved bool, link []byte) (bool, error) {
	for range maxForwards {
		// KEY SHARE on the file's manifest entry: OPTIMIZE cannot replace
		// the file while we hold it, so our deletion cannot be lost.
		mkey := manifestKey(t.id, part, file)
		res, err := tx.Lock(ctx, mkey, txn.LockShare, txn.WaitBlock)
		if err != nil {
			return false, err
		}
		if res == txn.LockedNewer || moved {
			// Published (a forwarded file) or removed after the snapshot.
			_, live, err := tx.GetLatest(ctx, mkey)
			if err != nil {
				return false, err
			}
			if !live {
				f, p, ok, err := t.forwardedFile(ctx, tx, file, pos)
				if err != nil {
					return false, err
				}
				if !ok { // truncated, or deleted before the rewrite
					return t.changed(ctx, tx, locator{kind: locFile, part: part, id: file, pos: pos})
				}
				file, pos, moved = f, p, true
				continue
			}
			moved = true
		}
		dkey := deleteKey(t.id, file, pos)
		if _, own := tx.GetBuffered(dkey); own {
			return false, nil // we deleted it already
		}
		if !moved {
			// A locator from another snapshot may name a file this one lacks.
			if _, ok, err := tx.Get(ctx, mkey); err != nil || !ok {
				return false, err
			}
			if _, deleted, err := tx.Get(ctx, dkey); err != nil || deleted {
				return false, err
			}
		}
		// The row lock, taken before the write so that a deletion
		// committed after the snapshot is reported here (with the
		// successor it names) rather than as a bare statement restart.
		res, err = tx.Lock(ctx, dkey, txn.LockExclusive, txn.WaitBlock)
		if err != nil {
			return false, err
		}
		if res == txn.LockedNewer || moved {
			if _, deleted, err := tx.GetLatest(ctx, dkey); err != nil || deleted {
				if err != nil {
					return false, err
				}
				return t.changed(ctx, tx, locator{kind: locFile, part: part, id: file, pos: pos})
			}
		}
		return true, tx.Put(ctx, dkey, link)
	}
	return false, concurrentUpdate(tx)
}

// concurrentUpdate is the error for a row changed after tx's snapshot:
// a statement restart at READ COMMITTED, 40001 above.
func concurrentUpdate(tx *txn.Txn) error {
	if tx.Options().Isolation == txn.ReadCommitted {
		return &txn.RetryStatementError{Err: txn.ErrConcurrentUpdate()}
	}
	return txn.ErrConcurrentUpdate()
}

// manifestEntry is one decoded manifest entry.
type manifestEntry struct {
	FileMeta
	part []byte
	key  []byte
}

// manifest reads the manifest entries whose partition keys are in
// [lo, hi) (nil: unbounded) at tx's snapshot.
func (t *Table) manifest(ctx context.Context, tx *txn.Txn, lo, hi []byte) ([]manifestEntry, error) {
	sec := sectionPrefix(t.id, secManifest)
	lower, upper := sectionBounds(sec, lo, hi)
	it := tx.Scan(ctx, lower, upper, false)
	defer it.Close()
	var out []manifestEntry
	for it.Next() {
		m, part, err := t.s.files.meta.decode(it.Key(), it.Value(), t.typByID)
		if err != nil {
			return nil, err
		}
		out = append(out, manifestEntry{FileMeta: m, part: part, key: append([]byte(nil), it.Key()...)})
	}
	return out, it.Err()
}

// sectionBounds is the key span of a section restricted to partition keys
// in [lo, hi).
func sectionBounds(sec, lo, hi []byte) (lower, upper []byte) {
	lower = append(append([]byte(nil), sec...), lo...)
	if hi == nil {
		upper = keys.PrefixEnd(sec)
	} else {
		upper = append(append([]byte(nil), sec...), hi...)
	}
	return lower, upper
}

// deletions reads the deleted positions of a file at tx's snapshot, in
// ascending order. The scan is the SSI read of the file's deletion span.
func (t *Table) deletions(ctx context.Context, tx *txn.Txn, file uint64) ([]int64, error) {
	prefix := deletePrefix(t.id, file)
	it := tx.Scan(ctx, prefix, keys.PrefixEnd(prefix), false)
	defer it.Close()
	var out []int64
	for it.Next() {
		p, err := decodeDeletePos(it.Key(), len(prefix))
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, it.Err()
}

func (t *Table) countInline(ctx context.Context, tx *txn.Txn) (int64, error) {
	sec := sectionPrefix(t.id, secInline)
	it := tx.Scan(ctx, sec, keys.PrefixEnd(sec), false)
	defer it.Close()
	var n int64
	for it.Next() {
		n++
	}
	return n, it.Err()
}

// truncate deletes the table's manifest, inlined rows and deletion keys
// (and for DROP its snapshot log too). Manifest entries are deleted with
// their row locks, so a concurrent deleter holding KEY SHARE on one is
// waited for; the rest is unlocked (no one else writes those keys except
// deleters, whose conflicts first-committer-wins still catches).
func (t *Table) truncate(ctx context.Context, tx *txn.Txn, drop bool) error {
	files, err := t.manifest(ctx, tx, nil, nil)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := tx.Delete(ctx, f.key); err != nil {
			return err
		}
		if !drop {
			// Kept for time travel until the retention period passes.
			if err := t.markRemoved(tx, &f); err != nil {
				return err
			}
		}
	}
	secs := []byte{secInline, secDelete}
	if drop {
		// The objects go with the table: vacuumDropped deletes them.
		secs = append(secs, secSnapshot, secRemoved, secForwardFile, secForwardInline)
	}
	var deleted int64
	for _, sec := range secs {
		p := sectionPrefix(t.id, sec)
		it := tx.Scan(ctx, p, keys.PrefixEnd(p), false)
		var ks [][]byte
		for it.Next() {
			ks = append(ks, append([]byte(nil), it.Key()...))
		}
		err := it.Err()
		it.Close()
		if err != nil {
			return err
		}
		if sec == secInline {
			deleted += int64(len(ks))
		}
		for _, k := range ks {
			if err := tx.DeleteUnlocked(k); err != nil {
				return err
			}
		}
	}
	if drop {
		return nil
	}
	for _, f := range files {
		deleted += f.Rows
	}
	return t.writeSnapshot(tx, SnapshotRecord{Operation: "TRUNCATE", RowsDeleted: deleted, FilesRemoved: len(files)})
}

// snapshots reads the snapshot log, oldest first.
func (t *Table) snapshots(ctx context.Context, tx *txn.Txn) ([]SnapshotRecord, error) {
	p := sectionPrefix(t.id, secSnapshot)
	commitTS, err := commitTimestamps(ctx, tx, p)
	if err != nil {
		return nil, err
	}
	it := tx.Scan(ctx, p, keys.PrefixEnd(p), false)
	defer it.Close()
	var out []SnapshotRecord
	for it.Next() {
		var rec SnapshotRecord
		if err := json.Unmarshal(it.Value(), &rec); err != nil {
			return nil, errors.Join(keys.ErrCorrupt, err)
		}
		rec.CommitTS = commitTS[string(it.Key())]
		out = append(out, rec)
	}
	return out, it.Err()
}
