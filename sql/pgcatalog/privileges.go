package pgcatalog

import (
	"strings"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// Privilege is one entry of a has_*_privilege privilege list: an
// upper-case keyword ("SELECT") and whether the grant option is asked for.
type Privilege struct {
	Name            string
	WithGrantOption bool
}

// PrivilegeChecker answers has_table_privilege and has_schema_privilege.
// The session a builtin runs in (builtins.EvalContext.Session) implements
// it when privileges are enforced; the functions then report exactly what
// enforcement would do. A session without it grants everything, so the
// answer is true. Each method reports whether role holds ANY of privs on
// the object (PostgreSQL's rule for a comma-separated list); objects are
// already resolved and known to exist.
type PrivilegeChecker interface {
	HasTablePrivilege(role string, table catalog.ID, privs []Privilege) (bool, error)
	HasSchemaPrivilege(role string, schema catalog.ID, privs []Privilege) (bool, error)
}

// tablePrivileges and schemaPrivileges are the keywords each function
// accepts (PostgreSQL's convert_table_priv_string and
// convert_schema_priv_string).
var (
	tablePrivileges  = []string{"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"}
	schemaPrivileges = []string{"CREATE", "USAGE"}
)

// parsePrivileges parses "select, INSERT WITH GRANT OPTION" against the
// allowed keywords: 22023 for anything else, as PostgreSQL.
func parsePrivileges(s string, allowed []string) ([]Privilege, error) {
	var out []Privilege
	for _, part := range strings.Split(s, ",") {
		p := strings.ToUpper(strings.Join(strings.Fields(part), " "))
		grant := false
		if rest, ok := strings.CutSuffix(p, " WITH GRANT OPTION"); ok {
			p, grant = rest, true
		}
		ok := false
		for _, a := range allowed {
			if p == a {
				ok = true
			}
		}
		if !ok {
			return nil, pgerr.New(pgerr.InvalidParameterValue, "unrecognized privilege type: \"%s\"", strings.TrimSpace(part))
		}
		out = append(out, Privilege{Name: p, WithGrantOption: grant})
	}
	return out, nil
}

// privilegeRole resolves the role argument: a name must exist (42704);
// an OID is looked up, and an unknown one checks as a role with no
// privileges (PostgreSQL answers false for it too, short of superuser).
func privilegeRole(ctx *builtins.EvalContext, d types.Datum, t *types.T) (string, error) {
	if t.Oid == types.OidOid {
		oid := argOIDValue(d)
		if ctx.Catalog != nil {
			for _, r := range allRoles(ctx.Catalog) {
				if uint32(r.ID) == oid {
					return r.Name, nil
				}
			}
		}
		return "", nil
	}
	name := argString(d)
	if ctx.Catalog != nil {
		for _, r := range allRoles(ctx.Catalog) {
			if r.Name == name {
				return name, nil
			}
		}
	}
	return "", pgerr.New(pgerr.UndefinedObject, "role \"%s\" does not exist", name)
}

// privilegeFunc builds has_table_privilege or has_schema_privilege: the
// six PostgreSQL signatures, (role, object, privilege) and (object,
// privilege), role and object each by name or OID.
func privilegeFunc(name string, oids []uint32, allowed []string,
	resolve func(ctx *builtins.EvalContext, obj types.Datum, byOID bool) (catalog.ID, bool, error),
	check func(pc PrivilegeChecker, role string, id catalog.ID, privs []Privilege) (bool, error)) *builtins.Func {
	N, T, O, B := types.Name, types.Text, types.Oid, types.Bool
	shapes := [][]*types.T{{N, T, T}, {N, O, T}, {O, T, T}, {O, O, T}, {T, T}, {O, T}}
	f := scalar(name)
	for i, s := range shapes {
		s := s
		fn := func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			if ctx.Catalog == nil {
				return types.DBool(true), nil
			}
			role := currentUser(ctx)
			if len(a) == 3 {
				r, err := privilegeRole(ctx, a[0], s[0])
				if err != nil {
					return nil, err
				}
				role, a = r, a[1:]
			}
			objType := s[len(s)-2]
			id, ok, err := resolve(ctx, a[0], objType.Oid == types.OidOid)
			if err != nil {
				return nil, err
			}
			privs, err := parsePrivileges(argString(a[1]), allowed)
			if err != nil {
				return nil, err
			}
			if !ok {
				return types.DNull, nil // an OID naming nothing
			}
			pc, enforced := ctx.Session.(PrivilegeChecker)
			if !enforced {
				return types.DBool(true), nil
			}
			has, err := check(pc, role, id, privs)
			if err != nil {
				return nil, err
			}
			return types.DBool(has), nil
		}
		f.Overloads = append(f.Overloads, sig(oids[i], s, B, stable, fn))
	}
	return f
}

func hasTablePrivilege() *builtins.Func {
	return privilegeFunc("has_table_privilege", []uint32{1922, 1923, 1924, 1925, 1926, 1927}, tablePrivileges,
		func(ctx *builtins.EvalContext, obj types.Datum, byOID bool) (catalog.ID, bool, error) {
			if byOID {
				rel, ok := relationByOID(ctx.Catalog, catalog.ID(argOIDValue(obj)))
				return rel.oid, ok, nil
			}
			rel, err := lookupRelationName(argString(obj), EvalNameEnv(ctx))
			if err != nil {
				return 0, false, err
			}
			return rel.oid, true, nil
		},
		func(pc PrivilegeChecker, role string, id catalog.ID, privs []Privilege) (bool, error) {
			return pc.HasTablePrivilege(role, id, privs)
		})
}

func hasSchemaPrivilege() *builtins.Func {
	return privilegeFunc("has_schema_privilege", []uint32{2268, 2269, 2270, 2271, 2272, 2273}, schemaPrivileges,
		func(ctx *builtins.EvalContext, obj types.Datum, byOID bool) (catalog.ID, bool, error) {
			if byOID {
				id := catalog.ID(argOIDValue(obj))
				return id, schemaName(ctx.Catalog, id) != "", nil
			}
			name := argString(obj)
			for _, s := range allSchemas(ctx.Catalog) {
				if s.Name == name {
					return s.ID, true, nil
				}
			}
			return 0, false, pgerr.New(pgerr.UndefinedSchema, "schema \"%s\" does not exist", name)
		},
		func(pc PrivilegeChecker, role string, id catalog.ID, privs []Privilege) (bool, error) {
			return pc.HasSchemaPrivilege(role, id, privs)
		})
}
