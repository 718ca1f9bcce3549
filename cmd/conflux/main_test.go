package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
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

func TestSecurityFlags(t *testing.T) {
	noEnv := func(string) string { return "" }
	dir := t.TempDir()
	badHBA := filepath.Join(dir, "bad.conf")
	sslHBA := filepath.Join(dir, "ssl.conf")
	if err := os.WriteFile(badHBA, []byte("host all all all trust\nhost all all 10.0.0.0/8 kerberos\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sslHBA, []byte("# remote users over TLS only\nhostssl all all all scram-sha-256\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"--tls-cert", "a.pem"}, 2, "--tls-cert and --tls-key must be given together"},
		{[]string{"--tls-key", "a.key"}, 2, "--tls-cert and --tls-key must be given together"},
		{[]string{"--tls-required"}, 2, "--tls-required needs --tls-cert and --tls-key"},
		{[]string{"--tls-cert", filepath.Join(dir, "missing.pem"), "--tls-key", filepath.Join(dir, "missing.key")}, 2, "loading TLS certificate"},
		{[]string{"--hba-file", filepath.Join(dir, "nope.conf")}, 2, "--hba-file"},
		{[]string{"--hba-file", badHBA}, 2, `bad.conf line 2: invalid authentication method "kerberos"`},
		{[]string{"--hba-file", sslHBA}, 2, "ssl.conf line 2: hostssl record cannot match because TLS is not configured"},
	} {
		var errb bytes.Buffer
		code := run(append([]string{"serve", "--data-dir", data}, tc.args...), io.Discard, &errb, noEnv)
		if code != tc.code || !strings.Contains(errb.String(), tc.err) {
			t.Errorf("%v: code %d, stderr %q; want code %d and %q", tc.args, code, errb.String(), tc.code, tc.err)
		}
	}

	env := map[string]string{"CONFLUX_TLS_CERT": "c.pem", "CONFLUX_TLS_KEY": "k.pem", "CONFLUX_TLS_REQUIRED": "true", "CONFLUX_HBA_FILE": "h.conf"}
	f, _, err := parseServeFlags(nil, io.Discard, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if f.tlsCert != "c.pem" || f.tlsKey != "k.pem" || !f.tlsRequired || f.hbaFile != "h.conf" {
		t.Fatalf("env: %+v", f)
	}
	env["CONFLUX_TLS_REQUIRED"] = "maybe"
	if _, _, err := parseServeFlags(nil, io.Discard, func(k string) string { return env[k] }); err == nil {
		t.Fatal("CONFLUX_TLS_REQUIRED=maybe accepted")
	}
}
