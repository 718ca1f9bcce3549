// Package lake stores lake tables: columnar tables whose data lives in
// immutable Parquet files (package pqfile) on a local directory or
// S3-compatible object storage (package objstore), and whose metadata --
// which files, which deleted row positions, which not-yet-flushed rows make
// up the table at each commit timestamp -- is ordinary MVCC data in Pebble,
// written through txn.Txn. Because the metadata goes through the same write
// buffer as row tables, a transaction that touches lake tables and row
// tables commits all of it in one Pebble batch: atomicity, isolation
// (including SERIALIZABLE) and durability come from the txn package, not
// from a per-table log as in Delta Lake or Iceberg.
//
// # Keyspace (all under keys.LakePrefix, MVCC-versioned)
//
//	/lake/<table>/f/<part>/<file>        file manifest entry (FileMeta, JSON)
//	/lake/<table>/d/<file>/<pos>         one deleted row of a file (empty value)
//	/lake/<table>/v/<file>               compacted deletion vector (roaring bitmap)
//	/lake/<table>/i/<part>/<id>          one inlined row (rowstore value encoding)
//	/lake/<table>/s/<id>                 snapshot log record (SnapshotRecord, JSON)
//
// <part> is the order-preserving key encoding of the partition columns'
// values (empty without partition_by), so a partition predicate is a key
// range. <file> and <id> are unique 64-bit ids made without coordination
// (time-based, like rowstore.NewRowID), so inserts never conflict.
//
// # Row identity
//
// Every lake table has a hidden bytea column, lake_rowid (catalog
// LakeRowIDColumn), which scans fill in with the row's Locator: the file id
// and position of a row in a Parquet file, or the id of an inlined row. It
// is what UPDATE and DELETE hand back to Table.Delete / Table.Update.
//
// # Writes
//
//   - Small inserts are inlined: one Pebble key per row, written without a
//     row lock (fresh key). A background flusher (maintain.go) turns them into
//     Parquet files once a table has enough, in its own transaction, which
//     deletes the inlined keys and publishes the file: readers see the same
//     rows before and after.
//   - Large inserts (COPY, INSERT ... SELECT over Options.DirectWriteRows) are
//     written straight to Parquet files during the statement; the commit only
//     publishes their manifest entries. A file whose transaction aborts or
//     whose server crashes before commit is an orphan, removed by vacuum after
//     Options.VacuumGrace.
//   - DELETE writes one deletion key per row, through txn.Txn.Put: it takes
//     the row lock, waits for a concurrent deleter of the same row, and gets
//     first-committer-wins and READ COMMITTED statement restart exactly as a
//     row table. Conflicts are therefore per row, never per table or file.
//     UPDATE is a delete plus an inlined insert.
//
// # Reads and SERIALIZABLE
//
// A scan reads, at the transaction's snapshot, the manifest entries of the
// partitions its predicate selects, prunes files and row groups by min/max
// statistics, reads the surviving row groups with only the needed columns,
// drops deleted positions, and appends the inlined rows. For SSI it records
// the key spans it actually depended on -- the manifest and inline spans of
// the partitions scanned and the deletion span of each file read -- so a
// concurrent writer conflicts only if it touched those partitions or files.
//
// # Maintenance (maintain.go)
//
// Flush (inline rows -> file), OPTIMIZE (rewrite small files and files with
// many deletions) and vacuum (delete files no retained snapshot references,
// and orphans) run in the background and on demand. A rewrite must never
// lose a deletion committed concurrently: deleters take a KEY SHARE lock on
// the manifest entry of the file they delete from, the rewriter takes
// exclusive locks on the manifest entries it replaces with NOWAIT (skipping
// busy files rather than making users wait), then re-reads the deletion
// keys at the newest snapshot and gives up on a file whose deletions changed.
// Users are never aborted by maintenance; maintenance retries later.
//
// # Time travel
//
// Commit timestamps are hybrid logical clock values in microseconds since
// the Unix epoch (txn.Manager), so "as of a wall-clock time" is "as of that
// timestamp". The GC keeps versions of lake keys for Options.Retention
// (storage GC horizon for keys.LakePrefix), and vacuum keeps every file a
// retained snapshot references. Reads at an older timestamp use
// txn.DB.BeginAsOf.
package lake
