package sql

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/lake"
	"github.com/conflux-db/conflux/lake/objstore"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/txn"
)

// Lake tables in the SQL layer: the engine owns one lake.Store (object
// store, options, background maintenance); sessions build a lake.Table per
// statement from the descriptor. DDL (lakeddl.go), COPY (copy_lake.go,
// copy_parquet.go), maintenance statements (lakemaint.go) and time travel
// (asof.go) live next to this file.

// openLakeObjects opens the object store lake files go to.
func openLakeObjects(ctx context.Context, cfg Config) (objstore.Store, error) {
	switch {
	case cfg.LakeURL == "" && cfg.InMemory:
		return objstore.NewMemory(), nil
	case cfg.LakeURL == "":
		return objstore.NewLocal(filepath.Join(cfg.DataDir, "lake"))
	}
	return objstore.Open(ctx, cfg.LakeURL)
}

// startLake opens the lake store and starts its maintenance loop for the
// engine's lifetime.
func (e *Engine) startLake(ctx context.Context, cfg Config) error {
	if !cfg.InMemory && cfg.LakeURL == "" {
		if err := os.MkdirAll(filepath.Join(cfg.DataDir, "lake"), 0o700); err != nil {
			return fmt.Errorf("create lake directory: %w", err)
		}
	}
	obj, err := openLakeObjects(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open lake storage: %w", err)
	}
	opts := cfg.Lake
	if opts.Retention <= 0 {
		opts.Retention = txn.DefaultLakeRetention
	}
	// The MVCC GC keeps lake metadata versions for the retention period.
	e.db.SetLakeRetention(opts.Retention)
	e.lake = lake.New(e.db, obj, opts)
	mctx, cancel := context.WithCancel(context.Background())
	e.stopLake = cancel
	e.lake.Start(mctx, e.lakeTables)
	e.log.Info("lake storage", "url", obj.URL())
	return nil
}

// lakeTables lists the lake tables of the latest committed catalog.
func (e *Engine) lakeTables() []*catalog.Table {
	e.catMu.RLock()
	cat := e.cat
	e.catMu.RUnlock()
	var out []*catalog.Table
	for _, t := range cat.Tables() {
		if t.IsLake() {
			out = append(out, t)
		}
	}
	return out
}

// Lake returns the engine's lake store (tests, benchmarks).
func (e *Engine) Lake() *lake.Store { return e.lake }

// lakeTable returns the accessor of a lake table.
func (s *Session) lakeTable(t *catalog.Table) (*lake.Table, error) {
	if s.e.lake == nil {
		return nil, pgerr.New(pgerr.ObjectNotInPrerequisiteState, "lake storage is not configured")
	}
	return s.e.lake.Table(t)
}
