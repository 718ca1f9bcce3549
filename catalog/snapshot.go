package catalog

import "sort"

// Snapshot is an immutable in-memory Reader built from descriptors. The
// SQL layer builds one per catalog version (and per transaction that
// changed the catalog); tests build them directly.
type Snapshot struct {
	schemas   []*Schema
	tables    []*Table
	sequences []*Sequence
	roles     []*Role
	virtual   []*VirtualTable

	schemaByName map[string]*Schema
	schemaByID   map[ID]*Schema
	tableByID    map[ID]*Table
	tableByName  map[nameKey]*Table
	seqByName    map[nameKey]*Sequence
	roleByName   map[string]*Role
	virtByName   map[nameKey]*VirtualTable
}

type nameKey struct {
	schema ID
	name   string
}

// NewSnapshot indexes the given descriptors. The slices and descriptors
// must not be modified afterwards.
func NewSnapshot(schemas []*Schema, tables []*Table, seqs []*Sequence, roles []*Role, virtual []*VirtualTable) *Snapshot {
	s := &Snapshot{
		schemas: schemas, tables: tables, sequences: seqs, roles: roles, virtual: virtual,
		schemaByName: map[string]*Schema{}, schemaByID: map[ID]*Schema{},
		tableByID: map[ID]*Table{}, tableByName: map[nameKey]*Table{},
		seqByName: map[nameKey]*Sequence{}, roleByName: map[string]*Role{},
		virtByName: map[nameKey]*VirtualTable{},
	}
	sort.Slice(s.tables, func(i, j int) bool { return s.tables[i].ID < s.tables[j].ID })
	for _, sc := range schemas {
		s.schemaByName[sc.Name] = sc
		s.schemaByID[sc.ID] = sc
	}
	for _, t := range tables {
		s.tableByID[t.ID] = t
		s.tableByName[nameKey{t.SchemaID, t.Name}] = t
	}
	for _, q := range seqs {
		s.seqByName[nameKey{q.SchemaID, q.Name}] = q
	}
	for _, r := range roles {
		s.roleByName[r.Name] = r
	}
	for _, v := range virtual {
		s.virtByName[nameKey{v.SchemaID, v.Name}] = v
	}
	return s
}

func (s *Snapshot) Schemas() []*Schema               { return s.schemas }
func (s *Snapshot) SchemaByName(name string) *Schema { return s.schemaByName[name] }
func (s *Snapshot) SchemaByID(id ID) *Schema         { return s.schemaByID[id] }
func (s *Snapshot) Tables() []*Table                 { return s.tables }
func (s *Snapshot) TableByID(id ID) *Table           { return s.tableByID[id] }
func (s *Snapshot) TableByName(schemaID ID, name string) *Table {
	return s.tableByName[nameKey{schemaID, name}]
}
func (s *Snapshot) Sequences() []*Sequence { return s.sequences }
func (s *Snapshot) SequenceByName(schemaID ID, name string) *Sequence {
	return s.seqByName[nameKey{schemaID, name}]
}
func (s *Snapshot) Roles() []*Role                 { return s.roles }
func (s *Snapshot) RoleByName(name string) *Role   { return s.roleByName[name] }
func (s *Snapshot) VirtualTables() []*VirtualTable { return s.virtual }
func (s *Snapshot) VirtualTableByName(schemaID ID, name string) *VirtualTable {
	return s.virtByName[nameKey{schemaID, name}]
}

var _ Reader = (*Snapshot)(nil)
