// Package pqfile reads and writes the Parquet files of lake tables with
// arrow-go: the mapping from SQL types to Arrow/Parquet types, a writer that
// records min/max statistics per row group, and a reader that reads only
// the requested columns of the requested row groups.
//
// # Standard files
//
// Files must be readable by other engines (DuckDB, Spark) with the same
// types, so the mapping (ArrowType) uses only common logical types:
// integers, floats, DECIMAL(p,s) for numeric(p<=38,s), UTF-8 strings for
// text and for the types Parquet has no equivalent of (unconstrained
// numeric, interval, jsonb -- in PostgreSQL's text form, which other
// engines can cast), DATE, TIME(us), TIMESTAMP(us) with isAdjustedToUTC
// only for timestamptz, UUID, and LIST for arrays. Each field carries the
// catalog column id twice: as the Parquet field_id and, with the whole list,
// in the key-value metadata (ColumnIDKey), so files stay readable across
// ADD/DROP/RENAME COLUMN. A column missing from a file reads as NULL.
//
// Values are stored natively, not in the widened representation of
// exec/colexec batches: conversion to it is the scan's job, and other
// engines must see plain values. Infinite dates and timestamps keep
// PostgreSQL's sentinels (MinInt32/MaxInt32 days, MinInt64/MaxInt64
// microseconds); numeric NaN cannot be stored in a DECIMAL column and is
// rejected, as are arrays with a lower bound other than 1: nothing is
// silently altered.
//
// # Statistics
//
// Pruning needs min/max in SQL order (types.Compare), which Parquet's own
// statistics do not give for values stored as text, and which arrow-go may
// truncate. The writer therefore computes exact statistics per row group
// while writing (native comparisons on Arrow arrays for the common types)
// and stores them as JSON in the key-value metadata (see statsKey); the
// reader returns them from RowGroups, and ColumnStats marshal to JSON with
// self-describing datums so a manifest can keep them too. Parquet
// statistics are written as well, for other engines.
//
// # Writing and reading
//
// Rows given to WriteRows are gathered in Arrow builders and written in
// batches; records given to WriteRecord go straight through, after any
// buffered rows, so both can be mixed. Row groups hold exactly
// RowGroupRows rows (the last one fewer), which keeps file positions
// predictable. Strings are dictionary encoded; zstd is the default codec.
//
// Read decodes whole row groups of the requested columns. Reads of fewer
// than 64K rows decode on the caller's goroutine (a handoff costs more
// than it saves on small files); larger ones decode one row group ahead
// in a goroutine, with the columns of large row groups in parallel inside
// arrow-go. The arrow-go file reader is built once per open file and
// shared by concurrent reads. Records are sliced to batchRows, each with
// its file position: positions are what lake's deletions and row
// locators name.
package pqfile
