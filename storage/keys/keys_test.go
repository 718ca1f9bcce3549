package keys

import (
	"bytes"
	"cmp"
	"math"
	"math/rand/v2"
	"testing"
)

func TestVarintOrderAndRoundTrip(t *testing.T) {
	edges := []int64{math.MinInt64, math.MinInt64 + 1, -1 << 32, -65537, -65536, -257, -256, -255, -1, 0, 1,
		109, 110, 255, 256, 65535, 65536, 1 << 40, math.MaxInt64 - 1, math.MaxInt64}
	r := rand.New(rand.NewPCG(3, 4))
	vals := append([]int64{}, edges...)
	for i := 0; i < 2000; i++ {
		vals = append(vals, int64(r.Uint64())>>r.IntN(64))
	}
	for _, desc := range []bool{false, true} {
		enc := func(v int64) []byte {
			if desc {
				return EncodeVarintDescending(nil, v)
			}
			return EncodeVarintAscending(nil, v)
		}
		for i, a := range vals {
			ka := enc(a)
			dec := DecodeVarintAscending
			if desc {
				dec = DecodeVarintDescending
			}
			rest, got, err := dec(append(ka, 0x42))
			if err != nil || got != a || !bytes.Equal(rest, []byte{0x42}) {
				t.Fatalf("varint %d (desc=%v): got %d rest %x err %v", a, desc, got, rest, err)
			}
			b := vals[(i*7+1)%len(vals)]
			want := cmp.Compare(a, b)
			if desc {
				want = -want
			}
			if got := bytes.Compare(ka, enc(b)); got != want {
				t.Fatalf("order %d vs %d desc=%v: %d want %d", a, b, desc, got, want)
			}
		}
	}
	// Unsigned values above MaxInt64 round-trip through the uvarint form.
	for _, u := range []uint64{0, 109, 110, math.MaxUint64} {
		_, got, err := DecodeUvarintDescending(EncodeUvarintDescending(nil, u))
		if err != nil || got != u {
			t.Fatalf("uvarint %d: %d %v", u, got, err)
		}
	}
}

func TestBytesOrderAndRoundTrip(t *testing.T) {
	vals := [][]byte{nil, {0}, {0, 0}, {0, 1}, {1}, {0xFF}, {0xFF, 0}, []byte("a"), []byte("a\x00b"), []byte("ab")}
	for _, desc := range []bool{false, true} {
		for _, a := range vals {
			for _, b := range vals {
				ea, eb := EncodeBytesAscending(nil, a), EncodeBytesAscending(nil, b)
				want := bytes.Compare(a, b)
				if desc {
					ea, eb, want = EncodeBytesDescending(nil, a), EncodeBytesDescending(nil, b), -want
				}
				// A following column must not change the order (prefix-freeness).
				ea = append(ea, 0xFF)
				eb = append(eb, 0x00)
				if got := bytes.Compare(ea, eb); want != 0 && got != want {
					t.Fatalf("%q vs %q desc=%v: %d want %d", a, b, desc, got, want)
				}
				dec := DecodeBytesAscending
				if desc {
					dec = DecodeBytesDescending
				}
				rest, got, err := dec(ea, nil)
				if err != nil || !bytes.Equal(got, a) || !bytes.Equal(rest, []byte{0xFF}) {
					t.Fatalf("round trip %q: %q %x %v", a, got, rest, err)
				}
			}
		}
	}
	if _, _, err := DecodeBytesAscending([]byte{bytesTag, 'a', 0}, nil); err == nil {
		t.Fatal("unterminated bytes decoded")
	}
}

func TestFloatOrder(t *testing.T) {
	vals := []float64{math.Inf(-1), -math.MaxFloat64, -1, -math.SmallestNonzeroFloat64, 0, math.SmallestNonzeroFloat64, 1, math.MaxFloat64, math.Inf(1), math.NaN()}
	for i := 1; i < len(vals); i++ {
		if bytes.Compare(EncodeFloatAscending(nil, vals[i-1]), EncodeFloatAscending(nil, vals[i])) >= 0 {
			t.Fatalf("%v !< %v", vals[i-1], vals[i])
		}
		if bytes.Compare(EncodeFloatDescending(nil, vals[i-1]), EncodeFloatDescending(nil, vals[i])) <= 0 {
			t.Fatalf("desc %v !> %v", vals[i-1], vals[i])
		}
	}
	if !bytes.Equal(EncodeFloatAscending(nil, math.Copysign(0, -1)), EncodeFloatAscending(nil, 0)) {
		t.Fatal("-0 != +0")
	}
	for _, f := range vals {
		_, got, err := DecodeFloatDescending(EncodeFloatDescending(nil, f))
		if err != nil || (got != f && !(math.IsNaN(f) && math.IsNaN(got))) {
			t.Fatalf("float %v -> %v %v", f, got, err)
		}
	}
}

func TestNullMarkers(t *testing.T) {
	// NULL sorts after every ascending value and before every descending one.
	for _, v := range [][]byte{EncodeVarintAscending(nil, math.MaxInt64), EncodeBytesAscending(nil, []byte{0xFF}), EncodeFloatAscending(nil, math.NaN())} {
		if v[0] == 0 || v[0] >= NullAscending {
			t.Fatalf("ascending value starts with %#x", v[0])
		}
	}
	if !IsNull(EncodeNullDescending(nil), true) || IsNull(EncodeNullAscending(nil), true) {
		t.Fatal("IsNull")
	}
}

func TestKeyspace(t *testing.T) {
	p := IndexPrefix(1000, 2)
	tbl, idx, rest, err := DecodeIndexPrefix(append(p, 'x'))
	if err != nil || tbl != 1000 || idx != 2 || string(rest) != "x" {
		t.Fatalf("DecodeIndexPrefix: %d %d %q %v", tbl, idx, rest, err)
	}
	if !bytes.HasPrefix(p, TableSpanPrefix(1000)) {
		t.Fatal("index prefix outside its table span")
	}
	// Index spans are disjoint and ordered; the catalog sorts before data.
	if bytes.Compare(PrefixEnd(IndexPrefix(1, 1)), IndexPrefix(1, 2)) > 0 ||
		bytes.Compare(PrefixEnd(TableSpanPrefix(109)), TableSpanPrefix(110)) > 0 ||
		bytes.Compare(PrefixEnd(DescPrefix), TablePrefix) > 0 {
		t.Fatal("spans overlap")
	}
	if id, err := DecodeDescKey(DescKey(77)); err != nil || id != 77 {
		t.Fatalf("DescKey: %d %v", id, err)
	}
	if PrefixEnd([]byte{0xFF, 0xFF}) != nil || !bytes.Equal(PrefixEnd([]byte{1, 0xFF}), []byte{2}) {
		t.Fatal("PrefixEnd")
	}
}
