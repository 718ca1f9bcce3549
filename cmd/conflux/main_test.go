package main

import (
	"bytes"
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
