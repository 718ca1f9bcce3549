package txn

// This file fixes the API the SQL layers use. The bodies are filled in by
// the storage/txn work; signatures change only with every caller.

import (
	"context"

	"github.com/conflux-db/conflux/storage"
)

// Isolation is a transaction isolation level.
type Isolation int

const (
	ReadCommitted Isolation = iota
	RepeatableRead
	Serializable
)

// Options are set by BEGIN / SET TRANSACTION.
type Options struct {
	Isolation Isolation
	ReadOnly  bool
}

// DB is the transactional key-value store the SQL layer runs on: a
// storage.Engine plus the Manager that orders commits.
type DB struct {
	engine *storage.Engine
	mgr    *Manager
}

// Open wraps an opened engine. Recovery (finding the last commit
// timestamp) happens here.
func Open(ctx context.Context, e *storage.Engine) (*DB, error) { panic("unimplemented") }

// Begin starts a transaction whose snapshot is every commit acknowledged so far.
func (db *DB) Begin(opts Options) *Txn { panic("unimplemented") }

// Txn is one transaction. It is used by one goroutine at a time.
// Reads see the snapshot plus the transaction's own writes; writes are
// buffered in memory until Commit, which writes all of them (every table,
// the catalog) in one durable Pebble batch.
type Txn struct{}

// Get reads one key.
func (t *Txn) Get(ctx context.Context, key []byte) (value []byte, found bool, err error) {
	panic("unimplemented")
}

// Scan iterates the keys in [lower, upper) in ascending order (descending
// if reverse), merging the snapshot with the transaction's own writes.
func (t *Txn) Scan(ctx context.Context, lower, upper []byte, reverse bool) Iterator {
	panic("unimplemented")
}

// Put buffers a write. The key and value are copied.
func (t *Txn) Put(key, value []byte) error { panic("unimplemented") }

// Delete buffers a deletion.
func (t *Txn) Delete(key []byte) error { panic("unimplemented") }

// Commit makes every buffered write durable and visible atomically, or
// returns a *pgerr.Error with SQLSTATE 40001 on a write-write conflict
// (first committer wins). Read-only transactions commit without I/O.
func (t *Txn) Commit(ctx context.Context) error { panic("unimplemented") }

// Rollback discards the transaction. Safe to call after Commit (no-op).
func (t *Txn) Rollback() { panic("unimplemented") }

// Savepoint returns a token that RollbackTo uses to undo every write
// buffered after it (statement-level atomicity and SAVEPOINT).
func (t *Txn) Savepoint() Savepoint { panic("unimplemented") }

// RollbackTo undoes the writes made since sp.
func (t *Txn) RollbackTo(sp Savepoint) { panic("unimplemented") }

// Refresh moves the read snapshot to the latest commit (READ COMMITTED
// takes a new snapshot for every statement). Own writes stay visible.
func (t *Txn) Refresh() { panic("unimplemented") }

// Options returns the options the transaction was started with.
func (t *Txn) Options() Options { panic("unimplemented") }

// Savepoint marks a position in a transaction's write buffer.
type Savepoint struct{ seq int }

// Iterator walks key/value pairs. Key and Value are valid until Next.
type Iterator interface {
	Next() bool
	Key() []byte
	Value() []byte
	Err() error
	Close()
}
