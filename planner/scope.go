package planner

import pg_query "github.com/pganalyze/pg_query_go/v6"

import (
	"github.com/conflux-db/conflux/sql/pgerr"
)

// scopeCol is one name visible in a scope.
type scopeCol struct {
	table    string // qualifier (alias or table name); "" for unqualified-only names
	name     string
	expr     Expr
	meta     ColMeta
	star     bool // expanded by * (and table.*)
	qualOnly bool // only reachable as table.name (the inputs of JOIN USING)
	hidden   bool // never reachable by name (internal columns)
}

// scope is the set of names one query level can see. parent is the
// enclosing query level (correlated subqueries, LATERAL).
type scope struct {
	cols   []scopeCol
	parent *scope
	ctes   map[string]*cteDef
	// correlated is set when a name resolved in an enclosing level.
	correlated bool
	// coll collects aggregates, window functions and SRFs while binding
	// a select list; nil where they are not allowed.
	coll *collector
	// aggAllowed/windowAllowed/srfAllowed name the clause for errors when
	// a collector is present but the construct is not allowed.
	noAggReason string
	// transparent scopes only carry CTE names; they are not a query
	// level, so they do not count towards OuterRef depth.
	transparent bool
}

type cteDef struct {
	name      string
	bind      func() (Logical, []ColMeta, error) // binds a fresh copy at each reference
	recursive *LogicalWorkTable                  // set while binding the recursive term
	colNames  []string
	// binding is set while the definition's own query is being bound: a
	// (non-recursive) CTE does not see itself, so a reference to its name
	// from inside resolves further out, instead of recursing forever.
	binding bool
}

func (s *scope) lookupCTE(name string) *cteDef {
	d, _ := s.lookupCTELevels(name)
	return d
}

// lookupCTELevels also returns how many query levels (non-transparent
// scopes) lie from s up to and including the scope holding the CTE: 1
// when the reference is at the WITH's own level, more from a nested
// subquery.
func (s *scope) lookupCTELevels(name string) (*cteDef, int) {
	levels := 0
	for sc := s; sc != nil; sc = sc.parent {
		if !sc.transparent {
			levels++
		}
		if d, ok := sc.ctes[name]; ok && !d.binding {
			return d, levels
		}
	}
	return nil, 0
}

// resolve finds a column by (optional) qualifier and name, searching
// enclosing scopes; depth is how many levels up it was found.
func (s *scope) resolve(qual, name string) (Expr, error) {
	depth := 0
	for sc := s; sc != nil; sc = sc.parent {
		e, found, err := sc.resolveLocal(qual, name)
		if err != nil {
			return nil, err
		}
		if found {
			if depth == 0 {
				return e, nil
			}
			// Mark every level between as correlated.
			for x := s; x != sc; x = x.parent {
				x.correlated = true
			}
			cr, ok := e.(*ColRef)
			if !ok {
				// A merged USING column of an outer level: rebuild over outer refs.
				return MapExpr(e, func(x Expr) (Expr, error) {
					if c, ok := x.(*ColRef); ok {
						return &OuterRef{Depth: depth, Idx: c.Idx, Typ: c.Typ, Name: c.Name}, nil
					}
					return x, nil
				})
			}
			return &OuterRef{Depth: depth, Idx: cr.Idx, Typ: cr.Typ, Name: cr.Name}, nil
		}
		if !sc.transparent {
			depth++
		}
	}
	if qual != "" {
		if !s.hasQualifier(qual) {
			return nil, pgerr.New(pgerr.UndefinedTable, "missing FROM-clause entry for table \"%s\"", qual)
		}
		return nil, pgerr.New(pgerr.UndefinedColumn, "column %s.%s does not exist", qual, name)
	}
	return nil, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" does not exist", name)
}

func (s *scope) hasQualifier(q string) bool {
	for sc := s; sc != nil; sc = sc.parent {
		for _, c := range sc.cols {
			if c.table == q {
				return true
			}
		}
	}
	return false
}

func (s *scope) resolveLocal(qual, name string) (Expr, bool, error) {
	var found Expr
	n := 0
	for i := range s.cols {
		c := &s.cols[i]
		if c.hidden || c.name != name {
			continue
		}
		if qual != "" {
			if c.table != qual {
				continue
			}
		} else if c.qualOnly {
			continue
		}
		if found == nil {
			found = c.expr
		}
		n++
	}
	if n > 1 {
		if qual != "" {
			return nil, false, pgerr.New(pgerr.AmbiguousColumn, "column reference \"%s.%s\" is ambiguous", qual, name)
		}
		return nil, false, pgerr.New(pgerr.AmbiguousColumn, "column reference \"%s\" is ambiguous", name)
	}
	return found, found != nil, nil
}

// collector gathers aggregates, window functions and set-returning
// functions found in a select list, HAVING or ORDER BY.
type collector struct {
	aggs    []*AggCall
	windows []*WindowCall
	srfs    []*SRFCall
	inAgg   bool // binding an aggregate's arguments (nested aggregates are errors)
	// windowDefs are the query level's WINDOW clause entries by name.
	windowDefs map[string]*pg_query.WindowDef
}

// placeholder kinds
const (
	phAgg = iota
	phWindow
	phSRF
)
