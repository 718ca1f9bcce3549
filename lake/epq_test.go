package lake

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/txn"
)

// TestFollowChain: a READ COMMITTED writer whose snapshot predates a
// chain of updates (and flushes and rewrites moving the versions) is
// told the newest version and can write it; a chain ending in a DELETE
// says the row is gone; REPEATABLE READ still gets 40001.
func TestFollowChain(t *testing.T) {
	cases := []struct {
		name   string
		target int      // 3: a file row, 11: an inlined row
		steps  []string // committed after the writer's snapshot
		want   string   // the newest version, "" when gone
	}{
		{"file row updated", 3, []string{"update"}, "3|u1"},
		{"inline row updated twice", 11, []string{"update", "update"}, "11|u2"},
		{"inline row updated through flushes", 11, []string{"update", "flush", "update", "flush"}, "11|u2"},
		{"file row updated, new version flushed, file rewritten", 3, []string{"update", "flush", "optimize"}, "3|u1"},
		{"file row updated after a rewrite", 3, []string{"optimize", "update", "update"}, "3|u2"},
		{"updated then deleted", 3, []string{"update", "delete"}, ""},
		{"inline row updated, flushed, deleted", 11, []string{"update", "flush", "delete"}, ""},
		{"inline row deleted", 11, []string{"delete"}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, Options{DirectWriteRows: 5, TargetFileRows: 100})
			d := testDesc(120, "")
			e.commitInsert(d, 0, 10, bX) // one file
			e.commitInsert(d, 10, 12, bX)
			tb := e.table(d)
			w := e.begin(txn.ReadCommitted)
			defer w.Rollback()
			loc := e.find(e.scan(d, w), fmt.Sprintf("%d|x", c.target))

			version := 0
			for _, s := range c.steps {
				switch s {
				case "update", "delete":
					tx := e.begin(txn.ReadCommitted)
					cur := e.findA(e.scan(d, tx), c.target)
					var err error
					if s == "update" {
						version++
						_, err = tb.Update(ctx, tx, cur, row(c.target, fmt.Sprintf("u%d", version)))
					} else {
						_, err = tb.Delete(ctx, tx, cur)
					}
					must(t, err)
					must(t, tx.Commit(ctx))
				case "flush":
					must(t, e.s.Flush(ctx, d))
				case "optimize":
					must(t, e.s.Optimize(ctx, d, nil))
				}
			}

			_, err := tb.Delete(ctx, w, loc)
			var changed *RowChangedError
			if !errors.As(err, &changed) {
				t.Fatalf("Delete: got %v, want RowChangedError", err)
			}
			var retry *txn.RetryStatementError
			if !errors.As(err, &retry) {
				t.Fatal("RowChangedError is not a statement restart")
			}
			if c.want == "" {
				if !changed.Gone {
					t.Fatalf("want gone, got %v", changed.Row)
				}
				return
			}
			if changed.Gone {
				t.Fatal("reported gone")
			}
			r := changed.Row
			if got := fmt.Sprintf("%d|%s", r[0].(types.DInt), r[1].(types.DString)); got != c.want {
				t.Fatalf("newest version %s, want %s", got, c.want)
			}
			if string(r[2].(types.DBytes)) != string(changed.Locator) {
				t.Fatal("lake_rowid is not the reported locator")
			}
			found, err := tb.UpdateNewest(ctx, w, changed.Locator, row(c.target, "w"))
			must(t, err)
			if !found {
				t.Fatal("UpdateNewest: not found")
			}
			must(t, w.Commit(ctx))
			var want []string
			for a := 0; a < 12; a++ {
				if a == c.target {
					want = append(want, fmt.Sprintf("%d|w", a))
				} else {
					want = append(want, fmt.Sprintf("%d|x", a))
				}
			}
			e.expectNow(d, strings.Join(want, " "))
		})
	}
}

// TestNewestChangedAgain: a version reported by a RowChangedError that is
// updated again before the writer gets to it is reported again.
func TestNewestChangedAgain(t *testing.T) {
	e := newEnv(t, Options{DirectWriteRows: 5})
	d := testDesc(121, "")
	e.commitInsert(d, 0, 10, bX)
	tb := e.table(d)
	w := e.begin(txn.ReadCommitted)
	defer w.Rollback()
	loc := e.find(e.scan(d, w), "4|x")
	update := func(b string) {
		tx := e.begin(txn.ReadCommitted)
		_, err := tb.Update(ctx, tx, e.findA(e.scan(d, tx), 4), row(4, b))
		must(t, err)
		must(t, tx.Commit(ctx))
	}
	update("a")
	_, err := tb.Delete(ctx, w, loc)
	var changed *RowChangedError
	if !errors.As(err, &changed) || changed.Gone {
		t.Fatalf("got %v", err)
	}
	update("b")
	_, err = tb.DeleteNewest(ctx, w, changed.Locator)
	if !errors.As(err, &changed) || changed.Gone || changed.Row[1] != types.DString("b") {
		t.Fatalf("second report: %v %+v", err, changed)
	}
	found, err := tb.DeleteNewest(ctx, w, changed.Locator)
	must(t, err)
	if !found {
		t.Fatal("not found")
	}
	must(t, w.Commit(ctx))
	e.expectNow(d, "0|x 1|x 2|x 3|x 5|x 6|x 7|x 8|x 9|x")

	// REPEATABLE READ: 40001, no following.
	rr := e.begin(txn.RepeatableRead)
	defer rr.Rollback()
	loc = e.find(e.scan(d, rr), "5|x")
	tx := e.begin(txn.ReadCommitted)
	_, err = tb.Update(ctx, tx, e.findA(e.scan(d, tx), 5), row(5, "y"))
	must(t, err)
	must(t, tx.Commit(ctx))
	_, err = tb.Update(ctx, rr, loc, row(5, "z"))
	if errors.As(err, &changed) || code(err) != pgerr.SerializationFailure {
		t.Fatalf("REPEATABLE READ: got %v, want 40001", err)
	}
}

// findA returns the locator of the row with a = a.
func (e *env) findA(rows []scanned, a int) Locator {
	e.t.Helper()
	for _, r := range rows {
		if strings.HasPrefix(r.text, fmt.Sprintf("%d|", a)) {
			return r.loc
		}
	}
	e.t.Fatalf("row a=%d not found", a)
	return nil
}
