package storage

import (
	"encoding/binary"
	"io"

	"github.com/cockroachdb/pebble/v2"
)

// maxMerger keeps the largest 8-byte big-endian operand. It is only used
// on the max-commit-timestamp metadata key.
var maxMerger = &pebble.Merger{
	Name: "conflux.maxuint64.v1",
	Merge: func(_, value []byte) (pebble.ValueMerger, error) {
		m := &maxValueMerger{}
		m.add(value)
		return m, nil
	},
}

type maxValueMerger struct {
	v   uint64
	buf [8]byte
}

func (m *maxValueMerger) add(b []byte) {
	if len(b) == 8 {
		m.v = max(m.v, binary.BigEndian.Uint64(b))
	}
}

func (m *maxValueMerger) MergeNewer(v []byte) error { m.add(v); return nil }
func (m *maxValueMerger) MergeOlder(v []byte) error { m.add(v); return nil }
func (m *maxValueMerger) Finish(bool) ([]byte, io.Closer, error) {
	binary.BigEndian.PutUint64(m.buf[:], m.v)
	return m.buf[:], nil, nil
}
