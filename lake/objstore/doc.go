// Package objstore is the object storage lake tables keep their Parquet
// files in: a local directory by default, or an S3-compatible bucket
// (--lake-url s3://bucket/prefix). Objects are immutable once written, so
// the interface is just put/open/list/delete; no rename, no append.
//
// Open(ctx, url) picks the implementation from a URL: a path or
// file:///abs/dir (NewLocal), s3://bucket/prefix?endpoint=...&region=...
// (NewS3), or mem:// (NewMemory, for tests and in-memory engines).
//
// # Atomic Put
//
// Lake metadata in Pebble refers to a file only after Put returned, and a
// crash must never leave a half-written Parquet file under a live name. The
// local store writes to a temporary dot file in the target directory,
// fsyncs it, renames it over the name and fsyncs the directory; S3 gets the
// same guarantee from single PUTs and completed multipart uploads. Object
// names therefore may not have segments starting with "." (nor "..", empty
// segments, backslashes or a leading slash): that keeps temporary files out
// of every listing and names inside the store's root. A crash mid-Put leaves
// at most a dot file, which lists never show. Put checks the byte count
// against its size argument, so a truncated reader fails instead of
// publishing a short object.
//
// # Reads
//
// Parquet readers read the footer, then column chunks, often concurrently.
// Local objects are *os.File (pread). S3 objects are read by one ranged GET
// per ReadAt rather than through minio.Object, whose single stream
// serializes concurrent readers and re-seeks; a File reads with the context
// passed to Open, so it must not outlive that operation (cancelling a query
// cancels its reads).
//
// # Listing
//
// List is in byte order of names on every store, which S3 gives natively;
// the local store walks only the directory the prefix names and sorts,
// because a directory walk visits "a/b" before "a.x".
//
// # S3 details
//
// github.com/minio/minio-go/v7 is the client. Payload signing is disabled
// (DisableContentSha256): over plain HTTP minio-go otherwise uses the
// aws-chunked streaming signature, which not every S3-compatible server
// decodes (gofakes3 stores the chunk framing of multipart parts), and over
// HTTPS TLS already protects the body. Credentials come from the URL's query
// (tests), AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, the AWS profile, or the
// instance role; URL() never includes them.
package objstore
