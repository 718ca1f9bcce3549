package sql

import (
	"context"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/server/scram"
	"github.com/conflux-db/conflux/sql/pgerr"
)

// Roles are catalog descriptors like tables. A password is turned into a
// SCRAM-SHA-256 verifier at once: the clear text is never stored or logged.
// Who may run these statements is checked in privileges.go (checkUtility).

func (s *Session) createRole(ctx context.Context, st *pg_query.CreateRoleStmt) (*Cursor, error) {
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range d.roles {
		if r.Name == st.Role {
			return nil, pgerr.New(pgerr.DuplicateObject, "role \"%s\" already exists", st.Role)
		}
	}
	if strings.HasPrefix(st.Role, "pg_") {
		return nil, pgerr.New(pgerr.ReservedName, "role name \"%s\" is reserved", st.Role).WithDetail("Role names starting with \"pg_\" are reserved.")
	}
	id, err := allocateID(ctx, s.txn)
	if err != nil {
		return nil, err
	}
	r := &catalog.Role{ID: id, Name: st.Role, Login: st.StmtType == pg_query.RoleStmtType_ROLESTMT_USER}
	if err := applyRoleOptions(r, st.Options); err != nil {
		return nil, err
	}
	// IN ROLE parents make the new role a member; ROLE members join it.
	var members []string
	for _, o := range st.Options {
		de := o.GetDefElem()
		if de == nil || (de.Defname != "addroleto" && de.Defname != "rolemembers") {
			continue
		}
		for _, n := range de.Arg.GetList().GetItems() {
			name := n.GetRoleSpec().GetRolename()
			if s.catalog().RoleByName(name) == nil {
				return nil, pgerr.New(pgerr.UndefinedObject, "role \"%s\" does not exist", name)
			}
			if de.Defname == "addroleto" {
				r.MemberOf = append(r.MemberOf, name)
			} else {
				members = append(members, name)
			}
		}
	}
	d.roles = append(d.roles, r)
	if err := putDesc(ctx, s.txn, id, descValue{Role: r}); err != nil {
		return nil, err
	}
	for i, m := range d.roles {
		for _, name := range members {
			if m.Name == name {
				c := *m
				c.MemberOf = append(append([]string(nil), m.MemberOf...), r.Name)
				d.roles[i] = &c
				if err := putDesc(ctx, s.txn, c.ID, descValue{Role: &c}); err != nil {
					return nil, err
				}
			}
		}
	}
	s.catalogChanged()
	return tagCursor("CREATE ROLE"), nil
}

func applyRoleOptions(r *catalog.Role, opts []*pg_query.Node) error {
	for _, o := range opts {
		de := o.GetDefElem()
		if de == nil {
			continue
		}
		switch de.Defname {
		case "password":
			if de.Arg == nil {
				r.SCRAMVerifier = ""
				continue
			}
			pw := constString(de.Arg)
			if strings.HasPrefix(pw, "SCRAM-SHA-256$") {
				r.SCRAMVerifier = pw // already a verifier (pg_dump output)
				continue
			}
			v, err := scram.NewVerifier(pw)
			if err != nil {
				return pgerr.New(pgerr.InternalError, "could not compute password verifier")
			}
			r.SCRAMVerifier = v
		case "superuser":
			r.Superuser = boolArg(de.Arg)
		case "canlogin":
			r.Login = boolArg(de.Arg)
		case "addroleto", "rolemembers":
			// Memberships: createRole stores them.
		case "createdb", "createrole", "inherit", "replication", "bypassrls", "connectionlimit", "validUntil", "adminmembers":
			// Accepted; not enforced yet.
		default:
			return pgerr.Unsupported("role option " + de.Defname)
		}
	}
	return nil
}

func boolArg(n *pg_query.Node) bool {
	if n == nil {
		return true
	}
	if b := n.GetBoolean(); b != nil {
		return b.Boolval
	}
	if i := n.GetInteger(); i != nil {
		return i.Ival != 0
	}
	return constInt(n) != 0
}

func (s *Session) alterRole(ctx context.Context, st *pg_query.AlterRoleStmt) (*Cursor, error) {
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	name := st.Role.GetRolename()
	switch st.Role.Roletype {
	case pg_query.RoleSpecType_ROLESPEC_CURRENT_USER, pg_query.RoleSpecType_ROLESPEC_CURRENT_ROLE:
		name = s.currentUser()
	case pg_query.RoleSpecType_ROLESPEC_SESSION_USER:
		name = s.user
	}
	for i, r := range d.roles {
		if r.Name == name {
			c := *r
			if err := applyRoleOptions(&c, st.Options); err != nil {
				return nil, err
			}
			d.roles[i] = &c
			if err := putDesc(ctx, s.txn, c.ID, descValue{Role: &c}); err != nil {
				return nil, err
			}
			s.catalogChanged()
			s.reportRole() // is_superuser may have changed
			return tagCursor("ALTER ROLE"), nil
		}
	}
	return nil, pgerr.New(pgerr.UndefinedObject, "role \"%s\" does not exist", name)
}

func (s *Session) dropRole(ctx context.Context, st *pg_query.DropRoleStmt) (*Cursor, error) {
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	for _, rn := range st.Roles {
		name := rn.GetRoleSpec().GetRolename()
		found := false
		for i, r := range d.roles {
			if r.Name == name {
				if name == s.user || name == s.currentUser() {
					return nil, pgerr.New(pgerr.ObjectInUse, "current user cannot be dropped")
				}
				if r.ID == 10 {
					return nil, pgerr.New(pgerr.ObjectNotInPrerequisiteState, "cannot drop role %s because it is required by the database system", name)
				}
				// Like PostgreSQL, refuse while the role owns objects or
				// holds privileges (2BP01); memberships go with the role.
				if err := roleDropBlockers(s.catalog(), name); err != nil {
					return nil, err
				}
				d.roles = append(d.roles[:i], d.roles[i+1:]...)
				if err := deleteDesc(ctx, s.txn, r.ID); err != nil {
					return nil, err
				}
				if err := s.dropMemberships(ctx, d, name); err != nil {
					return nil, err
				}
				s.catalogChanged()
				found = true
				break
			}
		}
		if !found {
			if st.MissingOk {
				s.notice(pgerr.UndefinedObject, "role \"%s\" does not exist, skipping", name)
				continue
			}
			return nil, pgerr.New(pgerr.UndefinedObject, "role \"%s\" does not exist", name)
		}
	}
	s.catalogChanged()
	return tagCursor("DROP ROLE"), nil
}

// dropMemberships removes a dropped role from every role's MemberOf.
func (s *Session) dropMemberships(ctx context.Context, d *descriptors, name string) error {
	for i, r := range d.roles {
		var keep []string
		for _, m := range r.MemberOf {
			if m != name {
				keep = append(keep, m)
			}
		}
		if len(keep) == len(r.MemberOf) {
			continue
		}
		c := *r
		c.MemberOf = keep
		d.roles[i] = &c
		if err := putDesc(ctx, s.txn, c.ID, descValue{Role: &c}); err != nil {
			return err
		}
	}
	return nil
}
