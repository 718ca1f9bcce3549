package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Options configure Open.
type Options struct {
	// InMemory keeps everything in memory (tests); dir is then ignored.
	InMemory bool
	// Logger receives Pebble's log lines; slog.Default() when nil.
	Logger *slog.Logger
	// CacheSize is the block cache size in bytes; 128 MiB when zero.
	CacheSize int64
}

// Engine is the Pebble-backed MVCC store. It is safe for concurrent use.
type Engine struct {
	db  *pebble.DB
	log *slog.Logger
}

// Write is one key written by a commit; Delete writes a tombstone.
type Write struct {
	Key    []byte
	Value  []byte
	Delete bool
}

// maxTSKey is the bare metadata key holding the max commit timestamp.
var maxTSKey = appendBare(nil, []byte("\x01maxts"))

// Open opens (creating if needed) the engine in dir.
func Open(ctx context.Context, dir string, opts Options) (*Engine, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	cacheSize := opts.CacheSize
	if cacheSize == 0 {
		cacheSize = 128 << 20
	}
	cache := pebble.NewCache(cacheSize)
	defer cache.Unref()
	po := &pebble.Options{
		Comparer:     mvccComparer,
		Merger:       maxMerger,
		Cache:        cache,
		Logger:       pebbleLogger{log},
		MemTableSize: 64 << 20,
	}
	for i := range po.Levels {
		po.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	if opts.InMemory {
		po.FS = vfs.NewMem()
		dir = ""
	}
	db, err := pebble.Open(dir, po)
	if err != nil {
		return nil, fmt.Errorf("storage: open %q: %w", dir, err)
	}
	return &Engine{db: db, log: log}, nil
}

// Close flushes nothing extra (every acknowledged commit is already in the
// WAL) and releases the engine.
func (e *Engine) Close() error { return e.db.Close() }

// Get returns the newest version of key at or below readTS. The returned
// value is owned by the caller.
func (e *Engine) Get(key []byte, readTS uint64) (value []byte, found bool, err error) {
	// One allocation holds the bounds [key 0x00, key 0x00 0x00) and the
	// seek key key@readTS.
	buf := make([]byte, 0, 3*len(key)+16)
	buf = appendBare(buf, key)
	l := len(buf)
	buf = append(appendBare(buf, key), sentinel)
	lower, upper := buf[:l], buf[l:]
	seek := appendVersioned(buf[len(buf):], key, readTS)
	it, err := e.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return nil, false, err
	}
	defer it.Close()
	if !it.SeekPrefixGE(seek) {
		return nil, false, it.Error()
	}
	if _, _, ok := decodeEngineKey(it.Key()); !ok {
		return nil, false, nil
	}
	v, err := it.ValueAndErr()
	if err != nil {
		return nil, false, err
	}
	if len(v) == 0 || v[0] == tagTomb {
		return nil, false, nil
	}
	return append([]byte(nil), v[1:]...), true, nil
}

// ApplyCommit writes every write as a version at commitTS in one Pebble
// batch, fsyncing the WAL when sync is set. Concurrent calls share fsyncs
// through Pebble's commit pipeline.
func (e *Engine) ApplyCommit(writes []Write, commitTS uint64, sync bool) error {
	if commitTS == 0 {
		return errors.New("storage: commit timestamp 0 is reserved")
	}
	b := e.db.NewBatch()
	defer b.Close()
	for i := range writes {
		w := &writes[i]
		vlen := 1
		if !w.Delete {
			vlen += len(w.Value)
		}
		op := b.SetDeferred(len(w.Key)+1+suffixLen, vlen)
		appendVersioned(op.Key[:0], w.Key, commitTS)
		if w.Delete {
			op.Value[0] = tagTomb
		} else {
			op.Value[0] = tagLive
			copy(op.Value[1:], w.Value)
		}
		if err := op.Finish(); err != nil {
			return err
		}
	}
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], commitTS)
	if err := b.Merge(maxTSKey, ts[:], nil); err != nil {
		return err
	}
	wo := pebble.NoSync
	if sync {
		wo = pebble.Sync
	}
	return b.Commit(wo)
}

// MaxCommitTS returns the largest commit timestamp ever applied (0 for a
// new store).
func (e *Engine) MaxCommitTS() (uint64, error) {
	v, closer, err := e.db.Get(maxTSKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer closer.Close()
	if len(v) != 8 {
		return 0, fmt.Errorf("storage: corrupt max timestamp (%d bytes)", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// GetMeta reads an unversioned metadata key (use keys under
// keys.MetaPrefix or keys.SequencePrefix). MVCC reads never see these keys.
func (e *Engine) GetMeta(key []byte) (value []byte, found bool, err error) {
	v, closer, err := e.db.Get(appendBare(nil, key))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer closer.Close()
	return append([]byte(nil), v...), true, nil
}

// SetMeta writes an unversioned metadata key outside any transaction
// (e.g. sequence values, which PostgreSQL does not roll back).
func (e *Engine) SetMeta(key, value []byte, sync bool) error {
	wo := pebble.NoSync
	if sync {
		wo = pebble.Sync
	}
	return e.db.Set(appendBare(nil, key), value, wo)
}

// pebbleLogger routes Pebble's printf-style logging to slog. Pebble's
// informational lines (WAL recovery, flushes) are Debug-level noise for a
// database server.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug(fmt.Sprintf(format, args...), "component", "pebble")
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
}

// Fatalf is called by Pebble on invariant violations it cannot continue
// past; Pebble's own default exits the process, we panic after logging so
// the stack is kept.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error(msg, "component", "pebble", "fatal", true)
	panic("pebble: " + msg)
}
