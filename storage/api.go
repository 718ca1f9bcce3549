package storage

// Engine is the Pebble-backed MVCC store. Filled in by the storage work.
type Engine struct{}
