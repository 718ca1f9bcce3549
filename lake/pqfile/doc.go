// Package pqfile reads and writes the Parquet files of lake tables with
// arrow-go: the mapping from SQL types to Arrow/Parquet types, a writer that
// records min/max statistics per row group, and a reader that reads only
// the requested columns of the requested row groups.
package pqfile

import "errors"

var errNotYet = errors.New("pqfile: not implemented yet")
