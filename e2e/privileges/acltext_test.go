package privileges

import (
	"context"
	"testing"
	"time"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/internal/pgtest"
)

// TestACLTextMatchesPostgres checks catalog.FormatACL, which Conflux's
// pg_class.relacl / pg_namespace.nspacl show, against what PostgreSQL 15
// prints after the same GRANTs.
func TestACLTextMatchesPostgres(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin := connect(t, ctx, pgtest.StartPostgres(t), "postgres")
	for _, q := range []string{
		`CREATE ROLE alice`, `CREATE ROLE "Bob Smith"`, `CREATE ROLE "Carol"`,
		`CREATE TABLE t (a int)`, `CREATE SEQUENCE q`, `CREATE SCHEMA s`,
		`GRANT SELECT ON t TO alice`,
		`GRANT INSERT ON t TO alice WITH GRANT OPTION`,
		`GRANT DELETE ON t TO PUBLIC`,
		`GRANT UPDATE ON t TO "Bob Smith"`,
		`GRANT SELECT ON t TO "Carol"`,
		`GRANT USAGE ON SEQUENCE q TO alice`,
		`GRANT USAGE ON SCHEMA s TO alice`,
	} {
		if _, err := admin.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	table := catalog.DefaultACL(catalog.ObjTable, "postgres")
	table = catalog.Grant(table, "alice", "postgres", catalog.PrivSelect, 0)
	table = catalog.Grant(table, "alice", "postgres", catalog.PrivInsert, catalog.PrivInsert)
	table = catalog.Grant(table, catalog.PublicGrantee, "postgres", catalog.PrivDelete, 0)
	table = catalog.Grant(table, "Bob Smith", "postgres", catalog.PrivUpdate, 0)
	table = catalog.Grant(table, "Carol", "postgres", catalog.PrivSelect, 0)
	seq := catalog.Grant(catalog.DefaultACL(catalog.ObjSequence, "postgres"), "alice", "postgres", catalog.PrivUsage, 0)
	schema := catalog.Grant(catalog.DefaultACL(catalog.ObjSchema, "postgres"), "alice", "postgres", catalog.PrivUsage, 0)
	pub := catalog.FormatACL(catalog.EffectiveSchemaACL(&catalog.Schema{ID: catalog.PublicSchemaID, Name: "public", Owner: "pg_database_owner"}).Items)
	for _, tc := range []struct{ query, want string }{
		{`SELECT relacl::text FROM pg_class WHERE relname = 't'`, catalog.FormatACL(table)},
		{`SELECT relacl::text FROM pg_class WHERE relname = 'q'`, catalog.FormatACL(seq)},
		{`SELECT nspacl::text FROM pg_namespace WHERE nspname = 's'`, catalog.FormatACL(schema)},
		{`SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public'`, pub},
	} {
		var got string
		if err := admin.QueryRow(ctx, tc.query).Scan(&got); err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		if got != tc.want {
			t.Errorf("%s:\n postgres: %s\n conflux:  %s", tc.query, got, tc.want)
		}
	}
}
