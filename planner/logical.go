package planner

import (
	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/types"
)

// ColMeta describes one column of an operator's output row.
type ColMeta struct {
	Name    string
	Typ     *types.T
	TableID catalog.ID // source table for RowDescription, 0 if computed
	AttNum  int16
}

// Logical is a node of the logical plan produced by the binder.
type Logical interface {
	Cols() []ColMeta
}

// LogicalScan reads a table through its primary index. Filter holds the
// conjuncts pushed into it; the access-path rule turns them into spans.
type LogicalScan struct {
	Table  *catalog.Table
	Filter []Expr
	// AsOf reads a lake table as of a past time (as_of() in FROM); nil
	// reads at the transaction's snapshot.
	AsOf Expr
	cols []ColMeta
}

// LogicalVirtualScan reads a pg_catalog / information_schema relation.
type LogicalVirtualScan struct {
	VT   *catalog.VirtualTable
	cols []ColMeta
}

// LogicalValues is a constant (or parameterised) list of rows.
type LogicalValues struct {
	Rows [][]Expr
	cols []ColMeta
}

// LogicalFilter keeps rows for which Pred is true.
type LogicalFilter struct {
	Input Logical
	Pred  Expr
}

// LogicalProject computes Exprs over each input row.
type LogicalProject struct {
	Input Logical
	Exprs []Expr
	cols  []ColMeta
}

// JoinKind is the join type.
type JoinKind uint8

const (
	InnerJoin JoinKind = iota
	LeftJoin
	RightJoin
	FullJoin
	SemiJoin
	AntiJoin
)

var joinKindNames = [...]string{"Inner", "Left", "Right", "Full", "Semi", "Anti"}

func (k JoinKind) String() string { return joinKindNames[k] }

// LogicalJoin joins two inputs; the output row is left ++ right.
// Lateral means the right side refers to the left row (OuterRef depth 1)
// and is re-evaluated per left row.
type LogicalJoin struct {
	Kind        JoinKind
	Left, Right Logical
	On          Expr // nil = true
	Lateral     bool
}

// AggCall is one aggregate evaluated by LogicalAggregate.
type AggCall struct {
	Name     string
	Func     *builtins.Func
	Overload *builtins.Overload
	Args     []Expr
	ArgTypes []*types.T
	Distinct bool
	Filter   Expr
	OrderBy  []SortKey // over Args evaluated values: keys are expressions on the input row
	Typ      *types.T
	Star     bool
}

// LogicalAggregate groups by GroupBy and computes Aggs; output is
// group keys followed by aggregate results.
type LogicalAggregate struct {
	Input   Logical
	GroupBy []Expr
	Aggs    []*AggCall
	cols    []ColMeta
}

// WindowCall is one window function evaluated by LogicalWindow.
type WindowCall struct {
	Name        string
	Func        *builtins.Func
	Overload    *builtins.Overload
	Args        []Expr
	ArgTypes    []*types.T
	PartitionBy []Expr
	OrderBy     []SortKey
	Frame       WindowFrameSpec
	Filter      Expr
	Typ         *types.T
}

// WindowFrameSpec is a frame clause (FRAMEOPTION_* bits as in PostgreSQL).
type WindowFrameSpec struct {
	Options     int32
	StartOffset Expr
	EndOffset   Expr
}

// LogicalWindow appends one column per window call to its input rows.
type LogicalWindow struct {
	Input Logical
	Calls []*WindowCall
	cols  []ColMeta
}

// SortKey is one ORDER BY item.
type SortKey struct {
	Expr       Expr
	Desc       bool
	NullsFirst bool
}

// LogicalSort orders its input.
type LogicalSort struct {
	Input Logical
	Keys  []SortKey
}

// LogicalLimit applies LIMIT/OFFSET (either may be nil).
type LogicalLimit struct {
	Input         Logical
	Limit, Offset Expr
}

// LogicalDistinct removes duplicates; with On set it is DISTINCT ON and
// keeps the first row (input order) of each group.
type LogicalDistinct struct {
	Input Logical
	On    []Expr
}

// SetOpKind is UNION / INTERSECT / EXCEPT.
type SetOpKind uint8

const (
	Union SetOpKind = iota
	Intersect
	Except
)

var setOpNames = [...]string{"Union", "Intersect", "Except"}

func (k SetOpKind) String() string { return setOpNames[k] }

// LogicalSetOp combines two inputs with the same column types.
type LogicalSetOp struct {
	Kind        SetOpKind
	All         bool
	Left, Right Logical
	cols        []ColMeta
}

// SRFCall is a set-returning function call in a select list or FROM.
type SRFCall struct {
	Name     string
	Overload *builtins.Overload
	Args     []Expr
	NumCols  int
}

// LogicalProjectSet evaluates set-returning functions per input row
// (zipped, as PostgreSQL 10+ does); output is input ++ one column per
// SRF result column. With no input (FROM generate_series(...)) Input is
// a one-row Values.
type LogicalProjectSet struct {
	Input Logical
	SRFs  []*SRFCall
	// Ordinality appends a bigint row counter (WITH ORDINALITY).
	Ordinality bool
	cols       []ColMeta
}

// LogicalRecursiveCTE evaluates WITH RECURSIVE: Init once, then Recursive
// repeatedly over the previous iteration's rows (read by LogicalWorkTable
// with the same ID) until it yields nothing.
type LogicalRecursiveCTE struct {
	ID        int
	Init      Logical
	Recursive Logical
	UnionAll  bool
	cols      []ColMeta
}

// LogicalWorkTable reads the current working table of a recursive CTE.
type LogicalWorkTable struct {
	ID   int
	cols []ColMeta
}

// LogicalWithDML runs the data-modifying WITH queries to completion, each
// into the work table its ID names, and then Input (which reads them
// through LogicalWorkTable). Running them first means the main query
// sees their effects, where PostgreSQL's main query would not.
type LogicalWithDML struct {
	CTEs  []DMLCTE
	Input Logical
}

// DMLCTE is one data-modifying WITH query.
type DMLCTE struct {
	ID   int
	Plan Logical
}

// LogicalInsert inserts Input's rows (one column per table column, in
// table.Columns order) into Table.
type LogicalInsert struct {
	Table      *catalog.Table
	Input      Logical
	OnConflict *OnConflict
	Returning  []Expr // over the inserted row (table column order)
	// Checks are the table's CHECK constraints, bound over the new row.
	Checks []CheckConstraint
	cols   []ColMeta
}

// CheckConstraint is a bound CHECK constraint: Expr reads the candidate
// row (positions = table column ordinals); false fails, NULL passes.
type CheckConstraint struct {
	Name string
	Expr Expr
}

// OnConflict is ON CONFLICT (cols) DO NOTHING / DO UPDATE.
type OnConflict struct {
	// Index is the unique index the conflict target names (nil: any).
	Index     *catalog.Index
	DoNothing bool
	// Set gives, per table column ordinal, the new value expression over
	// existing row ++ excluded row (nil = unchanged).
	Set   []Expr
	Where Expr
}

// LogicalUpdate updates rows produced by Input. Input's row starts with
// the table's columns (the old row); Set holds, per table column ordinal,
// the new value over Input's row (nil = unchanged).
type LogicalUpdate struct {
	Table     *catalog.Table
	Input     Logical
	Set       []Expr
	Returning []Expr // over the new row
	Checks    []CheckConstraint
	// EPQ is set for a single-table UPDATE (no FROM): a target row
	// committed after the snapshot can be re-checked at READ COMMITTED
	// with Recheck (WHERE over the table row; nil = true) and updated in
	// its newest version. With FROM the statement restarts instead.
	EPQ     bool
	Recheck Expr
	cols    []ColMeta
}

// LogicalDelete deletes rows produced by Input (whose row starts with the
// table's columns).
type LogicalDelete struct {
	Table     *catalog.Table
	Input     Logical
	Returning []Expr
	// EPQ and Recheck: as LogicalUpdate's (no USING).
	EPQ     bool
	Recheck Expr
	cols    []ColMeta
}

func (n *LogicalScan) Cols() []ColMeta        { return n.cols }
func (n *LogicalWithDML) Cols() []ColMeta     { return n.Input.Cols() }
func (n *LogicalVirtualScan) Cols() []ColMeta { return n.cols }
func (n *LogicalValues) Cols() []ColMeta      { return n.cols }
func (n *LogicalFilter) Cols() []ColMeta      { return n.Input.Cols() }
func (n *LogicalProject) Cols() []ColMeta     { return n.cols }
func (n *LogicalJoin) Cols() []ColMeta {
	l, r := n.Left.Cols(), n.Right.Cols()
	if n.Kind == SemiJoin || n.Kind == AntiJoin {
		return l
	}
	out := make([]ColMeta, 0, len(l)+len(r))
	return append(append(out, l...), r...)
}
func (n *LogicalAggregate) Cols() []ColMeta    { return n.cols }
func (n *LogicalWindow) Cols() []ColMeta       { return n.cols }
func (n *LogicalSort) Cols() []ColMeta         { return n.Input.Cols() }
func (n *LogicalLimit) Cols() []ColMeta        { return n.Input.Cols() }
func (n *LogicalDistinct) Cols() []ColMeta     { return n.Input.Cols() }
func (n *LogicalSetOp) Cols() []ColMeta        { return n.cols }
func (n *LogicalProjectSet) Cols() []ColMeta   { return n.cols }
func (n *LogicalRecursiveCTE) Cols() []ColMeta { return n.cols }
func (n *LogicalWorkTable) Cols() []ColMeta    { return n.cols }
func (n *LogicalInsert) Cols() []ColMeta       { return n.cols }
func (n *LogicalUpdate) Cols() []ColMeta       { return n.cols }
func (n *LogicalDelete) Cols() []ColMeta       { return n.cols }

func tableCols(t *catalog.Table) []ColMeta {
	cols := make([]ColMeta, len(t.Columns))
	att := int16(0)
	for i, c := range t.Columns {
		cols[i] = ColMeta{Name: c.Name, Typ: c.Type, TableID: t.ID}
		if !c.Hidden && !c.Dropped {
			att++
			cols[i].AttNum = att
		}
	}
	return cols
}
