package lake

import (
	"bytes"
	"container/list"
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/lake/objstore"
	"github.com/conflux-db/conflux/lake/pqfile"
	"github.com/conflux-db/conflux/sql/types"
)

// footerCache keeps recently used files open with their footers parsed,
// so repeated queries over the same files read only column chunks. It is
// a bounded LRU; an entry evicted while scans use it is closed by the
// last of them.
type footerCache struct {
	obj objstore.Store
	max int

	mu  sync.Mutex
	m   map[string]*list.Element // of *openFile
	lru list.List                // front: most recently used

	// meta caches the files' decoded manifest entries: the other per-file
	// cost every scan would pay again.
	meta *metaCache
}

// openFile is one open file with its reader.
type openFile struct {
	key     string
	f       objstore.File
	r       *pqfile.Reader
	refs    int
	evicted bool
}

func newFooterCache(obj objstore.Store, max int) *footerCache {
	return &footerCache{obj: obj, max: max, m: map[string]*list.Element{}, meta: newMetaCache(manifestCacheSize)}
}

// cacheKey names a file read with a given column set: a reader maps the
// file's columns to the table's current ones, which ALTER TABLE changes.
func cacheKey(path string, cols []catalog.Column) string {
	var b strings.Builder
	b.WriteString(path)
	for _, c := range cols {
		b.WriteByte('|')
		b.WriteString(strconv.FormatUint(uint64(c.ID), 10))
	}
	return b.String()
}

// acquire returns the open file, opening it on a miss. The caller releases it.
func (c *footerCache) acquire(ctx context.Context, path string, cols []catalog.Column) (*openFile, error) {
	key := cacheKey(path, cols)
	c.mu.Lock()
	if e, ok := c.m[key]; ok {
		of := e.Value.(*openFile)
		of.refs++
		c.lru.MoveToFront(e)
		c.mu.Unlock()
		return of, nil
	}
	c.mu.Unlock()

	// Open outside the mutex: a footer read may be a round trip to S3.
	f, err := c.obj.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	r, err := pqfile.OpenReader(f, f.Size(), cols)
	if err != nil {
		f.Close()
		return nil, err
	}
	of := &openFile{key: key, f: f, r: r, refs: 1}

	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok { // lost a race: use the other one
		f.Close()
		other := e.Value.(*openFile)
		other.refs++
		c.lru.MoveToFront(e)
		return other, nil
	}
	c.m[key] = c.lru.PushFront(of)
	for c.lru.Len() > c.max {
		e := c.lru.Back()
		old := e.Value.(*openFile)
		c.lru.Remove(e)
		delete(c.m, old.key)
		old.evicted = true
		if old.refs == 0 {
			old.f.Close()
		}
	}
	return of, nil
}

func (c *footerCache) release(of *openFile) {
	c.mu.Lock()
	defer c.mu.Unlock()
	of.refs--
	if of.refs == 0 && of.evicted {
		of.f.Close()
	}
}

// forget drops every cached entry of path (vacuum deleted the object).
func (c *footerCache) forget(path string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, e := range c.m {
		if key == path || strings.HasPrefix(key, path+"|") {
			of := e.Value.(*openFile)
			c.lru.Remove(e)
			delete(c.m, key)
			of.evicted = true
			if of.refs == 0 {
				of.f.Close()
			}
		}
	}
}

// manifestCacheSize bounds the decoded manifest entries a Store keeps
// (a few hundred bytes each).
const manifestCacheSize = 1 << 14

// metaCache keeps decoded manifest entries, so that a scan decodes each
// file's entry (JSON and statistics) once per process rather than once
// per scan. A manifest key is written once, when its file is published
// (file ids are fresh), and only ever deleted after, so the key names
// the value; the value bytes are kept and compared anyway, so a reused
// key can never be served a stale decoding. The decoded statistics depend
// on the table's column types too: a decoding is reused only while the
// types it was made with still agree. A bounded LRU.
type metaCache struct {
	max int

	mu  sync.Mutex
	m   map[string]*list.Element // of *metaEntry, by manifest key
	lru list.List                // front: most recently used
}

type metaEntry struct {
	key string
	val []byte
	dec decodedManifest // shared by readers: never modified
}

func newMetaCache(max int) *metaCache {
	return &metaCache{max: max, m: map[string]*list.Element{}}
}

// decode returns the decoded manifest value val of key, from the cache
// when it holds a decoding of the same bytes with the same types. The
// result's slices are shared: callers must not modify them.
func (c *metaCache) decode(key, val []byte, typByID map[uint32]*types.T) (FileMeta, []byte, error) {
	c.mu.Lock()
	var cached *metaEntry
	if e, ok := c.m[string(key)]; ok {
		c.lru.MoveToFront(e)
		cached = e.Value.(*metaEntry)
	}
	c.mu.Unlock()
	if cached != nil && bytes.Equal(cached.val, val) {
		if m, ok := cached.dec.with(typByID); ok {
			return m, cached.dec.part, nil
		}
	}
	d, err := decodeManifestValue(val, typByID)
	if err != nil {
		return FileMeta{}, nil, err
	}
	ent := &metaEntry{key: string(key), val: bytes.Clone(val), dec: d}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[ent.key]; ok {
		e.Value = ent
		c.lru.MoveToFront(e)
	} else {
		c.m[ent.key] = c.lru.PushFront(ent)
	}
	for c.lru.Len() > c.max {
		e := c.lru.Back()
		c.lru.Remove(e)
		delete(c.m, e.Value.(*metaEntry).key)
	}
	return d.meta, d.part, nil
}

// with returns the decoding as decodeManifestValue would make it with
// typByID, or false when it cannot be derived from this one: a statistic
// left out for want of a type has one now, or a column's type changed.
// Statistics of columns since dropped are filtered out.
func (d *decodedManifest) with(typByID map[uint32]*types.T) (FileMeta, bool) {
	for _, id := range d.untyped {
		if typByID[id] != nil {
			return FileMeta{}, false
		}
	}
	dropped := 0
	for i, s := range d.meta.Stats {
		t := typByID[s.ColumnID]
		switch {
		case t == nil:
			dropped++
		case t != d.typs[i] && !t.Identical(d.typs[i]):
			return FileMeta{}, false
		}
	}
	m := d.meta
	if dropped > 0 {
		m.Stats = make([]pqfile.ColumnStats, 0, len(d.meta.Stats)-dropped)
		for _, s := range d.meta.Stats {
			if typByID[s.ColumnID] != nil {
				m.Stats = append(m.Stats, s)
			}
		}
	}
	return m, true
}
