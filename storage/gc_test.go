package storage

import (
	"context"
	"errors"
	"fmt"
	"github.com/conflux-db/conflux/storage/keys"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// rawVersions lists every stored version as "key@ts" ("key@ts-" for a
// tombstone), in engine order.
func rawVersions(t *testing.T, e *Engine) []string {
	t.Helper()
	it, err := e.db.NewIter(nil)
	must(t, err)
	defer it.Close()
	var out []string
	for valid := it.First(); valid; valid = it.Next() {
		uk, ts, ok := decodeEngineKey(it.Key())
		if !ok {
			continue
		}
		s := fmt.Sprintf("%s@%d", uk, ts)
		if v := it.Value(); len(v) == 0 || v[0] == tagTomb {
			s += "-"
		}
		out = append(out, s)
	}
	must(t, it.Error())
	return out
}

// applyHistory writes "key@ts" / "key@ts-" entries, one commit each.
func applyHistory(t *testing.T, e *Engine, hist []string) {
	t.Helper()
	for _, h := range hist {
		var k string
		var ts uint64
		del := strings.HasSuffix(h, "-")
		_, err := fmt.Sscanf(strings.Replace(strings.TrimSuffix(h, "-"), "@", " ", 1), "%s %d", &k, &ts)
		must(t, err)
		must(t, e.ApplyCommit([]Write{{Key: []byte(k), Value: []byte(h), Delete: del}}, ts, false))
	}
}

func TestCollectGarbageRules(t *testing.T) {
	for _, tc := range []struct {
		name    string
		hist    []string
		horizon uint64
		want    []string // remaining versions, engine order
	}{
		{"single version stays", []string{"a@5"}, 10, []string{"a@5"}},
		{"shadowed versions go", []string{"a@1", "a@2", "a@3"}, 10, []string{"a@3"}},
		{"newest at or below horizon stays", []string{"a@1", "a@2", "a@3"}, 2, []string{"a@3", "a@2"}},
		{"horizon on a version", []string{"a@1", "a@5", "a@9"}, 5, []string{"a@9", "a@5"}},
		{"nothing below horizon", []string{"a@5", "a@6"}, 4, []string{"a@6", "a@5"}},
		{"tombstone and what it shadows go", []string{"a@1", "a@2", "a@3-"}, 10, nil},
		{"tombstone above horizon stays", []string{"a@1", "a@2", "a@3-"}, 2, []string{"a@3-", "a@2"}},
		{"tombstone below a newer version goes", []string{"a@1", "a@2-", "a@7"}, 5, []string{"a@7"}},
		{"lone tombstone goes", []string{"a@4-"}, 4, nil},
		{"resurrected key", []string{"a@1-", "a@2", "a@3-", "a@4"}, 10, []string{"a@4"}},
		{"keys are independent", []string{"a@1", "a@2", "b@1-", "b@3", "c@2", "c@3-", "c@9"}, 5,
			[]string{"a@2", "b@3", "c@9"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := openMem(t)
			applyHistory(t, e, tc.hist)
			st, err := e.CollectGarbage(context.Background(), tc.horizon, nil, nil, GCOptions{})
			must(t, err)
			got := rawVersions(t, e)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("after GC@%d: %q, want %q", tc.horizon, got, tc.want)
			}
			if st.Removed != int64(len(tc.hist)-len(tc.want)) || st.Scanned != int64(len(tc.hist)) {
				t.Errorf("stats %+v for %d -> %d versions", st, len(tc.hist), len(tc.want))
			}
		})
	}
}

func TestCollectGarbageKeepsMetadata(t *testing.T) {
	e := openMem(t)
	ctx := context.Background()
	must(t, e.SetMeta([]byte("a"), []byte("meta"), false))
	applyHistory(t, e, []string{"a@1", "a@2-", "b@3"})
	_, err := e.CollectGarbage(ctx, 10, nil, nil, GCOptions{})
	must(t, err)
	if v, ok, err := e.GetMeta([]byte("a")); err != nil || !ok || string(v) != "meta" {
		t.Fatalf("GetMeta(a) = %q %v %v", v, ok, err)
	}
	if ts, err := e.MaxCommitTS(); err != nil || ts != 3 {
		t.Fatalf("MaxCommitTS = %d %v", ts, err)
	}
	if got := rawVersions(t, e); !slices.Equal(got, []string{"b@3"}) {
		t.Fatalf("versions %q", got)
	}
}

func TestCollectGarbageBounds(t *testing.T) {
	e := openMem(t)
	applyHistory(t, e, []string{"a@1", "a@2", "b@1", "b@2", "c@1", "c@2"})
	_, err := e.CollectGarbage(context.Background(), 10, []byte("b"), []byte("c"), GCOptions{})
	must(t, err)
	want := []string{"a@2", "a@1", "b@2", "c@2", "c@1"}
	if got := rawVersions(t, e); !slices.Equal(got, want) {
		t.Fatalf("versions %q, want %q", got, want)
	}
}

// readsAt records Get of every key and a full forward and reverse scan at
// each timestamp.
func readsAt(t *testing.T, e *Engine, keys []string, tss []uint64) []string {
	t.Helper()
	var out []string
	for _, ts := range tss {
		for _, k := range keys {
			v, ok, err := e.Get([]byte(k), ts)
			must(t, err)
			out = append(out, fmt.Sprintf("get %q@%d=%q,%v", k, ts, v, ok))
		}
		out = append(out, fmt.Sprintf("scan@%d=%q", ts, scan(t, e, nil, nil, ts, false)))
		out = append(out, fmt.Sprintf("rscan@%d=%q", ts, scan(t, e, nil, nil, ts, true)))
	}
	return out
}

// TestCollectGarbagePreservesReads writes many versions (including runs
// long enough for DeleteRange), records reads at several snapshots at or
// above the horizon, collects in small batches and chunks, and compares.
func TestCollectGarbagePreservesReads(t *testing.T) {
	e := openMem(t)
	ctx := context.Background()
	var keys []string
	for i := range 50 {
		keys = append(keys, fmt.Sprintf("k%03d", i))
	}
	ts := uint64(0)
	for round := range 200 {
		ts++
		var ws []Write
		for i, k := range keys {
			// Key i is written every (i%7+1) rounds; multiples of 5 are
			// deleted now and then; k000 gets a version every round (a
			// long run: DeleteRange).
			if round%(i%7+1) != 0 {
				continue
			}
			del := i%5 == 0 && round%3 == 1
			ws = append(ws, Write{Key: []byte(k), Value: fmt.Appendf(nil, "%s@%d", k, ts), Delete: del})
		}
		must(t, e.ApplyCommit(ws, ts, false))
		if round == 100 {
			must(t, e.db.Flush())
		}
	}
	horizon := uint64(150)
	snaps := []uint64{horizon, horizon + 1, 170, 199, ts, ts + 10}
	before := readsAt(t, e, keys, snaps)
	// A pooled iterator and a point reader opened before GC must keep
	// answering correctly afterwards.
	pr := e.NewPointReader()
	defer pr.Close()
	_, _, err := pr.Get([]byte("k001"), horizon)
	must(t, err)
	n0, err := e.CountVersions(nil, nil)
	must(t, err)

	var progressCalls int
	var resume []byte
	var total GCStats
	for {
		st, err := e.CollectGarbage(ctx, horizon, resume, nil, GCOptions{BatchSize: 7, MaxScan: 300,
			Progress: func(s, r int64) { progressCalls++ }})
		must(t, err)
		total.Scanned += st.Scanned
		total.Removed += st.Removed
		if resume = st.Resume; resume == nil {
			break
		}
	}
	n1, err := e.CountVersions(nil, nil)
	must(t, err)
	if total.Scanned != n0 || n0-n1 != total.Removed || total.Removed == 0 || progressCalls == 0 {
		t.Fatalf("versions %d -> %d, stats %+v, %d progress calls", n0, n1, total, progressCalls)
	}
	after := readsAt(t, e, keys, snaps)
	if !slices.Equal(before, after) {
		for i := range before {
			if before[i] != after[i] {
				t.Fatalf("read changed by GC:\n before %s\n after  %s", before[i], after[i])
			}
		}
	}
	for _, k := range keys {
		v, ok, err := pr.Get([]byte(k), horizon)
		must(t, err)
		if want := fmt.Sprintf("get %q@%d=%q,%v", k, horizon, v, ok); !slices.Contains(before, want) {
			t.Fatalf("point reader from before GC: %s", want)
		}
	}
	// A second pass finds nothing; after compaction the data is really gone.
	st, err := e.CollectGarbage(ctx, horizon, nil, nil, GCOptions{})
	must(t, err)
	if st.Removed != 0 {
		t.Fatalf("second pass removed %d", st.Removed)
	}
	must(t, e.db.Compact(ctx, []byte{0}, []byte{0xff, 0xff}, true))
	if again := readsAt(t, e, keys, snaps); !slices.Equal(before, again) {
		t.Fatal("reads changed after compaction")
	}
}

// TestCollectGarbageRandomized checks random histories against a model:
// the versions left are exactly the rule's, and reads at every timestamp
// at or above the horizon are unchanged (with the row cache warmed before
// GC, flushes in between, and random batch and chunk sizes).
func TestCollectGarbageRandomized(t *testing.T) {
	ctx := context.Background()
	for seed := range uint64(25) {
		rng := rand.New(rand.NewPCG(seed, 99))
		e := openMem(t)
		keyset := []string{"", "a", "a\x00", "a\x00\x00", "ab", "b", "b\x09", "b\xff", "c", "\xff"}
		type version struct {
			ts  uint64
			del bool
		}
		hist := map[string][]version{}
		commits := uint64(50 + rng.IntN(250))
		for ts := uint64(1); ts <= commits; ts++ {
			var ws []Write
			seen := map[string]bool{}
			for n := rng.IntN(3) + 1; n > 0; n-- {
				k := keyset[rng.IntN(len(keyset))]
				if seen[k] {
					continue
				}
				seen[k] = true
				del := rng.IntN(3) == 0
				ws = append(ws, Write{Key: []byte(k), Value: fmt.Appendf(nil, "%s@%d", k, ts), Delete: del})
				hist[k] = append(hist[k], version{ts, del})
			}
			must(t, e.ApplyCommit(ws, ts, false))
			if rng.IntN(100) == 0 {
				must(t, e.db.Flush())
			}
		}
		horizon := uint64(rng.IntN(int(commits) + 5))
		var snaps []uint64
		for ts := horizon; ts <= commits+1; ts++ {
			snaps = append(snaps, ts)
		}
		before := readsAt(t, e, keyset, snaps) // also warms the row cache
		var want []string
		sorted := slices.Clone(keyset)
		slices.Sort(sorted)
		for _, k := range sorted {
			vs := hist[k]
			kept := false
			for i := len(vs) - 1; i >= 0; i-- {
				v := vs[i]
				s := fmt.Sprintf("%s@%d", k, v.ts)
				if v.del {
					s += "-"
				}
				switch {
				case v.ts > horizon:
					want = append(want, s)
				case !kept:
					kept = true
					if !v.del {
						want = append(want, s)
					}
				}
			}
		}
		var resume []byte
		for {
			st, err := e.CollectGarbage(ctx, horizon, resume, nil, GCOptions{
				BatchSize: 1 + rng.IntN(20), MaxScan: int64(rng.IntN(200))})
			must(t, err)
			if resume = st.Resume; resume == nil {
				break
			}
		}
		if got := rawVersions(t, e); !slices.Equal(got, want) {
			t.Fatalf("seed %d horizon %d: versions\n %q\nwant\n %q", seed, horizon, got, want)
		}
		if after := readsAt(t, e, keyset, snaps); !slices.Equal(before, after) {
			t.Fatalf("seed %d horizon %d: reads changed", seed, horizon)
		}
	}
}

func TestCollectGarbageCanceled(t *testing.T) {
	e := openMem(t)
	for ts := uint64(1); ts <= 100; ts++ {
		must(t, e.ApplyCommit([]Write{{Key: []byte("a"), Value: []byte("v")}, {Key: fmt.Appendf(nil, "k%d", ts%10), Value: []byte("v")}}, ts, false))
	}
	ctx, cancel := context.WithCancel(context.Background())
	st, err := e.CollectGarbage(ctx, 100, nil, nil, GCOptions{BatchSize: 5, Progress: func(int64, int64) { cancel() }})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	n, err := e.CountVersions(nil, nil)
	must(t, err)
	if st.Removed == 0 || n != 200-st.Removed {
		t.Fatalf("canceled after %+v, %d versions left", st, n)
	}
	if v, ok, _ := e.Get([]byte("a"), 100); !ok || string(v) != "v" {
		t.Fatalf("a = %q %v", v, ok)
	}
}

func TestSweepStatus(t *testing.T) {
	e := openMem(t)
	ctx := context.Background()
	for ts := uint64(1); ts <= 20; ts++ {
		must(t, e.ApplyCommit([]Write{{Key: []byte("a"), Value: []byte("v")}, {Key: []byte("b"), Value: []byte("v")}}, ts, false))
	}
	horizon := uint64(10)
	h := func() uint64 { return horizon }
	ran, err := e.Sweep(ctx, h, true)
	must(t, err)
	s := e.SweepStatus()
	if !ran || s.Running || s.Runs != 1 || s.Scanned != 40 || s.Removed != 18 || s.TotalRemoved != 18 ||
		s.Horizon != 10 || s.CleanHorizon != 10 || s.LastStart.IsZero() || time.Since(s.LastStart) > time.Minute {
		t.Fatalf("after first sweep: ran=%v %+v", ran, s)
	}
	// Nothing new can be garbage until the horizon moves.
	if ran, err := e.Sweep(ctx, h, true); err != nil || ran {
		t.Fatalf("clean sweep ran=%v err=%v", ran, err)
	}
	horizon = 20
	ran, err = e.Sweep(ctx, h, true)
	must(t, err)
	s = e.SweepStatus()
	if !ran || s.Runs != 2 || s.Removed != 20 || s.TotalRemoved != 38 || s.Scanned != 22 {
		t.Fatalf("after second sweep: %+v", s)
	}
	if n, _ := e.CountVersions(nil, nil); n != 2 {
		t.Fatalf("%d versions left", n)
	}
}

// TestCollectGarbageConcurrent runs GC in a loop while a writer commits
// and readers read at snapshots the horizon respects (as the txn
// Manager's does: the minimum of the live snapshots and the watermark).
// Every commit rewrites all keys, with a tombstone every third one, so a
// read at ts has one right answer.
func TestCollectGarbageConcurrent(t *testing.T) {
	e := openMem(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	keys := []string{"a", "b", "c", "d"}
	var mu sync.Mutex
	visible := uint64(0)
	active := map[int]uint64{}
	horizon := func() uint64 {
		mu.Lock()
		defer mu.Unlock()
		low := visible
		for _, ts := range active {
			low = min(low, ts)
		}
		return low
	}
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	wg.Go(func() {
		for ts := uint64(1); ctx.Err() == nil; ts++ {
			var ws []Write
			for _, k := range keys {
				ws = append(ws, Write{Key: []byte(k), Value: fmt.Appendf(nil, "%d", ts), Delete: ts%3 == 0})
			}
			if err := e.ApplyCommit(ws, ts, false); err != nil {
				errc <- err
				return
			}
			mu.Lock()
			visible = ts
			mu.Unlock()
		}
	})
	wg.Go(func() {
		for ctx.Err() == nil {
			if _, err := e.Sweep(ctx, horizon, false); err != nil && ctx.Err() == nil {
				errc <- err
				return
			}
		}
	})
	for r := range 3 {
		wg.Go(func() {
			for ctx.Err() == nil {
				mu.Lock()
				ts := visible
				active[r] = ts
				mu.Unlock()
				pr := e.NewPointReader()
				for range 50 {
					for _, k := range keys {
						v, ok, err := pr.Get([]byte(k), ts)
						if err == nil {
							v2, ok2, err2 := e.Get([]byte(k), ts)
							if err2 != nil || ok2 != ok || string(v2) != string(v) {
								err = fmt.Errorf("Get and PointReader disagree: %q,%v vs %q,%v (%v)", v, ok, v2, ok2, err2)
							}
						}
						wantOK := ts > 0 && ts%3 != 0
						if err == nil && (ok != wantOK || (ok && string(v) != fmt.Sprint(ts))) {
							err = fmt.Errorf("Get(%s)@%d = %q,%v", k, ts, v, ok)
						}
						if err != nil {
							errc <- err
							pr.Close()
							return
						}
					}
				}
				pr.Close()
				mu.Lock()
				delete(active, r)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if s := e.SweepStatus(); s.Runs == 0 || s.TotalRemoved == 0 {
		t.Fatalf("no garbage collected: %+v", s)
	}
}

// TestCloseStopsSweep: Close cancels a running sweep and waits for it,
// so Pebble is never used after closing; later sweeps fail cleanly.
func TestCloseStopsSweep(t *testing.T) {
	e, err := Open(context.Background(), "", Options{InMemory: true})
	must(t, err)
	for ts := uint64(1); ts <= 200; ts++ {
		var ws []Write
		for i := range 500 {
			ws = append(ws, Write{Key: fmt.Appendf(nil, "k%04d", i), Value: []byte("v")})
		}
		must(t, e.ApplyCommit(ws, ts, false))
	}
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		_, err := e.Sweep(context.Background(), func() uint64 {
			select {
			case <-started:
			default:
				close(started)
			}
			return 200
		}, false)
		done <- err
	}()
	<-started
	must(t, e.Close())
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("sweep ended with %v", err)
	}
	if _, err := e.Sweep(context.Background(), func() uint64 { return 200 }, false); err == nil {
		t.Fatal("sweep after Close succeeded")
	}
}

// TestIncrementalSweep: after the first (whole-keyspace) sweep, the
// background sweep visits only keys written since, keeps a key written
// above the horizon for a later sweep, and falls back to sweeping spans
// once too many keys were written.
func TestIncrementalSweep(t *testing.T) {
	e := openMem(t)
	ctx := context.Background()
	e.dirty.maxKeys = 3
	var ts uint64
	write := func(ks ...string) {
		ts++
		var ws []Write
		for _, k := range ks {
			ws = append(ws, Write{Key: []byte(k), Value: []byte("v")})
		}
		must(t, e.ApplyCommit(ws, ts, false))
	}
	for range 5 {
		write("a", "b", "c")
	}
	h := ts
	horizon := func() uint64 { return h }
	sweep := func(wantScanned, wantRemoved int64) {
		t.Helper()
		ran, err := e.Sweep(ctx, horizon, true)
		must(t, err)
		s := e.SweepStatus()
		if !ran || s.Scanned != wantScanned || s.Removed != wantRemoved {
			t.Fatalf("ran=%v scanned %d removed %d, want %d %d", ran, s.Scanned, s.Removed, wantScanned, wantRemoved)
		}
	}
	sweep(15, 12) // the first sweep walks everything
	write("a")
	write("a")
	h = ts - 1  // the newest version of a is above the horizon
	sweep(3, 1) // only a: its three versions, the oldest is garbage
	h = ts
	sweep(2, 1) // a was kept dirty for the horizon to pass it
	if ran, err := e.Sweep(ctx, horizon, true); err != nil || ran {
		t.Fatalf("nothing written: ran=%v err=%v", ran, err)
	}
	// Overflow: four distinct keys exceed maxKeys (3); the fourth is
	// remembered by span (its first byte: not a table key), and the
	// span "c" covers c as well as cc (so c is not visited again).
	write("a", "b", "c", "cc")
	h = ts
	sweep(3+2+2, 3)
	if n, _ := e.CountVersions(nil, nil); n != 4 {
		t.Fatalf("%d versions left, want 4", n)
	}
}

// TestSweepAfterReopen: garbage left by an earlier process is unknown to
// the new one's dirty-key set, so its first background sweep walks the
// whole keyspace; a new store starts with nothing to walk.
func TestSweepAfterReopen(t *testing.T) {
	ctx := context.Background()
	fs := vfs.NewMem()
	e, err := Open(ctx, "db", Options{FS: fs})
	must(t, err)
	if !e.dirty.empty() {
		t.Fatal("a new store starts with dirty keys")
	}
	for ts := uint64(1); ts <= 5; ts++ {
		must(t, e.ApplyCommit([]Write{{Key: []byte("k"), Value: []byte("v")}}, ts, true))
	}
	must(t, e.Close())
	e, err = Open(ctx, "db", Options{FS: fs})
	must(t, err)
	defer e.Close()
	ran, err := e.Sweep(ctx, func() uint64 { return 5 }, true)
	must(t, err)
	if s := e.SweepStatus(); !ran || s.Scanned != 5 || s.Removed != 4 {
		t.Fatalf("first sweep after reopen: ran=%v %+v", ran, s)
	}
}

// TestCollectGarbageAtLakeHorizon: lake keys are collected at their own
// (lower) horizon, other keys at the row horizon.
func TestCollectGarbageAtLakeHorizon(t *testing.T) {
	e, err := Open(context.Background(), "", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	lake := append(append([]byte(nil), keys.LakePrefix...), 'a')
	row := append(append([]byte(nil), keys.TablePrefix...), 'a')
	for ts := uint64(1); ts <= 4; ts++ {
		if err := e.ApplyCommit([]Write{{Key: lake, Value: []byte("v")}, {Key: row, Value: []byte("v")}}, ts, false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.CollectGarbageAt(context.Background(), Horizons{Rows: 4, Lake: 2}, nil, nil, GCOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key  []byte
		want int64
	}{{lake, 3}, {row, 1}} {
		n, err := e.CountVersions(tc.key, keys.PrefixEnd(tc.key))
		if err != nil || n != tc.want {
			t.Fatalf("%x: %d versions (%v), want %d", tc.key, n, err, tc.want)
		}
	}
}
