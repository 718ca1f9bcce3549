package builtins

import (
	"strings"
	"testing"

	"github.com/conflux-db/conflux/sql/pgerr"
)

// Expected values are PostgreSQL 15's.
func TestParseIdent(t *testing.T) {
	for _, c := range []struct {
		in     string
		strict bool
		want   string // parts joined by "|", or "ERR"
	}{
		{"bi.orders", true, "bi|orders"},
		{`a."B c".D`, true, "a|B c|d"},
		{" x . y ", true, "x|y"},
		{`"a""b"`, true, `a"b`},
		{"Événement", true, "Événement"}, // only ASCII folds
		{"a.b.c x", false, "a|b|c"},
		{"a.b.c x", true, "ERR"},
		{"a.", true, "ERR"},
		{".a", true, "ERR"},
		{`""`, true, "ERR"},
		{`"abc`, true, "ERR"},
		{"1abc", true, "ERR"},
		{"", true, "ERR"},
	} {
		parts, err := parseIdent(c.in, c.strict)
		got := strings.Join(parts, "|")
		if err != nil {
			if pgerr.Code(err) != pgerr.InvalidParameterValue {
				t.Errorf("parse_ident(%q): error %v, want 22023", c.in, err)
			}
			got = "ERR"
		}
		if got != c.want {
			t.Errorf("parse_ident(%q, %v) = %q, want %q", c.in, c.strict, got, c.want)
		}
	}
}
