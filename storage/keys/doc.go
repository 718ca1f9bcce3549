// Package keys defines Conflux's keyspace and the order-preserving byte
// encodings that key columns are written in.
//
// # Keyspace
//
// Every key handed to the txn layer starts with one byte naming its space:
//
//	0x01 MetaPrefix      storage-internal, not versioned (e.g. the max commit timestamp)
//	0x02 DescPrefix      catalog descriptors: DescKey(id) = 0x02 / uvarint(id)
//	0x03 SequencePrefix  sequence values: SequenceKey(id) = 0x03 / uvarint(id)
//	0x04-0x0f            reserved (lake metadata, stream state, feature stores)
//	0x10 TablePrefix     row data: IndexPrefix(table, index) = 0x10 / uvarint(table) / uvarint(index)
//	                     followed by the index's key columns (rowenc.AppendKey)
//
// Because the table and index IDs are encoded with the ascending uvarint
// encoding, all keys of one index are contiguous and an index's span is
// [IndexPrefix(t, i), PrefixEnd(IndexPrefix(t, i))).
//
// # Value encodings
//
// Each encoding is self-delimiting (a decoder knows where a value ends
// without a length prefix) and prefix-free, so bytes.Compare on a
// concatenation of encoded columns orders rows column by column. The
// ascending form of every non-NULL value starts with a byte in
// [0x01, 0xFE]; NULL is 0xFF ascending, so NULLs sort after every value as
// PostgreSQL's indexes do by default (ASC NULLS LAST). Descending
// encodings are the ascending bytes inverted: inverting a prefix-free,
// order-preserving encoding reverses the order, so NULL becomes 0x00 and
// sorts first (DESC NULLS FIRST), again matching PostgreSQL. Decoders read
// descending values by XOR-ing each byte with 0xFF on the fly, which keeps
// one implementation per encoding.
//
// The integer encoding follows the scheme CockroachDB uses: small
// non-negative values take one byte, larger ones a tag giving the byte
// length followed by big-endian bytes, so IDs and small ints stay short.
package keys
