package lake

// This file fixes the API the SQL layers (sql, exec) build against. The
// lake owner fills in the bodies; signatures change only with every caller.

import (
	"context"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/lake/objstore"
	"github.com/conflux-db/conflux/lake/pqfile"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/txn"
)

// Options tune lake tables engine-wide. Zero values mean the defaults.
type Options struct {
	// InlineFlushRows: the background flusher turns a table's inlined rows
	// into a Parquet file once there are at least this many (default 8192),
	// or once the oldest is older than FlushAge (default 1 minute).
	InlineFlushRows int
	FlushAge        time.Duration
	// DirectWriteRows: an Appender that receives at least this many rows
	// writes Parquet files during the statement instead of inlining
	// (default 8192).
	DirectWriteRows int
	// TargetFileRows: files are cut at about this many rows (default 1<<20);
	// OPTIMIZE merges files smaller than a quarter of it.
	TargetFileRows int64
	Writer         pqfile.WriterOptions
	// Retention: how long old snapshots stay readable by time travel
	// (default 24h). The MVCC GC keeps lake metadata versions this long and
	// vacuum keeps every file a retained snapshot references.
	Retention time.Duration
	// VacuumGrace: unreferenced files younger than this are kept, because
	// they may belong to a transaction still running (default 1h).
	VacuumGrace time.Duration
	// MaintenanceInterval: how often the background loop looks for work
	// (default 10s); 0 in tests that drive Flush/Optimize/Vacuum directly
	// is allowed via Start not being called.
	MaintenanceInterval time.Duration
	// TempDir holds the Parquet files a statement is writing before they
	// are uploaded to the object store (default os.TempDir()).
	TempDir string
}

// Store is the engine-wide lake service: the object store, the options and
// the background maintenance loop. Safe for concurrent use.
type Store struct {
	db    *txn.DB
	obj   objstore.Store
	opts  Options
	ids   idGen
	files *footerCache
	jobs  jobLog
	// loops counts running background loops, so Wait can tell the engine
	// when none touches Pebble or the object store any more.
	loops sync.WaitGroup

	// testHookBeforeLock runs in OPTIMIZE between writing the new file
	// and locking the old ones (tests interleave deletions there).
	testHookBeforeLock func()
}

// New returns a Store keeping files in obj and metadata in db.
func New(db *txn.DB, obj objstore.Store, opts Options) *Store {
	opts.setDefaults()
	db.SetLakeRetention(opts.Retention)
	return &Store{db: db, obj: obj, opts: opts, files: newFooterCache(obj, footerCacheSize)}
}

// Objects returns the object store (COPY ... (FORMAT parquet) and system views use it).
func (s *Store) Objects() objstore.Store { return s.obj }

// Start runs flush, optimize and vacuum in the background until ctx ends.
// tables lists the current lake tables (it reads the live catalog).
func (s *Store) Start(ctx context.Context, tables func() []*catalog.Table) {
	s.loops.Add(1)
	go func() {
		defer s.loops.Done()
		s.loop(ctx, tables)
	}()
}

// Wait returns once every loop Start began has stopped (after its ctx
// ended): the engine calls it before closing Pebble.
func (s *Store) Wait() { s.loops.Wait() }

// Table returns the accessor of a lake table descriptor (cheap; build one
// per statement).
func (s *Store) Table(t *catalog.Table) (*Table, error) { return s.table(t) }

// Table reads and writes one lake table inside transactions. A Table
// counts the rows its Delete and Update calls change for the statement's
// snapshot-log record: build one per statement (or call FinishStatement
// between statements).
type Table struct {
	s    *Store
	desc *catalog.Table
	id   uint32
	// cols are the stored columns (not dropped, not lake_rowid) in Columns
	// order; colOrd[i] is cols[i]'s index in desc.Columns.
	cols    []catalog.Column
	colOrd  []int
	colIDs  []uint32
	typs    []*types.T
	typByID map[uint32]*types.T
	// partIdx are the partition columns as indexes into cols.
	partIdx []int
	// writer is Options.Writer with the table's WITH (compression = ...).
	writer pqfile.WriterOptions

	stmt stmtCounts
}

// Locator identifies one row of a lake table (the lake_rowid column).
type Locator = []byte

// Appender collects the rows one statement inserts. Below
// Options.DirectWriteRows they are inlined in Close; from there on they are
// written as Parquet files as they come (bounded memory for COPY of any
// size) and published in the transaction.
type Appender struct {
	t   *Table
	tx  *txn.Txn
	op  string
	buf []types.Row // rows not yet written, in stored-column order
	// direct is set once the statement passed DirectWriteRows: rows then
	// go to Parquet writers, one per partition.
	direct  bool
	writers map[string]*fileWriter
	rows    int64
	files   int
	done    bool
}

// NewAppender starts inserting into t in tx.
func (t *Table) NewAppender(tx *txn.Txn) *Appender {
	return &Appender{t: t, tx: tx, op: "INSERT"}
}

// Append adds rows: datums in catalog Columns order (the hidden
// lake_rowid datum is ignored). NOT NULL / CHECK constraints are the
// caller's job, as for row tables.
func (a *Appender) Append(ctx context.Context, rows []types.Row) error { return a.append(ctx, rows) }

// Close writes what is left and publishes it in the transaction; it
// returns the number of rows inserted.
func (a *Appender) Close(ctx context.Context) (int64, error) { return a.close(ctx) }

// SetOperation names the statement in the snapshot log (default
// "INSERT"; COPY passes "COPY").
func (a *Appender) SetOperation(op string) { a.op = op }

// Abort discards the appender; files already written become orphans for vacuum.
func (a *Appender) Abort() { a.abort() }

// Delete deletes the row loc identifies, taking its row lock (it may
// wait). found is false when the row is already deleted in tx's snapshot.
// A row deleted or updated by a transaction that committed after the
// snapshot is 40001 at REPEATABLE READ and above, and a *RowChangedError
// (a txn.RetryStatementError) at READ COMMITTED.
func (t *Table) Delete(ctx context.Context, tx *txn.Txn, loc Locator) (found bool, err error) {
	return t.deleteRow(ctx, tx, loc, false)
}

// Update replaces the row loc identifies by row (a delete linked to an
// inlined insert); errors as Delete's.
func (t *Table) Update(ctx context.Context, tx *txn.Txn, loc Locator, row types.Row) (found bool, err error) {
	return t.updateRow(ctx, tx, loc, row, false)
}

// ScanSpec says what a scan reads.
type ScanSpec struct {
	// Needed marks, by index into the catalog Columns, the columns to
	// return (nil: every visible column).
	Needed []bool
	// Ranges prune partitions, files and row groups; rows outside them may
	// still be returned (the caller filters).
	Ranges []pqfile.Range
	// Locators appends a Binary lake_rowid column to every record.
	Locators bool
	// BatchRows bounds rows per record (default 4096).
	BatchRows int
}

// Scan reads t at tx's snapshot (including tx's own writes). Records hold
// the needed columns in Columns order, typed as pqfile.ArrowType, then the
// locator column if asked for.
func (t *Table) Scan(ctx context.Context, tx *txn.Txn, spec ScanSpec) (*Scanner, error) {
	return t.scan(ctx, tx, spec)
}

// Scanner yields a scan's records. Everything the scan depends on in
// Pebble (manifest, deletions, inlined rows) is read when Scan is called,
// at one snapshot; Next only reads immutable files.
type Scanner struct {
	t          *Table
	schema     *arrow.Schema
	dataSchema *arrow.Schema // schema without the locator column
	outTyps    []*types.T
	out        []int // indexes into t.cols of the returned columns
	colIDs     []uint32
	locators   bool
	batch      int
	ranges     []pqfile.Range

	files  []scanFile
	fi     int
	cur    *openFile
	it     pqfile.RecordIterator
	rgs    []int   // row groups of the current file being read
	rgPos  []int64 // their first positions (for column-less reads)
	rgi    int
	rgOff  int64
	inline []inlineRow
	done   bool
}

// Schema is the schema of every record Next returns.
func (s *Scanner) Schema() *arrow.Schema { return s.schema }

// Next returns the next record, or nil at the end. The caller releases it.
func (s *Scanner) Next(ctx context.Context) (arrow.RecordBatch, error) { return s.next(ctx) }

// Close releases the scan's files.
func (s *Scanner) Close() { s.close() }

// Truncate empties t in tx (files are vacuumed later).
func (t *Table) Truncate(ctx context.Context, tx *txn.Txn) error {
	return t.truncate(ctx, tx, false)
}

// Drop deletes t's metadata in tx (DROP TABLE); its files are vacuumed later.
func (t *Table) Drop(ctx context.Context, tx *txn.Txn) error { return t.truncate(ctx, tx, true) }

// FileMeta is one manifest entry (the conflux_lake_files view).
type FileMeta struct {
	ID        uint64                `json:"id"`
	Path      string                `json:"path"` // object name in the Store
	Rows      int64                 `json:"rows"`
	Bytes     int64                 `json:"bytes"`
	Partition []string              `json:"partition,omitempty"` // partition values, text form
	RowGroups []pqfile.RowGroupInfo `json:"-"`
	Stats     []pqfile.ColumnStats  `json:"-"`
	Deleted   int64                 `json:"-"` // deleted rows at the reading snapshot
	Created   time.Time             `json:"created"`
}

// Files lists t's files at tx's snapshot.
func (t *Table) Files(ctx context.Context, tx *txn.Txn) ([]FileMeta, error) {
	files, err := t.manifest(ctx, tx, nil, nil)
	if err != nil {
		return nil, err
	}
	out := make([]FileMeta, len(files))
	for i, f := range files {
		dels, err := t.deletions(ctx, tx, f.ID)
		if err != nil {
			return nil, err
		}
		out[i] = f.FileMeta
		out[i].Deleted = int64(len(dels))
	}
	return out, nil
}

// InlinedRows counts t's not yet flushed rows at tx's snapshot.
func (t *Table) InlinedRows(ctx context.Context, tx *txn.Txn) (int64, error) {
	return t.countInline(ctx, tx)
}

// SnapshotRecord is one commit that changed t (the conflux_lake_snapshots view).
type SnapshotRecord struct {
	CommitTS     uint64    `json:"-"` // from the record's MVCC version
	Time         time.Time `json:"time"`
	Operation    string    `json:"op"` // INSERT, DELETE, UPDATE, COPY, FLUSH, OPTIMIZE, TRUNCATE
	RowsAdded    int64     `json:"rows_added"`
	RowsDeleted  int64     `json:"rows_deleted"`
	FilesAdded   int       `json:"files_added"`
	FilesRemoved int       `json:"files_removed"`
}

// Snapshots lists the retained snapshots of t, oldest first.
func (t *Table) Snapshots(ctx context.Context, tx *txn.Txn) ([]SnapshotRecord, error) {
	return t.snapshots(ctx, tx)
}

// Progress is the state of one maintenance job (the
// conflux_lake_maintenance view; OPTIMIZE and VACUUM also send it as NOTICEs).
type Progress struct {
	Table    catalog.ID
	Job      string // flush, optimize, vacuum
	Phase    string
	Done     int64 // units of Total (files or rows, per Unit)
	Total    int64
	Unit     string
	Started  time.Time
	Finished time.Time // zero while running
	Err      string
}

// Flush turns t's inlined rows into files now.
func (s *Store) Flush(ctx context.Context, t *catalog.Table) error { return s.flush(ctx, t) }

// Optimize flushes t's inlined rows into files, then compacts its small
// files and files with many deletions; report (may be nil) receives
// progress.
func (s *Store) Optimize(ctx context.Context, t *catalog.Table, report func(Progress)) error {
	return s.optimize(ctx, t, report)
}

// Vacuum deletes t's files no retained snapshot references and its
// orphans older than the grace period.
func (s *Store) Vacuum(ctx context.Context, t *catalog.Table, report func(Progress)) error {
	return s.vacuum(ctx, t, report)
}

// Jobs lists running and recently finished maintenance jobs.
func (s *Store) Jobs() []Progress { return s.jobs.list() }
