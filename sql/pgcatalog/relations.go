package pgcatalog

import (
	"sort"
	"strings"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/types"
)

// relation is one row of pg_class as seen through the catalog: a table,
// view, index, sequence or virtual relation.
type relation struct {
	oid    catalog.ID
	schema catalog.ID
	name   string
	kind   byte // pg_class.relkind
	owner  string
	table  *catalog.Table // the table itself, or the indexed table for an index
	index  *catalog.Index
	seq    *catalog.Sequence
	virt   *catalog.VirtualTable
}

// attr is one user-visible attribute (pg_attribute row with attnum > 0).
type attr struct {
	num     int16
	name    string
	typ     *types.T
	notNull bool
	def     string
	ident   byte
}

// sequenceColumns are the columns a sequence relation shows (SELECT * FROM seq).
var sequenceColumns = []catalog.Column{
	{Name: "last_value", Type: types.Int8, NotNull: true},
	{Name: "log_cnt", Type: types.Int8, NotNull: true},
	{Name: "is_called", Type: types.Bool, NotNull: true},
}

// attrs returns the relation's attributes in attnum order.
func (r *relation) attrs() []attr {
	var cols []catalog.Column
	switch {
	case r.index != nil:
		out := make([]attr, 0, len(r.index.ColumnIDs))
		for i, id := range r.index.ColumnIDs {
			c := r.table.ColumnByID(id)
			if c == nil {
				continue
			}
			out = append(out, attr{num: int16(i + 1), name: c.Name, typ: c.Type})
		}
		return out
	case r.table != nil:
		cols = r.table.VisibleColumns()
	case r.seq != nil:
		cols = sequenceColumns
	case r.virt != nil:
		cols = r.virt.Columns
	}
	out := make([]attr, len(cols))
	for i, c := range cols {
		out[i] = attr{num: int16(i + 1), name: c.Name, typ: c.Type, notNull: c.NotNull, def: c.Default, ident: c.Identity}
	}
	if r.table != nil {
		// Defaults are shown as PostgreSQL deparses them (adbin is
		// the non-pretty form; pg_get_expr(..., true) re-prints it).
		colTypes := columnTypes(out)
		for i := range out {
			if out[i].def != "" && out[i].ident == 0 {
				out[i].def = deparseExprText(out[i].def, colTypes, out[i].typ, false)
			}
		}
	}
	return out
}

// checkOID numbers a CHECK constraint: pg_constraint rows need an OID but
// the catalog keeps checks on the table, unnumbered. Table IDs are far
// below 2^32/1000, and index and sequence IDs far below this range.
func checkOID(table catalog.ID, i int) catalog.ID {
	return table*1000 + 500 + catalog.ID(i)
}

// checkByOID finds the CHECK constraint with the given OID.
func checkByOID(cat catalog.Reader, oid catalog.ID) (*catalog.Table, *catalog.Check) {
	t := cat.TableByID(oid / 1000)
	if t == nil || oid%1000 < 500 {
		return nil, nil
	}
	i := int(oid%1000) - 500
	if i >= len(t.Checks) {
		return nil, nil
	}
	return t, &t.Checks[i]
}

// tableColumnTypes maps a table's visible column names to their types.
func tableColumnTypes(t *catalog.Table) map[string]*types.T {
	m := map[string]*types.T{}
	for _, c := range t.VisibleColumns() {
		m[c.Name] = c.Type
	}
	return m
}

// attnum returns the attnum of the table column with the given ID (0 when hidden or unknown).
func attnum(t *catalog.Table, colID uint32) int16 {
	for i, c := range t.VisibleColumns() {
		if c.ID == colID {
			return int16(i + 1)
		}
	}
	return 0
}

// indexVisible reports whether an index is shown in the catalog: the
// implicit primary index over a hidden rowid column is not.
func indexVisible(t *catalog.Table, ix *catalog.Index) bool {
	if ix.ID == 0 || len(ix.ColumnIDs) == 0 {
		return false
	}
	for _, id := range ix.ColumnIDs {
		c := t.ColumnByID(id)
		if c == nil || c.Hidden || c.Dropped {
			return false
		}
	}
	return true
}

// tableIndexes returns the visible indexes of t, primary first.
func tableIndexes(t *catalog.Table) []*catalog.Index {
	var out []*catalog.Index
	if t.Kind != catalog.KindTable {
		return nil
	}
	if indexVisible(t, &t.Primary) {
		out = append(out, &t.Primary)
	}
	for i := range t.Indexes {
		if indexVisible(t, &t.Indexes[i]) {
			out = append(out, &t.Indexes[i])
		}
	}
	return out
}

// virtualKind returns the relkind PostgreSQL 15 gives a system relation
// ('r' for catalog tables, 'v' for system views); unknown ones are views.
func virtualKind(id catalog.ID) byte {
	for i := range pg15Relations {
		if pg15Relations[i].id == id {
			return pg15Relations[i].kind
		}
	}
	return 'v'
}

// relations lists every relation of the catalog, ordered by OID.
func relations(cat catalog.Reader) []relation {
	var out []relation
	for _, t := range cat.Tables() {
		kind := byte('r')
		if t.Kind == catalog.KindView {
			kind = 'v'
		}
		out = append(out, relation{oid: t.ID, schema: t.SchemaID, name: t.Name, kind: kind, owner: t.Owner, table: t})
		for _, ix := range tableIndexes(t) {
			out = append(out, relation{oid: ix.ID, schema: t.SchemaID, name: ix.Name, kind: 'i', owner: t.Owner, table: t, index: ix})
		}
	}
	for _, s := range cat.Sequences() {
		out = append(out, relation{oid: s.ID, schema: s.SchemaID, name: s.Name, kind: 'S', owner: s.Owner, seq: s})
	}
	for _, v := range cat.VirtualTables() {
		out = append(out, relation{oid: v.ID, schema: v.SchemaID, name: v.Name, kind: virtualKind(v.ID), virt: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].oid < out[j].oid })
	return out
}

// relationByOID finds one relation without listing the whole catalog
// when the OID names a table.
func relationByOID(cat catalog.Reader, oid catalog.ID) (relation, bool) {
	if t := cat.TableByID(oid); t != nil {
		kind := byte('r')
		if t.Kind == catalog.KindView {
			kind = 'v'
		}
		return relation{oid: t.ID, schema: t.SchemaID, name: t.Name, kind: kind, owner: t.Owner, table: t}, true
	}
	for _, r := range relations(cat) {
		if r.oid == oid {
			return r, true
		}
	}
	return relation{}, false
}

// relationByName finds a relation by schema and name without listing
// the whole catalog (pg_table_is_visible calls it for every pg_class row).
func relationByName(cat catalog.Reader, schema catalog.ID, name string) (relation, bool) {
	if t := cat.TableByName(schema, name); t != nil {
		return relationByOID(cat, t.ID)
	}
	if v := cat.VirtualTableByName(schema, name); v != nil {
		return relation{oid: v.ID, schema: v.SchemaID, name: v.Name, kind: virtualKind(v.ID), virt: v}, true
	}
	if s := cat.SequenceByName(schema, name); s != nil {
		return relation{oid: s.ID, schema: s.SchemaID, name: s.Name, kind: 'S', owner: s.Owner, seq: s}, true
	}
	for _, t := range cat.Tables() {
		if t.SchemaID != schema {
			continue
		}
		for _, ix := range tableIndexes(t) {
			if ix.Name == name {
				return relation{oid: ix.ID, schema: t.SchemaID, name: ix.Name, kind: 'i', owner: t.Owner, table: t, index: ix}, true
			}
		}
	}
	return relation{}, false
}

// searchPath is the effective schema search order of a session: the
// schemas that exist, with pg_catalog first unless listed explicitly.
type searchPath struct {
	cat     catalog.Reader
	schemas []*catalog.Schema
	// explicit lists the schemas as written (current_schemas(false)).
	explicit []*catalog.Schema
}

// parseSearchPath splits a search_path setting ("$user", public).
func parseSearchPath(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if len(p) >= 2 && p[0] == '"' && p[len(p)-1] == '"' {
			p = strings.ReplaceAll(p[1:len(p)-1], `""`, `"`)
		} else {
			p = strings.ToLower(p)
		}
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func newSearchPath(cat catalog.Reader, path []string, user string) *searchPath {
	sp := &searchPath{cat: cat}
	seen := map[catalog.ID]bool{}
	for _, name := range path {
		if name == "$user" {
			name = user
		}
		s := cat.SchemaByName(name)
		if s == nil || seen[s.ID] {
			continue
		}
		seen[s.ID] = true
		sp.explicit = append(sp.explicit, s)
	}
	if !seen[catalog.PgCatalogSchemaID] {
		if pc := cat.SchemaByID(catalog.PgCatalogSchemaID); pc != nil {
			sp.schemas = append(sp.schemas, pc)
		} else {
			sp.schemas = append(sp.schemas, &catalog.Schema{ID: catalog.PgCatalogSchemaID, Name: "pg_catalog"})
		}
	}
	sp.schemas = append(sp.schemas, sp.explicit...)
	return sp
}

// envSearchPath builds the search path of a virtual table's session.
// envNameEnv is the NameEnv of a virtual table's environment.
func envNameEnv(env catalog.VirtualEnv) NameEnv {
	v, ok := env.Setting("search_path")
	if !ok {
		v = `"$user", public`
	}
	return NameEnv{Catalog: env.Catalog(), SearchPath: parseSearchPath(v), User: env.CurrentUser()}
}

func envSearchPath(env catalog.VirtualEnv) *searchPath {
	v, ok := env.Setting("search_path")
	if !ok {
		v = `"$user", public`
	}
	return newSearchPath(env.Catalog(), parseSearchPath(v), env.CurrentUser())
}

func (sp *searchPath) contains(id catalog.ID) bool {
	for _, s := range sp.schemas {
		if s.ID == id {
			return true
		}
	}
	return false
}

// relationVisible is pg_table_is_visible: the relation's schema is on the
// path and no earlier schema has a relation of the same name.
func (sp *searchPath) relationVisible(r relation) bool {
	for _, s := range sp.schemas {
		if s.ID == r.schema {
			return true
		}
		if _, ok := relationByName(sp.cat, s.ID, r.name); ok {
			return false
		}
	}
	return false
}

// lookupRelation resolves an unqualified relation name along the path.
func (sp *searchPath) lookupRelation(name string) (relation, bool) {
	for _, s := range sp.schemas {
		if r, ok := relationByName(sp.cat, s.ID, name); ok {
			return r, true
		}
	}
	return relation{}, false
}

func schemaName(cat catalog.Reader, id catalog.ID) string {
	if s := cat.SchemaByID(id); s != nil {
		return s.Name
	}
	switch id {
	case catalog.PgCatalogSchemaID:
		return "pg_catalog"
	case catalog.PublicSchemaID:
		return "public"
	case catalog.InfoSchemaSchemaID:
		return "information_schema"
	case pgToastSchemaID:
		return "pg_toast"
	}
	return ""
}

// allSchemas returns the catalog's schemas plus the built-in ones it may
// not list itself, ordered by OID.
// pgToastSchemaID is pg_toast's OID. Conflux stores no TOAST tables, but
// the schema exists in every PostgreSQL database and schema browsers list
// it, so it is listed (empty) here too.
const pgToastSchemaID catalog.ID = 99

func allSchemas(cat catalog.Reader) []*catalog.Schema {
	out := append([]*catalog.Schema(nil), cat.Schemas()...)
	have := map[catalog.ID]bool{}
	for _, s := range out {
		have[s.ID] = true
	}
	for _, b := range []catalog.Schema{
		{ID: catalog.PgCatalogSchemaID, Name: "pg_catalog"},
		{ID: catalog.InfoSchemaSchemaID, Name: "information_schema"},
		{ID: pgToastSchemaID, Name: "pg_toast"},
	} {
		if !have[b.ID] {
			b := b
			out = append(out, &b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
