package keys

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// Marker bytes.
const (
	// NullAscending encodes NULL in an ascending column: after every value.
	NullAscending byte = 0xFF
	// NullDescending encodes NULL in a descending column: before every value.
	NullDescending byte = 0x00

	intMin      = 0x80 // tag of the most negative (8-byte) integers
	intMaxWidth = 8
	intZero     = intMin + intMaxWidth // 0x88: tag of the value 0
	intMax      = 0xfd
	intSmall    = intMax - intZero - intMaxWidth // 109: largest one-byte value

	floatTag  = 0x05
	bytesTag  = 0x12
	escape    = 0x00
	escaped00 = 0xFF
	escTerm   = 0x01
)

// ErrCorrupt is wrapped by every decoding error.
var ErrCorrupt = fmt.Errorf("keys: corrupt encoding")

func errorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
}

// Invert flips every byte of b in place. Descending encodings are the
// inverted ascending ones.
func Invert(b []byte) {
	for i := range b {
		b[i] = ^b[i]
	}
}

func mask(desc bool) byte {
	if desc {
		return 0xFF
	}
	return 0
}

// EncodeNullAscending appends the ascending NULL marker.
func EncodeNullAscending(b []byte) []byte { return append(b, NullAscending) }

// EncodeNullDescending appends the descending NULL marker.
func EncodeNullDescending(b []byte) []byte { return append(b, NullDescending) }

// IsNull reports whether b starts with the NULL marker of the given direction.
func IsNull(b []byte, desc bool) bool {
	return len(b) > 0 && b[0] == NullAscending^mask(desc)
}

// EncodeUvarintAscending appends an order-preserving encoding of v.
func EncodeUvarintAscending(b []byte, v uint64) []byte {
	if v <= intSmall {
		return append(b, intZero+byte(v))
	}
	n := 8 - leadingZeroBytes(v)
	b = append(b, intMax-intMaxWidth+byte(n))
	for i := n - 1; i >= 0; i-- {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

// EncodeUvarintDescending appends a reverse-order encoding of v.
func EncodeUvarintDescending(b []byte, v uint64) []byte {
	s := len(b)
	b = EncodeUvarintAscending(b, v)
	Invert(b[s:])
	return b
}

// DecodeUvarintAscending decodes a value written by EncodeUvarintAscending.
func DecodeUvarintAscending(b []byte) (rest []byte, v uint64, err error) {
	return decodeUvarint(b, 0)
}

// DecodeUvarintDescending decodes a value written by EncodeUvarintDescending.
func DecodeUvarintDescending(b []byte) (rest []byte, v uint64, err error) {
	return decodeUvarint(b, 0xFF)
}

func decodeUvarint(b []byte, m byte) ([]byte, uint64, error) {
	if len(b) == 0 {
		return nil, 0, errorf("empty uvarint")
	}
	t := b[0] ^ m
	if t >= intZero && t <= intZero+intSmall {
		return b[1:], uint64(t - intZero), nil
	}
	if t <= intZero+intSmall || t > intMax {
		return nil, 0, errorf("bad uvarint tag %#x", t)
	}
	n := int(t - (intMax - intMaxWidth))
	if len(b) < 1+n {
		return nil, 0, errorf("short uvarint")
	}
	var v uint64
	for i := 1; i <= n; i++ {
		v = v<<8 | uint64(b[i]^m)
	}
	return b[1+n:], v, nil
}

// EncodeVarintAscending appends an order-preserving encoding of v.
func EncodeVarintAscending(b []byte, v int64) []byte {
	if v >= 0 {
		return EncodeUvarintAscending(b, uint64(v))
	}
	// Negative: tag intZero-n with n the byte length of the two's
	// complement value; more bytes means more negative means a smaller tag.
	n := 8 - leadingZeroBytes(^uint64(v))
	if n == 0 {
		n = 1
	}
	b = append(b, intZero-byte(n))
	for i := n - 1; i >= 0; i-- {
		b = append(b, byte(uint64(v)>>(8*i)))
	}
	return b
}

// EncodeVarintDescending appends a reverse-order encoding of v.
func EncodeVarintDescending(b []byte, v int64) []byte {
	s := len(b)
	b = EncodeVarintAscending(b, v)
	Invert(b[s:])
	return b
}

// DecodeVarintAscending decodes a value written by EncodeVarintAscending.
func DecodeVarintAscending(b []byte) (rest []byte, v int64, err error) {
	return decodeVarint(b, 0)
}

// DecodeVarintDescending decodes a value written by EncodeVarintDescending.
func DecodeVarintDescending(b []byte) (rest []byte, v int64, err error) {
	return decodeVarint(b, 0xFF)
}

func decodeVarint(b []byte, m byte) ([]byte, int64, error) {
	if len(b) == 0 {
		return nil, 0, errorf("empty varint")
	}
	t := b[0] ^ m
	if t >= intZero {
		rest, u, err := decodeUvarint(b, m)
		if err != nil {
			return nil, 0, err
		}
		if u > math.MaxInt64 {
			return nil, 0, errorf("varint overflow")
		}
		return rest, int64(u), nil
	}
	if t < intMin {
		return nil, 0, errorf("bad varint tag %#x", t)
	}
	n := int(intZero - t)
	if len(b) < 1+n {
		return nil, 0, errorf("short varint")
	}
	v := ^uint64(0) // sign-extend
	for i := 1; i <= n; i++ {
		v = v<<8 | uint64(b[i]^m)
	}
	return b[1+n:], int64(v), nil
}

func leadingZeroBytes(v uint64) int {
	n := 0
	for n < 8 && v>>(56-8*n)&0xff == 0 {
		n++
	}
	return n
}

// EncodeFloatAscending appends an order-preserving encoding of f. -0 is
// encoded as +0 and every NaN as one NaN that sorts after +Inf, matching
// PostgreSQL's float comparison.
func EncodeFloatAscending(b []byte, f float64) []byte {
	var u uint64
	switch {
	case f != f:
		u = 0x7FF8000000000001 // canonical NaN, above +Inf (0x7FF0...)
	case f == 0:
		u = 0
	default:
		u = math.Float64bits(f)
	}
	if u&(1<<63) == 0 {
		u |= 1 << 63
	} else {
		u = ^u
	}
	b = append(b, floatTag)
	return binary.BigEndian.AppendUint64(b, u)
}

// EncodeFloatDescending appends a reverse-order encoding of f.
func EncodeFloatDescending(b []byte, f float64) []byte {
	s := len(b)
	b = EncodeFloatAscending(b, f)
	Invert(b[s:])
	return b
}

// DecodeFloatAscending decodes a value written by EncodeFloatAscending.
func DecodeFloatAscending(b []byte) ([]byte, float64, error) { return decodeFloat(b, 0) }

// DecodeFloatDescending decodes a value written by EncodeFloatDescending.
func DecodeFloatDescending(b []byte) ([]byte, float64, error) { return decodeFloat(b, 0xFF) }

func decodeFloat(b []byte, m byte) ([]byte, float64, error) {
	if len(b) < 9 || b[0]^m != floatTag {
		return nil, 0, errorf("bad float")
	}
	var u uint64
	for i := 1; i <= 8; i++ {
		u = u<<8 | uint64(b[i]^m)
	}
	if u&(1<<63) != 0 {
		u &^= 1 << 63
	} else {
		u = ^u
	}
	return b[9:], math.Float64frombits(u), nil
}

// EncodeBytesAscending appends an order-preserving, self-delimiting
// encoding of s: 0x00 bytes are escaped as 0x00 0xFF and the value ends
// with 0x00 0x01, so a shorter prefix sorts first.
func EncodeBytesAscending(b []byte, s []byte) []byte {
	b = append(b, bytesTag)
	for {
		i := bytes.IndexByte(s, escape)
		if i < 0 {
			break
		}
		b = append(b, s[:i]...)
		b = append(b, escape, escaped00)
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, escape, escTerm)
}

// EncodeStringAscending is EncodeBytesAscending for a string.
func EncodeStringAscending(b []byte, s string) []byte {
	b = append(b, bytesTag)
	for {
		i := strings.IndexByte(s, escape)
		if i < 0 {
			break
		}
		b = append(b, s[:i]...)
		b = append(b, escape, escaped00)
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, escape, escTerm)
}

// EncodeBytesDescending appends a reverse-order encoding of s.
func EncodeBytesDescending(b []byte, s []byte) []byte {
	st := len(b)
	b = EncodeBytesAscending(b, s)
	Invert(b[st:])
	return b
}

// EncodeStringDescending appends a reverse-order encoding of s.
func EncodeStringDescending(b []byte, s string) []byte {
	st := len(b)
	b = EncodeStringAscending(b, s)
	Invert(b[st:])
	return b
}

// DecodeBytesAscending decodes a value written by EncodeBytesAscending,
// appending the decoded bytes to buf.
func DecodeBytesAscending(b []byte, buf []byte) (rest, out []byte, err error) {
	return decodeBytes(b, buf, 0)
}

// DecodeBytesDescending decodes a value written by EncodeBytesDescending.
func DecodeBytesDescending(b []byte, buf []byte) (rest, out []byte, err error) {
	return decodeBytes(b, buf, 0xFF)
}

func decodeBytes(b []byte, buf []byte, m byte) ([]byte, []byte, error) {
	if len(b) == 0 || b[0]^m != bytesTag {
		return nil, nil, errorf("bad bytes tag")
	}
	b = b[1:]
	for {
		i := bytes.IndexByte(b, escape^m)
		if i < 0 || i+1 >= len(b) {
			return nil, nil, errorf("unterminated bytes")
		}
		start := len(buf)
		buf = append(buf, b[:i]...)
		if m != 0 {
			Invert(buf[start:])
		}
		switch b[i+1] ^ m {
		case escTerm:
			return b[i+2:], buf, nil
		case escaped00:
			buf = append(buf, 0)
			b = b[i+2:]
		default:
			return nil, nil, errorf("bad bytes escape")
		}
	}
}
