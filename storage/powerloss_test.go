package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// TestPowerLoss simulates losing power at random moments while commits are
// in flight. Pebble's crashable in-memory file system keeps exactly what
// was fsync'd plus a random part of what was not; the engine reopened on
// that image must hold every commit acknowledged with sync (ApplyCommit
// returned) before the crash, must hold each commit entirely or not at all
// (every commit writes two keys that must agree), and must recover a
// maximum timestamp at least as large as every commit it holds, so new
// timestamps never collide with old versions.
func TestPowerLoss(t *testing.T) {
	ctx := context.Background()
	for round := range 12 {
		t.Run(fmt.Sprint(round), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(round), 7))
			fs := vfs.NewCrashableMem()
			e, err := Open(ctx, "db", Options{FS: fs, RowCacheSize: -1})
			if err != nil {
				t.Fatal(err)
			}
			var (
				nextTS atomic.Uint64
				mu     sync.Mutex
				acked  []uint64 // commits acknowledged with sync before the crash image
				stop   atomic.Bool
				wg     sync.WaitGroup
			)
			for w := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					sync := w != 3 // one writer uses synchronous_commit = off
					for !stop.Load() {
						ts := nextTS.Add(1)
						v := []byte(fmt.Sprint(ts))
						writes := []Write{
							{Key: []byte(fmt.Sprintf("a/%d", ts%50)), Value: v},
							{Key: []byte(fmt.Sprintf("b/%d", ts%50)), Value: v},
						}
						if err := e.ApplyCommit(writes, ts, sync); err != nil {
							if !stop.Load() {
								t.Errorf("commit %d: %v", ts, err)
							}
							return
						}
						if sync {
							mu.Lock()
							acked = append(acked, ts)
							mu.Unlock()
						} else {
							runtimeGosched() // unsynced commits are cheap: do not starve the others
						}
					}
				}()
			}
			// Let commits pile up, then lose power.
			target := 20 + rng.IntN(200)
			for {
				mu.Lock()
				n := len(acked)
				mu.Unlock()
				if n >= target {
					break
				}
				runtimeGosched()
			}
			mu.Lock()
			ackedBefore := append([]uint64(nil), acked...)
			mu.Unlock()
			crashed := fs.CrashClone(vfs.CrashCloneCfg{UnsyncedDataPercent: rng.IntN(101), RNG: rand.New(rand.NewPCG(uint64(round), 9))})
			stop.Store(true)
			wg.Wait()
			if err := e.Close(); err != nil {
				t.Fatal(err)
			}

			r, err := Open(ctx, "db", Options{FS: crashed, RowCacheSize: -1})
			if err != nil {
				t.Fatalf("reopen after power loss: %v", err)
			}
			defer r.Close()
			maxTS, err := r.MaxCommitTS()
			if err != nil {
				t.Fatal(err)
			}
			// Read everything at the recovered max timestamp: the newest
			// surviving version of each key.
			latest := func(k string) (string, bool) {
				v, ok, err := r.Get([]byte(k), maxTS)
				if err != nil {
					t.Fatal(err)
				}
				return string(v), ok
			}
			for i := range 50 {
				a, okA := latest(fmt.Sprintf("a/%d", i))
				b, okB := latest(fmt.Sprintf("b/%d", i))
				if okA != okB || a != b {
					t.Fatalf("torn commit for slot %d: a=%q (%v) b=%q (%v)", i, a, okA, b, okB)
				}
			}
			// Every acknowledged commit survived: its version is readable at
			// its own timestamp, and the clock recovered past it.
			for _, ts := range ackedBefore {
				if ts > maxTS {
					t.Fatalf("acknowledged commit %d lost: recovered max timestamp %d", ts, maxTS)
				}
				v, ok, err := r.Get([]byte(fmt.Sprintf("a/%d", ts%50)), ts)
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					t.Fatalf("acknowledged commit %d lost", ts)
				}
				var got uint64
				fmt.Sscan(string(v), &got)
				if got != ts {
					// A later commit to the slot at or below ts would be a
					// different timestamp; exactly ts must be there.
					t.Fatalf("acknowledged commit %d: slot holds %d at ts %d", ts, got, ts)
				}
			}
			if len(ackedBefore) < target {
				t.Fatalf("only %d acknowledged commits before the crash", len(ackedBefore))
			}
			t.Logf("%d commits started, %d acknowledged with sync before the crash, recovered up to %d", nextTS.Load(), len(ackedBefore), maxTS)
		})
	}
}

func runtimeGosched() { runtime.Gosched() }
