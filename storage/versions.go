package storage

import (
	"context"

	"github.com/cockroachdb/pebble/v2"
)

// VersionFunc receives one stored version: its user key, commit
// timestamp, value (nil for a tombstone) and whether it is a tombstone.
// key and value are valid only during the call.
type VersionFunc func(key []byte, ts uint64, value []byte, deleted bool) error

// ScanVersions calls fn for every stored version of the user keys in
// [lower, upper) (nil upper: no bound) committed at or below readTS, in
// key order and newest first per key. Versions the GC already removed are
// of course missing: what is retained is what the horizons allowed
// (lake keys keep theirs for the retention period). It stops at the first
// error fn returns.
func (e *Engine) ScanVersions(ctx context.Context, lower, upper []byte, readTS uint64, fn VersionFunc) error {
	opts := &pebble.IterOptions{LowerBound: appendBare(nil, lower)}
	if upper != nil {
		opts.UpperBound = appendBare(nil, upper)
	}
	it, err := e.db.NewIter(opts)
	if err != nil {
		return err
	}
	defer it.Close()
	var n int
	for valid := it.First(); valid; valid = it.Next() {
		if n++; n%gcCtxEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		uk, ts, versioned := decodeEngineKey(it.Key())
		if !versioned || ts > readTS {
			continue
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		if len(v) == 0 || v[0] == tagTomb {
			err = fn(uk, ts, nil, true)
		} else {
			err = fn(uk, ts, v[1:], false)
		}
		if err != nil {
			return err
		}
	}
	return it.Error()
}
