package pgcatalog

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/storage/keys"
	"github.com/conflux-db/conflux/txn"
)

// Runtime is the live server state some system views show (pg_locks,
// pg_stat_activity, conflux_gc_status). It is not part of the catalog, so
// it reaches the generators through an optional interface: the SQL layer
// hands virtual tables an env that also implements RuntimeEnv, and a
// generator whose env does not (catalog-only tests) shows no rows.
type Runtime interface {
	// Locks is a snapshot of the row-lock table.
	Locks() []txn.LockInfo
	// GCStatus is the MVCC garbage collector's progress.
	GCStatus() txn.GCStatus
	// Activity lists the open sessions.
	Activity() []Activity
}

// RuntimeEnv is implemented by a catalog.VirtualEnv that can show
// runtime state.
type RuntimeEnv interface {
	Runtime() Runtime
}

// Activity is one session as pg_stat_activity shows it.
type Activity struct {
	PID             int32
	User            string
	Database        string
	ApplicationName string
	// State is PostgreSQL's: active, idle, idle in transaction,
	// idle in transaction (aborted).
	State        string
	Query        string
	BackendStart time.Time
	XactStart    time.Time // zero outside a transaction
	QueryStart   time.Time
	StateChange  time.Time
	// SSL is set when the connection uses TLS (pg_stat_ssl), with the
	// protocol version ("TLSv1.3") and cipher suite name.
	SSL        bool
	SSLVersion string
	SSLCipher  string
}

// SessionEnv is implemented by a catalog.VirtualEnv that knows the
// querying session's private state: views such as pg_cursors show only
// that session's objects, which the engine-wide Runtime cannot tell apart.
type SessionEnv interface {
	SessionState() SessionState
}

// SessionState is the querying session's own state.
type SessionState interface {
	// Cursors lists the session's open cursors by name.
	Cursors() []CursorInfo
}

// CursorInfo describes an open cursor as pg_cursors shows it.
type CursorInfo struct {
	Name         string
	Statement    string
	IsHoldable   bool
	IsBinary     bool
	IsScrollable bool
	CreationTime time.Time
}

func sessionStateOf(env catalog.VirtualEnv) SessionState {
	if s, ok := env.(SessionEnv); ok {
		return s.SessionState()
	}
	return nil
}

func runtimeOf(env catalog.VirtualEnv) Runtime {
	if r, ok := env.(RuntimeEnv); ok {
		return r.Runtime()
	}
	return nil
}

// confluxRelations are Conflux's own system views in pg_catalog. Their
// OIDs come from PostgreSQL's range reserved for development (8000-9999),
// which no PostgreSQL release assigns.
var confluxRelations = []relDef{
	{id: 9001, schema: catalog.PgCatalogSchemaID, name: "conflux_gc_status", kind: 'v', cols: []colDef{
		{"horizon", types.Int8},
		{"running", types.Bool},
		{"runs", types.Int8},
		{"last_start", types.TimestampTZ},
		{"last_duration_ms", types.Float8},
		{"keys_scanned", types.Int8},
		{"versions_removed", types.Int8},
		{"total_removed", types.Int8},
	}},
}

// Lock modes as pg_locks names them. Conflux has two row-lock strengths;
// they are named after the modes PostgreSQL shows for a tuple lock taken
// by SELECT ... FOR SHARE (RowShareLock) and by UPDATE/DELETE or
// SELECT ... FOR UPDATE (ExclusiveLock), so monitoring queries written for
// PostgreSQL's row-lock waits read naturally.
const (
	modeShare     = "RowShareLock"
	modeExclusive = "ExclusiveLock"
)

func lockModeName(m txn.LockStrength) string {
	if m == txn.LockShare {
		return modeShare
	}
	return modeExclusive
}

// genLocks shows the row-lock table. A row or index-entry key is a
// 'tuple' lock on its table (page and tuple are NULL: Conflux rows have
// no physical address); a catalog descriptor key is an 'object' lock on
// that object; anything else is an 'object' lock without identity.
func genLocks(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	rt := runtimeOf(env)
	if rt == nil {
		return nil
	}
	for _, l := range rt.Locks() {
		set := r.add()
		set("database", dOid(dbPostgresOID))
		if table, _, _, err := keys.DecodeIndexPrefix(l.Key); err == nil {
			set("locktype", dText("tuple"))
			set("relation", dOid(table))
		} else {
			set("locktype", dText("object"))
			if id, err := keys.DecodeDescKey(l.Key); err == nil {
				set("classid", dOid(pgClassOID))
				set("objid", dOid(id))
				set("objsubid", dInt(0))
			}
		}
		set("virtualtransaction", dText(virtualXID(l.Owner)))
		set("pid", dInt(int64(l.Owner)))
		set("mode", dText(lockModeName(l.Mode)))
		set("granted", dBool(l.Granted))
		set("fastpath", dBool(false))
		if !l.Granted && !l.WaitStart.IsZero() {
			set("waitstart", dTimestampTZ(l.WaitStart))
		}
	}
	return nil
}

// virtualXID names a session's transaction as PostgreSQL's
// "backendID/localXID" does; Conflux has one transaction per session at a
// time, so the pid identifies it.
func virtualXID(pid int32) string {
	return strconv.Itoa(int(pid)) + "/1"
}

// genGCStatus is conflux_gc_status: one row.
func genGCStatus(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	rt := runtimeOf(env)
	if rt == nil {
		return nil
	}
	st := rt.GCStatus()
	set := r.add()
	set("horizon", dInt(int64(st.Horizon)))
	set("running", dBool(st.Running))
	set("runs", dInt(st.Runs))
	if !st.LastStart.IsZero() {
		set("last_start", dTimestampTZ(st.LastStart))
		set("last_duration_ms", types.DFloat(float64(st.LastDuration)/float64(time.Millisecond)))
	}
	set("keys_scanned", dInt(st.KeysScanned))
	set("versions_removed", dInt(st.VersionsRemoved))
	set("total_removed", dInt(st.TotalRemoved))
	return nil
}

// genStatActivity lists the sessions. A session waiting for a row lock
// shows wait_event_type 'Lock' and wait_event 'tuple', the lock type
// pg_locks shows for it. Without runtime state (catalog-only tests) it
// shows the querying session alone.
func genStatActivity(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	rt := runtimeOf(env)
	db := env.CurrentDatabase()
	if rt == nil {
		set := r.add()
		set("datid", dInt(databaseOID(db)))
		set("datname", dText(db))
		set("usename", dText(env.CurrentUser()))
		if app, ok := env.Setting("application_name"); ok {
			set("application_name", dText(app))
		}
		set("state", dText("active"))
		set("backend_type", dText("client backend"))
		return nil
	}
	waiting := map[int32]bool{}
	for _, l := range rt.Locks() {
		if !l.Granted {
			waiting[l.Owner] = true
		}
	}
	cat := env.Catalog()
	for _, a := range rt.Activity() {
		set := r.add()
		set("datid", dInt(databaseOID(a.Database)))
		set("datname", dText(a.Database))
		set("pid", dInt(int64(a.PID)))
		set("usesysid", roleOID(cat, a.User))
		set("usename", dText(a.User))
		set("application_name", dText(a.ApplicationName))
		set("backend_start", dTimestampTZ(a.BackendStart))
		if !a.XactStart.IsZero() {
			set("xact_start", dTimestampTZ(a.XactStart))
		}
		if !a.QueryStart.IsZero() {
			set("query_start", dTimestampTZ(a.QueryStart))
		}
		if !a.StateChange.IsZero() {
			set("state_change", dTimestampTZ(a.StateChange))
		}
		if waiting[a.PID] {
			set("wait_event_type", dText("Lock"))
			set("wait_event", dText("tuple"))
		} else if a.State != "active" {
			set("wait_event_type", dText("Client"))
			set("wait_event", dText("ClientRead"))
		}
		set("state", dText(a.State))
		set("query", dText(a.Query))
		set("backend_type", dText("client backend"))
	}
	return nil
}

func dTimestampTZ(t time.Time) types.Datum { return types.DTimestampTZ(t.UnixMicro()) }

// genStatSSL is pg_stat_ssl: one row per client backend. Conflux has no
// client certificates, so the client_dn, client_serial and issuer_dn
// columns are NULL, as PostgreSQL's are without one.
func genStatSSL(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	rt := runtimeOf(env)
	if rt == nil {
		return nil
	}
	for _, a := range rt.Activity() {
		set := r.add()
		set("pid", dInt(int64(a.PID)))
		set("ssl", dBool(a.SSL))
		if a.SSL {
			set("version", dText(a.SSLVersion))
			set("cipher", dText(a.SSLCipher))
			if bits := cipherBits(a.SSLCipher); bits > 0 {
				set("bits", dInt(int64(bits)))
			}
		}
	}
	return nil
}

// cipherBits is the symmetric key size of a Go cipher suite name
// (TLS_AES_128_GCM_SHA256 -> 128), what OpenSSL reports as the bits.
func cipherBits(cipher string) int {
	switch {
	case strings.Contains(cipher, "AES_128"):
		return 128
	case strings.Contains(cipher, "AES_256"), strings.Contains(cipher, "CHACHA20"):
		return 256
	case strings.Contains(cipher, "3DES"):
		return 168
	}
	return 0
}

// genCursors is pg_cursors: the querying session's open cursors.
func genCursors(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	ss := sessionStateOf(env)
	if ss == nil {
		return nil
	}
	for _, c := range ss.Cursors() {
		set := r.add()
		set("name", dText(c.Name))
		set("statement", dText(c.Statement))
		set("is_holdable", dBool(c.IsHoldable))
		set("is_binary", dBool(c.IsBinary))
		set("is_scrollable", dBool(c.IsScrollable))
		set("creation_time", dTimestampTZ(c.CreationTime))
	}
	return nil
}
