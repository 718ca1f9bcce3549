package sql

import (
	"context"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgcatalog"
	"github.com/conflux-db/conflux/storage/keys"
)

var _ pgcatalog.RelationSizer = sessionInfo{}

// RelationSize estimates a table's (its rows: the primary index) or a
// secondary index's bytes on disk from the key span it occupies in
// storage, for pg_relation_size and friends. Rows still in the memtable
// are not counted (see storage.Engine.EstimateSize).
func (si sessionInfo) RelationSize(ctx context.Context, rel catalog.ID) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	cat := si.s.catalog()
	var prefix []byte
	if t := cat.TableByID(rel); t != nil && t.IsLake() {
		return si.lakeSize(ctx, t)
	} else if t != nil {
		prefix = keys.IndexPrefix(uint32(t.ID), uint32(t.Primary.ID))
	} else {
		for _, t := range cat.Tables() {
			for i := range t.Indexes {
				if t.Indexes[i].ID == rel {
					prefix = keys.IndexPrefix(uint32(t.ID), uint32(rel))
				}
			}
		}
	}
	if prefix == nil {
		return 0, nil
	}
	n, err := si.s.e.store.EstimateSize(prefix, keys.PrefixEnd(prefix))
	return int64(n), err
}

// lakeSize is a lake table's bytes: its Parquet files at the session's
// snapshot (rows not yet flushed to a file are not counted).
func (si sessionInfo) lakeSize(ctx context.Context, t *catalog.Table) (int64, error) {
	s := si.s
	if s.txn == nil || s.e.lake == nil {
		return 0, nil
	}
	lt, err := s.lakeTable(t)
	if err != nil {
		return 0, err
	}
	files, err := lt.Files(ctx, s.txn)
	if err != nil {
		return 0, err
	}
	var n int64
	for _, f := range files {
		n += f.Bytes
	}
	return n, nil
}
