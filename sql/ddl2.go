package sql

import (
	"context"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/storage/keys"
)

func objectNameParts(n *pg_query.Node) []string {
	if l := n.GetList(); l != nil {
		return stringList(l.Items)
	}
	if s := n.GetString_(); s != nil {
		return []string{s.Sval}
	}
	if tn := n.GetTypeName(); tn != nil {
		return stringList(tn.Names)
	}
	return nil
}

func rangeVarOf(parts []string) *pg_query.RangeVar {
	rv := &pg_query.RangeVar{}
	switch len(parts) {
	case 1:
		rv.Relname = parts[0]
	case 2:
		rv.Schemaname, rv.Relname = parts[0], parts[1]
	case 3:
		rv.Catalogname, rv.Schemaname, rv.Relname = parts[0], parts[1], parts[2]
	}
	return rv
}

func (s *Session) drop(ctx context.Context, st *pg_query.DropStmt) (*Cursor, error) {
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	switch st.RemoveType {
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW:
		kind, word, tag := catalog.KindTable, "table", "DROP TABLE"
		if st.RemoveType == pg_query.ObjectType_OBJECT_VIEW {
			kind, word, tag = catalog.KindView, "view", "DROP VIEW"
		}
		for _, obj := range st.Objects {
			rv := rangeVarOf(objectNameParts(obj))
			t, err := s.findTable(d, rv)
			if err != nil {
				if st.MissingOk {
					s.notice(pgerr.UndefinedTable, "%s \"%s\" does not exist, skipping", word, qualifiedName(rv))
					continue
				}
				return nil, pgerr.New(pgerr.UndefinedTable, "%s \"%s\" does not exist", word, qualifiedName(rv))
			}
			if t.Kind != kind {
				return nil, pgerr.New(pgerr.WrongObjectType, "\"%s\" is not a %s", t.Name, word).WithHint("Use DROP %s to remove a %s.", map[bool]string{true: "VIEW", false: "TABLE"}[t.Kind == catalog.KindView], map[bool]string{true: "view", false: "table"}[t.Kind == catalog.KindView])
			}
			if err := s.dropTable(ctx, d, t); err != nil {
				return nil, err
			}
		}
		return tagCursor(tag), nil
	case pg_query.ObjectType_OBJECT_INDEX:
		for _, obj := range st.Objects {
			rv := rangeVarOf(objectNameParts(obj))
			t, ix := s.findIndex(d, rv)
			if ix < 0 {
				if st.MissingOk {
					s.notice(pgerr.UndefinedObject, "index \"%s\" does not exist, skipping", qualifiedName(rv))
					continue
				}
				return nil, pgerr.New(pgerr.UndefinedObject, "index \"%s\" does not exist", qualifiedName(rv))
			}
			if t.Indexes[ix].Constraint {
				return nil, pgerr.New(pgerr.DependentObjectsStillExist, "cannot drop index %s because constraint %s on table %s requires it", t.Indexes[ix].Name, t.Indexes[ix].Name, t.Name).
					WithHint("You can drop constraint %s on table %s instead.", t.Indexes[ix].Name, t.Name)
			}
			t = cloneTable(t)
			dropped := t.Indexes[ix]
			t.Indexes = append(t.Indexes[:ix], t.Indexes[ix+1:]...)
			if err := s.deleteSpan(ctx, keys.IndexPrefix(uint32(t.ID), uint32(dropped.ID))); err != nil {
				return nil, err
			}
			if err := s.saveTable(ctx, d, t); err != nil {
				return nil, err
			}
		}
		return tagCursor("DROP INDEX"), nil
	case pg_query.ObjectType_OBJECT_SCHEMA:
		for _, obj := range st.Objects {
			name := obj.GetString_().GetSval()
			var sc *catalog.Schema
			for _, x := range d.schemas {
				if x.Name == name {
					sc = x
				}
			}
			if sc == nil {
				if st.MissingOk {
					s.notice(pgerr.UndefinedSchema, "schema \"%s\" does not exist, skipping", name)
					continue
				}
				return nil, pgerr.New(pgerr.UndefinedSchema, "schema \"%s\" does not exist", name)
			}
			if sc.ID < catalog.FirstUserID && sc.ID != catalog.PublicSchemaID {
				return nil, pgerr.New(pgerr.DependentObjectsStillExist, "cannot drop schema %s because it is required by the database system", name)
			}
			var members []*catalog.Table
			for _, t := range d.tables {
				if t.SchemaID == sc.ID {
					members = append(members, t)
				}
			}
			if len(members) > 0 && st.Behavior != pg_query.DropBehavior_DROP_CASCADE {
				return nil, pgerr.New(pgerr.DependentObjectsStillExist, "cannot drop schema %s because other objects depend on it", name).
					WithDetail("%s %s depends on schema %s", kindWord(members[0]), members[0].Name, name).
					WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
			}
			for _, t := range members {
				if err := s.dropTable(ctx, d, t); err != nil {
					return nil, err
				}
			}
			for _, q := range append([]*catalog.Sequence(nil), d.sequences...) {
				if q.SchemaID == sc.ID {
					s.removeSequence(ctx, d, q)
				}
			}
			for i, x := range d.schemas {
				if x.ID == sc.ID {
					d.schemas = append(d.schemas[:i], d.schemas[i+1:]...)
					break
				}
			}
			if err := deleteDesc(ctx, s.txn, sc.ID); err != nil {
				return nil, err
			}
			s.catalogChanged()
		}
		return tagCursor("DROP SCHEMA"), nil
	case pg_query.ObjectType_OBJECT_SEQUENCE:
		for _, obj := range st.Objects {
			rv := rangeVarOf(objectNameParts(obj))
			q := s.findSequence(d, rv)
			if q == nil {
				if st.MissingOk {
					s.notice(pgerr.UndefinedTable, "sequence \"%s\" does not exist, skipping", qualifiedName(rv))
					continue
				}
				return nil, pgerr.New(pgerr.UndefinedTable, "sequence \"%s\" does not exist", qualifiedName(rv))
			}
			s.removeSequence(ctx, d, q)
		}
		s.catalogChanged()
		return tagCursor("DROP SEQUENCE"), nil
	}
	return nil, pgerr.Unsupported("DROP " + strings.TrimPrefix(st.RemoveType.String(), "OBJECT_"))
}

func kindWord(t *catalog.Table) string {
	if t.Kind == catalog.KindView {
		return "view"
	}
	return "table"
}

func (s *Session) dropTable(ctx context.Context, d *descriptors, t *catalog.Table) error {
	if t.IsLake() {
		lt, err := s.lakeTable(t)
		if err != nil {
			return err
		}
		if err := lt.Drop(ctx, s.txn); err != nil {
			return err
		}
	} else if t.Kind == catalog.KindTable {
		if err := s.deleteTableData(ctx, t); err != nil {
			return err
		}
	}
	for _, q := range append([]*catalog.Sequence(nil), d.sequences...) {
		if q.OwnedBy == t.ID {
			s.removeSequence(ctx, d, q)
		}
	}
	for i, x := range d.tables {
		if x.ID == t.ID {
			d.tables = append(d.tables[:i], d.tables[i+1:]...)
			break
		}
	}
	if err := deleteDesc(ctx, s.txn, t.ID); err != nil {
		return err
	}
	s.catalogChanged()
	return nil
}

func (s *Session) removeSequence(ctx context.Context, d *descriptors, q *catalog.Sequence) {
	for i, x := range d.sequences {
		if x.ID == q.ID {
			d.sequences = append(d.sequences[:i], d.sequences[i+1:]...)
			break
		}
	}
	deleteDesc(ctx, s.txn, q.ID)
	s.txn.Delete(ctx, keys.SequenceKey(uint32(q.ID)))
}

func (s *Session) findSequence(d *descriptors, rv *pg_query.RangeVar) *catalog.Sequence {
	schemas := s.searchPath()
	if rv.Schemaname != "" {
		schemas = []string{rv.Schemaname}
	}
	for _, sn := range schemas {
		for _, sc := range d.schemas {
			if sc.Name != sn {
				continue
			}
			for _, q := range d.sequences {
				if q.SchemaID == sc.ID && q.Name == rv.Relname {
					return q
				}
			}
		}
	}
	return nil
}

// findIndex finds a secondary index by name; returns its table and position (-1 if absent).
func (s *Session) findIndex(d *descriptors, rv *pg_query.RangeVar) (*catalog.Table, int) {
	schemas := s.searchPath()
	if rv.Schemaname != "" {
		schemas = []string{rv.Schemaname}
	}
	for _, sn := range schemas {
		for _, sc := range d.schemas {
			if sc.Name != sn {
				continue
			}
			for _, t := range d.tables {
				if t.SchemaID != sc.ID {
					continue
				}
				for i, ix := range t.Indexes {
					if ix.Name == rv.Relname {
						return t, i
					}
				}
			}
		}
	}
	return nil, -1
}

func (s *Session) createSchema(ctx context.Context, st *pg_query.CreateSchemaStmt) (*Cursor, error) {
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	name := st.Schemaname
	if name == "" && st.Authrole != nil {
		name = st.Authrole.Rolename
	}
	if strings.HasPrefix(name, "pg_") {
		return nil, pgerr.New(pgerr.ReservedName, "unacceptable schema name \"%s\"", name).WithDetail("The prefix \"pg_\" is reserved for system schemas.")
	}
	for _, sc := range d.schemas {
		if sc.Name == name {
			if st.IfNotExists {
				s.notice(pgerr.DuplicateSchema, "schema \"%s\" already exists, skipping", name)
				return tagCursor("CREATE SCHEMA"), nil
			}
			return nil, pgerr.New(pgerr.DuplicateSchema, "schema \"%s\" already exists", name)
		}
	}
	if len(st.SchemaElts) > 0 {
		return nil, pgerr.Unsupported("CREATE SCHEMA with schema elements")
	}
	id, err := allocateID(ctx, s.txn)
	if err != nil {
		return nil, err
	}
	owner := s.currentUser()
	if st.Authrole != nil && st.Authrole.Rolename != "" {
		owner = st.Authrole.Rolename
	}
	sc := &catalog.Schema{ID: id, Name: name, Owner: owner}
	d.schemas = append(d.schemas, sc)
	if err := putDesc(ctx, s.txn, id, descValue{Schema: sc}); err != nil {
		return nil, err
	}
	s.catalogChanged()
	return tagCursor("CREATE SCHEMA"), nil
}

func (s *Session) createSequence(ctx context.Context, st *pg_query.CreateSeqStmt) (*Cursor, error) {
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := s.creationSchema(d, st.Sequence)
	if err != nil {
		return nil, err
	}
	if relationExists(d, sc.ID, st.Sequence.Relname) {
		if st.IfNotExists {
			s.notice(pgerr.DuplicateTable, "relation \"%s\" already exists, skipping", st.Sequence.Relname)
			return tagCursor("CREATE SEQUENCE"), nil
		}
		return nil, pgerr.New(pgerr.DuplicateTable, "relation \"%s\" already exists", st.Sequence.Relname)
	}
	seq, err := s.newSequence(ctx, d, sc, st.Sequence.Relname, types.Int8)
	if err != nil {
		return nil, err
	}
	startSet := false
	for _, o := range st.Options {
		de := o.GetDefElem()
		if de == nil {
			continue
		}
		v := constInt(de.Arg)
		switch de.Defname {
		case "start":
			seq.Start, startSet = v, true
		case "increment":
			if v == 0 {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "INCREMENT must not be zero")
			}
			seq.Increment = v
		case "minvalue":
			seq.Min = v
		case "maxvalue":
			seq.Max = v
		case "cache", "cycle", "owned_by", "as":
		}
	}
	if seq.Increment < 0 && !startSet {
		seq.Start = seq.Max
	}
	if !startSet && seq.Increment > 0 {
		seq.Start = seq.Min
	}
	if err := putDesc(ctx, s.txn, seq.ID, descValue{Sequence: seq}); err != nil {
		return nil, err
	}
	s.catalogChanged()
	return tagCursor("CREATE SEQUENCE"), nil
}

func constInt(n *pg_query.Node) int64 {
	if n == nil {
		return 0
	}
	if c := n.GetAConst(); c != nil {
		if c.GetIval() != nil {
			return int64(c.GetIval().Ival)
		}
		if c.GetFval() != nil {
			var v int64
			for _, ch := range c.GetFval().Fval {
				if ch >= '0' && ch <= '9' {
					v = v*10 + int64(ch-'0')
				}
			}
			if strings.HasPrefix(c.GetFval().Fval, "-") {
				v = -v
			}
			return v
		}
		return 0
	}
	if i := n.GetInteger(); i != nil {
		return int64(i.Ival)
	}
	if f := n.GetFloat(); f != nil {
		var v int64
		for _, ch := range f.Fval {
			if ch >= '0' && ch <= '9' {
				v = v*10 + int64(ch-'0')
			}
		}
		if strings.HasPrefix(f.Fval, "-") {
			v = -v
		}
		return v
	}
	if tc := n.GetTypeCast(); tc != nil {
		return constInt(tc.Arg)
	}
	return 0
}

func (s *Session) comment(ctx context.Context, st *pg_query.CommentStmt) (*Cursor, error) {
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	switch st.Objtype {
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW:
		t, err := s.findTable(d, rangeVarOf(objectNameParts(st.Object)))
		if err != nil {
			return nil, err
		}
		t = cloneTable(t)
		t.Comment = st.Comment
		if err := s.saveTable(ctx, d, t); err != nil {
			return nil, err
		}
		return tagCursor("COMMENT"), nil
	}
	return nil, pgerr.Unsupported("COMMENT ON " + strings.TrimPrefix(st.Objtype.String(), "OBJECT_"))
}

func (s *Session) truncate(ctx context.Context, st *pg_query.TruncateStmt) (*Cursor, error) {
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	for _, rel := range st.Relations {
		t, err := s.findTable(d, rel.GetRangeVar())
		if err != nil {
			return nil, err
		}
		if t.Kind != catalog.KindTable {
			return nil, pgerr.New(pgerr.WrongObjectType, "\"%s\" is not a table", t.Name)
		}
		if t.IsLake() {
			lt, err := s.lakeTable(t)
			if err != nil {
				return nil, err
			}
			if err := lt.Truncate(ctx, s.txn); err != nil {
				return nil, err
			}
		} else if err := s.deleteTableData(ctx, t); err != nil {
			return nil, err
		}
		if st.RestartSeqs {
			for _, q := range d.sequences {
				if q.OwnedBy == t.ID {
					if err := s.e.resetSequence(ctx, q); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	return tagCursor("TRUNCATE TABLE"), nil
}

func (s *Session) rename(ctx context.Context, st *pg_query.RenameStmt) (*Cursor, error) {
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	switch st.RenameType {
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW:
		t, err := s.findTable(d, st.Relation)
		if err != nil {
			if st.MissingOk {
				s.notice(pgerr.UndefinedTable, "relation \"%s\" does not exist, skipping", qualifiedName(st.Relation))
				return tagCursor("ALTER TABLE"), nil
			}
			return nil, err
		}
		if relationExists(d, t.SchemaID, st.Newname) {
			return nil, pgerr.New(pgerr.DuplicateTable, "relation \"%s\" already exists", st.Newname)
		}
		t = cloneTable(t)
		t.Name = st.Newname
		if err := s.saveTable(ctx, d, t); err != nil {
			return nil, err
		}
		if st.RenameType == pg_query.ObjectType_OBJECT_VIEW {
			return tagCursor("ALTER VIEW"), nil
		}
		return tagCursor("ALTER TABLE"), nil
	case pg_query.ObjectType_OBJECT_COLUMN:
		t, err := s.findTable(d, st.Relation)
		if err != nil {
			return nil, err
		}
		c := t.ColumnByName(st.Subname)
		if c == nil || c.Hidden {
			return nil, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" does not exist", st.Subname)
		}
		if t.ColumnByName(st.Newname) != nil {
			return nil, pgerr.New(pgerr.DuplicateColumn, "column \"%s\" of relation \"%s\" already exists", st.Newname, t.Name)
		}
		t = cloneTable(t)
		t.ColumnByID(c.ID).Name = st.Newname
		if err := s.saveTable(ctx, d, t); err != nil {
			return nil, err
		}
		return tagCursor("ALTER TABLE"), nil
	case pg_query.ObjectType_OBJECT_INDEX:
		t, ix := s.findIndex(d, st.Relation)
		if ix < 0 {
			for _, x := range d.tables {
				if x.Primary.Name == st.Relation.Relname && !hiddenIndex(x, &x.Primary) {
					if relationExists(d, x.SchemaID, st.Newname) {
						return nil, pgerr.New(pgerr.DuplicateTable, "relation \"%s\" already exists", st.Newname)
					}
					x = cloneTable(x)
					x.Primary.Name = st.Newname
					if err := s.saveTable(ctx, d, x); err != nil {
						return nil, err
					}
					return tagCursor("ALTER INDEX"), nil
				}
			}
			return nil, pgerr.New(pgerr.UndefinedTable, "relation \"%s\" does not exist", qualifiedName(st.Relation))
		}
		if relationExists(d, t.SchemaID, st.Newname) {
			return nil, pgerr.New(pgerr.DuplicateTable, "relation \"%s\" already exists", st.Newname)
		}
		t = cloneTable(t)
		t.Indexes[ix].Name = st.Newname
		if err := s.saveTable(ctx, d, t); err != nil {
			return nil, err
		}
		return tagCursor("ALTER INDEX"), nil
	case pg_query.ObjectType_OBJECT_SCHEMA:
		for _, sc := range d.schemas {
			if sc.Name == st.Newname {
				return nil, pgerr.New(pgerr.DuplicateSchema, "schema \"%s\" already exists", st.Newname)
			}
		}
		for i, sc := range d.schemas {
			if sc.Name == st.Subname {
				c := *sc
				c.Name = st.Newname
				d.schemas[i] = &c
				if err := putDesc(ctx, s.txn, c.ID, descValue{Schema: &c}); err != nil {
					return nil, err
				}
				s.catalogChanged()
				return tagCursor("ALTER SCHEMA"), nil
			}
		}
		return nil, pgerr.New(pgerr.UndefinedSchema, "schema \"%s\" does not exist", st.Subname)
	}
	return nil, pgerr.Unsupported("ALTER ... RENAME of " + strings.TrimPrefix(st.RenameType.String(), "OBJECT_"))
}
