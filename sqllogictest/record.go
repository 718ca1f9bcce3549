package sqllogictest

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Kind is the kind of a record.
type Kind int

const (
	// Statement is "statement ok" or "statement error [SQLSTATE]".
	Statement Kind = iota
	// Query is "query <types> [sort] [label]" with a "----" result block.
	Query
	// HashThreshold is "hash-threshold N".
	HashThreshold
	// Halt is "halt": stop running the file.
	Halt
)

// SortMode says how result values are ordered before comparison.
type SortMode int

const (
	NoSort SortMode = iota
	RowSort
	ValueSort
)

func (m SortMode) String() string {
	switch m {
	case RowSort:
		return "rowsort"
	case ValueSort:
		return "valuesort"
	}
	return "nosort"
}

// Condition is a skipif/onlyif line that guards the record after it.
type Condition struct {
	Skip   bool // skipif (true) or onlyif (false)
	Engine string
}

// Record is one parsed record of a test file.
type Record struct {
	Kind       Kind
	Line       int // 1-based line of the record's first line (conditions included)
	Conditions []Condition
	SQL        string

	// ExpectError is set for "statement error" and "query ... error";
	// ErrorCode is the SQLSTATE required, empty for any error.
	ExpectError bool
	ErrorCode   string

	// Query fields.
	Types string
	Sort  SortMode
	Label string
	// Expected holds the result block's lines, one value per line, unless
	// Hashed, in which case ExpectedCount and ExpectedHash hold the
	// "N values hashing to H" line.
	Expected      []string
	Hashed        bool
	ExpectedCount int
	ExpectedHash  string

	Threshold int // HashThreshold

	// Line ranges in the source, for Rewrite: the header line (0-based
	// index) and the result block [resStart, resEnd) (resStart is the
	// line after "----"; both -1 when there is none).
	headerIdx        int
	resStart, resEnd int
}

// ShouldRun reports whether the record's conditions let it run on engine.
func (r *Record) ShouldRun(engine string) bool {
	for _, c := range r.Conditions {
		match := strings.EqualFold(c.Engine, engine)
		if c.Skip && match || !c.Skip && !match {
			return false
		}
	}
	return true
}

// File is a parsed test file.
type File struct {
	Name    string
	Lines   []string // the source, for Rewrite
	Records []*Record
}

// Parse reads a test file. Lines starting with '#' outside result blocks
// are comments; records are separated by blank lines.
func Parse(name string, r io.Reader) (*File, error) {
	f := &File{Name: name}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		f.Lines = append(f.Lines, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	lines := f.Lines
	blank := func(i int) bool { return strings.TrimSpace(lines[i]) == "" }
	comment := func(i int) bool { return strings.HasPrefix(lines[i], "#") }
	i := 0
	for i < len(lines) {
		if blank(i) || comment(i) {
			i++
			continue
		}
		rec := &Record{Line: i + 1, resStart: -1, resEnd: -1}
		// Conditions.
		for i < len(lines) && !blank(i) {
			fields := strings.Fields(lines[i])
			if comment(i) {
				i++
				continue
			}
			if len(fields) >= 2 && (fields[0] == "skipif" || fields[0] == "onlyif") {
				rec.Conditions = append(rec.Conditions, Condition{Skip: fields[0] == "skipif", Engine: fields[1]})
				i++
				continue
			}
			break
		}
		if i >= len(lines) || blank(i) {
			return nil, fmt.Errorf("%s:%d: conditions without a record", name, rec.Line)
		}
		rec.headerIdx = i
		fields := strings.Fields(lines[i])
		errf := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", name, i+1, fmt.Sprintf(format, args...))
		}
		switch fields[0] {
		case "statement":
			rec.Kind = Statement
			if len(fields) < 2 {
				return nil, errf("statement needs ok or error")
			}
			switch fields[1] {
			case "ok":
			case "error":
				rec.ExpectError = true
				if len(fields) >= 3 && isSQLState(fields[2]) {
					rec.ErrorCode = fields[2]
				}
			default:
				return nil, errf("unknown statement mode %q", fields[1])
			}
			i++
			rec.SQL, i = readSQL(lines, i, false)
		case "query":
			rec.Kind = Query
			if err := parseQueryHeader(rec, fields[1:]); err != nil {
				return nil, errf("%v", err)
			}
			i++
			var sep bool
			rec.SQL, i = readSQL(lines, i, true)
			if i < len(lines) && lines[i] == "----" {
				sep = true
				i++
			}
			if sep {
				rec.resStart = i
				for i < len(lines) && !blank(i) {
					rec.Expected = append(rec.Expected, lines[i])
					i++
				}
				rec.resEnd = i
				if len(rec.Expected) == 1 {
					if n, h, ok := parseHashLine(rec.Expected[0]); ok {
						rec.Hashed, rec.ExpectedCount, rec.ExpectedHash = true, n, h
					}
				}
			}
		case "hash-threshold":
			rec.Kind = HashThreshold
			if len(fields) < 2 {
				return nil, errf("hash-threshold needs a number")
			}
			n, err := strconv.Atoi(fields[1])
			if err != nil {
				return nil, errf("bad hash-threshold: %v", err)
			}
			rec.Threshold = n
			i++
		case "halt":
			rec.Kind = Halt
			i++
		default:
			return nil, errf("unknown record %q", fields[0])
		}
		if rec.SQL == "" && (rec.Kind == Statement || rec.Kind == Query) {
			return nil, fmt.Errorf("%s:%d: record without SQL", name, rec.Line)
		}
		f.Records = append(f.Records, rec)
	}
	return f, nil
}

func parseQueryHeader(rec *Record, args []string) error {
	if len(args) > 0 && args[0] == "error" {
		rec.ExpectError = true
		if len(args) > 1 && isSQLState(args[1]) {
			rec.ErrorCode = args[1]
		}
		return nil
	}
	if len(args) == 0 {
		return fmt.Errorf("query needs column types")
	}
	rec.Types = args[0]
	for _, c := range rec.Types {
		if c != 'I' && c != 'R' && c != 'T' {
			return fmt.Errorf("unknown column type %q in %q", c, rec.Types)
		}
	}
	args = args[1:]
	if len(args) > 0 {
		switch args[0] {
		case "nosort":
			args = args[1:]
		case "rowsort":
			rec.Sort = RowSort
			args = args[1:]
		case "valuesort":
			rec.Sort = ValueSort
			args = args[1:]
		}
	}
	if len(args) > 0 && args[0] == "error" {
		rec.ExpectError = true
		if len(args) > 1 && isSQLState(args[1]) {
			rec.ErrorCode = args[1]
		}
		return nil
	}
	if len(args) > 0 {
		rec.Label = args[0]
	}
	return nil
}

// readSQL collects SQL lines until a blank line (or "----" for queries).
func readSQL(lines []string, i int, query bool) (string, int) {
	var sb strings.Builder
	for i < len(lines) && strings.TrimSpace(lines[i]) != "" && !(query && lines[i] == "----") {
		if sb.Len() > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(lines[i])
		i++
	}
	return sb.String(), i
}

// parseHashLine parses "N values hashing to H".
func parseHashLine(s string) (int, string, bool) {
	f := strings.Fields(s)
	if len(f) != 5 || f[1] != "values" || f[2] != "hashing" || f[3] != "to" {
		return 0, "", false
	}
	n, err := strconv.Atoi(f[0])
	if err != nil {
		return 0, "", false
	}
	return n, f[4], true
}

// isSQLState reports whether s looks like a SQLSTATE (five digits or
// upper-case letters).
func isSQLState(s string) bool {
	if len(s) != 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}
