package tpch

import (
	"fmt"
	"strings"
)

// Tables lists the TPC-H tables in load order (referenced tables first).
var Tables = []string{"region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem"}

type column struct{ name, typ string }

type tableDef struct {
	name string
	cols []column
	pk   []string
}

var tableDefs = map[string]tableDef{
	"region": {"region", []column{
		{"r_regionkey", "integer"}, {"r_name", "char(25)"}, {"r_comment", "varchar(152)"},
	}, []string{"r_regionkey"}},
	"nation": {"nation", []column{
		{"n_nationkey", "integer"}, {"n_name", "char(25)"}, {"n_regionkey", "integer"}, {"n_comment", "varchar(152)"},
	}, []string{"n_nationkey"}},
	"supplier": {"supplier", []column{
		{"s_suppkey", "integer"}, {"s_name", "char(25)"}, {"s_address", "varchar(40)"}, {"s_nationkey", "integer"},
		{"s_phone", "char(15)"}, {"s_acctbal", "decimal(15,2)"}, {"s_comment", "varchar(101)"},
	}, []string{"s_suppkey"}},
	"customer": {"customer", []column{
		{"c_custkey", "integer"}, {"c_name", "varchar(25)"}, {"c_address", "varchar(40)"}, {"c_nationkey", "integer"},
		{"c_phone", "char(15)"}, {"c_acctbal", "decimal(15,2)"}, {"c_mktsegment", "char(10)"}, {"c_comment", "varchar(117)"},
	}, []string{"c_custkey"}},
	"part": {"part", []column{
		{"p_partkey", "integer"}, {"p_name", "varchar(55)"}, {"p_mfgr", "char(25)"}, {"p_brand", "char(10)"},
		{"p_type", "varchar(25)"}, {"p_size", "integer"}, {"p_container", "char(10)"}, {"p_retailprice", "decimal(15,2)"},
		{"p_comment", "varchar(23)"},
	}, []string{"p_partkey"}},
	"partsupp": {"partsupp", []column{
		{"ps_partkey", "integer"}, {"ps_suppkey", "integer"}, {"ps_availqty", "integer"},
		{"ps_supplycost", "decimal(15,2)"}, {"ps_comment", "varchar(199)"},
	}, []string{"ps_partkey", "ps_suppkey"}},
	"orders": {"orders", []column{
		{"o_orderkey", "bigint"}, {"o_custkey", "integer"}, {"o_orderstatus", "char(1)"}, {"o_totalprice", "decimal(15,2)"},
		{"o_orderdate", "date"}, {"o_orderpriority", "char(15)"}, {"o_clerk", "char(15)"}, {"o_shippriority", "integer"},
		{"o_comment", "varchar(79)"},
	}, []string{"o_orderkey"}},
	"lineitem": {"lineitem", []column{
		{"l_orderkey", "bigint"}, {"l_partkey", "integer"}, {"l_suppkey", "integer"}, {"l_linenumber", "integer"},
		{"l_quantity", "decimal(15,2)"}, {"l_extendedprice", "decimal(15,2)"}, {"l_discount", "decimal(15,2)"},
		{"l_tax", "decimal(15,2)"}, {"l_returnflag", "char(1)"}, {"l_linestatus", "char(1)"}, {"l_shipdate", "date"},
		{"l_commitdate", "date"}, {"l_receiptdate", "date"}, {"l_shipinstruct", "char(25)"}, {"l_shipmode", "char(10)"},
		{"l_comment", "varchar(44)"},
	}, []string{"l_orderkey", "l_linenumber"}},
}

// Format selects the table storage a schema is created with.
type Format int

const (
	// Row tables: Conflux's default storage (and PostgreSQL's heap), with
	// primary keys.
	Row Format = iota
	// Lake tables: CREATE TABLE ... WITH (format = 'lake'), no primary
	// keys (lake tables have none).
	Lake
)

// CreateTable returns the CREATE TABLE statement for one table.
func CreateTable(table string, f Format) (string, error) {
	d, ok := tableDefs[table]
	if !ok {
		return "", fmt.Errorf("tpch: unknown table %q", table)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (", d.name)
	for i, c := range d.cols {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s %s NOT NULL", c.name, c.typ)
	}
	if f == Row {
		fmt.Fprintf(&b, ", PRIMARY KEY (%s)", strings.Join(d.pk, ", "))
	}
	b.WriteString(")")
	if f == Lake {
		b.WriteString(" WITH (format = 'lake')")
	}
	return b.String(), nil
}

// Schema returns the CREATE TABLE statements for all tables, in Tables
// order.
func Schema(f Format) []string {
	out := make([]string, 0, len(Tables))
	for _, t := range Tables {
		s, _ := CreateTable(t, f)
		out = append(out, s)
	}
	return out
}

// Columns returns a table's column names in order (nil if unknown).
func Columns(table string) []string {
	d, ok := tableDefs[table]
	if !ok {
		return nil
	}
	out := make([]string, len(d.cols))
	for i, c := range d.cols {
		out[i] = c.name
	}
	return out
}
