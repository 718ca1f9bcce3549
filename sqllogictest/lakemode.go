package sqllogictest

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// Mode adapts a corpus written for row tables to another storage
// configuration: it may rewrite a record's SQL, run statements of its own
// before it, or skip it with a named reason (counted per reason in
// FileResult.SkippedBy, never silently).
type Mode interface {
	// StartFile resets per-file state.
	StartFile(name string)
	// Prepare is called before each record that would run. It returns the
	// SQL to run instead of rec.SQL, or a non-empty skip reason; an error
	// (from a statement the mode ran itself) fails the record.
	Prepare(ctx context.Context, ex Executor, rec *Record) (sql, skip string, err error)
}

// Reasons LakeMode skips a record for. Each names why the record's outcome
// legitimately differs on lake tables.
const (
	SkipIndex       = "index: CREATE/DROP INDEX are no-ops (lake tables have no indexes)"
	SkipAddKey      = "key: ALTER TABLE ADD PRIMARY KEY/UNIQUE (lake tables have no keys)"
	SkipUniqueError = "key: expected unique violation (constraint dropped in lake mode)"
	SkipOnConflict  = "key: ON CONFLICT needs a unique constraint"
	SkipExplain     = "explain: plans differ on lake tables"
	SkipCatalogKeys = "catalog: shows keys, indexes or storage options"
	// Gaps: lake tables refuse these with 0A000. They are not legitimate
	// differences; they are skipped by name until fixed.
	SkipLocking       = "gap: SELECT ... FOR UPDATE/SHARE on a lake table (0A000)"
	SkipAddColDefault = "gap: ALTER TABLE ADD COLUMN with a non-null default on a lake table with rows (0A000)"
	// SkipTainted: the record reads a table or cursor whose state a
	// skipped statement would have changed.
	SkipTainted = "depends: reads a table or cursor a skipped statement changed"
)

// LakeMode runs a row-table corpus on lake tables: every CREATE TABLE
// (and CREATE TABLE AS / SELECT INTO) gets WITH (format = 'lake'). Lake
// tables have no keys or indexes (as in Delta Lake and Iceberg), so
// PRIMARY KEY becomes NOT NULL on its columns, UNIQUE is dropped, and
// CREATE INDEX (and DROP INDEX of such an index) is skipped. Records whose
// outcome depends on those keys -- an expected unique violation, ON
// CONFLICT, ALTER TABLE ADD PRIMARY KEY, catalog queries about keys and
// indexes, EXPLAIN -- are skipped with a reason, as are the gaps lake
// tables still refuse (SkipLocking, SkipAddColDefault); so is every later
// record reading a table or cursor that a skipped statement would have
// changed
// (their expected results assume that write).
//
// With Optimize set, LakeMode also runs VACUUM FULL (OPTIMIZE every lake
// table, then vacuum) before the first query after any write, outside
// transaction blocks, so queries read rows from Parquet files rather than
// inlined rows.
type LakeMode struct {
	Optimize bool
	// Partition adds partition_by on each new table's first column of a
	// partitionable type, so scans go through partition pruning.
	Partition bool
	// KeepTables leaves the SQL alone (for files already written for lake
	// tables); only Optimize's VACUUM FULL applies.
	KeepTables bool

	// Per-file state (StartFile resets it).
	keyed   map[string]bool // tables whose unique constraints were dropped
	tainted map[string]bool // tables a skipped write would have changed
	indexes map[string]bool // indexes CREATE INDEX pretended to create
	dirty   bool            // a write since the last VACUUM FULL
	inTxn   bool            // inside BEGIN ... COMMIT
	// Vacuums counts the VACUUM FULL statements Optimize ran (all files).
	Vacuums int
}

// StartFile implements Mode.
func (m *LakeMode) StartFile(string) {
	m.keyed, m.tainted, m.indexes = map[string]bool{}, map[string]bool{}, map[string]bool{}
	m.dirty, m.inTxn = false, false
}

// catalogKeys matches catalog relations and columns that describe keys,
// indexes or storage options, which legitimately differ for lake tables.
var catalogKeys = regexp.MustCompile(`(?i)\b(pg_index|pg_indexes|pg_constraint|table_constraints|key_column_usage|constraint_column_usage|indexdef|reloptions|pg_get_constraintdef|pg_get_indexdef)\b`)

// relnames finds every relation a statement names (via the parse tree's
// JSON, which is simpler than walking every node type).
var relnames = regexp.MustCompile(`(?:"schemaname":"([^"]*)",)?"(?:relname|portalname)":"((?:[^"\\]|\\.)*)"`)

// Prepare implements Mode.
func (m *LakeMode) Prepare(ctx context.Context, ex Executor, rec *Record) (string, string, error) {
	if m.keyed == nil {
		m.StartFile("")
	}
	tree, err := pg_query.Parse(rec.SQL)
	if err != nil || len(tree.Stmts) == 0 {
		// Unparsable SQL fails the same way on any table.
		return rec.SQL, "", nil
	}
	if m.KeepTables {
		return m.beforeRun(ctx, ex, rec, tree, false)
	}
	if catalogKeys.MatchString(rec.SQL) {
		return "", SkipCatalogKeys, nil
	}
	if len(m.tainted) > 0 {
		if js, err := pg_query.ParseToJSON(rec.SQL); err == nil {
			for _, mm := range relnames.FindAllStringSubmatch(js, -1) {
				name := mm[2]
				if mm[1] != "" {
					name = mm[1] + "." + name
				}
				if m.tainted[name] && !resetsState(tree.Stmts[0].Stmt) {
					return "", SkipTainted, nil
				}
			}
		}
	}
	// Decide skips before touching state, so a skipped record changes nothing.
	for _, raw := range tree.Stmts {
		if skip := m.skipReason(rec, raw.Stmt); skip != "" {
			m.noteSkipped(rec, raw.Stmt, skip)
			return "", skip, nil
		}
	}
	return m.beforeRun(ctx, ex, rec, tree, true)
}

// beforeRun rewrites rec's statements (when rewrite is set), tracks
// transaction blocks and writes, and runs Optimize's VACUUM FULL.
func (m *LakeMode) beforeRun(ctx context.Context, ex Executor, rec *Record, tree *pg_query.ParseResult, rewrite bool) (string, string, error) {
	changed, writes := false, false
	for _, raw := range tree.Stmts {
		m.trackTxn(raw.Stmt)
		if isWrite(raw.Stmt) {
			writes = true
		}
		if rewrite && m.rewrite(rec, raw) {
			changed = true
		}
	}
	sql := rec.SQL
	if changed {
		var err error
		if sql, err = pg_query.Deparse(tree); err != nil {
			return "", "", fmt.Errorf("lake mode: deparse: %w", err)
		}
	}
	if m.Optimize && rec.Kind == Query && m.dirty && !m.inTxn {
		m.dirty = false
		m.Vacuums++
		if err := ex.Exec(ctx, "VACUUM FULL"); err != nil {
			return "", "", fmt.Errorf("lake mode: VACUUM FULL before this record: %w", err)
		}
	}
	if writes {
		m.dirty = true
	}
	return sql, "", nil
}

// trackTxn follows BEGIN ... COMMIT: VACUUM cannot run inside a block.
func (m *LakeMode) trackTxn(st *pg_query.Node) {
	ts := st.GetTransactionStmt()
	if ts == nil {
		return
	}
	switch ts.Kind {
	case pg_query.TransactionStmtKind_TRANS_STMT_BEGIN, pg_query.TransactionStmtKind_TRANS_STMT_START:
		m.inTxn = true
	case pg_query.TransactionStmtKind_TRANS_STMT_COMMIT, pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK,
		pg_query.TransactionStmtKind_TRANS_STMT_PREPARE:
		m.inTxn = false
	}
}

// isWrite: statements after which rows may sit outside compacted files.
func isWrite(st *pg_query.Node) bool {
	switch n := st.Node.(type) {
	case *pg_query.Node_InsertStmt, *pg_query.Node_UpdateStmt, *pg_query.Node_DeleteStmt,
		*pg_query.Node_MergeStmt, *pg_query.Node_CopyStmt, *pg_query.Node_CreateTableAsStmt:
		return true
	case *pg_query.Node_SelectStmt:
		return n.SelectStmt.IntoClause != nil
	}
	return false
}

// skipReason says why st (a statement of rec) cannot run as in row mode.
func (m *LakeMode) skipReason(rec *Record, st *pg_query.Node) string {
	switch n := st.Node.(type) {
	case *pg_query.Node_CreateStmt:
	case *pg_query.Node_IndexStmt:
		return SkipIndex
	case *pg_query.Node_DropStmt:
		if n.DropStmt.RemoveType == pg_query.ObjectType_OBJECT_INDEX {
			for _, o := range n.DropStmt.Objects {
				if name := lastName(o); name != "" && m.indexes[name] {
					return SkipIndex
				}
			}
		}
	case *pg_query.Node_ReindexStmt:
		return SkipIndex
	case *pg_query.Node_AlterTableStmt:
		for _, c := range n.AlterTableStmt.Cmds {
			cmd := c.GetAlterTableCmd()
			if isKey(cmd.GetDef().GetConstraint()) {
				return SkipAddKey
			}
			if cmd.GetSubtype() == pg_query.AlterTableType_AT_AddColumn && !rec.ExpectError && hasDefault(cmd.GetDef().GetColumnDef()) {
				return SkipAddColDefault
			}
		}
	case *pg_query.Node_ExplainStmt:
		return SkipExplain
	case *pg_query.Node_SelectStmt:
		if len(n.SelectStmt.LockingClause) > 0 && !rec.ExpectError {
			return SkipLocking
		}
	case *pg_query.Node_DeclareCursorStmt:
		if len(n.DeclareCursorStmt.GetQuery().GetSelectStmt().GetLockingClause()) > 0 && !rec.ExpectError {
			return SkipLocking
		}
	case *pg_query.Node_InsertStmt:
		if n.InsertStmt.OnConflictClause != nil {
			return SkipOnConflict
		}
	}
	if rec.ExpectError && (rec.ErrorCode == "" || rec.ErrorCode == "23505") && m.keyed[writeTarget(st)] {
		return SkipUniqueError
	}
	return ""
}

// rewrite turns st's tables into lake tables. It reports whether st
// changed.
// Table state (keys dropped, taint) changes only for statements expected
// to succeed: a CREATE TABLE that must fail (42P07) leaves the existing
// table as it was.
func (m *LakeMode) rewrite(rec *Record, raw *pg_query.RawStmt) (changed bool) {
	st := raw.Stmt
	ok := !rec.ExpectError
	switch n := st.Node.(type) {
	case *pg_query.Node_CreateStmt:
		cs := n.CreateStmt
		name := qual(cs.Relation)
		keyed := dropKeys(cs)
		if ok && !(cs.IfNotExists && m.known(name)) {
			delete(m.tainted, name)
			m.keyed[name] = keyed
		}
		if !hasFormat(cs.Options) {
			cs.Options = append(cs.Options, lakeOption())
			if col := partitionColumn(cs); m.Partition && col != "" {
				cs.Options = append(cs.Options, pg_query.MakeSimpleDefElemNode("partition_by", pg_query.MakeStrNode(`"`+col+`"`), -1))
			}
		}
		return true
	case *pg_query.Node_CreateTableAsStmt:
		if n.CreateTableAsStmt.Objtype != pg_query.ObjectType_OBJECT_TABLE {
			return false
		}
		into := n.CreateTableAsStmt.Into
		if ok {
			m.forget(qual(into.GetRel()))
		}
		if hasFormat(into.Options) {
			return false
		}
		into.Options = append(into.Options, lakeOption())
		return true
	case *pg_query.Node_SelectStmt:
		// SELECT ... INTO t has no WITH clause: it becomes CREATE TABLE t
		// WITH (format = 'lake') AS SELECT ...
		sel := n.SelectStmt
		into := sel.IntoClause
		if into == nil {
			return false
		}
		if ok {
			m.forget(qual(into.GetRel()))
		}
		sel.IntoClause = nil
		into.Options = append(into.Options, lakeOption())
		raw.Stmt = &pg_query.Node{Node: &pg_query.Node_CreateTableAsStmt{CreateTableAsStmt: &pg_query.CreateTableAsStmt{
			Query: st, Into: into, Objtype: pg_query.ObjectType_OBJECT_TABLE}}}
		return true
	case *pg_query.Node_DropStmt:
		if n.DropStmt.RemoveType == pg_query.ObjectType_OBJECT_TABLE && ok {
			for _, o := range n.DropStmt.Objects {
				m.forget(qualList(o))
			}
		}
	case *pg_query.Node_RenameStmt:
		rs := n.RenameStmt
		if rs.RenameType == pg_query.ObjectType_OBJECT_TABLE && ok {
			from := qual(rs.GetRelation())
			to := rs.Newname
			if sc := rs.GetRelation().GetSchemaname(); sc != "" {
				to = sc + "." + to
			}
			tainted, keyed := m.tainted[from], m.keyed[from]
			m.forget(from)
			if tainted {
				m.tainted[to] = true
			}
			m.keyed[to] = keyed
		}
	case *pg_query.Node_TruncateStmt:
		if ok {
			for _, r := range n.TruncateStmt.Relations {
				delete(m.tainted, qual(r.GetRangeVar()))
			}
		}
	}
	return false
}

// partitionColumn is the first column of cs whose type lake tables can
// partition by ("" if none).
func partitionColumn(cs *pg_query.CreateStmt) string {
	for _, e := range cs.TableElts {
		cd := e.GetColumnDef()
		names := cd.GetTypeName().GetNames()
		if cd == nil || len(names) == 0 || len(cd.GetTypeName().GetArrayBounds()) > 0 {
			continue
		}
		switch names[len(names)-1].GetString_().GetSval() {
		case "int2", "int4", "int8", "text", "varchar", "bpchar", "bool", "date",
			"timestamp", "timestamptz", "numeric", "uuid":
			return cd.Colname
		}
	}
	return ""
}

// dropKeys removes cs's PRIMARY KEY and UNIQUE constraints, keeping the
// NOT NULL a primary key implies. It reports whether there were any.
func dropKeys(cs *pg_query.CreateStmt) bool {
	dropped := false
	var pkCols []string
	elts := cs.TableElts[:0]
	for _, e := range cs.TableElts {
		if c := e.GetConstraint(); isKey(c) {
			dropped = true
			if c.Contype == pg_query.ConstrType_CONSTR_PRIMARY {
				for _, k := range c.Keys {
					pkCols = append(pkCols, k.GetString_().GetSval())
				}
			}
			continue
		}
		elts = append(elts, e)
	}
	cs.TableElts = elts
	for _, e := range cs.TableElts {
		cd := e.GetColumnDef()
		if cd == nil {
			continue
		}
		pk := false
		for _, k := range pkCols {
			pk = pk || k == cd.Colname
		}
		cons := cd.Constraints[:0]
		for _, c := range cd.Constraints {
			if con := c.GetConstraint(); isKey(con) {
				dropped = true
				pk = pk || con.Contype == pg_query.ConstrType_CONSTR_PRIMARY
				continue
			}
			cons = append(cons, c)
		}
		cd.Constraints = cons
		if pk {
			cd.Constraints = append(cd.Constraints, pg_query.MakeNotNullConstraintNode(-1))
		}
	}
	return dropped
}

func isKey(c *pg_query.Constraint) bool {
	return c != nil && (c.Contype == pg_query.ConstrType_CONSTR_PRIMARY || c.Contype == pg_query.ConstrType_CONSTR_UNIQUE)
}

func lakeOption() *pg_query.Node {
	return pg_query.MakeSimpleDefElemNode("format", pg_query.MakeStrNode("lake"), -1)
}

func hasFormat(opts []*pg_query.Node) bool {
	for _, o := range opts {
		if strings.EqualFold(o.GetDefElem().GetDefname(), "format") {
			return true
		}
	}
	return false
}

// lastName is the unqualified name of a qualified-name list node.
func lastName(n *pg_query.Node) string {
	items := n.GetList().GetItems()
	if len(items) == 0 {
		return ""
	}
	return items[len(items)-1].GetString_().GetSval()
}

// known reports whether the mode has seen table name created.
func (m *LakeMode) known(name string) bool {
	_, ok := m.keyed[name]
	return ok
}

// forget drops what the mode knows about a table (dropped or replaced).
func (m *LakeMode) forget(name string) {
	delete(m.tainted, name)
	delete(m.keyed, name)
}

// resetsState: statements that replace what a table holds (or its name)
// run even on a tainted table, and clear or move the taint.
func resetsState(st *pg_query.Node) bool {
	switch n := st.Node.(type) {
	case *pg_query.Node_DropStmt, *pg_query.Node_CreateStmt, *pg_query.Node_TruncateStmt:
		return true
	case *pg_query.Node_RenameStmt:
		return n.RenameStmt.RenameType == pg_query.ObjectType_OBJECT_TABLE
	}
	return false
}

// qual is a relation's name as the statement wrote it (schema-qualified
// or not): the mode's per-table state is keyed by it.
func qual(rv *pg_query.RangeVar) string {
	if rv.GetSchemaname() != "" {
		return rv.GetSchemaname() + "." + rv.GetRelname()
	}
	return rv.GetRelname()
}

// qualList is the dotted name of a qualified-name list node.
func qualList(n *pg_query.Node) string {
	var parts []string
	for _, it := range n.GetList().GetItems() {
		parts = append(parts, it.GetString_().GetSval())
	}
	return strings.Join(parts, ".")
}

// hasDefault reports whether a new column has a DEFAULT other than NULL.
func hasDefault(cd *pg_query.ColumnDef) bool {
	for _, c := range cd.GetConstraints() {
		con := c.GetConstraint()
		if con.GetContype() == pg_query.ConstrType_CONSTR_DEFAULT && !con.GetRawExpr().GetAConst().GetIsnull() {
			return true
		}
	}
	return false
}

// noteSkipped records what a skipped statement would have done to the
// tables, so later records are judged accordingly.
func (m *LakeMode) noteSkipped(rec *Record, st *pg_query.Node, skip string) {
	if rec.ExpectError {
		return
	}
	switch skip {
	case SkipOnConflict:
		m.tainted[qual(st.GetInsertStmt().GetRelation())] = true
	case SkipAddKey:
		m.keyed[qual(st.GetAlterTableStmt().GetRelation())] = true
	case SkipAddColDefault:
		m.tainted[qual(st.GetAlterTableStmt().GetRelation())] = true
	case SkipLocking:
		if dc := st.GetDeclareCursorStmt(); dc != nil {
			m.tainted[dc.Portalname] = true
		}
	case SkipIndex:
		if ix := st.GetIndexStmt(); ix != nil {
			m.indexes[ix.Idxname] = true
			if ix.Unique {
				m.keyed[qual(ix.GetRelation())] = true
			}
		}
	}
}

// writeTarget is the table an INSERT/UPDATE/MERGE writes ("" otherwise).
func writeTarget(st *pg_query.Node) string {
	switch n := st.Node.(type) {
	case *pg_query.Node_InsertStmt:
		return qual(n.InsertStmt.GetRelation())
	case *pg_query.Node_UpdateStmt:
		return qual(n.UpdateStmt.GetRelation())
	case *pg_query.Node_MergeStmt:
		return qual(n.MergeStmt.GetRelation())
	case *pg_query.Node_CopyStmt:
		return qual(n.CopyStmt.GetRelation())
	}
	return ""
}

// RowOracle is LakeMode's inverse, for running testdata/lake/*.test on
// PostgreSQL (the oracle for their expected results): it strips the lake
// storage options (format, partition_by, compression) from CREATE TABLE
// and turns OPTIMIZE, which PostgreSQL does not know, into VACUUM FULL.
type RowOracle struct{}

// StartFile implements Mode.
func (RowOracle) StartFile(string) {}

// Prepare implements Mode.
func (RowOracle) Prepare(_ context.Context, _ Executor, rec *Record) (string, string, error) {
	if f := strings.Fields(rec.SQL); len(f) > 0 && strings.EqualFold(f[0], "OPTIMIZE") {
		return "VACUUM FULL " + strings.Join(f[1:], " "), "", nil
	}
	tree, err := pg_query.Parse(rec.SQL)
	if err != nil {
		return rec.SQL, "", nil
	}
	changed := false
	for _, raw := range tree.Stmts {
		var opts *[]*pg_query.Node
		switch n := raw.Stmt.Node.(type) {
		case *pg_query.Node_CreateStmt:
			opts = &n.CreateStmt.Options
		case *pg_query.Node_CreateTableAsStmt:
			opts = &n.CreateTableAsStmt.Into.Options
		default:
			continue
		}
		kept := (*opts)[:0]
		for _, o := range *opts {
			switch strings.ToLower(o.GetDefElem().GetDefname()) {
			case "format", "partition_by", "compression":
				changed = true
				continue
			}
			kept = append(kept, o)
		}
		*opts = kept
	}
	if !changed {
		return rec.SQL, "", nil
	}
	sql, err := pg_query.Deparse(tree)
	if err != nil {
		return "", "", fmt.Errorf("row oracle: deparse: %w", err)
	}
	return sql, "", nil
}
