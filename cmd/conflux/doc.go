// Command conflux runs the Conflux database server.
//
//	conflux serve [--listen 127.0.0.1:5433] [--data-dir ./conflux-data] [--auth trust|scram] [--log-level info] [--pprof 127.0.0.1:6060]
//	              [--tls-cert server.crt --tls-key server.key [--tls-required]] [--hba-file hba.conf]
//	              [--lake-url s3://bucket/prefix?region=...] [--lake-retention 24h]
//	conflux version
//
// The default port is 5433, not PostgreSQL's 5432, so that a real
// PostgreSQL can run beside Conflux on the same machine (differential
// tests and benchmarks do exactly that). Every flag can also be given as
// an environment variable (CONFLUX_LISTEN, CONFLUX_DATA_DIR, CONFLUX_AUTH,
// CONFLUX_LOG_LEVEL, CONFLUX_PPROF, CONFLUX_TLS_CERT, CONFLUX_TLS_KEY,
// CONFLUX_TLS_REQUIRED, CONFLUX_HBA_FILE, CONFLUX_LAKE_URL,
// CONFLUX_LAKE_RETENTION); a flag on the command line wins.
//
// --lake-url says where lake tables keep their Parquet files: a
// directory (<data-dir>/lake by default) or an S3-compatible bucket
// (s3://bucket/prefix; see package lake/objstore for the query
// parameters). Their metadata always lives in the data directory.
// --lake-retention is how long old snapshots stay readable by time travel.
//
// --tls-cert and --tls-key (PEM; both or neither) turn TLS on: clients
// asking for it (sslmode=require, verify-full, ...) get it, TLS 1.2 or
// newer. --tls-required refuses connections without TLS. --hba-file names
// rules in PostgreSQL's pg_hba.conf format (a subset: local, host,
// hostssl and hostnossl lines; methods trust, scram-sha-256, md5,
// password, reject; see package server/hba) that replace --auth: the
// first rule matching the connection type, database, user and client
// address decides, and no match refuses the connection. The key pair and
// the rules are read at startup; an unreadable key pair or a bad line
// stops the server with an error naming the file and line.
//
// --pprof (off by default) serves net/http/pprof on a separate listener
// for profiling a running server; it has no authentication, so bind it to
// loopback.
//
// The Go garbage collector runs at GOGC=400 unless GOGC is set: the
// large caches live outside the Go heap, so the extra headroom is cheap
// and the collector's CPU share on scans and short transactions drops.
//
// The data directory is created on first start. SIGINT or SIGTERM shuts
// down gracefully: running statements are cancelled, clients are told
// 57P01, and the engine is closed (flushed) before the process exits.
package main
