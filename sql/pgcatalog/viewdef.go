package pgcatalog

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/types"
)

// This file is pg_get_viewdef: a view's stored SELECT re-printed the way
// ruleutils.c prints the analysed query, because pg_views.definition,
// information_schema.views and psql's \d+ show that text and BI tools
// (DBeaver, SQLAlchemy's get_view_definition) display or parse it. The
// analysed form differs from what the user typed: * is expanded, every
// column is qualified with its relation's name or alias, relations are
// schema-qualified unless visible on the search path, literals carry
// their casts, and every non-column output gets an AS. Both modes indent
// clauses (PRETTYFLAG_INDENT); only the pretty one drops the parentheses
// ruleutils otherwise puts around every operator and join.
//
// The queries modelled are the common shape: one SELECT (DISTINCT)
// over tables and views, joined or comma-separated, with WHERE, GROUP BY,
// HAVING, ORDER BY, LIMIT and OFFSET. Anything else (set operations,
// CTEs, subqueries in FROM, VALUES) is shown as stored.

// viewScopeRel is one relation of the view's FROM clause.
type viewScopeRel struct {
	ref   string // the name columns are qualified with: the alias or the relation's name
	attrs []attr
}

type viewScope struct {
	rels []*viewScopeRel
	ok   bool // false once a column did not resolve
}

func (s *viewScope) byRef(name string) *viewScopeRel {
	for _, r := range s.rels {
		if r.ref == name {
			return r
		}
	}
	return nil
}

// column resolves a column reference to the qualified Var ruleutils prints.
func (s *viewScope) column(fields []*pg_query.Node) (*dexpr, bool) {
	names := make([]string, len(fields))
	for i, f := range fields {
		if f.GetString_() == nil {
			return nil, false
		}
		names[i] = nodeString(f)
	}
	col := names[len(names)-1]
	var rel *viewScopeRel
	switch len(names) {
	case 1:
		for _, r := range s.rels {
			for _, a := range r.attrs {
				if a.name == col {
					if rel != nil {
						return nil, false // ambiguous
					}
					rel = r
				}
			}
		}
	default:
		rel = s.byRef(names[len(names)-2])
	}
	if rel == nil {
		return nil, false
	}
	for _, a := range rel.attrs {
		if a.name == col {
			return &dexpr{kind: xVar, text: quoteIdent(rel.ref) + "." + quoteIdent(col), typ: a.typ}, true
		}
	}
	return nil, false
}

// viewDefinition prints t's query as pg_get_viewdef(t, pretty) does, or
// returns the stored text when the query is outside what is modelled.
func viewDefinition(env NameEnv, t *catalog.Table, pretty bool) string {
	if s, ok := deparseView(env, t.ViewQuery, pretty); ok {
		return s
	}
	return t.ViewQuery
}

func deparseView(env NameEnv, query string, pretty bool) (string, bool) {
	res, err := pg_query.Parse(query)
	if err != nil || len(res.Stmts) != 1 {
		return "", false
	}
	sel := res.Stmts[0].Stmt.GetSelectStmt()
	if sel == nil || sel.Op != pg_query.SetOperation_SETOP_NONE || sel.WithClause != nil ||
		len(sel.ValuesLists) > 0 || sel.IntoClause != nil || len(sel.LockingClause) > 0 ||
		len(sel.WindowClause) > 0 || len(sel.DistinctClause) > 1 && sel.DistinctClause[0] != nil {
		return "", false
	}
	template, err := pg_query.Parse("SELECT 1")
	if err != nil {
		return "", false
	}
	sp := env.path()
	scope := &viewScope{ok: true}
	d := &deparser{pretty: pretty, res: template, scope: scope}
	var b strings.Builder

	// FROM first: it defines the names the target list resolves against.
	var from []string
	for _, item := range sel.FromClause {
		s, ok := d.fromItem(env, sp, item)
		if !ok {
			return "", false
		}
		from = append(from, s)
	}

	b.WriteString(" SELECT ")
	if len(sel.DistinctClause) > 0 {
		b.WriteString("DISTINCT ")
	}
	var targets []string
	var targetExprs []string // each output column's expression, for GROUP BY 1 / ORDER BY 1
	for _, n := range sel.TargetList {
		rt := n.GetResTarget()
		if rt == nil {
			return "", false
		}
		if cr := rt.Val.GetColumnRef(); cr != nil && len(cr.Fields) > 0 && cr.Fields[len(cr.Fields)-1].GetAStar() != nil {
			// * and rel.*: expanded, as the parser stores them.
			var rels []*viewScopeRel
			if len(cr.Fields) == 1 {
				rels = scope.rels
			} else if r := scope.byRef(nodeString(cr.Fields[len(cr.Fields)-2])); r != nil {
				rels = []*viewScopeRel{r}
			} else {
				return "", false
			}
			for _, r := range rels {
				for _, a := range r.attrs {
					v := quoteIdent(r.ref) + "." + quoteIdent(a.name)
					targets = append(targets, v)
					targetExprs = append(targetExprs, v)
				}
			}
			continue
		}
		e := d.build(rt.Val)
		if e.kind == xConst && e.unknown && !e.null {
			e = coerceConst(e, types.Text) // an output column's literal resolves to text
		}
		s := d.print(e, false)
		targetExprs = append(targetExprs, s)
		name := rt.Name
		if name == "" {
			name = figureColname(rt.Val)
		}
		if e.kind != xVar || name != lastName(rt.Val) {
			s += " AS " + quoteIdent(name)
		}
		targets = append(targets, s)
	}
	b.WriteString(strings.Join(targets, ",\n    "))
	if len(from) > 0 {
		b.WriteString("\n   FROM " + strings.Join(from, ",\n    "))
	}
	if sel.WhereClause != nil {
		b.WriteString("\n  WHERE " + d.print(d.build(sel.WhereClause), false))
	}
	// GROUP BY 1 and ORDER BY 1 refer to output columns; ruleutils prints
	// the expression.
	exprOf := func(n *pg_query.Node) string {
		if c := n.GetAConst(); c != nil && c.GetIval() != nil {
			if i := int(c.GetIval().Ival); i >= 1 && i <= len(targetExprs) {
				return targetExprs[i-1]
			}
		}
		return d.print(d.build(n), false)
	}
	if len(sel.GroupClause) > 0 {
		parts := make([]string, len(sel.GroupClause))
		for i, g := range sel.GroupClause {
			parts[i] = exprOf(g)
		}
		b.WriteString("\n  GROUP BY " + strings.Join(parts, ", "))
	}
	if sel.HavingClause != nil {
		b.WriteString("\n HAVING " + d.print(d.build(sel.HavingClause), false))
	}
	if len(sel.SortClause) > 0 {
		parts := make([]string, len(sel.SortClause))
		for i, n := range sel.SortClause {
			sb := n.GetSortBy()
			if sb == nil {
				return "", false
			}
			s := exprOf(sb.Node)
			desc := sb.SortbyDir == pg_query.SortByDir_SORTBY_DESC
			if desc {
				s += " DESC"
			}
			switch sb.SortbyNulls {
			case pg_query.SortByNulls_SORTBY_NULLS_FIRST:
				if !desc {
					s += " NULLS FIRST"
				}
			case pg_query.SortByNulls_SORTBY_NULLS_LAST:
				if desc {
					s += " NULLS LAST"
				}
			}
			parts[i] = s
		}
		b.WriteString("\n  ORDER BY " + strings.Join(parts, ", "))
	}
	if sel.LimitOffset != nil {
		b.WriteString("\n OFFSET " + d.print(d.build(sel.LimitOffset), false))
	}
	if sel.LimitCount != nil {
		b.WriteString("\n LIMIT " + d.print(d.build(sel.LimitCount), false))
	}
	b.WriteString(";")
	if !scope.ok {
		return "", false
	}
	return b.String(), true
}

// fromItem prints one FROM item and adds its relations to the scope.
func (d *deparser) fromItem(env NameEnv, sp *searchPath, n *pg_query.Node) (string, bool) {
	switch {
	case n.GetRangeVar() != nil:
		rv := n.GetRangeVar()
		name := rv.Relname
		if rv.Schemaname != "" {
			name = quoteIdent(rv.Schemaname) + "." + quoteIdent(rv.Relname)
		} else {
			name = quoteIdent(rv.Relname)
		}
		rel, err := lookupRelationName(name, env)
		if err != nil {
			return "", false
		}
		ref := rel.name
		s := relationName(sp, rel, false)
		if rv.Alias != nil && rv.Alias.Aliasname != "" {
			if len(rv.Alias.Colnames) > 0 {
				return "", false
			}
			ref = rv.Alias.Aliasname
			s += " " + quoteIdent(ref)
		}
		d.scope.rels = append(d.scope.rels, &viewScopeRel{ref: ref, attrs: rel.attrs()})
		return s, true
	case n.GetJoinExpr() != nil:
		j := n.GetJoinExpr()
		if j.Alias != nil || j.IsNatural || len(j.UsingClause) > 0 {
			return "", false
		}
		l, ok := d.fromItem(env, sp, j.Larg)
		if !ok {
			return "", false
		}
		r, ok := d.fromItem(env, sp, j.Rarg)
		if !ok {
			return "", false
		}
		var kw string
		switch j.Jointype {
		case pg_query.JoinType_JOIN_INNER:
			kw = "JOIN"
			if j.Quals == nil {
				kw = "CROSS JOIN"
			}
		case pg_query.JoinType_JOIN_LEFT:
			kw = "LEFT JOIN"
		case pg_query.JoinType_JOIN_RIGHT:
			kw = "RIGHT JOIN"
		case pg_query.JoinType_JOIN_FULL:
			kw = "FULL JOIN"
		default:
			return "", false
		}
		s := l + "\n     " + kw + " " + r
		if j.Quals != nil {
			q := d.print(d.build(j.Quals), false)
			if d.pretty {
				s += " ON " + q
			} else {
				s += " ON (" + q + ")"
			}
		}
		if !d.pretty {
			s = "(" + s + ")"
		}
		return s, true
	}
	return "", false
}

// figureColname is the parser's FigureColname: the output name of an
// expression without AS.
func figureColname(n *pg_query.Node) string {
	switch {
	case n.GetColumnRef() != nil:
		return lastName(n)
	case n.GetFuncCall() != nil:
		fc := n.GetFuncCall()
		if len(fc.Funcname) > 0 {
			return nodeString(fc.Funcname[len(fc.Funcname)-1])
		}
	case n.GetTypeCast() != nil:
		tc := n.GetTypeCast()
		if name := figureColname(tc.Arg); name != "?column?" {
			return name
		}
		if tn := tc.TypeName; tn != nil && len(tn.Names) > 0 {
			return nodeString(tn.Names[len(tn.Names)-1])
		}
	case n.GetCaseExpr() != nil:
		return "case"
	case n.GetCoalesceExpr() != nil:
		return "coalesce"
	}
	return "?column?"
}

// lastName is a column reference's column name ("" for anything else).
func lastName(n *pg_query.Node) string {
	if cr := n.GetColumnRef(); cr != nil && len(cr.Fields) > 0 {
		return nodeString(cr.Fields[len(cr.Fields)-1])
	}
	return ""
}
