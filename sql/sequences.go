package sql

import (
	"context"
	"encoding/binary"
	"strings"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/pgcatalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/storage/keys"
	"github.com/conflux-db/conflux/txn"
)

// Sequences are not transactional (a rolled-back nextval is not given
// back), exactly as in PostgreSQL. Each sequence's state lives in memory;
// durability comes from persisting a high-water mark seqLogAhead values
// ahead in its own small transaction, so a restart skips at most that many
// values and nextval costs an fsync only once per seqLogAhead calls
// (PostgreSQL's SEQ_LOG_VALS does the same).
const seqLogAhead = 32

type seqState struct {
	loaded   bool
	last     int64 // last value handed out
	isCalled bool  // false before the first nextval (or after setval(..., false))
	reserved int64 // values up to here are covered by the persisted mark
}

func (e *Engine) sequenceState(ctx context.Context, q *catalog.Sequence) (*seqState, error) {
	st := e.seqs[q.ID]
	if st == nil {
		st = &seqState{}
		e.seqs[q.ID] = st
	}
	if st.loaded {
		return st, nil
	}
	t := e.db.Begin(txn.Options{ReadOnly: true})
	defer t.Rollback()
	b, found, err := t.Get(ctx, keys.SequenceKey(uint32(q.ID)))
	if err != nil {
		return nil, err
	}
	st.loaded = true
	if found && len(b) == 8 {
		// After a restart, continue past the persisted mark.
		st.last = int64(binary.BigEndian.Uint64(b))
		st.reserved = st.last
		st.isCalled = true
	} else {
		st.last = q.Start
		st.reserved = q.Start - q.Increment
		st.isCalled = false
	}
	return st, nil
}

func (e *Engine) persistSequence(ctx context.Context, q *catalog.Sequence, mark int64) error {
	t := e.db.Begin(txn.Options{})
	defer t.Rollback()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(mark))
	if err := t.Put(ctx, keys.SequenceKey(uint32(q.ID)), b[:]); err != nil {
		return err
	}
	return t.Commit(ctx)
}

func (e *Engine) nextval(ctx context.Context, q *catalog.Sequence) (int64, error) {
	e.seqMu.Lock()
	defer e.seqMu.Unlock()
	st, err := e.sequenceState(ctx, q)
	if err != nil {
		return 0, err
	}
	next := st.last
	if st.isCalled {
		next = st.last + q.Increment
	}
	if (q.Increment > 0 && next > q.Max) || (q.Increment < 0 && next < q.Min) || (q.Increment > 0 && next < st.last && st.isCalled) {
		limit := q.Max
		word := "maximum"
		if q.Increment < 0 {
			limit, word = q.Min, "minimum"
		}
		return 0, pgerr.New("2200H", "nextval: reached %s value of sequence \"%s\" (%d)", word, q.Name, limit)
	}
	if (q.Increment > 0 && next > st.reserved) || (q.Increment < 0 && next < st.reserved) {
		mark := next + q.Increment*(seqLogAhead-1)
		if err := e.persistSequence(ctx, q, mark); err != nil {
			return 0, err
		}
		st.reserved = mark
	}
	st.last, st.isCalled = next, true
	return next, nil
}

func (e *Engine) setval(ctx context.Context, q *catalog.Sequence, v int64, isCalled bool) error {
	if v < q.Min || v > q.Max {
		return pgerr.New(pgerr.NumericValueOutOfRange, "setval: value %d is out of bounds for sequence \"%s\" (%d..%d)", v, q.Name, q.Min, q.Max)
	}
	e.seqMu.Lock()
	defer e.seqMu.Unlock()
	st, err := e.sequenceState(ctx, q)
	if err != nil {
		return err
	}
	if err := e.persistSequence(ctx, q, v); err != nil {
		return err
	}
	st.last, st.isCalled, st.reserved = v, isCalled, v
	return nil
}

func (e *Engine) resetSequence(ctx context.Context, q *catalog.Sequence) error {
	e.seqMu.Lock()
	defer e.seqMu.Unlock()
	st, err := e.sequenceState(ctx, q)
	if err != nil {
		return err
	}
	if err := e.persistSequence(ctx, q, q.Start-q.Increment); err != nil {
		return err
	}
	st.last, st.isCalled, st.reserved = q.Start, false, q.Start-q.Increment
	return nil
}

// lookupSequence resolves a sequence name as nextval('name') does.
func (s *Session) lookupSequence(name string) (*catalog.Sequence, error) {
	cat := s.catalog()
	parts := strings.Split(name, ".")
	for i, p := range parts {
		if len(p) >= 2 && p[0] == '"' && p[len(p)-1] == '"' {
			parts[i] = p[1 : len(p)-1]
		} else {
			parts[i] = strings.ToLower(p)
		}
	}
	schemas := s.searchPath()
	rel := parts[len(parts)-1]
	if len(parts) == 2 {
		schemas = []string{parts[0]}
	}
	for _, sn := range schemas {
		sc := cat.SchemaByName(sn)
		if sc == nil {
			continue
		}
		if q := cat.SequenceByName(sc.ID, rel); q != nil {
			return q, nil
		}
	}
	return nil, pgerr.New(pgerr.UndefinedTable, "relation \"%s\" does not exist", name)
}

// --- builtins.SessionInfo ---

type sessionInfo struct{ s *Session }

func (si sessionInfo) Setting(name string) (string, bool) {
	if strings.EqualFold(name, "transaction_isolation") {
		iso := si.s.defaultTxnOptions().Isolation
		if si.s.txn != nil {
			iso = si.s.txn.Options().Isolation
		}
		return isolationName(iso), true
	}
	return si.s.settings.get(name)
}
func (si sessionInfo) SetSetting(name, value string, isLocal bool) error {
	return si.s.settings.set(name, value, isLocal)
}
func (si sessionInfo) CurrentUser() string     { return si.s.currentUser() }
func (si sessionInfo) CurrentDatabase() string { return si.s.database }
func (si sessionInfo) SearchPath() []string    { return si.s.searchPath() }
func (si sessionInfo) BackendPID() int32       { return si.s.pid }
func (si sessionInfo) NextVal(seq string) (int64, error) {
	q, err := si.s.lookupSequence(seq)
	if err != nil {
		return 0, err
	}
	if err := si.s.checkSequence(q, seqNextval); err != nil { // privileges.go
		return 0, err
	}
	v, err := si.s.e.nextval(context.Background(), q)
	if err == nil {
		if si.s.currvals == nil {
			si.s.currvals = map[catalog.ID]int64{}
		}
		si.s.currvals[q.ID] = v
	}
	return v, err
}
func (si sessionInfo) CurrVal(seq string) (int64, error) {
	q, err := si.s.lookupSequence(seq)
	if err != nil {
		return 0, err
	}
	if err := si.s.checkSequence(q, seqCurrval); err != nil { // privileges.go
		return 0, err
	}
	v, ok := si.s.currvals[q.ID]
	if !ok {
		return 0, pgerr.New(pgerr.ObjectNotInPrerequisiteState, "currval of sequence \"%s\" is not yet defined in this session", q.Name)
	}
	return v, nil
}
func (si sessionInfo) SetVal(seq string, v int64, isCalled bool) (int64, error) {
	q, err := si.s.lookupSequence(seq)
	if err != nil {
		return 0, err
	}
	if err := si.s.checkSequence(q, seqSetval); err != nil { // privileges.go
		return 0, err
	}
	if err := si.s.e.setval(context.Background(), q, v, isCalled); err != nil {
		return 0, err
	}
	if isCalled {
		if si.s.currvals == nil {
			si.s.currvals = map[catalog.ID]int64{}
		}
		si.s.currvals[q.ID] = v
	}
	return v, nil
}

// --- function registry ---

type registry = builtins.Registry

// newRegistry builds the engine's function registry: the built-ins plus
// the functions that need the catalog or the session.
func newRegistry() *builtins.Registry {
	r := builtins.NewRegistry()
	for _, f := range pgcatalog.Functions(r) {
		r.Register(f)
	}
	for _, f := range sequenceFuncs() {
		r.Register(f)
	}
	r.Freeze()
	return r
}

func systemTables(r *builtins.Registry) []*catalog.VirtualTable { return pgcatalog.VirtualTables(r) }

func seqName(ctx *builtins.EvalContext, d types.Datum) (string, error) {
	switch v := d.(type) {
	case types.DString:
		return string(v), nil
	case types.DInt:
		// regclass OID
		if ctx.Catalog != nil {
			for _, q := range ctx.Catalog.Sequences() {
				if int64(q.ID) == int64(v) {
					sc := ctx.Catalog.SchemaByID(q.SchemaID)
					if sc != nil {
						return `"` + sc.Name + `"."` + q.Name + `"`, nil
					}
					return q.Name, nil
				}
			}
		}
		return "", pgerr.New(pgerr.UndefinedTable, "could not open relation with OID %d", int64(v))
	}
	return "", pgerr.New(pgerr.DatatypeMismatch, "invalid sequence argument")
}

func sequenceFuncs() []*builtins.Func {
	seqArg := []*types.T{types.Regclass}
	textArg := []*types.T{types.Text}
	nextval := func(ctx *builtins.EvalContext, args []types.Datum) (types.Datum, error) {
		name, err := seqName(ctx, args[0])
		if err != nil {
			return nil, err
		}
		v, err := ctx.Session.NextVal(name)
		return types.DInt(v), err
	}
	currval := func(ctx *builtins.EvalContext, args []types.Datum) (types.Datum, error) {
		name, err := seqName(ctx, args[0])
		if err != nil {
			return nil, err
		}
		v, err := ctx.Session.CurrVal(name)
		return types.DInt(v), err
	}
	setval := func(ctx *builtins.EvalContext, args []types.Datum) (types.Datum, error) {
		name, err := seqName(ctx, args[0])
		if err != nil {
			return nil, err
		}
		isCalled := true
		if len(args) == 3 {
			isCalled = bool(args[2].(types.DBool))
		}
		v, err := ctx.Session.SetVal(name, int64(args[1].(types.DInt)), isCalled)
		return types.DInt(v), err
	}
	return []*builtins.Func{
		{Name: "nextval", Class: builtins.ScalarClass, Overloads: []*builtins.Overload{
			{Args: seqArg, Ret: types.Int8, Fn: nextval, Volatility: builtins.Volatile, Oid: 1574},
			{Args: textArg, Ret: types.Int8, Fn: nextval, Volatility: builtins.Volatile}}},
		{Name: "currval", Class: builtins.ScalarClass, Overloads: []*builtins.Overload{
			{Args: seqArg, Ret: types.Int8, Fn: currval, Volatility: builtins.Volatile, Oid: 1575},
			{Args: textArg, Ret: types.Int8, Fn: currval, Volatility: builtins.Volatile}}},
		{Name: "setval", Class: builtins.ScalarClass, Overloads: []*builtins.Overload{
			{Args: []*types.T{types.Regclass, types.Int8}, Ret: types.Int8, Fn: setval, Volatility: builtins.Volatile, Oid: 1576},
			{Args: []*types.T{types.Regclass, types.Int8, types.Bool}, Ret: types.Int8, Fn: setval, Volatility: builtins.Volatile, Oid: 1765}}},
	}
}

// Settings lists every setting (pg_settings).
func (si sessionInfo) Settings() []catalog.Setting { return si.s.settings.list() }
