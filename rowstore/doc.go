// Package rowstore is the table access layer: it maps SQL rows onto the
// transactional key-value store (txn) using the storage/rowenc encodings.
//
// Layout. A row lives in its table's primary index under
// IndexPrefix(table, primary) + the encoded primary key columns; the value
// holds every stored column (including the key columns, so a read never
// has to decode the key). Tables without a declared primary key have a
// hidden int8 rowid column whose values come from NewRowID.
//
// A secondary index entry's value is always the row's primary key bytes,
// so an index scan finds the row with one Get. Unique indexes are keyed by
// their columns alone (so a duplicate is a single Get away) unless one of
// those columns is NULL: NULLs never conflict, as in PostgreSQL, so such
// entries get the primary key appended like non-unique index entries.
//
// All writes go through the caller's transaction. Before a uniqueness
// check (primary key, unique index entry) the key is locked exclusively,
// so an uncommitted concurrent insert of the same key makes us wait for
// its transaction, as PostgreSQL waits on the inserter. The check then
// reads the snapshot plus the transaction's own writes, or, when the lock
// reports a commit newer than the snapshot, the newest version: a
// committed duplicate is 23505 at every isolation level, except that
// SERIALIZABLE reports one its snapshot cannot see as 40001.
// ConflictError.Visible lets INSERT ... ON CONFLICT apply PostgreSQL's
// stricter rule for REPEATABLE READ.
//
// Bulk paths (COPY, ADD PRIMARY KEY, index backfill, TRUNCATE) write
// through Bulk: no row locks, uniqueness against a fresh index checked in
// the transaction's own buffer. A keyspace that no descriptor will name
// again (the row-id index after ADD PRIMARY KEY) is not deleted row by
// row but retired by one dropped-span record (DropSpan) that the storage
// GC turns into a range deletion once no snapshot can read it: every
// per-key write a 1M-row table avoids is a buffered entry, a commit
// intent, a WAL record and a later GC deletion saved.
package rowstore
