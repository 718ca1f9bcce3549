package pgcatalog

import (
	"fmt"
	"strings"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/types"
)

// typeRow returns PostgreSQL 15's pg_type row for oid, or nil.
func typeRow(oid uint32) *pgTypeRow {
	for i := range pgTypeRows {
		if pgTypeRows[i].oid == oid {
			return &pgTypeRows[i]
		}
	}
	return nil
}

// formatType is format_type(oid, typmod). typmodNull is true when the
// typmod argument was NULL: PostgreSQL then prints bpchar as "character"
// (the SQL spelling) but as "bpchar" when typmod is -1.
func formatType(oid uint32, typmod int32, typmodNull bool) string {
	row := typeRow(oid)
	if row == nil {
		return "???"
	}
	if row.elem != 0 && row.category == 'A' {
		return formatType(row.elem, typmod, typmodNull) + "[]"
	}
	hasMod := !typmodNull && typmod >= 0
	switch oid {
	case types.OidBPChar:
		if hasMod {
			return fmt.Sprintf("character(%d)", typmod-4)
		}
		if typmodNull {
			return "character"
		}
		return "bpchar"
	case types.OidVarchar:
		if hasMod {
			return fmt.Sprintf("character varying(%d)", typmod-4)
		}
		return "character varying"
	case types.OidNumeric:
		if hasMod {
			m := typmod - 4
			return fmt.Sprintf("numeric(%d,%d)", (m>>16)&0xffff, int16(m&0xffff))
		}
		return "numeric"
	case types.OidTimestamp, types.OidTimestampTZ, types.OidTime:
		base := map[uint32]string{types.OidTimestamp: "timestamp", types.OidTimestampTZ: "timestamp", types.OidTime: "time"}[oid]
		zone := " without time zone"
		if oid == types.OidTimestampTZ {
			zone = " with time zone"
		}
		if hasMod {
			return fmt.Sprintf("%s(%d)%s", base, typmod, zone)
		}
		return base + zone
	case types.OidInterval:
		if hasMod && typmod&0xffff != 0xffff {
			return fmt.Sprintf("interval(%d)", typmod&0xffff)
		}
		return "interval"
	}
	if t := types.ByOid(oid); t != nil && t.Family != types.ArrayFamily {
		return t.SQLString()
	}
	return row.name
}

// quoteIdent is quote_ident: quote unless the name is lower-case
// letters, digits and underscores (not starting with a digit) and not a
// keyword that needs quoting.
func quoteIdent(s string) string {
	safe := s != ""
	for i := 0; i < len(s) && safe; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c == '_':
		case c >= '0' && c <= '9' && i > 0:
		default:
			safe = false
		}
	}
	if safe {
		if kw := lookupKeyword(s); kw != nil && kw.catcode != 'U' {
			safe = false
		}
	}
	if safe {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func lookupKeyword(s string) *keyword {
	lo, hi := 0, len(pgKeywords)
	for lo < hi {
		m := (lo + hi) / 2
		if pgKeywords[m].word < s {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(pgKeywords) && pgKeywords[lo].word == s {
		return &pgKeywords[lo]
	}
	return nil
}

// keyword is one row of pg_get_keywords().
type keyword struct {
	word      string
	catcode   byte
	barelabel bool
}

func (k *keyword) catdesc() string {
	switch k.catcode {
	case 'U':
		return "unreserved"
	case 'C':
		return "unreserved (cannot be function or type name)"
	case 'T':
		return "reserved (can be function or type name)"
	}
	return "reserved"
}

func (k *keyword) baredesc() string {
	if k.barelabel {
		return "can be bare label"
	}
	return "requires AS"
}

// pgTypeRow is the part of a pg_type row that varies between types.
type pgTypeRow struct {
	oid                                         uint32
	name                                        string
	len                                         int16
	byval                                       bool
	typtype, category                           byte
	preferred                                   bool
	elem, array                                 uint32
	input, output, receive, send, modin, modout string
	align, storage                              byte
	collation                                   uint32
}

// qualifiedName prints schema.name, quoting each part as needed.
func qualifiedName(schema, name string) string {
	return quoteIdent(schema) + "." + quoteIdent(name)
}

// relationName prints a relation's name, qualified unless visible on the
// search path (or always when qualify is set).
func relationName(sp *searchPath, r relation, qualify bool) string {
	if !qualify && sp != nil && sp.relationVisible(r) {
		return quoteIdent(r.name)
	}
	return qualifiedName(schemaName(sp.cat, r.schema), r.name)
}

// indexDef is pg_get_indexdef: "CREATE UNIQUE INDEX t_pkey ON public.t
// USING btree (id)". With pretty the table is qualified only when it is
// not visible, as PostgreSQL does.
func indexDef(sp *searchPath, r relation, pretty bool) string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if r.index.Unique || r.index.Primary {
		b.WriteString("UNIQUE ")
	}
	b.WriteString("INDEX ")
	b.WriteString(quoteIdent(r.index.Name))
	b.WriteString(" ON ")
	tr := relation{oid: r.table.ID, schema: r.table.SchemaID, name: r.table.Name, kind: 'r', table: r.table}
	b.WriteString(relationName(sp, tr, !pretty))
	b.WriteString(" USING ")
	b.WriteString(indexAM(r.table))
	b.WriteString(" (")
	b.WriteString(indexColumns(r.table, r.index))
	b.WriteString(")")
	return b.String()
}

// indexColumnDef is pg_get_indexdef(oid, colno, ...) for colno > 0: the
// column's name only (no ordering options).
func indexColumnDef(r relation, colno int) string {
	if colno < 1 || colno > len(r.index.ColumnIDs) {
		return ""
	}
	if c := r.table.ColumnByID(r.index.ColumnIDs[colno-1]); c != nil {
		return quoteIdent(c.Name)
	}
	return ""
}

func indexColumns(t *catalog.Table, ix *catalog.Index) string {
	parts := make([]string, 0, len(ix.ColumnIDs))
	for i, id := range ix.ColumnIDs {
		c := t.ColumnByID(id)
		if c == nil {
			continue
		}
		s := quoteIdent(c.Name)
		if i < len(ix.Desc) && ix.Desc[i] {
			s += " DESC"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// indexAM is the access method name of a table's indexes.
func indexAM(t *catalog.Table) string {
	return "btree"
}

// constraintDef is pg_get_constraintdef for a key constraint.
func constraintDef(t *catalog.Table, ix *catalog.Index) string {
	kind := "UNIQUE"
	if ix.Primary {
		kind = "PRIMARY KEY"
	}
	names := make([]string, 0, len(ix.ColumnIDs))
	for _, id := range ix.ColumnIDs {
		if c := t.ColumnByID(id); c != nil {
			names = append(names, quoteIdent(c.Name))
		}
	}
	return kind + " (" + strings.Join(names, ", ") + ")"
}

// constraintIndex finds the key constraint whose OID is oid (constraint
// OIDs are the OIDs of their indexes).
func constraintIndex(cat catalog.Reader, oid catalog.ID) (*catalog.Table, *catalog.Index) {
	for _, t := range cat.Tables() {
		for _, ix := range tableIndexes(t) {
			if ix.ID == oid && isConstraint(ix) {
				return t, ix
			}
		}
	}
	return nil, nil
}

// isConstraint reports whether an index backs a pg_constraint row.
func isConstraint(ix *catalog.Index) bool {
	return ix.Primary || (ix.Unique && ix.Constraint)
}

// sizePretty follows pg_size_pretty's algorithm in dbsize.c: halve
// rounding, divide by 1024 while the value is at least 10 * 1024 (with one
// extra bit kept for rounding after the first step).
func sizePretty(size int64) string {
	units := []string{"bytes", "kB", "MB", "GB", "TB", "PB"}
	neg := size < 0
	abs := size
	if neg {
		abs = -size
	}
	limit := int64(10 * 1024)
	limit2 := limit*2 - 1
	if abs < limit {
		return fmt.Sprintf("%d %s", size, units[0])
	}
	// From here keep one extra bit for rounding.
	size >>= 9
	for i := 1; i < len(units); i++ {
		a := size
		if a < 0 {
			a = -a
		}
		if a < limit2 || i == len(units)-1 {
			v := (size + 1) / 2 // halfround
			if size < 0 {
				v = (size - 1) / 2
			}
			return fmt.Sprintf("%d %s", v, units[i])
		}
		size >>= 10
	}
	return ""
}
