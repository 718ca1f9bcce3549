package lake

import (
	"fmt"
	"testing"

	"github.com/conflux-db/conflux/lake/pqfile"
	"github.com/conflux-db/conflux/sql/types"
)

// TestMetaCache checks that a cached manifest decoding is reused only when
// it equals a fresh decoding with the caller's types.
func TestMetaCache(t *testing.T) {
	typs := map[uint32]*types.T{1: types.Int8, 2: types.Text}
	m := FileMeta{ID: 42, Path: "1/x.parquet", Rows: 10, Partition: []string{"x"},
		Stats: []pqfile.ColumnStats{
			{ColumnID: 1, Min: types.DInt(-3), Max: types.DInt(9), NullCount: 1},
			{ColumnID: 2, Min: types.DString("a"), Max: types.DString("z")},
			{ColumnID: 3, Min: types.DInt(1), Max: types.DInt(2)},
		}}
	enc := func(m FileMeta, typs map[uint32]*types.T) []byte {
		v, err := encodeFileMeta(&m, []byte("pk"), typs)
		must(t, err)
		return v
	}
	v := enc(m, map[uint32]*types.T{1: types.Int8, 2: types.Text, 3: types.Int8})
	other := m
	other.Rows = 11
	v2 := enc(other, typs)

	c := newMetaCache(2)
	key := []byte("k1")
	for _, tc := range []struct {
		name  string
		val   []byte
		typs  map[uint32]*types.T
		stats string // column ids with min..max
		rows  int64
	}{
		{"first decode", v, typs, "1:-3..9 2:a..z", 10},
		{"cached", v, typs, "1:-3..9 2:a..z", 10},
		{"column dropped", v, map[uint32]*types.T{1: types.Int8}, "1:-3..9", 10},
		{"untyped column now typed", v, map[uint32]*types.T{1: types.Int8, 2: types.Text, 3: types.Int8}, "1:-3..9 2:a..z 3:1..2", 10},
		{"type changed", v, map[uint32]*types.T{1: types.Int8, 2: types.Int8, 3: types.Int8}, "1:-3..9 2:<nil>..<nil> 3:1..2", 10},
		{"other value under the same key", v2, typs, "1:-3..9 2:a..z", 11},
	} {
		got, part, err := c.decode(key, tc.val, tc.typs)
		must(t, err)
		want, wantPart, err := decodeFileMeta(tc.val, tc.typs)
		must(t, err)
		var s, ws string
		for _, st := range got.Stats {
			s += fmt.Sprintf("%d:%v..%v ", st.ColumnID, st.Min, st.Max)
		}
		for _, st := range want.Stats {
			ws += fmt.Sprintf("%d:%v..%v ", st.ColumnID, st.Min, st.Max)
		}
		if s != tc.stats+" " || s != ws || got.Rows != tc.rows || string(part) != string(wantPart) {
			t.Fatalf("%s: got stats %q rows %d part %q, want %q (fresh decoding %q)", tc.name, s, got.Rows, part, tc.stats, ws)
		}
	}

	// Bounded: the least recently used entry goes.
	for i := range 3 {
		_, _, err := c.decode(fmt.Appendf(nil, "k%d", i+2), v, typs)
		must(t, err)
	}
	if n := c.lru.Len(); n != 2 || len(c.m) != 2 {
		t.Fatalf("cache holds %d entries (%d in map), want 2", n, len(c.m))
	}
	if _, ok := c.m["k1"]; ok {
		t.Fatal("least recently used entry not evicted")
	}
}
