package builtins

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

func registerMiscFuncs(r *Registry) {
	r.scalar("gen_random_uuid", &Overload{Oid: 3432, Args: []*types.T{}, Ret: types.UUID, Volatility: Volatile,
		Fn: func(_ *EvalContext, _ []types.Datum) (types.Datum, error) {
			var u types.DUUID
			_, _ = rand.Read(u[:])
			u[6] = u[6]&0x0f | 0x40
			u[8] = u[8]&0x3f | 0x80
			return u, nil
		}})
	// pg_typeof takes "any" and reports the resolved argument type; it is
	// CalledOnNull so pg_typeof(NULL) works. Resolve it through
	// ResolveFunc so Fn is bound to the argument type.
	r.scalar("pg_typeof", &Overload{Oid: 1619, Args: args1(Any), Ret: types.Regtype, CalledOnNull: true, Volatility: Stable,
		bind: func(at []*types.T) evalFn {
			oid := at[0].Oid
			if oid == 0 {
				oid = types.OidUnknown
			}
			return func(_ *EvalContext, _ []types.Datum) (types.Datum, error) { return types.DInt(oid), nil }
		}})
}

func encodeFn(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	b := []byte(a[0].(types.DBytes))
	switch strings.ToLower(text(a[1])) {
	case "hex":
		return types.DString(hex.EncodeToString(b)), nil
	case "base64":
		s := base64.StdEncoding.EncodeToString(b)
		// PostgreSQL wraps base64 output at 76 characters.
		var sb strings.Builder
		for len(s) > 76 {
			sb.WriteString(s[:76])
			sb.WriteByte('\n')
			s = s[76:]
		}
		sb.WriteString(s)
		return types.DString(sb.String()), nil
	case "escape":
		var sb strings.Builder
		for _, c := range b {
			switch {
			case c == '\\':
				sb.WriteString(`\\`)
			case c == 0 || c >= 0x80:
				sb.WriteByte('\\')
				sb.WriteByte('0' + c>>6)
				sb.WriteByte('0' + c>>3&7)
				sb.WriteByte('0' + c&7)
			default:
				sb.WriteByte(c)
			}
		}
		return types.DString(sb.String()), nil
	}
	return nil, pgerr.New(pgerr.InvalidParameterValue, "unrecognized encoding: \"%s\"", text(a[1]))
}

func decodeFn(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	s := text(a[0])
	switch strings.ToLower(text(a[1])) {
	case "hex":
		s = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\n' || r == '\t' || r == '\r' {
				return -1
			}
			return r
		}, s)
		if len(s)%2 != 0 {
			return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid hexadecimal data: odd number of digits")
		}
		b, err := hex.DecodeString(s)
		if err != nil {
			return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid hexadecimal digit")
		}
		return types.DBytes(b), nil
	case "base64":
		s = strings.Map(func(r rune) rune {
			if r == ' ' || r == '\n' || r == '\t' || r == '\r' {
				return -1
			}
			return r
		}, s)
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
			if err != nil {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid base64 end sequence").
					WithHint("Input data is missing padding, is truncated, or is otherwise corrupted.")
			}
		}
		return types.DBytes(b), nil
	case "escape":
		var out []byte
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c != '\\' {
				out = append(out, c)
				continue
			}
			if i+1 < len(s) && s[i+1] == '\\' {
				out = append(out, '\\')
				i++
				continue
			}
			if i+3 < len(s) && isOct(s[i+1]) && isOct(s[i+2]) && isOct(s[i+3]) && s[i+1] <= '3' {
				out = append(out, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
				i += 3
				continue
			}
			return nil, pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type bytea")
		}
		return types.DBytes(out), nil
	}
	return nil, pgerr.New(pgerr.InvalidParameterValue, "unrecognized encoding: \"%s\"", text(a[1]))
}

func isOct(c byte) bool { return c >= '0' && c <= '7' }
