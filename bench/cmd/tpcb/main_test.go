package main

import (
	"os"
	"testing"
)

func TestParse(t *testing.T) {
	// Captured from pgbench 15 against Conflux (TPC-B, 8 clients, scale 1).
	out, err := os.ReadFile("testdata/pgbench15-retries.txt")
	if err != nil {
		t.Fatal(err)
	}
	r, err := parse(out)
	if err != nil {
		t.Fatal(err)
	}
	want := result{processed: 1027, failed: 0, retried: 803, retries: 4034, latency: 15.575, tps: 513.647417}
	if r != want {
		t.Fatalf("parse = %+v, want %+v", r, want)
	}

	// Without --max-tries pgbench omits the retry lines: they read as zero.
	r, err = parse([]byte("number of transactions actually processed: 10\nnumber of failed transactions: 3 (23.1%)\nlatency average = 2.5 ms\ntps = 400.5 (without initial connection time)\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := (result{processed: 10, failed: 3, latency: 2.5, tps: 400.5}); r != want {
		t.Fatalf("parse = %+v, want %+v", r, want)
	}

	if _, err := parse([]byte("pgbench: error: connection refused\n")); err == nil {
		t.Fatal("parse of an error output succeeded")
	}
}
