package builtins

import (
	"strings"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// This file is PostgreSQL's overload resolution (parse_func.c
// func_select_candidate, parse_oper.c oper_select_candidate), driven by
// pg_type.typcategory/typispreferred and the implicit rows of pg_cast.

// typeCategory returns pg_type.typcategory and typispreferred.
func typeCategory(t *types.T) (byte, bool) {
	if t == nil || t == AnyNonArray || t == Any {
		return 'P', false
	}
	switch t.Oid {
	case types.OidBool:
		return 'B', true
	case types.OidInt2, types.OidInt4, types.OidInt8, types.OidFloat4, types.OidNumeric,
		types.OidRegclass, types.OidRegproc, types.OidRegtype:
		return 'N', false
	case types.OidFloat8, types.OidOid:
		return 'N', true
	case types.OidText:
		return 'S', true
	case types.OidVarchar, types.OidBPChar, types.OidName:
		return 'S', false
	case types.OidChar:
		return 'Z', false
	case types.OidDate, types.OidTime, types.OidTimestamp:
		return 'D', false
	case types.OidTimestampTZ:
		return 'D', true
	case types.OidInterval:
		return 'T', true
	case types.OidUnknown:
		return 'X', false
	case types.OidAnyArray:
		return 'P', false
	case types.OidRecord, types.OidVoid:
		return 'P', false
	}
	if t.Family == types.ArrayFamily {
		return 'A', false
	}
	return 'U', false
}

func isIntOid(o uint32) bool {
	return o == types.OidInt2 || o == types.OidInt4 || o == types.OidInt8
}

func isRegOid(o uint32) bool {
	return o == types.OidOid || o == types.OidRegclass || o == types.OidRegproc || o == types.OidRegtype
}

// canImplicit reports whether a value of type from may be implicitly
// coerced to to (pg_cast castcontext 'i', plus binary-coercible pairs).
func canImplicit(from, to *types.T) bool {
	if from.Oid == to.Oid {
		if from.Family == types.ArrayFamily && from.Elem != nil && to.Elem != nil {
			return from.Elem.Oid == to.Elem.Oid
		}
		return true
	}
	if from.Oid == types.OidUnknown {
		return true
	}
	f, t := from.Oid, to.Oid
	switch f {
	case types.OidInt2:
		return t == types.OidInt4 || t == types.OidInt8 || t == types.OidFloat4 || t == types.OidFloat8 ||
			t == types.OidNumeric || isRegOid(t)
	case types.OidInt4:
		return t == types.OidInt8 || t == types.OidFloat4 || t == types.OidFloat8 || t == types.OidNumeric || isRegOid(t)
	case types.OidInt8:
		return t == types.OidFloat4 || t == types.OidFloat8 || t == types.OidNumeric || isRegOid(t)
	case types.OidFloat4:
		return t == types.OidFloat8
	case types.OidNumeric:
		return t == types.OidFloat4 || t == types.OidFloat8
	case types.OidOid, types.OidRegclass, types.OidRegproc, types.OidRegtype:
		return isRegOid(t)
	case types.OidText, types.OidVarchar, types.OidBPChar, types.OidName:
		return t == types.OidText || t == types.OidVarchar || t == types.OidBPChar || t == types.OidName
	case types.OidChar:
		return t == types.OidText || t == types.OidVarchar || t == types.OidBPChar
	case types.OidDate:
		return t == types.OidTimestamp || t == types.OidTimestampTZ
	case types.OidTimestamp:
		return t == types.OidTimestampTZ
	case types.OidTime:
		return t == types.OidInterval
	case types.OidJSON:
		return false
	}
	return false
}

// matchArg reports whether an input of type in can be passed to a
// parameter of (possibly pseudo) type p.
func matchArg(in, p *types.T) bool {
	switch {
	case p == Any:
		return true
	case p == nil:
		return true
	case p == AnyNonArray:
		return in.Family != types.ArrayFamily
	case p == AnyArray:
		return in.Family == types.ArrayFamily || in.Oid == types.OidUnknown
	}
	return canImplicit(in, p)
}

// expandArgs returns the candidate's parameter list for n arguments, or
// nil when the arity does not fit.
func expandArgs(ov *Overload, n int) []*types.T {
	if !ov.Variadic {
		if len(ov.Args) != n {
			return nil
		}
		if n == 0 {
			return []*types.T{}
		}
		return ov.Args
	}
	k := len(ov.Args)
	if n < k {
		return nil
	}
	out := make([]*types.T, n)
	copy(out, ov.Args[:k-1])
	for i := k - 1; i < n; i++ {
		out[i] = ov.Args[k-1]
	}
	return out
}

type candidate struct {
	ov   *Overload
	args []*types.T
}

// sameType is exact type identity as PostgreSQL compares OIDs.
func sameType(a, p *types.T) bool {
	if p == nil || isPseudo(p) {
		return false
	}
	if a.Oid != p.Oid {
		return false
	}
	if a.Family == types.ArrayFamily && a.Elem != nil && p.Elem != nil {
		return a.Elem.Oid == p.Elem.Oid
	}
	return true
}

// resolvePoly binds the polymorphic parameters of a candidate to concrete
// types, returning the types the arguments must be cast to (nil when the
// arguments are inconsistent).
func resolvePoly(in, params []*types.T) []*types.T {
	var elem *types.T
	for i, p := range params {
		a := in[i]
		if a.Oid == types.OidUnknown {
			continue
		}
		switch {
		case isPolyElem(p):
			if elem == nil {
				elem = a
			} else if !sameType(a, elem) {
				if canImplicit(a, elem) {
					continue
				}
				if canImplicit(elem, a) {
					elem = a
					continue
				}
				return nil
			}
		case p == AnyArray:
			if a.Family != types.ArrayFamily || a.Elem == nil {
				return nil
			}
			if elem == nil {
				elem = a.Elem
			} else if !sameType(a.Elem, elem) {
				return nil
			}
		}
	}
	if elem == nil {
		elem = types.Text
	}
	out := make([]*types.T, len(params))
	for i, p := range params {
		switch {
		case isPolyElem(p):
			if p == AnyNonArray && elem.Family == types.ArrayFamily {
				return nil
			}
			out[i] = elem
		case p == AnyArray:
			out[i] = types.ArrayOf(elem)
		case p == Any:
			if in[i].Oid == types.OidUnknown {
				out[i] = types.Text
			} else {
				out[i] = in[i]
			}
		default:
			out[i] = p
		}
	}
	return out
}

// selectCandidate implements func_match_argtypes + func_select_candidate.
// It returns the single winner, or the surviving set when ambiguous (nil
// when nothing matches).
func selectCandidate(overloads []*Overload, in []*types.T) (*candidate, []*candidate) {
	var cands []*candidate
	for _, ov := range overloads {
		params := expandArgs(ov, len(in))
		if params == nil {
			continue
		}
		ok := true
		for i := range in {
			if !matchArg(in[i], params[i]) {
				ok = false
				break
			}
		}
		if ok && hasPoly(params) && resolvePoly(in, params) == nil {
			ok = false
		}
		if ok {
			cands = append(cands, &candidate{ov: ov, args: params})
		}
	}
	if len(cands) <= 1 {
		if len(cands) == 1 {
			return cands[0], nil
		}
		return nil, nil
	}
	// Exact match on every argument wins outright.
	for _, c := range cands {
		exact := true
		for i := range in {
			if !sameType(in[i], c.args[i]) {
				exact = false
				break
			}
		}
		if exact {
			return c, nil
		}
	}
	nunknown := 0
	for _, a := range in {
		if a.Oid == types.OidUnknown {
			nunknown++
		}
	}
	keepBest := func(score func(c *candidate) int) {
		best := -1
		var kept []*candidate
		for _, c := range cands {
			s := score(c)
			if s > best {
				best = s
				kept = kept[:0]
			}
			if s == best {
				kept = append(kept, c)
			}
		}
		cands = kept
	}
	keepBest(func(c *candidate) int {
		n := 0
		for i, a := range in {
			if a.Oid != types.OidUnknown && sameType(a, c.args[i]) {
				n++
			}
		}
		return n
	})
	if len(cands) == 1 {
		return cands[0], nil
	}
	keepBest(func(c *candidate) int {
		n := 0
		for i, a := range in {
			if a.Oid == types.OidUnknown {
				continue
			}
			cat, _ := typeCategory(a)
			pc, pref := typeCategory(c.args[i])
			if sameType(a, c.args[i]) || (pref && pc == cat) {
				n++
			}
		}
		return n
	})
	if len(cands) == 1 {
		return cands[0], nil
	}
	if nunknown == 0 {
		return nil, cands
	}
	// Resolve unknown inputs by category, preferring string.
	resolved := true
	slotCat := make([]byte, len(in))
	slotPref := make([]bool, len(in))
	for i, a := range in {
		if a.Oid != types.OidUnknown {
			continue
		}
		conflict := false
		for j, c := range cands {
			cat, pref := typeCategory(c.args[i])
			switch {
			case j == 0:
				slotCat[i], slotPref[i] = cat, pref
			case cat == slotCat[i]:
				slotPref[i] = slotPref[i] || pref
			case cat == 'S':
				slotCat[i], slotPref[i] = cat, pref
			default:
				conflict = true
			}
		}
		if conflict && slotCat[i] != 'S' {
			resolved = false
			break
		}
	}
	if resolved {
		var kept []*candidate
		for _, c := range cands {
			keep := true
			for i, a := range in {
				if a.Oid != types.OidUnknown {
					continue
				}
				cat, pref := typeCategory(c.args[i])
				if cat != slotCat[i] || (slotPref[i] && !pref) {
					keep = false
					break
				}
			}
			if keep {
				kept = append(kept, c)
			}
		}
		if len(kept) == 1 {
			return kept[0], nil
		}
		if len(kept) > 0 {
			cands = kept
		}
	}
	// Last gasp: unknowns take the type of the (single) known input type.
	if nunknown < len(in) {
		var known *types.T
		for _, a := range in {
			if a.Oid == types.OidUnknown {
				continue
			}
			if known == nil {
				known = a
			} else if !sameType(known, a) {
				known = nil
				break
			}
		}
		if known != nil {
			var win *candidate
			n := 0
			for _, c := range cands {
				ok := true
				for i := range in {
					if !matchArg(known, c.args[i]) {
						ok = false
						break
					}
				}
				if ok {
					n++
					win = c
				}
			}
			if n == 1 {
				return win, nil
			}
		}
	}
	return nil, cands
}

func hasPoly(params []*types.T) bool {
	for _, p := range params {
		if isPseudo(p) {
			return true
		}
	}
	return false
}

// finalArgs returns the concrete types the arguments are cast to.
func finalArgs(c *candidate, in []*types.T) []*types.T {
	if hasPoly(c.args) {
		return resolvePoly(in, c.args)
	}
	out := make([]*types.T, len(c.args))
	for i, p := range c.args {
		// Keep the input's typmod when no cast is needed (varchar(10) stays).
		if sameType(in[i], p) {
			out[i] = in[i]
		} else {
			out[i] = p
		}
	}
	return out
}

// typeListString formats argument types as PostgreSQL's error messages do.
func typeListString(in []*types.T) string {
	var sb strings.Builder
	for i, t := range in {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(typeName(t))
	}
	return sb.String()
}

func typeName(t *types.T) string {
	if t == nil {
		return "unknown"
	}
	if t.Typmod >= 0 {
		t = t.WithTypmod(-1)
	}
	return t.SQLString()
}

// ResolveFunc picks the overload of name for the argument types. It
// returns the function, the chosen overload and the types each argument
// must be cast to (unknown literals get the parameter's type).
func (r *Registry) ResolveFunc(name string, argTypes []*types.T) (*Func, *Overload, []*types.T, error) {
	f := r.Lookup(name)
	in := normTypes(argTypes)
	if f == nil {
		return nil, nil, nil, noFunc(name, in)
	}
	win, amb := selectCandidate(f.Overloads, in)
	if win == nil {
		if len(amb) > 1 {
			return nil, nil, nil, pgerr.New(pgerr.AmbiguousFunction, "function %s(%s) is not unique", f.Name, typeListString(in)).
				WithHint("Could not choose a best candidate function. You might need to add explicit type casts.")
		}
		return nil, nil, nil, noFunc(f.Name, in)
	}
	args := finalArgs(win, in)
	if win.ov.bind == nil && win.ov.RetFn == nil {
		return f, win.ov, args, nil
	}
	return f, concrete(win.ov, args), args, nil
}

func noFunc(name string, in []*types.T) error {
	return pgerr.New(pgerr.UndefinedFunction, "function %s(%s) does not exist", strings.ToLower(name), typeListString(in)).
		WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
}

func normTypes(in []*types.T) []*types.T {
	out := make([]*types.T, len(in))
	for i, t := range in {
		if t == nil {
			t = types.Unknown
		}
		out[i] = t
	}
	return out
}

// ResolveBinaryOp resolves l op r. The returned overload is a copy whose
// Args are the concrete operand types and Ret the concrete result type.
func (r *Registry) ResolveBinaryOp(op string, l, rt *types.T) (*Overload, error) {
	in := normTypes([]*types.T{l, rt})
	ovs := r.binOps[op]
	// binary_oper_exact: an unknown operand is assumed to have the other's type.
	if (in[0].Oid == types.OidUnknown) != (in[1].Oid == types.OidUnknown) {
		k := in[0]
		if k.Oid == types.OidUnknown {
			k = in[1]
		}
		for _, ov := range ovs {
			if len(ov.Args) == 2 && sameType(k, ov.Args[0]) && sameType(k, ov.Args[1]) {
				return concrete(ov, []*types.T{ov.Args[0], ov.Args[1]}), nil
			}
		}
	}
	win, amb := selectCandidate(ovs, in)
	if win == nil {
		if len(amb) > 1 {
			return nil, pgerr.New(pgerr.AmbiguousFunction, "operator is not unique: %s %s %s", typeName(in[0]), op, typeName(in[1])).
				WithHint("Could not choose a best candidate operator. You might need to add explicit type casts.")
		}
		return nil, pgerr.New(pgerr.UndefinedFunction, "operator does not exist: %s %s %s", typeName(in[0]), op, typeName(in[1])).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	}
	return concrete(win.ov, finalArgs(win, in)), nil
}

// ResolveUnaryOp resolves a prefix operator.
func (r *Registry) ResolveUnaryOp(op string, t *types.T) (*Overload, error) {
	in := normTypes([]*types.T{t})
	win, amb := selectCandidate(r.unOps[op], in)
	if win == nil {
		if len(amb) > 1 {
			return nil, pgerr.New(pgerr.AmbiguousFunction, "operator is not unique: %s %s", op, typeName(in[0])).
				WithHint("Could not choose a best candidate operator. You might need to add explicit type casts.")
		}
		return nil, pgerr.New(pgerr.UndefinedFunction, "operator does not exist: %s %s", op, typeName(in[0])).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	}
	return concrete(win.ov, finalArgs(win, in)), nil
}

func concrete(ov *Overload, args []*types.T) *Overload {
	c := *ov
	c.Args = args
	c.Ret = ov.ReturnType(args)
	c.RetFn = nil
	c.Variadic = false
	if ov.bind != nil {
		c.Fn = ov.bind(args)
	}
	return &c
}
