package sql

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/lake"
	"github.com/conflux-db/conflux/storage"
	"github.com/conflux-db/conflux/txn"
)

// superuserName is the role created with a new database; the quickstart
// connects as it (psql -U postgres), as with a stock PostgreSQL.
const superuserName = "postgres"

// databaseName is the one database a Conflux server holds. Clients may
// name any database at startup; current_database() reports what they asked for.
const databaseName = "postgres"

// Open opens (or creates) the database in cfg.DataDir.
func Open(ctx context.Context, cfg Config) (*Engine, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	if !cfg.InMemory {
		if cfg.DataDir == "" {
			return nil, fmt.Errorf("sql.Open: no data directory")
		}
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
	}
	st, err := storage.Open(ctx, cfg.DataDir, storage.Options{InMemory: cfg.InMemory, Logger: log})
	if err != nil {
		return nil, err
	}
	db, err := txn.Open(ctx, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	e := &Engine{engineState{store: st, db: db, log: log, seqs: map[catalog.ID]*seqState{}, dataDir: cfg.DataDir}}
	e.registry = newRegistry()
	e.virtual = e.withRuntime(systemTables(e.registry))
	if err := bootstrap(ctx, db, superuserName); err != nil {
		st.Close()
		return nil, fmt.Errorf("bootstrap catalog: %w", err)
	}
	if err := e.reloadCatalog(ctx); err != nil {
		st.Close()
		return nil, err
	}
	if err := e.startLake(ctx, cfg); err != nil {
		st.Close()
		return nil, err
	}
	if err := e.dropStaleTempSchemas(ctx); err != nil {
		e.stopLake()
		e.lake.Wait()
		st.Close()
		return nil, err
	}
	// Old MVCC versions are collected in the background for the engine's
	// lifetime (not the Open call's ctx, which may end first).
	e.stopGC = db.StartGC(context.Background(), txn.DefaultGCInterval)
	return e, nil
}

// Engine state shared by all sessions.
type engineState struct {
	stopGC func() // stops the MVCC garbage collector
	// lake stores lake tables; stopLake ends its maintenance loop.
	lake     *lake.Store
	stopLake context.CancelFunc
	dataDir  string // relative COPY FROM file names start here
	store    *storage.Engine
	db       *txn.DB
	log      *slog.Logger

	// catMu orders catalog changes against transaction starts: a
	// transaction that begins sees exactly the catalog its snapshot sees.
	catMu sync.RWMutex
	cat   *catalog.Snapshot

	registry *registry
	virtual  []*catalog.VirtualTable

	seqMu sync.Mutex
	seqs  map[catalog.ID]*seqState

	nextPID  atomic.Int32
	sessions sessionRegistry // open sessions, for pg_stat_activity
	closed   atomic.Bool
}

// Close flushes and closes the store.
func (e *Engine) Close() error {
	if !e.closed.CompareAndSwap(false, true) {
		return nil
	}
	if e.stopLake != nil {
		e.stopLake()
		e.lake.Wait()
	}
	if e.stopGC != nil {
		e.stopGC()
	}
	return e.store.Close()
}

// LookupRole returns the role with the given name, or nil.
func (e *Engine) LookupRole(ctx context.Context, name string) (*catalog.Role, error) {
	e.catMu.RLock()
	defer e.catMu.RUnlock()
	return e.cat.RoleByName(name), nil
}

// reloadCatalog rebuilds the cached catalog from the latest commit.
// Callers hold catMu for writing, or run before the engine is shared.
func (e *Engine) reloadCatalog(ctx context.Context) error {
	t := e.db.Begin(txn.Options{ReadOnly: true})
	defer t.Rollback()
	d, err := loadDescriptors(ctx, t)
	if err != nil {
		return err
	}
	e.cat = e.snapshotOf(d)
	return nil
}

func (e *Engine) snapshotOf(d *descriptors) *catalog.Snapshot {
	return catalog.NewSnapshot(d.schemas, d.tables, d.sequences, d.roles, e.virtual)
}

// begin starts a transaction together with the catalog it sees.
func (e *Engine) begin(opts txn.Options) (*txn.Txn, *catalog.Snapshot) {
	e.catMu.RLock()
	defer e.catMu.RUnlock()
	return e.db.Begin(opts), e.cat
}

// refresh moves a READ COMMITTED transaction to a new snapshot.
func (e *Engine) refresh(t *txn.Txn) *catalog.Snapshot {
	e.catMu.RLock()
	defer e.catMu.RUnlock()
	t.Refresh()
	return e.cat
}

// commit commits t; when it changed the catalog, the cached catalog is
// replaced in the same critical section so no transaction can start
// between the commit and the new catalog.
func (e *Engine) commit(ctx context.Context, t *txn.Txn, catalogChanged bool) error {
	if !catalogChanged {
		return t.Commit(ctx)
	}
	e.catMu.Lock()
	defer e.catMu.Unlock()
	if err := t.Commit(ctx); err != nil {
		return err
	}
	return e.reloadCatalog(ctx)
}

// dropStaleTempSchemas removes temporary schemas left by sessions of a
// previous run that ended without cleaning up (a crash).
func (e *Engine) dropStaleTempSchemas(ctx context.Context) error {
	for _, sc := range e.cat.Schemas() {
		if !strings.HasPrefix(sc.Name, "pg_temp_") {
			continue
		}
		s, err := e.NewSession(ctx, SessionParams{User: superuserName})
		if err != nil {
			return err
		}
		_, err = s.execInternal(ctx, "DROP SCHEMA "+sc.Name+" CASCADE")
		s.Close()
		if err != nil {
			return fmt.Errorf("drop stale %s: %w", sc.Name, err)
		}
	}
	return nil
}
