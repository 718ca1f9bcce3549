package sqllogictest

import (
	"context"

	"github.com/jackc/pgx/v5/pgconn"
)

// WireExecutor runs records over a PostgreSQL wire connection with the
// simple query protocol, so a record holding several statements behaves as
// it does in psql, and values arrive in text format.
type WireExecutor struct {
	Conn *pgconn.PgConn
}

// Connect opens a WireExecutor for connString.
func Connect(ctx context.Context, connString string) (*WireExecutor, error) {
	c, err := pgconn.Connect(ctx, connString)
	if err != nil {
		return nil, err
	}
	return &WireExecutor{Conn: c}, nil
}

// Close closes the connection.
func (w *WireExecutor) Close(ctx context.Context) error { return w.Conn.Close(ctx) }

// Exec implements Executor.
func (w *WireExecutor) Exec(ctx context.Context, sql string) error {
	_, err := w.run(ctx, sql)
	return err
}

// Query implements Executor: the result is the last statement's.
func (w *WireExecutor) Query(ctx context.Context, sql string) (Result, error) {
	return w.run(ctx, sql)
}

func (w *WireExecutor) run(ctx context.Context, sql string) (Result, error) {
	results, err := w.Conn.Exec(ctx, sql).ReadAll()
	if err != nil {
		return Result{}, err
	}
	var out Result
	for _, r := range results {
		if r.Err != nil {
			return Result{}, r.Err
		}
		out = Result{}
		for _, fd := range r.FieldDescriptions {
			out.Columns = append(out.Columns, fd.Name)
		}
		out.Rows = make([][]Value, len(r.Rows))
		for i, row := range r.Rows {
			vals := make([]Value, len(row))
			for j, b := range row {
				if b == nil {
					vals[j] = Null
				} else {
					vals[j] = Text(string(b))
				}
			}
			out.Rows[i] = vals
		}
	}
	return out, nil
}
