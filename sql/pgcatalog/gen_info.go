package pgcatalog

import (
	"context"
	"fmt"
	"strconv"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/types"
)

func yesNo(b bool) types.Datum {
	if b {
		return dText("YES")
	}
	return dText("NO")
}

func genInfoCatalogName(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	r.add()("catalog_name", dText(env.CurrentDatabase()))
	return nil
}

func genInfoSchemata(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	cat := env.Catalog()
	for _, s := range allSchemas(cat) {
		set := r.add()
		set("catalog_name", dText(env.CurrentDatabase()))
		set("schema_name", dText(s.Name))
		set("schema_owner", dText(ownerName(cat, s.Owner)))
	}
	return nil
}

// infoRelations are the relations information_schema.tables lists:
// tables and views, user and system, not indexes or sequences.
func infoRelations(cat catalog.Reader) []relation {
	var out []relation
	for _, rel := range relations(cat) {
		if rel.kind == 'r' || rel.kind == 'v' {
			out = append(out, rel)
		}
	}
	return out
}

func genInfoTables(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	cat := env.Catalog()
	for _, rel := range infoRelations(cat) {
		set := r.add()
		set("table_catalog", dText(env.CurrentDatabase()))
		set("table_schema", dText(schemaName(cat, rel.schema)))
		set("table_name", dText(rel.name))
		typ := "BASE TABLE"
		if rel.kind == 'v' {
			typ = "VIEW"
		}
		set("table_type", dText(typ))
		set("is_insertable_into", yesNo(rel.kind == 'r' && rel.virt == nil))
		set("is_typed", yesNo(false))
	}
	return nil
}

// typeInfo fills the information_schema type description columns shared
// by columns, routines and parameters.
func typeInfo(set func(string, types.Datum), t *types.T) {
	if t.Family == types.ArrayFamily && t.Oid != types.OidInt2Vector && t.Oid != types.OidOidVector {
		set("data_type", dText("ARRAY"))
	} else {
		set("data_type", dText(formatType(t.Oid, -1, true)))
	}
	switch t.Oid {
	case types.OidVarchar, types.OidBPChar:
		if n := t.VarcharLen(); n >= 0 {
			set("character_maximum_length", dInt(int64(n)))
			set("character_octet_length", dInt(int64(n)*4))
		} else {
			set("character_octet_length", dInt(1073741824))
		}
	case types.OidText:
		set("character_octet_length", dInt(1073741824))
	case types.OidInt2, types.OidInt4, types.OidInt8:
		set("numeric_precision", dInt(int64(t.Width)))
		set("numeric_precision_radix", dInt(2))
		set("numeric_scale", dInt(0))
	case types.OidFloat4:
		set("numeric_precision", dInt(24))
		set("numeric_precision_radix", dInt(2))
	case types.OidFloat8:
		set("numeric_precision", dInt(53))
		set("numeric_precision_radix", dInt(2))
	case types.OidNumeric:
		set("numeric_precision_radix", dInt(10))
		if p, s := t.NumericPrecScale(); p >= 0 {
			set("numeric_precision", dInt(int64(p)))
			set("numeric_scale", dInt(int64(s)))
		}
	case types.OidDate:
		set("datetime_precision", dInt(0))
	case types.OidTime, types.OidTimestamp, types.OidTimestampTZ, types.OidInterval:
		p := int64(6)
		if t.Typmod >= 0 && t.Oid != types.OidInterval {
			p = int64(t.Typmod)
		}
		set("datetime_precision", dInt(p))
	}
}

func genInfoColumns(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	cat := env.Catalog()
	db := env.CurrentDatabase()
	for _, rel := range infoRelations(cat) {
		schema := schemaName(cat, rel.schema)
		for _, a := range rel.attrs() {
			set := r.add()
			set("table_catalog", dText(db))
			set("table_schema", dText(schema))
			set("table_name", dText(rel.name))
			set("column_name", dText(a.name))
			set("ordinal_position", dInt(int64(a.num)))
			if a.ident == 0 {
				set("column_default", dTextOrNull(a.def))
			}
			set("is_nullable", yesNo(!a.notNull))
			typeInfo(set, a.typ)
			set("udt_catalog", dText(db))
			set("udt_schema", dText("pg_catalog"))
			set("udt_name", dText(a.typ.Name()))
			set("dtd_identifier", dText(strconv.Itoa(int(a.num))))
			set("is_self_referencing", yesNo(false))
			set("is_identity", yesNo(a.ident != 0))
			switch a.ident {
			case 'a':
				set("identity_generation", dText("ALWAYS"))
			case 'd':
				set("identity_generation", dText("BY DEFAULT"))
			}
			if a.ident != 0 {
				set("identity_cycle", yesNo(false))
			}
			set("is_generated", dText("NEVER"))
			set("is_updatable", yesNo(rel.kind == 'r' && rel.virt == nil))
		}
	}
	return nil
}

// notNullConstraintName is the name information_schema gives a NOT NULL
// column constraint: <schema oid>_<table oid>_<attnum>_not_null.
func notNullConstraintName(schema, table catalog.ID, attnum int16) string {
	return fmt.Sprintf("%d_%d_%d_not_null", schema, table, attnum)
}

func genInfoTableConstraints(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	cat := env.Catalog()
	db := env.CurrentDatabase()
	for _, t := range cat.Tables() {
		if t.Kind != catalog.KindTable {
			continue
		}
		schema := schemaName(cat, t.SchemaID)
		common := func(name, typ string) func(string, types.Datum) {
			set := r.add()
			set("constraint_catalog", dText(db))
			set("constraint_schema", dText(schema))
			set("constraint_name", dText(name))
			set("table_catalog", dText(db))
			set("table_schema", dText(schema))
			set("table_name", dText(t.Name))
			set("constraint_type", dText(typ))
			set("is_deferrable", yesNo(false))
			set("initially_deferred", yesNo(false))
			set("enforced", yesNo(true))
			return set
		}
		for _, ix := range tableIndexes(t) {
			if !isConstraint(ix) {
				continue
			}
			if ix.Primary {
				common(ix.Name, "PRIMARY KEY")
			} else {
				common(ix.Name, "UNIQUE")("nulls_distinct", yesNo(true))
			}
		}
		for i, c := range t.VisibleColumns() {
			if c.NotNull {
				common(notNullConstraintName(t.SchemaID, t.ID, int16(i+1)), "CHECK")
			}
		}
	}
	return nil
}

func genInfoKeyColumnUsage(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	cat := env.Catalog()
	db := env.CurrentDatabase()
	for _, t := range cat.Tables() {
		schema := schemaName(cat, t.SchemaID)
		for _, ix := range tableIndexes(t) {
			if !isConstraint(ix) {
				continue
			}
			for i, id := range ix.ColumnIDs {
				c := t.ColumnByID(id)
				if c == nil {
					continue
				}
				set := r.add()
				set("constraint_catalog", dText(db))
				set("constraint_schema", dText(schema))
				set("constraint_name", dText(ix.Name))
				set("table_catalog", dText(db))
				set("table_schema", dText(schema))
				set("table_name", dText(t.Name))
				set("column_name", dText(c.Name))
				set("ordinal_position", dInt(int64(i+1)))
			}
		}
	}
	return nil
}

func genInfoViews(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	cat := env.Catalog()
	for _, t := range cat.Tables() {
		if t.Kind != catalog.KindView {
			continue
		}
		set := r.add()
		set("table_catalog", dText(env.CurrentDatabase()))
		set("table_schema", dText(schemaName(cat, t.SchemaID)))
		set("table_name", dText(t.Name))
		set("view_definition", dText(viewDefinition(envNameEnv(env), t, false)))
		set("check_option", dText("NONE"))
		for _, c := range []string{"is_updatable", "is_insertable_into", "is_trigger_updatable",
			"is_trigger_deletable", "is_trigger_insertable_into"} {
			set(c, yesNo(false))
		}
	}
	return nil
}

func genInfoSequences(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	cat := env.Catalog()
	for _, s := range cat.Sequences() {
		set := r.add()
		set("sequence_catalog", dText(env.CurrentDatabase()))
		set("sequence_schema", dText(schemaName(cat, s.SchemaID)))
		set("sequence_name", dText(s.Name))
		set("data_type", dText("bigint"))
		set("numeric_precision", dInt(64))
		set("numeric_precision_radix", dInt(2))
		set("numeric_scale", dInt(0))
		set("start_value", dText(strconv.FormatInt(s.Start, 10)))
		set("minimum_value", dText(strconv.FormatInt(s.Min, 10)))
		set("maximum_value", dText(strconv.FormatInt(s.Max, 10)))
		set("increment", dText(strconv.FormatInt(s.Increment, 10)))
		set("cycle_option", yesNo(false))
	}
	return nil
}

func genInfoCharacterSets(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	set := r.add()
	set("character_set_name", dText("UTF8"))
	set("character_repertoire", dText("UCS"))
	set("form_of_use", dText("UTF8"))
	set("default_collate_catalog", dText(env.CurrentDatabase()))
	set("default_collate_schema", dText("pg_catalog"))
	set("default_collate_name", dText("C"))
	return nil
}

func genInfoEnabledRoles(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	for _, role := range rolesOrDefault(env) {
		r.add()("role_name", dText(role.Name))
	}
	return nil
}

func (p *procTable) genInfoRoutines(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	db := env.CurrentDatabase()
	for _, pr := range p.all() {
		set := r.add()
		set("specific_catalog", dText(db))
		set("specific_schema", dText("pg_catalog"))
		set("specific_name", dText(pr.name+"_"+strconv.FormatUint(uint64(pr.oid), 10)))
		set("routine_catalog", dText(db))
		set("routine_schema", dText("pg_catalog"))
		set("routine_name", dText(pr.name))
		set("routine_type", dText("FUNCTION"))
		if t := types.ByOid(pr.ret); t != nil {
			typeInfo(set, t)
		} else {
			set("data_type", dText(typeOIDName(pr.ret)))
		}
		set("type_udt_catalog", dText(db))
		set("type_udt_schema", dText("pg_catalog"))
		if tr := typeRow(pr.ret); tr != nil {
			set("type_udt_name", dText(tr.name))
		}
		set("routine_body", dText("EXTERNAL"))
		set("external_name", dText(pr.name))
		set("external_language", dText("INTERNAL"))
		set("parameter_style", dText("GENERAL"))
		set("is_deterministic", yesNo(pr.ov.Volatility == 'i' || pr.ov.Volatility == 0))
		set("sql_data_access", dText("MODIFIES"))
		set("is_null_call", yesNo(!pr.ov.CalledOnNull))
		set("schema_level_routine", yesNo(true))
		set("max_dynamic_result_sets", dInt(0))
		set("is_user_defined_cast", yesNo(false))
		set("is_implicitly_invocable", yesNo(false))
		set("security_type", dText("INVOKER"))
		set("as_locator", yesNo(false))
		set("is_udt_dependent", yesNo(false))
	}
	return nil
}
