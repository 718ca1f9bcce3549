package types

import (
	"github.com/cockroachdb/apd/v3"
)

// Datum is one SQL value. The concrete Go type is fixed by the value's
// Family (see the table below); the exact SQL type (int2 vs int8, text vs
// varchar(10)) is carried by the plan, not by the value, so the same DInt
// serves every integer column.
//
//	Family             Datum
//	UnknownFamily      DNull (NULL) or DString (untyped literal)
//	BoolFamily         DBool
//	IntFamily          DInt (also oid, regclass, regproc, regtype)
//	FloatFamily        DFloat (float4 values are rounded to float32 precision)
//	DecimalFamily      *DDecimal (apd; NaN supported, no infinities)
//	StringFamily       DString (bpchar values are stored space-padded)
//	BytesFamily        DBytes
//	DateFamily         DDate: days since 1970-01-01 (math.MinInt32/MaxInt32 = -infinity/infinity)
//	TimeFamily         DTime: microseconds since midnight
//	TimestampFamily    DTimestamp: microseconds since 1970-01-01 00:00:00 (no zone)
//	TimestampTZFamily  DTimestampTZ: microseconds since 1970-01-01 00:00:00 UTC
//	IntervalFamily     DInterval: months, days, microseconds (kept apart as PostgreSQL does)
//	UUIDFamily         DUUID
//	JSONFamily         *DJSON
//	ArrayFamily        *DArray
//	RecordFamily       *DTuple
//
// NULL of every type is the single value DNull. Datums are immutable once
// built; pointer datums may be shared between rows.
type Datum interface {
	isDatum()
}

type (
	dNull        struct{}
	DBool        bool
	DInt         int64
	DFloat       float64
	DString      string
	DBytes       string // string, not []byte, so the value is immutable and comparable
	DDate        int32
	DTime        int64
	DTimestamp   int64
	DTimestampTZ int64
	DUUID        [16]byte
)

// DNull is SQL NULL.
var DNull Datum = dNull{}

// DDecimal is an exact numeric value.
type DDecimal struct {
	apd.Decimal
}

// DInterval is PostgreSQL's interval: the three fields are independent
// (1 month is not 30 days until justify_* or comparison says so).
type DInterval struct {
	Months int32
	Days   int32
	Micros int64
}

// DJSON is a jsonb value, held as the decoded Go value: nil (JSON null),
// bool, json.Number (numbers keep their exact text), string, []any, or
// map[string]any. Output follows jsonb rules (keys sorted by length then
// bytes, duplicates removed, last one wins).
type DJSON struct {
	V any
}

// DArray is a one-dimensional array. Lower bound is 1 unless LowerBound says
// otherwise (PostgreSQL allows '[0:2]={...}'); Elems may contain DNull.
type DArray struct {
	Elem       *T
	Elems      []Datum
	LowerBound int32
}

// DTuple is an anonymous record (ROW(...)).
type DTuple struct {
	Types []*T
	Elems []Datum
}

func (dNull) isDatum()        {}
func (DBool) isDatum()        {}
func (DInt) isDatum()         {}
func (DFloat) isDatum()       {}
func (*DDecimal) isDatum()    {}
func (DString) isDatum()      {}
func (DBytes) isDatum()       {}
func (DDate) isDatum()        {}
func (DTime) isDatum()        {}
func (DTimestamp) isDatum()   {}
func (DTimestampTZ) isDatum() {}
func (DInterval) isDatum()    {}
func (DUUID) isDatum()        {}
func (*DJSON) isDatum()       {}
func (*DArray) isDatum()      {}
func (*DTuple) isDatum()      {}

// IsNull reports whether d is SQL NULL.
func IsNull(d Datum) bool { return d == DNull }

// Row is one tuple of datums, in the column order of the operator that produced it.
type Row []Datum
