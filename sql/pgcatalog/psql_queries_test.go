package pgcatalog

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/catalog"
)

// TestPsqlQueriesReferenceServedRelations parses psql's hidden queries and
// checks every pg_catalog relation they read is one VirtualTables serves
// and every alias-qualified column they name exists in some relation (a
// coarse check until the engine can run them).
func TestPsqlQueriesReferenceServedRelations(t *testing.T) {
	files, err := filepath.Glob("testdata/psql_queries/*.sql")
	if err != nil || len(files) < 15 {
		t.Fatalf("psql query files: %v (%d)", err, len(files))
	}
	rels := map[string]bool{}
	cols := map[string]bool{}
	for _, vt := range VirtualTables(nil) {
		if vt.SchemaID == catalog.PgCatalogSchemaID {
			rels[vt.Name] = true
		}
		for _, c := range vt.Columns {
			cols[c.Name] = true
		}
	}
	relRef := regexp.MustCompile(`pg_catalog\.(pg_[a-z_]+)\b\s*([^(\s]|$)`)
	colRef := regexp.MustCompile(`\b[a-z]{1,4}[0-9]?\.([a-z_]+)\b`)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sql := string(b)
		if _, err := pg_query.Parse(sql); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		for _, m := range relRef.FindAllStringSubmatch(sql, -1) {
			if !rels[m[1]] {
				t.Errorf("%s reads pg_catalog.%s, which is not served", filepath.Base(f), m[1])
			}
		}
		for _, m := range colRef.FindAllStringSubmatch(sql, -1) {
			if strings.HasPrefix(m[0], "pg_catalog.") {
				continue
			}
			if !cols[m[1]] {
				t.Errorf("%s names column %s, which no relation has", filepath.Base(f), m[0])
			}
		}
	}
}
