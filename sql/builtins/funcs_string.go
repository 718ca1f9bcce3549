package builtins

import (
	"crypto/md5"
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

func registerStringFuncs(r *Registry) {
	T, I := types.Text, types.Int4
	str := func(f func(s string) types.Datum) evalFn {
		return func(_ *EvalContext, a []types.Datum) (types.Datum, error) { return f(text(a[0])), nil }
	}
	runeLen := str(func(s string) types.Datum { return types.DInt(utf8.RuneCountInString(s)) })
	bpLen := str(func(s string) types.Datum { return types.DInt(utf8.RuneCountInString(strings.TrimRight(s, " "))) })
	byteaLen := func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.DInt(len(a[0].(types.DBytes))), nil
	}
	r.scalar("length", ov(1317, args1(T), I, runeLen), ov(1318, args1(types.BPChar), I, bpLen), ov(2010, args1(types.Bytea), I, byteaLen))
	r.scalar("char_length", ov(1381, args1(T), I, runeLen), ov(1372, args1(types.BPChar), I, bpLen))
	r.scalar("character_length", ov(1369, args1(T), I, runeLen), ov(1367, args1(types.BPChar), I, bpLen))
	r.scalar("octet_length", ov(1374, args1(T), I, str(func(s string) types.Datum { return types.DInt(len(s)) })),
		ov(1375, args1(types.BPChar), I, str(func(s string) types.Datum { return types.DInt(len(s)) })),
		ov(720, args1(types.Bytea), I, byteaLen))
	r.scalar("bit_length", ov(1810, args1(T), I, str(func(s string) types.Datum { return types.DInt(8 * len(s)) })))
	r.scalar("lower", ov(870, args1(T), T, str(func(s string) types.Datum { return types.DString(asciiLower(s)) })))
	r.scalar("upper", ov(871, args1(T), T, str(func(s string) types.Datum { return types.DString(asciiUpper(s)) })))
	r.scalar("initcap", ov(872, args1(T), T, str(func(s string) types.Datum { return types.DString(initcap(s)) })))
	substr3 := func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return substring(text(a[0]), integer(a[1]), integer(a[2]), true)
	}
	substr2 := func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return substring(text(a[0]), integer(a[1]), 0, false)
	}
	r.scalar("substr", ov(877, args3(T, I, I), T, substr3), ov(883, args2(T, I), T, substr2))
	r.scalar("substring", ov(936, args3(T, I, I), T, substr3), ov(937, args2(T, I), T, substr2),
		ov(2073, args2(T, T), T, func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			return regexSubstring(ctx, text(a[0]), text(a[1]))
		}))
	pos := func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		s, sub := text(a[0]), text(a[1])
		i := strings.Index(s, sub)
		if i < 0 {
			return types.DInt(0), nil
		}
		return types.DInt(utf8.RuneCountInString(s[:i]) + 1), nil
	}
	r.scalar("strpos", ov(868, args2(T, T), I, pos))
	r.scalar("position", ov(849, args2(T, T), I, pos))
	r.scalar("replace", ov(2087, args3(T, T, T), T, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		if text(a[1]) == "" {
			return a[0], nil
		}
		src, from, to := text(a[0]), text(a[1]), text(a[2])
		if len(to) > len(from) && int64(len(src))+int64(strings.Count(src, from))*int64(len(to)-len(from)) > maxFieldSize {
			return nil, errTooLarge()
		}
		return types.DString(strings.ReplaceAll(src, from, to)), nil
	}))
	trim := func(left, right bool) func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			set := " "
			if len(a) > 1 {
				set = text(a[1])
			}
			s := text(a[0])
			if left {
				s = strings.TrimLeft(s, set)
			}
			if right {
				s = strings.TrimRight(s, set)
			}
			return types.DString(s), nil
		}
	}
	r.scalar("btrim", ov(884, args2(T, T), T, trim(true, true)), ov(885, args1(T), T, trim(true, true)),
		ov(2015, args2(types.Bytea, types.Bytea), types.Bytea, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			return types.DBytes(strings.Trim(string(a[0].(types.DBytes)), string(a[1].(types.DBytes)))), nil
		}))
	r.scalar("ltrim", ov(875, args2(T, T), T, trim(true, false)), ov(881, args1(T), T, trim(true, false)))
	r.scalar("rtrim", ov(876, args2(T, T), T, trim(false, true)), ov(882, args1(T), T, trim(false, true)))
	pad := func(left bool) evalFn {
		return func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			fill := " "
			if len(a) > 2 {
				fill = text(a[2])
			}
			p, err := padString(text(a[0]), integer(a[1]), fill, left)
			if err != nil {
				return nil, err
			}
			return types.DString(p), nil
		}
	}
	r.scalar("lpad", ov(873, args3(T, I, T), T, pad(true)), ov(879, args2(T, I), T, pad(true)))
	r.scalar("rpad", ov(874, args3(T, I, T), T, pad(false)), ov(880, args2(T, I), T, pad(false)))
	r.scalar("left", ov(3060, args2(T, I), T, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		rs := []rune(text(a[0]))
		n := integer(a[1])
		if n < 0 {
			n = max(int64(len(rs))+n, 0)
		}
		return types.DString(string(rs[:min(n, int64(len(rs)))])), nil
	}))
	r.scalar("right", ov(3061, args2(T, I), T, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		rs := []rune(text(a[0]))
		n := integer(a[1])
		if n < 0 {
			n = max(int64(len(rs))+n, 0)
		}
		n = min(n, int64(len(rs)))
		return types.DString(string(rs[int64(len(rs))-n:])), nil
	}))
	r.scalar("repeat", ov(1622, args2(T, I), T, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		n := integer(a[1])
		s := text(a[0])
		if n <= 0 || s == "" {
			return types.DString(""), nil
		}
		if int64(len(s))*n > maxFieldSize {
			return nil, errTooLarge()
		}
		return types.DString(strings.Repeat(s, int(n))), nil
	}))
	r.scalar("reverse", ov(3062, args1(T), T, str(func(s string) types.Datum {
		rs := []rune(s)
		for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
			rs[i], rs[j] = rs[j], rs[i]
		}
		return types.DString(string(rs))
	})))
	r.scalar("split_part", ov(2088, args3(T, T, I), T, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		s, d, n := text(a[0]), text(a[1]), integer(a[2])
		if n == 0 {
			return nil, pgerr.New(pgerr.InvalidParameterValue, "field position must not be zero")
		}
		var parts []string
		if d == "" {
			parts = []string{s}
			if s == "" {
				parts = nil
			}
		} else {
			parts = strings.Split(s, d)
		}
		if n < 0 {
			n += int64(len(parts)) + 1
		}
		if n < 1 || n > int64(len(parts)) {
			return types.DString(""), nil
		}
		return types.DString(parts[n-1]), nil
	}))
	r.scalar("concat", &Overload{Oid: 3058, Args: args1(Any), Variadic: true, Ret: T, CalledOnNull: true, Volatility: Stable,
		bind: func(at []*types.T) evalFn {
			return func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
				var buf []byte
				for i, d := range a {
					if d != types.DNull {
						buf = types.AppendText(buf, d, at[i], ctx.typesCtx())
					}
				}
				return types.DString(buf), nil
			}
		}})
	r.scalar("concat_ws", &Overload{Oid: 3059, Args: args2(T, Any), Variadic: true, Ret: T, CalledOnNull: true, Volatility: Stable,
		bind: func(at []*types.T) evalFn {
			return func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
				if a[0] == types.DNull {
					return types.DNull, nil
				}
				sep := text(a[0])
				var buf []byte
				first := true
				for i := 1; i < len(a); i++ {
					if a[i] == types.DNull {
						continue
					}
					if !first {
						buf = append(buf, sep...)
					}
					first = false
					buf = types.AppendText(buf, a[i], at[i], ctx.typesCtx())
				}
				return types.DString(buf), nil
			}
		}})
	r.scalar("md5", ov(2311, args1(T), T, str(func(s string) types.Datum {
		h := md5.Sum([]byte(s))
		return types.DString(hex.EncodeToString(h[:]))
	})), ov(2321, args1(types.Bytea), T, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		h := md5.Sum([]byte(a[0].(types.DBytes)))
		return types.DString(hex.EncodeToString(h[:])), nil
	}))
	r.scalar("chr", ov(1621, args1(I), T, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		c := integer(a[0])
		switch {
		case c == 0:
			return nil, pgerr.New(pgerr.ProgramLimitExceeded, "null character not permitted")
		case c < 0:
			return nil, pgerr.New(pgerr.ProgramLimitExceeded, "character number must be positive")
		case c > 0x10FFFF:
			return nil, pgerr.New(pgerr.ProgramLimitExceeded, "requested character too large for encoding: %d", c)
		case c >= 0xD800 && c <= 0xDFFF:
			return nil, pgerr.New(pgerr.ProgramLimitExceeded, "requested character not valid for encoding: %d", c)
		}
		return types.DString(string(rune(c))), nil
	}))
	r.scalar("ascii", ov(1620, args1(T), I, str(func(s string) types.Datum {
		if s == "" {
			return types.DInt(0)
		}
		c, _ := utf8.DecodeRuneInString(s)
		return types.DInt(c)
	})))
	r.scalar("to_hex", ov(2089, args1(I), T, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.DString(strconv.FormatUint(uint64(uint32(integer(a[0]))), 16)), nil
	}), ov(2090, args1(types.Int8), T, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.DString(strconv.FormatUint(uint64(integer(a[0])), 16)), nil
	}))
	r.scalar("format",
		&Overload{Oid: 3540, Args: args1(T), Ret: T, Volatility: Stable, bind: func(at []*types.T) evalFn {
			return func(ctx *EvalContext, a []types.Datum) (types.Datum, error) { return formatFn(ctx, a, at) }
		}},
		&Overload{Oid: 3539, Args: args2(T, Any), Variadic: true, Ret: T, CalledOnNull: true, Volatility: Stable, bind: func(at []*types.T) evalFn {
			return func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
				if a[0] == types.DNull {
					return types.DNull, nil
				}
				return formatFn(ctx, a, at)
			}
		}})
	r.scalar("quote_ident", ov(1282, args1(T), T, str(func(s string) types.Datum { return types.DString(QuoteIdent(s)) })))
	r.scalar("quote_literal", ov(1283, args1(T), T, str(func(s string) types.Datum { return types.DString(quoteLiteral(s)) })),
		&Overload{Oid: 1285, Args: args1(AnyNonArray), Ret: T, Volatility: Stable, bind: func(at []*types.T) evalFn {
			return func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
				return types.DString(quoteLiteral(types.FormatText(a[0], at[0], ctx.typesCtx()))), nil
			}
		}})
	r.scalar("quote_nullable", &Overload{Oid: 1289, Args: args1(T), Ret: T, CalledOnNull: true, Fn: func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		if a[0] == types.DNull {
			return types.DString("NULL"), nil
		}
		return types.DString(quoteLiteral(text(a[0]))), nil
	}}, &Overload{Oid: 1290, Args: args1(AnyNonArray), Ret: T, CalledOnNull: true, Volatility: Stable, bind: func(at []*types.T) evalFn {
		return func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			if a[0] == types.DNull {
				return types.DString("NULL"), nil
			}
			return types.DString(quoteLiteral(types.FormatText(a[0], at[0], ctx.typesCtx()))), nil
		}
	}})
	r.scalar("regexp_replace",
		ov(2284, args3(T, T, T), T, func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			return regexpReplace(ctx, text(a[0]), text(a[1]), text(a[2]), "")
		}),
		ov(2285, argsN(T, T, T, T), T, func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			return regexpReplace(ctx, text(a[0]), text(a[1]), text(a[2]), text(a[3]))
		}))
	textArr := types.ArrayOf(T)
	r.scalar("regexp_match",
		ov(3396, args2(T, T), textArr, func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			return regexpMatch(ctx, text(a[0]), text(a[1]), "")
		}),
		ov(3397, args3(T, T, T), textArr, func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			if strings.Contains(text(a[2]), "g") {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "regexp_match() does not support the \"global\" option").
					WithHint("Use the regexp_matches function instead.")
			}
			return regexpMatch(ctx, text(a[0]), text(a[1]), text(a[2]))
		}))
	r.scalar("starts_with", ov(3696, args2(T, T), types.Bool, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		return types.DBool(strings.HasPrefix(text(a[0]), text(a[1]))), nil
	}))
	r.scalar("like_escape", ov(1637, args2(T, T), T, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		s, err := likeEscape(text(a[0]), text(a[1]))
		if err != nil {
			return nil, err
		}
		return types.DString(s), nil
	}))
	// similar_to_escape is what the grammar wraps a SIMILAR TO pattern in
	// (PostgreSQL 15); the translated pattern is then matched with ~.
	r.scalar("similar_to_escape",
		ov(1986, args1(T), T, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			s, err := similarToEscape(text(a[0]), "\\")
			return types.DString(s), err
		}),
		ov(1987, args2(T, T), T, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
			s, err := similarToEscape(text(a[0]), text(a[1]))
			return types.DString(s), err
		}))
	r.scalar("string_to_array",
		&Overload{Oid: 376, Args: args2(T, T), Ret: textArr, CalledOnNull: true, Fn: stringToArray},
		&Overload{Oid: 394, Args: args3(T, T, T), Ret: textArr, CalledOnNull: true, Fn: stringToArray})
	r.scalar("array_to_string",
		&Overload{Oid: 395, Args: args2(AnyArray, T), Ret: T, Volatility: Stable, Fn: arrayToString},
		&Overload{Oid: 384, Args: args3(AnyArray, T, T), Ret: T, CalledOnNull: true, Volatility: Stable, Fn: func(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
			if a[0] == types.DNull || a[1] == types.DNull {
				return types.DNull, nil
			}
			return arrayToString(ctx, a)
		}})
	r.scalar("translate", ov(878, args3(T, T, T), T, func(_ *EvalContext, a []types.Datum) (types.Datum, error) {
		from, to := []rune(text(a[1])), []rune(text(a[2]))
		var sb strings.Builder
		for _, c := range text(a[0]) {
			i := -1
			for j, f := range from {
				if f == c {
					i = j
					break
				}
			}
			switch {
			case i < 0:
				sb.WriteRune(c)
			case i < len(to):
				sb.WriteRune(to[i])
			}
		}
		return types.DString(sb.String()), nil
	}))
	r.scalar("encode", ov(1946, args2(types.Bytea, T), T, encodeFn))
	r.scalar("decode", ov(1947, args2(T, T), types.Bytea, decodeFn))
}

func initcap(s string) string {
	b := []byte(s)
	inWord := false
	for i, c := range b {
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
		if alnum {
			if inWord {
				if c >= 'A' && c <= 'Z' {
					b[i] = c + 32
				}
			} else if c >= 'a' && c <= 'z' {
				b[i] = c - 32
			}
		}
		inWord = alnum
	}
	return string(b)
}

// substring is text_substr: start is 1-based and may be < 1.
func substring(s string, start, count int64, hasCount bool) (types.Datum, error) {
	if hasCount && count < 0 {
		return nil, pgerr.New("22011", "negative substring length not allowed")
	}
	rs := []rune(s)
	end := int64(len(rs)) + 1
	if hasCount {
		if start > 0 && count > (1<<62) || start+count < start {
			end = int64(len(rs)) + 1
		} else {
			end = min(start+count, end)
		}
	}
	if start < 1 {
		start = 1
	}
	if start > int64(len(rs)) || end <= start {
		return types.DString(""), nil
	}
	return types.DString(string(rs[start-1 : end-1])), nil
}

// padString implements lpad/rpad. It sizes the result in bytes first
// and builds it in place: a client-chosen length must neither pass
// PostgreSQL's 1 GB value limit nor cost several times the result's size
// in intermediate rune slices.
func padString(s string, n int64, fill string, left bool) (string, error) {
	if n <= 0 {
		return "", nil
	}
	if n > maxFieldSize {
		return "", errTooLarge()
	}
	sLen := int64(utf8.RuneCountInString(s))
	if sLen >= n || fill == "" {
		if sLen > n {
			cut, k := 0, int64(0)
			for cut = range s {
				if k == n {
					break
				}
				k++
			}
			s = s[:cut]
		}
		return s, nil
	}
	padLen := n - sLen
	fillLen := int64(utf8.RuneCountInString(fill))
	whole, rest := padLen/fillLen, padLen%fillLen
	restBytes, k := 0, int64(0)
	for i := range fill {
		if k == rest {
			restBytes = i
			break
		}
		k++
	}
	size := int64(len(s)) + whole*int64(len(fill)) + int64(restBytes)
	if size > maxFieldSize {
		return "", errTooLarge()
	}
	buf := make([]byte, size)
	padArea := buf[:size-int64(len(s))]
	if left {
		copy(buf[len(padArea):], s)
	} else {
		copy(buf, s)
		padArea = buf[len(s):]
	}
	// The padding is fill repeated and cut at padArea's end: fill it by
	// doubling copies (a per-repeat loop takes seconds for 1 GB).
	n0 := copy(padArea, fill)
	for n0 < len(padArea) {
		n0 += copy(padArea[n0:], padArea[:n0])
	}
	// buf is never written again, so it can back the string directly.
	return unsafe.String(unsafe.SliceData(buf), len(buf)), nil
}

func quoteLiteral(s string) string {
	var sb strings.Builder
	if strings.Contains(s, `\`) {
		sb.WriteByte('E')
	}
	sb.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\'' || c == '\\' {
			sb.WriteByte(c)
		}
		sb.WriteByte(c)
	}
	sb.WriteByte('\'')
	return sb.String()
}

// reservedKeywords are the keywords quote_ident must quote (every
// keyword category except unreserved).
var reservedKeywords = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`all analyse analyze and any array as asc asymmetric authorization binary both case cast check
	collate collation column concurrently constraint create cross current_catalog current_date current_role current_schema
	current_time current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign
	freeze from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit
	localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references
	returning right select session_user similar some symmetric system_user table tablesample then to trailing true union unique user
	using variadic verbose when where window with between bigint bit boolean char character coalesce dec decimal exists
	extract float greatest grouping inout int integer interval least national nchar none normalize nullif numeric out overlay
	position precision real row setof smallint substring time timestamp treat trim values varchar xmlattributes xmlconcat
	xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable`) {
		reservedKeywords[k] = true
	}
}

// QuoteIdent quotes an identifier when PostgreSQL's quote_ident would.
func QuoteIdent(s string) string {
	safe := s != "" && (s[0] >= 'a' && s[0] <= 'z' || s[0] == '_')
	for i := 0; safe && i < len(s); i++ {
		c := s[i]
		safe = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_'
	}
	if safe && !reservedKeywords[s] {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// formatFn implements format(): %[argpos$][-][width]{s,I,L} and %%.
func formatFn(ctx *EvalContext, a []types.Datum, at []*types.T) (types.Datum, error) {
	f := text(a[0])
	args, argTypes := a[1:], at[1:]
	var sb strings.Builder
	next := 0
	bad := func() error {
		return pgerr.New(pgerr.InvalidParameterValue, "unterminated format() type specifier").
			WithHint("For a single \"%%\" use \"%%%%\".")
	}
	readNum := func(i int) (int, int, bool) {
		j := i
		n := 0
		for j < len(f) && f[j] >= '0' && f[j] <= '9' {
			n = n*10 + int(f[j]-'0')
			if n > 1<<24 {
				return 0, j, false
			}
			j++
		}
		return n, j, j > i
	}
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' {
			sb.WriteByte(c)
			continue
		}
		i++
		if i >= len(f) {
			return nil, bad()
		}
		if f[i] == '%' {
			sb.WriteByte('%')
			continue
		}
		argPos := -1
		if n, j, ok := readNum(i); ok && j < len(f) && f[j] == '$' {
			if n == 0 {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "format specifies argument 0, but arguments are numbered from 1")
			}
			argPos = n - 1
			i = j + 1
		}
		minus := false
		if i < len(f) && f[i] == '-' {
			minus = true
			i++
		}
		width := 0
		if i < len(f) && f[i] == '*' {
			i++
			wpos := next
			if n, j, ok := readNum(i); ok && j < len(f) && f[j] == '$' {
				wpos = n - 1
				i = j + 1
			} else {
				next++
			}
			if wpos >= len(args) {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "too few arguments for format()")
			}
			if args[wpos] != types.DNull {
				w, _ := strconv.Atoi(types.FormatText(args[wpos], argTypes[wpos], nil))
				width = w
				if width < 0 {
					minus = true
					width = -width
				}
				if width > maxFieldSize {
					return nil, errTooLarge()
				}
			}
		} else if n, j, ok := readNum(i); ok {
			width = n
			i = j
		}
		if i >= len(f) {
			return nil, bad()
		}
		if argPos < 0 {
			argPos = next
		}
		next = argPos + 1
		if argPos >= len(args) {
			return nil, pgerr.New(pgerr.InvalidParameterValue, "too few arguments for format()")
		}
		d := args[argPos]
		var s string
		switch f[i] {
		case 's':
			if d != types.DNull {
				s = types.FormatText(d, argTypes[argPos], ctx.typesCtx())
			}
		case 'I':
			if d == types.DNull {
				return nil, pgerr.New(pgerr.NullValueNotAllowed, "null values cannot be formatted as an SQL identifier")
			}
			s = QuoteIdent(types.FormatText(d, argTypes[argPos], ctx.typesCtx()))
		case 'L':
			if d == types.DNull {
				s = "NULL"
			} else {
				s = quoteLiteral(types.FormatText(d, argTypes[argPos], ctx.typesCtx()))
			}
		default:
			return nil, pgerr.New(pgerr.InvalidParameterValue, "unrecognized format() type specifier \"%c\"", f[i]).
				WithHint("For a single \"%%\" use \"%%%%\".")
		}
		if pad := width - utf8.RuneCountInString(s); pad > 0 {
			if minus {
				s += strings.Repeat(" ", pad)
			} else {
				s = strings.Repeat(" ", pad) + s
			}
		}
		sb.WriteString(s)
	}
	return types.DString(sb.String()), nil
}

func parseFlags(flags string) (global bool, reFlags string) {
	for _, c := range flags {
		if c == 'g' {
			global = true
		} else {
			reFlags += string(c)
		}
	}
	return
}

func regexpReplace(ctx *EvalContext, s, pat, rep, flags string) (types.Datum, error) {
	global, rf := parseFlags(flags)
	re, err := ctx.regexp(pat, rf)
	if err != nil {
		return nil, err
	}
	n := 1
	if global {
		n = -1
	}
	matches := re.FindAllStringSubmatchIndex(s, n)
	if len(matches) == 0 {
		return types.DString(s), nil
	}
	var sb strings.Builder
	last := 0
	for _, m := range matches {
		sb.WriteString(s[last:m[0]])
		for i := 0; i < len(rep); i++ {
			c := rep[i]
			if c == '\\' && i+1 < len(rep) {
				n := rep[i+1]
				switch {
				case n >= '1' && n <= '9':
					g := int(n - '0')
					if 2*g+1 < len(m) && m[2*g] >= 0 {
						sb.WriteString(s[m[2*g]:m[2*g+1]])
					}
					i++
					continue
				case n == '&':
					sb.WriteString(s[m[0]:m[1]])
					i++
					continue
				case n == '\\':
					sb.WriteByte('\\')
					i++
					continue
				}
			}
			sb.WriteByte(c)
		}
		last = m[1]
	}
	sb.WriteString(s[last:])
	return types.DString(sb.String()), nil
}

// matchArray turns one match into regexp_match's text[] result.
func matchArray(s string, m []int) *types.DArray {
	arr := &types.DArray{Elem: types.Text, LowerBound: 1}
	if len(m) == 2 {
		arr.Elems = []types.Datum{types.DString(s[m[0]:m[1]])}
		return arr
	}
	for g := 1; 2*g < len(m); g++ {
		if m[2*g] < 0 {
			arr.Elems = append(arr.Elems, types.DNull)
		} else {
			arr.Elems = append(arr.Elems, types.DString(s[m[2*g]:m[2*g+1]]))
		}
	}
	return arr
}

func regexpMatch(ctx *EvalContext, s, pat, flags string) (types.Datum, error) {
	re, err := ctx.regexp(pat, flags)
	if err != nil {
		return nil, err
	}
	m := re.FindStringSubmatchIndex(s)
	if m == nil {
		return types.DNull, nil
	}
	return matchArray(s, m), nil
}

// regexSubstring is substring(s FROM pattern): the first parenthesised
// group when there is one, else the whole match.
func regexSubstring(ctx *EvalContext, s, pat string) (types.Datum, error) {
	re, err := ctx.regexp(pat, "")
	if err != nil {
		return nil, err
	}
	m := re.FindStringSubmatchIndex(s)
	if m == nil {
		return types.DNull, nil
	}
	if len(m) > 2 {
		if m[2] < 0 {
			return types.DNull, nil
		}
		return types.DString(s[m[2]:m[3]]), nil
	}
	return types.DString(s[m[0]:m[1]]), nil
}

func stringToArray(_ *EvalContext, a []types.Datum) (types.Datum, error) {
	if a[0] == types.DNull {
		return types.DNull, nil
	}
	s := text(a[0])
	hasNull := len(a) > 2 && a[2] != types.DNull
	nullStr := ""
	if hasNull {
		nullStr = text(a[2])
	}
	arr := &types.DArray{Elem: types.Text, LowerBound: 1, Elems: []types.Datum{}}
	if s == "" {
		return arr, nil
	}
	var parts []string
	switch {
	case a[1] == types.DNull:
		for _, c := range s {
			parts = append(parts, string(c))
		}
	case text(a[1]) == "":
		parts = []string{s}
	default:
		parts = strings.Split(s, text(a[1]))
	}
	for _, p := range parts {
		if hasNull && p == nullStr {
			arr.Elems = append(arr.Elems, types.DNull)
		} else {
			arr.Elems = append(arr.Elems, types.DString(p))
		}
	}
	return arr, nil
}

func arrayToString(ctx *EvalContext, a []types.Datum) (types.Datum, error) {
	arr := a[0].(*types.DArray)
	sep := text(a[1])
	hasNull := len(a) > 2 && a[2] != types.DNull
	var buf []byte
	first := true
	for _, e := range arr.Elems {
		if e == types.DNull && !hasNull {
			continue
		}
		if !first {
			buf = append(buf, sep...)
		}
		first = false
		if e == types.DNull {
			buf = append(buf, text(a[2])...)
		} else {
			buf = types.AppendText(buf, e, arr.Elem, ctx.typesCtx())
		}
	}
	return types.DString(buf), nil
}

// similarToEscape is similar_escape_internal: it turns an SQL-standard
// SIMILAR TO pattern into an anchored POSIX regular expression.
func similarToEscape(p, esc string) (string, error) {
	er := []rune(esc)
	if len(er) > 1 {
		return "", pgerr.New(pgerr.InvalidEscapeSequence, "invalid escape string").
			WithHint("Escape string must be empty or one character.")
	}
	var sb strings.Builder
	sb.WriteString("^(?:")
	afterEscape, inClass, nquotes := false, false, 0
	for _, c := range p {
		switch {
		case afterEscape:
			if c == '"' && !inClass {
				switch nquotes {
				case 0:
					sb.WriteString("){1,1}?(")
				case 1:
					sb.WriteString("){1,1}(?:")
				default:
					return "", pgerr.New(pgerr.InvalidRegularExpression, "SQL regular expression may not contain more than two escape-double-quote separators")
				}
				nquotes++
			} else {
				sb.WriteByte('\\')
				sb.WriteRune(c)
			}
			afterEscape = false
		case len(er) == 1 && c == er[0]:
			afterEscape = true
		case inClass:
			if c == '\\' {
				sb.WriteByte('\\')
			}
			sb.WriteRune(c)
			if c == ']' {
				inClass = false
			}
		case c == '[':
			sb.WriteRune(c)
			inClass = true
		case c == '%':
			sb.WriteString(".*")
		case c == '_':
			sb.WriteByte('.')
		case c == '(':
			sb.WriteString("(?:")
		case c == '\\' || c == '.' || c == '^' || c == '$':
			sb.WriteByte('\\')
			sb.WriteRune(c)
		default:
			sb.WriteRune(c)
		}
	}
	sb.WriteString(")$")
	return sb.String(), nil
}
