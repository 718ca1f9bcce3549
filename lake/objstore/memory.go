package objstore

import (
	"bytes"
	"context"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// memStore keeps objects in a map. Objects are immutable, so Open hands out
// a reader over the stored slice without copying.
type memStore struct {
	mu   sync.Mutex
	objs map[string]memObject
}

type memObject struct {
	data []byte
	mod  time.Time
}

// NewMemory returns an empty in-memory Store, for tests and in-memory
// engines. It is safe for concurrent use.
func NewMemory() Store {
	return &memStore{objs: make(map[string]memObject)}
}

func (m *memStore) Put(ctx context.Context, name string, r io.Reader, size int64) error {
	if err := checkName(name); err != nil {
		return err
	}
	var buf bytes.Buffer
	if size > 0 {
		buf.Grow(int(size))
	}
	if err := copyExact(ctx, &buf, r, size, name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objs[name] = memObject{data: buf.Bytes(), mod: time.Now()}
	return nil
}

func (m *memStore) Open(ctx context.Context, name string) (File, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	m.mu.Lock()
	o, ok := m.objs[name]
	m.mu.Unlock()
	if !ok {
		return nil, notExist(name, nil)
	}
	return memFile{bytes.NewReader(o.data)}, nil
}

func (m *memStore) List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error {
	m.mu.Lock()
	var infos []ObjectInfo
	for name, o := range m.objs {
		if strings.HasPrefix(name, prefix) {
			infos = append(infos, ObjectInfo{Name: name, Size: int64(len(o.data)), ModTime: o.mod})
		}
	}
	m.mu.Unlock()
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name < infos[j].Name })
	for _, info := range infos {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(info); err != nil {
			return err
		}
	}
	return nil
}

func (m *memStore) Delete(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	m.mu.Lock()
	delete(m.objs, name)
	m.mu.Unlock()
	return nil
}

func (m *memStore) URL() string { return "mem://" }

type memFile struct{ *bytes.Reader }

func (f memFile) Size() int64  { return f.Reader.Size() }
func (f memFile) Close() error { return nil }
