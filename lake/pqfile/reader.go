package pqfile

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
)

// DefaultBatchRows is the record size Read uses when batchRows <= 0.
const DefaultBatchRows = 1 << 16

// Below inlineMaxRows rows a read decodes on the caller's goroutine: for
// small files the handoff to a read-ahead goroutine costs more than the
// overlap it buys. Below parallelMinRows rows a row group's columns are
// decoded one after the other for the same reason.
const (
	inlineMaxRows   = 1 << 16
	parallelMinRows = 1 << 13
)

// readerState is the Reader's implementation.
type readerState struct {
	pf     *file.Reader
	mem    memory.Allocator
	cols   map[uint32]catalog.Column // the table's current columns by ID
	field  map[uint32]int            // column ID -> top-level field of the file
	names  []string                  // file field names, by field index
	leaves [][]int                   // Parquet leaf columns of each field
	groups []RowGroupInfo
	starts []int64 // file position of each row group's first row
	// inlineMaxRows and parallelMinRows: the constants (tests lower them).
	inlineMaxRows, parallelMinRows int64

	// The Arrow readers over pf, serial and column-parallel, built on the
	// first Read and shared by all (ReadRowGroups only reads them):
	// building one deserialises the file's schema.
	arrowOnce  sync.Once
	arrow      [2]*pqarrow.FileReader // [0] serial, [1] parallel
	arrowError error
}

// arrowReaders returns the serial and the parallel Arrow reader.
func (rs *readerState) arrowReaders() ([2]*pqarrow.FileReader, error) {
	rs.arrowOnce.Do(func() {
		fr, err := pqarrow.NewFileReader(rs.pf, pqarrow.ArrowReadProperties{}, rs.mem)
		if err != nil {
			rs.arrowError = corrupt(err)
			return
		}
		par := *fr // shares the schema manifest; only Props differ
		par.Props.Parallel = true
		rs.arrow = [2]*pqarrow.FileReader{fr, &par}
	})
	return rs.arrow, rs.arrowError
}

func corrupt(err error) error {
	if pgerr.As(err) != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return pgerr.New(pgerr.DataCorrupted, "pqfile: %v", err)
}

func openReader(r io.ReaderAt, size int64, cols []catalog.Column) (*readerState, error) {
	pf, err := file.NewParquetReader(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, corrupt(err)
	}
	rs := &readerState{pf: pf, mem: memory.DefaultAllocator, cols: map[uint32]catalog.Column{}, field: map[uint32]int{},
		inlineMaxRows: inlineMaxRows, parallelMinRows: parallelMinRows}
	for _, c := range cols {
		rs.cols[c.ID] = c
	}
	md := pf.MetaData()
	sc := md.Schema
	root := sc.Root()
	rs.leaves = make([][]int, root.NumFields())
	for f := range rs.leaves {
		rs.names = append(rs.names, root.Field(f).Name())
	}
	for j := 0; j < sc.NumColumns(); j++ {
		if f := root.FieldIndexByField(sc.ColumnRoot(j)); f >= 0 {
			rs.leaves[f] = append(rs.leaves[f], j)
		}
	}
	kv := md.KeyValueMetadata()
	if ids := kv.FindValue(ColumnIDKey); ids != nil && *ids != "" {
		parts := strings.Split(*ids, ",")
		if len(parts) != len(rs.leaves) {
			return nil, pgerr.New(pgerr.DataCorrupted, "pqfile: %d column ids for %d fields", len(parts), len(rs.leaves))
		}
		for f, p := range parts {
			id, err := strconv.ParseUint(p, 10, 32)
			if err != nil {
				return nil, corrupt(err)
			}
			rs.field[uint32(id)] = f
		}
	} else {
		// A file not written by Conflux: match by column name.
		for _, c := range cols {
			for f, n := range rs.names {
				if n == c.Name {
					rs.field[c.ID] = f
				}
			}
		}
	}
	var stored []RowGroupInfo
	if s := kv.FindValue(statsKey); s != nil {
		if err := json.Unmarshal([]byte(*s), &stored); err != nil {
			return nil, corrupt(err)
		}
	}
	var pos int64
	for g := 0; g < pf.NumRowGroups(); g++ {
		rows := md.RowGroup(g).NumRows()
		gi := RowGroupInfo{Rows: rows}
		if len(stored) == pf.NumRowGroups() && stored[g].Rows == rows {
			gi.Stats = stored[g].Stats
		}
		rs.groups = append(rs.groups, gi)
		rs.starts = append(rs.starts, pos)
		pos += rows
	}
	return rs, nil
}

// outCol says where one requested column comes from.
type outCol struct {
	col  catalog.Column
	slot int // index among the file columns read, -1 when the file lacks it
}

func (rs *readerState) read(ctx context.Context, rowGroups []int, columnIDs []uint32, batchRows int) (*recordIter, error) {
	if batchRows <= 0 {
		batchRows = DefaultBatchRows
	}
	for _, g := range rowGroups {
		if g < 0 || g >= len(rs.groups) {
			return nil, pgerr.New(pgerr.InternalError, "pqfile: row group %d of %d", g, len(rs.groups))
		}
	}
	out := make([]outCol, len(columnIDs))
	var leafIdx []int
	slotOf := map[int]int{} // file field -> slot
	var slotNames []string
	for i, id := range columnIDs {
		c, ok := rs.cols[id]
		if !ok {
			return nil, pgerr.New(pgerr.InternalError, "pqfile: no column with id %d", id)
		}
		out[i] = outCol{col: c, slot: -1}
		f, ok := rs.field[id]
		if !ok {
			continue
		}
		s, ok := slotOf[f]
		if !ok {
			s = len(slotNames)
			slotOf[f] = s
			slotNames = append(slotNames, rs.names[f])
			leafIdx = append(leafIdx, rs.leaves[f]...)
		}
		out[i].slot = s
	}
	it := &recordIter{rs: rs, out: out, batch: batchRows, groups: rowGroups, leafIdx: leafIdx, names: slotNames}
	if len(leafIdx) > 0 {
		var err error
		if it.fr, err = rs.arrowReaders(); err != nil {
			return nil, err
		}
	}
	var rows int64
	for _, g := range rowGroups {
		rows += rs.groups[g].Rows
	}
	if rows >= rs.inlineMaxRows && len(leafIdx) > 0 {
		ctx, it.cancel = context.WithCancel(ctx)
		it.ch = make(chan groupData, 1)
		go it.produce(ctx)
	}
	return it, nil
}

// groupData is one row group as read, handed from the producer.
type groupData struct {
	g   int
	tbl arrow.Table // nil when no file column is read
	err error
}

// recordIter hands out the row groups' records in order. For large reads
// it reads row groups one ahead of the consumer in a goroutine (columns of
// a large row group in parallel inside pqarrow), so decoding the next row
// group overlaps with processing this one; small reads decode each row
// group when the consumer reaches it.
type recordIter struct {
	rs        *readerState
	out       []outCol
	batch     int
	fr        [2]*pqarrow.FileReader
	groups    []int    // row groups to read
	leafIdx   []int    // Parquet leaf columns to read
	names     []string // their fields' names
	nextGroup int      // index into groups of the next inline read

	// Read-ahead (nil ch: inline reads).
	cancel context.CancelFunc
	ch     chan groupData

	cur    groupData
	tr     array.RecordReader // over cur.tbl
	pos    int64              // file position of the next row
	left   int64              // rows of cur not yet returned (no-column reads)
	schema *arrow.Schema
	done   bool
}

// readGroup reads row group g's requested columns.
func (it *recordIter) readGroup(ctx context.Context, g int) groupData {
	gd := groupData{g: g}
	if len(it.leafIdx) == 0 {
		return gd
	}
	fr := it.fr[0]
	if len(it.names) > 1 && it.rs.groups[g].Rows >= it.rs.parallelMinRows {
		fr = it.fr[1]
	}
	tbl, err := fr.ReadRowGroups(ctx, it.leafIdx, []int{g})
	if err == nil && int(tbl.NumCols()) != len(it.names) {
		err = pgerr.New(pgerr.DataCorrupted, "pqfile: read %d columns, want %d", tbl.NumCols(), len(it.names))
	}
	for i := 0; err == nil && i < len(it.names); i++ {
		if tbl.Schema().Field(i).Name != it.names[i] {
			err = pgerr.New(pgerr.DataCorrupted, "pqfile: read column %q, want %q", tbl.Schema().Field(i).Name, it.names[i])
		}
	}
	if err != nil && tbl != nil {
		tbl.Release()
		tbl = nil
	}
	gd.tbl, gd.err = tbl, err
	return gd
}

// produce is the read-ahead goroutine.
func (it *recordIter) produce(ctx context.Context) {
	defer close(it.ch)
	for _, g := range it.groups {
		gd := it.readGroup(ctx, g)
		select {
		case it.ch <- gd:
		case <-ctx.Done():
			if gd.tbl != nil {
				gd.tbl.Release()
			}
			return
		}
		if gd.err != nil {
			return
		}
	}
}

func (it *recordIter) next(ctx context.Context) (arrow.RecordBatch, int64, error) {
	for !it.done {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		if it.tr != nil && it.tr.Next() {
			rec := it.tr.RecordBatch()
			pos := it.pos
			it.pos += rec.NumRows()
			r, err := it.assemble(rec.Columns(), rec.NumRows())
			return r, pos, err
		}
		if it.tr == nil && it.cur.tbl == nil && it.left > 0 {
			n := min(it.left, int64(it.batch))
			pos := it.pos
			it.pos += n
			it.left -= n
			r, err := it.assemble(nil, n)
			return r, pos, err
		}
		if err := it.advance(ctx); err != nil {
			return nil, 0, err
		}
	}
	return nil, 0, nil
}

// advance moves to the next row group.
func (it *recordIter) advance(ctx context.Context) error {
	it.releaseCur()
	var gd groupData
	var ok bool
	if it.ch == nil {
		if ok = it.nextGroup < len(it.groups); ok {
			gd = it.readGroup(ctx, it.groups[it.nextGroup])
			it.nextGroup++
		}
	} else {
		select {
		case gd, ok = <-it.ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if !ok {
		it.done = true
		return nil
	}
	if gd.err != nil {
		it.done = true
		return corrupt(gd.err)
	}
	it.cur = gd
	it.pos = it.rs.starts[gd.g]
	if gd.tbl != nil {
		it.tr = array.NewTableReader(gd.tbl, int64(it.batch))
	} else {
		it.left = it.rs.groups[gd.g].Rows
	}
	return nil
}

func (it *recordIter) releaseCur() {
	if it.tr != nil {
		it.tr.Release()
		it.tr = nil
	}
	if it.cur.tbl != nil {
		it.cur.tbl.Release()
		it.cur.tbl = nil
	}
	it.left = 0
}

// assemble builds the output record: file columns in requested order,
// NULL arrays for columns the file lacks.
func (it *recordIter) assemble(fileCols []arrow.Array, n int64) (arrow.RecordBatch, error) {
	arrs := make([]arrow.Array, len(it.out))
	defer func() {
		for _, a := range arrs {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, oc := range it.out {
		if oc.slot >= 0 {
			if n := bpcharLen(oc.col.Type); n >= 0 {
				arrs[i] = padBPChar(it.rs.mem, fileCols[oc.slot], n)
				continue
			}
			arrs[i] = fileCols[oc.slot]
			arrs[i].Retain()
			continue
		}
		dt, err := ArrowType(oc.col.Type)
		if err != nil {
			return nil, err
		}
		arrs[i] = array.MakeArrayOfNull(it.rs.mem, dt, int(n))
	}
	if it.schema == nil {
		fields := make([]arrow.Field, len(it.out))
		for i, oc := range it.out {
			fields[i] = arrow.Field{Name: oc.col.Name, Type: arrs[i].DataType(), Nullable: true,
				Metadata: arrow.NewMetadata([]string{ColumnIDKey}, []string{strconv.FormatUint(uint64(oc.col.ID), 10)})}
		}
		it.schema = arrow.NewSchema(fields, nil)
	}
	return array.NewRecordBatch(it.schema, arrs, n), nil
}

func (it *recordIter) close() {
	it.releaseCur()
	if it.ch != nil {
		it.cancel()
		for gd := range it.ch {
			if gd.tbl != nil {
				gd.tbl.Release()
			}
		}
		it.ch = nil
	}
	it.done = true
}

// Next implements RecordIterator.
func (it *recordIter) Next(ctx context.Context) (arrow.RecordBatch, int64, error) {
	return it.next(ctx)
}

// Close implements RecordIterator.
func (it *recordIter) Close() { it.close() }
