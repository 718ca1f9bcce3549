package pqfile

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

const null = "<NULL>"

// typeCases lists every supported type with values in text form.
var typeCases = []struct {
	t    *types.T
	vals []string
}{
	{types.Bool, []string{"true", "false", null}},
	{types.Int2, []string{"-32768", "32767", "0", null}},
	{types.Int4, []string{"-2147483648", "2147483647", null}},
	{types.Int8, []string{"-9223372036854775808", "9223372036854775807", "-1"}},
	{types.Oid, []string{"4294967295", "0"}},
	{types.Float4, []string{"1.5", "-0", "NaN", "Infinity", "-Infinity", "3.4028235e38", "1e-45", null}},
	{types.Float8, []string{"0.1", "-0", "NaN", "1e-300", "-1.7976931348623157e308", null}},
	{types.Numeric.WithTypmod(types.NumericTypmod(10, 2)), []string{"12345678.91", "-0.01", "0", "1.5", "-99999999.99", null}},
	{types.Numeric.WithTypmod(types.NumericTypmod(38, 10)), []string{"9999999999999999999999999999.9999999999", "-1234567890123456789012345678.0000000001", "0.0000000001"}},
	{types.Numeric.WithTypmod(types.NumericTypmod(20, 0)), []string{"12345678901234567890", "-9223372036854775808", "-9223372036854775809"}},
	{types.Numeric.WithTypmod(types.NumericTypmod(5, 5)), []string{"0.12345", "-0.00001"}},
	{types.Numeric, []string{"1.000", "NaN", "-1e-20", "123456789012345678901234567890.123456789", "Infinity", null}},
	{types.Numeric.WithTypmod(types.NumericTypmod(50, 5)), []string{"1.5", "-12345678901234567890123456789012345678901234.5"}},
	{types.Text, []string{"", "héllo wörld ✓ 日本語 🎉", "tab\tnewline\n", null}},
	{types.Varchar.WithTypmod(5 + 4), []string{"abc", "ñññññ"}},
	{types.BPChar.WithTypmod(4 + 4), []string{"ab", "abcd"}},
	{types.Name, []string{"pg_class"}},
	{types.QChar, []string{"x"}},
	{types.Bytea, []string{`\x00ff10`, `\x`, null}},
	{types.Date, []string{"2024-02-29", "infinity", "-infinity", "4713-01-01 BC", "1970-01-01", null}},
	{types.Time, []string{"00:00:00", "23:59:59.999999", "12:34:56.5"}},
	{types.Timestamp, []string{"2024-01-01 12:34:56.789012", "infinity", "-infinity", "1900-01-01 00:00:00", "0099-12-31 23:59:59 BC"}},
	{types.TimestampTZ, []string{"2024-01-01 12:00:00+02", "infinity", "-infinity", null}},
	{types.Interval, []string{"1 year 2 mons 3 days 04:05:06.789", "-1 days +02:00:00", "00:00:00", "-178000000 years", null}},
	{types.UUID, []string{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "00000000-0000-0000-0000-000000000000", null}},
	{types.JSONB, []string{`{"a": [1, 2.50, null], "b": "x"}`, "null", `"str"`, `1e400`, null}},
	{types.JSON, []string{`[]`}},
	{types.ArrayOf(types.Int4), []string{"{1,NULL,3}", "{}", null}},
	{types.ArrayOf(types.Text), []string{`{"a b","",NULL,"é"}`, "{x}"}},
	{types.ArrayOf(types.Numeric.WithTypmod(types.NumericTypmod(10, 2))), []string{"{1.50,-2.25,NULL}"}},
	{types.ArrayOf(types.UUID), []string{"{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}"}},
	{types.ArrayOf(types.TimestampTZ), []string{"{infinity,\"2020-01-01 00:00:00+00\"}"}},
}

func parse(t testing.TB, s string, typ *types.T) types.Datum {
	t.Helper()
	if s == null {
		return types.DNull
	}
	d, err := types.ParseText(s, typ, nil)
	if err != nil {
		t.Fatalf("parse %q as %s: %v", s, typ, err)
	}
	return d
}

// same reports whether two datums are the same value of the same kind,
// including numeric scale and float signs (text forms are exact).
func same(a, b types.Datum, t *types.T) bool {
	if fmt.Sprintf("%T", a) != fmt.Sprintf("%T", b) {
		return false
	}
	if a == types.DNull {
		return true
	}
	return types.FormatText(a, t, nil) == types.FormatText(b, t, nil)
}

func allTypesTable(t testing.TB) ([]catalog.Column, []*types.T, []types.Row) {
	var cols []catalog.Column
	var typs []*types.T
	n := 0
	for i, c := range typeCases {
		cols = append(cols, catalog.Column{ID: uint32(100 + i), Name: fmt.Sprintf("c%d_%s", i, c.t.Name()), Type: c.t})
		typs = append(typs, c.t)
		n = max(n, len(c.vals))
	}
	rows := make([]types.Row, n)
	for r := range rows {
		rows[r] = make(types.Row, len(cols))
		for i, c := range typeCases {
			rows[r][i] = types.DNull
			if r < len(c.vals) {
				rows[r][i] = parse(t, c.vals[r], c.t)
			}
		}
	}
	return cols, typs, rows
}

func checkRows(t *testing.T, got, want []types.Row, typs []*types.T) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for r := range want {
		for i, typ := range typs {
			if !same(got[r][i], want[r][i], typ) {
				t.Errorf("row %d col %d (%s): got %T %v, want %T %v", r, i, typ,
					got[r][i], fmtDatum(got[r][i], typ), want[r][i], fmtDatum(want[r][i], typ))
			}
		}
	}
}

func fmtDatum(d types.Datum, t *types.T) string {
	if d == types.DNull {
		return "NULL"
	}
	return types.FormatText(d, t, nil)
}

func TestRecordRoundTrip(t *testing.T) {
	cols, typs, rows := allTypesTable(t)
	schema, err := ArrowSchema(cols)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := RecordFromRows(memory.DefaultAllocator, schema, typs, rows)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	got, err := AppendRows(nil, rec, typs)
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, got, rows, typs)
}

func writeFile(t testing.TB, cols []catalog.Column, opts WriterOptions, write func(w *Writer) error) ([]byte, FileInfo) {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, cols, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := write(w); err != nil {
		t.Fatal(err)
	}
	info, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	if info.Bytes != int64(buf.Len()) {
		t.Fatalf("FileInfo.Bytes = %d, wrote %d", info.Bytes, buf.Len())
	}
	return buf.Bytes(), info
}

func readAll(t testing.TB, data []byte, cols []catalog.Column, groups []int, ids []uint32, batch int) ([]types.Row, []int64) {
	t.Helper()
	r, err := OpenReader(bytes.NewReader(data), int64(len(data)), cols)
	if err != nil {
		t.Fatal(err)
	}
	if groups == nil {
		for g := range r.RowGroups() {
			groups = append(groups, g)
		}
	}
	byID := map[uint32]*types.T{}
	for _, c := range cols {
		byID[c.ID] = c.Type
	}
	typs := make([]*types.T, len(ids))
	for i, id := range ids {
		typs[i] = byID[id]
	}
	ctx := context.Background()
	it, err := r.Read(ctx, groups, ids, batch)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var rows []types.Row
	var pos []int64
	for {
		rec, p, err := it.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rec == nil {
			return rows, pos
		}
		if rec.NumRows() > int64(batch) || rec.NumRows() == 0 {
			t.Fatalf("record of %d rows, batch %d", rec.NumRows(), batch)
		}
		if int(rec.NumCols()) != len(ids) {
			t.Fatalf("record of %d columns, want %d", rec.NumCols(), len(ids))
		}
		for i := int64(0); i < rec.NumRows(); i++ {
			pos = append(pos, p+i)
		}
		if rows, err = AppendRows(rows, rec, typs); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
}

func ids(cols []catalog.Column) []uint32 {
	out := make([]uint32, len(cols))
	for i, c := range cols {
		out[i] = c.ID
	}
	return out
}

// TestFileRoundTrip writes every type, mixing WriteRows and WriteRecord
// across tiny row groups, in each codec, and reads it all back.
func TestFileRoundTrip(t *testing.T) {
	cols, typs, rows := allTypesTable(t)
	schema, err := ArrowSchema(cols)
	if err != nil {
		t.Fatal(err)
	}
	for _, codec := range []string{"", "snappy", "none"} {
		t.Run("codec="+codec, func(t *testing.T) {
			data, info := writeFile(t, cols, WriterOptions{Compression: codec, RowGroupRows: 3}, func(w *Writer) error {
				if err := w.WriteRows(rows[:1]); err != nil {
					return err
				}
				rec, err := RecordFromRows(nil, schema, typs, rows[1:5])
				if err != nil {
					return err
				}
				defer rec.Release()
				if err := w.WriteRecord(rec); err != nil {
					return err
				}
				return w.WriteRows(rows[5:])
			})
			if info.Rows != int64(len(rows)) {
				t.Fatalf("info.Rows = %d", info.Rows)
			}
			if want := (len(rows) + 2) / 3; len(info.RowGroups) != want {
				t.Fatalf("%d row groups, want %d", len(info.RowGroups), want)
			}
			got, pos := readAll(t, data, cols, nil, ids(cols), 2)
			checkRows(t, got, rows, typs)
			for i, p := range pos {
				if p != int64(i) {
					t.Fatalf("position %d is %d", i, p)
				}
			}
		})
	}
}

func TestRejects(t *testing.T) {
	num := types.Numeric.WithTypmod(types.NumericTypmod(10, 2))
	arr := types.ArrayOf(types.Int4)
	for _, tc := range []struct {
		t    *types.T
		d    types.Datum
		code string
	}{
		{num, parse(t, "NaN", types.Numeric), pgerr.FeatureNotSupported},
		{num, parse(t, "123456789", types.Numeric), pgerr.NumericValueOutOfRange},
		{arr, &types.DArray{Elem: types.Int4, Elems: []types.Datum{types.DInt(1)}, LowerBound: 5}, pgerr.FeatureNotSupported},
		{types.Int4, types.DString("x"), pgerr.InternalError},
	} {
		cols := []catalog.Column{{ID: 1, Name: "a", Type: tc.t}}
		w, err := NewWriter(&bytes.Buffer{}, cols, WriterOptions{})
		if err != nil {
			t.Fatal(err)
		}
		err = w.WriteRows([]types.Row{{tc.d}})
		if pgerr.Code(err) != tc.code {
			t.Errorf("%s %v: got %v (%s), want %s", tc.t, tc.d, err, pgerr.Code(err), tc.code)
		}
		if _, err := w.Close(); err == nil {
			t.Errorf("Close after failed write succeeded")
		}
	}
	if _, err := ArrowType(types.Record); pgerr.Code(err) != pgerr.FeatureNotSupported {
		t.Errorf("record type: %v", err)
	}
	if _, err := NewWriter(&bytes.Buffer{}, nil, WriterOptions{Compression: "lz9"}); pgerr.Code(err) != pgerr.InvalidParameterValue {
		t.Errorf("bad codec: %v", err)
	}
}

// TestProjection reads some row groups and columns, in another order,
// with a column the file lacks and one it has but the table dropped.
func TestProjection(t *testing.T) {
	cols := []catalog.Column{
		{ID: 1, Name: "a", Type: types.Int8},
		{ID: 2, Name: "b", Type: types.Text},
		{ID: 3, Name: "c", Type: types.Date},
	}
	var rows []types.Row
	for i := range 350 {
		rows = append(rows, types.Row{types.DInt(i), types.DString(fmt.Sprint("s", i)), types.DDate(i * 2)})
	}
	data, info := writeFile(t, cols, WriterOptions{RowGroupRows: 100}, func(w *Writer) error { return w.WriteRows(rows) })
	if len(info.RowGroups) != 4 || info.RowGroups[3].Rows != 50 {
		t.Fatalf("row groups: %+v", info.RowGroups)
	}
	// The table now: b dropped, c renamed, d added.
	now := []catalog.Column{
		{ID: 1, Name: "a", Type: types.Int8},
		{ID: 3, Name: "c_renamed", Type: types.Date},
		{ID: 4, Name: "d", Type: types.Numeric.WithTypmod(types.NumericTypmod(9, 3))},
	}
	got, pos := readAll(t, data, now, []int{1, 3}, []uint32{3, 4, 1}, 30)
	if len(got) != 150 {
		t.Fatalf("got %d rows", len(got))
	}
	for i, r := range got {
		src := 100 + i
		if i >= 100 {
			src = 300 + i - 100
		}
		if pos[i] != int64(src) {
			t.Fatalf("row %d at position %d, want %d", i, pos[i], src)
		}
		if r[0] != types.DDate(src*2) || r[1] != types.DNull || r[2] != types.DInt(src) {
			t.Fatalf("row %d = %v, want [%d NULL %d]", i, r, src*2, src)
		}
	}
	// No columns at all (count(*)): positions and row counts only.
	got, pos = readAll(t, data, now, []int{0, 3}, nil, 64)
	if len(got) != 150 || pos[0] != 0 || pos[100] != 300 || pos[149] != 349 {
		t.Fatalf("count-only read: %d rows, positions %v..%v", len(got), pos[:1], pos[len(pos)-1:])
	}
	// Only a missing column.
	got, _ = readAll(t, data, now, []int{2}, []uint32{4}, 1000)
	if len(got) != 100 || got[0][0] != types.DNull {
		t.Fatalf("missing-only read: %d rows", len(got))
	}
	r, err := OpenReader(bytes.NewReader(data), int64(len(data)), now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Read(context.Background(), []int{4}, []uint32{1}, 10); err == nil {
		t.Error("reading row group 4 of 4 succeeded")
	}
	if _, err := r.Read(context.Background(), []int{0}, []uint32{2}, 10); err == nil {
		t.Error("reading a column not in cols succeeded")
	}
	// An iterator closed early stops cleanly.
	it, err := r.Read(context.Background(), []int{0, 1, 2, 3}, []uint32{1}, 10)
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := it.Next(context.Background())
	if err != nil || rec == nil {
		t.Fatal(err)
	}
	rec.Release()
	it.Close()
}

// TestFileMetadata checks the file is self-describing for other readers:
// column ids in the key-value metadata and as Parquet field ids.
func TestFileMetadata(t *testing.T) {
	cols := []catalog.Column{{ID: 7, Name: "x", Type: types.Int4}, {ID: 3, Name: "y", Type: types.UUID}, {ID: 9, Name: "s.t", Type: types.Text}}
	data, _ := writeFile(t, cols, WriterOptions{}, func(w *Writer) error {
		return w.WriteRows([]types.Row{{types.DInt(1), types.DNull, types.DString("a")}})
	})
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	kv := pf.MetaData().KeyValueMetadata()
	if v := kv.FindValue(ColumnIDKey); v == nil || *v != "7,3,9" {
		t.Errorf("%s = %v", ColumnIDKey, v)
	}
	root := pf.MetaData().Schema.Root()
	if root.Field(0).FieldID() != 7 || root.Field(1).FieldID() != 3 {
		t.Errorf("field ids %d %d", root.Field(0).FieldID(), root.Field(1).FieldID())
	}
	// char(n) is stored without its padding, for other engines.
	bp := []catalog.Column{{ID: 1, Name: "c", Type: types.BPChar.WithTypmod(6 + 4)}}
	bpRows := []types.Row{{parse(t, "MAIL", bp[0].Type)}, {parse(t, "ñ b", bp[0].Type)}, {types.DNull}, {parse(t, "", bp[0].Type)}}
	bpData, bpInfo := writeFile(t, bp, WriterOptions{}, func(w *Writer) error { return w.WriteRows(bpRows) })
	bpf, err := file.NewParquetReader(bytes.NewReader(bpData))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(bpf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if raw := tbl.Column(0).Data().Chunk(0).(*array.String); raw.Value(0) != "MAIL" || raw.Value(1) != "ñ b" || raw.Value(3) != "" {
		t.Errorf("stored char(6) values %q %q %q", raw.Value(0), raw.Value(1), raw.Value(3))
	}
	if got := bpInfo.Stats[0]; got.Min != types.DString("      ") || got.Max != types.DString("ñ b   ") {
		t.Errorf("char(6) stats %q %q", got.Min, got.Max)
	}
	got, _ := readAll(t, bpData, bp, nil, []uint32{1}, 10)
	checkRows(t, got, bpRows, []*types.T{bp[0].Type})
	if got[0][0] != types.DString("MAIL  ") {
		t.Errorf("read back %q", got[0][0])
	}

	// Strings are dictionary encoded (even with a dot in the name), numbers not.
	for i, want := range []bool{false, false, true} {
		cc, err := pf.MetaData().RowGroup(0).ColumnChunk(i)
		if err != nil {
			t.Fatal(err)
		}
		if cc.HasDictionaryPage() != want {
			t.Errorf("column %d: dictionary %v", i, cc.HasDictionaryPage())
		}
	}
	if lt := pf.MetaData().Schema.Column(1).LogicalType().String(); !strings.Contains(strings.ToLower(lt), "uuid") {
		t.Errorf("uuid column logical type %s", lt)
	}
}

// TestStats checks row-group and file statistics against a brute-force
// computation with types.Compare, and that the reader returns the same.
func TestStats(t *testing.T) {
	num := types.Numeric.WithTypmod(types.NumericTypmod(12, 2))
	cols := []catalog.Column{
		{ID: 1, Name: "i", Type: types.Int8},
		{ID: 2, Name: "s", Type: types.Text},
		{ID: 3, Name: "n", Type: num},
		{ID: 4, Name: "d", Type: types.Date},
		{ID: 5, Name: "f", Type: types.Float8},
		{ID: 6, Name: "allnull", Type: types.Int4},
		{ID: 7, Name: "j", Type: types.JSONB},
		{ID: 8, Name: "u", Type: types.Numeric},
		{ID: 9, Name: "iv", Type: types.Interval},
		{ID: 10, Name: "b", Type: types.Bytea},
		{ID: 11, Name: "ts", Type: types.TimestampTZ},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var rows []types.Row
	for range 1000 {
		maybe := func(d types.Datum) types.Datum {
			if rng.IntN(10) == 0 {
				return types.DNull
			}
			return d
		}
		f := rng.NormFloat64() * 1e6
		if rng.IntN(50) == 0 {
			f = math.NaN()
		}
		rows = append(rows, types.Row{
			maybe(types.DInt(rng.Int64N(1e6) - 5e5)),
			maybe(types.DString(fmt.Sprintf("k%dé", rng.IntN(5000)))),
			maybe(parse(t, fmt.Sprintf("%d.%02d", rng.IntN(2e6)-1e6, rng.IntN(100)), num)),
			maybe(types.DDate(rng.IntN(20000) - 10000)),
			maybe(types.DFloat(f)),
			types.DNull,
			maybe(parse(t, `{"a":1}`, types.JSONB)),
			// text-stored numbers: 9 < 10 by value, not by text.
			maybe(parse(t, fmt.Sprint(rng.IntN(20)), types.Numeric)),
			maybe(types.DInterval{Days: int32(rng.IntN(100)), Micros: rng.Int64N(1e9)}),
			maybe(types.DBytes([]byte{byte(rng.IntN(256)), byte(rng.IntN(256))})),
			maybe(types.DTimestampTZ(rng.Int64N(1e15))),
		})
	}
	_, info := writeFile(t, cols, WriterOptions{RowGroupRows: 128}, func(w *Writer) error {
		for i := 0; i < len(rows); i += 77 {
			if err := w.WriteRows(rows[i:min(i+77, len(rows))]); err != nil {
				return err
			}
		}
		return nil
	})
	data, info2 := writeFile(t, cols, WriterOptions{RowGroupRows: 128}, func(w *Writer) error { return w.WriteRows(rows) })
	if a, b := mustJSON(t, info.RowGroups), mustJSON(t, info2.RowGroups); a != b {
		t.Fatalf("stats depend on how rows were batched")
	}
	want := func(rows []types.Row) []ColumnStats {
		out := make([]ColumnStats, len(cols))
		for i, c := range cols {
			s := ColumnStats{ColumnID: c.ID, Rows: int64(len(rows))}
			for _, r := range rows {
				d := r[i]
				if d == types.DNull {
					s.NullCount++
					continue
				}
				if !ordered(c.Type) {
					continue
				}
				if s.Min == nil || types.Compare(d, s.Min) < 0 {
					s.Min = d
				}
				if s.Max == nil || types.Compare(d, s.Max) > 0 {
					s.Max = d
				}
			}
			out[i] = s
		}
		return out
	}
	check := func(what string, got, want []ColumnStats) {
		t.Helper()
		for i := range want {
			g, w := got[i], want[i]
			if g.ColumnID != w.ColumnID || g.NullCount != w.NullCount || g.Rows != w.Rows ||
				(g.Min == nil) != (w.Min == nil) || (g.Max == nil) != (w.Max == nil) ||
				g.Min != nil && !same(g.Min, w.Min, cols[i].Type) || g.Max != nil && !same(g.Max, w.Max, cols[i].Type) {
				t.Errorf("%s column %s: got %s, want %s", what, cols[i].Name, mustJSON(t, g), mustJSON(t, w))
			}
		}
	}
	if len(info.RowGroups) != 8 {
		t.Fatalf("%d row groups", len(info.RowGroups))
	}
	for g, rg := range info.RowGroups {
		check(fmt.Sprint("group ", g), rg.Stats, want(rows[g*128:min(g*128+128, len(rows))]))
	}
	check("file", info.Stats, want(rows))
	if info.Stats[7].Max.(*types.DDecimal).String() != "19" {
		t.Errorf("text-stored numeric max %v", info.Stats[7].Max)
	}
	r, err := OpenReader(bytes.NewReader(data), int64(len(data)), cols)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := mustJSON(t, r.RowGroups()), mustJSON(t, info.RowGroups); a != b {
		t.Errorf("reader stats differ:\n%s\n%s", a, b)
	}
	// JSON round trip of statistics is exact.
	var back []RowGroupInfo
	if err := json.Unmarshal([]byte(mustJSON(t, info.RowGroups)), &back); err != nil {
		t.Fatal(err)
	}
	for g := range back {
		check(fmt.Sprint("json group ", g), back[g].Stats, info.RowGroups[g].Stats)
	}
}

func mustJSON(t testing.TB, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEmptyFile(t *testing.T) {
	cols := []catalog.Column{{ID: 1, Name: "a", Type: types.Int8}}
	data, info := writeFile(t, cols, WriterOptions{}, func(*Writer) error { return nil })
	if info.Rows != 0 || len(info.RowGroups) != 0 {
		t.Fatalf("%+v", info)
	}
	got, _ := readAll(t, data, cols, nil, []uint32{1}, 10)
	if len(got) != 0 {
		t.Fatal(got)
	}
}

// TestForeignFile reads a file another writer made (no Conflux metadata):
// columns match by name, and row groups have no statistics.
func TestForeignFile(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"x", "y"}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	fw, err := pqarrow.NewFileWriter(sc, &buf, nil, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	cols := []catalog.Column{{ID: 1, Name: "k", Type: types.Text}, {ID: 2, Name: "v", Type: types.Int8}, {ID: 3, Name: "w", Type: types.Bool}}
	r, err := OpenReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()), cols)
	if err != nil {
		t.Fatal(err)
	}
	if g := r.RowGroups(); len(g) != 1 || g[0].Rows != 2 || g[0].Stats != nil {
		t.Fatalf("row groups %+v", g)
	}
	got, _ := readAll(t, buf.Bytes(), cols, nil, []uint32{1, 2, 3}, 10)
	want := []types.Row{{types.DString("x"), types.DInt(1), types.DNull}, {types.DString("y"), types.DInt(2), types.DNull}}
	checkRows(t, got, want, []*types.T{types.Text, types.Int8, types.Bool})
}

// TestConcurrentReads runs several Reads of one Reader at once.
func TestConcurrentReads(t *testing.T) {
	cols := []catalog.Column{{ID: 1, Name: "a", Type: types.Int8}, {ID: 2, Name: "b", Type: types.Text}}
	var rows []types.Row
	for i := range 2000 {
		rows = append(rows, types.Row{types.DInt(i), types.DString(strings.Repeat("x", i%13))})
	}
	data, _ := writeFile(t, cols, WriterOptions{RowGroupRows: 300}, func(w *Writer) error { return w.WriteRows(rows) })
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			got, pos := readAll(t, data, cols, nil, []uint32{2, 1}, 128)
			for i, r := range got {
				if pos[i] != int64(i) || r[1] != types.DInt(i) || r[0] != rows[i][1] {
					t.Errorf("row %d: %v at %d", i, r, pos[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestForeignUnits reads what pyarrow, Spark and DuckDB write for types
// Conflux itself writes differently: millisecond and nanosecond
// timestamps, int8 and unsigned integers.
func TestForeignUnits(t *testing.T) {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "ms", Type: &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "ns", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true},
		{Name: "i1", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "u4", Type: arrow.PrimitiveTypes.Uint32, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	// 2024-01-02 03:04:05.678 UTC and one instant before the epoch.
	const ms = 1704164645678
	b.Field(0).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{ms, -1}, nil)
	b.Field(1).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{ms*1_000_000 + 999, -1}, nil)
	b.Field(2).(*array.Int8Builder).AppendValues([]int8{-128, 7}, nil)
	b.Field(3).(*array.Uint32Builder).AppendValues([]uint32{4294967295, 0}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	fw, err := pqarrow.NewFileWriter(sc, &buf, nil, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	cols := []catalog.Column{
		{ID: 1, Name: "ms", Type: types.TimestampTZ},
		{ID: 2, Name: "ns", Type: types.Timestamp},
		{ID: 3, Name: "i1", Type: types.Int2},
		{ID: 4, Name: "u4", Type: types.Int8},
	}
	got, _ := readAll(t, buf.Bytes(), cols, nil, []uint32{1, 2, 3, 4}, 10)
	want := []types.Row{
		{types.DTimestampTZ(ms * 1000), types.DTimestamp(ms*1000 + 0), types.DInt(-128), types.DInt(4294967295)},
		{types.DTimestampTZ(-1000), types.DTimestamp(-1), types.DInt(7), types.DInt(0)},
	}
	checkRows(t, got, want, []*types.T{types.TimestampTZ, types.Timestamp, types.Int2, types.Int8})
}
