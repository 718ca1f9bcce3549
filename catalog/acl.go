package catalog

import (
	"sort"
	"strings"
)

// Privileges is a set of PostgreSQL privileges. The bit order is
// PostgreSQL's (ACL_INSERT, ACL_SELECT, ...), which is also the order
// aclitem prints its letters in, so formatting is a loop over the bits.
type Privileges uint16

const (
	PrivInsert     Privileges = 1 << iota // a
	PrivSelect                            // r
	PrivUpdate                            // w
	PrivDelete                            // d
	PrivTruncate                          // D
	PrivReferences                        // x
	PrivTrigger                           // t
	PrivExecute                           // X (functions; unused, keeps the letter order)
	PrivUsage                             // U
	PrivCreate                            // C
)

const privLetters = "arwdDxtXUC"

var privNames = [...]string{"INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "EXECUTE", "USAGE", "CREATE"}

// ObjectKind says which privileges an ACL may hold and what its default is.
type ObjectKind uint8

const (
	ObjTable ObjectKind = iota // tables and views
	ObjSequence
	ObjSchema
)

// AllPrivileges is what ALL [PRIVILEGES] means for an object kind (and the
// owner's implicit default).
func AllPrivileges(k ObjectKind) Privileges {
	switch k {
	case ObjSequence:
		return PrivSelect | PrivUpdate | PrivUsage
	case ObjSchema:
		return PrivUsage | PrivCreate
	}
	return PrivInsert | PrivSelect | PrivUpdate | PrivDelete | PrivTruncate | PrivReferences | PrivTrigger
}

// ParsePrivilege maps a privilege keyword (any case) to its bit.
func ParsePrivilege(name string) (Privileges, bool) {
	for i, n := range privNames {
		if strings.EqualFold(n, name) {
			return 1 << i, true
		}
	}
	return 0, false
}

// String lists the privileges as keywords ("SELECT, INSERT"), for messages.
func (p Privileges) String() string {
	var out []string
	for i, n := range privNames {
		if p&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, ", ")
}

// PublicGrantee is the grantee name of grants to PUBLIC (PostgreSQL prints
// it as an empty name: "=r/postgres").
const PublicGrantee = ""

// ACLItem is one aclitem: what Grantor granted Grantee. Roles are kept by
// name, as Owner fields are; ALTER ROLE ... RENAME rewrites them.
type ACLItem struct {
	Grantee string     `json:"grantee"`
	Grantor string     `json:"grantor"`
	Privs   Privileges `json:"privs"`
	// GrantOption is the subset of Privs held WITH GRANT OPTION.
	GrantOption Privileges `json:"grant_option,omitempty"`
}

// ACL is an object's access control list. A nil *ACL on a descriptor
// means the default (owner holds everything, pg_class.relacl IS NULL);
// the first GRANT or REVOKE materialises it, as in PostgreSQL.
type ACL struct {
	Items []ACLItem `json:"items"`
}

// DefaultACL is PostgreSQL's acldefault() for an object of kind k owned
// by owner.
func DefaultACL(k ObjectKind, owner string) []ACLItem {
	return []ACLItem{{Grantee: owner, Grantor: owner, Privs: AllPrivileges(k)}}
}

// Effective returns the items in force: the stored ones, or the default.
func (a *ACL) Effective(k ObjectKind, owner string) []ACLItem {
	if a == nil {
		return DefaultACL(k, owner)
	}
	return a.Items
}

// Grant returns the ACL after grantor grants privs to grantee.
func Grant(items []ACLItem, grantee, grantor string, privs, grantOption Privileges) []ACLItem {
	out := append([]ACLItem(nil), items...)
	for i := range out {
		if out[i].Grantee == grantee && out[i].Grantor == grantor {
			out[i].Privs |= privs
			out[i].GrantOption |= grantOption & privs
			return out
		}
	}
	return append(out, ACLItem{Grantee: grantee, Grantor: grantor, Privs: privs, GrantOption: grantOption & privs})
}

// Revoke returns the ACL after privs granted by grantor are revoked from
// grantee; an empty grantor means every grantor (the owner or a superuser
// revoking). Items left with no privileges disappear.
func Revoke(items []ACLItem, grantee, grantor string, privs Privileges) []ACLItem {
	out := make([]ACLItem, 0, len(items))
	for _, it := range items {
		if it.Grantee == grantee && (grantor == "" || it.Grantor == grantor) {
			it.Privs &^= privs
			it.GrantOption &^= privs
			if it.Privs == 0 {
				continue
			}
		}
		out = append(out, it)
	}
	return out
}

// FormatACL renders items as PostgreSQL's aclitem[] text:
// {postgres=arwdDxt/postgres,alice=r/postgres,=r/postgres}.
func FormatACL(items []ACLItem) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		s := FormatACLItem(it)
		// Inside an array an element with special characters is double-quoted.
		if strings.ContainsAny(s, "\",{} \\") {
			s = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
		}
		b.WriteString(s)
	}
	b.WriteByte('}')
	return b.String()
}

// ACLTexts renders each item as aclitem text, for catalog columns typed
// text[] (their array output adds the quoting FormatACL does).
func ACLTexts(items []ACLItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = FormatACLItem(it)
	}
	return out
}

// FormatACLItem renders one aclitem ("alice=r*w/postgres").
func FormatACLItem(it ACLItem) string {
	var b strings.Builder
	b.WriteString(aclName(it.Grantee))
	b.WriteByte('=')
	for i := 0; i < len(privLetters); i++ {
		bit := Privileges(1) << i
		if it.Privs&bit != 0 {
			b.WriteByte(privLetters[i])
			if it.GrantOption&bit != 0 {
				b.WriteByte('*')
			}
		}
	}
	b.WriteByte('/')
	b.WriteString(aclName(it.Grantor))
	return b.String()
}

// aclName quotes a role name the way aclitem output does (putid: only
// names with characters other than letters, digits and _ are quoted).
func aclName(n string) string {
	plain := true
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r > 127) {
			plain = false
			break
		}
	}
	if plain {
		return n
	}
	return `"` + strings.ReplaceAll(n, `"`, `""`) + `"`
}

// BootstrapSuperuserID is the role created with the database (OID 10, as
// in PostgreSQL). Objects stored before owners were recorded belong to it.
const BootstrapSuperuserID ID = 10

// OwnerName returns owner, or the bootstrap superuser's name when the
// descriptor predates owner tracking.
func OwnerName(r Reader, owner string) string {
	if owner != "" {
		return owner
	}
	for _, role := range r.Roles() {
		if role.ID == BootstrapSuperuserID {
			return role.Name
		}
	}
	return "postgres"
}

// MemberOfClosure returns the role and every role it is a member of, directly or
// through other roles (PostgreSQL's INHERIT, the default). Cycles are
// refused by GRANT, but the walk tolerates them.
func MemberOfClosure(r Reader, role string) map[string]bool {
	out := map[string]bool{role: true}
	queue := []string{role}
	for len(queue) > 0 {
		ro := r.RoleByName(queue[0])
		queue = queue[1:]
		if ro == nil {
			continue
		}
		for _, m := range ro.MemberOf {
			if !out[m] {
				out[m] = true
				queue = append(queue, m)
			}
		}
	}
	return out
}

// IsSuperuser reports whether role exists and is a superuser.
func IsSuperuser(r Reader, role string) bool {
	ro := r.RoleByName(role)
	return ro != nil && ro.Superuser
}

// HasPrivilege reports whether role holds all of want on an object of
// kind k with the given owner and ACL: superusers always do; otherwise
// grants to the role, to roles it belongs to, and to PUBLIC count, and
// the owner (or a member of the owning role) holds what the ACL gives it.
// This is the one privilege rule; sql enforces it and has_*_privilege
// reports it.
func HasPrivilege(r Reader, role string, k ObjectKind, owner string, acl *ACL, want Privileges) bool {
	if IsSuperuser(r, role) {
		return true
	}
	roles := MemberOfClosure(r, role)
	owner = OwnerName(r, owner)
	var have Privileges
	for _, it := range acl.Effective(k, owner) {
		if it.Grantee == PublicGrantee || roles[it.Grantee] {
			have |= it.Privs
		}
	}
	return have&want == want
}

// IsOwner reports whether role owns an object (directly, through
// membership in the owning role, or as a superuser): what ALTER, DROP and
// GRANT require.
func IsOwner(r Reader, role, owner string) bool {
	return IsSuperuser(r, role) || MemberOfClosure(r, role)[OwnerName(r, owner)]
}

// TableACL returns a table's or view's ACL as aclitem texts for
// pg_class.relacl, or nil (NULL: the default ACL, never granted).
func TableACL(t *Table) []string {
	if t.ACL == nil {
		return nil
	}
	return ACLTexts(t.ACL.Items)
}

// SchemaACL is TableACL for pg_namespace.nspacl. Schema public always
// has one (PostgreSQL 15 creates it with USAGE for PUBLIC).
func SchemaACL(s *Schema) []string {
	a := EffectiveSchemaACL(s)
	if a == nil {
		return nil
	}
	return ACLTexts(a.Items)
}

// EffectiveSchemaACL is the ACL to check a schema against: the stored
// one, or for schema public PostgreSQL 15's initial ACL (owner UC, PUBLIC
// U: ordinary roles may use it but not create in it), or nil (the default).
func EffectiveSchemaACL(s *Schema) *ACL {
	if s.ACL == nil && s.ID == PublicSchemaID {
		return &ACL{Items: []ACLItem{
			{Grantee: s.Owner, Grantor: s.Owner, Privs: PrivUsage | PrivCreate},
			{Grantee: PublicGrantee, Grantor: s.Owner, Privs: PrivUsage},
		}}
	}
	return s.ACL
}

// SequenceACL is TableACL for a sequence's pg_class.relacl.
func SequenceACL(q *Sequence) []string {
	if q.ACL == nil {
		return nil
	}
	return ACLTexts(q.ACL.Items)
}

// RoleDependents lists what keeps a role from being dropped: objects it
// owns and objects whose ACL mentions it (PostgreSQL's 2BP01 detail
// lines, "owner of table t", "privileges for table t").
func RoleDependents(r Reader, role string) []string {
	var out []string
	mentions := func(a *ACL) bool {
		if a == nil {
			return false
		}
		for _, it := range a.Items {
			if it.Grantee == role || it.Grantor == role {
				return true
			}
		}
		return false
	}
	for _, s := range r.Schemas() {
		if s.Owner == role {
			out = append(out, "owner of schema "+s.Name)
		} else if mentions(s.ACL) {
			out = append(out, "privileges for schema "+s.Name)
		}
	}
	for _, t := range r.Tables() {
		word := "table"
		if t.Kind == KindView {
			word = "view"
		}
		name := qualified(r, t.SchemaID, t.Name)
		if t.Owner == role {
			out = append(out, "owner of "+word+" "+name)
		} else if mentions(t.ACL) {
			out = append(out, "privileges for "+word+" "+name)
		}
	}
	for _, q := range r.Sequences() {
		name := qualified(r, q.SchemaID, q.Name)
		if q.Owner == role {
			out = append(out, "owner of sequence "+name)
		} else if mentions(q.ACL) {
			out = append(out, "privileges for sequence "+name)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return strings.HasPrefix(out[i], "owner") && !strings.HasPrefix(out[j], "owner")
	})
	return out
}

// qualified names an object as PostgreSQL's dependency messages do:
// schema-qualified unless it is in public.
func qualified(r Reader, schemaID ID, name string) string {
	if s := r.SchemaByID(schemaID); s != nil && s.ID != PublicSchemaID {
		return s.Name + "." + name
	}
	return name
}

// TablePrivilege is has_table_privilege: does role hold privs on t?
func TablePrivilege(r Reader, role string, t *Table, privs Privileges) bool {
	return HasPrivilege(r, role, ObjTable, t.Owner, t.ACL, privs)
}

// SequencePrivilege is has_sequence_privilege.
func SequencePrivilege(r Reader, role string, q *Sequence, privs Privileges) bool {
	return HasPrivilege(r, role, ObjSequence, q.Owner, q.ACL, privs)
}

// SchemaPrivilege is has_schema_privilege.
func SchemaPrivilege(r Reader, role string, s *Schema, privs Privileges) bool {
	if s.ID == PgCatalogSchemaID || s.ID == InfoSchemaSchemaID {
		return privs&^PrivUsage == 0 || IsSuperuser(r, role) // system schemas: USAGE for everyone
	}
	return HasPrivilege(r, role, ObjSchema, s.Owner, EffectiveSchemaACL(s), privs)
}
