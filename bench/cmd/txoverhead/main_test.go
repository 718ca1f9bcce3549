package main

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

func TestStats(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := median(tc.xs); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.xs, got, tc.want)
		}
	}
	lat := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if p50, p99 := percentile(lat, 0.5), percentile(lat, 0.99); p50 != 5 || p99 != 9 {
		t.Errorf("p50 %v p99 %v", p50, p99)
	}
	// 1000 rows/s autocommit vs 970 rows/s in transactions: +3.1 % per row.
	auto := []sample{{rows: 1000, elapsed: time.Second}, {rows: 2000, elapsed: time.Second}}
	txn := []sample{{rows: 970, elapsed: time.Second}, {rows: 2500, elapsed: time.Second}}
	ov := overheads(auto, txn)
	if len(ov) != 2 || ov[0] < 0.0309 || ov[0] > 0.0310 || math.Abs(ov[1]+0.2) > 1e-9 {
		t.Errorf("overheads = %v", ov)
	}
	// 10ms of server CPU for 1000 rows vs 12ms for 1000: +20 % per row.
	cov := cpuOverheads([]sample{{rows: 1000, cpu: 10 * time.Millisecond}}, []sample{{rows: 1000, cpu: 12 * time.Millisecond}})
	if len(cov) != 1 || math.Abs(cov[0]-0.2) > 1e-9 {
		t.Errorf("cpuOverheads = %v", cov)
	}
}

func TestReport(t *testing.T) {
	mk := func(sys, kind, sc, mode string, rows int64) *cell {
		return &cell{system: sys, kind: kind, sync: sc, mode: mode, reps: []sample{{rows: rows, elapsed: time.Second, p50: time.Millisecond, p99: 2 * time.Millisecond}}}
	}
	var b bytes.Buffer
	report(&b, []*cell{
		mk("conflux", kindRow, "off", modeAuto, 1000), mk("conflux", kindRow, "off", modeTxn, 980),
		mk("conflux", kindLake, "off", modeAuto, 1000), mk("conflux", kindLake, "off", modeTxn, 950),
		mk("postgresql", kindRow, "off", modeAuto, 1000), mk("postgresql", kindRow, "off", modeTxn, 1000),
	}, 8, 10, 1, time.Second)
	out := b.String()
	for _, want := range []string{
		"row tables: 10 single-row INSERTs",
		"lake tables: 10 single-row INSERTs",
		"conflux, row tables, synchronous_commit=off: transaction overhead +2.0%",
		"conflux, lake tables, synchronous_commit=off: transaction overhead +5.3%",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	// PostgreSQL appears only in the row-table section.
	if lake := out[strings.Index(out, "lake tables:"):]; strings.Contains(lake, "postgresql") {
		t.Errorf("postgresql in the lake section:\n%s", out)
	}
}
