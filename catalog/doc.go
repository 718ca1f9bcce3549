// Package catalog defines the descriptors a database is made of (schemas,
// tables and views, indexes, sequences, roles), the Reader interface the
// planner and the catalog views resolve names through, and Snapshot, its
// immutable in-memory implementation. Descriptors are plain JSON-encoded
// values stored by package sql in the same MVCC key space as rows, which
// is what makes DDL transactional.
//
// # Privileges
//
// Access control follows PostgreSQL: every table, view, sequence and
// schema has an owner (a role name) and an ACL of (grantee, grantor,
// privileges) items, with PUBLIC as the empty grantee. A nil ACL is the
// default (the owner holds everything), so descriptors written before
// GRANT existed need no migration, and pg_class.relacl shows NULL until
// the first GRANT as in PostgreSQL. Roles are referenced by name, like
// Owner already was; renaming a role rewrites the descriptors that name
// it (rare) rather than adding an OID indirection to every check (hot).
//
// HasPrivilege is the single rule (superuser, owner, direct grants,
// grants to roles the user is a member of, PUBLIC): package sql enforces
// it and the has_*_privilege functions report it, so the two cannot
// disagree. FormatACL renders aclitem[] text for the catalog views.
package catalog
