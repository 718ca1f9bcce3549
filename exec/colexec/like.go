package colexec

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/types"
)

// likePred is col [NOT] LIKE 'pattern' for patterns built of literal
// text and % only (TPC-H's '%green%', 'forest%', 'PROMO%'): the pattern
// splits at each % into pieces that must appear in order, the first at
// the start unless the pattern starts with %, the last at the end
// unless it ends with %. Without _ or the escape character this is
// exactly LIKE's byte-wise matching, so the row engine agrees; other
// patterns are not vectorized.
type likePred struct {
	col         int
	pieces      []string
	anchorStart bool
	anchorEnd   bool
	not         bool
}

// like compiles e when it is text ~~ constant (or !~~) over a text or
// varchar column, optionally cast to unbounded text or varchar (a
// no-op for those; bpchar's cast strips padding, so it is not taken).
func (c *compiler) like(x *planner.CallExpr) (pred, bool) {
	if (x.Name != "~~" && x.Name != "!~~") || len(x.Args) != 2 {
		return nil, false
	}
	arg := x.Args[0]
	if ce, ok := arg.(*planner.CastExpr); ok {
		if !plainString(ce.Typ) || ce.Typ.Typmod >= 0 {
			return nil, false
		}
		arg = ce.Arg
	}
	col, ok := c.colRef(arg)
	if !ok || c.specs[col].k != kString || !plainString(c.specs[col].t) {
		return nil, false
	}
	k, ok := x.Args[1].(*planner.Const)
	if !ok {
		return nil, false
	}
	pat, ok := k.Val.(types.DString)
	if !ok || strings.ContainsAny(string(pat), `_\`) {
		return nil, false
	}
	p := string(pat)
	return &likePred{
		col:    col,
		pieces: strings.Split(p, "%"),
		not:    x.Name == "!~~",
	}, true
}

// plainString: text or varchar, whose values pass unchanged to text.
func plainString(t *types.T) bool {
	return t.Oid == types.OidText || t.Oid == types.OidVarchar
}

func (p *likePred) match(s string) bool {
	n := len(p.pieces)
	if n == 1 { // no %: equality
		return s == p.pieces[0]
	}
	first, last := p.pieces[0], p.pieces[n-1]
	if !strings.HasPrefix(s, first) {
		return false
	}
	s = s[len(first):]
	if len(s) < len(last) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[:len(s)-len(last)]
	for _, m := range p.pieces[1 : n-1] {
		i := strings.Index(s, m)
		if i < 0 {
			return false
		}
		s = s[i+len(m):]
	}
	return true
}

func (p *likePred) eval(_ *Env, b *Batch, out []uint8) error {
	a := b.Rec.Column(p.col).(*array.String)
	hit, miss := tTrue, tFalse
	if p.not {
		hit, miss = tFalse, tTrue
	}
	for i := range out {
		if p.match(a.Value(i)) {
			out[i] = hit
		} else {
			out[i] = miss
		}
	}
	applyNulls(a, out)
	return nil
}
