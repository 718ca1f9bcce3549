package pqfile

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/cockroachdb/apd/v3"
	"github.com/conflux-db/conflux/sql/types"
)

// statsKey is the Parquet key-value metadata entry holding the exact
// per-row-group statistics (JSON []RowGroupInfo). Parquet's own
// statistics are written too, for other engines, but they are typed by the
// physical column (a numeric stored as text orders as text) and may be
// truncated; these are the ones pruning trusts.
const statsKey = "conflux.stats"

// ordered reports whether values of t have min/max statistics: the types
// whose order is a total order PostgreSQL's btree uses. jsonb and arrays
// have none (nobody prunes on them).
func ordered(t *types.T) bool {
	switch t.Family {
	case types.JSONFamily, types.ArrayFamily, types.RecordFamily, types.UnknownFamily, types.VoidFamily:
		return false
	}
	return true
}

// arrayStats returns the NULL count and the positions of a minimum and a
// maximum non-NULL value of arr (-1 when none or t has no order). Fast
// paths compare native values in the order types.Compare uses; the rest
// compare datums.
func arrayStats(arr arrow.Array, t *types.T) (nulls int64, lo, hi int, err error) {
	nulls = int64(arr.NullN())
	lo, hi = -1, -1
	if !ordered(t) || int(nulls) == arr.Len() {
		return nulls, lo, hi, nil
	}
	if ext, ok := arr.(array.ExtensionArray); ok {
		arr = ext.Storage()
	}
	valid := func(i int) bool { return nulls == 0 || arr.IsValid(i) }
	// scan finds argmin/argmax with less.
	scan := func(less func(i, j int) bool) {
		for i := 0; i < arr.Len(); i++ {
			if !valid(i) {
				continue
			}
			if lo < 0 {
				lo, hi = i, i
				continue
			}
			if less(i, lo) {
				lo = i
			}
			if less(hi, i) {
				hi = i
			}
		}
	}
	switch a := arr.(type) {
	case *array.Boolean:
		scan(func(i, j int) bool { return !a.Value(i) && a.Value(j) })
	case *array.Int16:
		scan(func(i, j int) bool { return a.Value(i) < a.Value(j) })
	case *array.Int32:
		scan(func(i, j int) bool { return a.Value(i) < a.Value(j) })
	case *array.Int64:
		scan(func(i, j int) bool { return a.Value(i) < a.Value(j) })
	case *array.Date32:
		scan(func(i, j int) bool { return a.Value(i) < a.Value(j) })
	case *array.Time64:
		scan(func(i, j int) bool { return a.Value(i) < a.Value(j) })
	case *array.Timestamp:
		scan(func(i, j int) bool { return a.Value(i) < a.Value(j) })
	case *array.Float32:
		scan(func(i, j int) bool { return floatLess(float64(a.Value(i)), float64(a.Value(j))) })
	case *array.Float64:
		scan(func(i, j int) bool { return floatLess(a.Value(i), a.Value(j)) })
	case *array.Decimal128:
		scan(func(i, j int) bool { return a.Value(i).Less(a.Value(j)) })
	case *array.Binary:
		scan(func(i, j int) bool { return bytes.Compare(a.Value(i), a.Value(j)) < 0 })
	case *array.FixedSizeBinary:
		scan(func(i, j int) bool { return bytes.Compare(a.Value(i), a.Value(j)) < 0 })
	case *array.String:
		if t.Family == types.StringFamily {
			scan(func(i, j int) bool { return a.Value(i) < a.Value(j) })
			break
		}
		// numeric or interval in text form: order by value.
		get, gerr := newGet(a, t)
		if gerr != nil {
			return nulls, -1, -1, gerr
		}
		ds := make([]types.Datum, a.Len())
		for i := range ds {
			if valid(i) {
				if ds[i], err = get(i); err != nil {
					return nulls, -1, -1, err
				}
			}
		}
		scan(func(i, j int) bool { return types.Compare(ds[i], ds[j]) < 0 })
	default:
		return nulls, -1, -1, nil
	}
	return nulls, lo, hi, nil
}

// floatLess orders floats as PostgreSQL does: NaN above everything.
func floatLess(a, b float64) bool {
	if math.IsNaN(b) {
		return !math.IsNaN(a)
	}
	return a < b
}

// statsAcc accumulates one column's statistics over record pieces.
type statsAcc struct {
	min, max types.Datum
	nulls    int64
}

func (s *statsAcc) add(arr arrow.Array, t *types.T) error {
	nulls, lo, hi, err := arrayStats(arr, t)
	if err != nil {
		return err
	}
	s.nulls += nulls
	if lo < 0 {
		return nil
	}
	if a, ok := arr.(*array.String); ok && t.Family == types.StringFamily {
		// Two values: copy them, not the column (as newGet would).
		s.merge(types.DString(strings.Clone(a.Value(lo))), types.DString(strings.Clone(a.Value(hi))))
		return nil
	}
	get, err := newGet(arr, t)
	if err != nil {
		return err
	}
	mn, err := get(lo)
	if err != nil {
		return err
	}
	mx, err := get(hi)
	if err != nil {
		return err
	}
	s.merge(mn, mx)
	return nil
}

func (s *statsAcc) merge(mn, mx types.Datum) {
	if mn != nil && (s.min == nil || types.Compare(mn, s.min) < 0) {
		s.min = mn
	}
	if mx != nil && (s.max == nil || types.Compare(mx, s.max) > 0) {
		s.max = mx
	}
}

// mergeStats merges row-group statistics into file statistics.
func mergeStats(groups []RowGroupInfo, ids []uint32) []ColumnStats {
	out := make([]ColumnStats, len(ids))
	for i, id := range ids {
		acc := statsAcc{}
		var rows int64
		for _, g := range groups {
			rows += g.Rows
			for _, cs := range g.Stats {
				if cs.ColumnID == id {
					acc.nulls += cs.NullCount
					acc.merge(cs.Min, cs.Max)
				}
			}
		}
		out[i] = ColumnStats{ColumnID: id, Min: acc.min, Max: acc.max, NullCount: acc.nulls, Rows: rows}
	}
	return out
}

// mayMatch is MayMatch.
func mayMatch(stats []ColumnStats, ranges []Range) bool {
	for _, r := range ranges {
		var s *ColumnStats
		for i := range stats {
			if stats[i].ColumnID == r.ColumnID {
				s = &stats[i]
				break
			}
		}
		if s == nil {
			continue // unknown column: cannot prune
		}
		bounded := r.Lo != nil || r.Hi != nil
		if s.Min == nil || s.Max == nil {
			if bounded && s.Rows > 0 && s.NullCount == s.Rows {
				return false // only NULLs: no comparison is true
			}
			continue
		}
		if r.Lo != nil && comparable(s.Max, r.Lo) {
			if c := types.Compare(s.Max, r.Lo); c < 0 || c == 0 && !r.LoIncl {
				return false
			}
		}
		if r.Hi != nil && comparable(s.Min, r.Hi) {
			if c := types.Compare(s.Min, r.Hi); c > 0 || c == 0 && !r.HiIncl {
				return false
			}
		}
	}
	return true
}

// comparable reports whether types.Compare orders a and b by value (not
// by the family-rank fallback), so pruning on the result is sound.
func comparable(a, b types.Datum) bool {
	if a == types.DNull || b == types.DNull {
		return false
	}
	num := func(d types.Datum) bool {
		switch d.(type) {
		case types.DInt, types.DFloat, *types.DDecimal:
			return true
		}
		return false
	}
	dt := func(d types.Datum) bool {
		switch d.(type) {
		case types.DDate, types.DTimestamp:
			return true
		}
		return false
	}
	switch {
	case num(a) && num(b), dt(a) && dt(b):
		return true
	}
	return reflect.TypeOf(a) == reflect.TypeOf(b)
}

// datumJSON is a self-describing datum: kind and exact text.
type datumJSON struct {
	K string `json:"k"`
	V string `json:"v"`
}

type statsJSON struct {
	ID    uint32     `json:"id"`
	Min   *datumJSON `json:"min,omitempty"`
	Max   *datumJSON `json:"max,omitempty"`
	Nulls int64      `json:"nulls"`
	Rows  int64      `json:"rows"`
}

// MarshalJSON encodes the statistics exactly, with self-describing
// datums, so a manifest can store them without knowing column types.
func (s ColumnStats) MarshalJSON() ([]byte, error) {
	j := statsJSON{ID: s.ColumnID, Nulls: s.NullCount, Rows: s.Rows}
	j.Min, j.Max = encodeDatum(s.Min), encodeDatum(s.Max)
	return json.Marshal(j)
}

// UnmarshalJSON decodes what MarshalJSON wrote.
func (s *ColumnStats) UnmarshalJSON(b []byte) error {
	var j statsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	mn, err := decodeDatum(j.Min)
	if err != nil {
		return err
	}
	mx, err := decodeDatum(j.Max)
	if err != nil {
		return err
	}
	*s = ColumnStats{ColumnID: j.ID, Min: mn, Max: mx, NullCount: j.Nulls, Rows: j.Rows}
	return nil
}

// encodeDatum returns nil for nil, NULL and datums without order
// statistics (they are never produced).
func encodeDatum(d types.Datum) *datumJSON {
	switch v := d.(type) {
	case types.DBool:
		return &datumJSON{"bool", strconv.FormatBool(bool(v))}
	case types.DInt:
		return &datumJSON{"int", strconv.FormatInt(int64(v), 10)}
	case types.DFloat:
		return &datumJSON{"float", strconv.FormatFloat(float64(v), 'g', -1, 64)}
	case *types.DDecimal:
		return &datumJSON{"numeric", v.Decimal.String()}
	case types.DString:
		if utf8.ValidString(string(v)) {
			return &datumJSON{"text", string(v)}
		}
		return &datumJSON{"text64", base64.StdEncoding.EncodeToString([]byte(v))}
	case types.DBytes:
		return &datumJSON{"bytea", base64.StdEncoding.EncodeToString([]byte(v))}
	case types.DDate:
		return &datumJSON{"date", strconv.FormatInt(int64(v), 10)}
	case types.DTime:
		return &datumJSON{"time", strconv.FormatInt(int64(v), 10)}
	case types.DTimestamp:
		return &datumJSON{"ts", strconv.FormatInt(int64(v), 10)}
	case types.DTimestampTZ:
		return &datumJSON{"tstz", strconv.FormatInt(int64(v), 10)}
	case types.DInterval:
		return &datumJSON{"interval", fmt.Sprintf("%d,%d,%d", v.Months, v.Days, v.Micros)}
	case types.DUUID:
		return &datumJSON{"uuid", hex.EncodeToString(v[:])}
	}
	return nil
}

func decodeDatum(j *datumJSON) (types.Datum, error) {
	if j == nil {
		return nil, nil
	}
	bad := func(err error) (types.Datum, error) {
		return nil, fmt.Errorf("pqfile: bad %s statistic %q: %v", j.K, j.V, err)
	}
	i64 := func() (int64, error) { return strconv.ParseInt(j.V, 10, 64) }
	switch j.K {
	case "bool":
		v, err := strconv.ParseBool(j.V)
		if err != nil {
			return bad(err)
		}
		return types.DBool(v), nil
	case "int", "date", "time", "ts", "tstz":
		v, err := i64()
		if err != nil {
			return bad(err)
		}
		switch j.K {
		case "int":
			return types.DInt(v), nil
		case "date":
			if v < math.MinInt32 || v > math.MaxInt32 {
				return bad(strconv.ErrRange)
			}
			return types.DDate(v), nil
		case "time":
			return types.DTime(v), nil
		case "ts":
			return types.DTimestamp(v), nil
		}
		return types.DTimestampTZ(v), nil
	case "float":
		v, err := strconv.ParseFloat(j.V, 64)
		if err != nil {
			return bad(err)
		}
		return types.DFloat(v), nil
	case "numeric":
		d := &types.DDecimal{}
		if _, _, err := d.SetString(j.V); err != nil {
			return bad(err)
		}
		if d.Form == apd.NaN {
			d.Negative = false
		}
		return d, nil
	case "text":
		return types.DString(j.V), nil
	case "text64", "bytea":
		b, err := base64.StdEncoding.DecodeString(j.V)
		if err != nil {
			return bad(err)
		}
		if j.K == "bytea" {
			return types.DBytes(b), nil
		}
		return types.DString(b), nil
	case "interval":
		parts := strings.Split(j.V, ",")
		if len(parts) != 3 {
			return bad(strconv.ErrSyntax)
		}
		m, err1 := strconv.ParseInt(parts[0], 10, 32)
		d, err2 := strconv.ParseInt(parts[1], 10, 32)
		us, err3 := strconv.ParseInt(parts[2], 10, 64)
		if err := cmp.Or(err1, err2, err3); err != nil {
			return bad(err)
		}
		return types.DInterval{Months: int32(m), Days: int32(d), Micros: us}, nil
	case "uuid":
		b, err := hex.DecodeString(j.V)
		if err != nil || len(b) != 16 {
			return bad(fmt.Errorf("want 16 bytes"))
		}
		var u types.DUUID
		copy(u[:], b)
		return u, nil
	}
	return bad(fmt.Errorf("unknown kind"))
}
