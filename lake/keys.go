package lake

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/conflux-db/conflux/lake/pqfile"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/storage/keys"
	"github.com/conflux-db/conflux/storage/rowenc"
)

// Sections of a table's keyspace (the byte after the table id).
const (
	secDelete   = 'd'
	secManifest = 'f'
	secInline   = 'i'
	secSnapshot = 's'
)

// tablePrefix is /lake/<table>.
func tablePrefix(table uint32) []byte {
	return keys.EncodeUvarintAscending(append([]byte(nil), keys.LakePrefix...), uint64(table))
}

// sectionPrefix is /lake/<table>/<sec>.
func sectionPrefix(table uint32, sec byte) []byte {
	return append(tablePrefix(table), sec)
}

// Ids at the end of manifest and inline keys are fixed 8-byte big-endian
// (order-preserving like the varint encoding), so the partition bytes in
// front of them can be cut out of a key without decoding them.
func appendID(b []byte, id uint64) []byte { return binary.BigEndian.AppendUint64(b, id) }

func manifestKey(table uint32, part []byte, file uint64) []byte {
	return appendID(append(sectionPrefix(table, secManifest), part...), file)
}

func inlineKey(table uint32, part []byte, id uint64) []byte {
	return appendID(append(sectionPrefix(table, secInline), part...), id)
}

// deletePrefix is /lake/<table>/d/<file>: every deletion key of one file.
func deletePrefix(table uint32, file uint64) []byte {
	return appendID(sectionPrefix(table, secDelete), file)
}

func deleteKey(table uint32, file uint64, pos int64) []byte {
	return keys.EncodeUvarintAscending(deletePrefix(table, file), uint64(pos))
}

func snapshotKey(table uint32, id uint64) []byte {
	return appendID(sectionPrefix(table, secSnapshot), id)
}

// splitPartID splits the rest of a manifest or inline key after its
// section prefix into partition bytes and id.
func splitPartID(rest []byte) (part []byte, id uint64, err error) {
	if len(rest) < 8 {
		return nil, 0, fmt.Errorf("lake: short key %x", rest)
	}
	n := len(rest) - 8
	return rest[:n:n], binary.BigEndian.Uint64(rest[n:]), nil
}

// decodeDeletePos returns the position of a deletion key of the file
// whose deletePrefix has length n.
func decodeDeletePos(key []byte, n int) (int64, error) {
	if len(key) < n {
		return 0, fmt.Errorf("lake: short deletion key %x", key)
	}
	_, v, err := keys.DecodeUvarintAscending(key[n:])
	return int64(v), err
}

// idGen hands out unique, roughly time-ordered 64-bit ids without
// coordination: microseconds since the epoch shifted left 10 bits, bumped
// past the last id handed out. Ids stay unique across restarts as long as
// the clock does not go back by more than the ids handed out since.
type idGen struct{ last atomic.Uint64 }

func (g *idGen) next() uint64 {
	now := uint64(time.Now().UnixMicro()) << 10
	for {
		last := g.last.Load()
		next := max(now, last+1)
		if g.last.CompareAndSwap(last, next) {
			return next
		}
	}
}

// idTime recovers the creation time of an id.
func idTime(id uint64) time.Time { return time.UnixMicro(int64(id >> 10)) }

// Locators: a kind byte, the partition bytes (uvarint length first), the
// file or inline id (8 bytes), and for file rows the position (uvarint).
const (
	locFile   = 'f'
	locInline = 'i'
)

type locator struct {
	kind byte
	part []byte
	id   uint64
	pos  int64
}

func appendLocator(b []byte, kind byte, part []byte, id uint64, pos int64) []byte {
	b = append(b, kind)
	b = binary.AppendUvarint(b, uint64(len(part)))
	b = append(b, part...)
	b = appendID(b, id)
	if kind == locFile {
		b = binary.AppendUvarint(b, uint64(pos))
	}
	return b
}

func parseLocator(b []byte) (locator, error) {
	bad := fmt.Errorf("lake: invalid row locator %x", b)
	if len(b) < 1 || (b[0] != locFile && b[0] != locInline) {
		return locator{}, bad
	}
	l := locator{kind: b[0]}
	n, k := binary.Uvarint(b[1:])
	if k <= 0 || uint64(len(b)-1-k) < n+8 {
		return locator{}, bad
	}
	rest := b[1+k:]
	l.part, rest = rest[:n:n], rest[n:]
	l.id, rest = binary.BigEndian.Uint64(rest), rest[8:]
	if l.kind == locFile {
		p, k := binary.Uvarint(rest)
		if k <= 0 || k != len(rest) {
			return locator{}, bad
		}
		l.pos = int64(p)
	} else if len(rest) != 0 {
		return locator{}, bad
	}
	return l, nil
}

// objectName is where a file lives in the object store. The table id
// directory lets vacuum list one table's objects.
func objectName(table uint32, file uint64) string {
	return fmt.Sprintf("%s%016x.parquet", objectPrefix(table), file)
}

func objectPrefix(table uint32) string { return fmt.Sprintf("%d/", table) }

// fileRecord is a manifest entry as stored: the JSON of FileMeta plus the
// partition key bytes, then the file statistics in rowenc value encoding
// (datums do not survive JSON).
type fileRecord struct {
	FileMeta
	Part []byte `json:"part,omitempty"`
}

const manifestVersion = 1

func encodeFileMeta(m *FileMeta, part []byte, typByID map[uint32]*types.T) ([]byte, error) {
	j, err := json.Marshal(fileRecord{FileMeta: *m, Part: part})
	if err != nil {
		return nil, err
	}
	b := []byte{manifestVersion}
	b = binary.AppendUvarint(b, uint64(len(j)))
	b = append(b, j...)
	b = binary.AppendUvarint(b, uint64(len(m.Stats)))
	for _, s := range m.Stats {
		t := typByID[s.ColumnID]
		b = binary.AppendUvarint(b, uint64(s.ColumnID))
		b = binary.AppendUvarint(b, uint64(s.NullCount))
		for _, d := range []types.Datum{s.Min, s.Max} {
			var v []byte
			if d != nil && d != types.DNull && t != nil {
				if v, err = rowenc.EncodeRow([]uint32{1}, []types.Datum{d}, []*types.T{t}); err != nil {
					v = nil // a stat we cannot store is an unknown stat
				}
			}
			b = binary.AppendUvarint(b, uint64(len(v)))
			b = append(b, v...)
		}
	}
	return b, nil
}

// decodeFileMeta decodes a manifest value. Statistics of columns no longer
// in typByID (dropped) are left out: unknown statistics never prune.
func decodeFileMeta(b []byte, typByID map[uint32]*types.T) (FileMeta, []byte, error) {
	d, err := decodeManifestValue(b, typByID)
	return d.meta, d.part, err
}

// decodedManifest is a decoded manifest value with what the decoding
// depended on besides the bytes: the type each statistic was decoded
// with, and the statistics left out for want of a type. A cached decoding
// is reused only while the table's types still agree (metaCache).
type decodedManifest struct {
	meta    FileMeta
	part    []byte
	typs    []*types.T // of meta.Stats
	untyped []uint32   // column ids of the statistics left out
}

func decodeManifestValue(b []byte, typByID map[uint32]*types.T) (decodedManifest, error) {
	bad := func(what string) error { return fmt.Errorf("%w: lake manifest entry: %s", keys.ErrCorrupt, what) }
	if len(b) < 1 || b[0] != manifestVersion {
		return decodedManifest{}, bad("version")
	}
	b = b[1:]
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return decodedManifest{}, bad("header")
	}
	var rec fileRecord
	if err := json.Unmarshal(b[k:k+int(n)], &rec); err != nil {
		return decodedManifest{}, bad(err.Error())
	}
	b = b[k+int(n):]
	cnt, k := binary.Uvarint(b)
	if k <= 0 || cnt > uint64(len(b)) {
		return decodedManifest{}, bad("stats count")
	}
	b = b[k:]
	d := decodedManifest{meta: rec.FileMeta, part: rec.Part}
	var decs map[*types.T]*rowenc.RowDecoder // one per type, not per value
	out := []types.Datum{nil}
	for range cnt {
		id, k1 := binary.Uvarint(b)
		if k1 <= 0 {
			return decodedManifest{}, bad("stats")
		}
		b = b[k1:]
		nulls, k2 := binary.Uvarint(b)
		if k2 <= 0 {
			return decodedManifest{}, bad("stats")
		}
		b = b[k2:]
		s := pqfile.ColumnStats{ColumnID: uint32(id), NullCount: int64(nulls)}
		t := typByID[s.ColumnID]
		for i := range 2 {
			l, k := binary.Uvarint(b)
			if k <= 0 || uint64(len(b)-k) < l {
				return decodedManifest{}, bad("stat value")
			}
			v := b[k : k+int(l)]
			b = b[k+int(l):]
			if l == 0 || t == nil {
				continue
			}
			dec := decs[t]
			if dec == nil {
				if decs == nil {
					decs = map[*types.T]*rowenc.RowDecoder{}
				}
				dec = rowenc.NewRowDecoder([]uint32{1}, []*types.T{t})
				decs[t] = dec
			}
			out[0] = nil
			if err := dec.Decode(v, out); err != nil {
				continue
			}
			if i == 0 {
				s.Min = out[0]
			} else {
				s.Max = out[0]
			}
		}
		if t != nil {
			d.meta.Stats = append(d.meta.Stats, s)
			d.typs = append(d.typs, t)
		} else {
			d.untyped = append(d.untyped, s.ColumnID)
		}
	}
	// Cached decodings are shared by scans: appends must not write into them.
	d.meta.Stats = slices.Clip(d.meta.Stats)
	d.meta.Partition = slices.Clip(d.meta.Partition)
	d.part = slices.Clip(d.part)
	return d, nil
}
