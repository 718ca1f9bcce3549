package builtins

import (
	"strings"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// registerIdentFuncs adds parse_ident, which Grafana's table browser
// uses to split a user-typed "schema.table".
func registerIdentFuncs(r *Registry) {
	fn := func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		strict := true
		if len(a) > 1 {
			strict = bool(a[1].(types.DBool))
		}
		parts, err := parseIdent(text(a[0]), strict)
		if err != nil {
			return nil, err
		}
		el := make([]types.Datum, len(parts))
		for i, p := range parts {
			el[i] = types.DString(p)
		}
		return &types.DArray{Elem: types.Text, Elems: el}, nil
	}
	// The planner fills defaults only for named arguments, so the
	// one-argument form is its own overload.
	r.scalar("parse_ident", &Overload{Args: []*types.T{types.Text}, Ret: types.ArrayOf(types.Text), Fn: fn, Volatility: Immutable},
		&Overload{Oid: 1268, Args: []*types.T{types.Text, types.Bool}, Ret: types.ArrayOf(types.Text),
			Fn: fn, Volatility: Immutable, ArgNames: []string{"str", "strict"}, ArgDefaults: []types.Datum{nil, types.DBool(true)}})
}

// parseIdent follows PostgreSQL's parse_ident (varlena.c): dot-separated
// identifiers, double-quoted ones kept verbatim ("" is a quote), unquoted
// ones folded to lower case. Without strict, trailing text after the last
// identifier is ignored.
func parseIdent(s string, strict bool) ([]string, error) {
	bad := func(detail string) error {
		e := pgerr.New(pgerr.InvalidParameterValue, "string is not a valid identifier: \"%s\"", s)
		if detail != "" {
			e = e.WithDetail("%s", detail)
		}
		return e
	}
	var parts []string
	i := 0
	skipSpace := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\f' || s[i] == '\v') {
			i++
		}
	}
	skipSpace()
	for {
		if i < len(s) && s[i] == '"' {
			var b strings.Builder
			i++
			for {
				if i >= len(s) {
					return nil, bad("String has unclosed double quotes.")
				}
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						b.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if b.Len() == 0 {
				return nil, bad("Quoted identifier must not be empty.")
			}
			parts = append(parts, b.String())
		} else {
			start := i
			for i < len(s) && isIdentChar(s[i], i == start) {
				i++
			}
			if i == start {
				if len(parts) == 0 || (i < len(s) && s[i] == '.') {
					return nil, bad("No valid identifier before \".\".")
				}
				return nil, bad("No valid identifier after \".\".")
			}
			parts = append(parts, asciiLower(s[start:i]))
		}
		skipSpace()
		if i < len(s) && s[i] == '.' {
			i++
			skipSpace()
			continue
		}
		break
	}
	if i < len(s) && strict {
		return nil, bad("")
	}
	return parts, nil
}

// isIdentChar is scan.l's ident_start / ident_cont (bytes >= 0x80 count
// as letters, so UTF-8 identifiers pass).
func isIdentChar(c byte, first bool) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_', c >= 0x80:
		return true
	case c >= '0' && c <= '9', c == '$':
		return !first
	}
	return false
}
