package rowenc

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/cockroachdb/apd/v3"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/storage/keys"
)

// Value payload kinds; the kind alone tells a decoder how to skip a value.
const (
	kindVarint = 0 // zigzag varint
	kindFixed8 = 1 // 8 bytes
	kindBytes  = 2 // uvarint length + bytes
	kindBits   = 2
)

// EncodeRow encodes the non-NULL values of the given columns. colIDs
// should be ascending (the fast path); other orders are sorted first.
func EncodeRow(colIDs []uint32, vals []types.Datum, typs []*types.T) ([]byte, error) {
	return AppendRow(nil, colIDs, vals, typs)
}

// AppendRow is EncodeRow appending to b (reuse a buffer across rows).
func AppendRow(b []byte, colIDs []uint32, vals []types.Datum, typs []*types.T) ([]byte, error) {
	if len(vals) != len(colIDs) || len(typs) != len(colIDs) {
		return b, fmt.Errorf("rowenc: %d column IDs, %d values, %d types", len(colIDs), len(vals), len(typs))
	}
	order := ascendingOrder(colIDs)
	var prev uint32
	for n := range colIDs {
		i := n
		if order != nil {
			i = order[n]
		}
		id := colIDs[i]
		if n > 0 && id <= prev {
			return b, fmt.Errorf("rowenc: duplicate column ID %d", id)
		}
		if vals[i] == types.DNull {
			continue
		}
		var err error
		if b, err = appendValue(b, uint64(id-prev), vals[i], typs[i]); err != nil {
			return b, err
		}
		prev = id
	}
	return b, nil
}

// ascendingOrder returns nil when ids is strictly ascending, else the
// permutation that sorts it.
func ascendingOrder(ids []uint32) []int {
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			order := make([]int, len(ids))
			for j := range order {
				order[j] = j
			}
			slices.SortFunc(order, func(a, b int) int { return int(int64(ids[a]) - int64(ids[b])) })
			return order
		}
	}
	return nil
}

// appendValue writes the header (delta<<kindBits | kind) and payload.
func appendValue(b []byte, delta uint64, d types.Datum, t *types.T) ([]byte, error) {
	hdr := func(kind uint64) { b = binary.AppendUvarint(b, delta<<kindBits|kind) }
	varint := func(v int64) { hdr(kindVarint); b = binary.AppendVarint(b, v) }
	switch t.Family {
	case types.BoolFamily:
		if v, ok := d.(types.DBool); ok {
			if v {
				varint(1)
			} else {
				varint(0)
			}
			return b, nil
		}
	case types.IntFamily:
		if v, ok := d.(types.DInt); ok {
			varint(int64(v))
			return b, nil
		}
	case types.DateFamily:
		if v, ok := d.(types.DDate); ok {
			varint(int64(v))
			return b, nil
		}
	case types.TimeFamily:
		if v, ok := d.(types.DTime); ok {
			varint(int64(v))
			return b, nil
		}
	case types.TimestampFamily:
		if v, ok := d.(types.DTimestamp); ok {
			varint(int64(v))
			return b, nil
		}
	case types.TimestampTZFamily:
		if v, ok := d.(types.DTimestampTZ); ok {
			varint(int64(v))
			return b, nil
		}
	case types.FloatFamily:
		if v, ok := d.(types.DFloat); ok {
			hdr(kindFixed8)
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(float64(v)))
			return b, nil
		}
	}
	// Everything else is length-prefixed; encode the payload after a
	// placeholder-free two-pass: payload into a scratch slice of b's tail.
	hdr(kindBytes)
	return appendBytesPayload(b, d, t)
}

// appendBytesPayload appends uvarint(len) + payload for a kindBytes value.
func appendBytesPayload(b []byte, d types.Datum, t *types.T) ([]byte, error) {
	switch t.Family {
	case types.StringFamily:
		if v, ok := d.(types.DString); ok {
			return append(binary.AppendUvarint(b, uint64(len(v))), v...), nil
		}
	case types.BytesFamily:
		if v, ok := d.(types.DBytes); ok {
			return append(binary.AppendUvarint(b, uint64(len(v))), v...), nil
		}
	case types.UUIDFamily:
		if v, ok := d.(types.DUUID); ok {
			return append(append(b, 16), v[:]...), nil
		}
	}
	// Variable payloads are built after the length, then the length is
	// fixed up; payloads under 128 bytes (the common case) need no move.
	start := len(b)
	b = append(b, 0)
	var err error
	if b, err = appendPayload(b, d, t); err != nil {
		return b, err
	}
	n := len(b) - start - 1
	if n < 0x80 {
		b[start] = byte(n)
		return b, nil
	}
	var lenBuf [binary.MaxVarintLen64]byte
	ln := binary.PutUvarint(lenBuf[:], uint64(n))
	b = append(b, lenBuf[:ln-1]...)
	copy(b[start+ln:], b[start+1:start+1+n])
	copy(b[start:], lenBuf[:ln])
	return b, nil
}

func appendPayload(b []byte, d types.Datum, t *types.T) ([]byte, error) {
	switch t.Family {
	case types.DecimalFamily:
		if v, ok := d.(*types.DDecimal); ok {
			flags := byte(v.Form) << 1
			if v.Negative {
				flags |= 1
			}
			b = append(b, flags)
			b = binary.AppendVarint(b, int64(v.Exponent))
			return append(b, v.Coeff.Bytes()...), nil
		}
	case types.IntervalFamily:
		if v, ok := d.(types.DInterval); ok {
			b = binary.AppendVarint(b, int64(v.Months))
			b = binary.AppendVarint(b, int64(v.Days))
			return binary.AppendVarint(b, v.Micros), nil
		}
	case types.JSONFamily:
		if v, ok := d.(*types.DJSON); ok {
			j, err := json.Marshal(v.V)
			if err != nil {
				return b, fmt.Errorf("rowenc: jsonb value: %w", err)
			}
			return append(b, j...), nil
		}
	case types.ArrayFamily:
		if v, ok := d.(*types.DArray); ok {
			b = binary.AppendVarint(b, int64(v.LowerBound))
			b = binary.AppendUvarint(b, uint64(len(v.Elems)))
			var err error
			for _, e := range v.Elems {
				if e == types.DNull {
					b = append(b, 0xFF) // never a valid header of a delta-0 value
					continue
				}
				if b, err = appendValue(b, 0, e, t.Elem); err != nil {
					return b, err
				}
			}
			return b, nil
		}
	}
	return b, typeErr(d, t)
}

// RowDecoder decodes chosen columns of row values. Build one per plan and
// reuse it; Decode does not allocate beyond the datums themselves.
type RowDecoder struct {
	ids  []uint32 // ascending
	typs []*types.T
	out  []int // ids[i] goes to out[outIdx[i]]
}

// NewRowDecoder prepares decoding of colIDs (any order) into positions
// 0..len-1 of the output row.
func NewRowDecoder(colIDs []uint32, typs []*types.T) *RowDecoder {
	d := &RowDecoder{ids: make([]uint32, len(colIDs)), typs: make([]*types.T, len(colIDs)), out: make([]int, len(colIDs))}
	order := ascendingOrder(colIDs)
	for n := range colIDs {
		i := n
		if order != nil {
			i = order[n]
		}
		d.ids[n], d.typs[n], d.out[n] = colIDs[i], typs[i], i
	}
	return d
}

// DecodeRow decodes the wanted columns of b into out (len(out) >= len(colIDs));
// columns absent from b are NULL. For repeated use prefer a RowDecoder.
func DecodeRow(b []byte, colIDs []uint32, typs []*types.T, out []types.Datum) error {
	return NewRowDecoder(colIDs, typs).Decode(b, out)
}

// Decode fills out[i] with the value of the i-th requested column.
func (rd *RowDecoder) Decode(b []byte, out []types.Datum) error {
	for i := range rd.ids {
		out[rd.out[i]] = types.DNull
	}
	var id uint32
	j := 0
	for len(b) > 0 && j < len(rd.ids) {
		h, n := binary.Uvarint(b)
		if n <= 0 {
			return corrupt("value header")
		}
		b = b[n:]
		id += uint32(h >> kindBits)
		kind := h & (1<<kindBits - 1)
		for j < len(rd.ids) && rd.ids[j] < id {
			j++
		}
		if j < len(rd.ids) && rd.ids[j] == id {
			d, rest, err := decodeValue(b, kind, rd.typs[j])
			if err != nil {
				return err
			}
			out[rd.out[j]], b = d, rest
			j++
			continue
		}
		var err error
		if b, err = skipValue(b, kind); err != nil {
			return err
		}
	}
	return nil
}

func corrupt(what string) error { return fmt.Errorf("%w: %s", keys.ErrCorrupt, what) }

func skipValue(b []byte, kind uint64) ([]byte, error) {
	switch kind {
	case kindVarint:
		_, n := binary.Varint(b)
		if n <= 0 {
			return nil, corrupt("varint value")
		}
		return b[n:], nil
	case kindFixed8:
		if len(b) < 8 {
			return nil, corrupt("fixed value")
		}
		return b[8:], nil
	case kindBytes:
		l, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < l {
			return nil, corrupt("bytes value")
		}
		return b[n+int(l):], nil
	}
	return nil, corrupt("value kind")
}

func decodeValue(b []byte, kind uint64, t *types.T) (types.Datum, []byte, error) {
	switch kind {
	case kindVarint:
		v, n := binary.Varint(b)
		if n <= 0 {
			return nil, nil, corrupt("varint value")
		}
		b = b[n:]
		switch t.Family {
		case types.BoolFamily:
			return types.DBool(v != 0), b, nil
		case types.IntFamily:
			return types.DInt(v), b, nil
		case types.DateFamily:
			return types.DDate(v), b, nil
		case types.TimeFamily:
			return types.DTime(v), b, nil
		case types.TimestampFamily:
			return types.DTimestamp(v), b, nil
		case types.TimestampTZFamily:
			return types.DTimestampTZ(v), b, nil
		}
	case kindFixed8:
		if len(b) < 8 {
			return nil, nil, corrupt("fixed value")
		}
		if t.Family == types.FloatFamily {
			return types.DFloat(math.Float64frombits(binary.LittleEndian.Uint64(b))), b[8:], nil
		}
	case kindBytes:
		l, n := binary.Uvarint(b)
		if n <= 0 || uint64(len(b)-n) < l {
			return nil, nil, corrupt("bytes value")
		}
		p, rest := b[n:n+int(l)], b[n+int(l):]
		d, err := decodeBytesPayload(p, t)
		return d, rest, err
	}
	return nil, nil, fmt.Errorf("%w: value of kind %d does not decode as %s", keys.ErrCorrupt, kind, t)
}

func decodeBytesPayload(p []byte, t *types.T) (types.Datum, error) {
	switch t.Family {
	case types.StringFamily:
		return types.DString(p), nil
	case types.BytesFamily:
		return types.DBytes(p), nil
	case types.UUIDFamily:
		if len(p) != 16 {
			return nil, corrupt("uuid value")
		}
		return types.DUUID(p), nil
	case types.DecimalFamily:
		if len(p) < 2 {
			return nil, corrupt("numeric value")
		}
		d := &types.DDecimal{}
		d.Form = apd.Form(p[0] >> 1)
		d.Negative = p[0]&1 != 0
		e, n := binary.Varint(p[1:])
		if n <= 0 || e < math.MinInt32 || e > math.MaxInt32 {
			return nil, corrupt("numeric exponent")
		}
		d.Exponent = int32(e)
		d.Coeff.SetBytes(p[1+n:])
		return d, nil
	case types.IntervalFamily:
		var f [3]int64
		for i := range f {
			v, n := binary.Varint(p)
			if n <= 0 {
				return nil, corrupt("interval value")
			}
			f[i], p = v, p[n:]
		}
		return types.DInterval{Months: int32(f[0]), Days: int32(f[1]), Micros: f[2]}, nil
	case types.JSONFamily:
		var j any
		dec := json.NewDecoder(bytesReader(p))
		dec.UseNumber()
		if err := dec.Decode(&j); err != nil {
			return nil, corrupt("jsonb value")
		}
		return &types.DJSON{V: j}, nil
	case types.ArrayFamily:
		lb, n := binary.Varint(p)
		if n <= 0 {
			return nil, corrupt("array value")
		}
		p = p[n:]
		cnt, n := binary.Uvarint(p)
		if n <= 0 || cnt > uint64(len(p)) {
			return nil, corrupt("array length")
		}
		p = p[n:]
		arr := &types.DArray{Elem: t.Elem, LowerBound: int32(lb), Elems: make([]types.Datum, 0, cnt)}
		for range cnt {
			if len(p) > 0 && p[0] == 0xFF {
				arr.Elems = append(arr.Elems, types.DNull)
				p = p[1:]
				continue
			}
			h, n := binary.Uvarint(p)
			if n <= 0 || h>>kindBits != 0 {
				return nil, corrupt("array element")
			}
			e, rest, err := decodeValue(p[n:], h&(1<<kindBits-1), t.Elem)
			if err != nil {
				return nil, err
			}
			arr.Elems, p = append(arr.Elems, e), rest
		}
		return arr, nil
	}
	return nil, fmt.Errorf("%w: bytes value does not decode as %s", keys.ErrCorrupt, t)
}
