package bank

import "fmt"

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
