package tpch

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pingcap/go-tpc/tpch/dbgen/dist"
)

// Base cardinalities at SF 1 (clause 4.2.5).
const (
	baseSupplier = 10_000
	baseCustomer = 150_000
	basePart     = 200_000
	baseOrders   = 1_500_000
)

// Date range of the data (clause 4.2.3): STARTDATE, CURRENTDATE, ENDDATE
// as day offsets from 1992-01-01.
var startDate = time.Date(1992, 1, 1, 0, 0, 0, 0, time.UTC)

const (
	currentDay = 1263 // 1995-06-17
	endDay     = 2556 // 1998-12-31
)

// Rows returns the number of rows of a table at scale factor sf; for
// lineitem, whose size is random (1 to 7 lines per order), the expected
// count.
func Rows(sf float64, table string) int64 {
	switch table {
	case "region":
		return 5
	case "nation":
		return 25
	case "supplier":
		return scaled(sf, baseSupplier)
	case "customer":
		return scaled(sf, baseCustomer)
	case "part":
		return scaled(sf, basePart)
	case "partsupp":
		return 4 * scaled(sf, basePart)
	case "orders":
		return scaled(sf, baseOrders)
	case "lineitem":
		return 4 * scaled(sf, baseOrders)
	}
	return 0
}

func scaled(sf float64, base int64) int64 {
	n := int64(math.Floor(sf*float64(base) + 1e-9))
	return max(n, 1)
}

// Generate writes the rows of one table at scale factor sf to w in COPY
// text format (tab-separated columns, one row per line). The same sf
// always yields the same rows.
func Generate(sf float64, table string, w io.Writer) error {
	if sf <= 0 || math.IsNaN(sf) || math.IsInf(sf, 0) {
		return fmt.Errorf("tpch: invalid scale factor %v", sf)
	}
	idx := -1
	for i, t := range Tables {
		if t == table {
			idx = i
		}
	}
	if idx < 0 {
		return fmt.Errorf("tpch: unknown table %q", table)
	}
	if table == "lineitem" {
		idx = 6 // lineitem comes from the orders stream
	}
	g := newGen(sf, uint64(idx), w)
	switch table {
	case "region":
		g.region()
	case "nation":
		g.nation()
	case "supplier":
		g.supplier()
	case "customer":
		g.customer()
	case "part":
		g.part()
	case "partsupp":
		g.partsupp()
	case "orders":
		g.ordersAndLines(true, false)
	case "lineitem":
		g.ordersAndLines(false, true)
	}
	return g.flush()
}

// gen holds one table's generation state.
type gen struct {
	sf        float64
	r         *rand.Rand
	w         *bufio.Writer
	err       error
	pool      string
	dists     dists
	dates     []string
	suppliers int64
	row       []byte
}

const (
	seed     = 0x7b5c_2f1a_9e3d_4c01
	poolSize = 1 << 21 // 2 MiB of grammar text to cut comments from
)

func newGen(sf float64, stream uint64, w io.Writer) *gen {
	g := &gen{
		sf:        sf,
		r:         rand.New(rand.NewPCG(seed, stream)),
		w:         bufio.NewWriterSize(w, 1<<16),
		suppliers: scaled(sf, baseSupplier),
	}
	g.dists = newDists()
	g.pool = textPool(g.dists, rand.New(rand.NewPCG(seed, 1000)))
	g.dates = make([]string, endDay+1)
	for i := range g.dates {
		g.dates[i] = startDate.AddDate(0, 0, i).Format("2006-01-02")
	}
	return g
}

func (g *gen) flush() error {
	if g.err != nil {
		return g.err
	}
	return g.w.Flush()
}

// field appends one column to the current row.
func (g *gen) field(s string) {
	if len(g.row) > 0 {
		g.row = append(g.row, '\t')
	}
	g.row = append(g.row, s...)
}

func (g *gen) int(v int64) { g.field(strconv.FormatInt(v, 10)) }

// money appends a value given in cents with two decimals.
func (g *gen) money(cents int64) {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	g.field(fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100))
}

func (g *gen) endRow() {
	g.row = append(g.row, '\n')
	if g.err == nil {
		_, g.err = g.w.Write(g.row)
	}
	g.row = g.row[:0]
}

// rnd returns a uniform integer in [lo, hi].
func (g *gen) rnd(lo, hi int64) int64 { return lo + g.r.Int64N(hi-lo+1) }

// text cuts a comment of length [lo, hi] from the text pool (clause 4.2.2.10).
func (g *gen) text(lo, hi int) string {
	n := int(g.rnd(int64(lo), int64(hi)))
	off := g.r.IntN(len(g.pool) - n)
	return g.pool[off : off+n]
}

const vchars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,"

// vstring is a random alphanumeric string of length [lo, hi] (addresses).
func (g *gen) vstring(lo, hi int) string {
	n := int(g.rnd(int64(lo), int64(hi)))
	b := make([]byte, n)
	for i := range b {
		b[i] = vchars[g.r.IntN(len(vchars))]
	}
	return string(b)
}

func (g *gen) phone(nation int64) string {
	return fmt.Sprintf("%02d-%03d-%03d-%04d", nation+10, g.rnd(100, 999), g.rnd(100, 999), g.rnd(1000, 9999))
}

func (g *gen) pick(name string) string { return g.dists.pick(g.r, name) }

// dists are dbgen's weighted word lists with cumulative weights.
type dists map[string]cumDist

type cumDist struct {
	text []string
	cum  []int64
}

func newDists() dists {
	ds := dists{}
	for name, d := range dist.Maps {
		var c cumDist
		var total int64
		for _, it := range d {
			total += int64(it.Weight)
			c.text = append(c.text, it.Text)
			c.cum = append(c.cum, total)
		}
		ds[name] = c
	}
	return ds
}

// pick draws from a weighted list.
func (ds dists) pick(r *rand.Rand, name string) string {
	d := ds[name]
	j := r.Int64N(d.cum[len(d.cum)-1])
	i, _ := slices.BinarySearch(d.cum, j+1)
	return d.text[i]
}

// textPool builds text from the specification's sentence grammar
// (clause 4.2.2.14) with dbgen's word lists.
func textPool(ds dists, r *rand.Rand) string {
	b := make([]byte, 0, poolSize+200)
	pick := func(name string) string { return ds.pick(r, name) }
	phrase := func(list string, parts map[byte]string) {
		for _, item := range strings.Fields(pick(list)) {
			b = append(b, pick(parts[item[0]])...)
			if len(item) > 1 {
				b = append(b, item[1])
			}
			b = append(b, ' ')
		}
	}
	np := map[byte]string{'A': "articles", 'J': "adjectives", 'D': "adverbs", 'N': "nouns"}
	vp := map[byte]string{'D': "adverbs", 'V': "verbs", 'X': "auxillaries"}
	for len(b) < poolSize {
		for _, item := range strings.Fields(pick("grammar")) {
			switch item[0] {
			case 'N':
				phrase("np", np)
			case 'V':
				phrase("vp", vp)
			case 'P':
				b = append(b, pick("prepositions")...)
				b = append(b, " the "...)
				phrase("np", np)
			case 'T':
				b = append(b[:len(b)-1], pick("terminators")...)
				b = append(b, ' ')
			}
		}
	}
	return string(b[:poolSize])
}

func (g *gen) region() {
	for i, it := range dist.Maps["regions"] {
		g.int(int64(i))
		g.field(it.Text)
		g.field(g.text(31, 115))
		g.endRow()
	}
}

func (g *gen) nation() {
	for i, it := range dist.Maps["nations"] {
		g.int(int64(i))
		g.field(it.Text)
		g.int(int64(it.Weight)) // the weight is the region key
		g.field(g.text(31, 114))
		g.endRow()
	}
}

func (g *gen) supplier() {
	for k := int64(1); k <= g.suppliers; k++ {
		nation := g.rnd(0, 24)
		g.int(k)
		g.field(fmt.Sprintf("Supplier#%09d", k))
		g.field(g.vstring(10, 40))
		g.int(nation)
		g.field(g.phone(nation))
		g.money(g.rnd(-99999, 999999))
		c := g.text(25, 100)
		// Clause 4.2.3: 5 in 10,000 suppliers get a complaint, 5 a
		// recommendation, spliced into the comment at a random place.
		if bbb := g.rnd(1, 10000); bbb <= 10 {
			kind := "Complaints"
			if bbb > 5 {
				kind = "Recommends"
			}
			noise := g.text(0, len(c)-len("Customer ")-len(kind))
			s := "Customer " + noise + kind
			at := g.r.IntN(len(c) - len(s) + 1)
			c = c[:at] + s + c[at+len(s):]
		}
		g.field(c)
		g.endRow()
	}
}

func (g *gen) customer() {
	n := scaled(g.sf, baseCustomer)
	for k := int64(1); k <= n; k++ {
		nation := g.rnd(0, 24)
		g.int(k)
		g.field(fmt.Sprintf("Customer#%09d", k))
		g.field(g.vstring(10, 40))
		g.int(nation)
		g.field(g.phone(nation))
		g.money(g.rnd(-99999, 999999))
		g.field(g.pick("msegmnt"))
		g.field(g.text(29, 116))
		g.endRow()
	}
}

// retailPrice is P_RETAILPRICE in cents (clause 4.2.3).
func retailPrice(partkey int64) int64 {
	return 90000 + (partkey/10)%20001 + 100*(partkey%1000)
}

// partSupplier is the i-th (0..3) supplier of a part (clause 4.2.3).
func partSupplier(partkey, i, suppliers int64) int64 {
	return (partkey+i*(suppliers/4+(partkey-1)/suppliers))%suppliers + 1
}

func (g *gen) part() {
	n := scaled(g.sf, basePart)
	colors := dist.Maps["colors"]
	for k := int64(1); k <= n; k++ {
		g.int(k)
		// P_NAME: five distinct colors.
		perm := g.r.Perm(len(colors))[:5]
		names := make([]string, 5)
		for i, c := range perm {
			names[i] = colors[c].Text
		}
		g.field(strings.Join(names, " "))
		m := g.rnd(1, 5)
		g.field(fmt.Sprintf("Manufacturer#%d", m))
		g.field(fmt.Sprintf("Brand#%d%d", m, g.rnd(1, 5)))
		g.field(g.pick("p_types"))
		g.int(g.rnd(1, 50))
		g.field(g.pick("p_cntr"))
		g.money(retailPrice(k))
		g.field(g.text(5, 22))
		g.endRow()
	}
}

func (g *gen) partsupp() {
	n := scaled(g.sf, basePart)
	for k := int64(1); k <= n; k++ {
		for i := int64(0); i < 4; i++ {
			g.int(k)
			g.int(partSupplier(k, i, g.suppliers))
			g.int(g.rnd(1, 9999))
			g.money(g.rnd(100, 100000))
			g.field(g.text(49, 198))
			g.endRow()
		}
	}
}

type lineitem struct {
	partkey, suppkey, quantity, price, discount, tax int64
	ship, commit, receipt                            int
	returnflag, linestatus                           string
}

// ordersAndLines generates orders and their lines from one stream (the
// orders' total price and status derive from the lines) and writes
// either or both.
func (g *gen) ordersAndLines(writeOrders, writeLines bool) {
	n := scaled(g.sf, baseOrders)
	customers := scaled(g.sf, baseCustomer)
	parts := scaled(g.sf, basePart)
	clerks := max(int64(g.sf*1000), 1)
	var lines []lineitem
	for i := int64(1); i <= n; i++ {
		// Sparse keys: only the first 8 of every 32 are used.
		key := (i>>3)<<5 | i&7
		cust := g.rnd(1, customers)
		for cust%3 == 0 { // a third of the customers have no orders
			cust = g.rnd(1, customers)
		}
		odate := int(g.rnd(0, endDay-151))
		prio := g.pick("o_oprio")
		clerk := fmt.Sprintf("Clerk#%09d", g.rnd(1, clerks))
		comment := g.text(19, 78)
		lines = lines[:0]
		var total int64
		fs := 0
		cnt := int(g.rnd(1, 7))
		for range cnt {
			var l lineitem
			l.partkey = g.rnd(1, parts)
			l.suppkey = partSupplier(l.partkey, g.rnd(0, 3), g.suppliers)
			l.quantity = g.rnd(1, 50)
			l.price = l.quantity * retailPrice(l.partkey)
			l.discount = g.rnd(0, 10)
			l.tax = g.rnd(0, 8)
			l.ship = odate + int(g.rnd(1, 121))
			l.commit = odate + int(g.rnd(30, 90))
			l.receipt = l.ship + int(g.rnd(1, 30))
			if l.receipt <= currentDay {
				l.returnflag = "R"
				if g.r.IntN(2) == 0 {
					l.returnflag = "A"
				}
			} else {
				l.returnflag = "N"
			}
			l.linestatus = "O"
			if l.ship <= currentDay {
				l.linestatus = "F"
				fs++
			}
			total += (l.price * (100 - l.discount) / 100) * (100 + l.tax) / 100
			lines = append(lines, l)
		}
		status := "P"
		switch fs {
		case 0:
			status = "O"
		case cnt:
			status = "F"
		}
		if writeOrders {
			g.int(key)
			g.int(cust)
			g.field(status)
			g.money(total)
			g.field(g.dates[odate])
			g.field(prio)
			g.field(clerk)
			g.int(0)
			g.field(comment)
			g.endRow()
		}
		for j, l := range lines {
			// Draw the remaining columns even when not writing lines,
			// so orders and lineitem come from the same stream state.
			instr, mode, lc := g.pick("instruct"), g.pick("smode"), g.text(10, 43)
			if !writeLines {
				continue
			}
			g.int(key)
			g.int(l.partkey)
			g.int(l.suppkey)
			g.int(int64(j + 1))
			g.money(l.quantity * 100)
			g.money(l.price)
			g.money(l.discount)
			g.money(l.tax)
			g.field(l.returnflag)
			g.field(l.linestatus)
			g.field(g.dates[l.ship])
			g.field(g.dates[l.commit])
			g.field(g.dates[l.receipt])
			g.field(instr)
			g.field(mode)
			g.field(lc)
			g.endRow()
		}
		if g.err != nil {
			return
		}
	}
}
