package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestCommands(t *testing.T) {
	noEnv := func(string) string { return "" }
	for _, tc := range []struct {
		args     []string
		code     int
		out, err string
	}{
		{[]string{"version"}, 0, "conflux devel", ""},
		{nil, 2, "", "usage:"},
		{[]string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{[]string{"serve", "--auth", "md5"}, 2, "", "--auth must be trust or scram"},
		{[]string{"serve", "--log-level", "loud"}, 2, "", "--log-level"},
		{[]string{"serve", "extra"}, 2, "", `unexpected argument "extra"`},
	} {
		var out, errb bytes.Buffer
		code := run(tc.args, &out, &errb, noEnv)
		if code != tc.code || !strings.Contains(out.String(), tc.out) || !strings.Contains(errb.String(), tc.err) {
			t.Errorf("%v: code %d, stdout %q, stderr %q", tc.args, code, out.String(), errb.String())
		}
	}
}

func TestServeFlagsDefaultsAndEnv(t *testing.T) {
	var errb bytes.Buffer
	f, _, err := parseServeFlags(nil, &errb, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if f.listen != "127.0.0.1:5433" || f.dataDir != "./conflux-data" || f.auth != "trust" || f.logLevel != "info" {
		t.Fatalf("defaults: %+v", f)
	}
	env := map[string]string{"CONFLUX_LISTEN": ":6000", "CONFLUX_AUTH": "scram"}
	f, _, err = parseServeFlags([]string{"--listen", ":7000"}, &errb, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if f.listen != ":7000" || f.auth != "scram" {
		t.Fatalf("flag must beat env, env must beat default: %+v", f)
	}
}

func TestPprofFlag(t *testing.T) {
	var errb bytes.Buffer
	f, _, err := parseServeFlags(nil, &errb, func(string) string { return "" })
	if err != nil || f.pprofAddr != "" {
		t.Fatalf("pprof must be off by default: %+v %v", f, err)
	}
	f, _, err = parseServeFlags([]string{"--pprof", "127.0.0.1:0"}, &errb, func(string) string { return "" })
	if err != nil || f.pprofAddr != "127.0.0.1:0" {
		t.Fatalf("--pprof: %+v %v", f, err)
	}
	errb.Reset()
	if code := run([]string{"serve", "-h"}, io.Discard, &errb, func(string) string { return "" }); code != 2 || !strings.Contains(errb.String(), "-pprof") {
		t.Fatalf("--help must document --pprof (code %d): %s", code, errb.String())
	}

	addr, stop, err := servePprof("127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	resp, err := http.Get("http://" + addr + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("pprof endpoint: %s", resp.Status)
	}
}
