// Package storage is Conflux's durable engine: Pebble with multi-version
// (MVCC) keys.
//
// # Why MVCC in the engine
//
// Snapshot isolation needs readers to see the database as of their start
// timestamp while writers commit newer versions. Keeping every version in
// Pebble, stamped with its commit timestamp, lets a reader at timestamp R
// pick "the newest version <= R" per key without locks, and lets a commit
// be one Pebble batch (atomic across every table by construction, durable
// when the WAL is fsynced, concurrent batches sharing fsyncs through
// Pebble's commit pipeline).
//
// # Engine key layout
//
// Every Pebble key ends with a length byte that says how long its version
// suffix is, an idea borrowed from CockroachDB's engine keys:
//
//	versioned:    userKey 0x00 ts(8 bytes, big-endian) 0x09
//	unversioned:  userKey 0x00
//
// The custom Comparer's Split returns the key minus its suffix, so the
// Pebble "prefix" is userKey+0x00 for both forms. Appending the same byte
// to two keys preserves their order, so prefixes order exactly like user
// keys. Within a prefix the bare (unversioned) key sorts first and
// versions follow newest first, so SeekGE(userKey@R) lands on the newest
// version at or below R. Prefix bloom filters work on user keys, which is
// what point lookups need. Unversioned keys hold storage-internal metadata
// and are skipped by MVCC reads.
//
// A version's value is a tag byte (1 = live, 0 = tombstone) followed by the
// user value, so empty values and deletions stay distinct.
//
// # Recovery
//
// Each commit batch also merges its timestamp into one metadata key whose
// merge operator keeps the maximum. Batches commit concurrently and in any
// order, so a plain "last timestamp" Set could move backwards; max is
// order-independent. MaxCommitTS reads it back after a restart.
//
// # Garbage collection
//
// Versions no snapshot can see any more are deleted by a periodic sweep
// (gc.go) rather than a compaction filter: the horizon (the oldest
// timestamp any live or future snapshot reads at) lives in the txn
// Manager, and a sweep writing ordinary Pebble deletions keeps every
// rule about visibility in one place that tests can drive directly. The
// sweep keeps, per key, the newest version at or below the horizon (or
// nothing, when that is a tombstone) and everything above it. The
// background sweep is incremental (gcdirty.go): only keys written since
// the last sweep can hold new garbage, so it visits those, and walks
// whole index spans only after bulk writes too large to remember key by
// key. Walking the whole keyspace every time cost more CPU than the
// workload itself right after a million-row load.
//
// Lake metadata keys (keys.LakePrefix) have a horizon of their own
// (Horizons.Lake, the lake retention period), so time travel can read
// their history; an incremental sweep leaves such a key in the dirty set
// until its lake horizon passes its newest version. ScanVersions reads
// that history (versions.go).
//
// # Caches
//
// Pebble charges memtables to the block cache, so Open sizes the cache
// for the memtables on top of the blocks; otherwise a bulk load's
// memtables evict every index block and each point read decompresses
// one again. Memtables are small (16 MiB): a point read that misses the
// row cache seeks the memtable's skiplist before any sstable, and in a
// large memtable full of recent writes that seek cost more than the
// sstable lookup (one cache miss per skiplist level).
//
// The row cache (rowcache.go) holds the newest version of recently read
// keys. Commits refresh the entries of keys they write rather than drop
// them, so hot rows that nearly every transaction updates (pgbench's
// branches and tellers) stay cached.
package storage
