package keys

// Keyspace prefixes; see the package doc.
const (
	metaByte     = 0x01
	descByte     = 0x02
	sequenceByte = 0x03
	tableByte    = 0x10
	lakeByte     = 0x11
)

var (
	// MetaPrefix is the storage-internal, non-versioned key space.
	MetaPrefix = []byte{metaByte}
	// DescPrefix is the prefix of every catalog descriptor key.
	DescPrefix = []byte{descByte}
	// SequencePrefix is the prefix of every sequence value key.
	SequencePrefix = []byte{sequenceByte}
	// TablePrefix is the prefix of every table and index data key.
	TablePrefix = []byte{tableByte}
	// LakePrefix is the prefix of every lake-table metadata key (package
	// lake owns the layout below it); the GC keeps these keys' versions for
	// the lake retention period so time travel can read them.
	LakePrefix = []byte{lakeByte}
)

// DescKey returns the key of the descriptor with the given ID.
func DescKey(id uint32) []byte {
	return EncodeUvarintAscending([]byte{descByte}, uint64(id))
}

// DecodeDescKey returns the ID of a key made by DescKey.
func DecodeDescKey(k []byte) (uint32, error) {
	if len(k) == 0 || k[0] != descByte {
		return 0, errorf("not a descriptor key: %x", k)
	}
	_, id, err := DecodeUvarintAscending(k[1:])
	return uint32(id), err
}

// SequenceKey returns the key holding the value of the sequence with the given ID.
func SequenceKey(id uint32) []byte {
	return EncodeUvarintAscending([]byte{sequenceByte}, uint64(id))
}

// IndexPrefix returns the prefix shared by every key of one index of one table.
func IndexPrefix(tableID, indexID uint32) []byte {
	b := make([]byte, 1, 12)
	b[0] = tableByte
	b = EncodeUvarintAscending(b, uint64(tableID))
	return EncodeUvarintAscending(b, uint64(indexID))
}

// AppendIndexPrefix appends IndexPrefix(tableID, indexID) to b.
func AppendIndexPrefix(b []byte, tableID, indexID uint32) []byte {
	b = append(b, tableByte)
	b = EncodeUvarintAscending(b, uint64(tableID))
	return EncodeUvarintAscending(b, uint64(indexID))
}

// TableSpanPrefix returns the prefix of every index of one table.
func TableSpanPrefix(tableID uint32) []byte {
	return EncodeUvarintAscending([]byte{tableByte}, uint64(tableID))
}

// DecodeIndexPrefix splits a data key into table ID, index ID and the
// encoded key columns.
func DecodeIndexPrefix(k []byte) (tableID, indexID uint32, rest []byte, err error) {
	if len(k) == 0 || k[0] != tableByte {
		return 0, 0, nil, errorf("not a table key: %x", k)
	}
	rest, t, err := DecodeUvarintAscending(k[1:])
	if err != nil {
		return 0, 0, nil, err
	}
	rest, i, err := DecodeUvarintAscending(rest)
	if err != nil {
		return 0, 0, nil, err
	}
	return uint32(t), uint32(i), rest, nil
}

// PrefixEnd returns the smallest key greater than every key that starts
// with prefix (the exclusive upper bound of the prefix's span). It returns
// nil, meaning "no upper bound", when prefix is all 0xFF bytes.
func PrefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil
}
