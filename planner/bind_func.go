package planner

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

func (b *binder) bindFuncCall(fc *pg_query.FuncCall, sc *scope) (Expr, error) {
	names := nameList(fc.Funcname)
	name := names[len(names)-1]
	// Builtins live in one flat registry; information_schema's helpers
	// (_pg_expandarray, _pg_char_max_length) are reached through it too.
	if len(names) > 1 && names[0] != "pg_catalog" && names[0] != "public" && names[0] != "information_schema" {
		return nil, pgerr.New(pgerr.UndefinedFunction, "function %s does not exist", joinNames(names))
	}
	if fc.AggWithinGroup {
		return nil, pgerr.Unsupported("WITHIN GROUP")
	}
	if fc.FuncVariadic {
		return nil, pgerr.Unsupported("VARIADIC")
	}
	if name == "unique_rowid" && len(fc.Args) == 0 {
		return RowIDExpr{}, nil
	}
	coll := sc.coll
	fn := b.reg.Lookup(name)
	isAgg := fn != nil && fn.Class == builtins.AggregateClass
	isWindow := fc.Over != nil
	if isAgg && !isWindow {
		if coll == nil || sc.noAggReason != "" {
			where := sc.noAggReason
			if where == "" {
				where = "this context"
			}
			return nil, pgerr.New(pgerr.GroupingError, "aggregate functions are not allowed in %s", where)
		}
		if coll.inAgg {
			return nil, pgerr.New(pgerr.GroupingError, "aggregate function calls cannot be nested")
		}
		coll.inAgg = true
		defer func() { coll.inAgg = false }()
	}
	if fn != nil && fn.Class == builtins.WindowClass && !isWindow {
		return nil, pgerr.New(pgerr.WrongObjectType, "window function %s requires an OVER clause", name)
	}
	var args []Expr
	if !fc.AggStar {
		var err error
		if args, err = b.bindFuncArgs(name, fn, fc.Args, sc); err != nil {
			return nil, err
		}
	}
	argTypes := make([]*types.T, len(args))
	for i, a := range args {
		argTypes[i] = a.Type()
	}
	f, ov, coerced, err := b.reg.ResolveFunc(name, argTypes)
	if err != nil {
		return nil, err
	}
	for i := range args {
		if i < len(coerced) && coerced[i] != nil && !isPseudoType(coerced[i]) {
			if args[i], err = b.coerce(args[i], coerced[i], name); err != nil {
				return nil, err
			}
		} else if args[i].Type().Family == types.UnknownFamily {
			if args[i], err = b.coerce(args[i], types.Text, name); err != nil {
				return nil, err
			}
		}
		argTypes[i] = args[i].Type()
	}
	ret := retType(ov, argTypes)
	if (fc.AggDistinct || len(fc.AggOrder) > 0 || fc.AggFilter != nil) && f.Class != builtins.AggregateClass {
		return nil, pgerr.New(pgerr.WrongObjectType, "DISTINCT, ORDER BY or FILTER specified, but %s is not an aggregate function", name)
	}
	if isWindow {
		if f.Class != builtins.AggregateClass && f.Class != builtins.WindowClass {
			return nil, pgerr.New(pgerr.WrongObjectType, "OVER specified, but %s is not a window function nor an aggregate function", name)
		}
		if coll == nil || sc.noAggReason != "" {
			where := sc.noAggReason
			if where == "" {
				where = "this context"
			}
			return nil, pgerr.New(pgerr.WindowingError, "window functions are not allowed in %s", where)
		}
		w := &WindowCall{Name: name, Func: f, Overload: ov, Args: args, ArgTypes: argTypes, Typ: ret}
		wd, err := mergeWindowDef(fc.Over, coll.windowDefs)
		if err != nil {
			return nil, err
		}
		if w.PartitionBy, err = b.bindExprs(wd.PartitionClause, sc); err != nil {
			return nil, err
		}
		for _, o := range wd.OrderClause {
			sb := o.GetSortBy()
			e, err := b.bindExpr(sb.Node, sc)
			if err != nil {
				return nil, err
			}
			w.OrderBy = append(w.OrderBy, sortKeyOf(sb, e))
		}
		w.Frame.Options = wd.FrameOptions
		if wd.StartOffset != nil {
			if w.Frame.StartOffset, err = b.bindExpr(wd.StartOffset, &scope{parent: sc.parent}); err != nil {
				return nil, err
			}
		}
		if wd.EndOffset != nil {
			if w.Frame.EndOffset, err = b.bindExpr(wd.EndOffset, &scope{parent: sc.parent}); err != nil {
				return nil, err
			}
		}
		if fc.AggFilter != nil {
			if w.Filter, err = b.bindPredicate(fc.AggFilter, sc, "FILTER"); err != nil {
				return nil, err
			}
		}
		coll.windows = append(coll.windows, w)
		return &phExpr{kind: phWindow, idx: len(coll.windows) - 1, typ: ret}, nil
	}
	switch f.Class {
	case builtins.AggregateClass:
		a := &AggCall{Name: name, Func: f, Overload: ov, Args: args, ArgTypes: argTypes, Distinct: fc.AggDistinct, Typ: ret, Star: fc.AggStar}
		for _, o := range fc.AggOrder {
			sb := o.GetSortBy()
			e, err := b.bindExpr(sb.Node, sc)
			if err != nil {
				return nil, err
			}
			a.OrderBy = append(a.OrderBy, sortKeyOf(sb, b.resolveUnknownParam(e)))
		}
		if fc.AggFilter != nil {
			if a.Filter, err = b.bindPredicate(fc.AggFilter, sc, "FILTER"); err != nil {
				return nil, err
			}
		}
		coll.aggs = append(coll.aggs, a)
		return &phExpr{kind: phAgg, idx: len(coll.aggs) - 1, typ: ret}, nil
	case builtins.GeneratorClass:
		if coll == nil || sc.noAggReason != "" {
			return nil, pgerr.New(pgerr.FeatureNotSupported, "set-returning functions are not allowed in %s", orDefault(sc.noAggReason, "this context"))
		}
		s := &SRFCall{Name: name, Overload: ov, Args: args, NumCols: 1}
		if len(ov.GenCols) > 1 {
			s.NumCols = len(ov.GenCols)
		}
		coll.srfs = append(coll.srfs, s)
		idx := len(coll.srfs) - 1
		if len(ov.GenCols) > 1 {
			return srfRecord(ov, idx), nil
		}
		t := ret
		if len(ov.GenCols) > 0 {
			t = ov.GenCols[0].Type
		}
		return &phExpr{kind: phSRF, idx: idx, typ: t}, nil
	}
	return &CallExpr{Name: name, Overload: ov, Args: args, Typ: ret}, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func joinNames(ns []string) string {
	out := ""
	for i, n := range ns {
		if i > 0 {
			out += "."
		}
		out += n
	}
	return out
}

func (b *binder) bindSubLink(sl *pg_query.SubLink, sc *scope) (Expr, error) {
	ss := sl.Subselect.GetSelectStmt()
	if ss == nil {
		return nil, pgerr.Unsupported("this subquery")
	}
	res, err := b.bindSelect(ss, sc)
	if err != nil {
		return nil, err
	}
	phys, err := b.physicalize(res.plan)
	if err != nil {
		return nil, err
	}
	cols := res.plan.Cols()
	depth := logicalOuterDepth(res.plan)
	sq := &SubqueryExpr{Plan: phys, Correlated: depth > 0, OuterDepth: depth, Logical: res.plan}
	switch sl.SubLinkType {
	case pg_query.SubLinkType_EXISTS_SUBLINK:
		sq.Kind, sq.Typ = SubqueryExists, types.Bool
	case pg_query.SubLinkType_EXPR_SUBLINK:
		if len(cols) != 1 {
			return nil, pgerr.New(pgerr.SyntaxError, "subquery must return only one column")
		}
		sq.Kind, sq.Typ = SubqueryScalar, cols[0].Typ
	case pg_query.SubLinkType_ARRAY_SUBLINK:
		if len(cols) != 1 {
			return nil, pgerr.New(pgerr.SyntaxError, "subquery must return only one column")
		}
		sq.Kind, sq.Typ = SubqueryArray, types.ArrayOf(cols[0].Typ)
	case pg_query.SubLinkType_ANY_SUBLINK, pg_query.SubLinkType_ALL_SUBLINK:
		op := "="
		if len(sl.OperName) > 0 {
			op = opName(sl.OperName)
		}
		c, ok := cmpOps[op]
		if !ok {
			return nil, pgerr.Unsupported("operator " + op + " with a subquery")
		}
		arg, err := b.bindExpr(sl.Testexpr, sc)
		if err != nil {
			return nil, err
		}
		sq.Kind, sq.Typ, sq.Op, sq.All = SubqueryAny, types.Bool, c, sl.SubLinkType == pg_query.SubLinkType_ALL_SUBLINK
		if tup, ok := arg.(*TupleExpr); ok {
			if len(tup.Elems) != len(cols) {
				return nil, pgerr.New(pgerr.SyntaxError, "subquery has too many columns")
			}
			elems := make([]Expr, len(tup.Elems))
			for i, e := range tup.Elems {
				ce, err := b.bindCmp(CmpEQ, e, &ColRef{Idx: i, Typ: cols[i].Typ}, "=")
				if err != nil {
					return nil, err
				}
				cc := ce.(*Cmp)
				if _, isRef := cc.R.(*ColRef); !isRef {
					return nil, pgerr.Unsupported("IN subquery needing a type conversion of the subquery's columns")
				}
				elems[i] = cc.L
			}
			sq.Arg = &TupleExpr{Elems: elems, Typ: types.Record}
		} else {
			if len(cols) != 1 {
				return nil, pgerr.New(pgerr.SyntaxError, "subquery has too many columns")
			}
			ce, err := b.bindCmp(c, arg, &ColRef{Idx: 0, Typ: cols[0].Typ}, op)
			if err != nil {
				return nil, err
			}
			cc := ce.(*Cmp)
			if _, isRef := cc.R.(*ColRef); !isRef {
				// The subquery's column must be converted: project it.
				proj := &LogicalProject{Input: res.plan, Exprs: []Expr{cc.R}, cols: []ColMeta{{Name: cols[0].Name, Typ: cc.R.Type()}}}
				if sq.Plan, err = b.physicalize(proj); err != nil {
					return nil, err
				}
			}
			sq.Arg = cc.L
		}
	default:
		return nil, pgerr.Unsupported("this kind of subquery")
	}
	return sq, nil
}

// frameOptionNonDefault is FRAMEOPTION_NONDEFAULT: the frame was written out.
const frameOptionNonDefault = 0x00001

// mergeWindowDef resolves a window reference against the WINDOW clause
// (transformWindowFuncCall / transformWindowDefinitions): OVER w uses w as
// is; OVER (w ORDER BY ...) copies w's PARTITION BY and may add ORDER BY
// and a frame, but may not override what w already has.
func mergeWindowDef(wd *pg_query.WindowDef, defs map[string]*pg_query.WindowDef) (*pg_query.WindowDef, error) {
	name := wd.Refname
	byName := false
	if name == "" && wd.Name != "" {
		name, byName = wd.Name, true
	}
	if name == "" {
		return wd, nil
	}
	ref, ok := defs[name]
	if !ok {
		return nil, pgerr.New(pgerr.UndefinedObject, "window \"%s\" does not exist", name)
	}
	if byName {
		return ref, nil
	}
	if len(wd.PartitionClause) > 0 {
		return nil, pgerr.New(pgerr.WindowingError, "cannot override PARTITION BY clause of window \"%s\"", name)
	}
	if len(ref.OrderClause) > 0 && len(wd.OrderClause) > 0 {
		return nil, pgerr.New(pgerr.WindowingError, "cannot override ORDER BY clause of window \"%s\"", name)
	}
	if ref.FrameOptions&frameOptionNonDefault != 0 {
		return nil, pgerr.New(pgerr.WindowingError, "cannot copy window \"%s\" because it has a frame clause", name).
			WithHint("Omit the parentheses in this OVER clause.")
	}
	out := &pg_query.WindowDef{
		PartitionClause: ref.PartitionClause,
		OrderClause:     ref.OrderClause,
		FrameOptions:    wd.FrameOptions,
		StartOffset:     wd.StartOffset,
		EndOffset:       wd.EndOffset,
	}
	if len(wd.OrderClause) > 0 {
		out.OrderClause = wd.OrderClause
	}
	return out, nil
}

// bindFuncArgs binds a call's arguments. Named arguments (days => 3) are
// placed by the parameter names of an overload that declares them, and
// the parameters left out take their defaults, so resolution then sees
// an ordinary positional call.
func (b *binder) bindFuncArgs(name string, fn *builtins.Func, list []*pg_query.Node, sc *scope) ([]Expr, error) {
	var positional []Expr
	var names []string
	var named []Expr
	for _, n := range list {
		if na := n.GetNamedArgExpr(); na != nil {
			e, err := b.bindExpr(na.Arg, sc)
			if err != nil {
				return nil, err
			}
			for _, prev := range names {
				if prev == na.Name {
					return nil, pgerr.New(pgerr.SyntaxError, "argument name \"%s\" used more than once", na.Name)
				}
			}
			names, named = append(names, na.Name), append(named, e)
			continue
		}
		if len(named) > 0 {
			return nil, pgerr.New(pgerr.SyntaxError, "positional argument cannot follow named argument")
		}
		e, err := b.bindExpr(n, sc)
		if err != nil {
			return nil, err
		}
		positional = append(positional, e)
	}
	if len(named) == 0 {
		return positional, nil
	}
	if fn != nil {
	overloads:
		for _, ov := range fn.Overloads {
			if len(ov.ArgNames) < len(positional)+len(named) {
				continue
			}
			out := make([]Expr, len(ov.ArgNames))
			copy(out, positional)
			for i, nm := range names {
				idx := -1
				for j, an := range ov.ArgNames {
					if an == nm {
						idx = j
					}
				}
				if idx < len(positional) || out[idx] != nil {
					continue overloads
				}
				out[idx] = named[i]
			}
			for i := range out {
				if out[i] == nil {
					if i >= len(ov.ArgDefaults) || ov.ArgDefaults[i] == nil {
						continue overloads
					}
					out[i] = &Const{Val: ov.ArgDefaults[i], Typ: ov.Args[i]}
				}
			}
			return out, nil
		}
	}
	var sig []string
	for _, e := range positional {
		sig = append(sig, e.Type().SQLString())
	}
	for i, e := range named {
		sig = append(sig, names[i]+" => "+e.Type().SQLString())
	}
	return nil, pgerr.New(pgerr.UndefinedFunction, "function %s(%s) does not exist", name, strings.Join(sig, ", ")).
		WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
}

// logicalOuterDepth returns how many query levels above l its
// expressions read: the largest OuterRef depth, where a nested
// subquery's own depth counts one less (its depth 1 is l's row). 0 means
// l is uncorrelated and can be evaluated once.
func logicalOuterDepth(l Logical) int {
	depth := 0
	check := func(es ...Expr) {
		for _, e := range es {
			WalkExpr(e, func(x Expr) bool {
				switch x := x.(type) {
				case *OuterRef:
					depth = max(depth, x.Depth)
				case *SubqueryExpr:
					if x.Logical == nil && x.Correlated {
						depth = max(depth, 1) // unknown nesting: assume it reads l's parent
					}
					depth = max(depth, x.OuterDepth-1)
				}
				return true
			})
		}
	}
	forEachLogicalExpr(l, func(es ...Expr) bool { check(es...); return true })
	return depth
}
