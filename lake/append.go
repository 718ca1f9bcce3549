package lake

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/conflux-db/conflux/lake/pqfile"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/txn"
)

// writeBatchRows is how many rows a file builder hands the Parquet writer at once.
const writeBatchRows = 4096

func (a *Appender) append(ctx context.Context, rows []types.Row) error {
	if a.done {
		return fmt.Errorf("lake: append after close")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, r := range rows {
		sr := a.t.storedRow(r)
		if err := a.t.checkNotNull(sr); err != nil {
			return err
		}
		a.rows++
		if !a.direct {
			a.buf = append(a.buf, sr)
			if len(a.buf) < a.t.s.opts.DirectWriteRows {
				continue
			}
			// Large statement: from here on rows go to Parquet files.
			a.direct = true
			a.writers = map[string]*fileWriter{}
			buf := a.buf
			a.buf = nil
			for _, br := range buf {
				if err := a.route(ctx, br); err != nil {
					return err
				}
			}
			continue
		}
		if err := a.route(ctx, sr); err != nil {
			return err
		}
	}
	return nil
}

// checkNotNull enforces NOT NULL on a stored row. The table does it, as
// rowstore does for row tables, so every writer (INSERT, COPY, MERGE)
// gets it whether or not the executor also checks.
func (t *Table) checkNotNull(sr types.Row) error {
	for i, c := range t.cols {
		if c.NotNull && sr[i] == types.DNull {
			return &pgerr.Error{Code: pgerr.NotNullViolation, Table: t.desc.Name, Column: c.Name,
				Message: "null value in column \"" + c.Name + "\" of relation \"" + t.desc.Name + "\" violates not-null constraint",
				Detail:  "Failing row contains " + t.rowText(sr) + "."}
		}
	}
	return nil
}

// rowText renders a stored row as PostgreSQL's error details do.
func (t *Table) rowText(sr types.Row) string {
	parts := make([]string, len(sr))
	for i, d := range sr {
		if d == types.DNull {
			parts[i] = "null"
		} else {
			parts[i] = types.FormatText(d, t.typs[i], nil)
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// route sends a stored row to its partition's file writer.
func (a *Appender) route(ctx context.Context, row types.Row) error {
	part, text, err := a.t.partKey(row)
	if err != nil {
		return err
	}
	w := a.writers[string(part)]
	if w == nil {
		w = a.t.newFileWriter(part, text, func(m FileMeta, part []byte) error {
			a.files++
			return a.t.publish(a.tx, &m, part)
		})
		a.writers[string(part)] = w
	}
	return w.add(ctx, row)
}

func (a *Appender) close(ctx context.Context) (int64, error) {
	if a.done {
		return 0, fmt.Errorf("lake: appender already closed")
	}
	a.done = true
	if !a.direct {
		for _, r := range a.buf {
			if err := a.t.putInline(a.tx, r); err != nil {
				return 0, err
			}
		}
		a.buf = nil
	} else {
		for _, w := range a.writers {
			if err := w.finish(ctx); err != nil {
				a.abort()
				return 0, err
			}
		}
	}
	if a.rows == 0 {
		return 0, nil
	}
	err := a.t.writeSnapshot(a.tx, SnapshotRecord{Operation: a.op, RowsAdded: a.rows, FilesAdded: a.files})
	return a.rows, err
}

func (a *Appender) abort() {
	a.done = true
	a.buf = nil
	for _, w := range a.writers {
		w.abort()
	}
}

// publish adds a file to the manifest in tx. The key is fresh (new file
// id), so no row lock is needed.
func (t *Table) publish(tx *txn.Txn, m *FileMeta, part []byte) error {
	v, err := encodeFileMeta(m, part, t.typByID)
	if err != nil {
		return err
	}
	return tx.PutUnlocked(manifestKey(t.id, part, m.ID), v)
}

// fileWriter writes the rows of one partition into Parquet files of about
// TargetFileRows rows, staged in a temporary file and uploaded to the
// object store when cut; done is called with each uploaded file.
type fileWriter struct {
	t       *Table
	part    []byte
	text    []string
	done    func(FileMeta, []byte) error
	pending []types.Row

	id   uint64
	tmp  *os.File
	bw   *bufio.Writer
	w    *pqfile.Writer
	rows int64
}

func (t *Table) newFileWriter(part []byte, text []string, done func(FileMeta, []byte) error) *fileWriter {
	return &fileWriter{t: t, part: part, text: text, done: done}
}

func (f *fileWriter) add(ctx context.Context, row types.Row) error {
	f.pending = append(f.pending, row)
	if len(f.pending) >= writeBatchRows {
		return f.drain(ctx)
	}
	return nil
}

// drain writes the pending rows, cutting files at TargetFileRows.
func (f *fileWriter) drain(ctx context.Context) error {
	for len(f.pending) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		if f.w == nil {
			if err := f.open(); err != nil {
				return err
			}
		}
		n := min(int64(len(f.pending)), f.t.s.opts.TargetFileRows-f.rows)
		if err := f.w.WriteRows(f.pending[:n]); err != nil {
			return err
		}
		f.rows += n
		f.pending = f.pending[n:]
		if f.rows >= f.t.s.opts.TargetFileRows {
			if err := f.cut(ctx); err != nil {
				return err
			}
		}
	}
	f.pending = nil
	return nil
}

func (f *fileWriter) open() error {
	tmp, err := os.CreateTemp(f.t.s.opts.TempDir, "conflux-lake-*.parquet")
	if err != nil {
		return err
	}
	f.tmp, f.bw = tmp, bufio.NewWriterSize(tmp, 1<<20)
	f.id = f.t.s.ids.next()
	f.w, err = pqfile.NewWriter(f.bw, f.t.cols, f.t.writer)
	if err != nil {
		f.abort()
		return err
	}
	f.rows = 0
	return nil
}

// cut finishes the current file, uploads it and reports it.
func (f *fileWriter) cut(ctx context.Context) error {
	info, err := f.w.Close()
	f.w = nil
	if err != nil {
		f.abort()
		return err
	}
	if err := f.bw.Flush(); err != nil {
		f.abort()
		return err
	}
	size, err := f.tmp.Seek(0, io.SeekCurrent)
	if err == nil {
		_, err = f.tmp.Seek(0, io.SeekStart)
	}
	name := objectName(f.t.id, f.id)
	if err == nil {
		err = f.t.s.obj.Put(ctx, name, f.tmp, size)
	}
	f.abort() // the staged copy is no longer needed
	if err != nil {
		return err
	}
	m := FileMeta{
		ID: f.id, Path: name, Rows: info.Rows, Bytes: size,
		Partition: f.text, Stats: info.Stats, Created: idTime(f.id),
	}
	return f.done(m, f.part)
}

// finish writes what is pending and cuts the last file.
func (f *fileWriter) finish(ctx context.Context) error {
	if err := f.drain(ctx); err != nil {
		return err
	}
	if f.w == nil {
		return nil
	}
	return f.cut(ctx)
}

// abort drops the staged file (uploaded files stay, as orphans if never
// published).
func (f *fileWriter) abort() {
	f.w = nil
	if f.tmp != nil {
		f.tmp.Close()
		os.Remove(f.tmp.Name())
		f.tmp, f.bw = nil, nil
	}
}
