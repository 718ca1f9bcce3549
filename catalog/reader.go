package catalog

import (
	"context"

	"github.com/conflux-db/conflux/sql/types"
)

// Reader is a consistent, read-only view of the catalog as one
// transaction sees it. The planner resolves names through it; the
// pg_catalog and information_schema views are generated from it.
type Reader interface {
	Schemas() []*Schema
	SchemaByName(name string) *Schema
	SchemaByID(id ID) *Schema
	// Tables returns every table and view (not virtual tables), ordered by ID.
	Tables() []*Table
	TableByID(id ID) *Table
	TableByName(schemaID ID, name string) *Table
	Sequences() []*Sequence
	SequenceByName(schemaID ID, name string) *Sequence
	Roles() []*Role
	RoleByName(name string) *Role
	// VirtualTables returns the system views (pg_catalog.*, information_schema.*).
	VirtualTables() []*VirtualTable
	VirtualTableByName(schemaID ID, name string) *VirtualTable
}

// VirtualTable is a relation computed on demand (pg_class, information_schema.columns...).
type VirtualTable struct {
	ID       ID
	SchemaID ID
	Name     string
	Columns  []Column
	// Generate produces the rows, in Columns order, for one query.
	Generate func(ctx context.Context, env VirtualEnv) ([]types.Row, error)
}

// VirtualEnv is what a virtual table's generator may look at: the
// catalog as the querying transaction sees it plus the session.
type VirtualEnv interface {
	Catalog() Reader
	// Setting returns a session setting (search_path, ...) and whether it exists.
	Setting(name string) (string, bool)
	// Settings lists every setting with its value (pg_settings, SHOW ALL).
	Settings() []Setting
	CurrentUser() string
	CurrentDatabase() string
}

// Setting is one row of pg_settings.
type Setting struct {
	Name, Value, Unit, Category, Description, Context, VarType, Source string
}
