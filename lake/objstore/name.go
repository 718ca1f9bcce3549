package objstore

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// checkName rejects names that could escape a store's root or collide with
// its temporary files: names must be non-empty, relative, slash-separated,
// without empty, "." or ".." segments, and no segment may start with "."
// (the local store keeps in-flight writes as dot files).
func checkName(name string) error {
	if name == "" {
		return fmt.Errorf("objstore: empty object name")
	}
	if strings.ContainsAny(name, "\\\x00") {
		return fmt.Errorf("objstore: invalid object name %q", name)
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == "" || seg[0] == '.' {
			return fmt.Errorf("objstore: invalid object name %q", name)
		}
	}
	return nil
}

// notExist wraps ErrNotExist with the object name (and the underlying cause,
// if any, so errors.Is(err, fs.ErrNotExist) also holds for local files).
func notExist(name string, cause error) error {
	if cause == nil {
		return fmt.Errorf("%w: %q", ErrNotExist, name)
	}
	return fmt.Errorf("%w: %q: %w", ErrNotExist, name, cause)
}

// ctxReader fails a copy once the context is done, so a Put of a large
// object can be cancelled between reads.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// copyExact copies r to w and checks the byte count against size (size < 0
// means unknown), so a short reader never produces a truncated object.
func copyExact(ctx context.Context, w io.Writer, r io.Reader, size int64, name string) error {
	n, err := io.Copy(w, ctxReader{ctx, r})
	if err != nil {
		return fmt.Errorf("objstore: put %q: %w", name, err)
	}
	if size >= 0 && n != size {
		return fmt.Errorf("objstore: put %q: read %d bytes, expected %d", name, n, size)
	}
	return nil
}
