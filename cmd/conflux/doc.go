// Command conflux runs the Conflux database server.
//
//	conflux serve [--listen 127.0.0.1:5433] [--data-dir ./conflux-data] [--auth trust|scram] [--log-level info] [--pprof 127.0.0.1:6060]
//	conflux version
//
// The default port is 5433, not PostgreSQL's 5432, so that a real
// PostgreSQL can run beside Conflux on the same machine (differential
// tests and benchmarks do exactly that). Every flag can also be given as
// an environment variable (CONFLUX_LISTEN, CONFLUX_DATA_DIR, CONFLUX_AUTH,
// CONFLUX_LOG_LEVEL, CONFLUX_PPROF); a flag on the command line wins.
//
// --pprof (off by default) serves net/http/pprof on a separate listener
// for profiling a running server; it has no authentication, so bind it to
// loopback.
//
// The data directory is created on first start. SIGINT or SIGTERM shuts
// down gracefully: running statements are cancelled, clients are told
// 57P01, and the engine is closed (flushed) before the process exits.
package main
