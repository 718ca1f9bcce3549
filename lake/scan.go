package lake

import (
	"bytes"
	"context"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/lake/pqfile"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/storage/keys"
	"github.com/conflux-db/conflux/storage/rowenc"
	"github.com/conflux-db/conflux/txn"
)

const defaultBatchRows = 4096

// scanFile is a file a scan reads, with its deleted positions (ascending)
// at the scan's snapshot.
type scanFile struct {
	m    manifestEntry
	dels []int64
}

// inlineRow is an inlined row of a scan (its needed columns).
type inlineRow struct {
	part []byte
	id   uint64
	row  types.Row
}

func (t *Table) scan(ctx context.Context, tx *txn.Txn, spec ScanSpec) (*Scanner, error) {
	s := &Scanner{t: t, locators: spec.Locators, batch: spec.BatchRows, ranges: spec.Ranges}
	if s.batch <= 0 {
		s.batch = defaultBatchRows
	}
	var outCols []catalog.Column
	var outTyps []*types.T
	for i, o := range t.colOrd {
		want := !t.cols[i].Hidden
		if spec.Needed != nil {
			want = o < len(spec.Needed) && spec.Needed[o]
		}
		if want {
			s.out = append(s.out, i)
			s.colIDs = append(s.colIDs, t.cols[i].ID)
			outCols = append(outCols, t.cols[i])
			outTyps = append(outTyps, t.typs[i])
		}
	}
	base, err := pqfile.ArrowSchema(outCols)
	if err != nil {
		return nil, err
	}
	s.dataSchema = base
	s.schema = base
	if s.locators {
		fields := append(append([]arrow.Field(nil), base.Fields()...),
			arrow.Field{Name: catalog.LakeRowIDColumn, Type: arrow.BinaryTypes.Binary})
		md := base.Metadata()
		s.schema = arrow.NewSchema(fields, &md)
	}
	s.outTyps = outTyps

	// Everything in Pebble is read now, at one snapshot: the manifest and
	// inline spans of the selected partitions, then the deletion span of
	// each file not pruned by its statistics. These scans are what a
	// SERIALIZABLE transaction records as its reads.
	lo, hi, empty := t.partBounds(spec.Ranges)
	if empty {
		s.done = true
		return s, nil
	}
	files, err := t.manifest(ctx, tx, lo, hi)
	if err != nil {
		return nil, err
	}
	for _, m := range files {
		if !pqfile.MayMatch(m.Stats, spec.Ranges) {
			continue
		}
		dels, err := t.deletions(ctx, tx, m.ID)
		if err != nil {
			return nil, err
		}
		if int64(len(dels)) >= m.Rows {
			continue
		}
		s.files = append(s.files, scanFile{m: m, dels: dels})
	}
	if s.inline, err = t.readInline(ctx, tx, lo, hi, s.colIDs, outTyps); err != nil {
		return nil, err
	}
	return s, nil
}

// partBounds turns the ranges on the first partition column into a span
// of partition keys [lo, hi) (nil: unbounded); empty when no partition can
// match. Ranges that do not encode as keys of the column are ignored.
func (t *Table) partBounds(ranges []pqfile.Range) (lo, hi []byte, empty bool) {
	if len(t.partIdx) == 0 {
		return nil, nil, false
	}
	c := t.cols[t.partIdx[0]]
	for _, r := range ranges {
		if r.ColumnID != c.ID {
			continue
		}
		if r.Lo != nil && r.Lo != types.DNull {
			if k, err := rowenc.AppendKey(nil, r.Lo, c.Type, false); err == nil && (lo == nil || bytes.Compare(k, lo) > 0) {
				lo = k
			}
		}
		if r.Hi != nil && r.Hi != types.DNull {
			if k, err := rowenc.AppendKey(nil, r.Hi, c.Type, false); err == nil {
				if k = keys.PrefixEnd(k); k != nil && (hi == nil || bytes.Compare(k, hi) < 0) {
					hi = k
				}
			}
		}
	}
	return lo, hi, lo != nil && hi != nil && bytes.Compare(lo, hi) >= 0
}

// readInline reads the inlined rows of partitions [lo, hi), decoding colIDs.
func (t *Table) readInline(ctx context.Context, tx *txn.Txn, lo, hi []byte, colIDs []uint32, typs []*types.T) ([]inlineRow, error) {
	sec := sectionPrefix(t.id, secInline)
	lower, upper := sectionBounds(sec, lo, hi)
	it := tx.Scan(ctx, lower, upper, false)
	defer it.Close()
	dec := rowenc.NewRowDecoder(colIDs, typs)
	var out []inlineRow
	for it.Next() {
		part, id, err := splitPartID(it.Key()[len(sec):])
		if err != nil {
			return nil, err
		}
		row := make(types.Row, len(colIDs))
		if err := dec.Decode(it.Value(), row); err != nil {
			return nil, err
		}
		out = append(out, inlineRow{part: append([]byte(nil), part...), id: id, row: row})
	}
	return out, it.Err()
}

func (s *Scanner) next(ctx context.Context) (arrow.RecordBatch, error) {
	for !s.done {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		switch {
		case s.it != nil:
			rec, pos, err := s.it.Next(ctx)
			if err != nil {
				return nil, err
			}
			if rec == nil {
				s.closeFile()
				continue
			}
			out, err := s.fileRecord(rec, pos)
			rec.Release()
			if err != nil || out != nil {
				return out, err
			}
		case s.cur != nil:
			// No column needed (count(*)): rows are counted from the
			// row-group sizes, the file's data is never read.
			if s.rgi >= len(s.rgs) {
				s.closeFile()
				continue
			}
			rows := s.cur.r.RowGroups()[s.rgs[s.rgi]].Rows
			n := min(int64(s.batch), rows-s.rgOff)
			pos := s.rgPos[s.rgi] + s.rgOff
			if s.rgOff += n; s.rgOff >= rows {
				s.rgi, s.rgOff = s.rgi+1, 0
			}
			if out := s.emptyRecord(pos, n); out != nil {
				return out, nil
			}
		case s.fi < len(s.files):
			if err := s.openFile(ctx); err != nil {
				return nil, err
			}
		case len(s.inline) > 0:
			return s.inlineRecord()
		default:
			s.done = true
		}
	}
	return nil, nil
}

// openFile starts reading s.files[s.fi]: its row groups that the ranges
// may match.
func (s *Scanner) openFile(ctx context.Context) error {
	f := &s.files[s.fi]
	of, err := s.t.s.files.acquire(ctx, f.m.Path, s.t.cols)
	if err != nil {
		return err
	}
	s.cur = of
	s.rgs, s.rgPos, s.rgi, s.rgOff = s.rgs[:0], s.rgPos[:0], 0, 0
	var pos int64
	for g, rg := range of.r.RowGroups() {
		if pqfile.MayMatch(rg.Stats, s.ranges) {
			s.rgs = append(s.rgs, g)
			s.rgPos = append(s.rgPos, pos)
		}
		pos += rg.Rows
	}
	if len(s.colIDs) == 0 || len(s.rgs) == 0 {
		return nil
	}
	s.it, err = of.r.Read(ctx, s.rgs, s.colIDs, s.batch)
	return err
}

func (s *Scanner) closeFile() {
	if s.it != nil {
		s.it.Close()
		s.it = nil
	}
	if s.cur != nil {
		s.t.s.files.release(s.cur)
		s.cur = nil
	}
	s.fi++
}

// keptRuns returns the runs [start, end) of rows at positions
// [pos, pos+n) that are not deleted, relative to pos.
func keptRuns(dels []int64, pos, n int64) [][2]int64 {
	i := sort.Search(len(dels), func(i int) bool { return dels[i] >= pos })
	var runs [][2]int64
	start := int64(0)
	for ; i < len(dels) && dels[i] < pos+n; i++ {
		d := dels[i] - pos
		if d > start {
			runs = append(runs, [2]int64{start, d})
		}
		start = d + 1
	}
	if start < n {
		runs = append(runs, [2]int64{start, n})
	}
	return runs
}

// fileRecord drops the deleted rows of a record read from the current
// file (first row at position pos) and adds the locators; nil when every
// row is deleted.
func (s *Scanner) fileRecord(rec arrow.RecordBatch, pos int64) (arrow.RecordBatch, error) {
	f := &s.files[s.fi]
	n := rec.NumRows()
	runs := keptRuns(f.dels, pos, n)
	var kept int64
	for _, r := range runs {
		kept += r[1] - r[0]
	}
	if kept == 0 {
		return nil, nil
	}
	cols := make([]arrow.Array, 0, len(s.out)+1)
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	for c := range s.out {
		col := rec.Column(c)
		if kept == n {
			col.Retain()
			cols = append(cols, col)
			continue
		}
		parts := make([]arrow.Array, len(runs))
		for i, r := range runs {
			parts[i] = array.NewSlice(col, r[0], r[1])
		}
		merged, err := array.Concatenate(parts, memory.DefaultAllocator)
		for _, p := range parts {
			p.Release()
		}
		if err != nil {
			return nil, err
		}
		cols = append(cols, merged)
	}
	if s.locators {
		cols = append(cols, s.fileLocators(f, pos, runs))
	}
	return array.NewRecordBatch(s.schema, cols, kept), nil
}

func (s *Scanner) fileLocators(f *scanFile, pos int64, runs [][2]int64) arrow.Array {
	b := array.NewBinaryBuilder(memory.DefaultAllocator, arrow.BinaryTypes.Binary)
	defer b.Release()
	var buf []byte
	for _, r := range runs {
		for p := r[0]; p < r[1]; p++ {
			buf = appendLocator(buf[:0], locFile, f.m.part, f.m.ID, pos+p)
			b.Append(buf)
		}
	}
	return b.NewArray()
}

// emptyRecord is a record without data columns for rows [pos, pos+n) of
// the current file, minus deleted ones.
func (s *Scanner) emptyRecord(pos, n int64) arrow.RecordBatch {
	f := &s.files[s.fi]
	runs := keptRuns(f.dels, pos, n)
	var kept int64
	for _, r := range runs {
		kept += r[1] - r[0]
	}
	if kept == 0 {
		return nil
	}
	var cols []arrow.Array
	if s.locators {
		cols = append(cols, s.fileLocators(f, pos, runs))
		defer cols[0].Release()
	}
	return array.NewRecordBatch(s.schema, cols, kept)
}

// inlineRecord converts the next batch of inlined rows.
func (s *Scanner) inlineRecord() (arrow.RecordBatch, error) {
	n := min(len(s.inline), s.batch)
	batch := s.inline[:n]
	s.inline = s.inline[n:]
	var cols []arrow.Array
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	if len(s.out) > 0 {
		rows := make([]types.Row, n)
		for i := range batch {
			rows[i] = batch[i].row
		}
		rec, err := pqfile.RecordFromRows(memory.DefaultAllocator, s.dataSchema, s.outTyps, rows)
		if err != nil {
			return nil, err
		}
		for _, c := range rec.Columns() {
			c.Retain()
			cols = append(cols, c)
		}
		rec.Release()
	}
	if s.locators {
		b := array.NewBinaryBuilder(memory.DefaultAllocator, arrow.BinaryTypes.Binary)
		var buf []byte
		for _, r := range batch {
			buf = appendLocator(buf[:0], locInline, r.part, r.id, 0)
			b.Append(buf)
		}
		cols = append(cols, b.NewArray())
		b.Release()
	}
	return array.NewRecordBatch(s.schema, cols, int64(n)), nil
}

func (s *Scanner) close() {
	for s.cur != nil || s.it != nil {
		s.closeFile()
	}
	s.done = true
	s.files, s.inline = nil, nil
}
