package pgcatalog

import (
	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/types"
)

// infoSchemaDomain is one of the domains PostgreSQL defines in
// information_schema. Conflux types information_schema's columns with the
// base types (sql/types has no domains), but the domains themselves are
// still listed in pg_type: SQLAlchemy's reflection (_load_domains) and
// DBeaver's type browser read them.
type infoSchemaDomain struct {
	oid, array uint32
	name       string
	base       uint32
	typmod     int32
	def        string // typdefault, "" for none
}

// infoSchemaDomains are PostgreSQL 15's, with its OIDs.
var infoSchemaDomains = []infoSchemaDomain{
	{13221, 13220, "cardinal_number", types.OidInt4, -1, ""},
	{13224, 13223, "character_data", types.OidVarchar, -1, ""},
	{13226, 13225, "sql_identifier", types.OidName, -1, ""},
	{13232, 13231, "time_stamp", types.OidTimestampTZ, 2, "CURRENT_TIMESTAMP(2)"},
	{13234, 13233, "yes_or_no", types.OidVarchar, 7, ""},
}

// domainIOProcs are the I/O functions every domain uses for input and
// receive (output and send are the base type's).
var domainIOProcs = []ioProcRow{
	{2597, "domain_in", []uint32{oidCstring, types.OidOid, types.OidInt4}, 2276, 's'},
	{2598, "domain_recv", []uint32{oidInternal, types.OidOid, types.OidInt4}, 2276, 's'},
}

func isInfoSchemaDomain(oid uint32) bool {
	for _, d := range infoSchemaDomains {
		if d.oid == oid {
			return true
		}
	}
	return false
}

// genDomainTypes adds the domains' pg_type rows (not their array types:
// nothing reads those).
func genDomainTypes(r *rows) {
	for _, d := range infoSchemaDomains {
		b := typeRow(d.base)
		if b == nil {
			continue
		}
		set := r.add()
		set("oid", dOid(d.oid))
		set("typname", dText(d.name))
		set("typnamespace", dOid(catalog.InfoSchemaSchemaID))
		set("typowner", dOid(bootstrapSuperuserID))
		set("typlen", dInt(int64(b.len)))
		set("typbyval", dBool(b.byval))
		set("typtype", dChar('d'))
		set("typcategory", dChar(b.category))
		set("typispreferred", dBool(false))
		set("typisdefined", dBool(true))
		set("typdelim", dChar(','))
		set("typrelid", dOid(0))
		set("typsubscript", ioProc("-"))
		set("typelem", dOid(0))
		set("typarray", dOid(d.array))
		set("typinput", ioProc("domain_in"))
		set("typoutput", ioProc(b.output))
		set("typreceive", ioProc("domain_recv"))
		set("typsend", ioProc(b.send))
		set("typmodin", ioProc("-"))
		set("typmodout", ioProc("-"))
		set("typanalyze", ioProc("-"))
		set("typalign", dChar(b.align))
		set("typstorage", dChar(b.storage))
		set("typnotnull", dBool(false))
		set("typbasetype", dOid(d.base))
		set("typtypmod", dInt(int64(d.typmod)))
		set("typndims", dInt(0))
		set("typcollation", dOid(b.collation))
		if d.def != "" {
			set("typdefault", dText(d.def))
		}
	}
}
