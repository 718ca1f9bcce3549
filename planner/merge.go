package planner

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// MERGE (PostgreSQL 15).
//
// MERGE INTO t USING s ON cond is planned as t RIGHT JOIN s ON cond, with
// a constant TRUE appended to t's row before the join: in the joined row
// (t's columns, the marker, s's columns) a NULL marker means "not
// matched". That keeps the join an ordinary one, so every join strategy
// and filter pushdown applies, and a target row can be told apart from a
// NULL-extended one even when all its columns are NULL. The Merge node
// then applies, per joined row, the first WHEN clause of its kind whose
// condition holds; UPDATE and DELETE see the joined row, INSERT only the
// source columns.

// MergeActionKind is what a WHEN clause does.
type MergeActionKind uint8

const (
	MergeDoNothing MergeActionKind = iota
	MergeUpdate
	MergeDelete
	MergeInsert
)

func (k MergeActionKind) String() string {
	return [...]string{"DO NOTHING", "UPDATE", "DELETE", "INSERT"}[k]
}

// MergeAction is one bound WHEN clause. Expressions read the joined row.
type MergeAction struct {
	Kind MergeActionKind
	Cond Expr // nil: unconditional
	// Set (UPDATE) gives per table column ordinal the new value (nil:
	// unchanged); Values (INSERT) the inserted row's value of every column.
	Set, Values []Expr
}

// LogicalMerge applies Matched clauses to joined rows whose marker column
// (ordinal len(Table.Columns)) is not NULL and NotMatched clauses to the
// others.
type LogicalMerge struct {
	Table               *catalog.Table
	Input               Logical
	Matched, NotMatched []MergeAction
	Checks              []CheckConstraint
}

func (n *LogicalMerge) Cols() []ColMeta { return nil }

// PhysicalMerge is LogicalMerge's physical form. The executor locks each
// target row it updates or deletes by its row identity (READ COMMITTED
// restarts the statement when a target row changed after the snapshot,
// as UPDATE ... FROM does) and fails with 21000 when a second source row
// would update or delete a target row again.
type PhysicalMerge struct {
	Table               *catalog.Table
	Input               Physical
	Matched, NotMatched []MergeAction
	Checks              []CheckConstraint
}

func (n *PhysicalMerge) Cols() []ColMeta      { return nil }
func (n *PhysicalMerge) Children() []Physical { return []Physical{n.Input} }
func (n *PhysicalMerge) Describe() (string, []string) {
	var det []string
	for _, a := range n.Matched {
		det = append(det, "When Matched: "+describeAction(a))
	}
	for _, a := range n.NotMatched {
		det = append(det, "When Not Matched: "+describeAction(a))
	}
	return "Merge on " + n.Table.Name, det
}

func describeAction(a MergeAction) string {
	s := a.Kind.String()
	if a.Cond != nil {
		s += " if " + a.Cond.String()
	}
	return s
}

// MergeFactory is the part of a Factory that builds MERGE (kept apart so
// Factory implementations without MERGE still compile).
type MergeFactory interface {
	ConstructMerge(n *PhysicalMerge, in ExecNode) (ExecNode, error)
}

func constructMerge(f Factory, n *PhysicalMerge, in ExecNode) (ExecNode, error) {
	mf, ok := f.(MergeFactory)
	if !ok {
		return nil, pgerr.Unsupported("MERGE")
	}
	return mf.ConstructMerge(n, in)
}

func (b *binder) physMerge(n *LogicalMerge) (Physical, error) {
	in, err := b.phys(n.Input, nil)
	if err != nil {
		return nil, err
	}
	fold := func(as []MergeAction) []MergeAction {
		out := make([]MergeAction, len(as))
		for i, a := range as {
			out[i] = a
			if a.Cond != nil {
				out[i].Cond = foldConstants(a.Cond)
			}
		}
		return out
	}
	return &PhysicalMerge{Table: n.Table, Input: in, Matched: fold(n.Matched), NotMatched: fold(n.NotMatched), Checks: n.Checks}, nil
}

func (b *binder) bindMerge(st *pg_query.MergeStmt) (Logical, error) {
	if len(st.ReturningList) > 0 {
		return nil, pgerr.Unsupported("MERGE ... RETURNING")
	}
	sc := &scope{}
	if st.WithClause != nil {
		if err := b.bindWith(st.WithClause, sc); err != nil {
			return nil, err
		}
	}
	t, alias, err := b.targetTable(st.Relation, "merge into")
	if err != nil {
		return nil, err
	}
	// The join condition reads the target (PostgreSQL asks SELECT on the
	// columns it reads; any column read needs it here).
	b.require(t, catalog.PrivSelect)
	n := len(t.Columns)

	// Target row ++ marker.
	tcols := tableCols(t)
	proj := &LogicalProject{Input: &LogicalScan{Table: t, cols: tcols}, cols: append(append([]ColMeta(nil), tcols...), ColMeta{Name: "?matched?", Typ: types.Bool})}
	for i, c := range tcols {
		proj.Exprs = append(proj.Exprs, &ColRef{Idx: i, Typ: c.Typ, Name: c.Name})
	}
	proj.Exprs = append(proj.Exprs, &Const{Val: types.DBool(true), Typ: types.Bool})

	from := &scope{parent: sc.parent, ctes: sc.ctes}
	src, srcCols, err := b.bindFromItem(st.SourceRelation, from, nil)
	if err != nil {
		return nil, err
	}
	srcScope := shiftCols(srcCols, n+1)
	for _, c := range srcScope {
		if c.table == alias && alias != "" {
			return nil, pgerr.New(pgerr.DuplicateAlias, "name \"%s\" specified more than once", alias).
				WithDetail("The name is used both as MERGE target table and data source.")
		}
	}
	joined := &scope{parent: sc.parent, ctes: sc.ctes, cols: append(tableScope(t, alias, 0), srcScope...)}
	sourceOnly := &scope{parent: sc.parent, ctes: sc.ctes, cols: srcScope}

	on, err := b.bindPredicate(st.JoinCondition, joined, "JOIN/ON")
	if err != nil {
		return nil, err
	}
	m := &LogicalMerge{Table: t, Input: &LogicalJoin{Kind: RightJoin, Left: proj, Right: src, On: on}}
	var unconditional [4]bool // per MergeMatchKind: an earlier clause without AND
	for _, cn := range st.MergeWhenClauses {
		wc := cn.GetMergeWhenClause()
		if wc == nil {
			return nil, pgerr.New(pgerr.SyntaxError, "invalid MERGE WHEN clause")
		}
		if wc.MatchKind == pg_query.MergeMatchKind_MERGE_WHEN_NOT_MATCHED_BY_SOURCE {
			return nil, pgerr.Unsupported("WHEN NOT MATCHED BY SOURCE")
		}
		if int(wc.MatchKind) < len(unconditional) && unconditional[wc.MatchKind] {
			return nil, pgerr.New(pgerr.SyntaxError, "unreachable WHEN clause specified after unconditional WHEN clause")
		}
		if wc.Condition == nil && int(wc.MatchKind) < len(unconditional) {
			unconditional[wc.MatchKind] = true
		}
		matched := wc.MatchKind == pg_query.MergeMatchKind_MERGE_WHEN_MATCHED
		csc := joined
		if !matched {
			csc = sourceOnly
		}
		var a MergeAction
		if wc.Condition != nil {
			if a.Cond, err = b.bindPredicate(wc.Condition, csc, "WHEN"); err != nil {
				return nil, err
			}
		}
		switch wc.CommandType {
		case pg_query.CmdType_CMD_NOTHING:
			a.Kind = MergeDoNothing
		case pg_query.CmdType_CMD_UPDATE:
			a.Kind = MergeUpdate
			b.require(t, catalog.PrivUpdate)
			if a.Set, err = b.bindSetList(t, wc.TargetList, joined); err != nil {
				return nil, err
			}
		case pg_query.CmdType_CMD_DELETE:
			a.Kind = MergeDelete
			b.require(t, catalog.PrivDelete)
		case pg_query.CmdType_CMD_INSERT:
			a.Kind = MergeInsert
			b.require(t, catalog.PrivInsert)
			if a.Values, err = b.bindMergeInsert(t, wc, sourceOnly); err != nil {
				return nil, err
			}
		default:
			return nil, pgerr.New(pgerr.SyntaxError, "unknown MERGE action %v", wc.CommandType)
		}
		if matched {
			m.Matched = append(m.Matched, a)
		} else {
			m.NotMatched = append(m.NotMatched, a)
		}
	}
	if m.Checks, err = b.bindChecks(t); err != nil {
		return nil, err
	}
	return m, nil
}

// bindMergeInsert binds INSERT [(cols)] VALUES (...) | DEFAULT VALUES
// into one expression per table column (defaults for the rest).
func (b *binder) bindMergeInsert(t *catalog.Table, wc *pg_query.MergeWhenClause, sc *scope) ([]Expr, error) {
	var targets []int
	if len(wc.TargetList) == 0 {
		for i, c := range t.Columns {
			if !c.Hidden && !c.Dropped {
				targets = append(targets, i)
			}
		}
	} else {
		seen := map[int]bool{}
		for _, cn := range wc.TargetList {
			rt := cn.GetResTarget()
			if len(rt.Indirection) > 0 {
				return nil, pgerr.Unsupported("INSERT into subscripted or field columns")
			}
			idx := -1
			for i, c := range t.Columns {
				if c.Name == rt.Name && !c.Dropped && !c.Hidden {
					idx = i
				}
			}
			if idx < 0 {
				return nil, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", rt.Name, t.Name)
			}
			if seen[idx] {
				return nil, pgerr.New(pgerr.DuplicateColumn, "column \"%s\" specified more than once", rt.Name)
			}
			seen[idx] = true
			targets = append(targets, idx)
		}
	}
	items := wc.Values
	if len(items) > len(targets) {
		return nil, pgerr.New(pgerr.SyntaxError, "INSERT has more expressions than target columns")
	}
	if len(items) < len(targets) && len(wc.TargetList) > 0 {
		return nil, pgerr.New(pgerr.SyntaxError, "INSERT has more target columns than expressions")
	}
	pos := make(map[int]int, len(targets))
	for p, idx := range targets {
		pos[idx] = p
	}
	row := make([]Expr, len(t.Columns))
	for i := range t.Columns {
		c := &t.Columns[i]
		p, ok := pos[i]
		useDefault := !ok || p >= len(items) || items[p].GetSetToDefault() != nil
		if !useDefault && c.Identity != 0 {
			switch wc.Override {
			case pg_query.OverridingKind_OVERRIDING_USER_VALUE:
				useDefault = true
			case pg_query.OverridingKind_OVERRIDING_SYSTEM_VALUE:
			default:
				if c.Identity == 'a' {
					return nil, pgerr.New(sqlstateGeneratedAlways, "cannot insert a non-DEFAULT value into column \"%s\"", c.Name).
						WithDetail("Column \"%s\" is an identity column defined as GENERATED ALWAYS.", c.Name).
						WithHint("Use OVERRIDING SYSTEM VALUE to override.")
				}
			}
		}
		var err error
		if useDefault {
			if row[i], err = b.defaultExpr(t, c); err != nil {
				return nil, err
			}
			continue
		}
		e, err := b.bindExpr(items[p], sc)
		if err != nil {
			return nil, err
		}
		if row[i], err = b.assignCoerce(e, t, c); err != nil {
			return nil, err
		}
	}
	return row, nil
}
