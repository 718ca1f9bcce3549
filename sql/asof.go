package sql

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/txn"
)

// Time travel for whole statements and transactions:
//
//	SET conflux.as_of = '2026-11-25 12:00:00+00';  -- a timestamptz
//	SET conflux.as_of = 1764072000000000;          -- a commit timestamp
//	RESET conflux.as_of;                            -- back to the present
//
// While it is set every transaction the session starts is a read-only
// transaction at that snapshot (txn.DB.BeginAsOf): writes fail with 25006
// and the snapshot never moves, even at READ COMMITTED. Commit timestamps
// are microseconds since the Unix epoch, so both forms name the same
// snapshots. The catalog is the current one: columns added since read as
// NULL in old lake files, and a table created since is simply empty.
// Lake tables are readable back to the retention period; row tables only
// as far as the MVCC GC has not collected their old versions.

const asOfSetting = "conflux.as_of"

// checkAsOf validates a conflux.as_of value without a session (startup
// options): a bigint commit timestamp or a timestamptz (a time without
// zone reads as UTC here; SET converts with the session's TimeZone).
func checkAsOf(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	if _, err := parseAsOf(v, &types.Context{Location: time.UTC}); err != nil {
		return "", err
	}
	return v, nil
}

// parseAsOf turns a conflux.as_of value into a commit timestamp.
func parseAsOf(v string, tctx *types.Context) (uint64, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"%s\": \"%s\"", asOfSetting, v).
				WithHint("Give a timestamp with time zone or a non-negative commit timestamp.")
		}
		return uint64(n), nil
	}
	d, err := types.ParseText(v, types.TimestampTZ, tctx)
	if err != nil {
		return 0, pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"%s\": \"%s\"", asOfSetting, v).
			WithHint("Give a timestamp with time zone or a commit timestamp (bigint).")
	}
	us, ok := d.(types.DTimestampTZ)
	if !ok {
		return 0, pgerr.New(pgerr.InvalidParameterValue, "invalid value for parameter \"%s\": \"%s\"", asOfSetting, v)
	}
	return txn.TimestampOf(time.UnixMicro(int64(us))), nil
}

// canonicalAsOf fixes a SET value in absolute form: a timestamptz is
// read in the session's TimeZone ('now' and '-1 hour' become the instant
// they mean at SET time) and kept with its UTC offset.
func (s *Session) canonicalAsOf(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		return v, nil
	}
	tctx := s.typesContext()
	if _, err := parseAsOf(v, tctx); err != nil {
		return "", err
	}
	d, _ := types.ParseText(v, types.TimestampTZ, tctx)
	return string(types.AppendText(nil, d, types.TimestampTZ, tctx)), nil
}

// asOf returns the snapshot timestamp the session reads at, if set.
func (s *Session) asOf() (uint64, bool, error) {
	v := s.cachedTxnSettings().asOf
	if v == "" {
		return 0, false, nil
	}
	ts, err := parseAsOf(v, s.typesContext())
	return ts, err == nil, err
}

// beginAsOf starts a read-only transaction at ts with the current catalog.
func (e *Engine) beginAsOf(ctx context.Context, opts txn.Options, ts uint64) (*txn.Txn, *catalog.Snapshot, error) {
	t, err := e.db.BeginAsOf(ctx, opts, ts)
	if err != nil {
		return nil, nil, err
	}
	e.catMu.RLock()
	defer e.catMu.RUnlock()
	return t, e.cat, nil
}
