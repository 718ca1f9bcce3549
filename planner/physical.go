package planner

import (
	"fmt"
	"strings"

	"github.com/conflux-db/conflux/catalog"
)

// Physical is a node of the executable plan. Physical nodes are plain
// data shared by every execution of a prepared statement; the executor
// builds its operators from them through a Factory.
type Physical interface {
	Cols() []ColMeta
	Children() []Physical
	// Describe is the node's EXPLAIN line and detail lines.
	Describe() (string, []string)
}

// Span constrains an index scan: the index's leading columns equal Eq
// (evaluated at run time, so parameters work), and optionally the next
// column lies between Lo and Hi.
type Span struct {
	Eq       []Expr
	Lo, Hi   Expr
	LoIncl   bool
	HiIncl   bool
	RangeCol int // index of the ranged column within the index, when Lo/Hi set
}

// PhysicalScan reads a table through an index (primary: rows directly;
// secondary: index entries, then the primary rows), restricted to Span.
type PhysicalScan struct {
	Table  *catalog.Table
	Index  *catalog.Index
	Span   Span
	Filter Expr
	// Needed marks the table columns the plan reads (others decode as NULL).
	Needed []bool
	cols   []ColMeta
}

// PhysicalPointLookup fetches rows by primary key: each entry of Keys is
// one full key (one expression per key column); KeyArray instead holds
// one array expression of single-column keys (pk = ANY($1)).
type PhysicalPointLookup struct {
	Table    *catalog.Table
	Keys     [][]Expr
	KeyArray Expr
	Filter   Expr
	Needed   []bool
	cols     []ColMeta
}

// PhysicalVirtualScan generates a virtual table.
type PhysicalVirtualScan struct {
	VT   *catalog.VirtualTable
	cols []ColMeta
}

// PhysicalValues yields constant rows.
type PhysicalValues struct {
	Rows [][]Expr
	cols []ColMeta
}

// PhysicalFilter, PhysicalProject, PhysicalSort, PhysicalLimit,
// PhysicalDistinct mirror their logical counterparts.
type PhysicalFilter struct {
	Input Physical
	Pred  Expr
}

type PhysicalProject struct {
	Input Physical
	Exprs []Expr
	cols  []ColMeta
}

type PhysicalSort struct {
	Input Physical
	Keys  []SortKey
}

type PhysicalLimit struct {
	Input         Physical
	Limit, Offset Expr
}

type PhysicalDistinct struct {
	Input Physical
	On    []Expr
}

// PhysicalHashJoin builds a hash table on Right keyed by RightKeys and
// probes it with Left rows; Extra is the residual ON condition.
type PhysicalHashJoin struct {
	Kind                JoinKind
	Left, Right         Physical
	LeftKeys, RightKeys []Expr
	Extra               Expr
}

// PhysicalNestedLoopJoin evaluates On for every pair; with Lateral the
// right side is re-run for every left row (the left row is its outer row).
type PhysicalNestedLoopJoin struct {
	Kind        JoinKind
	Left, Right Physical
	On          Expr
	Lateral     bool
}

// PhysicalHashAgg groups with a hash table (or one group when GroupBy is empty).
type PhysicalHashAgg struct {
	Input   Physical
	GroupBy []Expr
	Aggs    []*AggCall
	cols    []ColMeta
}

type PhysicalWindow struct {
	Input Physical
	Calls []*WindowCall
	cols  []ColMeta
}

type PhysicalSetOp struct {
	Kind        SetOpKind
	All         bool
	Left, Right Physical
	cols        []ColMeta
}

type PhysicalProjectSet struct {
	Input      Physical
	SRFs       []*SRFCall
	Ordinality bool
	cols       []ColMeta
}

type PhysicalRecursiveCTE struct {
	ID        int
	Init      Physical
	Recursive Physical
	UnionAll  bool
	cols      []ColMeta
}

type PhysicalWorkTable struct {
	ID   int
	cols []ColMeta
}

// PhysicalWithDML runs each CTE plan to completion, storing its rows as
// work table ID, then runs Input.
type PhysicalWithDML struct {
	IDs   []int
	CTEs  []Physical
	Input Physical
}

type PhysicalInsert struct {
	Table      *catalog.Table
	Input      Physical
	OnConflict *OnConflict
	Returning  []Expr
	Checks     []CheckConstraint
	cols       []ColMeta
}

// PhysicalUpdate and PhysicalDelete lock each target row by primary key
// before writing it; EPQ/Recheck say how READ COMMITTED handles a row
// committed after the snapshot (see LogicalUpdate).
type PhysicalUpdate struct {
	Table     *catalog.Table
	Input     Physical
	Set       []Expr
	Returning []Expr
	Checks    []CheckConstraint
	EPQ       bool
	Recheck   Expr
	cols      []ColMeta
}

type PhysicalDelete struct {
	Table     *catalog.Table
	Input     Physical
	Returning []Expr
	EPQ       bool
	Recheck   Expr
	cols      []ColMeta
}

func (n *PhysicalScan) Cols() []ColMeta           { return n.cols }
func (n *PhysicalPointLookup) Cols() []ColMeta    { return n.cols }
func (n *PhysicalVirtualScan) Cols() []ColMeta    { return n.cols }
func (n *PhysicalValues) Cols() []ColMeta         { return n.cols }
func (n *PhysicalFilter) Cols() []ColMeta         { return n.Input.Cols() }
func (n *PhysicalProject) Cols() []ColMeta        { return n.cols }
func (n *PhysicalSort) Cols() []ColMeta           { return n.Input.Cols() }
func (n *PhysicalLimit) Cols() []ColMeta          { return n.Input.Cols() }
func (n *PhysicalDistinct) Cols() []ColMeta       { return n.Input.Cols() }
func (n *PhysicalHashJoin) Cols() []ColMeta       { return joinCols(n.Kind, n.Left, n.Right) }
func (n *PhysicalNestedLoopJoin) Cols() []ColMeta { return joinCols(n.Kind, n.Left, n.Right) }
func (n *PhysicalHashAgg) Cols() []ColMeta        { return n.cols }
func (n *PhysicalWindow) Cols() []ColMeta         { return n.cols }
func (n *PhysicalSetOp) Cols() []ColMeta          { return n.cols }
func (n *PhysicalProjectSet) Cols() []ColMeta     { return n.cols }
func (n *PhysicalRecursiveCTE) Cols() []ColMeta   { return n.cols }
func (n *PhysicalWorkTable) Cols() []ColMeta      { return n.cols }
func (n *PhysicalInsert) Cols() []ColMeta         { return n.cols }
func (n *PhysicalWithDML) Cols() []ColMeta        { return n.Input.Cols() }
func (n *PhysicalUpdate) Cols() []ColMeta         { return n.cols }
func (n *PhysicalDelete) Cols() []ColMeta         { return n.cols }

func joinCols(k JoinKind, l, r Physical) []ColMeta {
	if k == SemiJoin || k == AntiJoin {
		return l.Cols()
	}
	return append(append([]ColMeta{}, l.Cols()...), r.Cols()...)
}

func (n *PhysicalScan) Children() []Physical           { return nil }
func (n *PhysicalPointLookup) Children() []Physical    { return nil }
func (n *PhysicalVirtualScan) Children() []Physical    { return nil }
func (n *PhysicalValues) Children() []Physical         { return nil }
func (n *PhysicalFilter) Children() []Physical         { return []Physical{n.Input} }
func (n *PhysicalProject) Children() []Physical        { return []Physical{n.Input} }
func (n *PhysicalSort) Children() []Physical           { return []Physical{n.Input} }
func (n *PhysicalLimit) Children() []Physical          { return []Physical{n.Input} }
func (n *PhysicalDistinct) Children() []Physical       { return []Physical{n.Input} }
func (n *PhysicalHashJoin) Children() []Physical       { return []Physical{n.Left, n.Right} }
func (n *PhysicalNestedLoopJoin) Children() []Physical { return []Physical{n.Left, n.Right} }
func (n *PhysicalHashAgg) Children() []Physical        { return []Physical{n.Input} }
func (n *PhysicalWindow) Children() []Physical         { return []Physical{n.Input} }
func (n *PhysicalSetOp) Children() []Physical          { return []Physical{n.Left, n.Right} }
func (n *PhysicalProjectSet) Children() []Physical     { return []Physical{n.Input} }
func (n *PhysicalRecursiveCTE) Children() []Physical   { return []Physical{n.Init, n.Recursive} }
func (n *PhysicalWorkTable) Children() []Physical      { return nil }
func (n *PhysicalInsert) Children() []Physical         { return []Physical{n.Input} }
func (n *PhysicalWithDML) Children() []Physical {
	return append(append([]Physical(nil), n.CTEs...), n.Input)
}
func (n *PhysicalUpdate) Children() []Physical { return []Physical{n.Input} }
func (n *PhysicalDelete) Children() []Physical { return []Physical{n.Input} }

func (n *PhysicalScan) Describe() (string, []string) {
	var det []string
	head := "Seq Scan on " + n.Table.Name
	if len(n.Span.Eq) > 0 || n.Span.Lo != nil || n.Span.Hi != nil {
		head = "Index Scan using " + n.Index.Name + " on " + n.Table.Name
		var conds []string
		for i, e := range n.Span.Eq {
			conds = append(conds, n.indexColName(i)+" = "+e.String())
		}
		if n.Span.Lo != nil {
			op := " > "
			if n.Span.LoIncl {
				op = " >= "
			}
			conds = append(conds, n.indexColName(n.Span.RangeCol)+op+n.Span.Lo.String())
		}
		if n.Span.Hi != nil {
			op := " < "
			if n.Span.HiIncl {
				op = " <= "
			}
			conds = append(conds, n.indexColName(n.Span.RangeCol)+op+n.Span.Hi.String())
		}
		det = append(det, "Index Cond: ("+strings.Join(conds, " AND ")+")")
	}
	if n.Filter != nil {
		det = append(det, "Filter: "+n.Filter.String())
	}
	return head, det
}

func (n *PhysicalScan) indexColName(i int) string {
	if i < len(n.Index.ColumnIDs) {
		if c := n.Table.ColumnByID(n.Index.ColumnIDs[i]); c != nil {
			return c.Name
		}
	}
	return "?"
}

func (n *PhysicalPointLookup) Describe() (string, []string) {
	var det []string
	if n.KeyArray != nil {
		det = append(det, "Keys: ANY ("+n.KeyArray.String()+")")
	} else {
		var ks []string
		for _, k := range n.Keys {
			ks = append(ks, "("+joinExprs(k, ", ")+")")
		}
		det = append(det, "Keys: "+strings.Join(ks, ", "))
	}
	if n.Filter != nil {
		det = append(det, "Filter: "+n.Filter.String())
	}
	return "Point Lookup using " + n.Table.Primary.Name + " on " + n.Table.Name, det
}

func (n *PhysicalVirtualScan) Describe() (string, []string) {
	return "Function Scan on " + n.VT.Name, nil
}
func (n *PhysicalValues) Describe() (string, []string) {
	if len(n.Rows) == 1 && len(n.Rows[0]) == 0 {
		return "Result", nil
	}
	return fmt.Sprintf("Values Scan (%d rows)", len(n.Rows)), nil
}
func (n *PhysicalFilter) Describe() (string, []string) {
	return "Filter", []string{"Filter: " + n.Pred.String()}
}
func (n *PhysicalProject) Describe() (string, []string) {
	return "Project", []string{"Output: " + joinExprs(n.Exprs, ", ")}
}
func (n *PhysicalSort) Describe() (string, []string) {
	var ks []string
	for _, k := range n.Keys {
		s := k.Expr.String()
		if k.Desc {
			s += " DESC"
		}
		if k.NullsFirst != k.Desc {
			if k.NullsFirst {
				s += " NULLS FIRST"
			} else {
				s += " NULLS LAST"
			}
		}
		ks = append(ks, s)
	}
	return "Sort", []string{"Sort Key: " + strings.Join(ks, ", ")}
}
func (n *PhysicalLimit) Describe() (string, []string) {
	var det []string
	if n.Limit != nil {
		det = append(det, "Limit: "+n.Limit.String())
	}
	if n.Offset != nil {
		det = append(det, "Offset: "+n.Offset.String())
	}
	return "Limit", det
}
func (n *PhysicalDistinct) Describe() (string, []string) {
	if len(n.On) > 0 {
		return "Unique", []string{"Distinct On: " + joinExprs(n.On, ", ")}
	}
	return "HashAggregate (distinct)", nil
}
func (n *PhysicalHashJoin) Describe() (string, []string) {
	var conds []string
	for i := range n.LeftKeys {
		conds = append(conds, n.LeftKeys[i].String()+" = "+n.RightKeys[i].String())
	}
	det := []string{"Hash Cond: (" + strings.Join(conds, " AND ") + ")"}
	if n.Extra != nil {
		det = append(det, "Join Filter: "+n.Extra.String())
	}
	return "Hash " + n.Kind.String() + " Join", det
}
func (n *PhysicalNestedLoopJoin) Describe() (string, []string) {
	var det []string
	if n.On != nil {
		det = append(det, "Join Filter: "+n.On.String())
	}
	name := "Nested Loop " + n.Kind.String() + " Join"
	if n.Lateral {
		name += " (lateral)"
	}
	return name, det
}
func (n *PhysicalHashAgg) Describe() (string, []string) {
	var det []string
	if len(n.GroupBy) > 0 {
		det = append(det, "Group Key: "+joinExprs(n.GroupBy, ", "))
	}
	var as []string
	for _, a := range n.Aggs {
		as = append(as, a.Name+"("+joinExprs(a.Args, ", ")+")")
	}
	if len(as) > 0 {
		det = append(det, "Aggregates: "+strings.Join(as, ", "))
	}
	if len(n.GroupBy) == 0 {
		return "Aggregate", det
	}
	return "HashAggregate", det
}
func (n *PhysicalWindow) Describe() (string, []string) {
	var ws []string
	for _, w := range n.Calls {
		ws = append(ws, w.Name+"("+joinExprs(w.Args, ", ")+")")
	}
	return "WindowAgg", []string{"Functions: " + strings.Join(ws, ", ")}
}
func (n *PhysicalSetOp) Describe() (string, []string) {
	s := n.Kind.String()
	if n.All {
		s += " All"
	}
	return s, nil
}
func (n *PhysicalProjectSet) Describe() (string, []string) {
	var fs []string
	for _, f := range n.SRFs {
		fs = append(fs, f.Name+"("+joinExprs(f.Args, ", ")+")")
	}
	return "ProjectSet", []string{"Functions: " + strings.Join(fs, ", ")}
}
func (n *PhysicalRecursiveCTE) Describe() (string, []string) { return "Recursive Union", nil }
func (n *PhysicalWorkTable) Describe() (string, []string) {
	return fmt.Sprintf("WorkTable Scan (%d)", n.ID), nil
}
func (n *PhysicalInsert) Describe() (string, []string) {
	var det []string
	if n.OnConflict != nil {
		if n.OnConflict.DoNothing {
			det = append(det, "Conflict Resolution: NOTHING")
		} else {
			det = append(det, "Conflict Resolution: UPDATE")
		}
	}
	return "Insert on " + n.Table.Name, det
}
func (n *PhysicalWithDML) Describe() (string, []string) {
	return "With Data-Modifying CTEs", nil
}
func (n *PhysicalUpdate) Describe() (string, []string) { return "Update on " + n.Table.Name, nil }
func (n *PhysicalDelete) Describe() (string, []string) { return "Delete on " + n.Table.Name, nil }

// ExplainLines renders a physical tree as PostgreSQL-style EXPLAIN text.
// annotate, when non-nil, adds per-node text (EXPLAIN ANALYZE).
func ExplainLines(root Physical, annotate func(Physical) string) []string {
	var out []string
	var rec func(n Physical, depth int)
	rec = func(n Physical, depth int) {
		head, det := n.Describe()
		if annotate != nil {
			if a := annotate(n); a != "" {
				head += " " + a
			}
		}
		indent := ""
		if depth > 0 {
			indent = strings.Repeat(" ", 6*(depth-1)+2) + "->  "
		}
		out = append(out, indent+head)
		detIndent := strings.Repeat(" ", len(indent)+2)
		if depth == 0 {
			detIndent = "  "
		}
		for _, d := range det {
			out = append(out, detIndent+d)
		}
		for _, c := range n.Children() {
			rec(c, depth+1)
		}
	}
	rec(root, 0)
	return out
}

// ExecNode is an operator built by a Factory; the planner never looks inside.
type ExecNode any

// Factory builds executable operators from physical nodes. The executor
// implements it; Construct drives it bottom-up.
type Factory interface {
	ConstructScan(n *PhysicalScan) (ExecNode, error)
	ConstructLakeScan(n *PhysicalLakeScan) (ExecNode, error)
	ConstructPointLookup(n *PhysicalPointLookup) (ExecNode, error)
	ConstructVirtualScan(n *PhysicalVirtualScan) (ExecNode, error)
	ConstructValues(n *PhysicalValues) (ExecNode, error)
	ConstructFilter(n *PhysicalFilter, in ExecNode) (ExecNode, error)
	ConstructProject(n *PhysicalProject, in ExecNode) (ExecNode, error)
	ConstructSort(n *PhysicalSort, in ExecNode) (ExecNode, error)
	ConstructLimit(n *PhysicalLimit, in ExecNode) (ExecNode, error)
	ConstructLockRows(n *PhysicalLockRows, in ExecNode) (ExecNode, error)
	ConstructDistinct(n *PhysicalDistinct, in ExecNode) (ExecNode, error)
	ConstructHashJoin(n *PhysicalHashJoin, l, r ExecNode) (ExecNode, error)
	ConstructNestedLoopJoin(n *PhysicalNestedLoopJoin, l, r ExecNode) (ExecNode, error)
	ConstructHashAgg(n *PhysicalHashAgg, in ExecNode) (ExecNode, error)
	ConstructWindow(n *PhysicalWindow, in ExecNode) (ExecNode, error)
	ConstructSetOp(n *PhysicalSetOp, l, r ExecNode) (ExecNode, error)
	ConstructProjectSet(n *PhysicalProjectSet, in ExecNode) (ExecNode, error)
	ConstructRecursiveCTE(n *PhysicalRecursiveCTE, init, rec ExecNode) (ExecNode, error)
	ConstructWorkTable(n *PhysicalWorkTable) (ExecNode, error)
	ConstructInsert(n *PhysicalInsert, in ExecNode) (ExecNode, error)
	// ConstructWithDML gets the built CTE plans followed by the input.
	ConstructWithDML(n *PhysicalWithDML, children []ExecNode) (ExecNode, error)
	ConstructUpdate(n *PhysicalUpdate, in ExecNode) (ExecNode, error)
	ConstructDelete(n *PhysicalDelete, in ExecNode) (ExecNode, error)
}

// Construct builds the operator tree for p with f, children first.
func Construct(f Factory, p Physical) (ExecNode, error) {
	kids := p.Children()
	built := make([]ExecNode, len(kids))
	for i, k := range kids {
		var err error
		if built[i], err = Construct(f, k); err != nil {
			return nil, err
		}
	}
	switch n := p.(type) {
	case *PhysicalScan:
		return f.ConstructScan(n)
	case *PhysicalLakeScan:
		return f.ConstructLakeScan(n)
	case *PhysicalPointLookup:
		return f.ConstructPointLookup(n)
	case *PhysicalVirtualScan:
		return f.ConstructVirtualScan(n)
	case *PhysicalValues:
		return f.ConstructValues(n)
	case *PhysicalFilter:
		return f.ConstructFilter(n, built[0])
	case *PhysicalProject:
		return f.ConstructProject(n, built[0])
	case *PhysicalSort:
		return f.ConstructSort(n, built[0])
	case *PhysicalLimit:
		return f.ConstructLimit(n, built[0])
	case *PhysicalLockRows:
		return f.ConstructLockRows(n, built[0])
	case *PhysicalDistinct:
		return f.ConstructDistinct(n, built[0])
	case *PhysicalHashJoin:
		return f.ConstructHashJoin(n, built[0], built[1])
	case *PhysicalNestedLoopJoin:
		return f.ConstructNestedLoopJoin(n, built[0], built[1])
	case *PhysicalHashAgg:
		return f.ConstructHashAgg(n, built[0])
	case *PhysicalWindow:
		return f.ConstructWindow(n, built[0])
	case *PhysicalSetOp:
		return f.ConstructSetOp(n, built[0], built[1])
	case *PhysicalProjectSet:
		return f.ConstructProjectSet(n, built[0])
	case *PhysicalRecursiveCTE:
		return f.ConstructRecursiveCTE(n, built[0], built[1])
	case *PhysicalWorkTable:
		return f.ConstructWorkTable(n)
	case *PhysicalInsert:
		return f.ConstructInsert(n, built[0])
	case *PhysicalWithDML:
		return f.ConstructWithDML(n, built)
	case *PhysicalUpdate:
		return f.ConstructUpdate(n, built[0])
	case *PhysicalDelete:
		return f.ConstructDelete(n, built[0])
	case *PhysicalMerge:
		return constructMerge(f, n, built[0])
	}
	return nil, fmt.Errorf("planner: no constructor for %T", p)
}
