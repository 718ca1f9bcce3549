package planner

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
)

// RowLockStrength is a SELECT locking clause's strength, weakest first.
type RowLockStrength uint8

const (
	ForKeyShare RowLockStrength = iota + 1
	ForShare
	ForNoKeyUpdate
	ForUpdate
)

func (s RowLockStrength) String() string {
	switch s {
	case ForKeyShare:
		return "FOR KEY SHARE"
	case ForShare:
		return "FOR SHARE"
	case ForNoKeyUpdate:
		return "FOR NO KEY UPDATE"
	}
	return "FOR UPDATE"
}

// Exclusive reports whether the strength conflicts with other writers'
// row locks (FOR UPDATE, FOR NO KEY UPDATE).
func (s RowLockStrength) Exclusive() bool { return s >= ForNoKeyUpdate }

// RowLockWait is a locking clause's wait policy, ordered so that the
// stricter policy is larger (PostgreSQL combines duplicates with Max).
type RowLockWait uint8

const (
	LockWaitBlock RowLockWait = iota
	LockWaitSkipLocked
	LockWaitNoWait
)

// LockTarget is one base table whose rows LockRows locks.
type LockTarget struct {
	Table    *catalog.Table
	Alias    string
	Strength RowLockStrength
	Wait     RowLockWait
	// KeyCols are the positions of the primary key columns (in
	// Table.Primary order) within LockRows' input row.
	KeyCols []int
}

// LogicalLockRows locks, for every input row, the row of each target
// table it came from (SELECT ... FOR UPDATE). Like PostgreSQL's LockRows
// it sits above scans, joins, filters and the sort, below LIMIT, so only
// rows actually returned are locked and SKIP LOCKED feeds LIMIT the
// first unlocked rows.
//
// With EPQ set (one target, FROM is that single table) a row whose key
// was committed after the snapshot is re-read at READ COMMITTED:
// Recheck (the WHERE clause over the table row; nil = true) decides
// whether it still qualifies and Reproject rebuilds the input row from
// the newest version, PostgreSQL's EvalPlanQual.
type LogicalLockRows struct {
	Input     Logical
	Targets   []LockTarget
	EPQ       bool
	Recheck   Expr
	Reproject []Expr
}

func (n *LogicalLockRows) Cols() []ColMeta { return n.Input.Cols() }

// PhysicalLockRows mirrors LogicalLockRows.
type PhysicalLockRows struct {
	Input     Physical
	Targets   []LockTarget
	EPQ       bool
	Recheck   Expr
	Reproject []Expr
}

func (n *PhysicalLockRows) Cols() []ColMeta      { return n.Input.Cols() }
func (n *PhysicalLockRows) Children() []Physical { return []Physical{n.Input} }
func (n *PhysicalLockRows) Describe() (string, []string) {
	var ts []string
	for _, t := range n.Targets {
		s := t.Strength.String() + " OF " + t.Alias
		switch t.Wait {
		case LockWaitNoWait:
			s += " NOWAIT"
		case LockWaitSkipLocked:
			s += " SKIP LOCKED"
		}
		ts = append(ts, s)
	}
	return "LockRows", []string{"Lock: " + strings.Join(ts, ", ")}
}

// lockClause is one parsed FOR ... [OF ...] clause.
type lockClause struct {
	strength RowLockStrength
	wait     RowLockWait
	rels     []*pg_query.RangeVar // empty: every table of the query level
}

func parseLockingClauses(ns []*pg_query.Node) ([]lockClause, error) {
	var out []lockClause
	for _, n := range ns {
		lc := n.GetLockingClause()
		if lc == nil {
			continue
		}
		c := lockClause{strength: ForUpdate}
		switch lc.Strength {
		case pg_query.LockClauseStrength_LCS_FORKEYSHARE:
			c.strength = ForKeyShare
		case pg_query.LockClauseStrength_LCS_FORSHARE:
			c.strength = ForShare
		case pg_query.LockClauseStrength_LCS_FORNOKEYUPDATE:
			c.strength = ForNoKeyUpdate
		}
		switch lc.WaitPolicy {
		case pg_query.LockWaitPolicy_LockWaitSkip:
			c.wait = LockWaitSkipLocked
		case pg_query.LockWaitPolicy_LockWaitError:
			c.wait = LockWaitNoWait
		}
		for _, r := range lc.LockedRels {
			rv := r.GetRangeVar()
			if rv == nil {
				return nil, pgerr.New(pgerr.SyntaxError, "syntax error in %s clause", c.strength)
			}
			if rv.Schemaname != "" {
				// PostgreSQL: the OF list takes unqualified names only.
				return nil, pgerr.New(pgerr.SyntaxError, "%s must specify unqualified relation names", c.strength)
			}
			c.rels = append(c.rels, rv)
		}
		out = append(out, c)
	}
	return out, nil
}

// lockScan is a base table reachable from the FROM plan through joins
// only, with its column offset in the FROM row.
type lockScan struct {
	table *catalog.Table
	off   int
	alias string
}

// findLockScans lists the FROM plan's base-table scans (through joins;
// subqueries, views, functions and CTEs are opaque).
func findLockScans(plan Logical, cols []scopeCol) []lockScan {
	var out []lockScan
	var walk func(l Logical, off int)
	walk = func(l Logical, off int) {
		switch n := l.(type) {
		case *LogicalScan:
			s := lockScan{table: n.Table, off: off}
			for _, c := range cols {
				if cr, ok := c.expr.(*ColRef); ok && c.table != "" && cr.Idx >= off && cr.Idx < off+len(n.cols) {
					s.alias = c.table
					break
				}
			}
			out = append(out, s)
		case *LogicalJoin:
			if n.Kind == SemiJoin || n.Kind == AntiJoin {
				walk(n.Left, off)
				return
			}
			walk(n.Left, off)
			walk(n.Right, off+len(n.Left.Cols()))
		case *LogicalFilter:
			walk(n.Input, off)
		}
	}
	walk(plan, 0)
	return out
}

// fromItem is one FROM-clause entry by the name it is known by.
type fromItem struct {
	name string
	node *pg_query.Node
}

func flattenFrom(ns []*pg_query.Node) []fromItem {
	var out []fromItem
	for _, n := range ns {
		if j := n.GetJoinExpr(); j != nil {
			if j.Alias != nil {
				out = append(out, fromItem{name: j.Alias.Aliasname, node: n})
				continue
			}
			out = append(out, flattenFrom([]*pg_query.Node{j.Larg, j.Rarg})...)
			continue
		}
		for _, r := range fromRefNames(n) {
			out = append(out, fromItem{name: r.name, node: n})
		}
	}
	return out
}

// lockUnsupported returns the error for locking a FROM item that is not
// a base table, or nil when the item can be ignored (virtual catalog
// relations, whose rows no transaction writes). Views and subqueries are
// refused rather than silently left unlocked: PostgreSQL would lock
// their base tables, which Conflux does not do yet.
func (b *binder) lockUnsupported(it fromItem, strength RowLockStrength, sc *scope) error {
	switch x := it.node.Node.(type) {
	case *pg_query.Node_RangeVar:
		rv := x.RangeVar
		if rv.Schemaname == "" && sc.lookupCTE(rv.Relname) != nil {
			return pgerr.New(pgerr.FeatureNotSupported, "%s cannot be applied to a WITH query", strength)
		}
		t, vt, err := b.resolveRelation(rv.Schemaname, rv.Relname)
		if err != nil || vt != nil {
			return nil
		}
		if t.Kind == catalog.KindView {
			return pgerr.New(pgerr.FeatureNotSupported, "%s is not supported on views", strength).
				WithHint("Lock the view's base tables by selecting from them directly.")
		}
		return nil
	case *pg_query.Node_RangeSubselect:
		return pgerr.New(pgerr.FeatureNotSupported, "%s is not supported on a subquery in FROM", strength).
			WithHint("Put the locking clause inside the subquery.")
	case *pg_query.Node_RangeFunction:
		return pgerr.New(pgerr.FeatureNotSupported, "%s cannot be applied to a function", strength)
	case *pg_query.Node_JoinExpr:
		return pgerr.New(pgerr.FeatureNotSupported, "%s cannot be applied to a join", strength)
	}
	return nil
}

// checkSelectLocking is PostgreSQL's CheckSelectLocking for one query level.
func checkSelectLocking(st *pg_query.SelectStmt, strength RowLockStrength, hasAggs, hasWindows, hasSRFs bool) error {
	reason := ""
	switch {
	case len(st.DistinctClause) > 0:
		reason = "DISTINCT clause"
	case len(st.GroupClause) > 0:
		reason = "GROUP BY clause"
	case st.HavingClause != nil:
		reason = "HAVING clause"
	case hasAggs:
		reason = "aggregate functions"
	case hasWindows:
		reason = "window functions"
	case hasSRFs:
		reason = "set-returning functions in the target list"
	default:
		return nil
	}
	return pgerr.New(pgerr.FeatureNotSupported, "%s is not allowed with %s", strength, reason)
}

// bindLocking resolves the locking clauses of a simple SELECT into lock
// targets over its FROM plan (nil when nothing is to be locked).
func (b *binder) bindLocking(st *pg_query.SelectStmt, clauses []lockClause, from Logical, sc *scope) ([]LockTarget, []int, error) {
	if from == nil {
		return nil, nil, nil
	}
	scans := findLockScans(from, sc.cols)
	items := flattenFrom(st.FromClause)
	var targets []LockTarget
	var offs []int
	add := func(s lockScan, c lockClause) {
		for i := range targets {
			if offs[i] == s.off {
				targets[i].Strength = max(targets[i].Strength, c.strength)
				targets[i].Wait = max(targets[i].Wait, c.wait)
				return
			}
		}
		targets = append(targets, LockTarget{Table: s.table, Alias: s.alias, Strength: c.strength, Wait: c.wait})
		offs = append(offs, s.off)
	}
	for _, c := range clauses {
		if len(c.rels) == 0 {
			for _, it := range items {
				if err := b.lockUnsupported(it, c.strength, sc); err != nil {
					if _, isFn := it.node.Node.(*pg_query.Node_RangeFunction); isFn {
						continue // without OF, PostgreSQL ignores functions
					}
					if rv := it.node.GetRangeVar(); rv != nil && rv.Schemaname == "" && sc.lookupCTE(rv.Relname) != nil {
						continue // ... and WITH queries
					}
					return nil, nil, err
				}
			}
			for _, s := range scans {
				add(s, c)
			}
			continue
		}
		for _, rv := range c.rels {
			found := false
			for _, s := range scans {
				if s.alias == rv.Relname {
					add(s, c)
					found = true
				}
			}
			if found {
				continue
			}
			for _, it := range items {
				if it.name == rv.Relname {
					found = true
					if err := b.lockUnsupported(it, c.strength, sc); err != nil {
						return nil, nil, err
					}
				}
			}
			if !found {
				return nil, nil, pgerr.New(pgerr.UndefinedTable, "relation \"%s\" in %s clause not found in FROM clause", rv.Relname, c.strength)
			}
		}
	}
	for _, t := range targets {
		if t.Table.IsLake() {
			// Lake rows have no row-store key to lock or re-read.
			return nil, nil, pgerr.New(pgerr.FeatureNotSupported, "%s is not supported on lake table \"%s\"", t.Strength, t.Table.Name)
		}
		b.require(t.Table, catalog.PrivUpdate) // PostgreSQL: row locks need UPDATE
	}
	return targets, offs, nil
}
