// Package bi checks that the catalog queries BI tools and ORMs send on
// connect and while browsing (DBeaver, Metabase, Grafana, Superset through
// SQLAlchemy's reflection, pgJDBC's DatabaseMetaData) answer on Conflux
// exactly as on PostgreSQL 15.
//
// Why differential and verbatim: these tools do not ask "which tables
// exist"; they send their own SQL, joining pg_class to pg_namespace on OIDs,
// casting to regclass and calling format_type, pg_get_indexdef and
// friends. A catalog that answers a simplified question correctly still
// breaks them. So each query in testdata/introspection is the tool's own
// text (its origin named in a comment), run after the same setup script
// against a real PostgreSQL and against Conflux, and the two results must
// be identical. The golden output is PostgreSQL's, recorded with -rewrite;
// a run also checks that PostgreSQL still gives it, so the file documents
// what the tools see.
//
// Normalisation, and only this: OIDs differ legitimately (Conflux's
// catalog IDs are not PostgreSQL's), so a query lists the columns to
// compare (cols=...) and leaves out OID-valued ones; every name-valued
// result still goes through the OID joins inside the query, so a wrong OID
// shows up as a missing or wrong name. Rows are sorted unless the test
// says ordered, because the tools sort client-side where order matters.
// Queries are never edited to pass.
package bi
