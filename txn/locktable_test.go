package txn

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestLockTable drives the lock table core step by step:
//
//	acquire txn=<id> key=<k> mode=<s|x> [policy=nowait|skip]
//	release txn=<id> [key=<k>]   (every key it holds when none is given)
//	downgrade txn=<id> key=<k>
//	cancel txn=<id>
//	commit txn=<id> key=<k> ts=<n> horizon=<n>   (record a commit of a held key)
//	prune txn=0 horizon=<n>
//
// Each prints what happened (grants, the deadlock report) and the table.
// A queued acquire runs deadlock detection as the DB does when a wait
// starts; a victim's request is withdrawn. Owners are 100+txn.
func TestLockTable(t *testing.T) {
	datadriven.Walk(t, "testdata/locktable", func(t *testing.T, path string) {
		lt := newLockTable()
		waiters := map[TxnID]*lockWaiter{}
		waiter := func(id TxnID) *lockWaiter {
			if w, ok := waiters[id]; ok {
				return w
			}
			w := &lockWaiter{txn: id, owner: 100 + int32(id)}
			waiters[id] = w
			return w
		}
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			var id int
			d.ScanArgs(t, "txn", &id)
			txn := TxnID(id)
			var key string
			d.MaybeScanArgs(t, "key", &key)
			var out strings.Builder
			var granted []*lockWaiter
			switch d.Cmd {
			case "acquire":
				var mode, policy string
				d.ScanArgs(t, "mode", &mode)
				d.MaybeScanArgs(t, "policy", &policy)
				w := waiter(txn)
				w.mode = map[string]LockStrength{"s": LockShare, "x": LockExclusive}[mode]
				p := map[string]WaitPolicy{"": WaitBlock, "nowait": WaitNoWait, "skip": WaitSkipLocked}[policy]
				res, k := lt.acquire(w, []byte(key), p)
				fmt.Fprintf(&out, "%s", []string{"granted", "held", "wait", "would block"}[res])
				if lc := lt.lastCommit(k); lc != 0 {
					fmt.Fprintf(&out, " (last commit %d)", lc)
				}
				out.WriteByte('\n')
				if res == acqWait {
					if cycle := lt.deadlock(lockEdge{txn, w.owner}); cycle != nil {
						fmt.Fprintf(&out, "deadlock: %s\n", deadlockError(cycle).Detail)
						var removed bool
						removed, granted = lt.cancel(txn, key, nil)
						if !removed {
							t.Fatal("victim was not queued")
						}
					}
				}
			case "release":
				if key != "" {
					granted = lt.release(txn, key, nil)
					break
				}
				for _, k := range sortedKeys(&lt) {
					if slices.ContainsFunc(lt.locks[k].holders, func(h lockHolder) bool { return h.txn == txn }) {
						granted = lt.release(txn, k, granted)
					}
				}
			case "commit":
				var ts, horizon uint64
				d.ScanArgs(t, "ts", &ts)
				d.ScanArgs(t, "horizon", &horizon)
				ls, ok := lt.locks[key]
				if !ok || !slices.ContainsFunc(ls.holders, func(h lockHolder) bool {
					return h.txn == txn && h.mode == LockExclusive
				}) {
					t.Fatalf("commit of %s by %d without its exclusive lock", key, txn)
				}
				lt.recordCommit(ls.key, ts, horizon)
			case "prune":
				var horizon uint64
				d.ScanArgs(t, "horizon", &horizon)
				lt.pruneCommits(horizon)
			case "downgrade":
				granted = lt.downgrade(txn, key, nil)
			case "cancel":
				k, ok := lt.waiting[txn]
				if !ok {
					return "not waiting\n" + dumpLockTable(&lt)
				}
				_, granted = lt.cancel(txn, k, nil)
			default:
				t.Fatalf("unknown command %s", d.Cmd)
			}
			for _, w := range granted {
				fmt.Fprintf(&out, "granted %d\n", w.txn)
			}
			out.WriteString(dumpLockTable(&lt))
			return out.String()
		})
		if len(lt.locks) != 0 || len(lt.waiting) != 0 {
			t.Errorf("%s: table not empty at the end:\n%s", path, dumpLockTable(&lt))
		}
	})
}

func sortedKeys(lt *lockTable) []string {
	var ks []string
	for k := range lt.locks {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func dumpLockTable(lt *lockTable) string {
	var b strings.Builder
	if len(lt.commits) > 0 {
		var cs []string
		for k, ts := range lt.commits {
			cs = append(cs, fmt.Sprintf("%s@%d", k, ts))
		}
		slices.Sort(cs)
		fmt.Fprintf(&b, "commits: %s\n", strings.Join(cs, " "))
	}
	if len(lt.locks) == 0 {
		return b.String() + "empty\n"
	}
	mode := func(m LockStrength) string { return map[LockStrength]string{LockShare: "S", LockExclusive: "X"}[m] }
	for _, k := range sortedKeys(lt) {
		ls := lt.locks[k]
		fmt.Fprintf(&b, "%s: held", k)
		for _, h := range ls.holders {
			fmt.Fprintf(&b, " %d:%s", h.txn, mode(h.mode))
		}
		if len(ls.queue) > 0 {
			b.WriteString("; queue")
			for _, w := range ls.queue {
				up := ""
				if w.upgrade {
					up = "^"
				}
				fmt.Fprintf(&b, " %d:%s%s", w.txn, mode(w.mode), up)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}
