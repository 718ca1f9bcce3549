package txn

import (
	"encoding/binary"
	"fmt"
)

// SequenceUpdate atomically reads and replaces a sequence counter stored
// outside MVCC at key (keys.SequenceKey). fn gets the current value
// (exists is false before the first update) and returns the new one, or an
// error (e.g. 2200H when a maximum is reached) to leave it unchanged.
//
// Like PostgreSQL's nextval, the update is not transactional: a rollback
// does not give the value back. It is not fsynced either, and needs not
// be: Pebble's WAL is one ordered log, so any later commit that used the
// value fsyncs this write with it, and a value no commit used may be
// handed out again after a crash without anyone noticing.
func (db *DB) SequenceUpdate(key []byte, fn func(cur int64, exists bool) (int64, error)) (int64, error) {
	db.seqMu.Lock()
	defer db.seqMu.Unlock()
	v, ok, err := db.engine.GetMeta(key)
	if err != nil {
		return 0, err
	}
	var cur int64
	if ok {
		if len(v) != 8 {
			return 0, fmt.Errorf("txn: corrupt sequence value at %x", key)
		}
		cur = int64(binary.BigEndian.Uint64(v))
	}
	next, err := fn(cur, ok)
	if err != nil {
		return 0, err
	}
	if err := db.engine.SetMeta(key, binary.BigEndian.AppendUint64(nil, uint64(next)), false); err != nil {
		return 0, err
	}
	return next, nil
}
