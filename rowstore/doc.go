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
// All writes go through the caller's transaction; constraint checks read
// the transaction's own snapshot plus its buffered writes, and concurrent
// conflicting inserts are caught by the transaction layer's
// first-committer-wins check on the same key.
package rowstore
