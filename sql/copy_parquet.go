package sql

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/file"
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/lake/pqfile"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// COPY ... (FORMAT parquet) moves data in and out without a row-by-row
// text trip, for lake and row tables alike:
//
//	COPY t FROM '/srv/in.parquet' (FORMAT parquet)   -- a server file
//	COPY t TO '/srv/out.parquet' (FORMAT parquet)
//	COPY (SELECT ...) TO '/srv/out.parquet' (FORMAT parquet)
//	COPY t TO STDOUT (FORMAT parquet)                -- psql: \copy t to 'f.parquet' (format parquet)
//	COPY t FROM STDIN (FORMAT parquet)               -- psql: \copy t from 'f.parquet' (format parquet)
//
// File columns are matched to the COPY's columns by name, so files of
// other engines (DuckDB, Spark) load as long as names agree; values are
// converted with assignment casts (an int32 column loads into bigint, a
// double into numeric). Parquet needs random access (the footer comes
// last), so FROM STDIN spools the stream to a temporary file first. Server
// files need superuser or pg_read_server_files / pg_write_server_files,
// as in PostgreSQL.

// parquetBatchRows is how many rows move between Parquet and datums at once.
const parquetBatchRows = 4096

// copyFile runs a COPY to or from a server file (a KindCommand statement).
func (s *Session) copyFile(ctx context.Context, st *pg_query.CopyStmt) (*Cursor, error) {
	path, err := s.copyFilePath(st)
	if err != nil {
		return nil, err
	}
	var n int64
	if st.IsFrom {
		n, err = s.copyIn(ctx, st, nil)
	} else {
		n, err = s.copyOutFile(ctx, st, path)
	}
	if err != nil {
		return nil, err
	}
	return tagCursor(fmt.Sprintf("COPY %d", n)), nil
}

// copyFilePath checks the privilege and path of a server-file COPY.
func (s *Session) copyFilePath(st *pg_query.CopyStmt) (string, error) {
	role, dir := "pg_write_server_files", "to"
	if st.IsFrom {
		role, dir = "pg_read_server_files", "from"
	}
	if !s.isSuperuser() && !catalog.MemberOfClosure(s.catalog(), s.currentUser())[role] {
		return "", pgerr.New(pgerr.InsufficientPrivilege, "permission denied to COPY %s a file", dir).
			WithDetail("Only roles with privileges of the \"%s\" role may COPY %s a file.", role, dir).
			WithHint("Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone.")
	}
	path := st.Filename
	if !filepath.IsAbs(path) {
		if !st.IsFrom {
			return "", pgerr.New(pgerr.InvalidName, "relative path not allowed for COPY to file")
		}
		path = filepath.Join(s.e.dataDir, path)
	}
	return path, nil
}

// fileError maps an OS error on a COPY file to PostgreSQL's SQLSTATEs.
func fileError(err error, path, verb string) error {
	code := pgerr.IOError
	reason := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		reason = pe.Err.Error()
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		code, reason = pgerr.UndefinedFile, "No such file or directory"
	case errors.Is(err, fs.ErrPermission):
		code, reason = pgerr.InsufficientPrivilege, "Permission denied"
	}
	return pgerr.New(code, "could not open file \"%s\" for %s: %s", path, verb, reason)
}

// readParquetRows reads a Parquet file (the server file of st, or the
// COPY data stream r) and hands its rows to sink.
func (s *Session) readParquetRows(ctx context.Context, st *pg_query.CopyStmt, t *catalog.Table, cols []catalog.Column, r io.Reader, sink *copySink) error {
	var f *os.File
	var name string
	if st.Filename != "" {
		path, err := s.copyFilePath(st)
		if err != nil {
			return err
		}
		if f, err = os.Open(path); err != nil {
			return fileError(err, path, "reading")
		}
		name = path
	} else {
		tmp, err := os.CreateTemp("", "conflux-copy-*.parquet")
		if err != nil {
			return pgerr.New(pgerr.IOError, "could not create temporary file: %v", err)
		}
		defer os.Remove(tmp.Name())
		if _, err := io.Copy(tmp, r); err != nil {
			tmp.Close()
			return err
		}
		f, name = tmp, "STDIN"
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fileError(err, name, "reading")
	}
	return s.loadParquet(ctx, f, fi.Size(), name, t, cols, sink)
}

// parquetLayout reads the top-level field names of a file and, for files
// Conflux wrote, their column ids (pqfile.ColumnIDKey).
func parquetLayout(r io.ReaderAt, size int64) (names []string, ids []uint32, err error) {
	pf, err := file.NewParquetReader(io.NewSectionReader(r, 0, size))
	if err != nil {
		return nil, nil, err
	}
	defer pf.Close()
	root := pf.MetaData().Schema.Root()
	for i := 0; i < root.NumFields(); i++ {
		names = append(names, root.Field(i).Name())
	}
	if v := pf.MetaData().KeyValueMetadata().FindValue(pqfile.ColumnIDKey); v != nil && *v != "" {
		parts := strings.Split(*v, ",")
		if len(parts) == len(names) {
			for _, p := range parts {
				id, err := strconv.ParseUint(p, 10, 32)
				if err != nil {
					return names, nil, nil
				}
				ids = append(ids, uint32(id))
			}
		}
	}
	return names, ids, nil
}

func (s *Session) loadParquet(ctx context.Context, f io.ReaderAt, size int64, name string, t *catalog.Table, cols []catalog.Column, sink *copySink) error {
	bad := func(err error) error {
		return pgerr.New(pgerr.BadCopyFileFormat, "invalid Parquet file \"%s\": %v", name, err)
	}
	names, ids, err := parquetLayout(f, size)
	if err != nil {
		return bad(err)
	}
	// Match the COPY's columns to file fields by name; the reader is
	// handed the columns under the ids the file knows them by.
	readCols := make([]catalog.Column, len(cols))
	readIDs := make([]uint32, len(cols))
	for i, c := range cols {
		fi := indexOf(names, c.Name)
		if fi < 0 {
			for j, n := range names {
				if strings.EqualFold(n, c.Name) {
					fi = j
				}
			}
		}
		if fi < 0 {
			return pgerr.New(pgerr.UndefinedColumn, "column \"%s\" of relation \"%s\" is not in Parquet file \"%s\"", c.Name, t.Name, name).
				WithHint("The file has columns: %s. Name the columns to load: COPY %s (col, ...) FROM ...", strings.Join(names, ", "), t.Name)
		}
		rc := catalog.Column{ID: c.ID, Name: names[fi], Type: c.Type}
		if ids != nil {
			rc.ID = ids[fi]
		}
		readCols[i], readIDs[i] = rc, rc.ID
	}
	rd, err := pqfile.OpenReader(f, size, readCols)
	if err != nil {
		return bad(err)
	}
	groups := make([]int, len(rd.RowGroups()))
	for i := range groups {
		groups[i] = i
	}
	it, err := rd.Read(ctx, groups, readIDs, parquetBatchRows)
	if err != nil {
		return bad(err)
	}
	defer it.Close()
	tctx := s.typesContext()
	typs := make([]*types.T, len(cols))
	for i, c := range cols {
		typs[i] = c.Type
	}
	var buf []types.Row
	var line int64
	for {
		rec, _, err := it.Next(ctx)
		if err != nil {
			return bad(err)
		}
		if rec == nil {
			return nil
		}
		from := make([]*types.T, len(cols))
		for i := range cols {
			from[i] = arrowSourceType(rec.Column(i).DataType(), cols[i].Type)
		}
		buf, err = pqfile.AppendRows(buf[:0], rec, typs)
		rec.Release()
		if err != nil {
			return bad(err)
		}
		for _, row := range buf {
			line++
			for i, d := range row {
				if d == types.DNull || from[i] == nil {
					continue
				}
				v, err := types.CastAssignment(d, from[i], cols[i].Type, tctx)
				if err != nil {
					return copyContext(err, t.Name, int(line), cols[i].Name, "")
				}
				row[i] = v
			}
			if err := sink.add(ctx, row); err != nil {
				return err
			}
		}
	}
}

// arrowSourceType is the SQL type of the datums pqfile.AppendRows makes
// of an Arrow column read for target, or nil when they already are of
// target's type (no cast needed).
func arrowSourceType(dt arrow.DataType, target *types.T) *types.T {
	var src *types.T
	switch dt.ID() {
	case arrow.BOOL:
		src = types.Bool
	case arrow.INT16:
		src = types.Int2
	case arrow.INT32:
		src = types.Int4
	case arrow.INT64:
		src = types.Int8
	case arrow.FLOAT32:
		src = types.Float4
	case arrow.FLOAT64:
		src = types.Float8
	case arrow.DECIMAL128:
		src = types.Numeric
	case arrow.STRING:
		if target.Family != types.StringFamily {
			return nil // parsed as target's type already
		}
		src = types.Text
	case arrow.BINARY:
		src = types.Bytea
	case arrow.DATE32:
		src = types.Date
	case arrow.TIME64:
		src = types.Time
	case arrow.TIMESTAMP:
		src = types.Timestamp
		if target.Family == types.TimestampTZFamily {
			src = types.TimestampTZ
		}
	case arrow.FIXED_SIZE_BINARY:
		src = types.UUID
	default:
		return nil
	}
	if src.Identical(target) {
		return nil
	}
	return src
}

// copyOutFile runs COPY ... TO a server file.
func (s *Session) copyOutFile(ctx context.Context, st *pg_query.CopyStmt, path string) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, fileError(err, path, "writing")
	}
	n, err := s.copyOut(ctx, st, f)
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fileError(cerr, path, "writing")
	}
	if err != nil {
		os.Remove(path) // no half-written file
		return 0, err
	}
	return n, nil
}

// writeParquetCopy writes a COPY TO result as one Parquet file.
func writeParquetCopy(ctx context.Context, w *bufio.Writer, cur *Cursor, cols []Column) (int64, error) {
	pcols := make([]catalog.Column, len(cols))
	for i, c := range cols {
		pcols[i] = catalog.Column{ID: uint32(i + 1), Name: c.Name, Type: c.Type}
	}
	pw, err := pqfile.NewWriter(w, pcols, pqfile.WriterOptions{})
	if err != nil {
		return 0, pgerr.New(pgerr.FeatureNotSupported, "cannot write this result as Parquet: %v", err)
	}
	var n int64
	batch := make([]types.Row, 0, parquetBatchRows)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := pw.WriteRows(batch); err != nil {
			return err
		}
		batch = batch[:0]
		return ctx.Err()
	}
	for {
		row, ok, err := cur.Next(ctx)
		if err != nil {
			return 0, err
		}
		if !ok {
			break
		}
		batch = append(batch, append(types.Row(nil), row...))
		n++
		if len(batch) == parquetBatchRows {
			if err := flush(); err != nil {
				return 0, err
			}
		}
	}
	if err := flush(); err != nil {
		return 0, err
	}
	if _, err := pw.Close(); err != nil {
		return 0, err
	}
	return n, w.Flush()
}
