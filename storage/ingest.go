package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/objstorage/objstorageprovider"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/sstable/colblk"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Dropped spans: bulk removal of a keyspace nobody can address any more.
//
// Re-keying a table (ALTER TABLE ADD PRIMARY KEY), dropping a table or an
// index leaves a whole index keyspace unreachable: descriptors name index
// IDs, and IDs are never reused. Deleting it key by key inside the
// transaction cost one buffered tombstone, one conflict-check intent, one
// WAL entry and later one GC deletion per row (1M of each for pgbench's
// accounts table). Instead the transaction writes one ordinary MVCC
// record, DroppedSpanKey(start) = end, committed atomically with the
// descriptor change. Snapshots older than that commit may still read the
// old keyspace through the old descriptor, so the data must stay until
// the GC horizon passes the record's timestamp; then ClearDroppedSpans
// removes it with one Pebble range deletion. Both steps are crash-safe:
// the record is part of the commit batch, and the range deletion and the
// record's removal share one batch, so a crash in between repeats an
// idempotent clear.

// DroppedSpanPrefix is the (versioned) keyspace of dropped-span records.
// It sorts between the sequence and the table keyspaces (see package keys).
var DroppedSpanPrefix = []byte{0x04}

// DroppedSpanKey is the record key announcing that the user keys in
// [start, end) are garbage once the record's commit is below every
// snapshot; its value is end.
func DroppedSpanKey(start []byte) []byte {
	return append(append([]byte(nil), DroppedSpanPrefix...), start...)
}

// ClearDroppedSpans physically deletes every span whose record committed
// at or below horizon (the oldest timestamp any live or future snapshot
// reads at, as for CollectGarbage) and removes those records. It returns
// how many spans it cleared. Records above the horizon are left for a
// later call. Safe to run concurrently with commits: a span is
// unreachable to every snapshot that could see new writes in it.
func (e *Engine) ClearDroppedSpans(ctx context.Context, horizon uint64) (int, error) {
	lower := appendBare(nil, DroppedSpanPrefix)
	upper := appendBare(nil, []byte{DroppedSpanPrefix[0] + 1})
	it, err := e.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return 0, err
	}
	type clear struct {
		start, end []byte   // user keys; end nil for a deleted record
		versions   [][]byte // engine keys of the record
	}
	var todo []clear
	var cur []byte // user key of the record being read
	skip := false
	for valid := it.First(); valid; valid = it.Next() {
		if err := ctx.Err(); err != nil {
			_ = it.Close()
			return 0, err
		}
		uk, ts, versioned := decodeEngineKey(it.Key())
		if !versioned {
			continue
		}
		if cur != nil && bytes.Equal(uk, cur) {
			// An older version of the record: removed with it.
			if !skip {
				c := &todo[len(todo)-1]
				c.versions = append(c.versions, bytes.Clone(it.Key()))
			}
			continue
		}
		cur = bytes.Clone(uk)
		// The first version is the newest.
		if skip = ts > horizon; skip {
			continue
		}
		v, err := it.ValueAndErr()
		if err != nil {
			_ = it.Close()
			return 0, err
		}
		c := clear{start: cur[len(DroppedSpanPrefix):], versions: [][]byte{bytes.Clone(it.Key())}}
		if len(v) > 0 && v[0] == tagLive {
			c.end = bytes.Clone(v[1:])
		}
		todo = append(todo, c)
	}
	if err := it.Close(); err != nil {
		return 0, err
	}
	if len(todo) == 0 {
		return 0, nil
	}
	b := e.db.NewBatch()
	defer b.Close()
	n := 0
	for _, c := range todo {
		if c.end != nil {
			if bytes.Compare(c.start, c.end) >= 0 || bytes.HasPrefix(c.start, DroppedSpanPrefix) {
				e.log.Warn("storage: ignoring malformed dropped span", "start", fmt.Sprintf("%x", c.start), "end", fmt.Sprintf("%x", c.end))
			} else {
				// Bare keys sort before every version of their user key,
				// so this covers every version of every key in the span.
				if err := b.DeleteRange(appendBare(nil, c.start), appendBare(nil, c.end), nil); err != nil {
					return 0, err
				}
				n++
			}
		}
		for _, k := range c.versions {
			if err := b.Delete(k, nil); err != nil {
				return 0, err
			}
		}
	}
	err = b.Commit(pebble.Sync)
	e.gen.Add(1) // see Engine.gen: pooled iterators predate the deletion
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Large commits as ingested sstables.
//
// ApplyCommit writes a commit as one Pebble batch: every key goes to the
// WAL, then into a memtable (or a "flushable batch"), and is written again
// by the flush. For a bulk load (1M rows of COPY) that is the data written
// three times before compactions. A transaction's write buffer is already
// sorted, and the commit timestamp is known once the Manager prepared the
// commit, so IngestCommit instead writes the versions straight into an
// sstable and ingests it: the file is written once, the ingestion is one
// atomic manifest edit (durable when it returns), and recovery needs no
// WAL replay of the data. The max-timestamp merge operand travels in the
// same file, so MaxCommitTS covers the commit exactly when its data does.

// IngestThreshold is the number of writes from which IngestCommit beats
// ApplyCommit (measured with pgbench -i: below a few thousand keys the
// file and manifest syncs cost more than the batch).
const IngestThreshold = 64 << 10

// IngestCommit makes writes (sorted by key, no duplicates, as a
// transaction's buffer yields them) durable and visible as versions at
// commitTS, like ApplyCommit with sync. The sstable is built in dir on
// fs, which must be the file system the engine was opened on (Pebble
// links the file into the store; vfs.Default for an on-disk engine).
func (e *Engine) IngestCommit(ctx context.Context, fs vfs.FS, dir string, writes []Write, commitTS uint64) error {
	if commitTS == 0 {
		return errors.New("storage: commit timestamp 0 is reserved")
	}
	for i := 1; i < len(writes); i++ {
		if bytes.Compare(writes[i-1].Key, writes[i].Key) >= 0 {
			return fmt.Errorf("storage: ingest: writes not sorted at %d", i)
		}
	}
	path := fs.PathJoin(dir, fmt.Sprintf("ingest-%d.sst", commitTS))
	f, err := fs.Create(path, vfs.WriteCategoryUnspecified)
	if err != nil {
		return fmt.Errorf("storage: ingest: %w", err)
	}
	defer func() { _ = fs.Remove(path) }() // Pebble linked or copied it
	ks := colblk.DefaultKeySchema(mvccComparer, 16)
	w := sstable.NewWriter(objstorageprovider.NewFileWritable(f), sstable.WriterOptions{
		Comparer:       mvccComparer,
		MergerName:     maxMerger.Name,
		TableFormat:    e.db.TableFormat(),
		KeySchema:      &ks,
		FilterPolicy:   bloom.FilterPolicy(10),
		IndexBlockSize: 256 << 10,
	})
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], commitTS)
	// The metadata key sorts before every user key of a commit (their
	// first byte is a keyspace prefix above keys.MetaPrefix).
	if len(writes) > 0 && bytes.Compare(writes[0].Key, maxTSKey) <= 0 {
		_ = w.Close()
		return fmt.Errorf("storage: ingest: key %x sorts before the metadata key", writes[0].Key)
	}
	if err := w.Merge(maxTSKey, ts[:]); err != nil {
		_ = w.Close()
		return err
	}
	var key, val []byte
	for i := range writes {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				_ = w.Close()
				return err
			}
		}
		wr := &writes[i]
		key = appendVersioned(key[:0], wr.Key, commitTS)
		val = val[:0]
		if wr.Delete {
			val = append(val, tagTomb)
		} else {
			val = append(append(val, tagLive), wr.Value...)
		}
		if err := w.Set(key, val); err != nil {
			_ = w.Close()
			return err
		}
	}
	if err := w.Close(); err != nil { // syncs the file
		return err
	}
	err = e.db.Ingest(ctx, []string{path})
	e.gen.Add(1) // after the write completed: see Engine.gen
	if e.rows != nil {
		e.rows.invalidate(writes) // after gen: see rowCache
	}
	return err
}
