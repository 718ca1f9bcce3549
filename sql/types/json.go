package types

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/conflux-db/conflux/sql/pgerr"
)

// ParseJSON is jsonb_in. Numbers are canonicalised to numeric text (jsonb
// stores them as numeric: 1e2 becomes 100, 1.50 stays 1.50).
func ParseJSON(s string) (*DJSON, error) {
	bad := func() error {
		return pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type json")
	}
	if !utf8.ValidString(s) {
		return nil, checkUTF8(s)
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, bad()
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, bad()
	}
	v, err := canonJSON(v)
	if err != nil {
		return nil, err
	}
	return &DJSON{V: v}, nil
}

func canonJSON(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		d, err := ParseDecimal(string(x))
		if err != nil {
			return nil, err
		}
		return json.Number(appendDecimal(nil, d)), nil
	case string:
		if containsNUL(x) {
			return nil, pgerr.New("22P05", "unsupported Unicode escape sequence").WithDetail("\\u0000 cannot be converted to text.")
		}
		return x, nil
	case []any:
		for i := range x {
			e, err := canonJSON(x[i])
			if err != nil {
				return nil, err
			}
			x[i] = e
		}
		return x, nil
	case map[string]any:
		for k, e := range x {
			if containsNUL(k) {
				return nil, pgerr.New("22P05", "unsupported Unicode escape sequence").WithDetail("\\u0000 cannot be converted to text.")
			}
			c, err := canonJSON(e)
			if err != nil {
				return nil, err
			}
			x[k] = c
		}
		return x, nil
	}
	return v, nil
}

func containsNUL(s string) bool { return bytes.IndexByte([]byte(s), 0) >= 0 }

// jsonKeyLess orders object keys as jsonb stores them: shorter first,
// then bytewise.
func jsonKeyLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// SortedJSONKeys returns m's keys in jsonb order.
func SortedJSONKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return jsonKeyLess(keys[i], keys[j]) })
	return keys
}

// AppendJSON writes v in jsonb's canonical text form.
func AppendJSON(buf []byte, v any) []byte {
	switch x := v.(type) {
	case nil:
		return append(buf, "null"...)
	case bool:
		if x {
			return append(buf, "true"...)
		}
		return append(buf, "false"...)
	case json.Number:
		return append(buf, x...)
	case float64:
		return strconv.AppendFloat(buf, x, 'g', -1, 64)
	case int64:
		return strconv.AppendInt(buf, x, 10)
	case int:
		return strconv.AppendInt(buf, int64(x), 10)
	case string:
		return appendJSONString(buf, x)
	case []any:
		buf = append(buf, '[')
		for i, e := range x {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = AppendJSON(buf, e)
		}
		return append(buf, ']')
	case map[string]any:
		buf = append(buf, '{')
		for i, k := range SortedJSONKeys(x) {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = appendJSONString(buf, k)
			buf = append(buf, ": "...)
			buf = AppendJSON(buf, x[k])
		}
		return append(buf, '}')
	}
	return append(buf, "null"...)
}

// appendJSONString escapes like PostgreSQL's escape_json.
func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			buf = append(buf, `\"`...)
		case '\\':
			buf = append(buf, `\\`...)
		case '\b':
			buf = append(buf, `\b`...)
		case '\f':
			buf = append(buf, `\f`...)
		case '\n':
			buf = append(buf, `\n`...)
		case '\r':
			buf = append(buf, `\r`...)
		case '\t':
			buf = append(buf, `\t`...)
		default:
			if c < 0x20 {
				buf = append(buf, `\u00`...)
				buf = append(buf, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
			} else {
				buf = append(buf, c)
			}
		}
	}
	return append(buf, '"')
}
