package sql

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/storage/keys"
	"github.com/conflux-db/conflux/txn"
)

// The catalog lives in the same MVCC key space as the data: one key per
// descriptor under keys.DescPrefix, holding JSON. DDL is therefore
// transactional for free (a CREATE TABLE inside BEGIN ... ROLLBACK leaves
// nothing behind) and commits atomically with data writes. Descriptor 0
// holds the ID counter.

// descValue is the stored form of one descriptor; exactly one field is set.
type descValue struct {
	Schema   *catalog.Schema   `json:"schema,omitempty"`
	Table    *catalog.Table    `json:"table,omitempty"`
	Sequence *catalog.Sequence `json:"sequence,omitempty"`
	Role     *catalog.Role     `json:"role,omitempty"`
	NextID   catalog.ID        `json:"next_id,omitempty"`
}

// descriptors is a mutable set of descriptors: what loadCatalog reads and
// what DDL edits before writing back.
type descriptors struct {
	schemas   []*catalog.Schema
	tables    []*catalog.Table
	sequences []*catalog.Sequence
	roles     []*catalog.Role
	nextID    catalog.ID
}

// loadDescriptors reads every descriptor visible to t.
func loadDescriptors(ctx context.Context, t *txn.Txn) (*descriptors, error) {
	it := t.Scan(ctx, keys.DescPrefix, prefixEnd(keys.DescPrefix), false)
	defer it.Close()
	d := &descriptors{}
	for it.Next() {
		var v descValue
		if err := json.Unmarshal(it.Value(), &v); err != nil {
			id, _ := keys.DecodeDescKey(it.Key())
			return nil, pgerr.New(pgerr.DataCorrupted, "corrupt catalog descriptor %d: %v", id, err)
		}
		switch {
		case v.Schema != nil:
			d.schemas = append(d.schemas, v.Schema)
		case v.Table != nil:
			d.tables = append(d.tables, v.Table)
		case v.Sequence != nil:
			d.sequences = append(d.sequences, v.Sequence)
		case v.Role != nil:
			d.roles = append(d.roles, v.Role)
		case v.NextID != 0:
			d.nextID = v.NextID
		}
	}
	return d, it.Err()
}

func putDesc(ctx context.Context, t *txn.Txn, id catalog.ID, v descValue) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode descriptor %d: %w", id, err)
	}
	return t.Put(ctx, keys.DescKey(uint32(id)), b)
}

func deleteDesc(ctx context.Context, t *txn.Txn, id catalog.ID) error {
	return t.Delete(ctx, keys.DescKey(uint32(id)))
}

// allocateID reserves the next object ID inside t. Concurrent DDL
// transactions both write the counter, so one of them gets 40001: DDL is
// serialised, as PostgreSQL serialises it with locks.
func allocateID(ctx context.Context, t *txn.Txn) (catalog.ID, error) {
	b, found, err := t.Get(ctx, keys.DescKey(0))
	if err != nil {
		return 0, err
	}
	next := catalog.FirstUserID
	if found {
		var v descValue
		if err := json.Unmarshal(b, &v); err != nil {
			return 0, pgerr.New(pgerr.DataCorrupted, "corrupt ID counter: %v", err)
		}
		next = v.NextID
	}
	if err := putDesc(ctx, t, 0, descValue{NextID: next + 1}); err != nil {
		return 0, err
	}
	return next, nil
}

// prefixEnd returns the smallest key greater than every key with the prefix.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil
}

// bootstrap writes the initial catalog of a new database: the built-in
// schemas and the superuser role.
func bootstrap(ctx context.Context, db *txn.DB, superuser string) error {
	t := db.Begin(txn.Options{})
	defer t.Rollback()
	if _, found, err := t.Get(ctx, keys.DescKey(0)); err != nil || found {
		return err
	}
	for _, s := range []*catalog.Schema{
		{ID: catalog.PgCatalogSchemaID, Name: "pg_catalog", Owner: superuser},
		{ID: catalog.PublicSchemaID, Name: "public", Owner: superuser},
		{ID: catalog.InfoSchemaSchemaID, Name: "information_schema", Owner: superuser},
	} {
		if err := putDesc(ctx, t, s.ID, descValue{Schema: s}); err != nil {
			return err
		}
	}
	if err := putDesc(ctx, t, 10, descValue{Role: &catalog.Role{ID: 10, Name: superuser, Superuser: true, Login: true}}); err != nil {
		return err
	}
	if err := putDesc(ctx, t, 0, descValue{NextID: catalog.FirstUserID}); err != nil {
		return err
	}
	return t.Commit(ctx)
}
