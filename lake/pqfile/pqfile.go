package pqfile

// This file fixes the API package lake and exec build against. Bodies are
// filled in by the pqfile owner; signatures change only with every caller.

import (
	"context"
	"io"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// ColumnIDKey is the Arrow field (and Parquet key-value) metadata key that
// carries a column's catalog.Column.ID, so files written before an ALTER
// TABLE ADD/DROP/RENAME COLUMN still map to the right columns.
const ColumnIDKey = "conflux.column_id"

// ArrowType is the Arrow (and thus Parquet) type a SQL type is stored as.
// The mapping is chosen so other engines (DuckDB, Spark) read the files
// with the same types: int2/int4/int8 -> Int16/Int32/Int64, numeric(p<=38,s)
// -> Decimal128(p,s), unconstrained numeric -> String, text/varchar/char ->
// String, bool, float4/float8, date -> Date32, timestamp -> Timestamp(us),
// timestamptz -> Timestamp(us, "UTC"), time -> Time64(us), bytea -> Binary,
// uuid -> FixedSizeBinary(16) (Parquet UUID), jsonb -> String, interval ->
// String (PostgreSQL text form), one-dimensional arrays -> List.
// oid-like types (Width 64) are Int64; numeric(p>38,s) is String.
//
// uuid is returned as the canonical arrow.uuid extension type
// (extensions.UUIDType, storage FixedSizeBinary(16)): that is what makes
// pqarrow write the Parquet UUID logical type. AppendRows also accepts
// plain FixedSizeBinary(16).
//
// Values without an Arrow counterpart are rejected rather than altered: NaN
// in numeric(p,s), arrays with a lower bound other than 1. Infinite dates
// and timestamps keep PostgreSQL's sentinels (math.MinInt32/MaxInt32 days,
// math.MinInt64/MaxInt64 microseconds), so they round-trip and order
// correctly; other engines read them as far-past/far-future values.
func ArrowType(t *types.T) (arrow.DataType, error) { return arrowType(t) }

// ArrowSchema is the schema of a file holding cols (in that order), each
// field tagged with ColumnIDKey.
func ArrowSchema(cols []catalog.Column) (*arrow.Schema, error) {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		dt, err := ArrowType(c.Type)
		if err != nil {
			return nil, err
		}
		fields[i] = arrow.Field{Name: c.Name, Type: dt, Nullable: true,
			Metadata: arrow.NewMetadata([]string{ColumnIDKey}, []string{strconv.FormatUint(uint64(c.ID), 10)})}
	}
	return arrow.NewSchema(fields, nil), nil
}

// RecordFromRows builds a record of schema from rows (datums in schema
// field order). The caller releases the record.
func RecordFromRows(mem memory.Allocator, schema *arrow.Schema, typs []*types.T, rows []types.Row) (arrow.RecordBatch, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	if len(typs) != schema.NumFields() {
		return nil, pgerr.New(pgerr.InternalError, "pqfile: %d types for %d fields", len(typs), schema.NumFields())
	}
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	puts := make([]putFunc, len(typs))
	for i, t := range typs {
		p, err := newPut(b.Field(i), t)
		if err != nil {
			return nil, err
		}
		puts[i] = p
	}
	for _, f := range b.Fields() {
		f.Reserve(len(rows))
	}
	for _, r := range rows {
		if len(r) != len(puts) {
			return nil, pgerr.New(pgerr.InternalError, "pqfile: row of %d datums for %d fields", len(r), len(puts))
		}
		for i, d := range r {
			if err := puts[i](d); err != nil {
				return nil, err
			}
		}
	}
	return b.NewRecordBatch(), nil
}

// AppendRows converts every row of rec back to datums of typs (one per
// field) and appends them to out.
func AppendRows(out []types.Row, rec arrow.RecordBatch, typs []*types.T) ([]types.Row, error) {
	if int(rec.NumCols()) != len(typs) {
		return out, pgerr.New(pgerr.InternalError, "pqfile: %d types for %d columns", len(typs), rec.NumCols())
	}
	gets := make([]getFunc, len(typs))
	for i, t := range typs {
		g, err := newGet(rec.Column(i), t)
		if err != nil {
			return out, err
		}
		gets[i] = g
	}
	n := int(rec.NumRows())
	// One backing slice for all rows: fewer allocations.
	backing := make([]types.Datum, n*len(typs))
	for r := 0; r < n; r++ {
		row := backing[r*len(typs) : (r+1)*len(typs) : (r+1)*len(typs)]
		for i, g := range gets {
			d, err := g(r)
			if err != nil {
				return out, err
			}
			row[i] = d
		}
		out = append(out, row)
	}
	return out, nil
}

// WriterOptions tune the files written.
type WriterOptions struct {
	// Compression is "zstd" (default) or "snappy" or "none".
	Compression string
	// RowGroupRows bounds rows per row group (default 1<<17): large enough
	// for sequential scans, small enough that statistics prune.
	RowGroupRows int64
}

// ColumnStats are min/max statistics of one column over a file or row
// group. Min and Max are nil when unknown (all NULL, or a type without
// order statistics).
type ColumnStats struct {
	ColumnID  uint32
	Min, Max  types.Datum
	NullCount int64
	// Rows is the number of rows the statistics cover, so that an
	// all-NULL column (NullCount == Rows) can be pruned.
	Rows int64
}

// RowGroupInfo describes one row group.
type RowGroupInfo struct {
	Rows  int64
	Stats []ColumnStats
}

// FileInfo describes a written file; lake stores it in the manifest.
type FileInfo struct {
	Rows      int64
	Bytes     int64
	RowGroups []RowGroupInfo
	// Stats are the file-level statistics (merged over row groups).
	Stats []ColumnStats
}

// Writer writes one Parquet file.
type Writer struct{ ws *writerState }

// NewWriter starts a file holding cols on w.
func NewWriter(w io.Writer, cols []catalog.Column, opts WriterOptions) (*Writer, error) {
	ws, err := newWriter(w, cols, opts)
	if err != nil {
		return nil, err
	}
	return &Writer{ws: ws}, nil
}

// WriteRows appends rows (datums in cols order).
func (w *Writer) WriteRows(rows []types.Row) error { return w.ws.writeRows(rows) }

// WriteRecord appends a record whose schema is ArrowSchema(cols).
// The caller keeps its reference to rec.
func (w *Writer) WriteRecord(rec arrow.RecordBatch) error { return w.ws.writeRecord(rec) }

// Close finishes the file (footer) and returns what was written.
// After an error from any call the file is unusable; Close then returns
// that error.
func (w *Writer) Close() (FileInfo, error) { return w.ws.close() }

// Range is a predicate on one column used for pruning: Lo <= col <= Hi
// (bounds nil when open; LoIncl/HiIncl say whether equality passes).
type Range struct {
	ColumnID       uint32
	Lo, Hi         types.Datum
	LoIncl, HiIncl bool
}

// MayMatch reports whether a file or row group with stats can hold a row
// satisfying every range. It errs on the side of true.
func MayMatch(stats []ColumnStats, ranges []Range) bool { return mayMatch(stats, ranges) }

// Reader reads one Parquet file.
// It is safe for concurrent Reads when the underlying io.ReaderAt is.
type Reader struct{ rs *readerState }

// OpenReader opens a file of size bytes. cols are the table's current
// columns: file columns are matched to them by ColumnIDKey; a column the
// file lacks reads as NULL (added after the file was written).
// Files not written by Conflux (no column ids) match columns by name.
func OpenReader(r io.ReaderAt, size int64, cols []catalog.Column) (*Reader, error) {
	rs, err := openReader(r, size, cols)
	if err != nil {
		return nil, err
	}
	return &Reader{rs: rs}, nil
}

// RowGroups describes the file's row groups.
// Stats are nil for files without Conflux statistics.
func (r *Reader) RowGroups() []RowGroupInfo { return r.rs.groups }

// Read returns the records of the given row groups (in order) holding only
// the columns with columnIDs (in that order), at most batchRows rows each.
// Row positions are contiguous: the first row of row group g is at
// position sum(RowGroups()[:g].Rows).
// Columns the file lacks are all-NULL arrays of ArrowType; columns it has
// keep the file's Arrow type. batchRows <= 0 means DefaultBatchRows.
func (r *Reader) Read(ctx context.Context, rowGroups []int, columnIDs []uint32, batchRows int) (RecordIterator, error) {
	it, err := r.rs.read(ctx, rowGroups, columnIDs, batchRows)
	if err != nil {
		return nil, err
	}
	return it, nil
}

// RecordIterator yields records. Next returns (nil, 0, nil) at the end;
// pos is the file position of the record's first row. The caller owns
// rec and releases it. Close must be called (it stops read-ahead).
type RecordIterator interface {
	Next(ctx context.Context) (rec arrow.RecordBatch, pos int64, err error)
	Close()
}
