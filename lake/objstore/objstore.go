package objstore

import (
	"context"
	"errors"
	"io"
	"time"
)

// ErrNotExist is returned (wrapped) by Open and Delete for a missing object.
var ErrNotExist = errors.New("objstore: object does not exist")

// Store is a flat namespace of immutable objects. Names are
// slash-separated relative paths ("12/00017f3a.parquet").
type Store interface {
	// Put stores the object atomically: readers see all of it or nothing,
	// never a partial object, even if the process dies mid-write. Put of an
	// existing name replaces it.
	Put(ctx context.Context, name string, r io.Reader, size int64) error
	// Open opens an object for random access (Parquet readers seek to the
	// footer first).
	Open(ctx context.Context, name string) (File, error)
	// List calls fn for every object whose name starts with prefix, in
	// name order.
	List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error
	// Delete removes an object; deleting a missing object is not an error.
	Delete(ctx context.Context, name string) error
	// URL describes the store for logs and system views (no credentials).
	URL() string
}

// File is an open object.
type File interface {
	io.ReaderAt
	Size() int64
	Close() error
}

// ObjectInfo describes one listed object.
type ObjectInfo struct {
	Name    string
	Size    int64
	ModTime time.Time
}
