package exec_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/exec"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/txn"
)

// Row-locking tests: two transactions on a real txn.DB, the second one
// in a goroutine so it can block on the first one's locks. Tables are
// Hermitage's: test(id, value) with rows (1,10), (2,20).

func lockingCatalog() *catalog.Snapshot {
	schemas := []*catalog.Schema{{ID: catalog.PublicSchemaID, Name: "public"}, {ID: catalog.PgCatalogSchemaID, Name: "pg_catalog"}}
	test := &catalog.Table{ID: 200, SchemaID: catalog.PublicSchemaID, Name: "test", Kind: catalog.KindTable,
		Columns: []catalog.Column{{ID: 1, Name: "id", Type: types.Int8, NotNull: true}, {ID: 2, Name: "value", Type: types.Int4}},
		Primary: catalog.Index{ID: 1, Name: "test_pkey", ColumnIDs: []uint32{1}, Unique: true, Primary: true}}
	other := &catalog.Table{ID: 201, SchemaID: catalog.PublicSchemaID, Name: "other", Kind: catalog.KindTable,
		Columns: []catalog.Column{{ID: 1, Name: "id", Type: types.Int8, NotNull: true}, {ID: 2, Name: "code", Type: types.Text}},
		Primary: catalog.Index{ID: 1, Name: "other_pkey", ColumnIDs: []uint32{1}, Unique: true, Primary: true},
		Indexes: []catalog.Index{{ID: 2, Name: "other_code_key", ColumnIDs: []uint32{2}, Unique: true}}}
	return catalog.NewSnapshot(schemas, []*catalog.Table{test, other}, nil, nil, nil)
}

func newLockHarness(t *testing.T) *harness {
	h := newHarness(t)
	h.cat = lockingCatalog()
	s := h.begin(txn.ReadCommitted)
	s.mustExec("INSERT INTO test VALUES (1, 10), (2, 20)")
	s.commit()
	return h
}

// sess runs statements the way the SQL layer does: a new snapshot per
// statement at READ COMMITTED, a savepoint around each statement, and a
// statement restart on *txn.RetryStatementError.
type sess struct {
	h   *harness
	tx  *txn.Txn
	iso txn.Isolation
	// restarts counts statement restarts (EvalPlanQual needs none).
	restarts int
}

func (h *harness) begin(iso txn.Isolation) *sess {
	return &sess{h: h, tx: h.db.Begin(txn.Options{Isolation: iso}), iso: iso}
}

func (h *harness) beginReadOnly() *sess {
	return &sess{h: h, tx: h.db.Begin(txn.Options{ReadOnly: true})}
}

type result struct {
	rows     []types.Row
	affected int64
	err      error
}

// String renders the row count (rows affected, or returned by a query)
// and the rows, as "2 [1 10; 2 20]", or the error with its SQLSTATE.
func (r result) String() string {
	if r.err != nil {
		return "error " + pgerr.Code(r.err) + ": " + r.err.Error()
	}
	var rs []string
	for _, row := range r.rows {
		var cs []string
		for _, d := range row {
			cs = append(cs, fmt.Sprint(d))
		}
		rs = append(rs, strings.Join(cs, " "))
	}
	return fmt.Sprintf("%d [%s]", r.affected, strings.Join(rs, "; "))
}

func (s *sess) exec(sql string) result {
	ctx := context.Background()
	parsed, err := pg_query.Parse(sql)
	if err != nil {
		return result{err: err}
	}
	p, err := planner.Build(ctx, parsed.Stmts[0].Stmt, &planner.StaticEnv{Cat: s.h.cat})
	if err != nil {
		return result{err: err}
	}
	for attempt := 0; ; attempt++ {
		if s.iso == txn.ReadCommitted && !s.tx.Options().ReadOnly {
			s.tx.Refresh()
		}
		sp := s.tx.Savepoint()
		res := runOnce(ctx, p, s.tx)
		var retry *txn.RetryStatementError
		if errors.As(res.err, &retry) && attempt < 5 {
			s.tx.RollbackTo(sp)
			s.restarts++
			continue
		}
		if res.err != nil {
			s.tx.RollbackTo(sp)
		}
		return res
	}
}

func runOnce(ctx context.Context, p *planner.Plan, tx *txn.Txn) result {
	r, err := exec.Run(ctx, p, exec.Runtime{Txn: tx})
	if err != nil {
		return result{err: err}
	}
	rows, err := r.All(ctx)
	return result{rows: rows, affected: r.RowsAffected(), err: err}
}

func (s *sess) mustExec(sql string) result {
	s.h.t.Helper()
	r := s.exec(sql)
	if r.err != nil {
		s.h.t.Fatalf("%s: %v", sql, r.err)
	}
	return r
}

func (s *sess) commit() error { return s.tx.Commit(context.Background()) }

// async runs sql in a goroutine.
func (s *sess) async(sql string) <-chan result {
	ch := make(chan result, 1)
	go func() { ch <- s.exec(sql) }()
	return ch
}

// blocked asserts the statement has not finished yet (it waits on a lock).
func blocked(t *testing.T, ch <-chan result) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("statement should wait for the other transaction, but finished: %v", r)
	case <-time.After(150 * time.Millisecond):
	}
}

func await(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("statement did not finish after the other transaction ended")
	}
	return result{}
}

func (h *harness) contents(sql string) string {
	s := h.begin(txn.ReadCommitted)
	defer s.tx.Rollback()
	return s.mustExec(sql).String()
}

// TestPMPWrite is Hermitage's PMP-write at READ COMMITTED: the DELETE
// waits for the UPDATE, then re-checks its WHERE on the newest versions
// (row 2 is now 30 and no longer matches).
func TestPMPWrite(t *testing.T) {
	h := newLockHarness(t)
	t1, t2 := h.begin(txn.ReadCommitted), h.begin(txn.ReadCommitted)
	if r := t1.mustExec("UPDATE test SET value = value + 10"); r.affected != 2 {
		t.Fatalf("UPDATE affected %d", r.affected)
	}
	ch := t2.async("DELETE FROM test WHERE value = 20")
	blocked(t, ch)
	if err := t1.commit(); err != nil {
		t.Fatal(err)
	}
	if r := await(t, ch); r.err != nil || r.affected != 0 {
		t.Fatalf("DELETE: got %v, want DELETE 0", r)
	}
	if t2.restarts != 0 {
		t.Fatalf("DELETE restarted %d times; EvalPlanQual should re-check rows in place", t2.restarts)
	}
	if err := t2.commit(); err != nil {
		t.Fatal(err)
	}
	if got, want := h.contents("SELECT id, value FROM test ORDER BY id"), "2 [1 20; 2 30]"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// TestWriteWaits: a second writer of a row waits for the first; at READ
// COMMITTED it then updates the newest version (G0 / P4 at READ
// COMMITTED: the update is applied on top, RETURNING shows it), at
// REPEATABLE READ and SERIALIZABLE it fails with 40001 (P4 prevented).
func TestWriteWaits(t *testing.T) {
	for _, tc := range []struct {
		iso  txn.Isolation
		want string
	}{
		{txn.ReadCommitted, "1 [1 22]"},
		{txn.RepeatableRead, "error 40001: could not serialize access due to concurrent update"},
		{txn.Serializable, "error 40001: could not serialize access due to concurrent update"},
	} {
		t.Run(tc.iso.String(), func(t *testing.T) {
			h := newLockHarness(t)
			t1, t2 := h.begin(tc.iso), h.begin(tc.iso)
			t2.mustExec("SELECT value FROM test WHERE id = 1") // fix RR's snapshot
			t1.mustExec("UPDATE test SET value = 11 WHERE id = 1")
			ch := t2.async("UPDATE test SET value = value + 11 WHERE id = 1 RETURNING id, value")
			blocked(t, ch)
			if err := t1.commit(); err != nil {
				t.Fatal(err)
			}
			if got := await(t, ch).String(); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestRecheck: the newest version decides whether a waiting UPDATE
// still applies; a row deleted meanwhile is skipped.
func TestRecheck(t *testing.T) {
	for _, tc := range []struct {
		name, first, second, want, after string
	}{
		{"no longer matches", "UPDATE test SET value = 25 WHERE id = 2",
			"UPDATE test SET value = value + 1 WHERE value = 20 RETURNING value", "0 []", "2 [1 10; 2 25]"},
		{"still matches", "UPDATE test SET value = 21 WHERE id = 2",
			"UPDATE test SET value = value + 1 WHERE value >= 20 RETURNING value", "1 [22]", "2 [1 10; 2 22]"},
		{"deleted", "DELETE FROM test WHERE id = 1",
			"UPDATE test SET value = 99 WHERE id = 1", "0 []", "1 [2 20]"},
		{"deleted, DELETE", "DELETE FROM test WHERE id = 1",
			"DELETE FROM test WHERE id < 5", "1 []", "0 []"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newLockHarness(t)
			t1, t2 := h.begin(txn.ReadCommitted), h.begin(txn.ReadCommitted)
			t1.mustExec(tc.first)
			ch := t2.async(tc.second)
			blocked(t, ch)
			if err := t1.commit(); err != nil {
				t.Fatal(err)
			}
			if got := await(t, ch).String(); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
			if t2.restarts != 0 {
				t.Fatalf("restarted %d times, want an in-place re-check", t2.restarts)
			}
			if err := t2.commit(); err != nil {
				t.Fatal(err)
			}
			if got := h.contents("SELECT id, value FROM test ORDER BY id"); got != tc.after {
				t.Fatalf("table: got %s, want %s", got, tc.after)
			}
		})
	}
}

// TestSelectForUpdate covers FOR UPDATE blocking a writer, SKIP LOCKED
// queue consumers, NOWAIT, FOR UPDATE waiting and re-checking, and the
// read-only error.
func TestSelectForUpdate(t *testing.T) {
	t.Run("blocks update", func(t *testing.T) {
		h := newLockHarness(t)
		t1, t2 := h.begin(txn.ReadCommitted), h.begin(txn.ReadCommitted)
		if got := t1.mustExec("SELECT id, value FROM test WHERE id = 1 FOR UPDATE").String(); got != "1 [1 10]" {
			t.Fatalf("FOR UPDATE returned %s", got)
		}
		ch := t2.async("UPDATE test SET value = 5 WHERE id = 1")
		blocked(t, ch)
		if err := t1.commit(); err != nil {
			t.Fatal(err)
		}
		if r := await(t, ch); r.err != nil || r.affected != 1 {
			t.Fatalf("UPDATE: %v", r)
		}
	})
	t.Run("for share does not block for share", func(t *testing.T) {
		h := newLockHarness(t)
		t1, t2 := h.begin(txn.ReadCommitted), h.begin(txn.ReadCommitted)
		t1.mustExec("SELECT id FROM test FOR SHARE")
		if got := t2.exec("SELECT id FROM test ORDER BY id FOR KEY SHARE NOWAIT").String(); got != "2 [1; 2]" {
			t.Fatalf("got %s", got)
		}
		if got := t2.exec("SELECT id FROM test WHERE id = 2 FOR UPDATE NOWAIT").String(); !strings.HasPrefix(got, "error 55P03") {
			t.Fatalf("FOR UPDATE over FOR SHARE: got %s", got)
		}
	})
	t.Run("skip locked queue", func(t *testing.T) {
		h := newLockHarness(t)
		c1, c2 := h.begin(txn.ReadCommitted), h.begin(txn.ReadCommitted)
		q := "SELECT id FROM test ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"
		if got := c1.mustExec(q).String(); got != "1 [1]" {
			t.Fatalf("first consumer got %s", got)
		}
		if got := c2.mustExec(q).String(); got != "1 [2]" {
			t.Fatalf("second consumer got %s, want the next unlocked row", got)
		}
		c3 := h.begin(txn.ReadCommitted)
		if got := c3.mustExec(q).String(); got != "0 []" {
			t.Fatalf("third consumer got %s, want nothing", got)
		}
		// The queue pattern: take a job and delete it in one statement.
		c1.tx.Rollback()
		if got := c3.mustExec("DELETE FROM test WHERE id = (SELECT id FROM test ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id").String(); got != "1 [1]" {
			t.Fatalf("DELETE ... SKIP LOCKED got %s", got)
		}
	})
	t.Run("nowait", func(t *testing.T) {
		h := newLockHarness(t)
		t1, t2 := h.begin(txn.ReadCommitted), h.begin(txn.ReadCommitted)
		t1.mustExec("UPDATE test SET value = 11 WHERE id = 1")
		want := `error 55P03: could not obtain lock on row in relation "test"`
		if got := t2.exec("SELECT * FROM test WHERE id = 1 FOR UPDATE NOWAIT").String(); got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
		if got := t2.exec("SELECT id FROM test WHERE id = 2 FOR UPDATE NOWAIT").String(); got != "1 [2]" {
			t.Fatalf("unlocked row: got %s", got)
		}
	})
	for _, tc := range []struct {
		iso  txn.Isolation
		want string
	}{
		{txn.ReadCommitted, "0 []"},
		{txn.RepeatableRead, "error 40001: could not serialize access due to concurrent update"},
	} {
		t.Run("waits and rechecks "+tc.iso.String(), func(t *testing.T) {
			h := newLockHarness(t)
			t1, t2 := h.begin(tc.iso), h.begin(tc.iso)
			t2.mustExec("SELECT 1 FROM test")
			t1.mustExec("UPDATE test SET value = value + 10")
			ch := t2.async("SELECT id, value FROM test WHERE value = 20 FOR UPDATE")
			blocked(t, ch)
			if err := t1.commit(); err != nil {
				t.Fatal(err)
			}
			if got := await(t, ch).String(); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
	t.Run("newest version returned", func(t *testing.T) {
		h := newLockHarness(t)
		t1, t2 := h.begin(txn.ReadCommitted), h.begin(txn.ReadCommitted)
		t1.mustExec("UPDATE test SET value = 21 WHERE id = 2")
		ch := t2.async("SELECT id, value * 2 FROM test WHERE value >= 20 FOR UPDATE")
		blocked(t, ch)
		if err := t1.commit(); err != nil {
			t.Fatal(err)
		}
		if got := await(t, ch).String(); got != "1 [2 42]" {
			t.Fatalf("got %s", got)
		}
	})
	t.Run("join restarts", func(t *testing.T) {
		h := newLockHarness(t)
		t1, t2 := h.begin(txn.ReadCommitted), h.begin(txn.ReadCommitted)
		t1.mustExec("UPDATE test SET value = 21 WHERE id = 2")
		ch := t2.async("SELECT a.id, b.value FROM test a JOIN test b ON a.id = b.id WHERE a.value >= 20 FOR UPDATE OF a")
		blocked(t, ch)
		if err := t1.commit(); err != nil {
			t.Fatal(err)
		}
		if got := await(t, ch).String(); got != "1 [2 21]" {
			t.Fatalf("got %s", got)
		}
		if t2.restarts != 1 {
			t.Fatalf("restarts = %d, want 1 (joins restart the statement)", t2.restarts)
		}
	})
	t.Run("read only", func(t *testing.T) {
		h := newLockHarness(t)
		ro := h.beginReadOnly()
		want := "error 25006: cannot execute SELECT FOR UPDATE in a read-only transaction"
		if got := ro.exec("SELECT id FROM test FOR UPDATE").String(); got != want {
			t.Fatalf("got %s, want %s", got, want)
		}
	})
}

// TestInsertWaits: an INSERT of a key another transaction inserted and
// has not committed waits for it: 23505 once it commits, success once it
// rolls back. ON CONFLICT at READ COMMITTED acts on the committed row;
// at REPEATABLE READ a conflicting row it cannot see is 40001.
func TestInsertWaits(t *testing.T) {
	for _, tc := range []struct {
		name   string
		iso    txn.Isolation
		stmt   string
		commit bool
		want   string
		after  string
	}{
		{"commit", txn.ReadCommitted, "INSERT INTO test VALUES (3, 31)", true,
			`error 23505: duplicate key value violates unique constraint "test_pkey"`, "3 30"},
		{"commit rr", txn.RepeatableRead, "INSERT INTO test VALUES (3, 31)", true,
			`error 23505: duplicate key value violates unique constraint "test_pkey"`, "3 30"},
		{"commit serializable", txn.Serializable, "INSERT INTO test VALUES (3, 31)", true,
			"error 40001: could not serialize access due to read/write dependencies among transactions", "3 30"},
		{"rollback", txn.ReadCommitted, "INSERT INTO test VALUES (3, 31)", false, "1 []", "3 31"},
		{"do nothing", txn.ReadCommitted, "INSERT INTO test VALUES (3, 31) ON CONFLICT DO NOTHING", true, "0 []", "3 30"},
		{"do update", txn.ReadCommitted, "INSERT INTO test VALUES (3, 31) ON CONFLICT (id) DO UPDATE SET value = test.value + excluded.value RETURNING value", true, "1 [61]", "3 61"},
		{"do update rr", txn.RepeatableRead, "INSERT INTO test VALUES (3, 31) ON CONFLICT (id) DO UPDATE SET value = excluded.value", true,
			"error 40001: could not serialize access due to concurrent update", "3 30"},
		{"do nothing rr", txn.RepeatableRead, "INSERT INTO test VALUES (3, 31) ON CONFLICT DO NOTHING", true,
			"error 40001: could not serialize access due to concurrent update", "3 30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newLockHarness(t)
			t1, t2 := h.begin(txn.ReadCommitted), h.begin(tc.iso)
			t2.mustExec("SELECT 1 FROM test")
			t1.mustExec("INSERT INTO test VALUES (3, 30)")
			ch := t2.async(tc.stmt)
			blocked(t, ch)
			if tc.commit {
				if err := t1.commit(); err != nil {
					t.Fatal(err)
				}
			} else {
				t1.tx.Rollback()
			}
			if got := await(t, ch).String(); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
			if err := t2.commit(); err != nil && !strings.HasPrefix(tc.want, "error") {
				t.Fatal(err)
			}
			if got := h.contents("SELECT id, value FROM test WHERE id = 3"); got != "1 ["+tc.after+"]" {
				t.Fatalf("row 3: got %s, want %s", got, tc.after)
			}
		})
	}
}

// TestUniqueIndexWaits: a unique secondary key is locked before it is
// checked, like the primary key.
func TestUniqueIndexWaits(t *testing.T) {
	h := newLockHarness(t)
	t1, t2 := h.begin(txn.ReadCommitted), h.begin(txn.ReadCommitted)
	t1.mustExec("INSERT INTO other VALUES (1, 'x')")
	ch := t2.async("INSERT INTO other VALUES (2, 'x')")
	blocked(t, ch)
	if err := t1.commit(); err != nil {
		t.Fatal(err)
	}
	want := `error 23505: duplicate key value violates unique constraint "other_code_key"`
	if got := await(t, ch).String(); got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// TestUncontended: without concurrency, locking changes no result.
func TestUncontended(t *testing.T) {
	h := newLockHarness(t)
	for _, iso := range []txn.Isolation{txn.ReadCommitted, txn.RepeatableRead, txn.Serializable} {
		s := h.begin(iso)
		for _, c := range []struct{ sql, want string }{
			{"SELECT id, value FROM test WHERE id = 2 FOR UPDATE", "1 [2 20]"},
			{"SELECT t1.id, t2.id FROM test t1 JOIN test t2 ON t1.id = t2.id ORDER BY 1 FOR SHARE OF t1", "2 [1 1; 2 2]"},
			{"UPDATE test SET value = value + 1 WHERE id = 1 RETURNING value", "1 [11]"},
			{"SELECT id, value FROM test ORDER BY id LIMIT 1 OFFSET 1 FOR NO KEY UPDATE SKIP LOCKED", "1 [2 20]"},
			{"DELETE FROM test WHERE id = 2", "1 []"},
			{"INSERT INTO test VALUES (2, 5) ON CONFLICT (id) DO UPDATE SET value = 0", "1 []"},
			{"INSERT INTO test VALUES (2, 6) ON CONFLICT (id) DO UPDATE SET value = excluded.value RETURNING value", "1 [6]"},
		} {
			if got := s.exec(c.sql).String(); got != c.want {
				t.Errorf("%s: %s: got %s, want %s", iso, c.sql, got, c.want)
			}
		}
		s.tx.Rollback()
	}
}
