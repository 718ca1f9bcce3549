package tpch

import (
	"context"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"
)

// CreateTables creates the eight tables on conn with the given storage.
func CreateTables(ctx context.Context, conn *pgx.Conn, f Format) error {
	for _, ddl := range Schema(f) {
		if _, err := conn.Exec(ctx, ddl); err != nil {
			return fmt.Errorf("tpch: %s: %w", ddl, err)
		}
	}
	return nil
}

// LoadTable streams one generated table into conn with COPY ... FROM
// STDIN and returns the number of rows copied.
func LoadTable(ctx context.Context, conn *pgx.Conn, sf float64, table string) (int64, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(Generate(sf, table, pw)) }()
	tag, err := conn.PgConn().CopyFrom(ctx, pr, "COPY "+table+" FROM STDIN")
	pr.CloseWithError(err) // unblocks the generator if COPY failed early
	if err != nil {
		return 0, fmt.Errorf("tpch: COPY %s: %w", table, err)
	}
	return tag.RowsAffected(), nil
}

// Load generates and copies all eight tables (already created) into conn.
func Load(ctx context.Context, conn *pgx.Conn, sf float64) error {
	for _, t := range Tables {
		if _, err := LoadTable(ctx, conn, sf, t); err != nil {
			return err
		}
	}
	return nil
}
