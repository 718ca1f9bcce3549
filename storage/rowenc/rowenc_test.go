package rowenc

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/conflux-db/conflux/sql/types"
)

var keyTypes = []*types.T{
	types.Bool, types.Int2, types.Int8, types.Float8, types.Float4, types.Numeric,
	types.Numeric.WithTypmod(types.NumericTypmod(12, 2)), types.Text, types.Bytea,
	types.Date, types.Time, types.Timestamp, types.TimestampTZ, types.Interval, types.UUID,
	types.ArrayOf(types.Int8), types.ArrayOf(types.Text),
}

// randDatum returns a random value of t, biased towards edge cases.
func randDatum(r *rand.Rand, t *types.T, nullOK bool) types.Datum {
	if nullOK && r.IntN(10) == 0 {
		return types.DNull
	}
	ints := []int64{0, 1, -1, 109, 110, 255, 256, -256, -257, 1 << 31, math.MaxInt64, math.MinInt64, math.MinInt64 + 1}
	randInt := func() int64 {
		switch r.IntN(3) {
		case 0:
			return ints[r.IntN(len(ints))]
		case 1:
			return r.Int64N(1000) - 500
		}
		return int64(r.Uint64())
	}
	switch t.Family {
	case types.BoolFamily:
		return types.DBool(r.IntN(2) == 0)
	case types.IntFamily:
		return types.DInt(randInt())
	case types.FloatFamily:
		fs := []float64{0, math.Copysign(0, -1), 1, -1, math.Inf(1), math.Inf(-1), math.NaN(), math.SmallestNonzeroFloat64, -math.MaxFloat64, 1.5, -1.5}
		if r.IntN(2) == 0 {
			return types.DFloat(fs[r.IntN(len(fs))])
		}
		return types.DFloat(r.NormFloat64() * math.Pow(10, float64(r.IntN(40)-20)))
	case types.DecimalFamily:
		d := &types.DDecimal{}
		switch r.IntN(12) {
		case 0:
			d.Form = apd.NaN
			return d
		}
		_, scale := t.NumericPrecScale()
		digits := r.IntN(30) + 1
		s := ""
		for i := 0; i < digits; i++ {
			s += string(rune('0' + r.IntN(10)))
		}
		d.Coeff.SetString(s, 10)
		if scale >= 0 {
			d.Exponent = -int32(scale)
		} else {
			d.Exponent = int32(r.IntN(40) - 20)
		}
		d.Negative = r.IntN(2) == 0 && d.Coeff.Sign() != 0
		return d
	case types.StringFamily, types.BytesFamily:
		alpha := []byte{0, 1, 'a', 'b', 0xFE, 0xFF}
		var b []byte
		for n := r.IntN(6); n > 0; n-- {
			b = append(b, alpha[r.IntN(len(alpha))])
		}
		if t.Family == types.StringFamily {
			return types.DString(b)
		}
		return types.DBytes(b)
	case types.DateFamily:
		return types.DDate(int32(randInt()))
	case types.TimeFamily:
		return types.DTime(r.Int64N(86400e6))
	case types.TimestampFamily:
		return types.DTimestamp(randInt())
	case types.TimestampTZFamily:
		return types.DTimestampTZ(randInt())
	case types.IntervalFamily:
		pick := func(xs ...int64) int64 { return xs[r.IntN(len(xs))] }
		return types.DInterval{
			Months: int32(pick(0, 1, -1, math.MaxInt32, math.MinInt32, r.Int64N(100))),
			Days:   int32(pick(0, 30, -30, 1, math.MaxInt32, r.Int64N(100))),
			Micros: pick(0, 86400e6, -1, math.MaxInt64, math.MinInt64, r.Int64N(1e12)),
		}
	case types.UUIDFamily:
		var u types.DUUID
		for i := range u {
			u[i] = byte(r.IntN(3)) * 0x7F
		}
		return u
	case types.ArrayFamily:
		a := &types.DArray{Elem: t.Elem, LowerBound: 1}
		for n := r.IntN(4); n > 0; n-- {
			a.Elems = append(a.Elems, randDatum(r, t.Elem, true))
		}
		return a
	case types.JSONFamily:
		vals := []any{nil, true, json.Number("1.5"), "s", []any{json.Number("1"), "x"}, map[string]any{"b": json.Number("2"), "a": nil}}
		return &types.DJSON{V: vals[r.IntN(len(vals))]}
	}
	panic(t)
}

// compareRef is the reference order: PostgreSQL's, NULL last, with the
// documented tie-breaks (interval fields).
func compareRef(a, b types.Datum, t *types.T) int {
	an, bn := a == types.DNull, b == types.DNull
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	switch t.Family {
	case types.BoolFamily:
		x, y := a.(types.DBool), b.(types.DBool)
		return cmp.Compare(b2i(bool(x)), b2i(bool(y)))
	case types.IntFamily:
		return cmp.Compare(a.(types.DInt), b.(types.DInt))
	case types.FloatFamily:
		x, y := float64(a.(types.DFloat)), float64(b.(types.DFloat))
		xn, yn := math.IsNaN(x), math.IsNaN(y)
		switch {
		case xn && yn:
			return 0
		case xn:
			return 1
		case yn:
			return -1
		}
		return cmp.Compare(x, y)
	case types.DecimalFamily:
		x, y := &a.(*types.DDecimal).Decimal, &b.(*types.DDecimal).Decimal
		xn, yn := x.Form == apd.NaN, y.Form == apd.NaN
		switch {
		case xn && yn:
			return 0
		case xn:
			return 1
		case yn:
			return -1
		}
		return x.Cmp(y)
	case types.StringFamily:
		return cmp.Compare(a.(types.DString), b.(types.DString))
	case types.BytesFamily:
		return cmp.Compare(a.(types.DBytes), b.(types.DBytes))
	case types.DateFamily:
		return cmp.Compare(a.(types.DDate), b.(types.DDate))
	case types.TimeFamily:
		return cmp.Compare(a.(types.DTime), b.(types.DTime))
	case types.TimestampFamily:
		return cmp.Compare(a.(types.DTimestamp), b.(types.DTimestamp))
	case types.TimestampTZFamily:
		return cmp.Compare(a.(types.DTimestampTZ), b.(types.DTimestampTZ))
	case types.IntervalFamily:
		x, y := a.(types.DInterval), b.(types.DInterval)
		if c := bigSpan(x).Cmp(bigSpan(y)); c != 0 {
			return c
		}
		return cmp.Or(cmp.Compare(x.Months, y.Months), cmp.Compare(x.Days, y.Days), cmp.Compare(x.Micros, y.Micros))
	case types.UUIDFamily:
		x, y := a.(types.DUUID), b.(types.DUUID)
		return bytes.Compare(x[:], y[:])
	case types.ArrayFamily:
		x, y := a.(*types.DArray).Elems, b.(*types.DArray).Elems
		for i := 0; i < len(x) && i < len(y); i++ {
			if c := compareRef(x[i], y[i], t.Elem); c != 0 {
				return c
			}
		}
		return cmp.Compare(len(x), len(y))
	}
	panic(t)
}

func bigSpan(v types.DInterval) *apd.BigInt {
	days := new(apd.BigInt).SetInt64(int64(v.Months)*30 + int64(v.Days))
	days.Mul(days, new(apd.BigInt).SetInt64(86400e6))
	return days.Add(days, new(apd.BigInt).SetInt64(v.Micros))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func sign(x int) int { return cmp.Compare(x, 0) }

// TestKeyOrderAndRoundTrip: for random pairs of two-column keys (so
// self-delimitation matters), bytes.Compare of the encodings must agree
// with the reference order, in both directions, and decoding must return
// equal values.
func TestKeyOrderAndRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(42, 1))
	for _, t1 := range keyTypes {
		for iter := 0; iter < 3000; iter++ {
			t2 := keyTypes[r.IntN(len(keyTypes))]
			desc1, desc2 := r.IntN(2) == 0, r.IntN(2) == 0
			a1, a2 := randDatum(r, t1, true), randDatum(r, t2, true)
			b1, b2 := randDatum(r, t1, true), randDatum(r, t2, true)
			if r.IntN(4) == 0 {
				b1 = a1 // exercise the second column
			}
			ka := encode2(t, a1, t1, desc1, a2, t2, desc2)
			kb := encode2(t, b1, t1, desc1, b2, t2, desc2)
			want := compareRef(a1, b1, t1)
			if desc1 {
				want = -want
			}
			if want == 0 {
				want = compareRef(a2, b2, t2)
				if desc2 {
					want = -want
				}
			}
			if got := bytes.Compare(ka, kb); sign(got) != sign(want) {
				t.Fatalf("%s/%s desc=%v/%v:\n a=(%v, %v) %x\n b=(%v, %v) %x\n bytes.Compare=%d want %d",
					t1, t2, desc1, desc2, show(a1), show(a2), ka, show(b1), show(b2), kb, got, want)
			}
			// Round trip.
			d1, rest, err := DecodeKey(ka, t1, desc1)
			if err != nil {
				t.Fatalf("decode %s: %v", t1, err)
			}
			d2, rest, err := DecodeKey(rest, t2, desc2)
			if err != nil {
				t.Fatalf("decode %s: %v", t2, err)
			}
			if len(rest) != 0 {
				t.Fatalf("%d bytes left", len(rest))
			}
			checkEqual(t, t1, a1, d1)
			checkEqual(t, t2, a2, d2)
		}
	}
}

func encode2(t *testing.T, a types.Datum, ta *types.T, da bool, b types.Datum, tb *types.T, db bool) []byte {
	k, err := AppendKey(nil, a, ta, da)
	if err != nil {
		t.Fatal(err)
	}
	k, err = AppendKey(k, b, tb, db)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func show(d types.Datum) string {
	if dd, ok := d.(*types.DDecimal); ok {
		return dd.String()
	}
	if a, ok := d.(*types.DArray); ok {
		s := "{"
		for _, e := range a.Elems {
			s += show(e) + ","
		}
		return s + "}"
	}
	return fmt.Sprintf("%#v", d)
}

func checkEqual(t *testing.T, typ *types.T, want, got types.Datum) {
	t.Helper()
	if want == types.DNull || got == types.DNull {
		if want != got {
			t.Fatalf("%s round trip: %s -> %s", typ, show(want), show(got))
		}
		return
	}
	switch typ.Family {
	case types.FloatFamily:
		w, g := float64(want.(types.DFloat)), float64(got.(types.DFloat))
		if w == g || (math.IsNaN(w) && math.IsNaN(g)) {
			return
		}
	case types.DecimalFamily:
		if want == types.DNull || got == types.DNull {
			break
		}
		w, g := want.(*types.DDecimal), got.(*types.DDecimal)
		if compareRef(w, g, typ) != 0 {
			break
		}
		// A constrained scale must survive the key round trip.
		if _, s := typ.NumericPrecScale(); s >= 0 && w.Form == apd.Finite && w.String() != g.String() {
			t.Fatalf("numeric(%s) scale lost: %s -> %s", typ, w, g)
		}
		if g.Exponent > 0 {
			t.Fatalf("decoded %s with positive exponent", g)
		}
		return
	case types.ArrayFamily:
		if want == types.DNull || got == types.DNull {
			break
		}
		w, g := want.(*types.DArray), got.(*types.DArray)
		if len(w.Elems) != len(g.Elems) {
			break
		}
		for i := range w.Elems {
			checkEqual(t, typ.Elem, w.Elems[i], g.Elems[i])
		}
		return
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("%s round trip: %s -> %s", typ, show(want), show(got))
	}
}

func TestJSONKeyDeterministic(t *testing.T) {
	a := &types.DJSON{V: map[string]any{"b": json.Number("2"), "a": []any{nil, true}}}
	b := &types.DJSON{V: map[string]any{"a": []any{nil, true}, "b": json.Number("2")}}
	ka, err := AppendKey(nil, a, types.JSONB, false)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := AppendKey(nil, b, types.JSONB, false)
	if !bytes.Equal(ka, kb) {
		t.Fatal("equal jsonb values encode differently")
	}
	d, rest, err := DecodeKey(ka, types.JSONB, false)
	if err != nil || len(rest) != 0 || !reflect.DeepEqual(d, a) {
		t.Fatalf("jsonb round trip: %#v %v", d, err)
	}
}

func TestKeyErrors(t *testing.T) {
	if _, err := AppendKey(nil, types.DString("x"), types.Int8, false); err == nil {
		t.Error("mismatched datum accepted")
	}
	if _, err := AppendKey(nil, &types.DTuple{}, types.Record, false); err == nil {
		t.Error("record key accepted")
	}
	k, _ := AppendKey(nil, types.DString("hello"), types.Text, false)
	for i := 0; i < len(k); i++ {
		if _, _, err := DecodeKey(k[:i], types.Text, false); err == nil {
			t.Errorf("truncated key %x decoded", k[:i])
		}
	}
}

var valueTypes = append(keyTypes, types.JSONB, types.ArrayOf(types.Numeric), types.ArrayOf(types.Interval))

func TestRowValueRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for iter := 0; iter < 2000; iter++ {
		n := r.IntN(8) + 1
		ids := make([]uint32, 0, n)
		var id uint32
		for len(ids) < n {
			id += uint32(r.IntN(300)) + 1 // gaps: dropped columns, multi-byte deltas
			ids = append(ids, id)
		}
		typs := make([]*types.T, n)
		vals := make([]types.Datum, n)
		for i := range ids {
			typs[i] = valueTypes[r.IntN(len(valueTypes))]
			vals[i] = randDatum(r, typs[i], true)
		}
		if r.IntN(3) == 0 { // unsorted input
			r.Shuffle(n, func(i, j int) {
				ids[i], ids[j] = ids[j], ids[i]
				typs[i], typs[j] = typs[j], typs[i]
				vals[i], vals[j] = vals[j], vals[i]
			})
		}
		b, err := EncodeRow(ids, vals, typs)
		if err != nil {
			t.Fatal(err)
		}
		// Decode a random subset plus a column that was never written.
		var wantIDs []uint32
		var wantTyps []*types.T
		var wantVals []types.Datum
		for i := range ids {
			if r.IntN(2) == 0 {
				wantIDs, wantTyps, wantVals = append(wantIDs, ids[i]), append(wantTyps, typs[i]), append(wantVals, vals[i])
			}
		}
		wantIDs, wantTyps, wantVals = append(wantIDs, id+1), append(wantTyps, types.Int8), append(wantVals, types.DNull)
		out := make([]types.Datum, len(wantIDs))
		if err := DecodeRow(b, wantIDs, wantTyps, out); err != nil {
			t.Fatal(err)
		}
		for i := range wantIDs {
			if wantTyps[i].Family == types.DecimalFamily && wantVals[i] != types.DNull {
				if w, g := wantVals[i].(*types.DDecimal), out[i].(*types.DDecimal); w.String() != g.String() {
					t.Fatalf("numeric value %s -> %s", w, g)
				}
				continue
			}
			checkValueEqual(t, wantTyps[i], wantVals[i], out[i])
		}
	}
}

func checkValueEqual(t *testing.T, typ *types.T, want, got types.Datum) {
	t.Helper()
	if typ.Family == types.FloatFamily && want != types.DNull {
		w, g := want.(types.DFloat), got.(types.DFloat)
		if math.Float64bits(float64(w)) != math.Float64bits(float64(g)) {
			t.Fatalf("float %v -> %v", w, g)
		}
		return
	}
	if typ.Family == types.ArrayFamily && want != types.DNull {
		w, g := want.(*types.DArray), got.(*types.DArray)
		if len(w.Elems) != len(g.Elems) || w.LowerBound != g.LowerBound {
			t.Fatalf("array %s -> %s", show(w), show(g))
		}
		for i := range w.Elems {
			if w.Elems[i] != types.DNull && typ.Elem.Family == types.DecimalFamily {
				if w.Elems[i].(*types.DDecimal).String() != g.Elems[i].(*types.DDecimal).String() {
					t.Fatalf("array numeric %s -> %s", show(w), show(g))
				}
				continue
			}
			checkValueEqual(t, typ.Elem, w.Elems[i], g.Elems[i])
		}
		return
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("%s value round trip: %s -> %s", typ, show(want), show(got))
	}
}

func TestRowValueLargePayloadAndCorruption(t *testing.T) {
	long := types.DString(bytes.Repeat([]byte("x"), 100000))
	arr := &types.DArray{Elem: types.Text, LowerBound: 1, Elems: []types.Datum{long, types.DNull, types.DString("y")}}
	ids := []uint32{1, 2, 3}
	typs := []*types.T{types.Text, types.ArrayOf(types.Text), types.Int8}
	b, err := EncodeRow(ids, []types.Datum{long, arr, types.DInt(5)}, typs)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]types.Datum, 3)
	if err := DecodeRow(b, ids, typs, out); err != nil {
		t.Fatal(err)
	}
	if out[0] != long || !reflect.DeepEqual(out[1], arr) || out[2] != types.DInt(5) {
		t.Fatal("large payload round trip")
	}
	// Every truncation fails cleanly or decodes a prefix; never panics.
	for i := 0; i < len(b); i += 997 {
		_ = DecodeRow(b[:i], ids, typs, out)
	}
	if _, err := EncodeRow([]uint32{1, 1}, []types.Datum{types.DInt(1), types.DInt(2)}, []*types.T{types.Int8, types.Int8}); err == nil {
		t.Error("duplicate column IDs accepted")
	}
}

func BenchmarkDecodeRow(b *testing.B) {
	ids := []uint32{2, 3, 4, 5}
	typs := []*types.T{types.Int8, types.Text, types.Float8, types.TimestampTZ}
	enc, _ := EncodeRow(ids, []types.Datum{types.DInt(12345), types.DString("hello world"), types.DFloat(1.5), types.DTimestampTZ(1e15)}, typs)
	rd := NewRowDecoder(ids, typs)
	out := make([]types.Datum, 4)
	b.ReportAllocs()
	for b.Loop() {
		if err := rd.Decode(enc, out); err != nil {
			b.Fatal(err)
		}
	}
}
