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
//	/lake/<table>/f/<part><file>         file manifest entry (FileMeta)
//	/lake/<table>/d/<file><pos>          one deleted row of a file (empty, or
//	                                     the UPDATE's new locator)
//	/lake/<table>/i/<part><id>           one inlined row (rowenc value encoding)
//	/lake/<table>/s/<id>                 snapshot log record (SnapshotRecord, JSON)
//	/lake/<table>/r/<file>               a file removed from the manifest (its path)
//	/lake/<table>/m/<file>               forwarding of a file OPTIMIZE replaced
//	/lake/<table>/n/<part><max id>       forwarding of rows a flush moved
//	/lake/<table>/n/<part><id>           an UPDATE's link from an inlined row
//
// <part> is the order-preserving key encoding (rowenc.AppendKey) of the
// partition columns' values (empty without partition_by), so a predicate
// on the first partition column is a key range. <file> and <id> are
// unique 64-bit ids made without coordination (time-based, per Store), as
// 8 big-endian bytes so the partition bytes before them need no decoding;
// inserts never conflict. A manifest entry is the JSON of FileMeta plus
// the file's min/max statistics in rowenc value encoding (datums do not
// survive JSON). Deletions stay one key per row: they are what gives
// per-row locks and conflicts; OPTIMIZE compacts them away by rewriting
// files with many deletions. Objects are named <table>/<file>.parquet.
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
//     first-committer-wins exactly as a row table. Conflicts are therefore
//     per row, never per table or file. UPDATE is a delete plus an inlined
//     insert, linked: the deletion key holds the new row's locator (an
//     inlined row's tombstone cannot, so an update record among the n/
//     forwarding records does). At READ COMMITTED a row deleted after the
//     snapshot is reported with its newest version, found by following the
//     links and forwarding records, so the executor can re-check it
//     (PostgreSQL's EvalPlanQual, epq.go) instead of restarting the
//     statement.
//   - Every statement leaves one snapshot-log record (a blind write of a
//     fresh key): Appender.Close for inserts, Table.FinishStatement for the
//     Delete/Update calls of a statement.
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
// All of that metadata is read when Scan is called, so a statement never
// sees its own later writes; the Scanner then reads only immutable files,
// whose opened footers a Store keeps in a bounded LRU. A scan that needs
// no column (count(*)) reads no column chunk: row-group sizes minus
// deletions give the rows.
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
// The flusher likewise locks each inlined row with SKIP LOCKED.
//
// Users are never aborted by maintenance; maintenance retries later. A
// transaction whose snapshot predates a flush or rewrite may still delete
// a row it saw at its old place: the lock reports the newer commit, and
// the forwarding record the maintenance commit left (m/, n/) gives the
// row's new file position, where the deletion goes instead (a conflict
// only if someone else deleted the row meanwhile). Forwarding records are
// vacuumed once no live snapshot predates them.
//
// SSI and maintenance: a flush or rewrite moves rows, so a serializable
// reader of the old place and a later deleter at the new place touch
// different keys. The maintenance commit therefore runs as a SERIALIZABLE
// transaction that reads nothing (its reads are made in separate READ
// COMMITTED transactions): the reader gets an rw-edge to it, which stands
// in for the edge to the deleter, so such write skews are still caught.
// Having no reads, maintenance has no out-edges and is never aborted by
// SSI nor the pivot of a dangerous structure. The cost: a serializable
// transaction that read a partition being flushed or rewritten can, like
// with any concurrent writer of that partition, be aborted as a pivot
// (R ->rw it ->rw maintenance) where no real cycle exists. READ COMMITTED
// and REPEATABLE READ transactions are never affected.
//
// Vacuum keeps every object in the current manifest, every removed file
// whose removal committed after txn.DB.LakeHorizon (a retained or live
// snapshot may read it), and unreferenced objects younger than
// Options.VacuumGrace (a running writer's files); it deletes the rest, and
// forgets removal, snapshot-log and forwarding records no one can need.
// Objects of dropped tables are deleted by the background loop after the
// retention period.
//
// # Time travel
//
// Commit timestamps are hybrid logical clock values in microseconds since
// the Unix epoch (txn.Manager), so "as of a wall-clock time" is "as of that
// timestamp". New sets the DB's lake retention to Options.Retention: the
// GC keeps versions of lake keys that long, and vacuum keeps every file a
// retained snapshot references. Reads at an older timestamp use
// txn.DB.BeginAsOf; a Table reads whatever snapshot its transaction has.
// Snapshot-log records get their commit timestamps from the versions of
// their keys (txn.Txn.ScanVersions).
package lake
