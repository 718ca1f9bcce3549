package pgcatalog

import (
	"context"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/types"
)

// RelationSizer estimates how many bytes a relation occupies in storage.
// The session a builtin runs in implements it when it can reach the
// storage engine (an estimate over the relation's key span is enough:
// tools show these numbers to humans and sort by them). Without it every
// size is 0.
//
// A table's rows live in its primary index, so RelationSize of a table ID
// is the size of its rows and of its primary key; a secondary index ID is
// that index's entries. Sizes of views, sequences and system relations
// are 0.
type RelationSizer interface {
	RelationSize(ctx context.Context, rel catalog.ID) (int64, error)
}

// relSizeKind says which of PostgreSQL's size functions is asked.
type relSizeKind int

const (
	sizeRelation relSizeKind = iota // pg_relation_size: the relation's main fork
	sizeTable                       // pg_table_size: without indexes
	sizeIndexes                     // pg_indexes_size: the table's indexes
	sizeTotal                       // pg_total_relation_size: table and indexes
)

// relationSize implements the size functions. An OID naming no relation
// gives NULL, as in PostgreSQL.
func relationSize(kind relSizeKind) func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
	return func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
		if ctx.Catalog == nil {
			return types.DInt(0), nil
		}
		rel, ok := relationByOID(ctx.Catalog, catalog.ID(argOIDValue(a[0])))
		if !ok {
			return types.DNull, nil
		}
		sizer, ok := ctx.Session.(RelationSizer)
		if !ok || rel.virt != nil || rel.table == nil {
			return types.DInt(0), nil
		}
		c := ctx.Ctx
		if c == nil {
			c = context.Background()
		}
		size := func(id catalog.ID) (int64, error) { return sizer.RelationSize(c, id) }
		var total int64
		add := func(id catalog.ID) error {
			n, err := size(id)
			total += n
			return err
		}
		if rel.index != nil {
			// An index: its own entries (a primary key's are the table's rows).
			if kind == sizeIndexes || rel.index.Primary {
				return types.DInt(0), nil
			}
			if err := add(rel.index.ID); err != nil {
				return nil, err
			}
			return types.DInt(total), nil
		}
		if rel.table.Kind != catalog.KindTable {
			return types.DInt(0), nil
		}
		if kind != sizeIndexes {
			if err := add(rel.table.ID); err != nil {
				return nil, err
			}
		}
		if kind == sizeIndexes || kind == sizeTotal {
			for i := range rel.table.Indexes {
				if err := add(rel.table.Indexes[i].ID); err != nil {
					return nil, err
				}
			}
		}
		return types.DInt(total), nil
	}
}
