package types

import (
	"fmt"
	"strings"
)

// Family groups types that share a Datum representation. Width, precision
// and length live on T; the Datum for int2, int4 and int8 is the same DInt.
type Family uint8

const (
	UnknownFamily Family = iota // untyped literal ('abc' before resolution) and NULL
	BoolFamily
	IntFamily     // int2, int4, int8 (Width 16/32/64); also oid, regclass, regproc, regtype (via Oid)
	FloatFamily   // float4, float8 (Width 32/64)
	DecimalFamily // numeric(p,s)
	StringFamily  // text, varchar(n), bpchar(n), name, "char"
	BytesFamily   // bytea
	DateFamily
	TimeFamily
	TimestampFamily
	TimestampTZFamily
	IntervalFamily
	UUIDFamily
	JSONFamily // jsonb (and json, stored identically)
	ArrayFamily
	RecordFamily // anonymous row, used by ROW(...) and set-returning functions
	VoidFamily   // result of functions that return nothing
)

var familyNames = [...]string{
	UnknownFamily: "unknown", BoolFamily: "bool", IntFamily: "int", FloatFamily: "float",
	DecimalFamily: "decimal", StringFamily: "string", BytesFamily: "bytes", DateFamily: "date",
	TimeFamily: "time", TimestampFamily: "timestamp", TimestampTZFamily: "timestamptz",
	IntervalFamily: "interval", UUIDFamily: "uuid", JSONFamily: "json", ArrayFamily: "array",
	RecordFamily: "record", VoidFamily: "void",
}

func (f Family) String() string {
	if int(f) < len(familyNames) {
		return familyNames[f]
	}
	return fmt.Sprintf("family(%d)", f)
}

// T is a SQL type: a family plus the PostgreSQL details that matter on the
// wire and in the catalog (OID, typmod). Values of *T are shared and must
// be treated as immutable; build new ones with the With* helpers.
type T struct {
	Family Family
	Oid    uint32
	// Width is the bit width for IntFamily (16, 32, 64) and FloatFamily (32, 64).
	Width int
	// Typmod is PostgreSQL's type modifier, -1 when absent. For varchar(n)
	// and bpchar(n) it is n+4; for numeric(p,s) it is ((p<<16)|s)+4.
	Typmod int32
	// Elem is the element type of an array.
	Elem *T
	// Fields and Labels describe a record's columns when the producer
	// knows them (a set-returning function's OUT columns); both are nil
	// for an anonymous ROW(...). They are what (expr).field resolves
	// against, so the shape travels with the type through subqueries.
	Fields []*T
	Labels []string
}

// PostgreSQL type OIDs (pg_type.oid) for the types Conflux supports.
const (
	OidBool         = 16
	OidBytea        = 17
	OidChar         = 18 // "char", single byte
	OidName         = 19
	OidInt8         = 20
	OidInt2         = 21
	OidInt2Vector   = 22
	OidInt4         = 23
	OidRegproc      = 24
	OidText         = 25
	OidOid          = 26
	OidOidVector    = 30
	OidJSON         = 114
	OidFloat4       = 700
	OidFloat8       = 701
	OidUnknown      = 705
	OidBPChar       = 1042
	OidVarchar      = 1043
	OidDate         = 1082
	OidTime         = 1083
	OidTimestamp    = 1114
	OidTimestampTZ  = 1184
	OidInterval     = 1186
	OidNumeric      = 1700
	OidRegclass     = 2205
	OidRegtype      = 2206
	OidRegnamespace = 4089
	OidRegrole      = 4096
	OidRecord       = 2249
	OidVoid         = 2278
	OidUUID         = 2950
	OidJSONB        = 3802
	OidAny          = 2276
	OidAnyElement   = 2283
	OidAnyArray     = 2277

	OidBoolArray        = 1000
	OidByteaArray       = 1001
	OidNameArray        = 1003
	OidInt2Array        = 1005
	OidInt4Array        = 1007
	OidTextArray        = 1009
	OidBPCharArray      = 1014
	OidVarcharArray     = 1015
	OidInt8Array        = 1016
	OidFloat4Array      = 1021
	OidFloat8Array      = 1022
	OidOidArray         = 1028
	OidTimestampArray   = 1115
	OidDateArray        = 1182
	OidTimeArray        = 1183
	OidTimestampTZArray = 1185
	OidIntervalArray    = 1187
	OidNumericArray     = 1231
	OidUUIDArray        = 2951
	OidJSONBArray       = 3807
	OidJSONArray        = 199
	OidCharArray        = 1002
	OidRegclassArray    = 2210
	OidRegtypeArray     = 2211
)

// The predefined types. Parameterised variants (varchar(10),
// numeric(12,2)) are derived with WithTypmod.
var (
	Unknown      = &T{Family: UnknownFamily, Oid: OidUnknown, Typmod: -1}
	Bool         = &T{Family: BoolFamily, Oid: OidBool, Typmod: -1}
	Int2         = &T{Family: IntFamily, Oid: OidInt2, Width: 16, Typmod: -1}
	Int4         = &T{Family: IntFamily, Oid: OidInt4, Width: 32, Typmod: -1}
	Int8         = &T{Family: IntFamily, Oid: OidInt8, Width: 64, Typmod: -1}
	Oid          = &T{Family: IntFamily, Oid: OidOid, Width: 64, Typmod: -1}
	Regclass     = &T{Family: IntFamily, Oid: OidRegclass, Width: 64, Typmod: -1}
	Regproc      = &T{Family: IntFamily, Oid: OidRegproc, Width: 64, Typmod: -1}
	Regtype      = &T{Family: IntFamily, Oid: OidRegtype, Width: 64, Typmod: -1}
	Regnamespace = &T{Family: IntFamily, Oid: OidRegnamespace, Width: 64, Typmod: -1}
	Regrole      = &T{Family: IntFamily, Oid: OidRegrole, Width: 64, Typmod: -1}
	Float4       = &T{Family: FloatFamily, Oid: OidFloat4, Width: 32, Typmod: -1}
	Float8       = &T{Family: FloatFamily, Oid: OidFloat8, Width: 64, Typmod: -1}
	Numeric      = &T{Family: DecimalFamily, Oid: OidNumeric, Typmod: -1}
	Text         = &T{Family: StringFamily, Oid: OidText, Typmod: -1}
	Varchar      = &T{Family: StringFamily, Oid: OidVarchar, Typmod: -1}
	BPChar       = &T{Family: StringFamily, Oid: OidBPChar, Typmod: -1}
	Name         = &T{Family: StringFamily, Oid: OidName, Typmod: -1}
	QChar        = &T{Family: StringFamily, Oid: OidChar, Typmod: -1} // "char"
	Bytea        = &T{Family: BytesFamily, Oid: OidBytea, Typmod: -1}
	Date         = &T{Family: DateFamily, Oid: OidDate, Typmod: -1}
	Time         = &T{Family: TimeFamily, Oid: OidTime, Typmod: -1}
	Timestamp    = &T{Family: TimestampFamily, Oid: OidTimestamp, Typmod: -1}
	TimestampTZ  = &T{Family: TimestampTZFamily, Oid: OidTimestampTZ, Typmod: -1}
	Interval     = &T{Family: IntervalFamily, Oid: OidInterval, Typmod: -1}
	UUID         = &T{Family: UUIDFamily, Oid: OidUUID, Typmod: -1}
	JSONB        = &T{Family: JSONFamily, Oid: OidJSONB, Typmod: -1}
	JSON         = &T{Family: JSONFamily, Oid: OidJSON, Typmod: -1}
	Record       = &T{Family: RecordFamily, Oid: OidRecord, Typmod: -1}
	Void         = &T{Family: VoidFamily, Oid: OidVoid, Typmod: -1}
	Int2Vector   = &T{Family: ArrayFamily, Oid: OidInt2Vector, Typmod: -1, Elem: Int2}
	OidVector    = &T{Family: ArrayFamily, Oid: OidOidVector, Typmod: -1, Elem: Oid}
)

// arrayOids maps an element type OID to its array type OID.
var arrayOids = map[uint32]uint32{
	OidBool: OidBoolArray, OidBytea: OidByteaArray, OidName: OidNameArray, OidInt2: OidInt2Array,
	OidInt4: OidInt4Array, OidText: OidTextArray, OidBPChar: OidBPCharArray, OidVarchar: OidVarcharArray,
	OidInt8: OidInt8Array, OidFloat4: OidFloat4Array, OidFloat8: OidFloat8Array, OidOid: OidOidArray,
	OidTimestamp: OidTimestampArray, OidDate: OidDateArray, OidTime: OidTimeArray,
	OidTimestampTZ: OidTimestampTZArray, OidInterval: OidIntervalArray, OidNumeric: OidNumericArray,
	OidUUID: OidUUIDArray, OidJSONB: OidJSONBArray, OidJSON: OidJSONArray, OidChar: OidCharArray,
	OidRegclass: OidRegclassArray, OidRegtype: OidRegtypeArray,
}

// ArrayOf returns the one-dimensional array type with element type elem.
func ArrayOf(elem *T) *T {
	return &T{Family: ArrayFamily, Oid: arrayOids[elem.Oid], Typmod: -1, Elem: elem}
}

// RecordOf returns a record type whose columns have the given types and
// names (len(labels) == len(fields)).
func RecordOf(fields []*T, labels []string) *T {
	return &T{Family: RecordFamily, Oid: OidRecord, Typmod: -1, Fields: fields, Labels: labels}
}

// FieldIndex returns the position of the record column called name, or
// -1 when t has no such labelled column.
func (t *T) FieldIndex(name string) int {
	for i, l := range t.Labels {
		if l == name && i < len(t.Fields) {
			return i
		}
	}
	return -1
}

// IsVector reports whether t is int2vector or oidvector: arrays that
// PostgreSQL prints space-separated and indexes from 0.
func (t *T) IsVector() bool {
	return t != nil && (t.Oid == OidInt2Vector || t.Oid == OidOidVector)
}

// WithTypmod returns a copy of t with the given type modifier.
func (t *T) WithTypmod(typmod int32) *T {
	c := *t
	c.Typmod = typmod
	return &c
}

// ArrayOid returns the OID of the array type whose elements are of type t
// (0 when PostgreSQL has none).
func (t *T) ArrayOid() uint32 { return arrayOids[t.Oid] }

// Equivalent reports whether two types have the same family and OID,
// ignoring typmod: values of one can be stored in the other without a cast.
func (t *T) Equivalent(o *T) bool {
	if t.Family != o.Family || t.Oid != o.Oid {
		return false
	}
	if t.Family == ArrayFamily {
		return t.Elem.Equivalent(o.Elem)
	}
	return true
}

// Identical reports whether two types are the same including typmod.
func (t *T) Identical(o *T) bool { return t.Equivalent(o) && t.Typmod == o.Typmod }

// VarcharLen returns n for varchar(n)/bpchar(n), or -1 when unbounded.
func (t *T) VarcharLen() int {
	if t.Typmod < 4 {
		return -1
	}
	return int(t.Typmod - 4)
}

// NumericPrecScale returns (p, s) for numeric(p,s), or (-1, -1) when unconstrained.
func (t *T) NumericPrecScale() (int, int) {
	if t.Typmod < 4 {
		return -1, -1
	}
	m := t.Typmod - 4
	return int(m>>16) & 0xffff, int(m & 0xffff)
}

// NumericTypmod builds the typmod for numeric(p,s).
func NumericTypmod(p, s int) int32 { return int32(p<<16|s) + 4 }

// Name returns PostgreSQL's internal type name (pg_type.typname).
func (t *T) Name() string {
	if t.Family == ArrayFamily && t.Oid != OidInt2Vector && t.Oid != OidOidVector {
		return "_" + t.Elem.Name()
	}
	if n, ok := oidNames[t.Oid]; ok {
		return n
	}
	return t.Family.String()
}

// SQLString returns the type as format_type() prints it, e.g.
// "character varying(10)", "numeric(12,2)", "integer[]".
func (t *T) SQLString() string {
	switch t.Oid {
	case OidVarchar:
		if n := t.VarcharLen(); n >= 0 {
			return fmt.Sprintf("character varying(%d)", n)
		}
		return "character varying"
	case OidBPChar:
		if n := t.VarcharLen(); n >= 0 {
			return fmt.Sprintf("character(%d)", n)
		}
		return "bpchar"
	case OidNumeric:
		if p, s := t.NumericPrecScale(); p >= 0 {
			return fmt.Sprintf("numeric(%d,%d)", p, s)
		}
		return "numeric"
	}
	if t.Family == ArrayFamily && t.Oid != OidInt2Vector && t.Oid != OidOidVector {
		return t.Elem.SQLString() + "[]"
	}
	if n, ok := sqlNames[t.Oid]; ok {
		return n
	}
	return t.Name()
}

func (t *T) String() string { return t.SQLString() }

var oidNames = map[uint32]string{
	OidBool: "bool", OidBytea: "bytea", OidChar: "char", OidName: "name", OidInt8: "int8",
	OidInt2: "int2", OidInt4: "int4", OidRegproc: "regproc", OidText: "text", OidOid: "oid",
	OidJSON: "json", OidFloat4: "float4", OidFloat8: "float8", OidUnknown: "unknown",
	OidBPChar: "bpchar", OidVarchar: "varchar", OidDate: "date", OidTime: "time",
	OidTimestamp: "timestamp", OidTimestampTZ: "timestamptz", OidInterval: "interval",
	OidNumeric: "numeric", OidRegclass: "regclass", OidRegtype: "regtype", OidRegnamespace: "regnamespace", OidRegrole: "regrole", OidRecord: "record",
	OidVoid: "void", OidUUID: "uuid", OidJSONB: "jsonb", OidInt2Vector: "int2vector",
	OidOidVector: "oidvector",
}

var sqlNames = map[uint32]string{
	OidBool: "boolean", OidInt8: "bigint", OidInt2: "smallint", OidInt4: "integer",
	OidFloat4: "real", OidFloat8: "double precision", OidTime: "time without time zone",
	OidTimestamp: "timestamp without time zone", OidTimestampTZ: "timestamp with time zone",
	OidChar: "\"char\"",
}

// ByOid returns the predefined type with the given OID, or nil.
func ByOid(oid uint32) *T {
	if t, ok := byOid[oid]; ok {
		return t
	}
	for elem, arr := range arrayOids {
		if arr == oid {
			return ArrayOf(byOid[elem])
		}
	}
	return nil
}

var byOid = map[uint32]*T{}

func init() {
	for _, t := range []*T{Unknown, Bool, Int2, Int4, Int8, Oid, Regclass, Regproc, Regtype, Regnamespace, Regrole, Float4,
		Float8, Numeric, Text, Varchar, BPChar, Name, QChar, Bytea, Date, Time, Timestamp,
		TimestampTZ, Interval, UUID, JSONB, JSON, Record, Void, Int2Vector, OidVector} {
		byOid[t.Oid] = t
	}
}

// ByName resolves a type name as written in SQL (after pg_query has
// normalised it, e.g. "int4", "pg_catalog.varchar", "double precision")
// to a predefined type. Typmods are applied by the caller.
func ByName(name string) *T {
	name = strings.TrimPrefix(strings.ToLower(name), "pg_catalog.")
	switch name {
	case "bool", "boolean":
		return Bool
	case "int2", "smallint", "smallserial", "serial2":
		return Int2
	case "int4", "int", "integer", "serial", "serial4":
		return Int4
	case "int8", "bigint", "bigserial", "serial8":
		return Int8
	case "float4", "real":
		return Float4
	case "float8", "double precision", "float":
		return Float8
	case "numeric", "decimal":
		return Numeric
	case "text":
		return Text
	case "varchar", "character varying":
		return Varchar
	case "bpchar", "char", "character":
		return BPChar
	case "\"char\"":
		return QChar
	case "name":
		return Name
	case "bytea":
		return Bytea
	case "date":
		return Date
	case "time", "time without time zone":
		return Time
	case "timestamp", "timestamp without time zone":
		return Timestamp
	case "timestamptz", "timestamp with time zone":
		return TimestampTZ
	case "interval":
		return Interval
	case "uuid":
		return UUID
	case "jsonb":
		return JSONB
	case "json":
		return JSON
	case "oid":
		return Oid
	case "regclass":
		return Regclass
	case "regproc":
		return Regproc
	case "regtype":
		return Regtype
	case "regnamespace":
		return Regnamespace
	case "regrole":
		return Regrole
	case "record":
		return Record
	case "int2vector":
		return Int2Vector
	case "oidvector":
		return OidVector
	case "void":
		return Void
	case "unknown":
		return Unknown
	}
	return nil
}
