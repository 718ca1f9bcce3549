package lake

import (
	"container/list"
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/lake/objstore"
	"github.com/conflux-db/conflux/lake/pqfile"
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
	return &footerCache{obj: obj, max: max, m: map[string]*list.Element{}}
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
