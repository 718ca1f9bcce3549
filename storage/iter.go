package storage

import (
	"github.com/cockroachdb/pebble/v2"
)

// Iter walks the newest visible version of each user key in [lower, upper)
// at a read timestamp, skipping tombstones. Key and Value are valid until
// the next call to Next.
type Iter struct {
	it      *pebble.Iterator
	readTS  uint64
	reverse bool
	started bool
	done    bool
	err     error
	key     []byte // current user key (points into it or scratch)
	value   []byte
	scratch []byte
	prev    []byte // copy of the key being skipped (Pebble's buffer moves)
	bounds  []byte
}

// maxNextsBeforeSeek bounds how many older versions a forward scan steps
// over before seeking: stepping is cheaper for keys with few versions.
const maxNextsBeforeSeek = 4

// NewIter returns an iterator over [lower, upper) at readTS; a nil upper
// means no upper bound.
func (e *Engine) NewIter(lower, upper []byte, readTS uint64, reverse bool) *Iter {
	i := &Iter{readTS: readTS, reverse: reverse}
	b := appendBare(make([]byte, 0, len(lower)+len(upper)+2), lower)
	opts := &pebble.IterOptions{LowerBound: b}
	if upper != nil {
		l := len(b)
		b = appendBare(b, upper)
		opts.UpperBound = b[l:]
	}
	i.bounds = b
	it, err := e.db.NewIter(opts)
	if err != nil {
		i.err, i.done = err, true
		return i
	}
	i.it = it
	return i
}

// Next advances to the next visible key; false at the end or on error.
func (i *Iter) Next() bool {
	if i.done {
		return false
	}
	var valid bool
	switch {
	case !i.started:
		i.started = true
		if i.reverse {
			valid = i.it.Last()
		} else {
			valid = i.it.First()
		}
	case i.reverse:
		i.scratch = appendBare(i.scratch[:0], i.key)
		valid = i.it.SeekLT(i.scratch)
	default:
		i.prev = append(i.prev[:0], i.key...)
		valid = i.skipPast(i.prev)
	}
	if i.reverse {
		valid = i.settleReverse(valid)
	} else {
		valid = i.settleForward(valid)
	}
	if !valid {
		i.done = true
		i.err = i.it.Error()
		i.key, i.value = nil, nil
	}
	return valid
}

// skipPast moves to the first version of the user key after k; k must not
// alias Pebble's key buffer.
func (i *Iter) skipPast(k []byte) bool {
	for n := 0; n < maxNextsBeforeSeek; n++ {
		if !i.it.Next() {
			return false
		}
		if uk, _, _ := decodeEngineKey(i.it.Key()); string(uk) != string(k) {
			return true
		}
	}
	i.scratch = append(appendBare(i.scratch[:0], k), sentinel)
	return i.it.SeekGE(i.scratch)
}

func (i *Iter) settleForward(valid bool) bool {
	for valid {
		uk, ts, versioned := decodeEngineKey(i.it.Key())
		if !versioned {
			valid = i.it.Next()
			continue
		}
		if ts > i.readTS {
			i.scratch = appendVersioned(i.scratch[:0], uk, i.readTS)
			valid = i.it.SeekGE(i.scratch)
			continue
		}
		v, err := i.it.ValueAndErr()
		if err != nil {
			i.err = err
			return false
		}
		if len(v) == 0 || v[0] == tagTomb {
			i.prev = append(i.prev[:0], uk...)
			valid = i.skipPast(i.prev)
			continue
		}
		i.key, i.value = uk, v[1:]
		return true
	}
	return false
}

func (i *Iter) settleReverse(valid bool) bool {
	for valid {
		uk, _, versioned := decodeEngineKey(i.it.Key())
		if !versioned {
			valid = i.it.Prev()
			continue
		}
		// Positioned on the oldest version of uk; jump to the visible one.
		i.scratch = appendVersioned(i.scratch[:0], uk, i.readTS)
		if i.it.SeekGE(i.scratch) {
			k2, _, ok := decodeEngineKey(i.it.Key())
			if ok && string(k2) == string(i.scratch[:len(i.scratch)-1-suffixLen]) {
				v, err := i.it.ValueAndErr()
				if err != nil {
					i.err = err
					return false
				}
				if len(v) > 0 && v[0] == tagLive {
					i.key, i.value = k2, v[1:]
					return true
				}
			}
		} else if err := i.it.Error(); err != nil {
			i.err = err
			return false
		}
		// Bare uk sorts before all of uk's versions: SeekLT(bare) is the
		// previous user key. scratch holds uk@readTS; truncate it to bare uk.
		i.scratch = i.scratch[:len(i.scratch)-suffixLen]
		valid = i.it.SeekLT(i.scratch)
	}
	return false
}

// Key returns the current user key.
func (i *Iter) Key() []byte { return i.key }

// Value returns the current value.
func (i *Iter) Value() []byte { return i.value }

// Err returns the error that ended the iteration, if any.
func (i *Iter) Err() error { return i.err }

// Close releases the iterator.
func (i *Iter) Close() error {
	i.done = true
	if i.it == nil {
		return nil
	}
	err := i.it.Close()
	i.it = nil
	return err
}
