// Package pgcatalog serves the system catalogs that psql, pgx, JDBC and BI
// tools read (pg_catalog.* and information_schema.*), plus the builtins
// that need the catalog or the session (format_type, pg_get_indexdef,
// current_schemas, pg_table_is_visible, ...) and the reg* name resolution
// (RegclassIn/Out, RegtypeIn/Out, RegprocIn/Out) the planner's casts use.
//
// Why generated, not stored: Conflux's catalog is a set of descriptors
// (catalog.Table, Index, Sequence, Role). Keeping a second, PostgreSQL-shaped
// copy in sync would be a standing source of bugs, so every system relation
// is a catalog.VirtualTable whose rows are computed per query from the
// catalog.Reader the querying transaction sees. That makes the catalog
// transactional for free: a CREATE TABLE shows up in pg_class inside its own
// transaction and nowhere else.
//
// Why PostgreSQL's exact shape: clients do not ask "which tables exist";
// they send psql's describe.c queries, pgx's type loader and JDBC's
// DatabaseMetaData SQL verbatim, joining on OIDs and casting to regclass.
// So relation OIDs, column names and column types are PostgreSQL 15's,
// generated from a real PostgreSQL 15 catalog (pg15_schema.go, pg15_data.go),
// and catalog IDs double as OIDs. The few PostgreSQL types Conflux lacks are
// mapped onto ones it has: aclitem[] is text[], pg_node_tree columns are
// text (expressions are stored as SQL text; deparse.go re-types them
// against the table's columns so defaults and CHECKs print with the casts
// PostgreSQL's ruleutils shows, e.g. 'x'::text), xid is int8,
// information_schema's columns use the domains' base types (the domains
// themselves are still pg_type rows, for SQLAlchemy's reflection).
// System relations keep PostgreSQL's relkind ('r' for catalog tables, 'v'
// for system views), so `\dt pg_catalog.*` and `\dv` list what they list
// against PostgreSQL, and tables list PostgreSQL's system columns (ctid,
// xmin, ... with negative attnum) because DBeaver shows them.
//
// pg_type's I/O columns are real regproc values: pgJDBC asks
// typinput = 'pg_catalog.array_in'::regproc to find array types, so the
// type I/O functions are pg_proc rows (pg15_procs.go, PostgreSQL's OIDs)
// even though nothing can call them. View definitions (pg_get_viewdef,
// pg_views, information_schema.views) are re-printed from the stored
// SELECT the way ruleutils prints the analysed query (viewdef.go).
//
// Some answers depend on the server rather than the catalog, so they go
// through optional interfaces the session may implement: PrivilegeChecker
// and SequencePrivilegeChecker (has_table_privilege, has_schema_privilege,
// has_sequence_privilege: without them everything is granted),
// SessionUserer (session_user, which differs from current_user after SET
// ROLE) and RelationSizer (pg_relation_size and friends: without it sizes
// are 0). Build parameters drivers read (max_index_keys, ...) fill gaps in
// the session's settings (settings.go); the SQL layer adopts them too.
//
// Privileges are shown, not decided, here: pg_class.relacl and
// pg_namespace.nspacl print the descriptors' ACLs (NULL until the first
// GRANT, as PostgreSQL's default ACL), pg_auth_members lists role
// memberships, and information_schema.table_privileges and
// role_table_grants explode the effective ACLs the way aclexplode does.
// System relations show PostgreSQL's initial catalog ACLs, and schema
// public's owner entries name pg_database_owner, as its nspowner does.
//
// What is not modelled yet is answered with empty relations of the right
// shape (pg_trigger, pg_policy, pg_inherits, pg_publication...) or with
// constants, because an empty answer lets psql print a correct description
// while an error aborts it.
//
// Live state (pg_locks, pg_stat_activity, pg_stat_ssl, and Conflux's own
// conflux_gc_status) is not catalog, so it comes through an optional
// interface: a generator type-asserts its env to RuntimeEnv, which the SQL
// layer's env implements; catalog.VirtualEnv stays catalog-only and an env
// without runtime state shows no rows. State private to the querying
// session (pg_cursors) comes the same way through SessionEnv. Row locks appear as locktype
// 'tuple' on their table (page and tuple NULL: rows have no physical
// address) in mode RowShareLock (FOR SHARE) or ExclusiveLock (writes, FOR
// UPDATE), the modes PostgreSQL shows for those tuple locks; other keys
// are 'object' locks. Conflux-only views take OIDs from PostgreSQL's
// development range (8000-9999), which releases never assign.
//
// Lake tables (lake.go): pg_am has a 'lake' table access method and
// pg_class.relam of a lake table points to it, so psql shows "Access
// method: lake". conflux_lake_files and conflux_lake_snapshots are read in
// the querying transaction through LakeState, an optional interface of
// the session state, so they show what that transaction's snapshot (time
// travel included) sees; conflux_lake_maintenance lists the engine's jobs.
// The package does not import package lake: the SQL layer converts.
//
// Function OIDs: overloads with a PostgreSQL pg_proc OID keep it; the rest
// are numbered from 14000 in registry order the first time the frozen
// registry is read, so pg_proc, regproc and pg_get_function_* agree.
package pgcatalog
