package types

import (
	"strconv"
	"strings"

	"github.com/conflux-db/conflux/sql/pgerr"
)

func isArraySpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// parseArrayText is array_in for one-dimensional arrays, with an optional
// "[lo:hi]=" dimension decoration.
func parseArrayText(s string, t *T, ctx *Context) (Datum, error) {
	malformed := func(detail string) error {
		e := pgerr.New(pgerr.InvalidTextRepresentation, "malformed array literal: %q", s)
		if detail != "" {
			e = e.WithDetail("%s", detail)
		}
		return e
	}
	elemT := t.Elem
	if elemT == nil {
		elemT = Text
	}
	p := strings.TrimLeft(s, " \t\n\r\v\f")
	lower := int32(1)
	explicitDims := false
	var upper int64
	if strings.HasPrefix(p, "[") {
		end := strings.IndexByte(p, ']')
		if end < 0 {
			return nil, malformed("Missing \"]\" after array dimensions.")
		}
		dim := p[1:end]
		lo, hi := "1", dim
		if k := strings.IndexByte(dim, ':'); k >= 0 {
			lo, hi = dim[:k], dim[k+1:]
		}
		l, err1 := strconv.ParseInt(strings.TrimSpace(lo), 10, 32)
		u, err2 := strconv.ParseInt(strings.TrimSpace(hi), 10, 32)
		if err1 != nil || err2 != nil {
			return nil, malformed("\"[\" must introduce explicitly-specified array dimensions.")
		}
		if u < l {
			return nil, pgerr.New(pgerr.ArraySubscriptError, "upper bound cannot be less than lower bound")
		}
		p = strings.TrimLeft(p[end+1:], " \t\n\r\v\f")
		if strings.HasPrefix(p, "[") {
			return nil, pgerr.Unsupported("multidimensional arrays")
		}
		if !strings.HasPrefix(p, "=") {
			return nil, malformed("Missing \"=\" after array dimensions.")
		}
		p = strings.TrimLeft(p[1:], " \t\n\r\v\f")
		lower, upper, explicitDims = int32(l), u, true
	}
	if !strings.HasPrefix(p, "{") {
		return nil, malformed("Array value must start with \"{\" or dimension information.")
	}
	i := 1
	var elems []Datum
	expectElem := true
	first := true
	for {
		for i < len(p) && isArraySpace(p[i]) {
			i++
		}
		if i >= len(p) {
			return nil, malformed("Unexpected end of input.")
		}
		c := p[i]
		if c == '}' {
			if !first && expectElem {
				return nil, malformed("Unexpected \"}\" character.")
			}
			i++
			break
		}
		if !expectElem {
			if c != ',' {
				return nil, malformed("Unexpected array element.")
			}
			i++
			expectElem = true
			continue
		}
		if c == '{' {
			return nil, pgerr.Unsupported("multidimensional arrays")
		}
		if c == ',' {
			return nil, malformed("Unexpected \",\" character.")
		}
		var sb strings.Builder
		quoted := false
		if c == '"' {
			quoted = true
			i++
			for {
				if i >= len(p) {
					return nil, malformed("Unexpected end of input.")
				}
				c := p[i]
				if c == '\\' {
					if i+1 >= len(p) {
						return nil, malformed("Unexpected end of input.")
					}
					sb.WriteByte(p[i+1])
					i += 2
					continue
				}
				if c == '"' {
					i++
					break
				}
				sb.WriteByte(c)
				i++
			}
		} else {
			// Unquoted: up to ',' or '}', trailing whitespace dropped
			// (escaped whitespace kept).
			keep := 0
			for i < len(p) && p[i] != ',' && p[i] != '}' {
				c := p[i]
				if c == '"' || c == '{' {
					return nil, malformed("Unexpected array element.")
				}
				if c == '\\' {
					if i+1 >= len(p) {
						return nil, malformed("Unexpected end of input.")
					}
					sb.WriteByte(p[i+1])
					keep = sb.Len()
					i += 2
					continue
				}
				sb.WriteByte(c)
				if !isArraySpace(c) {
					keep = sb.Len()
				}
				i++
			}
			str := sb.String()[:keep]
			sb.Reset()
			sb.WriteString(str)
		}
		str := sb.String()
		if !quoted && strings.EqualFold(str, "null") && !strings.Contains(p[:i], `\`) {
			elems = append(elems, DNull)
		} else {
			d, err := ParseText(str, elemT, ctx)
			if err != nil {
				return nil, err
			}
			elems = append(elems, d)
		}
		expectElem = false
		first = false
	}
	for i < len(p) {
		if !isArraySpace(p[i]) {
			return nil, malformed("Junk after closing right brace.")
		}
		i++
	}
	if explicitDims && int64(len(elems)) != upper-int64(lower)+1 {
		return nil, malformed("Specified array dimensions do not match array contents.")
	}
	if len(elems) == 0 {
		lower = 1
	}
	return &DArray{Elem: elemT, Elems: elems, LowerBound: lower}, nil
}

// arrayNeedsQuote mirrors array_out's quoting test.
func arrayNeedsQuote(s []byte) bool {
	if len(s) == 0 {
		return true
	}
	if len(s) == 4 && strings.EqualFold(string(s), "null") {
		return true
	}
	for _, c := range s {
		if c == '"' || c == '\\' || c == '{' || c == '}' || c == ',' || isArraySpace(c) {
			return true
		}
	}
	return false
}

func appendArrayText(buf []byte, a *DArray, t *T, ctx *Context) []byte {
	elemT := a.Elem
	if t != nil && t.Elem != nil {
		elemT = t.Elem
	}
	lb := a.Lower()
	if lb != 1 && len(a.Elems) > 0 {
		buf = append(buf, '[')
		buf = strconv.AppendInt(buf, int64(lb), 10)
		buf = append(buf, ':')
		buf = strconv.AppendInt(buf, int64(lb)+int64(len(a.Elems))-1, 10)
		buf = append(buf, "]="...)
	}
	buf = append(buf, '{')
	var scratch []byte
	for i, e := range a.Elems {
		if i > 0 {
			buf = append(buf, ',')
		}
		if e == DNull {
			buf = append(buf, "NULL"...)
			continue
		}
		scratch = AppendText(scratch[:0], e, elemT, ctx)
		if !arrayNeedsQuote(scratch) {
			buf = append(buf, scratch...)
			continue
		}
		buf = append(buf, '"')
		for _, c := range scratch {
			if c == '"' || c == '\\' {
				buf = append(buf, '\\')
			}
			buf = append(buf, c)
		}
		buf = append(buf, '"')
	}
	return append(buf, '}')
}

// Lower returns the array's lower bound. The zero value of LowerBound
// means the default 1 (so a lower bound of exactly 0 cannot be
// represented and reads back as 1).
func (a *DArray) Lower() int32 {
	if a.LowerBound == 0 {
		return 1
	}
	return a.LowerBound
}

// parseVectorText is int2vectorin / oidvectorin: integers separated by
// spaces, no braces. Errors quote the rest of the input from the bad
// element on, as PostgreSQL's do.
func parseVectorText(s string, t *T) (Datum, error) {
	elemName := "smallint"
	if t.Oid == OidOidVector {
		elemName = "oid"
	}
	var elems []Datum
	for i := 0; ; {
		for i < len(s) && isArraySpace(s[i]) {
			i++
		}
		if i >= len(s) {
			break
		}
		rest := s[i:]
		j := i
		if s[j] == '+' || s[j] == '-' {
			j++
		}
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		digits := s[i:j]
		if digits == "" || digits == "+" || digits == "-" {
			return nil, pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type %s: \"%s\"", elemName, rest)
		}
		v, err := strconv.ParseInt(digits, 10, 64)
		lo, hi := int64(-32768), int64(32767)
		if t.Oid == OidOidVector {
			lo, hi = -2147483648, 4294967295
		}
		if err != nil || v < lo || v > hi {
			return nil, pgerr.New(pgerr.NumericValueOutOfRange, "value \"%s\" is out of range for type %s", rest, elemName)
		}
		if j < len(s) && !isArraySpace(s[j]) {
			if t.Oid == OidOidVector {
				rest = s[j:]
			}
			return nil, pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type %s: \"%s\"", elemName, rest)
		}
		if t.Oid == OidOidVector {
			v = int64(uint32(v))
		}
		elems = append(elems, DInt(v))
		i = j
	}
	if elems == nil {
		elems = []Datum{}
	}
	return &DArray{Elem: t.Elem, Elems: elems}, nil
}

// appendVectorText is int2vectorout / oidvectorout.
func appendVectorText(buf []byte, a *DArray, t *T) []byte {
	for i, e := range a.Elems {
		if i > 0 {
			buf = append(buf, ' ')
		}
		if e == DNull {
			// Vectors cannot hold NULLs in PostgreSQL; print nothing
			// rather than something a client would misparse.
			continue
		}
		buf = AppendText(buf, e, t.Elem, nil)
	}
	return buf
}
