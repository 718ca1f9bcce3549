package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// tmpPrefix marks an in-flight Put. Object names never have a segment
// starting with ".", so temporary files can never be listed or opened as
// objects, and a crash mid-Put leaves only an invisible dot file.
const tmpPrefix = ".tmp-"

// localStore keeps each object as a file under root, named by its object
// name. Put writes a temporary file in the target directory, fsyncs it,
// renames it over the target and fsyncs the directory, so the object is
// either absent (or the previous version) or complete after a crash.
type localStore struct {
	root string
}

// NewLocal returns a Store rooted at dir, creating the directory if needed.
func NewLocal(dir string) (Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("objstore: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("objstore: %w", err)
	}
	return &localStore{root: abs}, nil
}

func (l *localStore) path(name string) string {
	return filepath.Join(l.root, filepath.FromSlash(name))
}

func (l *localStore) Put(ctx context.Context, name string, r io.Reader, size int64) (err error) {
	if err := checkName(name); err != nil {
		return err
	}
	target := l.path(name)
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("objstore: put %q: %w", name, err)
	}
	tmp, err := os.CreateTemp(dir, tmpPrefix+filepath.Base(target)+"-*")
	if err != nil {
		return fmt.Errorf("objstore: put %q: %w", name, err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err := copyExact(ctx, tmp, r, size, name); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("objstore: put %q: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("objstore: put %q: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("objstore: put %q: %w", name, err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("objstore: put %q: %w", name, err)
	}
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func (l *localStore) Open(ctx context.Context, name string) (File, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	f, err := os.Open(l.path(name))
	if err != nil {
		// ENOTDIR: a prefix of the name is an object, so the name is not.
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil, notExist(name, err)
		}
		return nil, fmt.Errorf("objstore: open %q: %w", name, err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("objstore: open %q: %w", name, err)
	}
	if st.IsDir() {
		_ = f.Close()
		return nil, notExist(name, nil)
	}
	return &localFile{File: f, size: st.Size()}, nil
}

type localFile struct {
	*os.File
	size int64
}

func (f *localFile) Size() int64 { return f.size }

// List walks only the directory the prefix names (everything up to its
// last slash), then sorts: a directory walk alone is not in object-name
// order ("a/b" sorts after "a.x" as a name, but is visited first).
func (l *localStore) List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error {
	base := ""
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		base = prefix[:i]
	}
	start := l.root
	if base != "" {
		if checkName(base) != nil {
			return nil // no valid object can have this prefix
		}
		start = l.path(base)
	}
	var infos []ObjectInfo
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // prefix directory absent, or removed during the walk
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != start {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(l.root, p)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(rel)
		if !strings.HasPrefix(name, prefix) {
			return nil
		}
		st, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // deleted concurrently
			}
			return err
		}
		infos = append(infos, ObjectInfo{Name: name, Size: st.Size(), ModTime: st.ModTime()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("objstore: list %q: %w", prefix, err)
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name < infos[j].Name })
	for _, info := range infos {
		if err := fn(info); err != nil {
			return err
		}
	}
	return nil
}

func (l *localStore) Delete(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := os.Remove(l.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
		return fmt.Errorf("objstore: delete %q: %w", name, err)
	}
	return nil
}

func (l *localStore) URL() string {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(l.root)}).String()
}
