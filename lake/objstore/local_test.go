package objstore

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// failingReader yields some data, then fails, like a writer process that
// dies mid-upload.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("boom")
	}
	n := min(len(p), r.n)
	for i := range p[:n] {
		p[i] = 'x'
	}
	r.n -= n
	return n, nil
}

func TestLocalFailedPutLeavesNothing(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	// A failing fresh Put leaves no object; a failing overwrite leaves the
	// previous version intact.
	if err := s.Put(ctx, "p/old", strings.NewReader("old"), 3); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"p/new", "p/old"} {
		if err := s.Put(ctx, name, &failingReader{n: 100000}, 200000); err == nil {
			t.Fatalf("Put(%q) with failing reader succeeded", name)
		}
	}
	if _, err := s.Open(ctx, "p/new"); !errors.Is(err, ErrNotExist) {
		t.Fatalf("Open(p/new) = %v, want ErrNotExist", err)
	}
	f, err := s.Open(ctx, "p/old")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(io.NewSectionReader(f, 0, f.Size()))
	f.Close()
	if string(got) != "old" {
		t.Fatalf("p/old = %q after failed overwrite", got)
	}
	// No temporary files are left behind by failed Puts.
	entries, err := os.ReadDir(filepath.Join(dir, "p"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "old" {
		t.Fatalf("directory holds %v", entries)
	}
}

func TestLocalCrashLeftoversInvisible(t *testing.T) {
	// A crash between create and rename leaves a temporary file; it must
	// never show up as an object.
	ctx := context.Background()
	dir := t.TempDir()
	s, err := NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "p"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "p", tmpPrefix+"x-123"), []byte("partial"), 0o644); err != nil {
		t.Fatal(err)
	}
	var names []string
	if err := s.List(ctx, "", func(o ObjectInfo) error { names = append(names, o.Name); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(names) != 0 {
		t.Fatalf("List shows %v", names)
	}
	if _, err := s.Open(ctx, "p/x"); !errors.Is(err, ErrNotExist) {
		t.Fatalf("Open(p/x) = %v", err)
	}
}

func TestLocalCancelledPut(t *testing.T) {
	s, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Put(ctx, "c/x", strings.NewReader("data"), 4); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put with cancelled ctx = %v", err)
	}
	if _, err := s.Open(context.Background(), "c/x"); !errors.Is(err, ErrNotExist) {
		t.Fatalf("Open = %v", err)
	}
}
