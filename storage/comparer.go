package storage

import (
	"bytes"
	"encoding/binary"

	"github.com/cockroachdb/pebble/v2"
)

const (
	sentinel   = 0x00
	suffixLen  = 9 // 8-byte timestamp + length byte
	tagTomb    = 0
	tagLive    = 1
	comparerID = "conflux.mvcc.v1"
)

// split returns the length of k's Pebble prefix (userKey+sentinel).
func split(k []byte) int {
	n := len(k)
	if n == 0 {
		return 0
	}
	if k[n-1] == suffixLen && n > suffixLen {
		return n - suffixLen
	}
	return n
}

// compareSuffixes orders the bare key first, then versions newest first.
func compareSuffixes(a, b []byte) int {
	switch {
	case len(a) == 0 && len(b) == 0:
		return 0
	case len(a) == 0:
		return -1
	case len(b) == 0:
		return 1
	}
	return bytes.Compare(b, a)
}

func compareKeys(a, b []byte) int {
	an, bn := split(a), split(b)
	if c := bytes.Compare(a[:an], b[:bn]); c != 0 {
		return c
	}
	return compareSuffixes(a[an:], b[bn:])
}

// mvccComparer is the Pebble comparer for engine keys. Separator and
// Successor return their input unchanged (allowed, and always a valid
// engine key); shortening would have to respect the suffix layout.
var mvccComparer = &pebble.Comparer{
	Compare:              compareKeys,
	Equal:                bytes.Equal, // engine keys are canonical
	ComparePointSuffixes: compareSuffixes,
	CompareRangeSuffixes: compareSuffixes,
	AbbreviatedKey: func(k []byte) uint64 {
		k = k[:split(k)]
		var v uint64
		n := min(len(k), 8)
		for _, c := range k[:n] {
			v = v<<8 | uint64(c)
		}
		return v << (8 * (8 - n))
	},
	Separator: func(dst, a, _ []byte) []byte { return append(dst, a...) },
	Successor: func(dst, a []byte) []byte { return append(dst, a...) },
	ImmediateSuccessor: func(dst, a []byte) []byte {
		// a is a prefix userKey+0x00; the next prefix belongs to the user
		// key userKey+0x00, i.e. userKey 0x00 0x00.
		return append(append(dst, a...), sentinel)
	},
	Split: split,
	Name:  comparerID,
}

// appendVersioned appends the engine key of userKey at ts.
func appendVersioned(dst, userKey []byte, ts uint64) []byte {
	dst = append(dst, userKey...)
	dst = append(dst, sentinel)
	dst = binary.BigEndian.AppendUint64(dst, ts)
	return append(dst, suffixLen)
}

// appendBare appends the unversioned engine key of userKey, which sorts
// before every version of userKey.
func appendBare(dst, userKey []byte) []byte {
	return append(append(dst, userKey...), sentinel)
}

// decodeEngineKey splits an engine key into user key and timestamp;
// versioned is false for bare (metadata) keys and malformed keys.
func decodeEngineKey(k []byte) (userKey []byte, ts uint64, versioned bool) {
	n := len(k)
	if n > suffixLen && k[n-1] == suffixLen && k[n-suffixLen-1] == sentinel {
		return k[:n-suffixLen-1], binary.BigEndian.Uint64(k[n-suffixLen : n-1]), true
	}
	if n > 0 && k[n-1] == sentinel {
		return k[:n-1], 0, false
	}
	return k, 0, false
}
