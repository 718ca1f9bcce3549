package bank

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// bankKind says which of the bank's tables are lake tables. The row kind
// is the original suite: every table a primary-key row table.
type bankKind struct {
	name string
	// acctLake[i] makes tables[i] a lake table.
	acctLake      [len(tables)]bool
	transfersLake bool
}

var (
	rowBank  = bankKind{name: "row"}
	lakeBank = bankKind{name: "lake", acctLake: [len(tables)]bool{true, true, true}, transfersLake: true}
	// mixedBank puts a lake table between two row tables, so transfers go
	// row->lake, lake->row and row->row, all logged in a lake table.
	mixedBank = bankKind{name: "mixed", acctLake: [len(tables)]bool{false, true, false}, transfersLake: true}
)

// createTable returns the DDL of a table with the given columns; key is
// the column a row table makes its primary key. Lake tables have no keys,
// so there the column is only NOT NULL, and uniqueness is checked by
// verify instead of enforced.
func createTable(name, key, keyType, rest string, lake bool) string {
	if lake {
		return fmt.Sprintf("CREATE TABLE %s (%s %s NOT NULL, %s) WITH (format = 'lake')", name, key, keyType, rest)
	}
	return fmt.Sprintf("CREATE TABLE %s (%s %s PRIMARY KEY, %s)", name, key, keyType, rest)
}

// ddl returns the CREATE TABLE statements of kind k, in setup order.
func (k bankKind) ddl() (transfers string, accts [len(tables)]string) {
	transfers = createTable("transfers", "id", "bigint",
		"src_tbl int NOT NULL, src_id int NOT NULL, dst_tbl int NOT NULL, dst_id int NOT NULL, amount bigint NOT NULL", k.transfersLake)
	for i, tbl := range tables {
		accts[i] = createTable(tbl, "id", "int", "balance bigint NOT NULL", k.acctLake[i])
	}
	return transfers, accts
}

// lakeTables lists kind k's lake tables (the ones maintenance runs on).
func (k bankKind) lakeTables() []string {
	var out []string
	if k.transfersLake {
		out = append(out, "transfers")
	}
	for i, tbl := range tables {
		if k.acctLake[i] {
			out = append(out, tbl)
		}
	}
	return out
}

// checkLakeFiles logs how much of each lake table ended up in Parquet
// files and fails if none did: then the maintainer never moved a row,
// and the run tested inlined rows only.
func checkLakeFiles(ctx context.Context, t *testing.T, conn string, lakeTables []string) {
	t.Helper()
	if len(lakeTables) == 0 {
		return
	}
	c, err := pgx.Connect(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var parts []string
	totalFiles := int64(0)
	for _, tbl := range lakeTables {
		var files, rows, deleted int64
		err := c.QueryRow(ctx, "SELECT count(*), coalesce(sum(rows), 0)::int8, coalesce(sum(deleted_rows), 0)::int8 FROM conflux_lake_files WHERE relname = $1", tbl).
			Scan(&files, &rows, &deleted)
		if err != nil {
			t.Fatalf("conflux_lake_files: %v", err)
		}
		totalFiles += files
		parts = append(parts, fmt.Sprintf("%s %d files (%d rows, %d deleted)", tbl, files, rows, deleted))
	}
	t.Logf("lake files at the end: %s", strings.Join(parts, "; "))
	if totalFiles == 0 {
		t.Error("no lake table has a Parquet file: maintenance never flushed")
	}
}
