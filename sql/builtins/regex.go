package builtins

import (
	"regexp"
	"strings"

	"github.com/conflux-db/conflux/sql/pgerr"
)

// regexp compiles a POSIX ARE pattern (as far as Go's RE2 can express it)
// with PostgreSQL flag letters, memoising per EvalContext: evaluation
// contexts belong to one goroutine, so the cache needs no lock.
func (ctx *EvalContext) regexp(pattern, flags string) (*regexp.Regexp, error) {
	key := flags + "\x00" + pattern
	if ctx != nil && ctx.regexps != nil {
		if re, ok := ctx.regexps[key]; ok {
			return re, nil
		}
	}
	re, err := compileARE(pattern, flags)
	if err != nil {
		return nil, err
	}
	if ctx != nil {
		if ctx.regexps == nil || len(ctx.regexps) > 256 {
			ctx.regexps = map[string]*regexp.Regexp{}
		}
		ctx.regexps[key] = re
	}
	return re, nil
}

func compileARE(pattern, flags string) (*regexp.Regexp, error) {
	var prefix strings.Builder
	newline := false
	for _, f := range flags {
		switch f {
		case 'i':
			prefix.WriteString("i")
		case 'c', 'g':
		case 'n', 'p', 'w':
			newline = true
		case 's':
		case 'x':
			// Expanded syntax: strip whitespace and comments.
			pattern = stripExpanded(pattern)
		default:
			return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid regular expression option: \"%c\"", f)
		}
	}
	p := translateARE(pattern)
	mods := prefix.String()
	if !newline {
		mods += "s"
	} else {
		mods += "m"
	}
	if mods != "" {
		p = "(?" + mods + ")" + p
	}
	re, err := regexp.Compile(p)
	if err != nil {
		msg := err.Error()
		if i := strings.Index(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		return nil, pgerr.New(pgerr.InvalidRegularExpression, "invalid regular expression: %s", msg)
	}
	return re, nil
}

// translateARE rewrites the ARE escapes RE2 spells differently.
func translateARE(p string) string {
	if !strings.ContainsAny(p, `\[`) {
		return p
	}
	var sb strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !inClass && strings.HasPrefix(p[i:], "[[:<:]]") {
			sb.WriteString(`\b`)
			i += 6
			continue
		}
		if !inClass && strings.HasPrefix(p[i:], "[[:>:]]") {
			sb.WriteString(`\b`)
			i += 6
			continue
		}
		switch {
		case c == '\\' && i+1 < len(p):
			n := p[i+1]
			switch n {
			case 'm', 'M', 'y':
				if !inClass {
					sb.WriteString(`\b`)
				}
			case 'Y':
				sb.WriteString(`\B`)
			case 'Z':
				sb.WriteString(`\z`)
			default:
				sb.WriteByte(c)
				sb.WriteByte(n)
			}
			i++
			continue
		case c == '[' && !inClass:
			inClass = true
			sb.WriteByte(c)
			if i+1 < len(p) && p[i+1] == '^' {
				sb.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				sb.WriteString(`\]`)
				i++
			}
			continue
		case c == '[' && inClass && i+1 < len(p) && p[i+1] == ':':
			if j := strings.Index(p[i:], ":]"); j > 0 {
				sb.WriteString(p[i : i+j+2])
				i += j + 1
				continue
			}
		case c == ']' && inClass:
			inClass = false
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

func stripExpanded(p string) string {
	var sb strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			sb.WriteByte(c)
			sb.WriteByte(p[i+1])
			i++
			continue
		case inClass:
			if c == ']' {
				inClass = false
			}
		case c == '[':
			inClass = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		case c == '#':
			for i < len(p) && p[i] != '\n' {
				i++
			}
			continue
		}
		sb.WriteByte(c)
	}
	return sb.String()
}
