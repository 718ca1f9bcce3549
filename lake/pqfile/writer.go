package pqfile

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// DefaultRowGroupRows is the row group size when WriterOptions leave it 0.
const DefaultRowGroupRows = 1 << 17

// builderRows bounds the rows WriteRows buffers in Arrow builders before
// handing them to the Parquet writer, so small calls are batched.
const builderRows = 1 << 14

// writerState is the Writer's implementation (Writer is the contract type).
type writerState struct {
	cols   []catalog.Column
	typs   []*types.T
	ids    []uint32
	schema *arrow.Schema // what callers build records with (ArrowSchema)
	fileSc *arrow.Schema // schema plus Parquet field ids, what pqarrow writes
	mem    memory.Allocator
	out    *countingWriter
	fw     *pqarrow.FileWriter
	rgMax  int64

	bld     *array.RecordBuilder
	puts    []putFunc
	pending int // rows in bld

	rgRows  int64      // rows in the open row group
	rgStats []statsAcc // its statistics
	groups  []RowGroupInfo
	rows    int64
	err     error // sticky: a failed writer only closes
	closed  bool
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func compression(name string) (compress.Compression, error) {
	switch strings.ToLower(name) {
	case "", "zstd":
		return compress.Codecs.Zstd, nil
	case "snappy":
		return compress.Codecs.Snappy, nil
	case "none", "uncompressed":
		return compress.Codecs.Uncompressed, nil
	}
	return 0, pgerr.New(pgerr.InvalidParameterValue, "unknown lake compression %q (want zstd, snappy or none)", name)
}

func newWriter(w io.Writer, cols []catalog.Column, opts WriterOptions) (*writerState, error) {
	codec, err := compression(opts.Compression)
	if err != nil {
		return nil, err
	}
	rgMax := opts.RowGroupRows
	if rgMax <= 0 {
		rgMax = DefaultRowGroupRows
	}
	schema, err := ArrowSchema(cols)
	if err != nil {
		return nil, err
	}
	ws := &writerState{cols: cols, schema: schema, mem: memory.DefaultAllocator, out: &countingWriter{w: w}, rgMax: rgMax}
	idList := make([]string, len(cols))
	fileFields := make([]arrow.Field, len(cols))
	props := []parquet.WriterProperty{
		parquet.WithCompression(codec),
		parquet.WithMaxRowGroupLength(rgMax),
		parquet.WithStats(true),
		// Dictionaries pay off for strings (flags, modes, names); for
		// numbers plain encoding plus zstd is as small and cheaper.
		parquet.WithDictionaryDefault(false),
		parquet.WithAllocator(ws.mem),
		// DECIMAL(p<=18) on INT32/INT64 rather than fixed-length bytes:
		// standard, smaller, and much cheaper to decode than big-endian
		// byte strings.
		parquet.WithStoreDecimalAsInteger(true),
	}
	for i, c := range cols {
		ws.typs = append(ws.typs, c.Type)
		ws.ids = append(ws.ids, c.ID)
		idList[i] = strconv.FormatUint(uint64(c.ID), 10)
		f := schema.Field(i)
		// PARQUET:field_id sets the standard Parquet field id as well.
		f.Metadata = arrow.NewMetadata([]string{ColumnIDKey, "PARQUET:field_id"}, []string{idList[i], idList[i]})
		fileFields[i] = f
		if f.Type.ID() == arrow.STRING {
			props = append(props, parquet.WithDictionaryPath(parquet.ColumnPath{c.Name}, true)) // names may contain dots
		}
	}
	md := arrow.NewMetadata([]string{ColumnIDKey}, []string{strings.Join(idList, ",")})
	fileSchema := arrow.NewSchema(fileFields, &md)
	fw, err := pqarrow.NewFileWriter(fileSchema, ws.out, parquet.NewWriterProperties(props...),
		pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema(), pqarrow.WithAllocator(ws.mem)))
	if err != nil {
		return nil, pgerr.New(pgerr.InternalError, "pqfile: %v", err)
	}
	ws.fw, ws.fileSc = fw, fileSchema
	ws.bld = array.NewRecordBuilder(ws.mem, schema)
	for i, t := range ws.typs {
		p, err := newPut(ws.bld.Field(i), t)
		if err != nil {
			return nil, err
		}
		ws.puts = append(ws.puts, p)
	}
	ws.rgStats = make([]statsAcc, len(cols))
	return ws, nil
}

func (ws *writerState) check() error {
	if ws.err != nil {
		return ws.err
	}
	if ws.closed {
		return pgerr.New(pgerr.InternalError, "pqfile: write to a closed writer")
	}
	return nil
}

func (ws *writerState) writeRows(rows []types.Row) error {
	if err := ws.check(); err != nil {
		return err
	}
	for _, r := range rows {
		if len(r) != len(ws.puts) {
			ws.err = pgerr.New(pgerr.InternalError, "pqfile: row of %d datums for %d columns", len(r), len(ws.puts))
			return ws.err
		}
		for i, d := range r {
			if err := ws.puts[i](d); err != nil {
				ws.err = err // builders are now ragged: the file is lost
				return err
			}
		}
		ws.pending++
		if ws.pending >= builderRows || ws.rgRows+int64(ws.pending) >= ws.rgMax {
			if err := ws.flushBuilder(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (ws *writerState) flushBuilder() error {
	if ws.pending == 0 {
		return nil
	}
	rec := ws.bld.NewRecordBatch()
	defer rec.Release()
	if ws.pending == builderRows {
		// Steady stream: keep the builders at full size instead of
		// growing them from zero again.
		ws.bld.Reserve(builderRows)
	}
	ws.pending = 0
	return ws.write(rec)
}

func (ws *writerState) writeRecord(rec arrow.RecordBatch) error {
	if err := ws.check(); err != nil {
		return err
	}
	if int(rec.NumCols()) != len(ws.typs) {
		return pgerr.New(pgerr.InternalError, "pqfile: record of %d columns for %d", rec.NumCols(), len(ws.typs))
	}
	for i := range ws.typs {
		if !arrow.TypeEqual(rec.Column(i).DataType(), ws.schema.Field(i).Type) {
			return pgerr.New(pgerr.InternalError, "pqfile: record column %d is %s, want %s",
				i, rec.Column(i).DataType(), ws.schema.Field(i).Type)
		}
	}
	// Rows buffered by WriteRows go first: the file keeps call order.
	if err := ws.flushBuilder(); err != nil {
		return err
	}
	// Field names and metadata may differ; the data is what counts.
	own := array.NewRecordBatch(ws.schema, rec.Columns(), rec.NumRows())
	defer own.Release()
	return ws.write(own)
}

// write cuts rec at row-group boundaries so each piece's statistics are
// those of exactly one row group.
func (ws *writerState) write(rec arrow.RecordBatch) error {
	n := rec.NumRows()
	for off := int64(0); off < n; {
		if ws.rgRows == ws.rgMax {
			if err := ws.finishRowGroup(); err != nil {
				return err
			}
			if err := ws.fw.NewBufferedRowGroupChecked(); err != nil {
				return ws.fail(err)
			}
		}
		k := min(n-off, ws.rgMax-ws.rgRows)
		piece := rec
		if off != 0 || k != n {
			piece = rec.NewSlice(off, off+k)
		}
		err := ws.writePiece(piece)
		if piece != rec {
			piece.Release()
		}
		if err != nil {
			return err
		}
		off += k
	}
	return nil
}

func (ws *writerState) writePiece(rec arrow.RecordBatch) error {
	for i, t := range ws.typs {
		if err := ws.rgStats[i].add(rec.Column(i), t); err != nil {
			return ws.fail(err)
		}
	}
	// Statistics are of the values as given (padded char(n)); the file
	// gets char(n) trimmed (see bpchar.go).
	cols := rec.Columns()
	copied := false
	for i, t := range ws.typs {
		if bpcharLen(t) < 0 {
			continue
		}
		if !copied {
			cols, copied = slices.Clone(cols), true
		}
		c := trimBPChar(ws.mem, cols[i])
		defer c.Release()
		cols[i] = c
	}
	// pqarrow requires the writer's exact schema.
	withMeta := array.NewRecordBatch(ws.fileSc, cols, rec.NumRows())
	defer withMeta.Release()
	if err := ws.fw.WriteBuffered(withMeta); err != nil {
		return ws.fail(err)
	}
	ws.rgRows += rec.NumRows()
	ws.rows += rec.NumRows()
	return nil
}

func (ws *writerState) fail(err error) error {
	if pgerr.As(err) == nil {
		err = pgerr.New(pgerr.InternalError, "pqfile: writing parquet: %v", err)
	}
	ws.err = err
	return err
}

func (ws *writerState) finishRowGroup() error {
	if ws.rgRows == 0 {
		return nil
	}
	g := RowGroupInfo{Rows: ws.rgRows, Stats: make([]ColumnStats, len(ws.ids))}
	for i, id := range ws.ids {
		s := ws.rgStats[i]
		g.Stats[i] = ColumnStats{ColumnID: id, Min: s.min, Max: s.max, NullCount: s.nulls, Rows: ws.rgRows}
	}
	ws.groups = append(ws.groups, g)
	ws.rgRows = 0
	ws.rgStats = make([]statsAcc, len(ws.ids))
	return nil
}

func (ws *writerState) close() (FileInfo, error) {
	if ws.closed {
		return FileInfo{}, pgerr.New(pgerr.InternalError, "pqfile: writer closed twice")
	}
	if ws.err == nil {
		_ = ws.flushBuilder()
	}
	ws.closed = true
	defer ws.bld.Release()
	if ws.err != nil {
		_ = ws.fw.Close()
		return FileInfo{}, ws.err
	}
	if err := ws.finishRowGroup(); err != nil {
		return FileInfo{}, err
	}
	meta, err := json.Marshal(ws.groups)
	if err != nil {
		return FileInfo{}, ws.fail(err)
	}
	if err := ws.fw.AppendKeyValueMetadata(statsKey, string(meta)); err != nil {
		return FileInfo{}, ws.fail(err)
	}
	if err := ws.fw.Close(); err != nil {
		return FileInfo{}, ws.fail(fmt.Errorf("closing: %w", err))
	}
	return FileInfo{
		Rows:      ws.rows,
		Bytes:     ws.out.n,
		RowGroups: ws.groups,
		Stats:     mergeStats(ws.groups, ws.ids),
	}, nil
}
