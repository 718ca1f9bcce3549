package builtins

import (
	"strings"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

var cmpOps = []struct {
	op string
	ok func(c int) bool
}{
	{"=", func(c int) bool { return c == 0 }},
	{"<>", func(c int) bool { return c != 0 }},
	{"<", func(c int) bool { return c < 0 }},
	{"<=", func(c int) bool { return c <= 0 }},
	{">", func(c int) bool { return c > 0 }},
	{">=", func(c int) bool { return c >= 0 }},
}

// comparableTypes get the six comparison operators on (t, t).
var comparableTypes = []*types.T{
	types.Bool, types.Float4, types.Float8, types.Numeric, types.Text, types.BPChar, types.Name,
	types.QChar, types.Bytea, types.Date, types.Time, types.Timestamp, types.TimestampTZ,
	types.Interval, types.UUID, types.JSONB, types.Oid, types.Record, AnyArray,
}

func cmpOverload(l, r *types.T, ok func(int) bool) *Overload {
	ov := &Overload{Args: args2(l, r), Ret: types.Bool}
	if l == AnyArray || l == types.Record {
		ov.bind = func(at []*types.T) evalFn {
			t := at[0]
			return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
				return types.DBool(ok(compareDatum(a[0], a[1], t))), nil
			}
		}
	}
	t := l
	ov.Fn = func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.DBool(ok(compareDatum(a[0], a[1], t))), nil
	}
	return ov
}

func registerComparisons(r *Registry) {
	for _, c := range cmpOps {
		for _, l := range intTypes {
			for _, rt := range intTypes {
				r.binOp(c.op, cmpOverload(l, rt, c.ok))
			}
		}
		for _, t := range comparableTypes {
			r.binOp(c.op, cmpOverload(t, t, c.ok))
		}
		r.binOp(c.op, cmpOverload(types.Float4, types.Float8, c.ok))
		r.binOp(c.op, cmpOverload(types.Float8, types.Float4, c.ok))
		r.binOp(c.op, cmpOverload(types.Name, types.Text, c.ok))
		r.binOp(c.op, cmpOverload(types.Text, types.Name, c.ok))
	}
}

// CompareDatums orders two values of type t like PostgreSQL's default
// btree operator class (NULLs last). Exposed for ORDER BY and min/max.
func CompareDatums(a, b types.Datum, t *types.T) int { return compareDatum(a, b, t) }

func registerStringOps(r *Registry) {
	r.binOp("||", &Overload{Args: args2(types.Text, types.Text), Ret: types.Text, Oid: 1258, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.DString(string(a[0].(types.DString)) + string(a[1].(types.DString))), nil
	}})
	r.binOp("||", &Overload{Args: args2(AnyNonArray, types.Text), Ret: types.Text, Oid: 2004, Volatility: Stable,
		bind: func(at []*types.T) evalFn {
			t := at[0]
			return func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
				return types.DString(types.FormatText(a[0], t, ctx.typesCtx()) + string(a[1].(types.DString))), nil
			}
		}})
	r.binOp("||", &Overload{Args: args2(types.Text, AnyNonArray), Ret: types.Text, Oid: 2003, Volatility: Stable,
		bind: func(at []*types.T) evalFn {
			t := at[1]
			return func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
				return types.DString(string(a[0].(types.DString)) + types.FormatText(a[1], t, ctx.typesCtx())), nil
			}
		}})
	r.binOp("||", &Overload{Args: args2(types.Bytea, types.Bytea), Ret: types.Bytea, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return a[0].(types.DBytes) + a[1].(types.DBytes), nil
	}})
	for _, t := range []*types.T{types.Text, types.BPChar, types.Name} {
		t := t
		like := func(op string, ci, neg bool) {
			r.binOp(op, &Overload{Args: args2(t, types.Text), Ret: types.Bool, Fn: func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
				s := string(a[0].(types.DString))
				if t.Oid == types.OidBPChar {
					s = strings.TrimRight(s, " ")
				}
				m, err := likeMatch(s, string(a[1].(types.DString)), ci)
				if err != nil {
					return nil, err
				}
				return types.DBool(m != neg), nil
			}})
		}
		like("~~", false, false)
		like("!~~", false, true)
		like("~~*", true, false)
		like("!~~*", true, true)
		re := func(op string, ci, neg bool) {
			r.binOp(op, &Overload{Args: args2(t, types.Text), Ret: types.Bool, Fn: func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
				s := string(a[0].(types.DString))
				if t.Oid == types.OidBPChar {
					s = strings.TrimRight(s, " ")
				}
				flags := ""
				if ci {
					flags = "i"
				}
				rx, err := ctx.regexp(string(a[1].(types.DString)), flags)
				if err != nil {
					return nil, err
				}
				return types.DBool(rx.MatchString(s) != neg), nil
			}})
		}
		re("~", false, false)
		re("!~", false, true)
		re("~*", true, false)
		re("!~*", true, true)
	}
	r.binOp("~~", &Overload{Args: args2(types.Bytea, types.Bytea), Ret: types.Bool, Fn: func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
		m, err := likeMatchBytes(string(a[0].(types.DBytes)), string(a[1].(types.DBytes)))
		return types.DBool(m), err
	}})
	r.binOp("!~~", &Overload{Args: args2(types.Bytea, types.Bytea), Ret: types.Bool, Fn: func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
		m, err := likeMatchBytes(string(a[0].(types.DBytes)), string(a[1].(types.DBytes)))
		return types.DBool(!m), err
	}})
	r.binOp("^@", &Overload{Args: args2(types.Text, types.Text), Ret: types.Bool, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.DBool(strings.HasPrefix(string(a[0].(types.DString)), string(a[1].(types.DString)))), nil
	}})
}

// likeMatch implements LIKE with backslash as the escape character (the
// planner rewrites ESCAPE 'x' through like_escape). ci folds ASCII case,
// as PostgreSQL does under the C collation.
func likeMatch(s, p string, ci bool) (bool, error) {
	if ci {
		s, p = asciiLower(s), asciiLower(p)
	}
	sr, pr := []rune(s), []rune(p)
	return likeRunes(sr, pr)
}

func likeMatchBytes(s, p string) (bool, error) {
	sr := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		sr[i] = rune(s[i])
	}
	pr := make([]rune, len(p))
	for i := 0; i < len(p); i++ {
		pr[i] = rune(p[i])
	}
	return likeRunes(sr, pr)
}

func errLikeEscape() error {
	return pgerr.New(pgerr.InvalidEscapeSequence, "LIKE pattern must not end with escape character")
}

// likeRunes is PostgreSQL's MatchText: % backtracks, _ matches one char.
func likeRunes(s, p []rune) (bool, error) {
	r, err := likeRec(s, p)
	return r == likeTrue, err
}

const (
	likeFalse = iota
	likeTrue
	likeAbort
)

func likeRec(s, p []rune) (int, error) {
	for len(p) > 0 {
		switch p[0] {
		case '\\':
			if len(p) < 2 {
				return likeFalse, errLikeEscape()
			}
			if len(s) == 0 || s[0] != p[1] {
				return likeFalse, nil
			}
			s, p = s[1:], p[2:]
			continue
		case '%':
			for len(p) > 0 && (p[0] == '%' || p[0] == '_') {
				if p[0] == '_' {
					if len(s) == 0 {
						return likeAbort, nil
					}
					s = s[1:]
				}
				p = p[1:]
			}
			if len(p) == 0 {
				return likeTrue, nil
			}
			var first rune = -1
			if p[0] == '\\' {
				if len(p) < 2 {
					return likeFalse, errLikeEscape()
				}
				first = p[1]
			} else {
				first = p[0]
			}
			for len(s) > 0 {
				if s[0] == first {
					m, err := likeRec(s, p)
					if err != nil || m != likeFalse {
						return m, err
					}
				}
				s = s[1:]
			}
			return likeAbort, nil
		case '_':
			if len(s) == 0 {
				return likeAbort, nil
			}
		default:
			if len(s) == 0 {
				return likeAbort, nil
			}
			if s[0] != p[0] {
				return likeFalse, nil
			}
		}
		s, p = s[1:], p[1:]
	}
	if len(s) == 0 {
		return likeTrue, nil
	}
	return likeFalse, nil
}

func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func asciiUpper(s string) string {
	b := []byte(s)
	for j := range b {
		if b[j] >= 'a' && b[j] <= 'z' {
			b[j] -= 'a' - 'A'
		}
	}
	return string(b)
}

// likeEscape rewrites a pattern with a custom escape character into the
// backslash form likeMatch understands (PostgreSQL's like_escape).
func likeEscape(p, esc string) (string, error) {
	er := []rune(esc)
	if len(er) > 1 {
		return "", pgerr.New(pgerr.InvalidEscapeSequence, "invalid escape string").
			WithHint("Escape string must be empty or one character.")
	}
	var sb strings.Builder
	pr := []rune(p)
	if len(er) == 0 {
		// No escape character: backslashes are literal.
		for _, c := range pr {
			if c == '\\' {
				sb.WriteString(`\\`)
			} else {
				sb.WriteRune(c)
			}
		}
		return sb.String(), nil
	}
	e := er[0]
	if e == '\\' {
		return p, nil
	}
	for i := 0; i < len(pr); i++ {
		c := pr[i]
		switch {
		case c == e:
			if i+1 >= len(pr) {
				return "", errLikeEscape()
			}
			i++
			sb.WriteByte('\\')
			sb.WriteRune(pr[i])
		case c == '\\':
			sb.WriteString(`\\`)
		default:
			sb.WriteRune(c)
		}
	}
	return sb.String(), nil
}
