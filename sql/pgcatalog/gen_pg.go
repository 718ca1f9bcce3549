package pgcatalog

import (
	"context"
	"sort"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/types"
)

// Fixed OIDs of rows Conflux always has (PostgreSQL's own where one exists).
const (
	amHeap          = 2
	amBtree         = 403
	tablespaceDflt  = 1663
	tablespaceGlbl  = 1664
	collDefault     = 100
	collC           = 950
	collPOSIX       = 951
	langInternal    = 12
	langC           = 13
	langSQL         = 14
	dbPostgresOID   = 5
	encodingUTF8    = 6
	pgClassOID      = 1259
	pgNamespaceOID  = 2615
	pgProcOID       = 1255
	pgTypeOID       = 1247
	pgConstraintOID = 2606
	pgDatabaseOID   = 1262
	pgAuthidOID     = 1260
)

// generators maps relation names to their row generators. Relations
// without one are empty (pg_trigger, pg_policy, ...: Conflux has none).
func generators(procs *procTable) map[string]generator {
	return map[string]generator{
		"pg_class":                 genClass,
		"pg_attribute":             genAttribute,
		"pg_namespace":             genNamespace,
		"pg_type":                  genType,
		"pg_index":                 genIndex,
		"pg_constraint":            genConstraint,
		"pg_attrdef":               genAttrdef,
		"pg_description":           genDescription,
		"pg_database":              genDatabase,
		"pg_roles":                 genRoles,
		"pg_authid":                genAuthid,
		"pg_user":                  genUser,
		"pg_auth_members":          genAuthMembers,
		"pg_settings":              genSettings,
		"pg_am":                    genAm,
		"pg_tablespace":            genTablespace,
		"pg_collation":             genCollation,
		"pg_language":              genLanguage,
		"pg_sequence":              genSequence,
		"pg_sequences":             genSequences,
		"pg_depend":                genDepend,
		"pg_tables":                genTables,
		"pg_views":                 genViews,
		"pg_indexes":               genIndexes,
		"pg_stat_activity":         genStatActivity,
		"pg_stat_user_tables":      genStatUserTables,
		"pg_locks":                 genLocks,
		"pg_stat_ssl":              genStatSSL,
		"pg_cursors":               genCursors,
		"conflux_gc_status":        genGCStatus,
		"conflux_lake_files":       genLakeFiles,
		"conflux_lake_snapshots":   genLakeSnapshots,
		"conflux_lake_maintenance": genLakeMaintenance,
		"pg_proc":                  procs.genProc,

		"tables":                          genInfoTables,
		"columns":                         genInfoColumns,
		"schemata":                        genInfoSchemata,
		"table_constraints":               genInfoTableConstraints,
		"key_column_usage":                genInfoKeyColumnUsage,
		"views":                           genInfoViews,
		"sequences":                       genInfoSequences,
		"character_sets":                  genInfoCharacterSets,
		"information_schema_catalog_name": genInfoCatalogName,
		"enabled_roles":                   genInfoEnabledRoles,
		"table_privileges":                genInfoTablePrivileges,
		"role_table_grants":               genInfoRoleTableGrants,
		"routines":                        procs.genInfoRoutines,
	}
}

func genClass(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	cat := env.Catalog()
	for _, rel := range relations(cat) {
		set := r.add()
		set("oid", dOid(rel.oid))
		set("relname", dText(rel.name))
		set("relnamespace", dOid(rel.schema))
		set("reltype", dOid(0))
		set("reloftype", dOid(0))
		set("relowner", roleOID(cat, catalog.OwnerName(cat, rel.owner)))
		if acl := relationACL(cat, rel); acl != nil {
			set("relacl", dTextArray(acl))
		}
		am := 0
		switch rel.kind {
		case 'r', 'S':
			am = amHeap
			if rel.table.IsLake() {
				am = amLake
			}
		case 'i':
			am = amBtree
		}
		set("relam", dOid(am))
		set("relfilenode", dOid(0))
		set("reltablespace", dOid(0))
		set("relpages", dInt(0))
		set("reltuples", types.DFloat(-1))
		set("relallvisible", dInt(0))
		set("reltoastrelid", dOid(0))
		set("relhasindex", dBool(rel.table != nil && rel.index == nil && len(tableIndexes(rel.table)) > 0))
		set("relisshared", dBool(false))
		set("relpersistence", dChar('p'))
		set("relkind", dChar(rel.kind))
		set("relnatts", dInt(int64(len(rel.attrs()))))
		checks := 0
		if rel.table != nil && rel.index == nil {
			checks = len(rel.table.Checks)
		}
		set("relchecks", dInt(int64(checks)))
		set("relhasrules", dBool(rel.kind == 'v' && rel.table != nil))
		set("relhastriggers", dBool(false))
		set("relhassubclass", dBool(false))
		set("relrowsecurity", dBool(false))
		set("relforcerowsecurity", dBool(false))
		set("relispopulated", dBool(true))
		set("relreplident", dChar(replident(rel)))
		set("relispartition", dBool(false))
		set("relrewrite", dOid(0))
		set("relfrozenxid", dInt(0))
		set("relminmxid", dInt(0))
		if rel.table != nil && rel.index == nil && len(rel.table.Options) > 0 {
			set("reloptions", dTextArray(options(rel.table.Options)))
		}
	}
	return nil
}

// replident is pg_class.relreplident: 'd' (default: the primary key) for
// tables, 'n' for everything else.
func replident(rel relation) byte {
	if rel.kind == 'r' && rel.virt == nil {
		return 'd'
	}
	return 'n'
}

func options(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func genAttribute(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	for _, rel := range relations(env.Catalog()) {
		if rel.kind == 'r' || rel.kind == 'S' || rel.kind == 'm' {
			genSystemAttributes(rel, r)
		}
		for _, a := range rel.attrs() {
			set := r.add()
			set("attrelid", dOid(rel.oid))
			set("attname", dText(a.name))
			tr := typeRow(a.typ.Oid)
			set("atttypid", dOid(a.typ.Oid))
			set("attstattarget", dInt(-1))
			length, byval, align, storage, coll := int16(-1), false, byte('i'), byte('x'), uint32(0)
			if tr != nil {
				length, byval, align, storage, coll = tr.len, tr.byval, tr.align, tr.storage, tr.collation
			}
			set("attlen", dInt(int64(length)))
			set("attnum", dInt(int64(a.num)))
			ndims := 0
			if a.typ.Family == types.ArrayFamily && a.typ.Oid != types.OidInt2Vector && a.typ.Oid != types.OidOidVector {
				ndims = 1
			}
			set("attndims", dInt(int64(ndims)))
			set("attcacheoff", dInt(-1))
			set("atttypmod", dInt(int64(a.typ.Typmod)))
			set("attbyval", dBool(byval))
			set("attalign", dChar(align))
			set("attstorage", dChar(storage))
			set("attcompression", dText(""))
			set("attnotnull", dBool(a.notNull))
			set("atthasdef", dBool(a.def != "" && a.ident == 0))
			set("atthasmissing", dBool(false))
			set("attidentity", identityChar(a.ident))
			set("attgenerated", dText(""))
			set("attisdropped", dBool(false))
			set("attislocal", dBool(true))
			set("attinhcount", dInt(0))
			set("attcollation", dOid(coll))
		}
	}
	return nil
}

// systemAttributes are the system columns PostgreSQL lists (with negative
// attnum) for every table, sequence and materialized view. Conflux has no
// ctid or xmin to select, but DBeaver's column browser reads all of
// pg_attribute and shows them, so they are listed as PostgreSQL lists them.
var systemAttributes = []struct {
	name  string
	num   int64
	typ   uint32
	len   int64
	byval bool
	align byte
}{
	{"tableoid", -6, types.OidOid, 4, true, 'i'},
	{"cmax", -5, 29, 4, true, 'i'},
	{"xmax", -4, 28, 4, true, 'i'},
	{"cmin", -3, 29, 4, true, 'i'},
	{"xmin", -2, 28, 4, true, 'i'},
	{"ctid", -1, 27, 6, false, 's'},
}

func genSystemAttributes(rel relation, r *rows) {
	for _, a := range systemAttributes {
		set := r.add()
		set("attrelid", dOid(rel.oid))
		set("attname", dText(a.name))
		set("atttypid", dOid(a.typ))
		set("attstattarget", dInt(0))
		set("attlen", dInt(a.len))
		set("attnum", dInt(a.num))
		set("attndims", dInt(0))
		set("attcacheoff", dInt(-1))
		set("atttypmod", dInt(-1))
		set("attbyval", dBool(a.byval))
		set("attalign", dChar(a.align))
		set("attstorage", dChar('p'))
		set("attcompression", dText(""))
		set("attnotnull", dBool(true))
		set("atthasdef", dBool(false))
		set("atthasmissing", dBool(false))
		set("attidentity", dText(""))
		set("attgenerated", dText(""))
		set("attisdropped", dBool(false))
		set("attislocal", dBool(true))
		set("attinhcount", dInt(0))
		set("attcollation", dOid(0))
	}
}

// identityChar is attidentity: 'a', 'd' or the empty "char".
func identityChar(b byte) types.Datum {
	if b == 0 {
		return dText("")
	}
	return dChar(b)
}

func genNamespace(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	cat := env.Catalog()
	for _, s := range allSchemas(cat) {
		set := r.add()
		set("oid", dOid(s.ID))
		set("nspname", dText(s.Name))
		if s.ID == catalog.PublicSchemaID {
			// As in PostgreSQL 15, public belongs to pg_database_owner.
			set("nspowner", dOid(pgDatabaseOwnerID))
		} else {
			set("nspowner", roleOID(cat, catalog.OwnerName(cat, s.Owner)))
		}
		if acl := schemaACL(cat, s); acl != nil {
			set("nspacl", dTextArray(acl))
		}
	}
	return nil
}

func genType(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	for i := range pgTypeRows {
		t := &pgTypeRows[i]
		set := r.add()
		set("oid", dOid(t.oid))
		set("typname", dText(t.name))
		set("typnamespace", dOid(catalog.PgCatalogSchemaID))
		set("typowner", dOid(bootstrapSuperuserID))
		set("typlen", dInt(int64(t.len)))
		set("typbyval", dBool(t.byval))
		set("typtype", dChar(t.typtype))
		set("typcategory", dChar(t.category))
		set("typispreferred", dBool(t.preferred))
		set("typisdefined", dBool(true))
		set("typdelim", dChar(','))
		set("typrelid", dOid(0))
		set("typsubscript", ioProc("-"))
		if t.category == 'A' {
			set("typsubscript", ioProc("array_subscript_handler"))
		}
		set("typelem", dOid(t.elem))
		set("typarray", dOid(t.array))
		set("typinput", ioProc(t.input))
		set("typoutput", ioProc(t.output))
		set("typreceive", ioProc(t.receive))
		set("typsend", ioProc(t.send))
		set("typmodin", ioProc(t.modin))
		set("typmodout", ioProc(t.modout))
		set("typanalyze", ioProc("-"))
		set("typalign", dChar(t.align))
		set("typstorage", dChar(t.storage))
		set("typnotnull", dBool(false))
		set("typbasetype", dOid(0))
		set("typtypmod", dInt(-1))
		set("typndims", dInt(0))
		set("typcollation", dOid(t.collation))
	}
	genDomainTypes(r)
	return nil
}

// ioProc is the regproc value of a type I/O function name ("-" is 0).
func ioProc(name string) types.Datum {
	for _, list := range [][]ioProcRow{pgTypeIOProcs, domainIOProcs} {
		for i := range list {
			if list[i].name == name {
				return dOid(list[i].oid)
			}
		}
	}
	return dOid(0)
}

func genIndex(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	for _, t := range env.Catalog().Tables() {
		for _, ix := range tableIndexes(t) {
			set := r.add()
			set("indexrelid", dOid(ix.ID))
			set("indrelid", dOid(t.ID))
			n := int64(len(ix.ColumnIDs))
			set("indnatts", dInt(n))
			set("indnkeyatts", dInt(n))
			set("indisunique", dBool(ix.Unique || ix.Primary))
			set("indnullsnotdistinct", dBool(false))
			set("indisprimary", dBool(ix.Primary))
			set("indisexclusion", dBool(false))
			set("indimmediate", dBool(true))
			set("indisclustered", dBool(false))
			set("indisvalid", dBool(true))
			set("indcheckxmin", dBool(false))
			set("indisready", dBool(true))
			set("indislive", dBool(true))
			set("indisreplident", dBool(false))
			keys := make([]int16, len(ix.ColumnIDs))
			opts := make([]int16, len(ix.ColumnIDs))
			colls := make([]uint32, len(ix.ColumnIDs))
			classes := make([]uint32, len(ix.ColumnIDs))
			for i, id := range ix.ColumnIDs {
				keys[i] = attnum(t, id)
				if i < len(ix.Desc) && ix.Desc[i] {
					opts[i] = 3 // INDOPTION_DESC | INDOPTION_NULLS_FIRST
				}
				if c := t.ColumnByID(id); c != nil {
					if tr := typeRow(c.Type.Oid); tr != nil {
						colls[i] = tr.collation
					}
				}
			}
			set("indkey", dInt2Vector(keys))
			set("indcollation", dOidVector(colls))
			set("indclass", dOidVector(classes))
			set("indoption", dInt2Vector(opts))
		}
	}
	return nil
}

func genConstraint(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	for _, t := range env.Catalog().Tables() {
		for _, ix := range tableIndexes(t) {
			if !isConstraint(ix) {
				continue
			}
			set := r.add()
			set("oid", dOid(ix.ID))
			set("conname", dText(ix.Name))
			set("connamespace", dOid(t.SchemaID))
			kind := byte('u')
			if ix.Primary {
				kind = 'p'
			}
			set("contype", dChar(kind))
			set("condeferrable", dBool(false))
			set("condeferred", dBool(false))
			set("convalidated", dBool(true))
			set("conrelid", dOid(t.ID))
			set("contypid", dOid(0))
			set("conindid", dOid(ix.ID))
			set("conparentid", dOid(0))
			set("confrelid", dOid(0))
			set("confupdtype", dChar(' '))
			set("confdeltype", dChar(' '))
			set("confmatchtype", dChar(' '))
			set("conislocal", dBool(true))
			set("coninhcount", dInt(0))
			set("connoinherit", dBool(true))
			keys := make([]int16, len(ix.ColumnIDs))
			for i, id := range ix.ColumnIDs {
				keys[i] = attnum(t, id)
			}
			set("conkey", dInt2Array(keys))
		}
		cols := tableColumnTypes(t)
		for i, ck := range t.Checks {
			set := r.add()
			set("oid", dOid(checkOID(t.ID, i)))
			set("conname", dText(ck.Name))
			set("connamespace", dOid(t.SchemaID))
			set("contype", dChar('c'))
			set("condeferrable", dBool(false))
			set("condeferred", dBool(false))
			set("convalidated", dBool(true))
			set("conrelid", dOid(t.ID))
			set("contypid", dOid(0))
			set("conindid", dOid(0))
			set("conparentid", dOid(0))
			set("confrelid", dOid(0))
			set("confupdtype", dChar(' '))
			set("confdeltype", dChar(' '))
			set("confmatchtype", dChar(' '))
			set("conislocal", dBool(true))
			set("coninhcount", dInt(0))
			set("connoinherit", dBool(false))
			set("conkey", dInt2Array(checkColumns(t, ck.Expr)))
			set("conbin", dText(deparseExprText(ck.Expr, cols, nil, false)))
		}
	}
	return nil
}

// attrdefOID numbers a column default: pg_attrdef rows need an OID but
// the catalog keeps defaults on the column.
func attrdefOID(table catalog.ID, num int16) int64 {
	return int64(table)*1000 + int64(num)
}

func genAttrdef(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	for _, t := range env.Catalog().Tables() {
		rel := relation{oid: t.ID, table: t}
		for _, a := range rel.attrs() {
			if a.def == "" || a.ident != 0 {
				continue
			}
			set := r.add()
			set("oid", dInt(attrdefOID(t.ID, a.num)))
			set("adrelid", dOid(t.ID))
			set("adnum", dInt(int64(a.num)))
			set("adbin", dText(a.def))
		}
	}
	return nil
}

// builtinSchemaComments are the built-in schemas' comments, as initdb
// sets them.
var builtinSchemaComments = []struct {
	oid  catalog.ID
	desc string
}{
	{catalog.PgCatalogSchemaID, "system catalog schema"},
	{pgToastSchemaID, "reserved schema for TOAST tables"},
	{catalog.PublicSchemaID, "standard public schema"},
}

func genDescription(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	for _, d := range builtinSchemaComments {
		if schemaName(env.Catalog(), d.oid) == "" {
			continue
		}
		set := r.add()
		set("objoid", dOid(d.oid))
		set("classoid", dOid(pgNamespaceOID))
		set("objsubid", dInt(0))
		set("description", dText(d.desc))
	}
	for _, t := range env.Catalog().Tables() {
		if t.Comment == "" {
			continue
		}
		set := r.add()
		set("objoid", dOid(t.ID))
		set("classoid", dOid(pgClassOID))
		set("objsubid", dInt(0))
		set("description", dText(t.Comment))
	}
	return nil
}

// databases lists the databases pg_database shows: postgres and the
// session's own when it has another name. Conflux serves one catalog
// under every database name.
func databases(env catalog.VirtualEnv) []string {
	out := []string{"postgres"}
	if db := env.CurrentDatabase(); db != "" && db != "postgres" {
		out = append(out, db)
	}
	return out
}

func databaseOID(name string) int64 {
	if name == "postgres" {
		return dbPostgresOID
	}
	return dbPostgresOID + 1
}

func genDatabase(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	for _, db := range databases(env) {
		set := r.add()
		set("oid", dInt(databaseOID(db)))
		set("datname", dText(db))
		set("datdba", dOid(bootstrapSuperuserID))
		set("encoding", dInt(encodingUTF8))
		set("datlocprovider", dChar('c'))
		set("datistemplate", dBool(false))
		set("datallowconn", dBool(true))
		set("datconnlimit", dInt(-1))
		set("datfrozenxid", dInt(0))
		set("datminmxid", dInt(1))
		set("dattablespace", dOid(tablespaceDflt))
		set("datcollate", dText("C"))
		set("datctype", dText("C"))
	}
	return nil
}

// rolesOrDefault returns the catalog's roles, or the bootstrap superuser
// when none are recorded yet, followed by PostgreSQL 15's predefined
// roles (pg_database_owner owns schema public, so \dn names it).
func rolesOrDefault(env catalog.VirtualEnv) []*catalog.Role {
	roles := env.Catalog().Roles()
	if len(roles) == 0 {
		name := env.CurrentUser()
		if name == "" {
			name = "postgres"
		}
		roles = []*catalog.Role{{ID: bootstrapSuperuserID, Name: name, Superuser: true, Login: true}}
	}
	return append(append([]*catalog.Role(nil), roles...), predefinedRoles...)
}

// allRoles is rolesOrDefault for callers that only have the catalog.
func allRoles(cat catalog.Reader) []*catalog.Role {
	roles := cat.Roles()
	if len(roles) == 0 {
		roles = []*catalog.Role{{ID: bootstrapSuperuserID, Name: "postgres", Superuser: true, Login: true}}
	}
	return append(append([]*catalog.Role(nil), roles...), predefinedRoles...)
}

// pgDatabaseOwnerID is the predefined role that owns schema public.
const pgDatabaseOwnerID = 6171

// predefinedRoles are PostgreSQL 15's built-in NOLOGIN roles, with their
// OIDs. Conflux grants nothing through them; they exist so catalog
// queries that name them (pg_get_userbyid, ::regrole, \dn) answer as
// PostgreSQL does.
var predefinedRoles = []*catalog.Role{
	{ID: 3373, Name: "pg_monitor"},
	{ID: 3374, Name: "pg_read_all_settings"},
	{ID: 3375, Name: "pg_read_all_stats"},
	{ID: 3377, Name: "pg_stat_scan_tables"},
	{ID: 4200, Name: "pg_signal_backend"},
	{ID: 4544, Name: "pg_checkpoint"},
	{ID: 4569, Name: "pg_read_server_files"},
	{ID: 4570, Name: "pg_write_server_files"},
	{ID: 4571, Name: "pg_execute_server_program"},
	{ID: pgDatabaseOwnerID, Name: "pg_database_owner"},
	{ID: 6181, Name: "pg_read_all_data"},
	{ID: 6182, Name: "pg_write_all_data"},
}

func genRoles(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	for _, role := range rolesOrDefault(env) {
		set := r.add()
		set("rolname", dText(role.Name))
		set("rolsuper", dBool(role.Superuser))
		set("rolinherit", dBool(true))
		set("rolcreaterole", dBool(role.Superuser))
		set("rolcreatedb", dBool(role.Superuser))
		set("rolcanlogin", dBool(role.Login))
		set("rolreplication", dBool(role.Superuser))
		set("rolconnlimit", dInt(-1))
		set("rolpassword", dText("********"))
		set("rolbypassrls", dBool(role.Superuser))
		set("oid", dOid(role.ID))
	}
	return nil
}

func genAuthid(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	for _, role := range rolesOrDefault(env) {
		set := r.add()
		set("oid", dOid(role.ID))
		set("rolname", dText(role.Name))
		set("rolsuper", dBool(role.Superuser))
		set("rolinherit", dBool(true))
		set("rolcreaterole", dBool(role.Superuser))
		set("rolcreatedb", dBool(role.Superuser))
		set("rolcanlogin", dBool(role.Login))
		set("rolreplication", dBool(role.Superuser))
		set("rolbypassrls", dBool(role.Superuser))
		set("rolconnlimit", dInt(-1))
		// rolpassword stays NULL: the SCRAM verifier never leaves the server.
	}
	return nil
}

func genUser(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	for _, role := range rolesOrDefault(env) {
		if !role.Login {
			continue
		}
		set := r.add()
		set("usename", dText(role.Name))
		set("usesysid", dOid(role.ID))
		set("usecreatedb", dBool(role.Superuser))
		set("usesuper", dBool(role.Superuser))
		set("userepl", dBool(role.Superuser))
		set("usebypassrls", dBool(role.Superuser))
		set("passwd", dText("********"))
	}
	return nil
}

func genSettings(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	for _, s := range withPresets(env.Settings()) {
		set := r.add()
		set("name", dText(s.Name))
		set("setting", dText(s.Value))
		set("unit", dTextOrNull(s.Unit))
		set("category", dText(s.Category))
		set("short_desc", dText(s.Description))
		set("context", dText(s.Context))
		vt := s.VarType
		if vt == "" {
			vt = "string"
		}
		set("vartype", dText(vt))
		src := s.Source
		if src == "" {
			src = "default"
		}
		set("source", dText(src))
		set("boot_val", dText(s.Value))
		set("reset_val", dText(s.Value))
		set("pending_restart", dBool(false))
	}
	return nil
}

func genAm(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	for _, am := range []struct {
		oid           int
		name, handler string
		typ           byte
	}{
		{amHeap, "heap", "heap_tableam_handler", 't'},
		{amLake, "lake", "conflux_lake_handler", 't'},
		{amBtree, "btree", "bthandler", 'i'},
	} {
		set := r.add()
		set("oid", dOid(am.oid))
		set("amname", dText(am.name))
		set("amhandler", dText(am.handler))
		set("amtype", dChar(am.typ))
	}
	return nil
}

func genTablespace(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	for _, ts := range []struct {
		oid  int
		name string
	}{{tablespaceDflt, "pg_default"}, {tablespaceGlbl, "pg_global"}} {
		set := r.add()
		set("oid", dOid(ts.oid))
		set("spcname", dText(ts.name))
		set("spcowner", dOid(bootstrapSuperuserID))
	}
	return nil
}

func genCollation(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	for _, c := range []struct {
		oid            int
		name, coll     string
		provider       byte
		encoding       int64
		nullCollations bool
	}{
		{collDefault, "default", "", 'd', -1, true},
		{collC, "C", "C", 'c', -1, false},
		{collPOSIX, "POSIX", "POSIX", 'c', -1, false},
	} {
		set := r.add()
		set("oid", dOid(c.oid))
		set("collname", dText(c.name))
		set("collnamespace", dOid(catalog.PgCatalogSchemaID))
		set("collowner", dOid(bootstrapSuperuserID))
		set("collprovider", dChar(c.provider))
		set("collisdeterministic", dBool(true))
		set("collencoding", dInt(c.encoding))
		if !c.nullCollations {
			set("collcollate", dText(c.coll))
			set("collctype", dText(c.coll))
		}
	}
	return nil
}

func genLanguage(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	for _, l := range []struct {
		oid  int
		name string
	}{{langInternal, "internal"}, {langC, "c"}, {langSQL, "sql"}} {
		set := r.add()
		set("oid", dOid(l.oid))
		set("lanname", dText(l.name))
		set("lanowner", dOid(bootstrapSuperuserID))
		set("lanispl", dBool(false))
		set("lanpltrusted", dBool(l.oid == langSQL))
		set("lanplcallfoid", dOid(0))
		set("laninline", dOid(0))
		set("lanvalidator", dOid(0))
	}
	return nil
}

func genSequence(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	for _, s := range env.Catalog().Sequences() {
		set := r.add()
		set("seqrelid", dOid(s.ID))
		set("seqtypid", dOid(types.OidInt8))
		set("seqstart", dInt(s.Start))
		set("seqincrement", dInt(s.Increment))
		set("seqmax", dInt(s.Max))
		set("seqmin", dInt(s.Min))
		set("seqcache", dInt(1))
		set("seqcycle", dBool(false))
	}
	return nil
}

func genSequences(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	cat := env.Catalog()
	for _, s := range cat.Sequences() {
		set := r.add()
		set("schemaname", dText(schemaName(cat, s.SchemaID)))
		set("sequencename", dText(s.Name))
		set("sequenceowner", dText(ownerName(cat, "")))
		set("data_type", dOid(types.OidInt8))
		set("start_value", dInt(s.Start))
		set("min_value", dInt(s.Min))
		set("max_value", dInt(s.Max))
		set("increment_by", dInt(s.Increment))
		set("cycle", dBool(false))
		set("cache_size", dInt(1))
	}
	return nil
}

// ownerName returns the owner to show, falling back to the first
// superuser when an object has none recorded.
func ownerName(cat catalog.Reader, owner string) string {
	if owner != "" {
		return owner
	}
	for _, r := range cat.Roles() {
		if r.ID == bootstrapSuperuserID || r.Superuser {
			return r.Name
		}
	}
	return "postgres"
}

func genDepend(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	cat := env.Catalog()
	for _, s := range cat.Sequences() {
		if s.OwnedBy == 0 {
			continue
		}
		t := cat.TableByID(s.OwnedBy)
		if t == nil {
			continue
		}
		// The owning column is the one whose default or identity names the sequence.
		var col int16
		for i, c := range t.VisibleColumns() {
			if c.Sequence == s.Name {
				col = int16(i + 1)
			}
		}
		deptype := byte('a')
		if col > 0 && t.VisibleColumns()[col-1].Identity != 0 {
			deptype = 'i'
		}
		set := r.add()
		set("classid", dOid(pgClassOID))
		set("objid", dOid(s.ID))
		set("objsubid", dInt(0))
		set("refclassid", dOid(pgClassOID))
		set("refobjid", dOid(t.ID))
		set("refobjsubid", dInt(int64(col)))
		set("deptype", dChar(deptype))
	}
	for _, t := range cat.Tables() {
		for _, ix := range tableIndexes(t) {
			set := r.add()
			set("classid", dOid(pgClassOID))
			set("objid", dOid(ix.ID))
			set("objsubid", dInt(0))
			if isConstraint(ix) {
				set("refclassid", dOid(pgConstraintOID))
				set("refobjid", dOid(ix.ID))
				set("refobjsubid", dInt(0))
				set("deptype", dChar('i'))
			} else {
				set("refclassid", dOid(pgClassOID))
				set("refobjid", dOid(t.ID))
				set("refobjsubid", dInt(int64(attnum(t, ix.ColumnIDs[0]))))
				set("deptype", dChar('a'))
			}
		}
	}
	return nil
}

func genTables(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	cat := env.Catalog()
	for _, rel := range relations(cat) {
		if rel.kind != 'r' {
			continue
		}
		set := r.add()
		set("schemaname", dText(schemaName(cat, rel.schema)))
		set("tablename", dText(rel.name))
		set("tableowner", dText(ownerName(cat, rel.owner)))
		set("hasindexes", dBool(rel.table != nil && len(tableIndexes(rel.table)) > 0))
		set("hasrules", dBool(false))
		set("hastriggers", dBool(false))
		set("rowsecurity", dBool(false))
	}
	return nil
}

func genViews(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	cat := env.Catalog()
	for _, rel := range relations(cat) {
		if rel.kind != 'v' {
			continue
		}
		set := r.add()
		set("schemaname", dText(schemaName(cat, rel.schema)))
		set("viewname", dText(rel.name))
		set("viewowner", dText(ownerName(cat, rel.owner)))
		if rel.table != nil {
			set("definition", dText(viewDefinition(envNameEnv(env), rel.table, false)))
		}
	}
	return nil
}

func genIndexes(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	cat := env.Catalog()
	sp := envSearchPath(env)
	for _, t := range cat.Tables() {
		for _, ix := range tableIndexes(t) {
			set := r.add()
			set("schemaname", dText(schemaName(cat, t.SchemaID)))
			set("tablename", dText(t.Name))
			set("indexname", dText(ix.Name))
			rel := relation{oid: ix.ID, schema: t.SchemaID, name: ix.Name, kind: 'i', table: t, index: ix}
			set("indexdef", dText(indexDef(sp, rel, false)))
		}
	}
	return nil
}

func genStatUserTables(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	cat := env.Catalog()
	for _, t := range cat.Tables() {
		if t.Kind != catalog.KindTable {
			continue
		}
		set := r.add()
		set("relid", dOid(t.ID))
		set("schemaname", dText(schemaName(cat, t.SchemaID)))
		set("relname", dText(t.Name))
		for _, c := range []string{"seq_scan", "seq_tup_read", "idx_scan", "idx_tup_fetch", "n_tup_ins",
			"n_tup_upd", "n_tup_del", "n_tup_hot_upd", "n_live_tup", "n_dead_tup", "n_mod_since_analyze",
			"n_ins_since_vacuum", "vacuum_count", "autovacuum_count", "analyze_count", "autoanalyze_count"} {
			set(c, dInt(0))
		}
	}
	return nil
}

func (p *procTable) genProc(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	for _, pr := range p.all() {
		set := r.add()
		set("oid", dOid(pr.oid))
		set("proname", dText(pr.name))
		set("pronamespace", dOid(catalog.PgCatalogSchemaID))
		set("proowner", dOid(bootstrapSuperuserID))
		set("prolang", dOid(langInternal))
		set("procost", types.DFloat(1))
		rows := 0.0
		if pr.class == builtins.GeneratorClass {
			rows = 1000
		}
		set("prorows", types.DFloat(rows))
		variadic := uint32(0)
		if pr.ov.Variadic && len(pr.args) > 0 {
			variadic = pr.args[len(pr.args)-1]
		}
		set("provariadic", dOid(variadic))
		set("prosupport", dText("-"))
		set("prokind", dChar(prokind(pr.class)))
		set("prosecdef", dBool(false))
		set("proleakproof", dBool(false))
		set("proisstrict", dBool(!pr.ov.CalledOnNull))
		set("proretset", dBool(pr.class == builtins.GeneratorClass))
		vol := pr.ov.Volatility
		if vol == 0 {
			vol = builtins.Immutable
		}
		set("provolatile", dChar(byte(vol)))
		set("proparallel", dChar('s'))
		set("pronargs", dInt(int64(len(pr.args))))
		set("pronargdefaults", dInt(0))
		set("prorettype", dOid(pr.ret))
		set("proargtypes", dOidVector(pr.args))
		set("prosrc", dText(pr.name))
	}
	return nil
}

func prokind(c builtins.Class) byte {
	switch c {
	case builtins.AggregateClass:
		return 'a'
	case builtins.WindowClass:
		return 'w'
	}
	return 'f'
}
