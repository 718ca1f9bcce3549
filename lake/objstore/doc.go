// Package objstore is the object storage lake tables keep their Parquet
// files in: a local directory by default, or an S3-compatible bucket
// (--lake-url s3://bucket/prefix). Objects are immutable once written, so
// the interface is just put/open/list/delete; no rename, no append.
package objstore
