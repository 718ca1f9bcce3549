package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/conflux-db/conflux/lake"
	"github.com/conflux-db/conflux/server"
	"github.com/conflux-db/conflux/server/hba"
	"github.com/conflux-db/conflux/sql"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

const usage = `usage:
  conflux serve [flags]   run the server (conflux serve -h for flags)
  conflux version         print the version
`

func run(args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr, getenv)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "conflux %s (PostgreSQL 16 wire protocol)\n", versionString())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "conflux: unknown command %q\n%s", args[0], usage)
	return 2
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

type serveFlags struct {
	listen, dataDir, auth, logLevel string
	pprofAddr                       string
	tlsCert, tlsKey, hbaFile        string
	tlsRequired                     bool
	// lakeURL and lakeRetention configure lake tables' storage.
	lakeURL       string
	lakeRetention time.Duration
}

func parseServeFlags(args []string, stderr io.Writer, getenv func(string) string) (*serveFlags, *slog.Logger, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var f serveFlags
	fs := flag.NewFlagSet("conflux serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.listen, "listen", env("CONFLUX_LISTEN", "127.0.0.1:5433"),
		"address to listen on (5433 by default so PostgreSQL's 5432 stays free)")
	fs.StringVar(&f.dataDir, "data-dir", env("CONFLUX_DATA_DIR", "./conflux-data"), "data directory, created on first start")
	fs.StringVar(&f.auth, "auth", env("CONFLUX_AUTH", "trust"), "client authentication: trust or scram")
	fs.StringVar(&f.logLevel, "log-level", env("CONFLUX_LOG_LEVEL", "info"), "log level: debug, info, warn or error")
	fs.StringVar(&f.pprofAddr, "pprof", env("CONFLUX_PPROF", ""),
		"serve net/http/pprof profiles on this address (e.g. 127.0.0.1:6060); off when empty.\n"+
			"Unauthenticated: bind it to loopback only")
	fs.StringVar(&f.tlsCert, "tls-cert", env("CONFLUX_TLS_CERT", ""),
		"PEM certificate chain for TLS (with --tls-key); clients may then use sslmode=require/verify-full")
	fs.StringVar(&f.tlsKey, "tls-key", env("CONFLUX_TLS_KEY", ""), "PEM private key for --tls-cert")
	tlsRequired := false
	if v := getenv("CONFLUX_TLS_REQUIRED"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, nil, fmt.Errorf("CONFLUX_TLS_REQUIRED: %q is not a boolean", v)
		}
		tlsRequired = b
	}
	fs.BoolVar(&f.tlsRequired, "tls-required", tlsRequired,
		"refuse connections that do not use TLS (needs --tls-cert)")
	fs.StringVar(&f.hbaFile, "hba-file", env("CONFLUX_HBA_FILE", ""),
		"pg_hba.conf-style rules choosing, per user, database and client address, how to authenticate\n"+
			"(trust, scram-sha-256, md5, password, reject); replaces --auth")
	fs.StringVar(&f.lakeURL, "lake-url", env("CONFLUX_LAKE_URL", ""),
		"where lake tables keep their Parquet files: a directory, file:///path, or\n"+
			"s3://bucket/prefix?region=...&endpoint=...; <data-dir>/lake when empty")
	retention := 24 * time.Hour
	if v := getenv("CONFLUX_LAKE_RETENTION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return nil, nil, fmt.Errorf("CONFLUX_LAKE_RETENTION: %q is not a duration", v)
		}
		retention = d
	}
	fs.DurationVar(&f.lakeRetention, "lake-retention", retention,
		"how long old snapshots of lake tables stay readable by time travel (and their files kept)")
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if (f.tlsCert == "") != (f.tlsKey == "") {
		return nil, nil, errors.New("--tls-cert and --tls-key must be given together")
	}
	if f.tlsRequired && f.tlsCert == "" {
		return nil, nil, errors.New("--tls-required needs --tls-cert and --tls-key")
	}
	if f.lakeRetention <= 0 {
		return nil, nil, errors.New("--lake-retention must be positive")
	}
	if fs.NArg() > 0 {
		return nil, nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if f.auth != server.AuthTrust && f.auth != server.AuthSCRAM {
		return nil, nil, fmt.Errorf("--auth must be trust or scram, not %q", f.auth)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.ToUpper(f.logLevel))); err != nil {
		return nil, nil, fmt.Errorf("--log-level: %v", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	return &f, log, nil
}

// gcPercent is the server's default GOGC.
const gcPercent = 400

func serve(args []string, stderr io.Writer, getenv func(string) string) int {
	f, log, err := parseServeFlags(args, stderr, getenv)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "conflux serve: %v\n", err)
		}
		return 2
	}
	tlsCfg, rules, err := loadSecurity(f)
	if err != nil {
		fmt.Fprintf(stderr, "conflux serve: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := os.MkdirAll(f.dataDir, 0o700); err != nil {
		log.Error("cannot create data directory", "dir", f.dataDir, "error", err)
		return 1
	}
	log.Info("starting conflux", "version", versionString(), "data_dir", f.dataDir)
	if getenv("GOGC") == "" {
		// The big caches (Pebble's block cache, memtables) live outside
		// the Go heap, which holds mostly short-lived per-statement
		// garbage: collecting at 4x live heap instead of 2x cut server CPU
		// 13-18% on scans and ~5% on TPC-B. GOGC / GOMEMLIMIT override.
		debug.SetGCPercent(gcPercent)
	}
	if f.pprofAddr != "" {
		_, stopPprof, err := servePprof(f.pprofAddr, log)
		if err != nil {
			log.Error("cannot start pprof listener", "addr", f.pprofAddr, "error", err)
			return 1
		}
		defer stopPprof()
	}
	eng, err := sql.Open(ctx, sql.Config{DataDir: f.dataDir, Logger: log, LakeURL: f.lakeURL,
		Lake: lake.Options{Retention: f.lakeRetention}})
	if err != nil {
		log.Error("cannot open database", "dir", f.dataDir, "error", err)
		return 1
	}
	srv, err := server.New(server.FromEngine(eng), server.Config{
		ListenAddr: f.listen, Auth: f.auth, Logger: log,
		TLS: tlsCfg, TLSRequired: f.tlsRequired, HBA: rules,
	})
	if err == nil {
		err = srv.ListenAndServe(ctx)
	}
	code := 0
	if err != nil {
		log.Error("server failed", "error", err)
		code = 1
	}
	if cerr := eng.Close(); cerr != nil {
		log.Error("closing database", "error", cerr)
		code = 1
	}
	log.Info("conflux stopped")
	return code
}

// loadSecurity reads the TLS key pair and the HBA file, so that a bad
// file stops the server before it opens the database or listens.
func loadSecurity(f *serveFlags) (*tls.Config, *hba.Rules, error) {
	var cfg *tls.Config
	if f.tlsCert != "" {
		var err error
		if cfg, err = server.LoadTLSConfig(f.tlsCert, f.tlsKey); err != nil {
			return nil, nil, err
		}
	}
	if f.hbaFile == "" {
		return cfg, nil, nil
	}
	rules, err := hba.ParseFile(f.hbaFile)
	if err != nil {
		return nil, nil, fmt.Errorf("--hba-file: %w", err)
	}
	if line, ok := rules.HasSSLRules(); ok && cfg == nil {
		return nil, nil, fmt.Errorf("--hba-file: %s line %d: hostssl record cannot match because TLS is not configured (give --tls-cert and --tls-key)", f.hbaFile, line)
	}
	return cfg, rules, nil
}

// servePprof serves the runtime profiles on their own listener, apart
// from the SQL port, with an explicit mux so nothing else registered on
// http.DefaultServeMux is exposed. It returns the address it listens on
// and a function that stops it.
func servePprof(addr string, log *slog.Logger) (string, func(), error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Info("serving pprof", "addr", l.Addr().String())
	go func() {
		if err := hs.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("pprof listener failed", "error", err)
		}
	}()
	return l.Addr().String(), func() { _ = hs.Close() }, nil
}
