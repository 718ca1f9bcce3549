package parser

import (
	"errors"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	pgparser "github.com/pganalyze/pg_query_go/v6/parser"

	"github.com/conflux-db/conflux/sql/pgerr"
)

// Statement is one parsed statement.
type Statement struct {
	// SQL is the statement's own text, without the terminating semicolon.
	SQL string
	// AST is the statement node (nil for an empty statement).
	AST *pg_query.Node
	// Offset is the statement's byte offset in the original query string,
	// so error positions can be reported relative to the whole string.
	Offset int
}

// Parse parses a query string into its statements. An empty or
// whitespace/comment-only string yields no statements.
func Parse(query string) ([]Statement, error) {
	if strings.IndexByte(query, 0) >= 0 {
		// The C parser stops at NUL; PostgreSQL rejects it in the protocol layer.
		return nil, pgerr.New(pgerr.ProtocolViolation, "invalid message format: query string contains a zero byte")
	}
	if mayHoldOptimize(query) {
		if out, ok, err := parseWithOptimize(query); ok {
			return out, err
		}
	}
	tree, err := pg_query.Parse(query)
	if err != nil {
		return nil, translateError(err)
	}
	out := make([]Statement, 0, len(tree.Stmts))
	for _, raw := range tree.Stmts {
		start := int(raw.StmtLocation)
		end := len(query)
		if raw.StmtLen > 0 {
			end = start + int(raw.StmtLen)
		}
		if start < 0 || start > len(query) || end > len(query) || end < start {
			start, end = 0, len(query)
		}
		out = append(out, Statement{
			SQL:    strings.TrimSpace(query[start:end]),
			AST:    raw.Stmt,
			Offset: start,
		})
	}
	return out, nil
}

// ParseOne parses a string that must hold exactly one statement.
func ParseOne(query string) (Statement, error) {
	stmts, err := Parse(query)
	if err != nil {
		return Statement{}, err
	}
	switch len(stmts) {
	case 0:
		return Statement{SQL: query}, nil
	case 1:
		return stmts[0], nil
	}
	return Statement{}, pgerr.New(pgerr.SyntaxError, "cannot insert multiple commands into a prepared statement")
}

// ParseExpr parses a scalar expression (a column DEFAULT, say) by
// wrapping it in a SELECT.
func ParseExpr(expr string) (*pg_query.Node, error) {
	stmts, err := Parse("SELECT " + expr)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		return nil, pgerr.New(pgerr.SyntaxError, "invalid expression: %s", expr)
	}
	sel := stmts[0].AST.GetSelectStmt()
	if sel == nil || len(sel.TargetList) != 1 || sel.FromClause != nil {
		return nil, pgerr.New(pgerr.SyntaxError, "invalid expression: %s", expr)
	}
	return sel.TargetList[0].GetResTarget().GetVal(), nil
}

func translateError(err error) error {
	var pe *pgparser.Error
	if errors.As(err, &pe) {
		code := pgerr.SyntaxError
		msg := pe.Message
		// The scanner reports a few lexical errors with their own SQLSTATEs.
		switch {
		case strings.HasPrefix(msg, "unterminated quoted string"),
			strings.HasPrefix(msg, "unterminated quoted identifier"),
			strings.HasPrefix(msg, "unterminated /* comment"),
			strings.HasPrefix(msg, "unterminated dollar-quoted string"),
			strings.HasPrefix(msg, "zero-length delimited identifier"):
			code = pgerr.SyntaxError
		case strings.Contains(msg, "invalid Unicode escape"),
			strings.Contains(msg, "unsafe use of string constant with Unicode escapes"):
			code = pgerr.InvalidEscapeSequence
		case strings.HasPrefix(msg, "invalid hexadecimal integer"),
			strings.HasPrefix(msg, "trailing junk after numeric literal"):
			code = pgerr.SyntaxError
		}
		return pgerr.New(code, "%s", msg).WithPosition(int32(pe.Cursorpos))
	}
	return pgerr.New(pgerr.SyntaxError, "%s", err.Error())
}
