package sqllogictest

import (
	"context"
	"errors"

	"github.com/conflux-db/conflux/server"
	"github.com/conflux-db/conflux/sql"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// EngineExecutor runs records in process on one engine session, with the
// simple query protocol's steps (parse the string, then prepare, execute
// and drain each statement in turn, stopping at the first error). It
// drives the session through server.FromEngine so values are rendered by
// exactly the text codec the wire uses, session settings included.
type EngineExecutor struct {
	Session server.BackendSession
}

// NewEngineExecutor starts a session on e as user postgres.
func NewEngineExecutor(ctx context.Context, e *sql.Engine) (*EngineExecutor, error) {
	s, err := server.FromEngine(e).NewSession(ctx, sql.SessionParams{
		User: "postgres", Database: "postgres", Options: map[string]string{},
	})
	if err != nil {
		return nil, err
	}
	return &EngineExecutor{Session: s}, nil
}

// Close ends the session.
func (x *EngineExecutor) Close() { x.Session.Close() }

// Exec implements Executor.
func (x *EngineExecutor) Exec(ctx context.Context, q string) error {
	_, err := x.run(ctx, q)
	return err
}

// Query implements Executor: the result is the last statement's.
func (x *EngineExecutor) Query(ctx context.Context, q string) (Result, error) {
	return x.run(ctx, q)
}

func (x *EngineExecutor) run(ctx context.Context, q string) (Result, error) {
	stmts, err := x.Session.Parse(q)
	if err != nil {
		return Result{}, err
	}
	var out Result
	for _, st := range stmts {
		out, err = x.runOne(ctx, st)
		if err != nil {
			return Result{}, err
		}
	}
	return out, nil
}

func (x *EngineExecutor) runOne(ctx context.Context, st sql.Statement) (Result, error) {
	p, err := x.Session.Prepare(ctx, st, nil)
	if err != nil {
		return Result{}, err
	}
	switch p.Kind {
	case sql.KindEmpty:
		return Result{}, nil
	case sql.KindCopyIn, sql.KindCopyOut:
		return Result{}, pgerr.Unsupported("COPY in sqllogictest records")
	}
	cur, err := x.Session.Execute(ctx, p, nil)
	if err != nil {
		return Result{}, err
	}
	defer cur.Close()
	var res Result
	for _, c := range p.Columns {
		res.Columns = append(res.Columns, c.Name)
	}
	if p.Kind != sql.KindRows {
		return res, nil
	}
	var buf []byte
	for {
		row, ok, err := cur.Next(ctx)
		if err != nil {
			return Result{}, err
		}
		if !ok {
			break
		}
		if len(row) != len(p.Columns) {
			return Result{}, errors.New("sqllogictest: row width differs from the statement's columns")
		}
		vals := make([]Value, len(row))
		for i, d := range row {
			if types.IsNull(d) {
				vals[i] = Null
				continue
			}
			buf, err = x.Session.EncodeValue(buf[:0], d, p.Columns[i].Type, 0)
			if err != nil {
				return Result{}, err
			}
			vals[i] = Text(string(buf))
		}
		res.Rows = append(res.Rows, vals)
	}
	return res, nil
}
