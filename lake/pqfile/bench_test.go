package pqfile

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/types"
)

const benchRows = 1 << 20

// lineitemCols is TPC-H's lineitem as a lake table would declare it.
func lineitemCols() []catalog.Column {
	money := types.Numeric.WithTypmod(types.NumericTypmod(15, 2))
	defs := []struct {
		name string
		t    *types.T
	}{
		{"l_orderkey", types.Int8}, {"l_partkey", types.Int8}, {"l_suppkey", types.Int8},
		{"l_linenumber", types.Int4}, {"l_quantity", money}, {"l_extendedprice", money},
		{"l_discount", money}, {"l_tax", money}, {"l_returnflag", types.BPChar.WithTypmod(1 + 4)},
		{"l_linestatus", types.BPChar.WithTypmod(1 + 4)}, {"l_shipdate", types.Date},
		{"l_commitdate", types.Date}, {"l_receiptdate", types.Date},
		{"l_shipinstruct", types.BPChar.WithTypmod(25 + 4)}, {"l_shipmode", types.BPChar.WithTypmod(10 + 4)},
		{"l_comment", types.Varchar.WithTypmod(44 + 4)},
	}
	cols := make([]catalog.Column, len(defs))
	for i, d := range defs {
		cols[i] = catalog.Column{ID: uint32(i + 1), Name: d.name, Type: d.t}
	}
	return cols
}

// lineitemRows makes a chunk of rows; the benchmark writes it repeatedly
// with fresh order keys.
func lineitemRows(n int) []types.Row {
	rng := rand.New(rand.NewPCG(7, 7))
	dec := func(v int64) types.Datum {
		d := &types.DDecimal{}
		d.Coeff.SetInt64(v)
		d.Exponent = -2
		return d
	}
	pad := func(s string, n int) types.Datum { return types.DString(fmt.Sprintf("%-*s", n, s)) }
	instr := []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	modes := []string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}
	words := []string{"furiously", "quickly", "final", "deposits", "accounts", "regular", "ironic", "packages", "slyly", "blithely"}
	rows := make([]types.Row, n)
	for i := range rows {
		ship := 8036 + rng.IntN(2500)
		comment := ""
		for len(comment) < 10+rng.IntN(30) {
			comment += words[rng.IntN(len(words))] + " "
		}
		qty := int64(1 + rng.IntN(50))
		rows[i] = types.Row{
			types.DInt(i/4 + 1), types.DInt(rng.IntN(200000) + 1), types.DInt(rng.IntN(10000) + 1),
			types.DInt(i%7 + 1), dec(qty * 100), dec(qty * int64(90000+rng.IntN(1000000))),
			dec(int64(rng.IntN(11))), dec(int64(rng.IntN(9))), pad([]string{"A", "N", "R"}[rng.IntN(3)], 1),
			pad([]string{"O", "F"}[rng.IntN(2)], 1), types.DDate(ship), types.DDate(ship + rng.IntN(60) - 30),
			types.DDate(ship + 1 + rng.IntN(30)), pad(instr[rng.IntN(len(instr))], 25),
			pad(modes[rng.IntN(len(modes))], 10), types.DString(comment[:min(len(comment), 44)]),
		}
	}
	return rows
}

func writeLineitem(b *testing.B, cols []catalog.Column, chunk []types.Row, codec string) ([]byte, FileInfo) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, cols, WriterOptions{Compression: codec})
	if err != nil {
		b.Fatal(err)
	}
	for off := 0; off < benchRows; off += len(chunk) {
		for i, r := range chunk {
			r[0] = types.DInt((off+i)/4 + 1)
		}
		if err := w.WriteRows(chunk); err != nil {
			b.Fatal(err)
		}
	}
	info, err := w.Close()
	if err != nil {
		b.Fatal(err)
	}
	return buf.Bytes(), info
}

// BenchmarkWrite writes 1M lineitem rows from datums (WriteRows).
func BenchmarkWrite(b *testing.B) {
	cols := lineitemCols()
	chunk := lineitemRows(1 << 16)
	for _, codec := range []string{"zstd", "snappy"} {
		b.Run(codec, func(b *testing.B) {
			var size int64
			cpu0 := cpuSeconds()
			for b.Loop() {
				_, info := writeLineitem(b, cols, chunk, codec)
				size = info.Bytes
			}
			reportRates(b, cpu0)
			b.ReportMetric(float64(size)/(1<<20), "MiB")
		})
	}
}

// BenchmarkRead reads 1M lineitem rows back: all columns as Arrow
// records, four columns (a typical query), and all columns as datums.
func BenchmarkRead(b *testing.B) {
	cols := lineitemCols()
	data, _ := writeLineitem(b, cols, lineitemRows(1<<16), "zstd")
	all := ids(cols)
	typs := make([]*types.T, len(cols))
	for i, c := range cols {
		typs[i] = c.Type
	}
	for _, bc := range []struct {
		name  string
		ids   []uint32
		datum bool
	}{
		{"arrow-all", all, false},
		{"arrow-4cols", []uint32{5, 6, 7, 11}, false},
		{"datums-all", all, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			cpu0 := cpuSeconds()
			for b.Loop() {
				r, err := OpenReader(bytes.NewReader(data), int64(len(data)), cols)
				if err != nil {
					b.Fatal(err)
				}
				var groups []int
				for g := range r.RowGroups() {
					groups = append(groups, g)
				}
				it, err := r.Read(ctx, groups, bc.ids, 1<<14)
				if err != nil {
					b.Fatal(err)
				}
				var n int64
				var rows []types.Row
				for {
					rec, _, err := it.Next(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if rec == nil {
						break
					}
					n += rec.NumRows()
					if bc.datum {
						if rows, err = AppendRows(rows[:0], rec, typs); err != nil {
							b.Fatal(err)
						}
					}
					rec.Release()
				}
				it.Close()
				if n != benchRows {
					b.Fatalf("read %d rows", n)
				}
			}
			reportRates(b, cpu0)
		})
	}
}

// reportRates reports rows per wall second and per CPU second (all
// threads): the machine is shared, so CPU time is the steadier number.
func reportRates(b *testing.B, cpu0 float64) {
	rows := float64(benchRows) * float64(b.N)
	b.ReportMetric(rows/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(rows/(cpuSeconds()-cpu0), "rows/cpu-s")
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
