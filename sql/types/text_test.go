package types

import (
	"bufio"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conflux-db/conflux/sql/pgerr"
)

var typmodRe = regexp.MustCompile(`^([a-z ]+)\((\d+)(?:,(\d+))?\)$`)

// parseTypeName resolves the SQL type names used in testdata files.
func parseTypeName(t *testing.T, name string) *T {
	t.Helper()
	if strings.HasSuffix(name, "[]") {
		return ArrayOf(parseTypeName(t, strings.TrimSuffix(name, "[]")))
	}
	if name == "char" {
		return BPChar.WithTypmod(1 + 4)
	}
	if m := typmodRe.FindStringSubmatch(name); m != nil {
		base := ByName(m[1])
		p, _ := strconv.Atoi(m[2])
		if base.Family == DecimalFamily {
			s, _ := strconv.Atoi(m[3])
			return base.WithTypmod(NumericTypmod(p, s))
		}
		if base.Family == TimestampFamily || base.Family == TimeFamily || base.Family == TimestampTZFamily {
			return base.WithTypmod(int32(p))
		}
		return base.WithTypmod(int32(p + 4))
	}
	typ := ByName(name)
	if typ == nil {
		t.Fatalf("unknown type %q", name)
	}
	return typ
}

// TestTextIOGolden replays testdata/text_io.tsv, whose expected column was
// produced by PostgreSQL 15 running SELECT 'input'::type with the given
// TimeZone (so literal coercion semantics apply: explicit length casts).
func TestTextIOGolden(t *testing.T) {
	for _, file := range []string{"testdata/text_io.tsv", "testdata/text_io2.tsv"} {
		testGoldenFile(t, file)
	}
}

func testGoldenFile(t *testing.T, file string) {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		parts := strings.SplitN(line, "\t", 4)
		if len(parts) != 4 {
			t.Fatalf("bad line %q", line)
		}
		typName, tz, input, want := parts[0], parts[1], parts[2], parts[3]
		typ := parseTypeName(t, typName)
		loc, err := time.LoadLocation(tz)
		if err != nil {
			t.Fatal(err)
		}
		ctx := &Context{Location: loc}
		n++
		d, err := Cast(DString(input), Unknown, typ, ctx)
		if strings.HasPrefix(want, "ERROR ") {
			fields := strings.SplitN(strings.TrimPrefix(want, "ERROR "), "\t", 2)
			if err == nil {
				t.Errorf("%s %q (%s): want error %s, got %q", typName, input, tz, want, FormatText(d, typ, ctx))
				continue
			}
			pe := pgerr.As(err)
			if pe.Code != fields[0] || (len(fields) > 1 && pe.Message != fields[1]) {
				t.Errorf("%s %q: want %s %q, got %s %q", typName, input, fields[0], fields[1], pe.Code, pe.Message)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q (%s): unexpected error %v", typName, input, tz, err)
			continue
		}
		if got := FormatText(d, typ, ctx); got != want {
			t.Errorf("%s %q (%s): got %q want %q", typName, input, tz, got, want)
			continue
		}
		// Output must read back to an equal value.
		if typ.Family != UnknownFamily {
			back, err := ParseText(want, typ, ctx)
			if err != nil {
				t.Errorf("%s: re-parse of %q failed: %v", typName, want, err)
			} else if Compare(back, d) != 0 {
				t.Errorf("%s: %q re-parsed to a different value", typName, want)
			}
		}
	}
	if n < 40 {
		t.Fatalf("only %d cases read", n)
	}
}
