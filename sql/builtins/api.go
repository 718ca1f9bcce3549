package builtins

// This file fixes the contract between the planner (which resolves
// function and operator calls to overloads) and the executor (which calls
// them). The function tables themselves live in the other files.

import (
	"context"
	"regexp"
	"time"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/types"
)

// Class says how a function is evaluated.
type Class int

const (
	ScalarClass    Class = iota
	AggregateClass       // count, sum, ... (also usable as window functions)
	WindowClass          // row_number, rank, lag, ... (only with OVER)
	GeneratorClass       // set-returning: generate_series, unnest, ...
)

// Volatility as in pg_proc.provolatile: the planner may fold immutable
// calls with constant arguments at plan time.
type Volatility byte

const (
	Immutable Volatility = 'i'
	Stable    Volatility = 's'
	Volatile  Volatility = 'v'
)

// Overload is one signature of a function or operator.
type Overload struct {
	// Args are the parameter types. A nil entry accepts any type
	// (polymorphic "anyelement"); see also Variadic.
	Args []*types.T
	// Variadic means the last Args entry repeats (concat, coalesce-like).
	Variadic bool
	// Ret is the result type; RetFn computes it from the resolved argument
	// types instead when set (polymorphic functions such as array_agg).
	Ret   *types.T
	RetFn func(args []*types.T) *types.T
	// Fn evaluates a scalar call. Unless CalledOnNull is set, the executor
	// returns NULL without calling Fn when any argument is NULL (STRICT).
	Fn           func(ctx *EvalContext, args []types.Datum) (types.Datum, error)
	CalledOnNull bool
	// Agg creates the per-group state of an aggregate.
	Agg func(argTypes []*types.T) AggState
	// Gen produces the rows of a set-returning function.
	Gen func(ctx *EvalContext, args []types.Datum) (Generator, error)
	// GenCols are the result columns of a set-returning function (one
	// unnamed column when empty: the column is named after the function).
	GenCols []catalog.Column
	// OutName is the name of a function's single OUT parameter
	// (jsonb_array_elements' "value"): in FROM it names the column,
	// ahead of any table alias.
	OutName string
	// Window creates the evaluator of a window-only function.
	Window     func(argTypes []*types.T) WindowFunc
	Volatility Volatility
	// Oid is the pg_proc OID (0 for operators without one).
	Oid uint32
	// ArgNames and ArgDefaults describe named parameters and their
	// defaults (a nil default means the argument is required), for calls
	// such as make_interval(days => 3).
	ArgNames    []string
	ArgDefaults []types.Datum

	// bind builds Fn from the resolved argument types, for functions whose
	// behaviour depends on them (concat, format, pg_typeof, anything||text).
	// Resolve* return copies with Fn bound.
	bind func(argTypes []*types.T) evalFn
}

// Func is a named function with its overloads.
type Func struct {
	Name      string
	Class     Class
	Overloads []*Overload
}

// AggState accumulates one group. Add is called once per input row with
// the evaluated arguments (NULLs included: each aggregate decides, e.g.
// count(x) skips them, count(*) gets no arguments).
type AggState interface {
	Add(ctx *EvalContext, args []types.Datum) error
	Result(ctx *EvalContext) (types.Datum, error)
}

// Generator yields the rows of a set-returning function call.
type Generator interface {
	Next(ctx *EvalContext) (types.Row, bool, error)
}

// WindowFunc computes a window function over one partition. The
// executor hands it the partition's rows (already sorted) and the peer
// group / frame boundaries; see WindowFrame.
type WindowFunc interface {
	// Compute returns the value for row i of the partition.
	Compute(ctx *EvalContext, w *WindowFrame, i int) (types.Datum, error)
}

// WindowFrame describes one partition for window evaluation.
type WindowFrame struct {
	// Args holds the evaluated arguments of every row of the partition.
	Args [][]types.Datum
	// PeerStart/PeerEnd give, for each row, the half-open range of rows
	// that are its ORDER BY peers.
	PeerStart, PeerEnd []int
	// FrameStart/FrameEnd give, for each row, the half-open range of the
	// row's frame (RANGE/ROWS bounds already applied).
	FrameStart, FrameEnd []int
}

// EvalContext carries what evaluation needs beyond the arguments.
type EvalContext struct {
	Ctx context.Context
	// Types carries the session's TimeZone, DateStyle and IntervalStyle.
	Types *types.Context
	// TxnTime is now()/current_timestamp (transaction start);
	// StmtTime is statement_timestamp().
	TxnTime, StmtTime time.Time
	// Session answers current_setting, current_user, pg_backend_pid...
	Session SessionInfo
	// Catalog resolves names for regclass casts, pg_get_indexdef, format_type...
	Catalog catalog.Reader

	// regexps memoises compiled patterns. An EvalContext is used by one
	// goroutine at a time, so this needs no lock.
	regexps map[string]*regexp.Regexp
}

// SessionInfo is the session as builtins see it.
type SessionInfo interface {
	Setting(name string) (string, bool)
	SetSetting(name, value string, isLocal bool) error
	CurrentUser() string
	CurrentDatabase() string
	SearchPath() []string
	BackendPID() int32
	// NextVal/CurrVal/SetVal operate on sequences (nextval('seq')).
	NextVal(seq string) (int64, error)
	CurrVal(seq string) (int64, error)
	SetVal(seq string, v int64, isCalled bool) (int64, error)
}
