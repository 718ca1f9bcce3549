package tpch

import (
	"bytes"
	"strings"
	"testing"
)

// TestGenerate checks cardinalities, column counts, determinism and the
// consistency between orders and lineitem at SF 0.01.
func TestGenerate(t *testing.T) {
	const sf = 0.01
	out := map[string]string{}
	for _, table := range Tables {
		var b bytes.Buffer
		if err := Generate(sf, table, &b); err != nil {
			t.Fatal(err)
		}
		out[table] = b.String()
		lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
		if table != "lineitem" && int64(len(lines)) != Rows(sf, table) {
			t.Errorf("%s: %d rows, want %d", table, len(lines), Rows(sf, table))
		}
		for _, l := range lines {
			if n := len(strings.Split(l, "\t")); n != len(Columns(table)) {
				t.Fatalf("%s: %d columns in %q, want %d", table, n, l, len(Columns(table)))
			}
		}
		var again bytes.Buffer
		if err := Generate(sf, table, &again); err != nil {
			t.Fatal(err)
		}
		if again.String() != b.String() {
			t.Errorf("%s: not deterministic", table)
		}
	}
	// Every order has lines with its key; every line's order exists.
	orders := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(out["orders"]), "\n") {
		orders[strings.SplitN(l, "\t", 2)[0]] = true
	}
	seen := map[string]bool{}
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(out["lineitem"]), "\n") {
		k := strings.SplitN(l, "\t", 2)[0]
		if !orders[k] {
			t.Fatalf("line of unknown order %s", k)
		}
		seen[k] = true
		n++
	}
	if len(seen) != len(orders) {
		t.Errorf("%d orders have lines, want %d", len(seen), len(orders))
	}
	if n < 50000 || n > 70000 {
		t.Errorf("lineitem has %d rows, want about 60000", n)
	}
	if _, err := CreateTable("nope", Row); err == nil {
		t.Error("CreateTable of an unknown table succeeded")
	}
	if err := Generate(0, "part", &bytes.Buffer{}); err == nil {
		t.Error("Generate with sf 0 succeeded")
	}
}
