package pqfile

// This file fixes the API package lake and exec build against. Bodies are
// filled in by the pqfile owner; signatures change only with every caller.

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/conflux-db/conflux/catalog"
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
func ArrowType(t *types.T) (arrow.DataType, error) { return nil, errNotYet }

// ArrowSchema is the schema of a file holding cols (in that order), each
// field tagged with ColumnIDKey.
func ArrowSchema(cols []catalog.Column) (*arrow.Schema, error) { return nil, errNotYet }

// RecordFromRows builds a record of schema from rows (datums in schema
// field order).
func RecordFromRows(mem memory.Allocator, schema *arrow.Schema, typs []*types.T, rows []types.Row) (arrow.RecordBatch, error) {
	return nil, errNotYet
}

// AppendRows converts every row of rec back to datums of typs (one per
// field) and appends them to out.
func AppendRows(out []types.Row, rec arrow.RecordBatch, typs []*types.T) ([]types.Row, error) {
	return nil, errNotYet
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
type Writer struct{}

// NewWriter starts a file holding cols on w.
func NewWriter(w io.Writer, cols []catalog.Column, opts WriterOptions) (*Writer, error) {
	return nil, errNotYet
}

// WriteRows appends rows (datums in cols order).
func (w *Writer) WriteRows(rows []types.Row) error { return errNotYet }

// WriteRecord appends a record whose schema is ArrowSchema(cols).
func (w *Writer) WriteRecord(rec arrow.RecordBatch) error { return errNotYet }

// Close finishes the file (footer) and returns what was written.
func (w *Writer) Close() (FileInfo, error) { return FileInfo{}, errNotYet }

// Range is a predicate on one column used for pruning: Lo <= col <= Hi
// (bounds nil when open; LoIncl/HiIncl say whether equality passes).
type Range struct {
	ColumnID       uint32
	Lo, Hi         types.Datum
	LoIncl, HiIncl bool
}

// MayMatch reports whether a file or row group with stats can hold a row
// satisfying every range. It errs on the side of true.
func MayMatch(stats []ColumnStats, ranges []Range) bool { return true }

// Reader reads one Parquet file.
type Reader struct{}

// OpenReader opens a file of size bytes. cols are the table's current
// columns: file columns are matched to them by ColumnIDKey; a column the
// file lacks reads as NULL (added after the file was written).
func OpenReader(r io.ReaderAt, size int64, cols []catalog.Column) (*Reader, error) {
	return nil, errNotYet
}

// RowGroups describes the file's row groups.
func (r *Reader) RowGroups() []RowGroupInfo { return nil }

// Read returns the records of the given row groups (in order) holding only
// the columns with columnIDs (in that order), at most batchRows rows each.
// Row positions are contiguous: the first row of row group g is at
// position sum(RowGroups()[:g].Rows).
func (r *Reader) Read(ctx context.Context, rowGroups []int, columnIDs []uint32, batchRows int) (RecordIterator, error) {
	return nil, errNotYet
}

// RecordIterator yields records. Next returns (nil, 0, nil) at the end;
// pos is the file position of the record's first row.
type RecordIterator interface {
	Next(ctx context.Context) (rec arrow.RecordBatch, pos int64, err error)
	Close()
}
