package sql

import (
	"context"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/rowstore"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/storage/keys"
)

func (s *Session) createIndex(ctx context.Context, st *pg_query.IndexStmt) (*Cursor, error) {
	if st.WhereClause != nil {
		return nil, pgerr.Unsupported("partial indexes")
	}
	if st.AccessMethod != "" && st.AccessMethod != "btree" {
		return nil, pgerr.Unsupported("index access method \"" + st.AccessMethod + "\"")
	}
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.findTable(d, st.Relation)
	if err != nil {
		return nil, err
	}
	if t.Kind != catalog.KindTable {
		return nil, pgerr.New(pgerr.WrongObjectType, "cannot create index on relation \"%s\"", t.Name).WithDetail("This operation is not supported for views.")
	}
	if t.IsLake() {
		return nil, lakeConstraintError("indexes")
	}
	ix := catalog.Index{Name: st.Idxname, Unique: st.Unique}
	var colNames []string
	for _, p := range st.IndexParams {
		el := p.GetIndexElem()
		if el == nil {
			continue
		}
		if el.Expr != nil || el.Name == "" {
			return nil, pgerr.Unsupported("expression indexes")
		}
		c := t.ColumnByName(el.Name)
		if c == nil || c.Hidden {
			return nil, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" does not exist", el.Name)
		}
		ix.ColumnIDs = append(ix.ColumnIDs, c.ID)
		ix.Desc = append(ix.Desc, el.Ordering == pg_query.SortByDir_SORTBY_DESC)
		colNames = append(colNames, el.Name)
	}
	if len(st.IndexIncludingParams) > 0 {
		return nil, pgerr.Unsupported("INCLUDE columns")
	}
	if ix.Name == "" {
		suffix := "_idx"
		if st.Unique {
			suffix = "_key"
		}
		ix.Name = uniqueRelName(d, t.SchemaID, t.Name+"_"+strings.Join(colNames, "_")+suffix)
	} else if relationExists(d, t.SchemaID, ix.Name) {
		if st.IfNotExists {
			s.notice(pgerr.DuplicateTable, "relation \"%s\" already exists, skipping", ix.Name)
			return tagCursor("CREATE INDEX"), nil
		}
		return nil, pgerr.New(pgerr.DuplicateTable, "relation \"%s\" already exists", ix.Name)
	}
	if ix.ID, err = allocateID(ctx, s.txn); err != nil {
		return nil, err
	}
	t = cloneTable(t)
	t.Indexes = append(t.Indexes, ix)
	if err := rowstore.Backfill(ctx, s.txn, t, &t.Indexes[len(t.Indexes)-1]); err != nil {
		return nil, err
	}
	if err := s.saveTable(ctx, d, t); err != nil {
		return nil, err
	}
	return tagCursor("CREATE INDEX"), nil
}

func (s *Session) createView(ctx context.Context, st *pg_query.ViewStmt) (*Cursor, error) {
	if st.View.Relpersistence == "t" {
		return nil, pgerr.Unsupported("CREATE TEMPORARY VIEW")
	}
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := s.creationSchema(d, st.View)
	if err != nil {
		return nil, err
	}
	var existing *catalog.Table
	if relationExists(d, sc.ID, st.View.Relname) {
		for _, t := range d.tables {
			if t.SchemaID == sc.ID && t.Name == st.View.Relname && t.Kind == catalog.KindView {
				existing = t
			}
		}
		if existing == nil || !st.Replace {
			return nil, pgerr.New(pgerr.DuplicateTable, "relation \"%s\" already exists", st.View.Relname)
		}
	}
	text, err := deparseStmt(st.Query)
	if err != nil {
		return nil, err
	}
	q, err := s.planQuery(ctx, st.Query, nil)
	if err != nil {
		return nil, err
	}
	if len(q.paramTypes) > 0 {
		return nil, pgerr.New(pgerr.UndefinedParameter, "there is no parameter $1")
	}
	aliases := stringList(st.Aliases)
	if len(aliases) > len(q.columns) {
		return nil, pgerr.New(pgerr.SyntaxError, "CREATE VIEW specifies more column names than columns")
	}
	v := &catalog.Table{SchemaID: sc.ID, Name: st.View.Relname, Kind: catalog.KindView, Owner: s.currentUser(), ViewQuery: text}
	seen := map[string]bool{}
	for i, c := range q.columns {
		name := c.Name
		if i < len(aliases) {
			name = aliases[i]
		}
		if seen[name] {
			return nil, pgerr.New(pgerr.DuplicateColumn, "column \"%s\" specified more than once", name)
		}
		seen[name] = true
		v.NextColumnID++
		v.Columns = append(v.Columns, catalog.Column{ID: v.NextColumnID, Name: name, Type: c.Type})
	}
	if existing != nil {
		v.ID = existing.ID
		if len(v.Columns) < len(existing.Columns) {
			return nil, pgerr.New(pgerr.InvalidTableDefinition, "cannot drop columns from view")
		}
		for i, c := range existing.Columns {
			if v.Columns[i].Name != c.Name {
				return nil, pgerr.New(pgerr.InvalidTableDefinition, "cannot change name of view column \"%s\" to \"%s\"", c.Name, v.Columns[i].Name)
			}
		}
	} else if v.ID, err = allocateID(ctx, s.txn); err != nil {
		return nil, err
	}
	if err := s.saveTable(ctx, d, v); err != nil {
		return nil, err
	}
	return tagCursor("CREATE VIEW"), nil
}

func (s *Session) alterTable(ctx context.Context, st *pg_query.AlterTableStmt) (*Cursor, error) {
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.findTable(d, st.Relation)
	if err != nil {
		if st.MissingOk {
			s.notice(pgerr.UndefinedTable, "relation \"%s\" does not exist, skipping", qualifiedName(st.Relation))
			return tagCursor("ALTER TABLE"), nil
		}
		return nil, err
	}
	if t.Kind != catalog.KindTable {
		return nil, pgerr.Unsupported("ALTER on a view")
	}
	sc := d.schemaByID(t.SchemaID)
	t = cloneTable(t)
	for _, cn := range st.Cmds {
		cmd := cn.GetAlterTableCmd()
		if cmd == nil {
			continue
		}
		switch cmd.Subtype {
		case pg_query.AlterTableType_AT_AddColumn:
			cd := cmd.Def.GetColumnDef()
			if t.ColumnByName(cd.Colname) != nil {
				if cmd.MissingOk {
					s.notice(pgerr.DuplicateColumn, "column \"%s\" of relation \"%s\" already exists, skipping", cd.Colname, t.Name)
					continue
				}
				return nil, pgerr.New(pgerr.DuplicateColumn, "column \"%s\" of relation \"%s\" already exists", cd.Colname, t.Name)
			}
			col, pk, unique, err := s.columnFromDef(ctx, d, t, sc, cd)
			if err != nil {
				return nil, err
			}
			if pk != nil || unique != nil {
				return nil, pgerr.Unsupported("ADD COLUMN with PRIMARY KEY or UNIQUE")
			}
			if t.IsLake() {
				// Files are immutable: old rows read the new column as NULL.
				if err := s.checkLakeAddColumn(ctx, t, col); err != nil {
					return nil, err
				}
				t.Columns = append(t.Columns, col)
				continue
			}
			t.Columns = append(t.Columns, col)
			// Existing rows get the default (or NULL) now, as PostgreSQL does.
			if err := rowstore.AddColumn(ctx, s.txn, t, &t.Columns[len(t.Columns)-1], s.evalDefault); err != nil {
				return nil, err
			}
		case pg_query.AlterTableType_AT_DropColumn:
			c := t.ColumnByName(cmd.Name)
			if c == nil || c.Hidden {
				if cmd.MissingOk {
					s.notice(pgerr.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist, skipping", cmd.Name, t.Name)
					continue
				}
				return nil, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", cmd.Name, t.Name)
			}
			for _, id := range t.Primary.ColumnIDs {
				if id == c.ID {
					return nil, pgerr.New(pgerr.DependentObjectsStillExist, "cannot drop column %s of table %s because other objects depend on it", cmd.Name, t.Name).
						WithDetail("constraint %s on table %s depends on column %s", t.Primary.Name, t.Name, cmd.Name)
				}
			}
			var keep []catalog.Index
			for _, ix := range t.Indexes {
				uses := false
				for _, id := range ix.ColumnIDs {
					uses = uses || id == c.ID
				}
				if !uses {
					keep = append(keep, ix)
				} else if err := s.deleteSpan(ctx, indexPrefix(t, &ix)); err != nil {
					return nil, err
				}
			}
			t.Indexes = keep
			// The value stays in old rows; the dropped column is never decoded again.
			c.Dropped = true
			c.Name = "........pg.dropped." + itoa(int(c.ID)) + "........"
		case pg_query.AlterTableType_AT_SetNotNull:
			c := t.ColumnByName(cmd.Name)
			if c == nil || c.Hidden {
				return nil, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", cmd.Name, t.Name)
			}
			if t.IsLake() {
				if err := s.checkLakeNotNull(ctx, t, c); err != nil {
					return nil, err
				}
			} else if err := rowstore.CheckNotNull(ctx, s.txn, t, c); err != nil {
				return nil, err
			}
			c.NotNull = true
		case pg_query.AlterTableType_AT_DropNotNull:
			c := t.ColumnByName(cmd.Name)
			if c == nil || c.Hidden {
				return nil, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", cmd.Name, t.Name)
			}
			for _, id := range t.Primary.ColumnIDs {
				if id == c.ID && !hiddenIndex(t, &t.Primary) {
					return nil, pgerr.New(pgerr.InvalidTableDefinition, "column \"%s\" is in a primary key", cmd.Name)
				}
			}
			c.NotNull = false
		case pg_query.AlterTableType_AT_ColumnDefault:
			c := t.ColumnByName(cmd.Name)
			if c == nil || c.Hidden {
				return nil, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", cmd.Name, t.Name)
			}
			if cmd.Def == nil {
				c.Default = ""
			} else if c.Default, err = deparseExpr(cmd.Def); err != nil {
				return nil, err
			}
		case pg_query.AlterTableType_AT_AddConstraint:
			con := cmd.Def.GetConstraint()
			if t.IsLake() {
				switch con.Contype {
				case pg_query.ConstrType_CONSTR_PRIMARY:
					return nil, lakeConstraintError("PRIMARY KEY constraints")
				case pg_query.ConstrType_CONSTR_UNIQUE:
					return nil, lakeConstraintError("UNIQUE constraints")
				}
			}
			switch con.Contype {
			case pg_query.ConstrType_CONSTR_PRIMARY:
				if !hiddenIndex(t, &t.Primary) {
					return nil, pgerr.New(pgerr.InvalidTableDefinition, "multiple primary keys for table \"%s\" are not allowed", t.Name)
				}
				ids, err := columnIDs(t, stringList(con.Keys))
				if err != nil {
					return nil, err
				}
				name := con.Conname
				if name == "" {
					name = uniqueRelName(d, t.SchemaID, t.Name+"_pkey")
				}
				ixID, err := allocateID(ctx, s.txn)
				if err != nil {
					return nil, err
				}
				newPK := catalog.Index{ID: ixID, Name: name, ColumnIDs: ids, Desc: make([]bool, len(ids)), Unique: true, Primary: true, Constraint: true}
				// Rows are stored by primary key: re-key every row.
				nt, err := rowstore.ChangePrimaryKey(ctx, s.txn, t, newPK)
				if err != nil {
					return nil, err
				}
				t = nt
			case pg_query.ConstrType_CONSTR_CHECK:
				// Existing rows are validated by a full scan through the planner.
				if err := addCheck(t, con, ""); err != nil {
					return nil, err
				}
				ck := t.Checks[len(t.Checks)-1]
				if err := s.validateCheck(ctx, t, ck); err != nil {
					return nil, err
				}
			case pg_query.ConstrType_CONSTR_UNIQUE:
				ids, err := columnIDs(t, stringList(con.Keys))
				if err != nil {
					return nil, err
				}
				name := con.Conname
				if name == "" {
					name = uniqueRelName(d, t.SchemaID, t.Name+"_"+strings.Join(stringList(con.Keys), "_")+"_key")
				}
				ixID, err := allocateID(ctx, s.txn)
				if err != nil {
					return nil, err
				}
				t.Indexes = append(t.Indexes, catalog.Index{ID: ixID, Name: name, ColumnIDs: ids, Desc: make([]bool, len(ids)), Unique: true, Constraint: true})
				if err := rowstore.Backfill(ctx, s.txn, t, &t.Indexes[len(t.Indexes)-1]); err != nil {
					return nil, err
				}
			default:
				return nil, unsupportedConstraint(con)
			}
		case pg_query.AlterTableType_AT_DropConstraint:
			found := false
			for i, ck := range t.Checks {
				if ck.Name == cmd.Name {
					t.Checks = append(t.Checks[:i], t.Checks[i+1:]...)
					found = true
					break
				}
			}
			for i, ix := range t.Indexes {
				if found {
					break
				}
				if ix.Constraint && ix.Name == cmd.Name {
					if err := s.deleteSpan(ctx, indexPrefix(t, &ix)); err != nil {
						return nil, err
					}
					t.Indexes = append(t.Indexes[:i], t.Indexes[i+1:]...)
					found = true
					break
				}
			}
			if !found {
				if t.Primary.Name == cmd.Name && t.Primary.Constraint {
					return nil, pgerr.Unsupported("dropping a primary key")
				}
				if cmd.MissingOk {
					s.notice(pgerr.UndefinedObject, "constraint \"%s\" of relation \"%s\" does not exist, skipping", cmd.Name, t.Name)
					continue
				}
				return nil, pgerr.New(pgerr.UndefinedObject, "constraint \"%s\" of relation \"%s\" does not exist", cmd.Name, t.Name)
			}
		case pg_query.AlterTableType_AT_SetRelOptions, pg_query.AlterTableType_AT_ResetRelOptions:
			for _, o := range cmd.Def.GetList().GetItems() {
				if de := o.GetDefElem(); de != nil {
					if t.Options == nil {
						t.Options = map[string]string{}
					}
					reset := cmd.Subtype == pg_query.AlterTableType_AT_ResetRelOptions
					v, err := checkAlterOptions(t, de.Defname, constString(de.Arg), reset)
					if err != nil {
						return nil, err
					}
					if reset {
						delete(t.Options, de.Defname)
					} else {
						t.Options[de.Defname] = v
					}
				}
			}
		case pg_query.AlterTableType_AT_ChangeOwner:
			owner, err := s.roleSpecName(cmd.Newowner)
			if err != nil {
				return nil, err
			}
			// The old owner's ACL entries move to the new owner, and so do
			// the table's serial sequences (privileges.go).
			if err := s.chownOwnedSequences(ctx, d, t.ID, owner); err != nil {
				return nil, err
			}
			t.Owner, t.ACL = owner, changeOwnerACL(t.ACL, catalog.OwnerName(s.catalog(), t.Owner), owner)
		default:
			return nil, pgerr.Unsupported("ALTER TABLE " + strings.TrimPrefix(cmd.Subtype.String(), "AT_"))
		}
	}
	if err := s.saveTable(ctx, d, t); err != nil {
		return nil, err
	}
	return tagCursor("ALTER TABLE"), nil
}

func (d *descriptors) schemaByID(id catalog.ID) *catalog.Schema {
	for _, sc := range d.schemas {
		if sc.ID == id {
			return sc
		}
	}
	return &catalog.Schema{ID: id, Name: "public"}
}

func itoa(i int) string { return strconv.Itoa(i) }

func indexPrefix(t *catalog.Table, ix *catalog.Index) []byte {
	return keys.IndexPrefix(uint32(t.ID), uint32(ix.ID))
}

// validateCheck fails with 23514 when an existing row violates ck.
func (s *Session) validateCheck(ctx context.Context, t *catalog.Table, ck catalog.Check) error {
	found, err := s.anyRowWhere(ctx, t, "NOT ("+ck.Expr+")")
	if err != nil || !found {
		return err
	}
	return &pgerr.Error{Code: pgerr.CheckViolation, Table: t.Name, Constraint: ck.Name,
		Message: "check constraint \"" + ck.Name + "\" of relation \"" + t.Name + "\" is violated by some row"}
}

// anyRowWhere reports whether some row of t satisfies cond (SQL over t's
// column names), by a query through the planner (so it works for row
// and lake tables alike).
func (s *Session) anyRowWhere(ctx context.Context, t *catalog.Table, cond string) (bool, error) {
	sc := s.catalog().SchemaByID(t.SchemaID)
	if sc == nil {
		return false, nil
	}
	q := "SELECT 1 FROM " + quoteIdent(sc.Name) + "." + quoteIdent(t.Name) + " WHERE " + cond + " LIMIT 1"
	st, err := s.Parse(q)
	if err != nil {
		return false, err
	}
	p, err := s.Prepare(ctx, st[0], nil)
	if err != nil {
		return false, err
	}
	cur, err := s.runPlanned(ctx, p, nil)
	if err != nil {
		return false, err
	}
	defer cur.Close()
	_, found, err := cur.Next(ctx)
	return found, err
}
