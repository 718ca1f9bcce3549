package sql

import (
	"context"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/planner"
	"github.com/conflux-db/conflux/sql/pgcatalog"
	"github.com/conflux-db/conflux/sql/pgerr"
)

// Privileges. The rule itself (superuser, owner, grants to the role, its
// groups and PUBLIC) is catalog.HasPrivilege; this file decides where it
// is applied:
//
//   - planned statements (SELECT, DML, EXPLAIN, and COPY, which runs
//     through planned SELECT/INSERT) carry the privileges the binder found
//     they need (planner.Plan.Privileges); checkPlan checks them before
//     every execution, so a cached plan never skips a check and a REVOKE
//     takes effect on an already-prepared statement;
//   - utility statements are checked by checkUtility before they run
//     (ownership for ALTER/DROP, CREATE on the schema, TRUNCATE);
//   - sequence functions check USAGE/SELECT/UPDATE when called.
//
// Checks are cached per session, keyed by the catalog snapshot: snapshots
// are immutable and every GRANT, REVOKE or role change makes a new one,
// so the cache needs no other invalidation.

// privState is the session's role state and privilege cache.
type privState struct {
	// authUser is the authenticated user; only a superuser may SET SESSION
	// AUTHORIZATION. Empty until the session user first changes.
	authUser string
	// role is the SET ROLE role; empty means NONE (current_user = session_user).
	role string

	cacheCat *catalog.Snapshot
	cache    map[privKey]bool
	// planOK memoises plans that passed checkPlan under cacheCat, with
	// the user they passed for: re-executing a prepared statement is then
	// one map lookup. Bounded, since one-off queries also pass through.
	planOK map[*planner.Plan]string
}

const maxPlanMemo = 256

type privKey struct {
	kind  catalog.ObjectKind
	id    catalog.ID
	role  string
	privs catalog.Privileges
}

// currentUser is current_user: the SET ROLE role, else the session user.
func (s *Session) currentUser() string {
	if s.priv.role != "" {
		return s.priv.role
	}
	return s.user
}

// SessionUser is session_user (current_user differs after SET ROLE).
func (si sessionInfo) SessionUser() string { return si.s.user }

// initPrivileges sets the reported is_superuser parameter for the
// session's user; NewSession calls it.
func (s *Session) initPrivileges() {
	s.reportRole()
	// The startup ParameterStatus messages already carry these.
	delete(s.settings.changed, "is_superuser")
	delete(s.settings.changed, "session_authorization")
}

// reportRole updates the is_superuser and session_authorization
// parameters after the session's user or role changed.
func (s *Session) reportRole() {
	v := "off"
	if catalog.IsSuperuser(s.catalog(), s.currentUser()) {
		v = "on"
	}
	st := s.settings
	st.version++
	st.values["is_superuser"] = v
	st.values["session_authorization"] = s.user
	st.changed["is_superuser"] = true
	st.changed["session_authorization"] = true
}

// allowed evaluates (and caches) one privilege decision.
func (s *Session) allowed(cat *catalog.Snapshot, k privKey, owner string, acl *catalog.ACL) bool {
	s.syncPrivCache(cat)
	if ok, hit := s.priv.cache[k]; hit {
		return ok
	}
	ok := catalog.HasPrivilege(cat, k.role, k.kind, owner, acl, k.privs)
	s.priv.cache[k] = ok
	return ok
}

// syncPrivCache drops cached decisions made under another catalog.
func (s *Session) syncPrivCache(cat *catalog.Snapshot) {
	if s.priv.cacheCat != cat || s.priv.cache == nil {
		s.priv.cacheCat, s.priv.cache, s.priv.planOK = cat, map[privKey]bool{}, nil
	}
}

func permissionDenied(word, name string) error {
	return pgerr.New(pgerr.InsufficientPrivilege, "permission denied for %s %s", word, name)
}

func relWord(t *catalog.Table) string {
	if t.Kind == catalog.KindView {
		return "view"
	}
	return "table"
}

// checkSchemaUsage checks USAGE on the schema holding a relation (what
// PostgreSQL checks when it looks a qualified name up).
func (s *Session) checkSchemaUsage(cat *catalog.Snapshot, role string, id catalog.ID) error {
	sc := cat.SchemaByID(id)
	if sc == nil || sc.ID == catalog.PgCatalogSchemaID || sc.ID == catalog.InfoSchemaSchemaID || strings.HasPrefix(sc.Name, "pg_temp_") {
		return nil
	}
	if !s.allowed(cat, privKey{catalog.ObjSchema, sc.ID, role, catalog.PrivUsage}, sc.Owner, catalog.EffectiveSchemaACL(sc)) {
		return permissionDenied("schema", sc.Name)
	}
	return nil
}

// checkTablePrivilege checks that role (empty: the current user) holds
// privs on a table or view.
func (s *Session) checkTablePrivilege(t *catalog.Table, privs catalog.Privileges, role string) error {
	cat := s.catalog()
	if role == "" {
		role = s.currentUser()
	}
	if fresh := cat.TableByID(t.ID); fresh != nil {
		t = fresh // the ACL as of this statement's catalog, not the plan's
	}
	if err := s.checkSchemaUsage(cat, role, t.SchemaID); err != nil {
		return err
	}
	if !s.allowed(cat, privKey{catalog.ObjTable, t.ID, role, privs}, t.Owner, t.ACL) {
		return permissionDenied(relWord(t), t.Name)
	}
	return nil
}

// checkPlan checks the privileges a planned statement needs; runPlanned
// calls it before every execution.
func (s *Session) checkPlan(p *planner.Plan) error {
	if len(p.Privileges) == 0 {
		return nil
	}
	cat, user := s.catalog(), s.currentUser()
	s.syncPrivCache(cat)
	if u, ok := s.priv.planOK[p]; ok && u == user {
		return nil
	}
	for _, rp := range p.Privileges {
		if err := s.checkTablePrivilege(rp.Table, rp.Privs, rp.AsRole); err != nil {
			return err
		}
	}
	if s.priv.planOK == nil || len(s.priv.planOK) >= maxPlanMemo {
		s.priv.planOK = map[*planner.Plan]string{}
	}
	s.priv.planOK[p] = user
	return nil
}

// Sequence function privileges (PostgreSQL: nextval needs USAGE or
// UPDATE, currval SELECT or USAGE, setval UPDATE).
const (
	seqNextval = iota
	seqCurrval
	seqSetval
)

func (s *Session) checkSequence(q *catalog.Sequence, fn int) error {
	cat := s.catalog()
	role := s.currentUser()
	var anyOf []catalog.Privileges
	switch fn {
	case seqNextval:
		anyOf = []catalog.Privileges{catalog.PrivUsage, catalog.PrivUpdate}
	case seqCurrval:
		anyOf = []catalog.Privileges{catalog.PrivSelect, catalog.PrivUsage}
	default:
		anyOf = []catalog.Privileges{catalog.PrivUpdate}
	}
	for _, p := range anyOf {
		if s.allowed(cat, privKey{catalog.ObjSequence, q.ID, role, p}, q.Owner, q.ACL) {
			return nil
		}
	}
	return permissionDenied("sequence", q.Name)
}

func mustBeOwner(word, name string) error {
	return pgerr.New(pgerr.InsufficientPrivilege, "must be owner of %s %s", word, name)
}

func (s *Session) isOwner(owner string) bool {
	return catalog.IsOwner(s.catalog(), s.currentUser(), owner)
}

func (s *Session) isSuperuser() bool { return catalog.IsSuperuser(s.catalog(), s.currentUser()) }

// checkUtility checks the privileges of a utility statement before it
// runs. Objects that do not exist are left to the statement, which
// reports them (or skips them for IF EXISTS).
func (s *Session) checkUtility(ctx context.Context, n *pg_query.Node) error {
	if s.isSuperuser() {
		return nil
	}
	user := s.currentUser()
	// Statements that need no descriptors are decided first: loading them
	// marks the transaction as a catalog writer.
	switch {
	case n.GetCreateSchemaStmt() != nil:
		// No database ACL yet: only superusers hold CREATE on the database.
		return permissionDenied("database", s.database)
	case n.GetCreateRoleStmt() != nil:
		return pgerr.New(pgerr.InsufficientPrivilege, "permission denied to create role")
	case n.GetDropRoleStmt() != nil:
		return pgerr.New(pgerr.InsufficientPrivilege, "permission denied to drop role")
	case n.GetAlterRoleStmt() != nil:
		st := n.GetAlterRoleStmt()
		self := st.Role.GetRoletype() != pg_query.RoleSpecType_ROLESPEC_CSTRING || st.Role.GetRolename() == user
		for _, o := range st.Options {
			if de := o.GetDefElem(); de != nil && de.Defname != "password" {
				self = false
			}
		}
		if !self {
			return pgerr.New(pgerr.InsufficientPrivilege, "permission denied")
		}
		return nil
	case n.GetCreateStmt() == nil && n.GetViewStmt() == nil && n.GetCreateSeqStmt() == nil &&
		n.GetIndexStmt() == nil && n.GetAlterTableStmt() == nil && n.GetRenameStmt() == nil &&
		n.GetCommentStmt() == nil && n.GetDropStmt() == nil && n.GetTruncateStmt() == nil:
		return nil
	}
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return err
	}
	cat := s.catalog()
	createIn := func(rv *pg_query.RangeVar) error {
		if rv == nil || rv.Relpersistence == "t" {
			return nil // temporary objects go to the session's own schema
		}
		sc, err := s.creationSchema(d, rv)
		if err != nil || strings.HasPrefix(sc.Name, "pg_temp_") {
			return nil
		}
		if !s.allowed(cat, privKey{catalog.ObjSchema, sc.ID, user, catalog.PrivCreate}, sc.Owner, catalog.EffectiveSchemaACL(sc)) {
			return permissionDenied("schema", sc.Name)
		}
		return nil
	}
	ownRel := func(rv *pg_query.RangeVar) error {
		if t, err := s.findTable(d, rv); err == nil {
			if !s.isOwner(t.Owner) {
				return mustBeOwner(relWord(t), t.Name)
			}
			return nil
		}
		if q := s.findSequence(d, rv); q != nil && !s.isOwner(q.Owner) {
			return mustBeOwner("sequence", q.Name)
		}
		if t, i := s.findIndex(d, rv); t != nil && !s.isOwner(t.Owner) {
			return mustBeOwner("index", t.Indexes[i].Name)
		}
		return nil
	}
	ownSchema := func(name string) error {
		for _, sc := range d.schemas {
			if sc.Name == name && !s.isOwner(sc.Owner) {
				return mustBeOwner("schema", name)
			}
		}
		return nil
	}
	switch {
	case n.GetCreateStmt() != nil:
		return createIn(n.GetCreateStmt().Relation)
	case n.GetViewStmt() != nil:
		return createIn(n.GetViewStmt().View)
	case n.GetCreateSeqStmt() != nil:
		return createIn(n.GetCreateSeqStmt().Sequence)
	case n.GetIndexStmt() != nil:
		return ownRel(n.GetIndexStmt().Relation)
	case n.GetAlterTableStmt() != nil:
		st := n.GetAlterTableStmt()
		if err := ownRel(st.Relation); err != nil {
			return err
		}
		for _, c := range st.Cmds {
			if cmd := c.GetAlterTableCmd(); cmd != nil && cmd.Subtype == pg_query.AlterTableType_AT_ChangeOwner {
				if err := s.checkNewOwner(cmd.Newowner); err != nil {
					return err
				}
			}
		}
	case n.GetRenameStmt() != nil:
		st := n.GetRenameStmt()
		switch st.RenameType {
		case pg_query.ObjectType_OBJECT_SCHEMA:
			return ownSchema(st.Subname)
		case pg_query.ObjectType_OBJECT_ROLE:
			return pgerr.New(pgerr.InsufficientPrivilege, "permission denied to rename role")
		}
		if st.Relation != nil {
			return ownRel(st.Relation)
		}
	case n.GetCommentStmt() != nil:
		st := n.GetCommentStmt()
		if st.Objtype == pg_query.ObjectType_OBJECT_SCHEMA {
			return ownSchema(strVal(st.Object))
		}
		if parts := objectNameParts(st.Object); len(parts) > 0 {
			if st.Objtype == pg_query.ObjectType_OBJECT_COLUMN {
				parts = parts[:len(parts)-1]
			}
			return ownRel(rangeVarOf(parts))
		}
	case n.GetDropStmt() != nil:
		st := n.GetDropStmt()
		for _, obj := range st.Objects {
			var err error
			if st.RemoveType == pg_query.ObjectType_OBJECT_SCHEMA {
				err = ownSchema(strVal(obj))
			} else {
				err = ownRel(rangeVarOf(objectNameParts(obj)))
			}
			if err != nil {
				return err
			}
		}
	case n.GetTruncateStmt() != nil:
		for _, r := range n.GetTruncateStmt().Relations {
			if rv := r.GetRangeVar(); rv != nil {
				if t, err := s.findTable(d, rv); err == nil {
					if err := s.checkTablePrivilege(t, catalog.PrivTruncate, ""); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

func strVal(n *pg_query.Node) string {
	if n == nil {
		return ""
	}
	if s := n.GetString_(); s != nil {
		return s.Sval
	}
	return ""
}

// checkNewOwner checks that a non-superuser giving an object away is a
// member of the receiving role (PostgreSQL's rule).
func (s *Session) checkNewOwner(rs *pg_query.RoleSpec) error {
	name, err := s.roleSpecName(rs)
	if err != nil {
		return err
	}
	if !catalog.MemberOfClosure(s.catalog(), s.currentUser())[name] {
		return pgerr.New(pgerr.InsufficientPrivilege, "must be able to SET ROLE \"%s\"", name)
	}
	return nil
}

// roleSpecName resolves a RoleSpec (name, CURRENT_USER, SESSION_USER) to
// an existing role's name.
func (s *Session) roleSpecName(rs *pg_query.RoleSpec) (string, error) {
	if rs == nil {
		return "", pgerr.New(pgerr.SyntaxError, "missing role name")
	}
	var name string
	switch rs.Roletype {
	case pg_query.RoleSpecType_ROLESPEC_CURRENT_USER, pg_query.RoleSpecType_ROLESPEC_CURRENT_ROLE:
		name = s.currentUser()
	case pg_query.RoleSpecType_ROLESPEC_SESSION_USER:
		name = s.user
	case pg_query.RoleSpecType_ROLESPEC_PUBLIC:
		return catalog.PublicGrantee, nil
	default:
		name = rs.Rolename
	}
	if s.catalog().RoleByName(name) == nil {
		return "", pgerr.New(pgerr.UndefinedObject, "role \"%s\" does not exist", name)
	}
	return name, nil
}

// execPrivilegeStmt runs the statements this file owns (GRANT, REVOKE,
// GRANT role, ALTER ... OWNER TO, ALTER ROLE ... RENAME, REASSIGN OWNED,
// DROP OWNED); ok is false for any other statement.
func (s *Session) execPrivilegeStmt(ctx context.Context, n *pg_query.Node) (cur *Cursor, ok bool, err error) {
	switch {
	case n.GetGrantStmt() != nil:
		cur, err = s.grant(ctx, n.GetGrantStmt())
	case n.GetGrantRoleStmt() != nil:
		cur, err = s.grantRole(ctx, n.GetGrantRoleStmt())
	case n.GetAlterOwnerStmt() != nil:
		cur, err = s.alterOwner(ctx, n.GetAlterOwnerStmt())
	case n.GetRenameStmt() != nil && n.GetRenameStmt().RenameType == pg_query.ObjectType_OBJECT_ROLE:
		if err = s.checkUtility(ctx, n); err == nil {
			cur, err = s.renameRole(ctx, n.GetRenameStmt())
		}
	case n.GetReassignOwnedStmt() != nil:
		cur, err = s.reassignOwned(ctx, n.GetReassignOwnedStmt())
	case n.GetDropOwnedStmt() != nil:
		cur, err = s.dropOwned(ctx, n.GetDropOwnedStmt())
	default:
		return nil, false, nil
	}
	return cur, true, err
}

// grantTarget is one object a GRANT/REVOKE applies to.
type grantTarget struct {
	kind   catalog.ObjectKind
	word   string // for messages: table, view, sequence, schema
	name   string
	owner  string
	acl    *catalog.ACL
	save   func(*catalog.ACL) error
	asSeqT bool // a sequence named by GRANT ... ON TABLE
}

func (s *Session) grant(ctx context.Context, st *pg_query.GrantStmt) (*Cursor, error) {
	tag := "GRANT"
	if !st.IsGrant {
		tag = "REVOKE"
	}
	if st.GrantOption && !st.IsGrant {
		return nil, pgerr.Unsupported("REVOKE GRANT OPTION FOR")
	}
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	targets, err := s.grantTargets(ctx, d, st)
	if err != nil {
		return nil, err
	}
	var grantees []string
	for _, g := range st.Grantees {
		name, err := s.roleSpecName(g.GetRoleSpec())
		if err != nil {
			return nil, err
		}
		if name == catalog.PublicGrantee && st.GrantOption && st.IsGrant {
			return nil, pgerr.New(pgerr.InvalidGrantOperation, "grant options can only be granted to roles")
		}
		grantees = append(grantees, name)
	}
	for _, tg := range targets {
		var privs catalog.Privileges
		if len(st.Privileges) == 0 {
			privs = catalog.AllPrivileges(tg.kind)
		}
		for _, p := range st.Privileges {
			ap := p.GetAccessPriv()
			if ap == nil {
				continue
			}
			if len(ap.Cols) > 0 {
				return nil, pgerr.Unsupported("column privileges")
			}
			bit, ok := catalog.ParsePrivilege(ap.PrivName)
			if !ok || bit&catalog.AllPrivileges(tg.kind) == 0 {
				if tg.asSeqT && ok {
					s.warning(pgerr.InvalidGrantOperation, "sequence \"%s\" only supports USAGE, SELECT, and UPDATE privileges", tg.name)
					continue
				}
				return nil, pgerr.New(pgerr.InvalidGrantOperation, "invalid privilege type %s for %s", strings.ToUpper(ap.PrivName), tg.word)
			}
			privs |= bit
		}
		owner := catalog.OwnerName(s.catalog(), tg.owner)
		items := tg.acl.Effective(tg.kind, owner)
		// The owner (or a superuser, acting as the owner) grants anything;
		// another role only what it holds WITH GRANT OPTION, as grantor.
		grantor, revokeBy := owner, ""
		if !s.isOwner(tg.owner) {
			held, opts := heldPrivileges(s.catalog(), s.currentUser(), items)
			if held == 0 {
				return nil, permissionDenied(tg.word, tg.name)
			}
			// SQLSTATE 01007 privilege_not_granted / 01006 privilege_not_revoked.
			code, verb := pgerr.PrivilegeNotGranted, "were granted"
			if !st.IsGrant {
				code, verb = pgerr.PrivilegeNotRevoked, "could be revoked"
			}
			switch {
			case privs&opts == 0:
				s.warning(code, "no privileges %s for \"%s\"", verb, tg.name)
				continue
			case privs&opts != privs:
				s.warning(code, "not all privileges %s for \"%s\"", verb, tg.name)
			}
			privs &= opts
			grantor, revokeBy = s.currentUser(), s.currentUser()
		}
		for _, g := range grantees {
			if st.IsGrant {
				var opt catalog.Privileges
				if st.GrantOption {
					opt = privs
				}
				items = catalog.Grant(items, g, grantor, privs, opt)
			} else {
				items = catalog.Revoke(items, g, revokeBy, privs)
			}
		}
		if err := tg.save(&catalog.ACL{Items: items}); err != nil {
			return nil, err
		}
	}
	s.catalogChanged()
	return tagCursor(tag), nil
}

// heldPrivileges returns what role holds in an ACL, and which of those
// it may grant on (directly, through its roles, or as PUBLIC).
func heldPrivileges(cat catalog.Reader, role string, items []catalog.ACLItem) (held, grantable catalog.Privileges) {
	roles := catalog.MemberOfClosure(cat, role)
	for _, it := range items {
		if it.Grantee == catalog.PublicGrantee || roles[it.Grantee] {
			held |= it.Privs
			grantable |= it.GrantOption
		}
	}
	return held, grantable
}

func (s *Session) warning(code, format string, args ...any) {
	s.notices = append(s.notices, Notice{Severity: "WARNING", Code: code, Message: sprintf(format, args...)})
}

// grantTargets resolves the objects of a GRANT/REVOKE, each with a save
// function writing its new ACL into the transaction's descriptors.
func (s *Session) grantTargets(ctx context.Context, d *descriptors, st *pg_query.GrantStmt) ([]grantTarget, error) {
	tableTarget := func(t *catalog.Table) grantTarget {
		return grantTarget{kind: catalog.ObjTable, word: relWord(t), name: t.Name, owner: t.Owner, acl: t.ACL,
			save: func(a *catalog.ACL) error {
				c := cloneTable(t)
				c.ACL = a
				return s.saveTable(ctx, d, c)
			}}
	}
	seqTarget := func(q *catalog.Sequence) grantTarget {
		return grantTarget{kind: catalog.ObjSequence, word: "sequence", name: q.Name, owner: q.Owner, acl: q.ACL,
			save: func(a *catalog.ACL) error {
				c := *q
				c.ACL = a
				for i, x := range d.sequences {
					if x.ID == q.ID {
						d.sequences[i] = &c
					}
				}
				return putDesc(ctx, s.txn, c.ID, descValue{Sequence: &c})
			}}
	}
	schemaTarget := func(sc *catalog.Schema) grantTarget {
		return grantTarget{kind: catalog.ObjSchema, word: "schema", name: sc.Name, owner: sc.Owner, acl: catalog.EffectiveSchemaACL(sc),
			save: func(a *catalog.ACL) error {
				c := *sc
				c.ACL = a
				for i, x := range d.schemas {
					if x.ID == sc.ID {
						d.schemas[i] = &c
					}
				}
				return putDesc(ctx, s.txn, c.ID, descValue{Schema: &c})
			}}
	}
	findSchema := func(name string) (*catalog.Schema, error) {
		for _, sc := range d.schemas {
			if sc.Name == name {
				return sc, nil
			}
		}
		return nil, pgerr.New(pgerr.UndefinedSchema, "schema \"%s\" does not exist", name)
	}
	var out []grantTarget
	if st.Targtype == pg_query.GrantTargetType_ACL_TARGET_ALL_IN_SCHEMA {
		for _, o := range st.Objects {
			sc, err := findSchema(strVal(o))
			if err != nil {
				return nil, err
			}
			switch st.Objtype {
			case pg_query.ObjectType_OBJECT_TABLE:
				for _, t := range d.tables {
					if t.SchemaID == sc.ID {
						out = append(out, tableTarget(t))
					}
				}
			case pg_query.ObjectType_OBJECT_SEQUENCE:
				for _, q := range d.sequences {
					if q.SchemaID == sc.ID {
						out = append(out, seqTarget(q))
					}
				}
			default:
				return nil, pgerr.Unsupported("GRANT ON ALL " + st.Objtype.String())
			}
		}
		return out, nil
	}
	if st.Targtype != pg_query.GrantTargetType_ACL_TARGET_OBJECT {
		return nil, pgerr.Unsupported("ALTER DEFAULT PRIVILEGES")
	}
	for _, o := range st.Objects {
		switch st.Objtype {
		case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_SEQUENCE:
			rv := o.GetRangeVar()
			if rv == nil {
				return nil, pgerr.New(pgerr.SyntaxError, "invalid object name")
			}
			if st.Objtype == pg_query.ObjectType_OBJECT_TABLE {
				if t, err := s.findTable(d, rv); err == nil {
					out = append(out, tableTarget(t))
					continue
				}
			}
			q := s.findSequence(d, rv)
			if q == nil {
				if st.Objtype == pg_query.ObjectType_OBJECT_SEQUENCE {
					if t, err := s.findTable(d, rv); err == nil {
						return nil, pgerr.New(pgerr.WrongObjectType, "\"%s\" is not a sequence", t.Name)
					}
				}
				return nil, pgerr.New(pgerr.UndefinedTable, "relation \"%s\" does not exist", qualifiedName(rv))
			}
			tg := seqTarget(q)
			tg.asSeqT = st.Objtype == pg_query.ObjectType_OBJECT_TABLE
			out = append(out, tg)
		case pg_query.ObjectType_OBJECT_SCHEMA:
			sc, err := findSchema(strVal(o))
			if err != nil {
				return nil, err
			}
			out = append(out, schemaTarget(sc))
		case pg_query.ObjectType_OBJECT_DATABASE:
			// One database; CONNECT/TEMP are not enforced. Accepted so
			// setup scripts run.
			continue
		default:
			return nil, pgerr.Unsupported("GRANT ON " + strings.TrimPrefix(st.Objtype.String(), "OBJECT_"))
		}
	}
	return out, nil
}

// grantRole implements GRANT role TO role / REVOKE role FROM role:
// membership is stored on the member (Role.MemberOf).
func (s *Session) grantRole(ctx context.Context, st *pg_query.GrantRoleStmt) (*Cursor, error) {
	tag := "GRANT ROLE"
	if !st.IsGrant {
		tag = "REVOKE ROLE"
	}
	if !s.isSuperuser() {
		return nil, pgerr.New(pgerr.InsufficientPrivilege, "permission denied to grant role")
	}
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	cat := s.catalog()
	for _, gr := range st.GrantedRoles {
		parent := gr.GetAccessPriv().GetPrivName()
		if cat.RoleByName(parent) == nil {
			return nil, pgerr.New(pgerr.UndefinedObject, "role \"%s\" does not exist", parent)
		}
		for _, g := range st.GranteeRoles {
			member, err := s.roleSpecName(g.GetRoleSpec())
			if err != nil {
				return nil, err
			}
			if member == catalog.PublicGrantee {
				return nil, pgerr.New(pgerr.InvalidGrantOperation, "role \"public\" cannot have explicit members")
			}
			if st.IsGrant && catalog.MemberOfClosure(cat, parent)[member] {
				return nil, pgerr.New(pgerr.InvalidGrantOperation, "role \"%s\" is a member of role \"%s\"", parent, member)
			}
			for i, r := range d.roles {
				if r.Name != member {
					continue
				}
				c := *r
				c.MemberOf = nil
				for _, m := range r.MemberOf {
					if m != parent {
						c.MemberOf = append(c.MemberOf, m)
					}
				}
				if st.IsGrant {
					c.MemberOf = append(c.MemberOf, parent)
				}
				d.roles[i] = &c
				if err := putDesc(ctx, s.txn, c.ID, descValue{Role: &c}); err != nil {
					return nil, err
				}
			}
		}
	}
	s.catalogChanged()
	return tagCursor(tag), nil
}

// alterOwner implements ALTER SCHEMA/SEQUENCE/VIEW/TABLE ... OWNER TO.
func (s *Session) alterOwner(ctx context.Context, st *pg_query.AlterOwnerStmt) (*Cursor, error) {
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	newOwner, err := s.roleSpecName(st.Newowner)
	if err != nil {
		return nil, err
	}
	switch st.ObjectType {
	case pg_query.ObjectType_OBJECT_SCHEMA:
		name := strVal(st.Object)
		for i, sc := range d.schemas {
			if sc.Name != name {
				continue
			}
			if !s.isOwner(sc.Owner) {
				return nil, mustBeOwner("schema", name)
			}
			if !s.isSuperuser() {
				if err := s.checkNewOwner(st.Newowner); err != nil {
					return nil, err
				}
			}
			c := *sc
			c.Owner = newOwner
			c.ACL = changeOwnerACL(c.ACL, sc.Owner, newOwner)
			d.schemas[i] = &c
			if err := putDesc(ctx, s.txn, c.ID, descValue{Schema: &c}); err != nil {
				return nil, err
			}
			s.catalogChanged()
			return tagCursor("ALTER SCHEMA"), nil
		}
		return nil, pgerr.New(pgerr.UndefinedSchema, "schema \"%s\" does not exist", name)
	}
	return nil, pgerr.Unsupported("ALTER " + strings.TrimPrefix(st.ObjectType.String(), "OBJECT_") + " OWNER TO")
}

// chownOwnedSequences gives the sequences a table owns (serial, identity)
// to the table's new owner, as ALTER TABLE ... OWNER TO does in PostgreSQL.
func (s *Session) chownOwnedSequences(ctx context.Context, d *descriptors, table catalog.ID, newOwner string) error {
	for i, q := range d.sequences {
		if q.OwnedBy != table {
			continue
		}
		c := *q
		c.Owner = newOwner
		c.ACL = changeOwnerACL(q.ACL, catalog.OwnerName(s.catalog(), q.Owner), newOwner)
		d.sequences[i] = &c
		if err := putDesc(ctx, s.txn, c.ID, descValue{Sequence: &c}); err != nil {
			return err
		}
	}
	return nil
}

// changeOwnerACL rewrites the old owner's entries for the new one, as
// PostgreSQL's aclnewowner does.
func changeOwnerACL(a *catalog.ACL, oldOwner, newOwner string) *catalog.ACL {
	if a == nil {
		return nil
	}
	out := &catalog.ACL{}
	for _, it := range a.Items {
		if it.Grantee == oldOwner {
			it.Grantee = newOwner
		}
		if it.Grantor == oldOwner {
			it.Grantor = newOwner
		}
		out.Items = catalog.Grant(out.Items, it.Grantee, it.Grantor, it.Privs, it.GrantOption)
	}
	return out
}

// renameRole implements ALTER ROLE ... RENAME TO. Owners and ACLs refer to
// roles by name, so every descriptor mentioning the role is rewritten.
func (s *Session) renameRole(ctx context.Context, st *pg_query.RenameStmt) (*Cursor, error) {
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	oldName, newName := st.Subname, st.Newname
	var role *catalog.Role
	for _, r := range d.roles {
		if r.Name == newName {
			return nil, pgerr.New(pgerr.DuplicateObject, "role \"%s\" already exists", newName)
		}
		if r.Name == oldName {
			role = r
		}
	}
	if role == nil {
		return nil, pgerr.New(pgerr.UndefinedObject, "role \"%s\" does not exist", oldName)
	}
	if oldName == s.user || oldName == s.currentUser() {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "session user cannot be renamed")
	}
	if strings.HasPrefix(newName, "pg_") {
		return nil, pgerr.New(pgerr.ReservedName, "role name \"%s\" is reserved", newName).WithDetail("Role names starting with \"pg_\" are reserved.")
	}
	rn := func(n string) string {
		if n == oldName {
			return newName
		}
		return n
	}
	rnACL := func(a *catalog.ACL) (*catalog.ACL, bool) {
		if a == nil {
			return nil, false
		}
		changed := false
		out := &catalog.ACL{Items: append([]catalog.ACLItem(nil), a.Items...)}
		for i := range out.Items {
			it := &out.Items[i]
			if it.Grantee == oldName || it.Grantor == oldName {
				it.Grantee, it.Grantor, changed = rn(it.Grantee), rn(it.Grantor), true
			}
		}
		return out, changed
	}
	for i, r := range d.roles {
		c := *r
		changed := r == role
		if changed {
			c.Name = newName
			// PostgreSQL clears an MD5 password on rename; a SCRAM verifier
			// does not depend on the name, so it is kept.
		}
		c.MemberOf = nil
		for _, m := range r.MemberOf {
			c.MemberOf = append(c.MemberOf, rn(m))
			changed = changed || m == oldName
		}
		if changed {
			d.roles[i] = &c
			if err := putDesc(ctx, s.txn, c.ID, descValue{Role: &c}); err != nil {
				return nil, err
			}
		}
	}
	for i, sc := range d.schemas {
		a, changed := rnACL(sc.ACL)
		if sc.Owner == oldName || changed {
			c := *sc
			c.Owner, c.ACL = rn(sc.Owner), a
			d.schemas[i] = &c
			if err := putDesc(ctx, s.txn, c.ID, descValue{Schema: &c}); err != nil {
				return nil, err
			}
		}
	}
	for i, t := range d.tables {
		a, changed := rnACL(t.ACL)
		if t.Owner == oldName || changed {
			c := cloneTable(t)
			c.Owner, c.ACL = rn(t.Owner), a
			d.tables[i] = c
			if err := putDesc(ctx, s.txn, c.ID, descValue{Table: c}); err != nil {
				return nil, err
			}
		}
	}
	for i, q := range d.sequences {
		a, changed := rnACL(q.ACL)
		if q.Owner == oldName || changed {
			c := *q
			c.Owner, c.ACL = rn(q.Owner), a
			d.sequences[i] = &c
			if err := putDesc(ctx, s.txn, c.ID, descValue{Sequence: &c}); err != nil {
				return nil, err
			}
		}
	}
	s.catalogChanged()
	return tagCursor("ALTER ROLE"), nil
}

// reassignOwned implements REASSIGN OWNED BY old TO new.
func (s *Session) reassignOwned(ctx context.Context, st *pg_query.ReassignOwnedStmt) (*Cursor, error) {
	if !s.isSuperuser() {
		return nil, pgerr.New(pgerr.InsufficientPrivilege, "permission denied to reassign objects")
	}
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	to, err := s.roleSpecName(st.Newrole)
	if err != nil {
		return nil, err
	}
	for _, r := range st.Roles {
		from, err := s.roleSpecName(r.GetRoleSpec())
		if err != nil {
			return nil, err
		}
		for i, sc := range d.schemas {
			if sc.Owner == from {
				c := *sc
				c.Owner, c.ACL = to, changeOwnerACL(sc.ACL, from, to)
				d.schemas[i] = &c
				if err := putDesc(ctx, s.txn, c.ID, descValue{Schema: &c}); err != nil {
					return nil, err
				}
			}
		}
		for i, t := range d.tables {
			if t.Owner == from {
				c := cloneTable(t)
				c.Owner, c.ACL = to, changeOwnerACL(t.ACL, from, to)
				d.tables[i] = c
				if err := putDesc(ctx, s.txn, c.ID, descValue{Table: c}); err != nil {
					return nil, err
				}
			}
		}
		for i, q := range d.sequences {
			if q.Owner == from {
				c := *q
				c.Owner, c.ACL = to, changeOwnerACL(q.ACL, from, to)
				d.sequences[i] = &c
				if err := putDesc(ctx, s.txn, c.ID, descValue{Sequence: &c}); err != nil {
					return nil, err
				}
			}
		}
	}
	s.catalogChanged()
	return tagCursor("REASSIGN OWNED"), nil
}

// dropOwned implements DROP OWNED BY for privileges: grants to the roles
// are revoked. Objects they own must be dropped or reassigned first (0A000
// rather than a silent cascade).
func (s *Session) dropOwned(ctx context.Context, st *pg_query.DropOwnedStmt) (*Cursor, error) {
	if !s.isSuperuser() {
		return nil, pgerr.New(pgerr.InsufficientPrivilege, "permission denied to drop objects")
	}
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	cat := s.catalog()
	strip := func(a *catalog.ACL, role string) (*catalog.ACL, bool) {
		if a == nil {
			return nil, false
		}
		out := &catalog.ACL{}
		changed := false
		for _, it := range a.Items {
			if it.Grantee == role || it.Grantor == role {
				changed = true
				continue
			}
			out.Items = append(out.Items, it)
		}
		return out, changed
	}
	for _, r := range st.Roles {
		role, err := s.roleSpecName(r.GetRoleSpec())
		if err != nil {
			return nil, err
		}
		for _, dep := range catalog.RoleDependents(cat, role) {
			if strings.HasPrefix(dep, "owner of ") {
				return nil, pgerr.Unsupported("DROP OWNED BY a role that owns objects (" + dep + "); use REASSIGN OWNED first")
			}
		}
		for i, sc := range d.schemas {
			if a, ch := strip(sc.ACL, role); ch {
				c := *sc
				c.ACL = a
				d.schemas[i] = &c
				if err := putDesc(ctx, s.txn, c.ID, descValue{Schema: &c}); err != nil {
					return nil, err
				}
			}
		}
		for i, t := range d.tables {
			if a, ch := strip(t.ACL, role); ch {
				c := cloneTable(t)
				c.ACL = a
				d.tables[i] = c
				if err := putDesc(ctx, s.txn, c.ID, descValue{Table: c}); err != nil {
					return nil, err
				}
			}
		}
		for i, q := range d.sequences {
			if a, ch := strip(q.ACL, role); ch {
				c := *q
				c.ACL = a
				d.sequences[i] = &c
				if err := putDesc(ctx, s.txn, c.ID, descValue{Sequence: &c}); err != nil {
					return nil, err
				}
			}
		}
	}
	s.catalogChanged()
	return tagCursor("DROP OWNED"), nil
}

// roleDropBlockers is the 2BP01 error DROP ROLE returns while the role
// owns objects or holds privileges, or nil.
func roleDropBlockers(cat catalog.Reader, role string) error {
	deps := catalog.RoleDependents(cat, role)
	if len(deps) == 0 {
		return nil
	}
	return pgerr.New(pgerr.DependentObjectsStillExist, "role \"%s\" cannot be dropped because some objects depend on it", role).
		WithDetail("%s", strings.Join(deps, "\n"))
}

// execSetRole handles SET ROLE, RESET ROLE, SET SESSION AUTHORIZATION and
// RESET SESSION AUTHORIZATION; ok is false for other SET statements.
func (s *Session) execSetRole(st *pg_query.VariableSetStmt) (cur *Cursor, ok bool, err error) {
	name := strings.ToLower(st.Name)
	if name != "role" && name != "session_authorization" {
		return nil, false, nil
	}
	tag := "SET"
	var value string
	switch st.Kind {
	case pg_query.VariableSetKind_VAR_SET_VALUE:
		if len(st.Args) > 0 {
			value = constString(st.Args[0])
		}
	case pg_query.VariableSetKind_VAR_RESET:
		tag = "RESET"
		value = "none"
	case pg_query.VariableSetKind_VAR_SET_DEFAULT:
		value = "none"
	default:
		return nil, false, nil
	}
	cat := s.catalog()
	if name == "role" {
		if strings.EqualFold(value, "none") || value == "" {
			s.priv.role = ""
		} else {
			if cat.RoleByName(value) == nil {
				return nil, true, pgerr.New(pgerr.InvalidParameterValue, "role \"%s\" does not exist", value)
			}
			// Membership is judged for the session user, as in PostgreSQL.
			if !catalog.IsSuperuser(cat, s.user) && !catalog.MemberOfClosure(cat, s.user)[value] {
				return nil, true, pgerr.New(pgerr.InsufficientPrivilege, "permission denied to set role \"%s\"", value)
			}
			s.priv.role = value
		}
		s.reportRole()
		return tagCursor(tag), true, nil
	}
	auth := s.priv.authUser
	if auth == "" {
		auth = s.user
	}
	if strings.EqualFold(value, "none") || value == "" {
		value = auth
	}
	if cat.RoleByName(value) == nil {
		return nil, true, pgerr.New(pgerr.InvalidParameterValue, "role \"%s\" does not exist", value)
	}
	if value != auth && !catalog.IsSuperuser(cat, auth) {
		return nil, true, pgerr.New(pgerr.InsufficientPrivilege, "permission denied to set session authorization \"%s\"", value)
	}
	s.priv.authUser = auth
	s.user = value
	s.priv.role = ""
	s.reportRole()
	return tagCursor(tag), true, nil
}

// --- has_table_privilege / has_schema_privilege (pgcatalog.PrivilegeChecker) ---

var _ pgcatalog.PrivilegeChecker = sessionInfo{}

// HasTablePrivilege reports whether role holds any of privs on a table,
// view or sequence, by the same rule enforcement uses.
func (si sessionInfo) HasTablePrivilege(role string, id catalog.ID, privs []pgcatalog.Privilege) (bool, error) {
	cat := si.s.catalog()
	kind, owner, acl := catalog.ObjTable, "", (*catalog.ACL)(nil)
	if t := cat.TableByID(id); t != nil {
		owner, acl = t.Owner, t.ACL
	} else if q := sequenceByID(cat, id); q != nil {
		kind, owner, acl = catalog.ObjSequence, q.Owner, q.ACL
	} else {
		// System relations (pg_class, ...): SELECT for everyone, as the
		// catalogs are in PostgreSQL; the rest only for superusers.
		for _, p := range privs {
			if p.Name == "SELECT" && !p.WithGrantOption {
				return true, nil
			}
		}
		return catalog.IsSuperuser(cat, role), nil
	}
	return anyPrivilege(cat, role, kind, owner, acl, privs), nil
}

// HasSchemaPrivilege reports whether role holds any of privs on a schema.
func (si sessionInfo) HasSchemaPrivilege(role string, id catalog.ID, privs []pgcatalog.Privilege) (bool, error) {
	cat := si.s.catalog()
	sc := cat.SchemaByID(id)
	if sc == nil {
		return false, nil
	}
	for _, p := range privs {
		bit, _ := catalog.ParsePrivilege(p.Name)
		if !p.WithGrantOption && catalog.SchemaPrivilege(cat, role, sc, bit) {
			return true, nil
		}
		if p.WithGrantOption && holdsGrantOption(cat, role, catalog.ObjSchema, sc.Owner, catalog.EffectiveSchemaACL(sc), bit) {
			return true, nil
		}
	}
	return false, nil
}

var _ pgcatalog.SequencePrivilegeChecker = sessionInfo{}

// HasSequencePrivilege is has_sequence_privilege: catalog.SequencePrivilege
// for each privilege, holding any of them is enough.
func (si sessionInfo) HasSequencePrivilege(role string, id catalog.ID, privs []pgcatalog.Privilege) (bool, error) {
	cat := si.s.catalog()
	q := sequenceByID(cat, id)
	if q == nil {
		return false, nil
	}
	for _, p := range privs {
		bit, ok := catalog.ParsePrivilege(p.Name)
		if !ok {
			continue
		}
		if p.WithGrantOption {
			if holdsGrantOption(cat, role, catalog.ObjSequence, q.Owner, q.ACL, bit) {
				return true, nil
			}
		} else if catalog.SequencePrivilege(cat, role, q, bit) {
			return true, nil
		}
	}
	return false, nil
}

func anyPrivilege(cat catalog.Reader, role string, kind catalog.ObjectKind, owner string, acl *catalog.ACL, privs []pgcatalog.Privilege) bool {
	for _, p := range privs {
		bit, ok := catalog.ParsePrivilege(p.Name)
		if !ok {
			continue
		}
		if p.WithGrantOption {
			if holdsGrantOption(cat, role, kind, owner, acl, bit) {
				return true
			}
			continue
		}
		if catalog.HasPrivilege(cat, role, kind, owner, acl, bit) {
			return true
		}
	}
	return false
}

// holdsGrantOption: superusers and owners implicitly hold every grant
// option (PostgreSQL's aclmask); others need it in the ACL.
func holdsGrantOption(cat catalog.Reader, role string, kind catalog.ObjectKind, owner string, acl *catalog.ACL, bit catalog.Privileges) bool {
	if catalog.IsOwner(cat, role, owner) {
		return true
	}
	_, opts := heldPrivileges(cat, role, acl.Effective(kind, catalog.OwnerName(cat, owner)))
	return opts&bit != 0
}

func sequenceByID(cat catalog.Reader, id catalog.ID) *catalog.Sequence {
	for _, q := range cat.Sequences() {
		if q.ID == id {
			return q
		}
	}
	return nil
}
