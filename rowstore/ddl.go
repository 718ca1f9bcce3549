package rowstore

import (
	"bytes"
	"context"
	"strings"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/storage"
	"github.com/conflux-db/conflux/storage/keys"
)

// Schema changes that touch existing rows. Each streams the table once
// inside the DDL's transaction, so the change commits atomically with the
// new descriptor or not at all.

// AddColumn fills a newly added column (already appended to table) in
// every existing row with its default. Rows without the column decode it
// as NULL, so nothing is written when the default is NULL. eval computes
// the default; it is called once per row when the default looks volatile
// (a function call), else once.
func AddColumn(ctx context.Context, kv KV, table *catalog.Table, col *catalog.Column,
	eval func(context.Context, *catalog.Column) (types.Datum, error)) error {
	perRow := strings.Contains(col.Default, "(")
	var constant types.Datum = types.DNull
	if col.Default != "" && !perRow {
		var err error
		if constant, err = eval(ctx, col); err != nil {
			return err
		}
	}
	if col.Default == "" || (!perRow && constant == types.DNull) {
		if !col.NotNull {
			return nil
		}
	}
	t := For(table)
	ord := t.ordByID[col.ID]
	return t.rewrite(ctx, kv, func(row types.Row) (types.Row, error) {
		v := constant
		if perRow {
			var err error
			if v, err = eval(ctx, col); err != nil {
				return nil, err
			}
		}
		if v == types.DNull && col.NotNull {
			return nil, &pgerr.Error{Code: pgerr.NotNullViolation, Table: table.Name, Column: col.Name,
				Message: "column \"" + col.Name + "\" of relation \"" + table.Name + "\" contains null values"}
		}
		nr := append(types.Row(nil), row...)
		nr[ord] = v
		return nr, nil
	})
}

// rewrite replaces every row by fn(row). The scan sees the rows as they
// were when it started, so rewritten rows are not visited twice.
func (t *Table) rewrite(ctx context.Context, kv KV, fn func(types.Row) (types.Row, error)) error {
	sc := t.Scan(ctx, kv, &t.Desc.Primary, nil, nil, t.NewDecoder(nil))
	defer sc.Close()
	for n := 0; ; n++ {
		row, err := sc.Next()
		if err != nil {
			return err
		}
		if row == nil {
			return nil
		}
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		nr, err := fn(row)
		if err != nil {
			return err
		}
		if err := t.Update(ctx, kv, row, nr); err != nil {
			return err
		}
	}
}

// CheckNotNull fails with 23502 when any row has NULL in col (ALTER
// COLUMN SET NOT NULL).
func CheckNotNull(ctx context.Context, kv KV, table *catalog.Table, col *catalog.Column) error {
	t := For(table)
	ord := t.ordByID[col.ID]
	needed := make([]bool, len(table.Columns))
	needed[ord] = true
	sc := t.Scan(ctx, kv, &table.Primary, nil, nil, t.NewDecoder(needed))
	defer sc.Close()
	for {
		row, err := sc.Next()
		if err != nil {
			return err
		}
		if row == nil {
			return nil
		}
		if row[ord] == types.DNull {
			return &pgerr.Error{Code: pgerr.NotNullViolation, Table: table.Name, Column: col.Name,
				Message: "column \"" + col.Name + "\" of relation \"" + table.Name + "\" contains null values"}
		}
	}
}

// ChangePrimaryKey re-keys every row of a table that was stored by its
// hidden row id under a new primary key (ALTER TABLE ADD PRIMARY KEY) and
// returns the new descriptor: the row id column is dropped and the key
// columns become NOT NULL.
//
// Each row is written once under its new key with its stored value as is
// (values are tagged by column ID, so the dropped row id's payload is
// skipped on decode until the row is next rewritten); only the key
// columns are decoded. The old row-id keyspace is not deleted row by row:
// no descriptor will name its index again, so one dropped-span record
// (DropSpan) hands it to the GC, which removes it once no snapshot can
// read it. For pgbench's 1M accounts that halves the transaction's writes.
func ChangePrimaryKey(ctx context.Context, kv KV, table *catalog.Table, pk catalog.Index) (*catalog.Table, error) {
	old := For(table)
	nd := *table
	nd.Columns = append([]catalog.Column(nil), table.Columns...)
	for i := range nd.Columns {
		c := &nd.Columns[i]
		if c.Hidden && table.Primary.ColumnIDs[0] == c.ID {
			c.Dropped = true
		}
		for _, id := range pk.ColumnIDs {
			if c.ID == id {
				c.NotNull = true
			}
		}
	}
	nd.Primary = pk
	nt := For(&nd)
	// Rows move from the row-id keyspace to the new primary index, which is
	// empty in the snapshot: no row locks, duplicate keys found among our
	// own writes (see Bulk).
	kv = Bulk(kv, keys.IndexPrefix(uint32(table.ID), uint32(pk.ID)))
	var needed []bool // nil: every column, to rebuild secondary entries
	if len(old.indexes) == 0 {
		needed = make([]bool, len(table.Columns))
		for _, id := range pk.ColumnIDs {
			needed[old.ordByID[id]] = true
		}
	}
	dec := old.NewDecoder(needed)
	oldPrefix := old.PrimaryPrefix()
	it := kv.Scan(ctx, oldPrefix, keys.PrefixEnd(oldPrefix), false)
	defer it.Close()
	var key []byte
	for n := 0; it.Next(); n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		row, err := dec.Decode(it.Value())
		if err != nil {
			return nil, err
		}
		for _, id := range pk.ColumnIDs {
			if o := nt.ordByID[id]; row[o] == types.DNull {
				return nil, &pgerr.Error{Code: pgerr.NotNullViolation, Table: table.Name, Column: table.Columns[o].Name,
					Message: "column \"" + table.Columns[o].Name + "\" of relation \"" + table.Name + "\" contains null values"}
			}
		}
		if key, err = nt.AppendPrimaryKey(key[:0], row); err != nil {
			return nil, err
		}
		if _, found, err := kv.Get(ctx, key); err != nil {
			return nil, err
		} else if found {
			e := nt.dupErr(&pk, nt.pkOrd, row).(*pgerr.Error)
			e.Message = "could not create unique index \"" + pk.Name + "\""
			e.Detail = strings.Replace(e.Detail, "already exists", "is duplicated", 1)
			return nil, e
		}
		if err := kv.Put(ctx, key, it.Value()); err != nil {
			return nil, err
		}
		// Secondary entries point at (or embed) the primary key: move them.
		for i := range old.indexes {
			ok, _, err := old.indexEntry(&old.indexes[i], row, it.Key())
			if err != nil {
				return nil, err
			}
			nk, _, err := nt.indexEntry(&nt.indexes[i], row, key)
			if err != nil {
				return nil, err
			}
			if !bytes.Equal(ok, nk) {
				if err := kv.Delete(ctx, ok); err != nil {
					return nil, err
				}
			}
			if err := kv.Put(ctx, nk, key); err != nil {
				return nil, err
			}
		}
	}
	if err := it.Err(); err != nil {
		return nil, err
	}
	if err := DropSpan(ctx, kv, oldPrefix); err != nil {
		return nil, err
	}
	return &nd, nil
}

// DropSpan retires every key with the given prefix: it writes one
// dropped-span record (storage.DroppedSpanKey) in the transaction, and
// the GC deletes the keyspace with a range deletion once the commit is
// below every snapshot. Only for keyspaces no descriptor committed with
// this transaction addresses (the old primary index after a re-key, a
// dropped table or index): snapshots after the commit must not read it,
// and until the GC runs its rows stay readable to anyone scanning the raw
// span. TRUNCATE keeps its index IDs and so needs DeleteSpan.
func DropSpan(ctx context.Context, kv KV, prefix []byte) error {
	return putFree(kv, ctx, storage.DroppedSpanKey(prefix), keys.PrefixEnd(prefix))
}
