package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

func TestClearDroppedSpans(t *testing.T) {
	ctx := context.Background()
	e := openMem(t)
	// Data under "t1/" (dropped), its neighbours "t0" and "t2" (kept), and
	// the dropped span's end key itself (exclusive, kept).
	applyHistory(t, e, []string{"t0@1", "t1/a@1", "t1/a@2", "t1/b@3-", "t1/c@3", "t1;@3", "t2@4"})
	rec := DroppedSpanKey([]byte("t1/"))
	must(t, e.ApplyCommit([]Write{{Key: rec, Value: []byte("t1;")}}, 10, false)) // ';' = '/'+1, its prefix end

	for _, tc := range []struct {
		horizon uint64
		cleared int
		want    []string
	}{
		// Below the record's commit an old snapshot may still read the span.
		{9, 0, []string{"t0@1", "t1/a@2", "t1/a@1", "t1/b@3-", "t1/c@3", "t1;@3", "t2@4"}},
		{10, 1, []string{"t0@1", "t1;@3", "t2@4"}},
		// Idempotent: the record is gone with the span.
		{20, 0, []string{"t0@1", "t1;@3", "t2@4"}},
	} {
		n, err := e.ClearDroppedSpans(ctx, tc.horizon)
		must(t, err)
		if n != tc.cleared {
			t.Fatalf("horizon %d: cleared %d spans, want %d", tc.horizon, n, tc.cleared)
		}
		var got []string
		for _, v := range rawVersions(t, e) {
			if v[0] != DroppedSpanPrefix[0] {
				got = append(got, v)
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Fatalf("horizon %d: %q, want %q", tc.horizon, got, tc.want)
		}
	}
	for _, v := range rawVersions(t, e) {
		if v[0] == DroppedSpanPrefix[0] {
			t.Fatalf("record left behind: %q", v)
		}
	}
	// MVCC reads agree, including through a pooled iterator opened before.
	if _, found, err := e.Get([]byte("t1/a"), 100); err != nil || found {
		t.Fatalf("dropped key still readable: found=%v err=%v", found, err)
	}
	if v, found, err := e.Get([]byte("t2"), 100); err != nil || !found || string(v) != "t2@4" {
		t.Fatalf("kept key: %q %v %v", v, found, err)
	}
}

func TestClearDroppedSpansSeveralRecords(t *testing.T) {
	ctx := context.Background()
	e := openMem(t)
	applyHistory(t, e, []string{"a1@1", "b1@1", "c1@1"})
	// Two records; the second committed later, and re-written (two versions).
	must(t, e.ApplyCommit([]Write{{Key: DroppedSpanKey([]byte("a")), Value: []byte("b")}}, 5, false))
	must(t, e.ApplyCommit([]Write{{Key: DroppedSpanKey([]byte("b")), Value: []byte("c")}}, 6, false))
	must(t, e.ApplyCommit([]Write{{Key: DroppedSpanKey([]byte("b")), Value: []byte("c")}}, 8, false))
	// A malformed record (start >= end) is removed without deleting anything.
	must(t, e.ApplyCommit([]Write{{Key: DroppedSpanKey([]byte("c")), Value: []byte("a")}}, 5, false))
	n, err := e.ClearDroppedSpans(ctx, 7)
	must(t, err)
	if n != 1 {
		t.Fatalf("cleared %d, want 1 (b's newest record is above the horizon)", n)
	}
	if got, want := rawVersions(t, e), []string{"\x04b@8", "\x04b@6", "b1@1", "c1@1"}; !slices.Equal(got, want) {
		t.Fatalf("%q, want %q", got, want)
	}
	if n, err = e.ClearDroppedSpans(ctx, 8); err != nil || n != 1 {
		t.Fatalf("second clear: %d %v", n, err)
	}
	if got, want := rawVersions(t, e), []string{"c1@1"}; !slices.Equal(got, want) {
		t.Fatalf("%q, want %q", got, want)
	}
}

func TestClearDroppedSpansCanceled(t *testing.T) {
	e := openMem(t)
	must(t, e.ApplyCommit([]Write{{Key: DroppedSpanKey([]byte("a")), Value: []byte("b")}}, 5, false))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.ClearDroppedSpans(ctx, 10); err == nil {
		t.Fatal("no error from a canceled context")
	}
}

func TestIngestCommit(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewMem()
	open := func() *Engine {
		e, err := Open(ctx, "db", Options{FS: fs})
		must(t, err)
		return e
	}
	e := open()
	must(t, e.ApplyCommit([]Write{{Key: []byte("\x10a"), Value: []byte("old")}, {Key: []byte("\x10b"), Value: []byte("old")}}, 5, true))
	// Warm the row cache: the ingestion must invalidate it.
	if v, _, _ := e.Get([]byte("\x10a"), 100); string(v) != "old" {
		t.Fatalf("before: %q", v)
	}
	var writes []Write
	writes = append(writes, Write{Key: []byte("\x04span"), Value: []byte("end")}, Write{Key: []byte("\x10a"), Delete: true})
	for i := range 5000 {
		writes = append(writes, Write{Key: fmt.Appendf(nil, "\x10c%05d", i), Value: fmt.Appendf(nil, "v%d", i)})
	}
	must(t, e.IngestCommit(ctx, fs, "db", writes, 9))
	check := func(e *Engine) {
		t.Helper()
		for _, c := range []struct {
			key  string
			ts   uint64
			want string // "" = not found
		}{
			{"\x10a", 8, "old"}, {"\x10a", 9, ""}, {"\x10b", 9, "old"},
			{"\x10c00000", 8, ""}, {"\x10c00000", 9, "v0"}, {"\x10c04999", 100, "v4999"},
		} {
			v, found, err := e.Get([]byte(c.key), c.ts)
			must(t, err)
			if (c.want == "") == found || string(v) != c.want {
				t.Errorf("%q@%d = %q %v, want %q", c.key, c.ts, v, found, c.want)
			}
		}
		if got := len(scan(t, e, []byte("\x10"), []byte("\x11"), 100, false)); got != 5001 {
			t.Errorf("scan: %d keys, want 5001", got)
		}
		if ts, err := e.MaxCommitTS(); err != nil || ts != 9 {
			t.Errorf("MaxCommitTS = %d %v, want 9", ts, err)
		}
	}
	check(e)
	// Durable without any WAL record of the data, and the temporary file is gone.
	must(t, e.Close())
	e = open()
	defer e.Close()
	check(e)
	names, err := fs.List("db")
	must(t, err)
	for _, n := range names {
		if strings.HasPrefix(n, "ingest-") {
			t.Errorf("left behind: %s", n)
		}
	}
	// A later, smaller commit still wins by timestamp.
	must(t, e.ApplyCommit([]Write{{Key: []byte("\x10c00000"), Value: []byte("new")}}, 10, true))
	if v, _, _ := e.Get([]byte("\x10c00000"), 100); string(v) != "new" {
		t.Fatalf("after a later commit: %q", v)
	}
	if ts, _ := e.MaxCommitTS(); ts != 10 {
		t.Fatalf("MaxCommitTS = %d, want 10", ts)
	}
}

func TestIngestCommitRejects(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewMem()
	e, err := Open(ctx, "db", Options{FS: fs})
	must(t, err)
	defer e.Close()
	for name, ws := range map[string][]Write{
		"unsorted":  {{Key: []byte("\x10b")}, {Key: []byte("\x10a")}},
		"duplicate": {{Key: []byte("\x10a")}, {Key: []byte("\x10a")}},
		"meta key":  {{Key: []byte("\x01a")}},
	} {
		if err := e.IngestCommit(ctx, fs, "db", ws, 3); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if ts, _ := e.MaxCommitTS(); ts != 0 {
		t.Fatalf("a rejected commit moved MaxCommitTS to %d", ts)
	}
}

// TestIngestCommitPowerLoss: an ingested commit is durable once
// IngestCommit returns, whatever unsynced data a power loss drops; a
// commit whose ingestion had not started leaves nothing behind.
func TestIngestCommitPowerLoss(t *testing.T) {
	ctx := context.Background()
	for round := range 4 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			fs := vfs.NewCrashableMem()
			e, err := Open(ctx, "db", Options{FS: fs, RowCacheSize: -1})
			must(t, err)
			// Small commits around the ingestion put data in the memtable
			// and the WAL, so the ingested file overlaps them.
			must(t, e.ApplyCommit([]Write{{Key: []byte("\x10a"), Value: []byte("1")}}, 1, true))
			var writes []Write
			for i := range 3000 {
				writes = append(writes, Write{Key: fmt.Appendf(nil, "\x10b%05d", i), Value: []byte("2")})
			}
			must(t, e.IngestCommit(ctx, fs, "db", writes, 2))
			must(t, e.ApplyCommit([]Write{{Key: []byte("\x10c"), Value: []byte("3")}}, 3, false)) // not synced
			crashed := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: round * 33, RNG: rand.New(rand.NewPCG(uint64(round), 1))})
			_ = e.Close()
			r, err := Open(ctx, "db", Options{FS: crashed, RowCacheSize: -1})
			must(t, err)
			defer r.Close()
			if n := len(scan(t, r, []byte("\x10b"), []byte("\x10c"), 100, false)); n != 3000 {
				t.Fatalf("after power loss: %d of 3000 ingested keys", n)
			}
			if ts, err := r.MaxCommitTS(); err != nil || ts < 2 {
				t.Fatalf("MaxCommitTS = %d %v, want >= 2", ts, err)
			}
		})
	}
}
