package planner

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/conflux-db/conflux/catalog"
)

// RequiredPrivilege is one privilege a statement needs on a relation it
// touches. The binder records them in the Plan instead of checking them,
// so the SQL layer checks them on every execution: a cached plan cannot
// outlive a REVOKE, and PREPARE without the privilege succeeds as in
// PostgreSQL (whose executor, not its parser, checks permissions).
type RequiredPrivilege struct {
	Table *catalog.Table // a table or view
	Privs catalog.Privileges
	// AsRole is the role the check is made for; empty means the executing
	// user. Relations read through a view are checked as the view's owner.
	AsRole string
}

// require records that the statement needs privs on t, as the role whose
// privileges apply at this point of binding (see RequiredPrivilege.AsRole).
func (b *binder) require(t *catalog.Table, privs catalog.Privileges) {
	for i := range b.privs {
		p := &b.privs[i]
		if p.Table.ID == t.ID && p.AsRole == b.asRole {
			p.Privs |= privs
			return
		}
	}
	b.privs = append(b.privs, RequiredPrivilege{Table: t, Privs: privs, AsRole: b.asRole})
}

// readsColumns reports whether any of the expressions mentions a column
// (UPDATE t SET a = a + 1 reads a; SET a = 1 does not): PostgreSQL then
// needs SELECT on the target as well as the write privilege.
func readsColumns(nodes ...*pg_query.Node) bool {
	for _, n := range nodes {
		if n != nil && hasColumnRef(n.ProtoReflect()) {
			return true
		}
	}
	return false
}

var columnRefName = (&pg_query.ColumnRef{}).ProtoReflect().Descriptor().FullName()

// hasColumnRef walks a parse tree generically (pg_query nodes are
// protobuf messages) looking for a ColumnRef.
func hasColumnRef(m protoreflect.Message) bool {
	if m.Descriptor().FullName() == columnRefName {
		return true
	}
	found := false
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind {
			return true
		}
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len() && !found; i++ {
				found = hasColumnRef(l.Get(i).Message())
			}
		case fd.IsMap():
		default:
			found = hasColumnRef(v.Message())
		}
		return !found
	})
	return found
}
