package sql

import (
	"context"
	"fmt"
	"strings"
	"sync"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/rowstore"
	"github.com/conflux-db/conflux/sql/parser"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// execDDL runs a schema-changing or other utility statement inside the
// open transaction. DDL edits the transaction's private copy of the
// descriptors and writes them back; the engine swaps in the new catalog
// when the transaction commits.
func (s *Session) execDDL(ctx context.Context, n *pg_query.Node) (*Cursor, error) {
	// Privileges: GRANT/REVOKE & co., then ownership/CREATE checks (privileges.go).
	if c, ok, err := s.execPrivilegeStmt(ctx, n); ok {
		return c, err
	}
	if err := s.checkUtility(ctx, n); err != nil {
		return nil, err
	}
	switch {
	case n.GetCreateStmt() != nil:
		return s.createTable(ctx, n.GetCreateStmt())
	case n.GetDropStmt() != nil:
		return s.drop(ctx, n.GetDropStmt())
	case n.GetIndexStmt() != nil:
		return s.createIndex(ctx, n.GetIndexStmt())
	case n.GetViewStmt() != nil:
		return s.createView(ctx, n.GetViewStmt())
	case n.GetCreateSchemaStmt() != nil:
		return s.createSchema(ctx, n.GetCreateSchemaStmt())
	case n.GetTruncateStmt() != nil:
		return s.truncate(ctx, n.GetTruncateStmt())
	case n.GetAlterTableStmt() != nil:
		return s.alterTable(ctx, n.GetAlterTableStmt())
	case n.GetRenameStmt() != nil:
		return s.rename(ctx, n.GetRenameStmt())
	case n.GetCreateSeqStmt() != nil:
		return s.createSequence(ctx, n.GetCreateSeqStmt())
	case n.GetCreateRoleStmt() != nil:
		return s.createRole(ctx, n.GetCreateRoleStmt())
	case n.GetAlterRoleStmt() != nil:
		return s.alterRole(ctx, n.GetAlterRoleStmt())
	case n.GetDropRoleStmt() != nil:
		return s.dropRole(ctx, n.GetDropRoleStmt())
	case n.GetCommentStmt() != nil:
		return s.comment(ctx, n.GetCommentStmt())
	}
	return nil, pgerr.Unsupported(statementName(n))
}

// statementName names a statement for 0A000 messages ("CREATE TRIGGER").
func statementName(n *pg_query.Node) string {
	name := fmt.Sprintf("%T", n.GetNode())
	name = strings.TrimPrefix(name, "*pg_query.Node_")
	name = strings.TrimSuffix(name, "Stmt")
	var b strings.Builder
	for i, r := range name {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return strings.ToUpper(b.String())
}

// creationSchema picks the schema a new object goes to.
func (s *Session) creationSchema(d *descriptors, rv *pg_query.RangeVar) (*catalog.Schema, error) {
	if rv.Schemaname != "" {
		for _, sc := range d.schemas {
			if sc.Name == rv.Schemaname {
				return sc, nil
			}
		}
		return nil, pgerr.New(pgerr.UndefinedSchema, "schema \"%s\" does not exist", rv.Schemaname)
	}
	for _, name := range s.searchPath() {
		if strings.HasPrefix(name, "pg_temp_") {
			continue // only CREATE TEMP puts objects there
		}
		for _, sc := range d.schemas {
			if sc.Name == name && name != "pg_catalog" {
				return sc, nil
			}
		}
	}
	return nil, pgerr.New(pgerr.UndefinedSchema, "no schema has been selected to create in")
}

// relationExists reports whether any relation (table, view, index,
// sequence) has the name in the schema: they share one namespace.
func relationExists(d *descriptors, schemaID catalog.ID, name string) bool {
	for _, t := range d.tables {
		if t.SchemaID != schemaID {
			continue
		}
		if t.Name == name {
			return true
		}
		if t.Kind == catalog.KindTable && t.Primary.Name == name && !hiddenIndex(t, &t.Primary) {
			return true
		}
		for _, ix := range t.Indexes {
			if ix.Name == name {
				return true
			}
		}
	}
	for _, q := range d.sequences {
		if q.SchemaID == schemaID && q.Name == name {
			return true
		}
	}
	return false
}

// hiddenIndex reports whether the index is the implicit row-id index of
// a table without a primary key (not shown anywhere).
func hiddenIndex(t *catalog.Table, ix *catalog.Index) bool {
	for _, id := range ix.ColumnIDs {
		if c := t.ColumnByID(id); c != nil && c.Hidden {
			return true
		}
	}
	return false
}

// findTable resolves a relation for DDL in the transaction's descriptors.
func (s *Session) findTable(d *descriptors, rv *pg_query.RangeVar) (*catalog.Table, error) {
	var schemas []string
	if rv.Schemaname != "" {
		schemas = []string{rv.Schemaname}
	} else {
		schemas = s.searchPath()
	}
	for _, sn := range schemas {
		for _, sc := range d.schemas {
			if sc.Name != sn {
				continue
			}
			for _, t := range d.tables {
				if t.SchemaID == sc.ID && t.Name == rv.Relname {
					return t, nil
				}
			}
		}
	}
	return nil, pgerr.New(pgerr.UndefinedTable, "relation \"%s\" does not exist", qualifiedName(rv))
}

func qualifiedName(rv *pg_query.RangeVar) string {
	if rv.Schemaname != "" {
		return rv.Schemaname + "." + rv.Relname
	}
	return rv.Relname
}

// saveTable writes a table descriptor (new or changed) and refreshes the
// transaction's catalog.
func (s *Session) saveTable(ctx context.Context, d *descriptors, t *catalog.Table) error {
	found := false
	for i, old := range d.tables {
		if old.ID == t.ID {
			d.tables[i] = t
			found = true
		}
	}
	if !found {
		d.tables = append(d.tables, t)
	}
	if err := putDesc(ctx, s.txn, t.ID, descValue{Table: t}); err != nil {
		return err
	}
	s.catalogChanged()
	return nil
}

// cloneTable deep-copies a descriptor so edits do not leak into catalog
// snapshots other transactions share.
func cloneTable(t *catalog.Table) *catalog.Table {
	c := *t
	c.Columns = append([]catalog.Column(nil), t.Columns...)
	c.Indexes = append([]catalog.Index(nil), t.Indexes...)
	c.Checks = append([]catalog.Check(nil), t.Checks...)
	c.Primary.ColumnIDs = append([]uint32(nil), t.Primary.ColumnIDs...)
	c.Primary.Desc = append([]bool(nil), t.Primary.Desc...)
	if t.Options != nil {
		c.Options = map[string]string{}
		for k, v := range t.Options {
			c.Options[k] = v
		}
	}
	return &c
}

// uniqueRelName returns base, or base with a number appended, that no
// relation in the schema uses (PostgreSQL's ChooseRelationName).
func uniqueRelName(d *descriptors, schemaID catalog.ID, base string) string {
	if len(base) > 63 {
		base = base[:63]
	}
	name := base
	for i := 1; relationExists(d, schemaID, name); i++ {
		name = fmt.Sprintf("%s%d", base, i)
	}
	return name
}

// deparseExpr prints an expression node back as SQL text.
func deparseExpr(n *pg_query.Node) (string, error) {
	tree := &pg_query.ParseResult{Version: parseTreeVersion(), Stmts: []*pg_query.RawStmt{{Stmt: &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: &pg_query.SelectStmt{
		TargetList: []*pg_query.Node{{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{Val: n}}}},
	}}}}}}
	out, err := pg_query.Deparse(tree)
	if err != nil {
		return "", pgerr.New(pgerr.SyntaxError, "cannot print expression: %v", err)
	}
	return strings.TrimPrefix(out, "SELECT "), nil
}

// deparseStmt prints a statement back as SQL text.
func deparseStmt(n *pg_query.Node) (string, error) {
	out, err := pg_query.Deparse(&pg_query.ParseResult{Version: parseTreeVersion(), Stmts: []*pg_query.RawStmt{{Stmt: n}}})
	if err != nil {
		return "", pgerr.New(pgerr.SyntaxError, "cannot print statement: %v", err)
	}
	return out, nil
}

// serialType maps serial pseudo-types to their integer type.
func serialType(tn *pg_query.TypeName) (*types.T, bool) {
	if tn == nil || len(tn.Names) == 0 || len(tn.ArrayBounds) > 0 {
		return nil, false
	}
	name := tn.Names[len(tn.Names)-1].GetString_().GetSval()
	if len(tn.Names) == 2 && tn.Names[0].GetString_().GetSval() != "pg_catalog" {
		return nil, false
	}
	switch name {
	case "serial", "serial4":
		return types.Int4, true
	case "bigserial", "serial8":
		return types.Int8, true
	case "smallserial", "serial2":
		return types.Int2, true
	}
	return nil, false
}

func (s *Session) createTable(ctx context.Context, st *pg_query.CreateStmt) (*Cursor, error) {
	if st.Oncommit == pg_query.OnCommitAction_ONCOMMIT_DELETE_ROWS || st.Oncommit == pg_query.OnCommitAction_ONCOMMIT_DROP {
		return nil, pgerr.Unsupported("ON COMMIT DELETE ROWS / DROP")
	}
	if len(st.InhRelations) > 0 || st.Partspec != nil || st.Partbound != nil {
		return nil, pgerr.Unsupported("table inheritance and partitioning")
	}
	if st.OfTypename != nil {
		return nil, pgerr.Unsupported("CREATE TABLE OF type")
	}
	d, err := s.mutableDescriptors(ctx)
	if err != nil {
		return nil, err
	}
	var sc *catalog.Schema
	if st.Relation.Relpersistence == "t" {
		sc, err = s.tempSchema(ctx, d)
	} else {
		sc, err = s.creationSchema(d, st.Relation)
	}
	if err != nil {
		return nil, err
	}
	if relationExists(d, sc.ID, st.Relation.Relname) {
		if st.IfNotExists {
			s.notice(pgerr.DuplicateTable, "relation \"%s\" already exists, skipping", st.Relation.Relname)
			return tagCursor("CREATE TABLE"), nil
		}
		return nil, pgerr.New(pgerr.DuplicateTable, "relation \"%s\" already exists", st.Relation.Relname)
	}
	id, err := allocateID(ctx, s.txn)
	if err != nil {
		return nil, err
	}
	t := &catalog.Table{ID: id, SchemaID: sc.ID, Name: st.Relation.Relname, Kind: catalog.KindTable, Owner: s.currentUser(), NextColumnID: 1}
	for _, o := range st.Options {
		de := o.GetDefElem()
		if de == nil {
			continue
		}
		if t.Options == nil {
			t.Options = map[string]string{}
		}
		val := constString(de.Arg)
		if de.Arg == nil {
			val = "true"
		}
		t.Options[strings.ToLower(de.Defname)] = val
	}
	if err := validateTableOptions(t); err != nil {
		return nil, err
	}
	var pkCols []string
	var pkName string
	type uniq struct {
		name string
		cols []string
	}
	var uniques []uniq
	for _, elt := range st.TableElts {
		switch {
		case elt.GetColumnDef() != nil:
			cd := elt.GetColumnDef()
			if t.ColumnByName(cd.Colname) != nil {
				return nil, pgerr.New(pgerr.DuplicateColumn, "column \"%s\" specified more than once", cd.Colname)
			}
			col, pk, unique, err := s.columnFromDef(ctx, d, t, sc, cd)
			if err != nil {
				return nil, err
			}
			t.Columns = append(t.Columns, col)
			if pk != nil {
				if pkCols != nil {
					return nil, pgerr.New(pgerr.InvalidTableDefinition, "multiple primary keys for table \"%s\" are not allowed", t.Name)
				}
				pkCols, pkName = []string{cd.Colname}, pk.Conname
			}
			if unique != nil {
				uniques = append(uniques, uniq{unique.Conname, []string{cd.Colname}})
			}
		case elt.GetConstraint() != nil:
			c := elt.GetConstraint()
			cols := stringList(c.Keys)
			switch c.Contype {
			case pg_query.ConstrType_CONSTR_PRIMARY:
				if pkCols != nil {
					return nil, pgerr.New(pgerr.InvalidTableDefinition, "multiple primary keys for table \"%s\" are not allowed", t.Name)
				}
				pkCols, pkName = cols, c.Conname
			case pg_query.ConstrType_CONSTR_UNIQUE:
				uniques = append(uniques, uniq{c.Conname, cols})
			case pg_query.ConstrType_CONSTR_CHECK:
				if err := addCheck(t, c, ""); err != nil {
					return nil, err
				}
			default:
				return nil, unsupportedConstraint(c)
			}
		case elt.GetTableLikeClause() != nil:
			return nil, pgerr.Unsupported("CREATE TABLE ... LIKE")
		}
	}
	if len(t.Columns) > 1600 {
		return nil, pgerr.New(pgerr.TooManyColumns, "tables can have at most 1600 columns")
	}
	if t.IsLake() {
		switch {
		case pkCols != nil:
			return nil, lakeConstraintError("PRIMARY KEY constraints")
		case len(uniques) > 0:
			return nil, lakeConstraintError("UNIQUE constraints")
		}
		if err := s.finishLakeTable(ctx, t); err != nil {
			return nil, err
		}
	} else if pkCols != nil {
		ids, err := columnIDs(t, pkCols)
		if err != nil {
			return nil, err
		}
		for _, cid := range ids {
			t.ColumnByID(cid).NotNull = true
		}
		if pkName == "" {
			pkName = uniqueRelName(d, sc.ID, t.Name+"_pkey")
		} else if relationExists(d, sc.ID, pkName) {
			return nil, pgerr.New(pgerr.DuplicateTable, "relation \"%s\" already exists", pkName)
		}
		ixID, err := allocateID(ctx, s.txn)
		if err != nil {
			return nil, err
		}
		t.Primary = catalog.Index{ID: ixID, Name: pkName, ColumnIDs: ids, Desc: make([]bool, len(ids)), Unique: true, Primary: true, Constraint: true}
	} else {
		// No primary key: rows are keyed by a hidden, server-generated row id.
		rowid := catalog.Column{ID: t.NextColumnID, Name: "rowid", Type: types.Int8, NotNull: true, Default: "unique_rowid()", Hidden: true}
		t.NextColumnID++
		t.Columns = append(t.Columns, rowid)
		ixID, err := allocateID(ctx, s.txn)
		if err != nil {
			return nil, err
		}
		t.Primary = catalog.Index{ID: ixID, Name: t.Name + "_rowid", ColumnIDs: []uint32{rowid.ID}, Desc: []bool{false}, Unique: true, Primary: true}
	}
	// The descriptor must be visible before unique indexes pick names.
	if err := s.saveTable(ctx, d, t); err != nil {
		return nil, err
	}
	for _, u := range uniques {
		ids, err := columnIDs(t, u.cols)
		if err != nil {
			return nil, err
		}
		name := u.name
		if name == "" {
			name = uniqueRelName(d, sc.ID, t.Name+"_"+strings.Join(u.cols, "_")+"_key")
		} else if relationExists(d, sc.ID, name) {
			return nil, pgerr.New(pgerr.DuplicateTable, "relation \"%s\" already exists", name)
		}
		ixID, err := allocateID(ctx, s.txn)
		if err != nil {
			return nil, err
		}
		t.Indexes = append(t.Indexes, catalog.Index{ID: ixID, Name: name, ColumnIDs: ids, Desc: make([]bool, len(ids)), Unique: true, Constraint: true})
	}
	if err := s.saveTable(ctx, d, t); err != nil {
		return nil, err
	}
	return tagCursor("CREATE TABLE"), nil
}

func unsupportedConstraint(c *pg_query.Constraint) error {
	var what string
	switch c.Contype {
	case pg_query.ConstrType_CONSTR_FOREIGN:
		what = "FOREIGN KEY constraints"
	case pg_query.ConstrType_CONSTR_EXCLUSION:
		what = "EXCLUDE constraints"
	case pg_query.ConstrType_CONSTR_GENERATED:
		what = "generated columns"
	default:
		what = strings.TrimPrefix(c.Contype.String(), "CONSTR_") + " constraints"
	}
	return pgerr.New(pgerr.FeatureNotSupported, "%s are not supported", what)
}

// columnFromDef builds a column from its definition, creating the
// sequence of serial and identity columns. It returns the column-level
// PRIMARY KEY and UNIQUE constraints for the caller to turn into indexes.
func (s *Session) columnFromDef(ctx context.Context, d *descriptors, t *catalog.Table, sc *catalog.Schema, cd *pg_query.ColumnDef) (col catalog.Column, pk, unique *pg_query.Constraint, err error) {
	col = catalog.Column{ID: t.NextColumnID, Name: cd.Colname}
	t.NextColumnID++
	serial := false
	if typ, ok := serialType(cd.TypeName); ok {
		col.Type, serial = typ, true
	} else {
		col.Type, err = parser.ResolveTypeName(cd.TypeName)
		if err != nil {
			return col, nil, nil, err
		}
	}
	if cd.IsNotNull {
		col.NotNull = true
	}
	for _, cn := range cd.Constraints {
		c := cn.GetConstraint()
		if c == nil {
			continue
		}
		switch c.Contype {
		case pg_query.ConstrType_CONSTR_NOTNULL:
			col.NotNull = true
		case pg_query.ConstrType_CONSTR_NULL:
			col.NotNull = false
		case pg_query.ConstrType_CONSTR_DEFAULT:
			if col.Default, err = deparseExpr(c.RawExpr); err != nil {
				return col, nil, nil, err
			}
		case pg_query.ConstrType_CONSTR_PRIMARY:
			pk = c
		case pg_query.ConstrType_CONSTR_UNIQUE:
			unique = c
		case pg_query.ConstrType_CONSTR_CHECK:
			if err := addCheck(t, c, col.Name); err != nil {
				return col, nil, nil, err
			}
		case pg_query.ConstrType_CONSTR_IDENTITY:
			if col.Type.Family != types.IntFamily || col.Type.Oid == types.OidOid {
				return col, nil, nil, pgerr.New(pgerr.InvalidParameterValue, "identity column type must be smallint, integer, or bigint")
			}
			col.Identity = c.GeneratedWhen[0]
			col.NotNull = true
			serial = true
		default:
			return col, nil, nil, unsupportedConstraint(c)
		}
	}
	if serial {
		if col.Default != "" {
			return col, nil, nil, pgerr.New(pgerr.SyntaxError, "multiple default values specified for column \"%s\" of table \"%s\"", col.Name, t.Name)
		}
		seqName := uniqueRelName(d, sc.ID, t.Name+"_"+col.Name+"_seq")
		seq, err := s.newSequence(ctx, d, sc, seqName, col.Type)
		if err != nil {
			return col, nil, nil, err
		}
		seq.OwnedBy = t.ID
		if err := putDesc(ctx, s.txn, seq.ID, descValue{Sequence: seq}); err != nil {
			return col, nil, nil, err
		}
		col.Sequence = seqName
		col.Default = fmt.Sprintf("nextval('%s'::regclass)", qualifyIfNeeded(sc, seqName))
		col.NotNull = true
	}
	return col, pk, unique, nil
}

func qualifyIfNeeded(sc *catalog.Schema, name string) string {
	if sc.Name == "public" {
		return name
	}
	return sc.Name + "." + name
}

func (s *Session) newSequence(ctx context.Context, d *descriptors, sc *catalog.Schema, name string, typ *types.T) (*catalog.Sequence, error) {
	id, err := allocateID(ctx, s.txn)
	if err != nil {
		return nil, err
	}
	max := int64(1<<63 - 1)
	switch typ.Width {
	case 16:
		max = 1<<15 - 1
	case 32:
		max = 1<<31 - 1
	}
	seq := &catalog.Sequence{ID: id, SchemaID: sc.ID, Name: name, Start: 1, Increment: 1, Min: 1, Max: max, Owner: s.currentUser()}
	d.sequences = append(d.sequences, seq)
	if err := putDesc(ctx, s.txn, id, descValue{Sequence: seq}); err != nil {
		return nil, err
	}
	return seq, nil
}

func stringList(nodes []*pg_query.Node) []string {
	out := make([]string, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, n.GetString_().GetSval())
	}
	return out
}

func columnIDs(t *catalog.Table, names []string) ([]uint32, error) {
	ids := make([]uint32, 0, len(names))
	for _, name := range names {
		c := t.ColumnByName(name)
		if c == nil || c.Hidden {
			return nil, pgerr.New(pgerr.UndefinedColumn, "column \"%s\" named in key does not exist", name)
		}
		for _, id := range ids {
			if id == c.ID {
				return nil, pgerr.New(pgerr.DuplicateColumn, "column \"%s\" appears twice in primary key constraint", name)
			}
		}
		ids = append(ids, c.ID)
	}
	return ids, nil
}

// deleteSpan deletes every key with the given prefix in the transaction.
func (s *Session) deleteSpan(ctx context.Context, prefix []byte) error {
	return rowstore.DeleteSpan(ctx, s.txn, prefix)
}

func (s *Session) deleteTableData(ctx context.Context, t *catalog.Table) error {
	return rowstore.Truncate(ctx, s.txn, t)
}

// parseTreeVersion is the protobuf tree version Deparse expects (the
// version of the PostgreSQL grammar pg_query embeds).
var parseTreeVersion = sync.OnceValue(func() int32 {
	r, err := pg_query.Parse("SELECT 1")
	if err != nil {
		return 0
	}
	return r.Version
})

// addCheck records a CHECK constraint, named as PostgreSQL names it
// (<table>_<column>_check or <table>_check, numbered on collision).
func addCheck(t *catalog.Table, c *pg_query.Constraint, column string) error {
	expr, err := deparseExpr(c.RawExpr)
	if err != nil {
		return err
	}
	name := c.Conname
	if name == "" {
		base := t.Name + "_check"
		if column != "" {
			base = t.Name + "_" + column + "_check"
		}
		name = base
		for i := 1; checkNamed(t, name); i++ {
			name = fmt.Sprintf("%s%d", base, i)
		}
	} else if checkNamed(t, name) {
		return pgerr.New(pgerr.DuplicateObject, "constraint \"%s\" for relation \"%s\" already exists", name, t.Name)
	}
	t.Checks = append(t.Checks, catalog.Check{Name: name, Expr: expr})
	return nil
}

func checkNamed(t *catalog.Table, name string) bool {
	for _, c := range t.Checks {
		if c.Name == name {
			return true
		}
	}
	return false
}

// Temporary tables live in a per-session schema pg_temp_<pid>, searched
// before search_path for relations, and dropped when the session ends
// (or, after a crash, when the engine next opens). Other sessions can see
// their names in the catalog, as in PostgreSQL.

func tempSchemaName(pid int32) string { return fmt.Sprintf("pg_temp_%d", pid) }

func (s *Session) tempSchema(ctx context.Context, d *descriptors) (*catalog.Schema, error) {
	name := tempSchemaName(s.pid)
	for _, sc := range d.schemas {
		if sc.Name == name {
			return sc, nil
		}
	}
	id, err := allocateID(ctx, s.txn)
	if err != nil {
		return nil, err
	}
	sc := &catalog.Schema{ID: id, Name: name, Owner: s.user}
	d.schemas = append(d.schemas, sc)
	if err := putDesc(ctx, s.txn, id, descValue{Schema: sc}); err != nil {
		return nil, err
	}
	s.hasTemp = true
	s.catalogChanged()
	return sc, nil
}

// dropTempSchema removes the session's temporary objects.
func (s *Session) dropTempSchema() {
	if !s.hasTemp {
		return
	}
	s.hasTemp = false
	if _, err := s.execInternal(context.Background(), "DROP SCHEMA IF EXISTS "+tempSchemaName(s.pid)+" CASCADE"); err != nil {
		s.e.log.Warn("dropping temporary schema", "schema", tempSchemaName(s.pid), "err", err)
	}
}

// execInternal runs one statement outside any client transaction.
func (s *Session) execInternal(ctx context.Context, query string) (string, error) {
	stmts, err := s.Parse(query)
	if err != nil {
		return "", err
	}
	var tag string
	for _, st := range stmts {
		p, err := s.Prepare(ctx, st, nil)
		if err != nil {
			return "", err
		}
		cur, err := s.Execute(ctx, p, nil)
		if err != nil {
			return "", err
		}
		for {
			_, ok, err := cur.Next(ctx)
			if err != nil {
				return "", err
			}
			if !ok {
				break
			}
		}
		tag = cur.Tag()
		cur.Close()
	}
	return tag, nil
}
