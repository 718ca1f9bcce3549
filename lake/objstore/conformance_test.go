package objstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
)

// testConformance runs the behaviour every Store must share against s,
// which must be empty.
func testConformance(t *testing.T, s Store) {
	ctx := context.Background()
	put := func(t *testing.T, name, data string) {
		t.Helper()
		if err := s.Put(ctx, name, strings.NewReader(data), int64(len(data))); err != nil {
			t.Fatalf("Put(%q): %v", name, err)
		}
	}
	read := func(t *testing.T, name string) string {
		t.Helper()
		f, err := s.Open(ctx, name)
		if err != nil {
			t.Fatalf("Open(%q): %v", name, err)
		}
		defer f.Close()
		buf := make([]byte, f.Size())
		if _, err := f.ReadAt(buf, 0); err != nil && err != io.EOF {
			t.Fatalf("ReadAt(%q): %v", name, err)
		}
		return string(buf)
	}
	list := func(t *testing.T, prefix string) []string {
		t.Helper()
		var names []string
		if err := s.List(ctx, prefix, func(o ObjectInfo) error {
			names = append(names, o.Name)
			if o.Size != int64(len(read(t, o.Name))) {
				t.Errorf("List size of %q = %d, want object length", o.Name, o.Size)
			}
			return nil
		}); err != nil {
			t.Fatalf("List(%q): %v", prefix, err)
		}
		return names
	}

	t.Run("put-open-readat", func(t *testing.T) {
		data := strings.Repeat("0123456789", 1000)
		put(t, "rt/obj", data)
		f, err := s.Open(ctx, "rt/obj")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if f.Size() != int64(len(data)) {
			t.Fatalf("Size = %d, want %d", f.Size(), len(data))
		}
		// Footer first, then the middle, as a Parquet reader does.
		for _, r := range []struct{ off, n int }{{len(data) - 8, 8}, {1234, 100}, {0, 10}} {
			buf := make([]byte, r.n)
			n, err := f.ReadAt(buf, int64(r.off))
			if n != r.n || (err != nil && err != io.EOF) {
				t.Fatalf("ReadAt(%d, %d) = %d, %v", r.off, r.n, n, err)
			}
			if got, want := string(buf), data[r.off:r.off+r.n]; got != want {
				t.Fatalf("ReadAt(%d) = %q, want %q", r.off, got, want)
			}
		}
		// Reading past the end returns io.EOF with the bytes that exist.
		buf := make([]byte, 20)
		n, err := f.ReadAt(buf, int64(len(data)-5))
		if n != 5 || err != io.EOF {
			t.Fatalf("ReadAt past end = %d, %v; want 5, io.EOF", n, err)
		}
	})

	t.Run("concurrent-readat", func(t *testing.T) {
		// Parallel scans read column chunks of one File concurrently.
		data := strings.Repeat("abcdefghij", 500)
		put(t, "cc/obj", data)
		f, err := s.Open(ctx, "cc/obj")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for off := g * 7; off+100 <= len(data); off += 997 {
					buf := make([]byte, 100)
					if _, err := f.ReadAt(buf, int64(off)); err != nil && err != io.EOF {
						errs <- err
						return
					}
					if string(buf) != data[off:off+100] {
						errs <- fmt.Errorf("ReadAt(%d) = %q", off, buf)
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	})

	t.Run("empty-object", func(t *testing.T) {
		put(t, "empty/x", "")
		if got := read(t, "empty/x"); got != "" {
			t.Fatalf("got %q", got)
		}
	})

	t.Run("list-order-and-prefix", func(t *testing.T) {
		// "a/b" must sort after "a.x" (byte order), though a directory walk
		// visits it first.
		for _, n := range []string{"ls/a/b", "ls/a.x", "ls/a/a", "ls/b", "ls/a-1", "ls/c/d/e", "lt/z"} {
			put(t, n, n)
		}
		cases := []struct {
			prefix string
			want   []string
		}{
			{"ls/", []string{"ls/a-1", "ls/a.x", "ls/a/a", "ls/a/b", "ls/b", "ls/c/d/e"}},
			{"ls/a", []string{"ls/a-1", "ls/a.x", "ls/a/a", "ls/a/b"}},
			{"ls/a/", []string{"ls/a/a", "ls/a/b"}},
			{"ls/c/d/e", []string{"ls/c/d/e"}},
			{"l", []string{"ls/a-1", "ls/a.x", "ls/a/a", "ls/a/b", "ls/b", "ls/c/d/e", "lt/z"}},
			{"nope/", nil},
			{"ls/zz/", nil},
		}
		for _, c := range cases {
			if got := list(t, c.prefix); strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("List(%q) = %v, want %v", c.prefix, got, c.want)
			}
		}
		// An error from fn stops the listing and is returned as is.
		stop := errors.New("stop")
		calls := 0
		err := s.List(ctx, "ls/", func(ObjectInfo) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Fatalf("List with failing fn = %v after %d calls", err, calls)
		}
	})

	t.Run("overwrite", func(t *testing.T) {
		put(t, "ow/x", "first version, longer")
		put(t, "ow/x", "second")
		if got := read(t, "ow/x"); got != "second" {
			t.Fatalf("after overwrite got %q", got)
		}
		if got := list(t, "ow/"); len(got) != 1 {
			t.Fatalf("after overwrite List = %v", got)
		}
	})

	t.Run("delete-and-missing", func(t *testing.T) {
		put(t, "del/x", "x")
		if err := s.Delete(ctx, "del/x"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, "del/x"); !errors.Is(err, ErrNotExist) {
			t.Fatalf("Open deleted = %v, want ErrNotExist", err)
		}
		if _, err := s.Open(ctx, "never/there"); !errors.Is(err, ErrNotExist) {
			t.Fatalf("Open missing = %v, want ErrNotExist", err)
		}
		if err := s.Delete(ctx, "del/x"); err != nil {
			t.Fatalf("Delete missing = %v, want nil", err)
		}
		// A name below an existing object is missing, not an error.
		put(t, "del/y", "y")
		if _, err := s.Open(ctx, "del/y/z"); !errors.Is(err, ErrNotExist) {
			t.Fatalf("Open below an object = %v, want ErrNotExist", err)
		}
		if err := s.Delete(ctx, "del/y/z"); err != nil {
			t.Fatalf("Delete below an object = %v, want nil", err)
		}
		if err := s.Delete(ctx, "del/y"); err != nil {
			t.Fatal(err)
		}
		if got := list(t, "del/"); len(got) != 0 {
			t.Fatalf("List after delete = %v", got)
		}
	})

	t.Run("short-reader", func(t *testing.T) {
		// A reader shorter than the declared size must not create an object.
		if err := s.Put(ctx, "short/x", strings.NewReader("abc"), 10); err == nil {
			t.Fatal("Put with short reader succeeded")
		}
		if _, err := s.Open(ctx, "short/x"); !errors.Is(err, ErrNotExist) {
			t.Fatalf("Open after short Put = %v, want ErrNotExist", err)
		}
	})

	t.Run("long-reader", func(t *testing.T) {
		if err := s.Put(ctx, "long/x", strings.NewReader("abcdef"), 3); err == nil {
			t.Fatal("Put with a reader longer than size succeeded")
		}
		if _, err := s.Open(ctx, "long/x"); !errors.Is(err, ErrNotExist) {
			t.Fatalf("Open after long Put = %v, want ErrNotExist", err)
		}
	})

	t.Run("unknown-size", func(t *testing.T) {
		data := bytes.Repeat([]byte("z"), 3000)
		if err := s.Put(ctx, "unk/x", bytes.NewReader(data), -1); err != nil {
			t.Fatal(err)
		}
		if got := read(t, "unk/x"); got != string(data) {
			t.Fatalf("got %d bytes", len(got))
		}
	})

	t.Run("invalid-names", func(t *testing.T) {
		for _, n := range []string{"", "/abs", "a/../b", "..", "a//b", "a/", "./a", "a/.hidden", `a\b`} {
			if err := s.Put(ctx, n, strings.NewReader("x"), 1); err == nil {
				t.Errorf("Put(%q) succeeded", n)
			}
			if _, err := s.Open(ctx, n); err == nil || errors.Is(err, ErrNotExist) {
				t.Errorf("Open(%q) = %v, want a name error", n, err)
			}
			if err := s.Delete(ctx, n); err == nil {
				t.Errorf("Delete(%q) succeeded", n)
			}
		}
	})

	t.Run("url", func(t *testing.T) {
		if u := s.URL(); u == "" || strings.Contains(u, "secret") {
			t.Fatalf("URL() = %q", u)
		}
	})
}

func TestMemory(t *testing.T) { testConformance(t, NewMemory()) }

func TestLocal(t *testing.T) {
	s, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	testConformance(t, s)
}
