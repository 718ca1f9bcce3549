package pgcatalog

import (
	"testing"
	"time"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/storage/keys"
	"github.com/conflux-db/conflux/txn"
)

// fakeRuntime is a fixed lock table, GC status and session list.
type fakeRuntime struct {
	locks []txn.LockInfo
	gc    txn.GCStatus
	acts  []Activity
}

func (f fakeRuntime) Locks() []txn.LockInfo  { return f.locks }
func (f fakeRuntime) GCStatus() txn.GCStatus { return f.gc }
func (f fakeRuntime) Activity() []Activity   { return f.acts }

type runtimeTestEnv struct {
	*testEnv
	rt fakeRuntime
}

func (e runtimeTestEnv) Runtime() Runtime { return e.rt }

func TestRuntimeViews(t *testing.T) {
	f := newFixture(t)
	wait := time.Unix(1700000000, 0)
	rowKey := append(keys.IndexPrefix(16500, 1), 0x88)
	rt := fakeRuntime{
		locks: []txn.LockInfo{
			{Key: rowKey, Owner: 7, Mode: txn.LockExclusive, Granted: true},
			{Key: rowKey, Owner: 8, Mode: txn.LockExclusive, WaitStart: wait},
			{Key: keys.IndexPrefix(16500, 2), Owner: 9, Mode: txn.LockShare, Granted: true},
			{Key: keys.DescKey(16501), Owner: 7, Mode: txn.LockExclusive, Granted: true},
			{Key: keys.SequenceKey(16502), Owner: 7, Mode: txn.LockExclusive, Granted: true},
		},
		gc: txn.GCStatus{Horizon: 42, Runs: 3, LastStart: wait, LastDuration: 1500 * time.Microsecond,
			KeysScanned: 100, VersionsRemoved: 10, TotalRemoved: 30},
		acts: []Activity{
			{PID: 7, User: "postgres", Database: "postgres", State: "idle in transaction", Query: "UPDATE t SET v = 1", BackendStart: wait},
			{PID: 8, User: "app", Database: "postgres", State: "active", Query: "UPDATE t SET v = 2", BackendStart: wait},
		},
	}
	gen := func(name string) []map[string]string {
		vt := f.snap.VirtualTableByName(catalog.PgCatalogSchemaID, name)
		rows, err := vt.Generate(t.Context(), runtimeTestEnv{testEnv: f.env, rt: rt})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var out []map[string]string
		for _, r := range rows {
			m := map[string]string{}
			for i, c := range vt.Columns {
				if !datumFits(r[i], c.Type) {
					t.Errorf("%s.%s: datum %T does not fit type %s", name, c.Name, r[i], c.Type)
				}
				m[c.Name] = show(r[i])
			}
			out = append(out, m)
		}
		return out
	}

	locks := gen("pg_locks")
	if len(locks) != 5 {
		t.Fatalf("pg_locks: %d rows, want 5", len(locks))
	}
	for i, want := range [][]string{
		{"locktype", "tuple", "relation", "16500", "page", "NULL", "tuple", "NULL", "pid", "7", "mode", "ExclusiveLock", "granted", "t", "waitstart", "NULL"},
		{"locktype", "tuple", "relation", "16500", "pid", "8", "granted", "f", "waitstart", "1700000000000000"},
		{"locktype", "tuple", "relation", "16500", "pid", "9", "mode", "RowShareLock"},
		{"locktype", "object", "relation", "NULL", "classid", "1259", "objid", "16501", "pid", "7"},
		{"locktype", "object", "relation", "NULL", "classid", "NULL", "objid", "NULL"},
	} {
		expect(t, "pg_locks row", locks[i], want...)
	}

	gc := gen("conflux_gc_status")
	if len(gc) != 1 {
		t.Fatalf("conflux_gc_status: %d rows, want 1", len(gc))
	}
	expect(t, "conflux_gc_status", gc[0], "horizon", "42", "running", "f", "runs", "3", "last_duration_ms", "1.5",
		"keys_scanned", "100", "versions_removed", "10", "total_removed", "30")

	act := gen("pg_stat_activity")
	if len(act) != 2 {
		t.Fatalf("pg_stat_activity: %d rows, want 2", len(act))
	}
	expect(t, "holder", act[0], "pid", "7", "state", "idle in transaction", "wait_event_type", "Client", "usename", "postgres")
	expect(t, "waiter", act[1], "pid", "8", "state", "active", "wait_event_type", "Lock", "wait_event", "tuple",
		"query", "UPDATE t SET v = 2", "usesysid", "16400")

	// Without runtime state: no locks, no GC row, the querying session alone.
	if rows := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_locks"); len(rows) != 0 {
		t.Errorf("pg_locks without runtime: %v", rows)
	}
	if rows := f.rowsOf(t, catalog.PgCatalogSchemaID, "pg_stat_activity"); len(rows) != 1 {
		t.Errorf("pg_stat_activity without runtime: %v", rows)
	}
}
