package lake

import (
	"context"

	"github.com/conflux-db/conflux/storage/keys"
	"github.com/conflux-db/conflux/txn"
)

// commitTimestamps maps each key of the section prefix to the commit
// timestamp of its newest version at tx's snapshot (deleted keys and
// keys only tx itself wrote are absent).
func commitTimestamps(ctx context.Context, tx *txn.Txn, prefix []byte) (map[string]uint64, error) {
	out := map[string]uint64{}
	var last []byte
	err := tx.ScanVersions(ctx, prefix, keys.PrefixEnd(prefix), func(key []byte, ts uint64, _ []byte, deleted bool) error {
		if last != nil && string(key) == string(last) {
			return nil // an older version
		}
		last = append(last[:0], key...)
		if !deleted {
			out[string(key)] = ts
		}
		return nil
	})
	return out, err
}
