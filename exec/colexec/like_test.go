package colexec

import (
	"strings"
	"testing"

	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/types"
)

func TestLikeMatch(t *testing.T) {
	for _, tc := range []struct {
		pat, s string
		want   bool
	}{
		{"%green%", "dark green olive", true},
		{"%green%", "greens", true},
		{"%green%", "gree n", false},
		{"forest%", "forest green", true},
		{"forest%", "a forest", false},
		{"%ly", "quickly", true},
		{"%ly", "lyre", false},
		{"a%a", "a", false},
		{"a%a", "aa", true},
		{"a%b%c", "axxbyyc", true},
		{"a%b%c", "axxcyyb", false},
		{"%", "", true},
		{"", "", true},
		{"abc", "abc", true},
		{"abc", "abcd", false},
		{"%Customer%Complaints%", "xx Customer yy Complaints zz", true},
		{"%Customer%Complaints%", "Complaints Customer", false},
	} {
		p := &likePred{pieces: strings.Split(tc.pat, "%")}
		if got := p.match(tc.s); got != tc.want {
			t.Errorf("%q LIKE %q = %v, want %v", tc.s, tc.pat, got, tc.want)
		}
	}
}

// TestLikeCompile: only % patterns over text/varchar vectorize.
func TestLikeCompile(t *testing.T) {
	c := &compiler{specs: []colSpec{specFor(types.Text, true), specFor(types.BPChar, true)}}
	like := func(col int, typ *types.T, pat string) *planner.CallExpr {
		return &planner.CallExpr{Name: "~~", Typ: types.Bool, Args: []planner.Expr{
			&planner.ColRef{Idx: col, Typ: typ}, &planner.Const{Val: types.DString(pat), Typ: types.Text}}}
	}
	for _, tc := range []struct {
		e    *planner.CallExpr
		want bool
	}{
		{like(0, types.Text, "%green%"), true},
		{like(0, types.Text, "gr_en"), false},
		{like(0, types.Text, `a\%`), false},
		{like(1, types.BPChar, "a%"), false},
	} {
		if _, ok := c.like(tc.e); ok != tc.want {
			t.Errorf("%v: compiled = %v, want %v", tc.e.Args[1], ok, tc.want)
		}
	}
}
