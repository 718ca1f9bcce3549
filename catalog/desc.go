package catalog

import (
	"strings"

	"github.com/conflux-db/conflux/sql/types"
)

// ID identifies a schema, table, view, index or role. IDs are never
// reused; they double as the object's PostgreSQL OID (pg_class.oid, ...)
// so psql's oid-based catalog joins work. User objects start at FirstUserID.
type ID uint32

// FirstUserID is the first ID handed to user objects; lower IDs belong to
// built-in schemas and the virtual pg_catalog / information_schema relations.
const FirstUserID ID = 16384

// Well-known schema IDs (the OIDs PostgreSQL uses).
const (
	PgCatalogSchemaID  ID = 11
	PublicSchemaID     ID = 2200
	InfoSchemaSchemaID ID = 13000
)

// Kind says what a relation is (pg_class.relkind).
type Kind string

const (
	KindTable Kind = "r"
	KindView  Kind = "v"
	KindIndex Kind = "i"
)

// Schema is a namespace (pg_namespace).
type Schema struct {
	ID    ID     `json:"id"`
	Name  string `json:"name"`
	Owner string `json:"owner"`
	// ACL is nil until the first GRANT/REVOKE (default: owner has USAGE, CREATE).
	ACL *ACL `json:"acl,omitempty"`
}

// Column is one column of a table or view.
type Column struct {
	ID   uint32   `json:"id"` // stable across ALTER TABLE; attnum is the position among visible columns
	Name string   `json:"name"`
	Type *types.T `json:"type"`
	// NotNull is the NOT NULL constraint (implied by PRIMARY KEY).
	NotNull bool `json:"not_null,omitempty"`
	// Default is the DEFAULT expression as SQL text, re-parsed when used
	// (pg_get_expr prints it back). Empty when there is none.
	Default string `json:"default,omitempty"`
	// Identity is 'a' (ALWAYS) or 'd' (BY DEFAULT) for identity columns, 0 otherwise.
	Identity byte `json:"identity,omitempty"`
	// Sequence names the sequence backing serial/identity columns.
	Sequence string `json:"sequence,omitempty"`
	// Hidden columns (the implicit row id of a table without a primary
	// key) are stored but never shown by SELECT * or the catalog.
	Hidden bool `json:"hidden,omitempty"`
	// Dropped columns keep their ID so old row values decode; they are invisible.
	Dropped bool `json:"dropped,omitempty"`
}

// Index is a primary or secondary index over a table.
type Index struct {
	ID        ID       `json:"id"`
	Name      string   `json:"name"`
	ColumnIDs []uint32 `json:"column_ids"`
	Desc      []bool   `json:"desc,omitempty"` // per column: DESC ordering
	Unique    bool     `json:"unique,omitempty"`
	Primary   bool     `json:"primary,omitempty"`
	// Constraint is true when the index was created by a PRIMARY KEY or
	// UNIQUE constraint (pg_constraint shows it) rather than CREATE INDEX.
	Constraint bool `json:"constraint,omitempty"`
}

// Table describes a table or a view (views have Kind "v" and ViewQuery).
type Table struct {
	ID       ID       `json:"id"`
	SchemaID ID       `json:"schema_id"`
	Name     string   `json:"name"`
	Kind     Kind     `json:"kind"`
	Owner    string   `json:"owner"`
	Columns  []Column `json:"columns"`
	// Primary is the index rows are stored by. Tables without a declared
	// primary key get one over the hidden rowid column.
	Primary Index   `json:"primary"`
	Indexes []Index `json:"indexes,omitempty"`
	// NextColumnID is the ID the next added column gets.
	NextColumnID uint32 `json:"next_column_id"`
	// ViewQuery is the defining SELECT of a view, as SQL text.
	ViewQuery string `json:"view_query,omitempty"`
	// Options are the WITH (...) storage options (format = 'lake', fillfactor, ...).
	Options map[string]string `json:"options,omitempty"`
	// Comment is COMMENT ON TABLE (pg_description).
	Comment string `json:"comment,omitempty"`
	// Checks are the CHECK constraints, enforced on INSERT and UPDATE.
	Checks []Check `json:"checks,omitempty"`
	// ACL is nil until the first GRANT/REVOKE (default: the owner has all).
	// Owner above is the creating role; empty in descriptors written before
	// owners were tracked, meaning the bootstrap superuser (OwnerName).
	ACL *ACL `json:"acl,omitempty"`
}

// Check is a CHECK constraint. Expr is SQL text over the table's column
// names, re-parsed and bound when a statement writes the table; a row
// violates it when Expr is false (NULL passes, as in PostgreSQL).
type Check struct {
	Name string `json:"name"`
	Expr string `json:"expr"`
}

// Sequence backs serial and identity columns and CREATE SEQUENCE.
type Sequence struct {
	ID        ID     `json:"id"`
	SchemaID  ID     `json:"schema_id"`
	Name      string `json:"name"`
	Start     int64  `json:"start"`
	Increment int64  `json:"increment"`
	Min       int64  `json:"min"`
	Max       int64  `json:"max"`
	OwnedBy   ID     `json:"owned_by,omitempty"` // table that owns it (serial)
	// Owner is the creating role (empty: the bootstrap superuser).
	Owner string `json:"owner,omitempty"`
	// ACL is nil until the first GRANT/REVOKE (default: owner has rwU).
	ACL *ACL `json:"acl,omitempty"`
}

// Role is a login or group role (pg_roles / pg_authid).
type Role struct {
	ID        ID     `json:"id"`
	Name      string `json:"name"`
	Superuser bool   `json:"superuser,omitempty"`
	Login     bool   `json:"login,omitempty"`
	// SCRAMVerifier is the stored SCRAM-SHA-256 secret
	// ("SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>"), never the password.
	SCRAMVerifier string `json:"scram,omitempty"`
	// MemberOf lists the roles granted to this one (GRANT parent TO this);
	// their privileges are inherited, as with PostgreSQL's default INHERIT.
	MemberOf []string `json:"member_of,omitempty"`
}

// VisibleColumns returns the columns SELECT * shows, in order.
func (t *Table) VisibleColumns() []Column {
	out := make([]Column, 0, len(t.Columns))
	for _, c := range t.Columns {
		if !c.Hidden && !c.Dropped {
			out = append(out, c)
		}
	}
	return out
}

// ColumnByID returns the column with the given ID, or nil.
func (t *Table) ColumnByID(id uint32) *Column {
	for i := range t.Columns {
		if t.Columns[i].ID == id {
			return &t.Columns[i]
		}
	}
	return nil
}

// ColumnByName returns the visible column with the given name, or nil.
func (t *Table) ColumnByName(name string) *Column {
	for i := range t.Columns {
		c := &t.Columns[i]
		if c.Name == name && !c.Dropped {
			return c
		}
	}
	return nil
}

// LakeRowIDColumn is the hidden bytea column of every lake table: scans
// fill it with the row's lake.Locator, which UPDATE and DELETE hand back.
// It is never stored.
const LakeRowIDColumn = "lake_rowid"

// IsLake reports whether t is a lake table (CREATE TABLE ... WITH
// (format = 'lake')): columnar Parquet data managed by package lake.
func (t *Table) IsLake() bool { return t != nil && t.Options["format"] == "lake" }

// PartitionBy lists a lake table's partition columns (WITH (partition_by =
// 'a, b')), in order; nil when unpartitioned.
func (t *Table) PartitionBy() []string {
	spec := t.Options["partition_by"]
	if spec == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(spec, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
