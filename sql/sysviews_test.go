package sql

import (
	"fmt"
	"testing"
	"time"
)

// TestLockAndActivityViews checks pg_locks and pg_stat_activity against
// a held row lock and a session waiting for it, and conflux_gc_status.
func TestLockAndActivityViews(t *testing.T) {
	e, s1 := newTestSession(t)
	s2 := newSessionOn(t, e)
	obs := newSessionOn(t, e)
	mustRun(t, s1, "CREATE TABLE a (id int PRIMARY KEY, v int)")
	mustRun(t, s1, "INSERT INTO a VALUES (1, 10)")
	oid := mustRun(t, obs, "SELECT 'a'::regclass::oid")
	oid = oid[:len(oid)-len("\nSELECT 1")]

	mustRun(t, s1, "BEGIN")
	mustRun(t, s1, "UPDATE a SET v = 11 WHERE id = 1")
	s1.TxnStatus() // the server asks for it as it sends ReadyForQuery
	want := fmt.Sprintf("tuple|%s|ExclusiveLock|t|%d|t\nSELECT 1", oid, s1.BackendPID())
	q := "SELECT DISTINCT locktype, relation, mode, granted, pid, waitstart IS NULL FROM pg_locks WHERE locktype = 'tuple'"
	if got := mustRun(t, obs, q); got != want {
		t.Errorf("pg_locks with one holder:\nwant %q\ngot  %q", want, got)
	}
	if got := mustRun(t, obs, fmt.Sprintf("SELECT state, wait_event_type FROM pg_stat_activity WHERE pid = %d", s1.BackendPID())); got != "idle in transaction|Client\nSELECT 1" {
		t.Errorf("pg_stat_activity of the holder: %q", got)
	}

	done := make(chan error, 1)
	go func() {
		_, err := run(t, s2, "UPDATE a SET v = 12 WHERE id = 1")
		done <- err
	}()
	waiting := fmt.Sprintf("SELECT count(*) FROM pg_locks WHERE NOT granted AND pid = %d AND waitstart IS NOT NULL", s2.BackendPID())
	deadline := time.Now().Add(5 * time.Second)
	for mustRun(t, obs, waiting) != "1\nSELECT 1" {
		if time.Now().After(deadline) {
			t.Fatalf("the blocked UPDATE never showed as a waiting lock: %s", mustRun(t, obs, "SELECT * FROM pg_locks"))
		}
		time.Sleep(10 * time.Millisecond)
	}
	act := fmt.Sprintf("SELECT state, wait_event_type, wait_event, query FROM pg_stat_activity WHERE pid = %d", s2.BackendPID())
	if got, want := mustRun(t, obs, act), "active|Lock|tuple|UPDATE a SET v = 12 WHERE id = 1\nSELECT 1"; got != want {
		t.Errorf("pg_stat_activity of the waiter:\nwant %q\ngot  %q", want, got)
	}
	if got := mustRun(t, obs, "SELECT count(*) FROM pg_stat_activity"); got != "3\nSELECT 1" {
		t.Errorf("pg_stat_activity sessions: %q", got)
	}
	mustRun(t, s1, "COMMIT")
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("waiter: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("waiter still blocked after COMMIT")
	}
	if got := mustRun(t, obs, "SELECT count(*) FROM pg_locks"); got != "0\nSELECT 1" {
		t.Errorf("locks left after both transactions ended: %q", got)
	}
	if got := mustRun(t, obs, "SELECT count(*), bool_and(horizon >= 0), bool_and(runs >= 0), bool_and(total_removed >= 0) FROM pg_catalog.conflux_gc_status"); got != "1|t|t|t\nSELECT 1" {
		t.Errorf("conflux_gc_status: %q", got)
	}
}

// TestVacuumAnalyzeNoOps: MVCC garbage collection runs in the
// background, so every VACUUM/ANALYZE form pgbench and tools send succeeds
// with its tag and no notice.
func TestVacuumAnalyzeNoOps(t *testing.T) {
	_, s := newTestSession(t)
	mustRun(t, s, "CREATE TABLE pgbench_branches (bid int PRIMARY KEY, bbalance int)")
	for _, tc := range []struct{ q, tag string }{
		{"VACUUM", "VACUUM"},
		{"vacuum pgbench_branches", "VACUUM"},
		{"vacuum analyze pgbench_branches", "VACUUM"},
		{"VACUUM (ANALYZE, VERBOSE) pgbench_branches", "VACUUM"},
		{"VACUUM FULL pgbench_branches", "VACUUM"},
		{"VACUUM FREEZE", "VACUUM"},
		{"ANALYZE", "ANALYZE"},
		{"analyze pgbench_branches", "ANALYZE"},
		{"ANALYZE VERBOSE pgbench_branches (bid)", "ANALYZE"},
	} {
		got, err := run(t, s, tc.q)
		if err != nil || got != tc.tag {
			t.Errorf("%s: want %q, got %q, %v", tc.q, tc.tag, got, err)
		}
		if n := s.TakeNotices(); len(n) != 0 {
			t.Errorf("%s: unexpected notices %v", tc.q, n)
		}
	}
	mustRun(t, s, "BEGIN")
	if _, err := run(t, s, "VACUUM"); err == nil {
		t.Error("VACUUM inside a transaction block must fail (25001)")
	}
	mustRun(t, s, "ROLLBACK")
}
