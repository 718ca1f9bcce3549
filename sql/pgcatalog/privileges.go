package pgcatalog

import (
	"context"
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

// SequencePrivilegeChecker answers has_sequence_privilege; like
// PrivilegeChecker it is optional. A PrivilegeChecker without it answers
// through HasTablePrivilege (a sequence is a relation).
type SequencePrivilegeChecker interface {
	HasSequencePrivilege(role string, seq catalog.ID, privs []Privilege) (bool, error)
}

// tablePrivileges and schemaPrivileges are the keywords each function
// accepts (PostgreSQL's convert_table_priv_string and
// convert_schema_priv_string).
var (
	tablePrivileges    = []string{"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"}
	schemaPrivileges   = []string{"CREATE", "USAGE"}
	sequencePrivileges = []string{"USAGE", "SELECT", "UPDATE"}
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

func hasSequencePrivilege() *builtins.Func {
	return privilegeFunc("has_sequence_privilege", []uint32{2181, 2182, 2183, 2184, 2185, 2186}, sequencePrivileges,
		func(ctx *builtins.EvalContext, obj types.Datum, byOID bool) (catalog.ID, bool, error) {
			var rel relation
			if byOID {
				r, ok := relationByOID(ctx.Catalog, catalog.ID(argOIDValue(obj)))
				if !ok {
					return 0, false, nil
				}
				rel = r
			} else {
				r, err := lookupRelationName(argString(obj), EvalNameEnv(ctx))
				if err != nil {
					return 0, false, err
				}
				rel = r
			}
			if rel.seq == nil {
				return 0, false, pgerr.New(pgerr.WrongObjectType, "\"%s\" is not a sequence", rel.name)
			}
			return rel.oid, true, nil
		},
		func(pc PrivilegeChecker, role string, id catalog.ID, privs []Privilege) (bool, error) {
			if sc, ok := pc.(SequencePrivilegeChecker); ok {
				return sc.HasSequencePrivilege(role, id, privs)
			}
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

const pgDatabaseOwnerName = "pg_database_owner"

// relationACL is pg_class.relacl: the stored ACL of a table, view or
// sequence (NULL while it was never granted: the owner's default), NULL
// for indexes, and for system relations PostgreSQL's initial catalog ACL
// (the bootstrap superuser holds everything, PUBLIC may read).
func relationACL(cat catalog.Reader, rel relation) []string {
	switch {
	case rel.index != nil:
		return nil
	case rel.table != nil:
		return catalog.TableACL(rel.table)
	case rel.seq != nil:
		return catalog.SequenceACL(rel.seq)
	case rel.virt != nil:
		boot := catalog.OwnerName(cat, "")
		return catalog.ACLTexts([]catalog.ACLItem{
			{Grantee: boot, Grantor: boot, Privs: catalog.AllPrivileges(catalog.ObjTable)},
			{Grantee: catalog.PublicGrantee, Grantor: boot, Privs: catalog.PrivSelect},
		})
	}
	return nil
}

// schemaACL is pg_namespace.nspacl. pg_catalog and information_schema
// carry PostgreSQL's initial ACL (owner UC, PUBLIC U); public is shown
// owned by pg_database_owner, as its nspowner is, so its owner entries
// name that role as PostgreSQL 15's do.
func schemaACL(cat catalog.Reader, s *catalog.Schema) []string {
	owner := catalog.OwnerName(cat, s.Owner)
	switch s.ID {
	case pgToastSchemaID:
		return nil
	case catalog.PgCatalogSchemaID, catalog.InfoSchemaSchemaID:
		return catalog.ACLTexts([]catalog.ACLItem{
			{Grantee: owner, Grantor: owner, Privs: catalog.PrivUsage | catalog.PrivCreate},
			{Grantee: catalog.PublicGrantee, Grantor: owner, Privs: catalog.PrivUsage},
		})
	case catalog.PublicSchemaID:
		a := catalog.EffectiveSchemaACL(s)
		if a == nil {
			return nil
		}
		items := append([]catalog.ACLItem(nil), a.Items...)
		for i := range items {
			if items[i].Grantee == owner {
				items[i].Grantee = pgDatabaseOwnerName
			}
			if items[i].Grantor == owner {
				items[i].Grantor = pgDatabaseOwnerName
			}
		}
		return catalog.ACLTexts(items)
	}
	return catalog.SchemaACL(s)
}

// genAuthMembers is pg_auth_members: one row per role membership. Conflux
// records memberships without grantor or admin option; only superusers
// may grant roles, so the grantor shown is the bootstrap superuser.
func genAuthMembers(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	cat := env.Catalog()
	for _, role := range cat.Roles() {
		for _, parent := range role.MemberOf {
			p := cat.RoleByName(parent)
			if p == nil {
				continue
			}
			set := r.add()
			set("roleid", dOid(p.ID))
			set("member", dOid(role.ID))
			set("grantor", dOid(bootstrapSuperuserID))
			set("admin_option", dBool(false))
		}
	}
	return nil
}

// tableGrant is one (grantor, grantee, privilege) of a relation's ACL,
// as information_schema's privilege views list them.
type tableGrant struct {
	rel              relation
	grantor, grantee string // grantee "PUBLIC" for grants to PUBLIC
	priv             catalog.Privileges
	grantable        bool
}

// tableGrants explodes the effective ACL of every table and view
// (aclexplode over relacl, or acldefault when it is NULL).
func tableGrants(cat catalog.Reader) []tableGrant {
	boot := catalog.OwnerName(cat, "")
	var out []tableGrant
	for _, rel := range infoRelations(cat) {
		owner := catalog.OwnerName(cat, rel.owner)
		var items []catalog.ACLItem
		switch {
		case rel.table != nil:
			items = rel.table.ACL.Effective(catalog.ObjTable, owner)
		case rel.virt != nil:
			owner = boot
			items = []catalog.ACLItem{
				{Grantee: boot, Grantor: boot, Privs: catalog.AllPrivileges(catalog.ObjTable)},
				{Grantee: catalog.PublicGrantee, Grantor: boot, Privs: catalog.PrivSelect},
			}
		}
		for _, it := range items {
			grantee := it.Grantee
			if grantee == catalog.PublicGrantee {
				grantee = "PUBLIC"
			}
			for bit := catalog.Privileges(1); bit <= catalog.PrivTrigger; bit <<= 1 {
				if it.Privs&bit == 0 {
					continue
				}
				// As PostgreSQL: grantable with the grant option, or when
				// the grantee has the owner's privileges.
				grantable := it.GrantOption&bit != 0 ||
					grantee != "PUBLIC" && catalog.IsOwner(cat, grantee, owner)
				out = append(out, tableGrant{rel: rel, grantor: it.Grantor, grantee: grantee, priv: bit, grantable: grantable})
			}
		}
	}
	return out
}

// genInfoTablePrivileges is information_schema.table_privileges: grants
// whose grantor or grantee the current user has the privileges of (a
// superuser has every role's), plus grants to PUBLIC.
func genInfoTablePrivileges(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	cat := env.Catalog()
	user := env.CurrentUser()
	super := catalog.IsSuperuser(cat, user)
	mine := catalog.MemberOfClosure(cat, user)
	for _, g := range tableGrants(cat) {
		if super || mine[g.grantor] || mine[g.grantee] || g.grantee == "PUBLIC" {
			addTableGrant(env, r, g)
		}
	}
	return nil
}

// genInfoRoleTableGrants is information_schema.role_table_grants: grants
// whose grantor or grantee is an enabled role (the current user and the
// roles it is a member of; superuser status does not widen it).
func genInfoRoleTableGrants(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	cat := env.Catalog()
	mine := catalog.MemberOfClosure(cat, env.CurrentUser())
	for _, g := range tableGrants(cat) {
		if mine[g.grantor] || mine[g.grantee] {
			addTableGrant(env, r, g)
		}
	}
	return nil
}

func addTableGrant(env catalog.VirtualEnv, r *rows, g tableGrant) {
	set := r.add()
	set("grantor", dText(g.grantor))
	set("grantee", dText(g.grantee))
	set("table_catalog", dText(env.CurrentDatabase()))
	set("table_schema", dText(schemaName(env.Catalog(), g.rel.schema)))
	set("table_name", dText(g.rel.name))
	set("privilege_type", dText(g.priv.String()))
	set("is_grantable", yesNo(g.grantable))
	set("with_hierarchy", yesNo(g.priv == catalog.PrivSelect))
}
