package rowstore

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/storage"
	"github.com/conflux-db/conflux/storage/keys"
	"github.com/conflux-db/conflux/storage/rowenc"
	"github.com/conflux-db/conflux/txn"
)

// KV is the part of *txn.Txn the row store uses (tests may substitute it).
type KV interface {
	Get(ctx context.Context, key []byte) ([]byte, bool, error)
	Scan(ctx context.Context, lower, upper []byte, reverse bool) txn.Iterator
	Put(ctx context.Context, key, value []byte) error
	Delete(ctx context.Context, key []byte) error
}

var _ KV = (*txn.Txn)(nil)

// Locker is the row-locking part of *txn.Txn. A KV that is not a Locker
// (test fakes) gets no locking: writes then rely on commit-time conflict
// detection alone.
type Locker interface {
	Lock(ctx context.Context, key []byte, s txn.LockStrength, w txn.WaitPolicy) (txn.LockResult, error)
	GetLatest(ctx context.Context, key []byte) ([]byte, bool, error)
	Options() txn.Options
}

var _ Locker = (*txn.Txn)(nil)

// unlockedWriter is the part of *txn.Txn that writes without row locks
// (see txn/bulk.go for when that is safe).
type unlockedWriter interface {
	PutUnlocked(key, value []byte) error
	DeleteUnlocked(key []byte) error
}

// putFree writes a key no concurrent transaction can write (a fresh row
// id, a non-unique index entry embedding a locked primary key) without a
// row lock when the KV supports it.
func putFree(kv KV, ctx context.Context, key, value []byte) error {
	if u, ok := kv.(unlockedWriter); ok {
		return u.PutUnlocked(key, value)
	}
	return kv.Put(ctx, key, value)
}

func deleteFree(kv KV, ctx context.Context, key []byte) error {
	if u, ok := kv.(unlockedWriter); ok {
		return u.DeleteUnlocked(key)
	}
	return kv.Delete(ctx, key)
}

// Bulk wraps a transaction for bulk rewrites and loads (COPY FROM, ALTER
// TABLE ADD PRIMARY KEY, CREATE INDEX backfill, TRUNCATE): every write
// skips the row-lock table, and uniqueness checks read plain snapshot
// values, so a concurrent writer of the same key is caught at COMMIT
// (40001) instead of being waited for. Keys under fresh — a prefix that
// is empty in the snapshot because its index was just created — are
// checked against the transaction's own writes only, without a storage
// seek. Other KVs are returned unchanged.
func Bulk(kv KV, fresh []byte) KV {
	if t, ok := kv.(*txn.Txn); ok {
		return bulkKV{t: t, fresh: fresh}
	}
	return kv
}

type bulkKV struct {
	t     *txn.Txn
	fresh []byte
}

func (b bulkKV) Get(ctx context.Context, key []byte) ([]byte, bool, error) {
	if b.fresh != nil && bytes.HasPrefix(key, b.fresh) {
		v, ok := b.t.GetBuffered(key)
		return v, ok, nil
	}
	return b.t.Get(ctx, key)
}

func (b bulkKV) Scan(ctx context.Context, lower, upper []byte, reverse bool) txn.Iterator {
	return b.t.Scan(ctx, lower, upper, reverse)
}

func (b bulkKV) Put(ctx context.Context, key, value []byte) error { return b.t.PutUnlocked(key, value) }
func (b bulkKV) Delete(ctx context.Context, key []byte) error     { return b.t.DeleteUnlocked(key) }
func (b bulkKV) PutUnlocked(key, value []byte) error              { return b.t.PutUnlocked(key, value) }
func (b bulkKV) DeleteUnlocked(key []byte) error                  { return b.t.DeleteUnlocked(key) }

// claim locks key exclusively and reports whether a row (or unique index
// entry) exists under it. Locking first makes a concurrent uncommitted
// insert of the same key wait for its transaction to end, as PostgreSQL
// waits on the inserter's xid. When the key has a commit newer than the
// snapshot, existence is decided by the newest version (a committed
// duplicate is a duplicate at every isolation level); visible says
// whether the snapshot sees the existing entry.
func claim(ctx context.Context, kv KV, key []byte) (val []byte, found, visible bool, err error) {
	if lk, ok := kv.(Locker); ok && !lk.Options().ReadOnly {
		r, err := lk.Lock(ctx, key, txn.LockExclusive, txn.WaitBlock)
		if err != nil {
			return nil, false, false, err
		}
		if r == txn.LockedNewer {
			v, found, err := lk.GetLatest(ctx, key)
			if err != nil || !found {
				return nil, false, false, err
			}
			_, vis, err := kv.Get(ctx, key)
			return v, true, vis, err
		}
	}
	v, found, err := kv.Get(ctx, key)
	return v, found, found, err
}

// conflict builds the error for an existing entry under a unique key.
// SERIALIZABLE reports a duplicate its snapshot cannot see as a
// serialization failure (PostgreSQL does the same since 9.6): the
// transaction could not have known about it.
func (t *Table) conflict(kv KV, ix *catalog.Index, ord []int, row types.Row, key []byte, visible bool) *ConflictError {
	ce := &ConflictError{Err: t.dupErr(ix, ord, row).(*pgerr.Error), Index: ix, Key: key, Visible: visible}
	if lk, ok := kv.(Locker); ok && !visible && lk.Options().Isolation == txn.Serializable {
		ce.Err = pgerr.New(pgerr.SerializationFailure, "could not serialize access due to read/write dependencies among transactions").
			WithDetail("Reason code: Canceled on identification as a pivot, during conflict in checking.").
			WithHint("The transaction might succeed if retried.")
	}
	return ce
}

// rowIDState is process-wide on purpose: row ids must be unique across
// every session of the process. It is not configuration but a clock.
var rowIDLast atomic.Int64

// NewRowID returns a unique, roughly time-ordered int8: microseconds since
// the epoch shifted left by 10 bits, bumped past the last value handed out.
func NewRowID() int64 {
	now := time.Now().UnixMicro() << 10
	for {
		last := rowIDLast.Load()
		next := now
		if next <= last {
			next = last + 1
		}
		if rowIDLast.CompareAndSwap(last, next) {
			return next
		}
	}
}

// Table is a table descriptor prepared for row encoding. Build one with
// For and reuse it: it is immutable and safe for concurrent use.
type Table struct {
	Desc    *catalog.Table
	colIDs  []uint32 // stored columns (not dropped), in Columns order
	colOrd  []int    // ordinal in Desc.Columns of colIDs[i]
	typs    []*types.T
	ordByID map[uint32]int
	pkOrd   []int
	pkDesc  []bool
	indexes []index
	// allCols decodes every stored column; built on first use and shared
	// by the Decoders of every execution of a prepared statement (a
	// RowDecoder is read-only once built), so a DML statement's decoder
	// costs one small allocation instead of seven.
	allCols atomic.Pointer[rowenc.RowDecoder]
	// pkPrefix is the primary index's key prefix (never written to).
	pkPrefix []byte
}

type index struct {
	desc   *catalog.Index
	ord    []int
	dirs   []bool
	prefix []byte // the index's key prefix (never written to)
}

// For prepares t.
func For(t *catalog.Table) *Table {
	rt := &Table{Desc: t, ordByID: map[uint32]int{}}
	for i, c := range t.Columns {
		rt.ordByID[c.ID] = i
		if c.Dropped {
			continue
		}
		rt.colIDs = append(rt.colIDs, c.ID)
		rt.colOrd = append(rt.colOrd, i)
		rt.typs = append(rt.typs, c.Type)
	}
	rt.pkOrd, rt.pkDesc = rt.ords(&t.Primary)
	// Key prefixes are computed once: building them per row cost several
	// allocations per UPDATE.
	rt.pkPrefix = keys.IndexPrefix(uint32(t.ID), uint32(t.Primary.ID))
	for i := range t.Indexes {
		o, d := rt.ords(&t.Indexes[i])
		rt.indexes = append(rt.indexes, index{desc: &t.Indexes[i], ord: o, dirs: d,
			prefix: keys.IndexPrefix(uint32(t.ID), uint32(t.Indexes[i].ID))})
	}
	return rt
}

func (t *Table) ords(ix *catalog.Index) ([]int, []bool) {
	ord := make([]int, len(ix.ColumnIDs))
	dirs := make([]bool, len(ix.ColumnIDs))
	for i, id := range ix.ColumnIDs {
		ord[i] = t.ordByID[id]
		if i < len(ix.Desc) {
			dirs[i] = ix.Desc[i]
		}
	}
	return ord, dirs
}

// PrimaryPrefix is the key prefix of the table's rows.
func (t *Table) PrimaryPrefix() []byte {
	return t.pkPrefix[:len(t.pkPrefix):len(t.pkPrefix)] // appends copy
}

// AppendPrimaryKey appends the primary key of row to buf.
func (t *Table) AppendPrimaryKey(buf []byte, row types.Row) ([]byte, error) {
	buf = keys.AppendIndexPrefix(buf, uint32(t.Desc.ID), uint32(t.Desc.Primary.ID))
	var err error
	for i, o := range t.pkOrd {
		if buf, err = rowenc.AppendKey(buf, row[o], t.Desc.Columns[o].Type, t.pkDesc[i]); err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// AppendKeyValues appends the index prefix plus the given values of the
// index's leading columns (for spans and point lookups).
func (t *Table) AppendKeyValues(buf []byte, ix *catalog.Index, vals []types.Datum) ([]byte, error) {
	buf = keys.AppendIndexPrefix(buf, uint32(t.Desc.ID), uint32(ix.ID))
	var err error
	for i, v := range vals {
		ord := t.ordByID[ix.ColumnIDs[i]]
		desc := i < len(ix.Desc) && ix.Desc[i]
		if buf, err = rowenc.AppendKey(buf, v, t.Desc.Columns[ord].Type, desc); err != nil {
			return nil, err
		}
	}
	return buf, nil
}

func (t *Table) encodeValue(buf []byte, row types.Row) ([]byte, error) {
	if len(t.colOrd) == len(row) {
		// No dropped column: the row is already in stored-column order
		// (a copy per row was a fifth of a bulk load's encoding cost).
		return rowenc.AppendRow(buf, t.colIDs, row, t.typs)
	}
	vals := make([]types.Datum, len(t.colOrd))
	for i, o := range t.colOrd {
		vals[i] = row[o]
	}
	return rowenc.AppendRow(buf, t.colIDs, vals, t.typs)
}

// Decoder decodes stored values into full-width rows, skipping the
// columns not marked needed (they read as NULL).
type Decoder struct {
	rd  *rowenc.RowDecoder
	ord []int
	tmp []types.Datum // nil: decode straight into the row (ord is the identity)
	n   int
	// slab is carved into rows, so a batch lookup allocates once per
	// decoderSlabRows rows rather than once per row. A row keeps its slab
	// alive; rows are small and short-lived, so that costs little. It
	// starts at one row and doubles: most decoders (a DML statement's, a
	// point lookup's) decode a single row.
	slab     []types.Datum
	slabRows int
}

const decoderSlabRows = 32

// NewDecoder builds a decoder; needed nil means every column.
func (t *Table) NewDecoder(needed []bool) *Decoder {
	if allNeeded(needed, len(t.Desc.Columns)) {
		rd := t.allCols.Load()
		if rd == nil {
			rd = rowenc.NewRowDecoder(t.colIDs, t.typs)
			t.allCols.Store(rd) // a racing builder stores an equal one
		}
		d := &Decoder{rd: rd, ord: t.colOrd, n: len(t.Desc.Columns)}
		if len(t.colOrd) != d.n { // dropped columns: positions differ
			d.tmp = make([]types.Datum, len(t.colOrd))
		}
		return d
	}
	var ids []uint32
	var typs []*types.T
	var ord []int
	for i, id := range t.colIDs {
		o := t.colOrd[i]
		if needed != nil && o < len(needed) && !needed[o] {
			continue
		}
		ids, typs, ord = append(ids, id), append(typs, t.typs[i]), append(ord, o)
	}
	return &Decoder{rd: rowenc.NewRowDecoder(ids, typs), ord: ord, tmp: make([]types.Datum, len(ids)), n: len(t.Desc.Columns)}
}

// allNeeded reports whether needed asks for all n columns.
func allNeeded(needed []bool, n int) bool {
	if needed == nil {
		return true
	}
	if len(needed) < n {
		return false
	}
	for _, b := range needed[:n] {
		if !b {
			return false
		}
	}
	return true
}

// Decode returns a new row decoded from a stored value.
func (d *Decoder) Decode(value []byte) (types.Row, error) {
	if d.n == 0 {
		if err := d.rd.Decode(value, d.tmp); err != nil {
			return nil, pgerr.New(pgerr.DataCorrupted, "rowstore: %v", err)
		}
		return types.Row{}, nil
	}
	if len(d.slab) < d.n {
		d.slabRows = min(max(2*d.slabRows, 1), decoderSlabRows)
		d.slab = make([]types.Datum, d.n*d.slabRows)
	}
	row := types.Row(d.slab[:d.n:d.n])
	d.slab = d.slab[d.n:]
	if d.tmp == nil {
		// Every column stored, in order: the decoder fills (or NULLs)
		// each position itself.
		if err := d.rd.Decode(value, row); err != nil {
			return nil, pgerr.New(pgerr.DataCorrupted, "rowstore: %v", err)
		}
		return row, nil
	}
	if err := d.rd.Decode(value, d.tmp); err != nil {
		return nil, pgerr.New(pgerr.DataCorrupted, "rowstore: %v", err)
	}
	for i := range row {
		row[i] = types.DNull
	}
	for i, o := range d.ord {
		row[o] = d.tmp[i]
	}
	return row, nil
}

func (t *Table) checkNotNull(row types.Row) error {
	for i, c := range t.Desc.Columns {
		if c.NotNull && !c.Dropped && row[i] == types.DNull {
			return &pgerr.Error{Code: pgerr.NotNullViolation, Table: t.Desc.Name, Column: c.Name,
				Message: "null value in column \"" + c.Name + "\" of relation \"" + t.Desc.Name + "\" violates not-null constraint",
				Detail:  "Failing row contains " + t.rowText(row) + "."}
		}
	}
	return nil
}

func (t *Table) rowText(row types.Row) string {
	var parts []string
	for i, c := range t.Desc.Columns {
		if c.Hidden || c.Dropped {
			continue
		}
		if row[i] == types.DNull {
			parts = append(parts, "null")
		} else {
			parts = append(parts, types.FormatText(row[i], c.Type, nil))
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func (t *Table) dupErr(ix *catalog.Index, ord []int, row types.Row) error {
	var names, vals []string
	for _, o := range ord {
		names = append(names, t.Desc.Columns[o].Name)
		if row[o] == types.DNull {
			vals = append(vals, "null")
		} else {
			vals = append(vals, types.FormatText(row[o], t.Desc.Columns[o].Type, nil))
		}
	}
	return &pgerr.Error{Code: pgerr.UniqueViolation, Table: t.Desc.Name, Constraint: ix.Name,
		Message: "duplicate key value violates unique constraint \"" + ix.Name + "\"",
		Detail:  "Key (" + strings.Join(names, ", ") + ")=(" + strings.Join(vals, ", ") + ") already exists."}
}

// indexEntry returns the key of row's entry in ix and whether uniqueness
// applies to it (unique index, no NULL key column).
func (t *Table) indexEntry(ix *index, row types.Row, pk []byte) ([]byte, bool, error) {
	key := make([]byte, 0, len(ix.prefix)+len(pk)+16)
	key = append(key, ix.prefix...)
	hasNull := false
	var err error
	for i, o := range ix.ord {
		if row[o] == types.DNull {
			hasNull = true
		}
		if key, err = rowenc.AppendKey(key, row[o], t.Desc.Columns[o].Type, ix.dirs[i]); err != nil {
			return nil, false, err
		}
	}
	unique := ix.desc.Unique && !hasNull
	if !unique {
		// Non-unique entries are made distinct by the primary key (without its prefix).
		key = append(key, pk[len(t.pkPrefix):]...)
	}
	return key, unique, nil
}

// ErrConflict wraps a unique violation so INSERT ... ON CONFLICT can
// tell which index conflicted.
type ConflictError struct {
	Err   *pgerr.Error
	Index *catalog.Index
	// Key is the primary key of the existing row.
	Key []byte
	// Visible is false when the existing row was committed after the
	// transaction's snapshot (found through the newest version): REPEATABLE
	// READ and SERIALIZABLE callers of ON CONFLICT report 40001 for it.
	Visible bool
}

func (e *ConflictError) Error() string { return e.Err.Error() }
func (e *ConflictError) Unwrap() error { return e.Err }

// Insert writes a new row (full width, Desc.Columns order), checking NOT
// NULL and every unique constraint. A violation is a *ConflictError
// wrapping the 23505 error.
func (t *Table) Insert(ctx context.Context, kv KV, row types.Row) error {
	if err := t.checkNotNull(row); err != nil {
		return err
	}
	pk, err := t.AppendPrimaryKey(nil, row)
	if err != nil {
		return err
	}
	putPK := KV.Put
	if t.hiddenPK() && row[t.pkOrd[0]] != types.DNull {
		// A generated row id is unique by construction (NewRowID): no
		// existence check, and no concurrent insert can share it.
		putPK = putFree
	} else if _, found, vis, err := claim(ctx, kv, pk); err != nil {
		return err
	} else if found {
		return t.conflict(kv, &t.Desc.Primary, t.pkOrd, row, pk, vis)
	}
	type put struct {
		k, v   []byte
		unique bool
	}
	puts := make([]put, 0, len(t.indexes))
	for i := range t.indexes {
		ix := &t.indexes[i]
		k, unique, err := t.indexEntry(ix, row, pk)
		if err != nil {
			return err
		}
		if unique {
			if v, found, vis, err := claim(ctx, kv, k); err != nil {
				return err
			} else if found {
				return t.conflict(kv, ix.desc, ix.ord, row, append([]byte(nil), v...), vis)
			}
		}
		puts = append(puts, put{k, pk, unique})
	}
	val, err := t.encodeValue(nil, row)
	if err != nil {
		return err
	}
	if err := putPK(kv, ctx, pk, val); err != nil {
		return err
	}
	for _, p := range puts {
		write := putFree // embeds the primary key, locked above (or fresh)
		if p.unique {
			write = KV.Put // claimed above: the lock is already held
		}
		if err := write(kv, ctx, p.k, p.v); err != nil {
			return err
		}
	}
	return nil
}

// hiddenPK reports whether rows are keyed by a generated row id.
func (t *Table) hiddenPK() bool {
	return len(t.pkOrd) == 1 && t.Desc.Columns[t.pkOrd[0]].Hidden
}

// Delete removes a row and its index entries.
func (t *Table) Delete(ctx context.Context, kv KV, row types.Row) error {
	pk, err := t.AppendPrimaryKey(nil, row)
	if err != nil {
		return err
	}
	// Lock the row first: its non-unique index entries embed its key and
	// need no lock of their own. Unique entries are locked so that a
	// concurrent inserter of the same value waits for our outcome.
	if err := kv.Delete(ctx, pk); err != nil {
		return err
	}
	for i := range t.indexes {
		k, unique, err := t.indexEntry(&t.indexes[i], row, pk)
		if err != nil {
			return err
		}
		del := deleteFree
		if unique {
			del = KV.Delete
		}
		if err := del(kv, ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// Update replaces old with new, maintaining indexes; a changed primary
// key moves the row.
func (t *Table) Update(ctx context.Context, kv KV, old, new types.Row) error {
	if err := t.checkNotNull(new); err != nil {
		return err
	}
	oldPK, err := t.AppendPrimaryKey(nil, old)
	if err != nil {
		return err
	}
	newPK, err := t.AppendPrimaryKey(nil, new)
	if err != nil {
		return err
	}
	if !bytes.Equal(oldPK, newPK) {
		if err := t.Delete(ctx, kv, old); err != nil {
			return err
		}
		return t.Insert(ctx, kv, new)
	}
	for i := range t.indexes {
		ix := &t.indexes[i]
		ok, _, err := t.indexEntry(ix, old, oldPK)
		if err != nil {
			return err
		}
		nk, unique, err := t.indexEntry(ix, new, newPK)
		if err != nil {
			return err
		}
		if bytes.Equal(ok, nk) {
			continue
		}
		if unique {
			if v, found, vis, err := claim(ctx, kv, nk); err != nil {
				return err
			} else if found {
				return t.conflict(kv, ix.desc, ix.ord, new, append([]byte(nil), v...), vis)
			}
		}
		_, oldUnique, err := t.indexEntry(ix, old, oldPK)
		if err != nil {
			return err
		}
		del, put := deleteFree, putFree
		if oldUnique {
			del = KV.Delete
		}
		if unique {
			put = KV.Put // claimed above
		}
		if err := del(kv, ctx, ok); err != nil {
			return err
		}
		if err := put(kv, ctx, nk, newPK); err != nil {
			return err
		}
	}
	val, err := t.encodeValue(nil, new)
	if err != nil {
		return err
	}
	return kv.Put(ctx, newPK, val)
}

// Get reads the row stored under a primary key.
func (t *Table) Get(ctx context.Context, kv KV, pk []byte, dec *Decoder) (types.Row, bool, error) {
	v, found, err := kv.Get(ctx, pk)
	if err != nil || !found {
		return nil, false, err
	}
	row, err := dec.Decode(v)
	return row, err == nil, err
}

// Scanner iterates the rows of one index span.
type Scanner struct {
	t     *Table
	kv    KV
	it    txn.Iterator
	dec   *Decoder
	sec   bool
	err   error
	ctx   context.Context
	count int
}

// Scan iterates rows in index order over [lower, upper) of index ix
// (bounds are full keys including the index prefix; nil means the whole index).
func (t *Table) Scan(ctx context.Context, kv KV, ix *catalog.Index, lower, upper []byte, dec *Decoder) *Scanner {
	prefix := keys.IndexPrefix(uint32(t.Desc.ID), uint32(ix.ID))
	if lower == nil {
		lower = prefix
	}
	if upper == nil {
		upper = keys.PrefixEnd(prefix)
	}
	return &Scanner{t: t, kv: kv, it: kv.Scan(ctx, lower, upper, false), dec: dec, sec: !ix.Primary && ix.ID != t.Desc.Primary.ID, ctx: ctx}
}

// Next returns the next row, or nil at the end.
func (s *Scanner) Next() (types.Row, error) {
	for s.it.Next() {
		v := s.it.Value()
		if s.sec {
			row, found, err := s.t.Get(s.ctx, s.kv, append([]byte(nil), v...), s.dec)
			if err != nil {
				return nil, err
			}
			if !found {
				continue // stale entry; cannot happen with transactional maintenance
			}
			return row, nil
		}
		return s.dec.Decode(v)
	}
	return nil, s.it.Err()
}

// Close releases the iterator.
func (s *Scanner) Close() { s.it.Close() }

// Backfill writes the entries of index ix (already in t.Desc.Indexes) for
// every existing row (CREATE INDEX on a populated table). Unique
// violations are reported like PostgreSQL's "could not create unique index".
func Backfill(ctx context.Context, kv KV, table *catalog.Table, ix *catalog.Index) error {
	// The new index's keyspace is empty in the snapshot: uniqueness is
	// checked against our own writes, and DDL serialises on the descriptor.
	kv = Bulk(kv, keys.IndexPrefix(uint32(table.ID), uint32(ix.ID)))
	t := For(table)
	var target *index
	for i := range t.indexes {
		if t.indexes[i].desc.ID == ix.ID {
			target = &t.indexes[i]
		}
	}
	if target == nil {
		o, d := t.ords(ix)
		target = &index{desc: ix, ord: o, dirs: d}
	}
	sc := t.Scan(ctx, kv, &table.Primary, nil, nil, t.NewDecoder(nil))
	defer sc.Close()
	n := 0
	for {
		row, err := sc.Next()
		if err != nil {
			return err
		}
		if row == nil {
			return nil
		}
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		pk, err := t.AppendPrimaryKey(nil, row)
		if err != nil {
			return err
		}
		k, unique, err := t.indexEntry(target, row, pk)
		if err != nil {
			return err
		}
		if unique {
			if _, found, err := kv.Get(ctx, k); err != nil {
				return err
			} else if found {
				e := t.dupErr(ix, target.ord, row).(*pgerr.Error)
				e.Message = "could not create unique index \"" + ix.Name + "\""
				e.Detail = strings.Replace(e.Detail, "already exists", "is duplicated", 1)
				return e
			}
		}
		if err := kv.Put(ctx, k, pk); err != nil {
			return err
		}
	}
}

// Truncate deletes every row and index entry of the table.
func Truncate(ctx context.Context, kv KV, table *catalog.Table) error {
	return DeleteSpan(ctx, kv, keys.TableSpanPrefix(uint32(table.ID)))
}

// DeleteSpan deletes every key with the given prefix (a table, or one
// index after DROP INDEX). Keys are deleted as the scan reaches them: the
// scan sees the writes buffered when it started, so its own deletions do
// not disturb it, and a large table's keys are never all copied at once.
// Sub-spans already retired by DropSpan (the row-id index a re-keyed table
// left behind) are skipped: nothing can read them, and the GC removes them.
func DeleteSpan(ctx context.Context, kv KV, prefix []byte) error {
	kv = Bulk(kv, nil) // TRUNCATE/DROP: the statement's descriptor lock serialises DDL
	ranges, err := liveRanges(ctx, kv, prefix, keys.PrefixEnd(prefix))
	if err != nil {
		return err
	}
	n := 0
	for _, r := range ranges {
		it := kv.Scan(ctx, r[0], r[1], false)
		for it.Next() {
			if n++; n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					it.Close()
					return err
				}
			}
			if err := kv.Delete(ctx, it.Key()); err != nil {
				it.Close()
				return err
			}
		}
		err := it.Err()
		it.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// liveRanges splits [lower, upper) around the dropped spans recorded
// inside it, in order.
func liveRanges(ctx context.Context, kv KV, lower, upper []byte) ([][2][]byte, error) {
	it := kv.Scan(ctx, storage.DroppedSpanKey(lower), storage.DroppedSpanKey(upper), false)
	defer it.Close()
	var out [][2][]byte
	from := lower
	for it.Next() {
		start := it.Key()[len(storage.DroppedSpanPrefix):]
		end := it.Value()
		if bytes.Compare(start, from) < 0 || bytes.Compare(end, upper) > 0 || bytes.Compare(start, end) >= 0 {
			continue // overlaps an earlier span or leaves the range: not worth a special case
		}
		if bytes.Compare(from, start) < 0 {
			out = append(out, [2][]byte{from, bytes.Clone(start)})
		}
		from = bytes.Clone(end)
	}
	if err := it.Err(); err != nil {
		return nil, err
	}
	if bytes.Compare(from, upper) < 0 {
		out = append(out, [2][]byte{from, upper})
	}
	return out, nil
}
