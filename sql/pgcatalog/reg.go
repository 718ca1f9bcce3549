package pgcatalog

import (
	"strconv"
	"strings"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// NameEnv is what resolving an object name needs: the catalog as the
// transaction sees it and the session's search_path.
type NameEnv struct {
	Catalog catalog.Reader
	// SearchPath holds the search_path entries ("$user" is replaced by User).
	SearchPath []string
	User       string
	// Registry is the function registry regproc names resolve in (nil: builtins.Default()).
	Registry *builtins.Registry
}

// EvalNameEnv builds a NameEnv from a builtin's evaluation context.
func EvalNameEnv(ctx *builtins.EvalContext) NameEnv {
	env := NameEnv{Catalog: ctx.Catalog}
	if ctx.Session != nil {
		env.SearchPath = ctx.Session.SearchPath()
		env.User = ctx.Session.CurrentUser()
	}
	if env.SearchPath == nil {
		env.SearchPath = []string{"$user", "public"}
	}
	return env
}

func (e NameEnv) path() *searchPath { return newSearchPath(e.Catalog, e.SearchPath, e.User) }

// splitQualifiedName parses an object name as regclassin does:
// dot-separated identifiers, double quotes preserving case, unquoted parts
// folded to lower case.
func splitQualifiedName(s string) ([]string, error) {
	var parts []string
	s = strings.TrimSpace(s)
	for {
		var part string
		if strings.HasPrefix(s, `"`) {
			var b strings.Builder
			i := 1
			for {
				if i >= len(s) {
					return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid name syntax")
				}
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						b.WriteByte('"')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			part, s = b.String(), s[i:]
		} else {
			i := strings.IndexByte(s, '.')
			if i < 0 {
				i = len(s)
			}
			part, s = strings.ToLower(strings.TrimSpace(s[:i])), s[i:]
			if part == "" {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid name syntax")
			}
		}
		parts = append(parts, part)
		s = strings.TrimSpace(s)
		if s == "" {
			return parts, nil
		}
		if s[0] != '.' {
			return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid name syntax")
		}
		s = strings.TrimSpace(s[1:])
	}
}

// numericOID accepts the all-digits form every reg* input allows.
func numericOID(s string) (uint32, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 10, 32)
	return uint32(v), err == nil
}

// RegclassIn resolves a relation name ('t', 'public.t', '"T"') to its
// OID for ::regclass, following the search path. A missing relation is
// 42P01, a missing schema 3F000.
func RegclassIn(name string, env NameEnv) (uint32, error) {
	if oid, ok := numericOID(name); ok {
		return oid, nil
	}
	rel, err := lookupRelationName(name, env)
	if err != nil {
		return 0, err
	}
	return uint32(rel.oid), nil
}

func lookupRelationName(name string, env NameEnv) (relation, error) {
	parts, err := splitQualifiedName(name)
	if err != nil {
		return relation{}, err
	}
	notFound := func() error {
		return pgerr.New(pgerr.UndefinedTable, "relation %q does not exist", name)
	}
	switch len(parts) {
	case 1:
		if rel, ok := env.path().lookupRelation(parts[0]); ok {
			return rel, nil
		}
		return relation{}, notFound()
	case 2, 3:
		if len(parts) == 3 && parts[0] != "" {
			// catalog.schema.name: the database part is accepted as is.
			parts = parts[1:]
		}
		s := env.Catalog.SchemaByName(parts[0])
		if s == nil {
			if parts[0] == "pg_catalog" {
				s = &catalog.Schema{ID: catalog.PgCatalogSchemaID}
			} else if parts[0] == "information_schema" {
				s = &catalog.Schema{ID: catalog.InfoSchemaSchemaID}
			} else {
				return relation{}, pgerr.New(pgerr.UndefinedSchema, "schema %q does not exist", parts[0])
			}
		}
		if rel, ok := relationByName(env.Catalog, s.ID, parts[1]); ok {
			return rel, nil
		}
		return relation{}, notFound()
	}
	return relation{}, pgerr.New(pgerr.SyntaxError, "improper relation name (too many dotted names): %s", name)
}

// RegclassOut prints a relation OID as regclass output does: the name,
// schema-qualified only when the relation is not visible on the search
// path; the number itself when no relation has that OID; "-" for 0.
func RegclassOut(oid uint32, env NameEnv) string {
	if oid == 0 {
		return "-"
	}
	rel, ok := relationByOID(env.Catalog, catalog.ID(oid))
	if !ok {
		return strconv.FormatUint(uint64(oid), 10)
	}
	return relationName(env.path(), rel, false)
}

// RegtypeIn resolves a type name ('integer', 'int4', 'character
// varying', 'text[]', 'pg_catalog.bool') to its OID; 42704 when unknown.
func RegtypeIn(name string, env NameEnv) (uint32, error) {
	if oid, ok := numericOID(name); ok {
		return oid, nil
	}
	s := strings.TrimSpace(name)
	array := false
	if strings.HasSuffix(s, "[]") {
		array = true
		s = strings.TrimSpace(strings.TrimSuffix(s, "[]"))
	}
	// Drop a typmod: 'varchar(10)'::regtype is varchar.
	if i := strings.IndexByte(s, '('); i > 0 && strings.HasSuffix(s, ")") {
		rest := s[strings.IndexByte(s, ')')+1:]
		s = strings.TrimSpace(s[:i] + rest)
	}
	lower := strings.ToLower(strings.TrimPrefix(s, "pg_catalog."))
	var oid uint32
	if t := types.ByName(lower); t != nil {
		oid = t.Oid
	} else if strings.HasPrefix(s, `"`) && strings.HasSuffix(s, `"`) && len(s) > 1 {
		if r := typeRowByName(s[1 : len(s)-1]); r != nil {
			oid = r.oid
		}
	} else if r := typeRowByName(lower); r != nil {
		oid = r.oid
	} else if lower == "timestamp with time zone" || lower == "timestamp without time zone" {
		oid = types.ByName(lower).Oid
	}
	if oid == 0 {
		return 0, pgerr.New(pgerr.UndefinedObject, "type %q does not exist", name)
	}
	if array {
		r := typeRow(oid)
		if r == nil || r.array == 0 {
			return 0, pgerr.New(pgerr.UndefinedObject, "type %q does not exist", name)
		}
		oid = r.array
	}
	return oid, nil
}

func typeRowByName(name string) *pgTypeRow {
	for i := range pgTypeRows {
		if pgTypeRows[i].name == name {
			return &pgTypeRows[i]
		}
	}
	return nil
}

// RegtypeOut prints a type OID as regtype output does (format_type with
// no typmod): "integer", "character varying", "text[]".
func RegtypeOut(oid uint32) string {
	if oid == 0 {
		return "-"
	}
	if typeRow(oid) == nil {
		switch oid {
		case types.OidAny, types.OidAnyElement, types.OidAnyArray, 2776:
			return typeOIDName(oid)
		}
		return strconv.FormatUint(uint64(oid), 10)
	}
	return formatType(oid, -1, true)
}

// RegprocIn resolves a function name to the OID of its only overload:
// 42883 when there is none, 42725 when the name is overloaded.
func RegprocIn(name string, env NameEnv) (uint32, error) {
	if oid, ok := numericOID(name); ok {
		return oid, nil
	}
	parts, err := splitQualifiedName(name)
	if err != nil {
		return 0, err
	}
	fn := parts[len(parts)-1]
	if len(parts) == 2 && parts[0] != "pg_catalog" {
		return 0, pgerr.New(pgerr.UndefinedFunction, "function %q does not exist", name)
	}
	procs := newProcTable(env.Registry).byName(fn)
	switch len(procs) {
	case 0:
		return 0, pgerr.New(pgerr.UndefinedFunction, "function %q does not exist", name)
	case 1:
		return procs[0].oid, nil
	}
	return 0, pgerr.New(pgerr.AmbiguousFunction, "more than one function named %q", name)
}

// RegprocOut prints a function OID as its name ("-" for 0, the number
// when unknown).
func RegprocOut(oid uint32, env NameEnv) string {
	if oid == 0 {
		return "-"
	}
	if p := newProcTable(env.Registry).byOid(oid); p != nil {
		return p.name
	}
	return strconv.FormatUint(uint64(oid), 10)
}

// RegnamespaceIn resolves a schema name to its OID for ::regnamespace
// (3F000 when there is no such schema).
func RegnamespaceIn(name string, env NameEnv) (uint32, error) {
	if oid, ok := numericOID(name); ok {
		return oid, nil
	}
	parts, err := splitQualifiedName(name)
	if err != nil {
		return 0, err
	}
	if len(parts) != 1 {
		return 0, pgerr.New(pgerr.InvalidParameterValue, "invalid name syntax")
	}
	for _, s := range allSchemas(env.Catalog) {
		if s.Name == parts[0] {
			return uint32(s.ID), nil
		}
	}
	return 0, pgerr.New(pgerr.UndefinedSchema, "schema %q does not exist", parts[0])
}

// RegnamespaceOut prints a schema OID as its name (the number when no
// schema has it, "-" for 0).
func RegnamespaceOut(oid uint32, env NameEnv) string {
	if oid == 0 {
		return "-"
	}
	if n := schemaName(env.Catalog, catalog.ID(oid)); n != "" {
		return quoteIdent(n)
	}
	return strconv.FormatUint(uint64(oid), 10)
}

// RegroleIn resolves a role name to its OID for ::regrole (42704 when
// there is no such role).
func RegroleIn(name string, env NameEnv) (uint32, error) {
	if oid, ok := numericOID(name); ok {
		return oid, nil
	}
	parts, err := splitQualifiedName(name)
	if err != nil {
		return 0, err
	}
	if len(parts) != 1 {
		return 0, pgerr.New(pgerr.InvalidParameterValue, "invalid name syntax")
	}
	for _, r := range allRoles(env.Catalog) {
		if r.Name == parts[0] {
			return uint32(r.ID), nil
		}
	}
	return 0, pgerr.New(pgerr.UndefinedObject, "role %q does not exist", parts[0])
}

// RegroleOut prints a role OID as its name (the number when unknown, "-"
// for 0).
func RegroleOut(oid uint32, env NameEnv) string {
	if oid == 0 {
		return "-"
	}
	for _, r := range allRoles(env.Catalog) {
		if uint32(r.ID) == oid {
			return quoteIdent(r.Name)
		}
	}
	return strconv.FormatUint(uint64(oid), 10)
}
