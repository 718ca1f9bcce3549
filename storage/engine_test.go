package storage

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func openMem(t *testing.T) *Engine {
	t.Helper()
	e, err := Open(context.Background(), "", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestGetVersions(t *testing.T) {
	e := openMem(t)
	k := []byte("k")
	must(t, e.ApplyCommit([]Write{{Key: k, Value: []byte("v1")}}, 10, false))
	must(t, e.ApplyCommit([]Write{{Key: k, Value: []byte("v2")}}, 20, false))
	must(t, e.ApplyCommit([]Write{{Key: k, Delete: true}}, 30, false))
	must(t, e.ApplyCommit([]Write{{Key: k, Value: []byte{}}}, 40, false))
	for _, tc := range []struct {
		ts    uint64
		want  string
		found bool
	}{{5, "", false}, {10, "v1", true}, {19, "v1", true}, {20, "v2", true}, {29, "v2", true}, {30, "", false}, {40, "", true}, {1 << 63, "", true}} {
		v, found, err := e.Get(k, tc.ts)
		must(t, err)
		if found != tc.found || string(v) != tc.want {
			t.Errorf("Get@%d = %q,%v want %q,%v", tc.ts, v, found, tc.want, tc.found)
		}
	}
	// A neighbour key that extends k must not be confused with k.
	must(t, e.ApplyCommit([]Write{{Key: []byte("k\x00"), Value: []byte("x")}}, 50, false))
	if v, _, _ := e.Get(k, 50); string(v) != "" {
		t.Errorf("Get(k) saw k\\x00: %q", v)
	}
	ts, err := e.MaxCommitTS()
	must(t, err)
	if ts != 50 {
		t.Errorf("MaxCommitTS = %d", ts)
	}
}

func TestMetaKeysInvisibleToMVCC(t *testing.T) {
	e := openMem(t)
	must(t, e.SetMeta([]byte("a"), []byte("meta"), false))
	must(t, e.ApplyCommit([]Write{{Key: []byte("a"), Value: []byte("mvcc")}, {Key: []byte("b"), Value: []byte("b")}}, 1, false))
	v, ok, err := e.GetMeta([]byte("a"))
	must(t, err)
	if !ok || string(v) != "meta" {
		t.Fatalf("GetMeta = %q %v", v, ok)
	}
	for _, rev := range []bool{false, true} {
		got := scan(t, e, nil, nil, 1, rev)
		want := []string{"a=mvcc", "b=b"}
		if rev {
			slices.Reverse(want)
		}
		if !slices.Equal(got, want) {
			t.Errorf("reverse=%v: %v", rev, got)
		}
	}
}

func scan(t *testing.T, e *Engine, lo, hi []byte, ts uint64, rev bool) []string {
	t.Helper()
	it := e.NewIter(lo, hi, ts, rev)
	defer it.Close()
	var out []string
	for it.Next() {
		out = append(out, string(it.Key())+"="+string(it.Value()))
	}
	must(t, it.Err())
	return out
}

// TestRandomizedAgainstModel checks Get and forward/reverse iteration at
// every timestamp against an in-memory history.
func TestRandomizedAgainstModel(t *testing.T) {
	e := openMem(t)
	rng := rand.New(rand.NewPCG(1, 2))
	type version struct {
		ts  uint64
		val string
		del bool
	}
	hist := map[string][]version{}
	keyset := []string{"", "a", "a\x00", "a\x00\x00", "ab", "b", "b\x09", "b\xff", "c", "\xff"}
	const commits = 200
	for ts := uint64(1); ts <= commits; ts++ {
		var ws []Write
		seen := map[string]bool{}
		for n := rng.IntN(4) + 1; n > 0; n-- {
			k := keyset[rng.IntN(len(keyset))]
			if seen[k] {
				continue
			}
			seen[k] = true
			if rng.IntN(3) == 0 {
				ws = append(ws, Write{Key: []byte(k), Delete: true})
				hist[k] = append(hist[k], version{ts: ts, del: true})
			} else {
				v := fmt.Sprintf("%s@%d", k, ts)
				ws = append(ws, Write{Key: []byte(k), Value: []byte(v)})
				hist[k] = append(hist[k], version{ts: ts, val: v})
			}
		}
		must(t, e.ApplyCommit(ws, ts, false))
		if ts%70 == 0 { // exercise sstables, bloom filters and compactions too
			must(t, e.db.Flush())
		}
	}
	must(t, e.db.Compact(context.Background(), []byte{0}, []byte{0xff, 0xff}, true))
	model := func(k string, ts uint64) (string, bool) {
		var cur *version
		for i := range hist[k] {
			if hist[k][i].ts <= ts {
				cur = &hist[k][i]
			}
		}
		if cur == nil || cur.del {
			return "", false
		}
		return cur.val, true
	}
	sorted := slices.Clone(keyset)
	slices.Sort(sorted)
	for iter := 0; iter < 500; iter++ {
		ts := uint64(rng.IntN(commits + 2))
		for _, k := range keyset {
			want, wok := model(k, ts)
			got, ok, err := e.Get([]byte(k), ts)
			must(t, err)
			if ok != wok || string(got) != want {
				t.Fatalf("Get(%q)@%d = %q,%v want %q,%v", k, ts, got, ok, want, wok)
			}
		}
		lo := []byte(keyset[rng.IntN(len(keyset))])
		var hi []byte
		if rng.IntN(4) != 0 {
			hi = []byte(keyset[rng.IntN(len(keyset))])
		}
		var want []string
		for _, k := range sorted {
			if bytes.Compare([]byte(k), lo) < 0 || (hi != nil && bytes.Compare([]byte(k), hi) >= 0) {
				continue
			}
			if v, ok := model(k, ts); ok {
				want = append(want, k+"="+v)
			}
		}
		fwd := scan(t, e, lo, hi, ts, false)
		if !slices.Equal(fwd, want) {
			t.Fatalf("scan [%q,%q)@%d = %q want %q", lo, hi, ts, fwd, want)
		}
		rev := scan(t, e, lo, hi, ts, true)
		slices.Reverse(want)
		if !slices.Equal(rev, want) {
			t.Fatalf("reverse scan [%q,%q)@%d = %q want %q", lo, hi, ts, rev, want)
		}
	}
}

func TestDurableAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	e, err := Open(ctx, dir, Options{})
	must(t, err)
	must(t, e.ApplyCommit([]Write{{Key: []byte("x"), Value: []byte("1")}}, 7, true))
	must(t, e.ApplyCommit([]Write{{Key: []byte("y"), Value: []byte("2")}}, 5, true)) // out of order
	must(t, e.Close())
	e, err = Open(ctx, dir, Options{})
	must(t, err)
	defer e.Close()
	ts, err := e.MaxCommitTS()
	must(t, err)
	if ts != 7 {
		t.Fatalf("MaxCommitTS after reopen = %d, want 7", ts)
	}
	if v, ok, _ := e.Get([]byte("x"), 7); !ok || string(v) != "1" {
		t.Fatalf("x = %q %v", v, ok)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestPebbleLogsGoToSlog(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e, err := Open(context.Background(), t.TempDir(), Options{Logger: log})
	must(t, err)
	must(t, e.Close())
	if !strings.Contains(buf.String(), "component=pebble") {
		t.Fatalf("no pebble log lines routed to slog:\n%s", buf.String())
	}
}

// TestGetSeesLaterCommits checks that pooled point-read iterators never
// serve a read from before a commit that completed: each Get follows a
// commit of a newer version and must see it, also with many readers.
func TestGetSeesLaterCommits(t *testing.T) {
	e := openMem(t)
	k := []byte("k")
	for ts := uint64(1); ts <= 50; ts++ {
		want := fmt.Sprint(ts)
		must(t, e.ApplyCommit([]Write{{Key: k, Value: []byte(want)}}, ts, false))
		for range 3 { // the second and third reads reuse the pooled iterator
			v, found, err := e.Get(k, ts)
			must(t, err)
			if !found || string(v) != want {
				t.Fatalf("after commit %d: Get = %q,%v", ts, v, found)
			}
		}
		if v, _, _ := e.Get(k, ts-1); ts > 1 && string(v) != fmt.Sprint(ts-1) {
			t.Fatalf("Get@%d = %q", ts-1, v)
		}
	}
	must(t, e.SetMeta([]byte("m"), []byte("x"), false))
	if v, found, _ := e.Get(k, 50); !found || string(v) != "50" {
		t.Fatalf("after SetMeta: Get = %q,%v", v, found)
	}
}

// TestPointReader reads many keys through one reader, out of and in key
// order, and checks that an engine closes with a reader still open.
func TestPointReader(t *testing.T) {
	e, err := Open(context.Background(), "", Options{InMemory: true})
	must(t, err)
	var ws []Write
	for i := range 200 {
		if i%3 != 0 {
			ws = append(ws, Write{Key: fmt.Appendf(nil, "k%03d", i), Value: fmt.Appendf(nil, "v%d", i)})
		}
	}
	must(t, e.ApplyCommit(ws, 5, false))
	r := e.NewPointReader()
	for _, order := range [][]int{rand.Perm(200), slices.Sorted(slices.Values(rand.Perm(200)))} {
		for _, i := range order {
			v, found, err := r.Get(fmt.Appendf(nil, "k%03d", i), 5)
			must(t, err)
			if want := i%3 != 0; found != want || (found && string(v) != fmt.Sprintf("v%d", i)) {
				t.Fatalf("k%03d: %q,%v", i, v, found)
			}
			if _, found, _ := r.Get(fmt.Appendf(nil, "k%03d", i), 4); found {
				t.Fatalf("k%03d visible before its commit", i)
			}
		}
	}
	r.Close()
	r.Close() // idempotent
	if _, found, _ := r.Get([]byte("k001"), 5); !found {
		t.Fatal("reader unusable after Close")
	}
	must(t, e.Close()) // r still holds an iterator: Close must not fail or panic
	r.Close()
}

// TestGetConcurrentWithCommits races point reads (through the row cache
// and pooled iterators) against commits: a read at a timestamp whose
// commit has returned must see exactly that commit's value.
func TestGetConcurrentWithCommits(t *testing.T) {
	e := openMem(t)
	keys := [][]byte{[]byte("a"), []byte("b"), []byte("c")}
	var visible atomic.Uint64
	const commits = 400
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ts := uint64(1); ts <= commits; ts++ {
			var ws []Write
			for _, k := range keys {
				ws = append(ws, Write{Key: k, Value: fmt.Append(nil, ts)})
			}
			if err := e.ApplyCommit(ws, ts, false); err != nil {
				t.Error(err)
				return
			}
			visible.Store(ts)
		}
	}()
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for visible.Load() < commits {
				ts := visible.Load()
				if ts == 0 {
					continue
				}
				pr := e.NewPointReader()
				for i, k := range keys {
					var v []byte
					var found bool
					var err error
					if (i+r)%2 == 0 {
						v, found, err = e.Get(k, ts)
					} else {
						v, found, err = pr.Get(k, ts)
					}
					if err != nil || !found || string(v) != fmt.Sprint(ts) {
						t.Errorf("Get(%s)@%d = %q,%v,%v", k, ts, v, found, err)
						pr.Close()
						return
					}
				}
				pr.Close()
			}
		}()
	}
	wg.Wait()
}

func TestEstimateSize(t *testing.T) {
	e := openMem(t)
	val := make([]byte, 100)
	var writes []Write
	for i := range 20000 {
		writes = append(writes, Write{Key: []byte(fmt.Sprintf("t/%06d", i)), Value: val})
	}
	if err := e.ApplyCommit(writes, 1, false); err != nil {
		t.Fatal(err)
	}
	if err := e.db.Flush(); err != nil {
		t.Fatal(err)
	}
	full, err := e.EstimateSize([]byte("t/"), []byte("t0"))
	if err != nil {
		t.Fatal(err)
	}
	empty, err := e.EstimateSize([]byte("u/"), []byte("u0"))
	if err != nil {
		t.Fatal(err)
	}
	// 2 MB of values compress well (all zeros), but the keys alone exceed
	// 100 kB; an empty span past the data estimates nothing.
	if full < 100<<10 || empty > full/10 {
		t.Fatalf("estimates: table %d bytes, empty span %d bytes", full, empty)
	}
}

// TestGetStepsOrSeeks: a read below the newest version steps back through
// a few versions and seeks past many; both find the same version, through
// Engine.Get and through a PointReader.
func TestGetStepsOrSeeks(t *testing.T) {
	e := openMem(t)
	k := []byte("hot")
	for ts := uint64(10); ts <= 100; ts += 10 {
		w := Write{Key: k, Value: fmt.Appendf(nil, "v%d", ts)}
		if ts == 50 {
			w = Write{Key: k, Delete: true}
		}
		must(t, e.ApplyCommit([]Write{w}, ts, false))
	}
	r := e.NewPointReader()
	defer r.Close()
	for readTS := uint64(5); readTS <= 105; readTS += 5 {
		want, wantOK := "", false
		if v := readTS / 10 * 10; v >= 10 && v != 50 {
			want, wantOK = fmt.Sprintf("v%d", v), true
		}
		for name, get := range map[string]func([]byte, uint64) ([]byte, bool, error){"engine": e.Get, "reader": r.Get} {
			v, ok, err := get(k, readTS)
			must(t, err)
			if ok != wantOK || string(v) != want {
				t.Errorf("%s Get@%d = %q,%v want %q,%v", name, readTS, v, ok, want, wantOK)
			}
		}
	}
}
