package parser

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/sql/pgerr"
)

// OPTIMIZE [table] compacts a lake table (small files and files with many
// deleted rows). PostgreSQL's grammar has no such statement, so it is
// recognised here by its leading keyword and rewritten onto VACUUM with
// the OptimizeOption marker, which the SQL layer runs as VACUUM FULL but
// reports with its own command tag.

// OptimizeOption is the VACUUM option an OPTIMIZE statement becomes.
const OptimizeOption = "conflux_optimize"

// IsOptimize reports whether a VACUUM statement was written as OPTIMIZE.
func IsOptimize(v *pg_query.VacuumStmt) bool {
	for _, o := range v.GetOptions() {
		if o.GetDefElem().GetDefname() == OptimizeOption {
			return true
		}
	}
	return false
}

// mayHoldOptimize is a cheap filter: only strings mentioning the word pay
// for a scan.
func mayHoldOptimize(q string) bool {
	const w = "optimize"
	for i := 0; i+len(w) <= len(q); i++ {
		if (q[i]|0x20) == 'o' && strings.EqualFold(q[i:i+len(w)], w) {
			return true
		}
	}
	return false
}

// parseWithOptimize parses a query string holding at least one OPTIMIZE
// statement: each statement on its own, OPTIMIZE ones rewritten. ok is
// false when no statement starts with OPTIMIZE (the caller parses as usual).
func parseWithOptimize(query string) (out []Statement, ok bool, err error) {
	scan, err := pg_query.Scan(query)
	if err != nil {
		return nil, false, nil // let the parser report it
	}
	type span struct {
		start, end int
		optimize   bool
		kwEnd      int
	}
	var spans []span
	cur := span{start: -1}
	for _, tok := range scan.Tokens {
		if tok.Token == pg_query.Token_SQL_COMMENT || tok.Token == pg_query.Token_C_COMMENT {
			continue
		}
		if tok.Token == pg_query.Token_ASCII_59 {
			if cur.start >= 0 {
				cur.end = int(tok.Start)
				spans = append(spans, cur)
			}
			cur = span{start: -1}
			continue
		}
		if cur.start < 0 {
			cur.start = int(tok.Start)
			if tok.Token == pg_query.Token_IDENT && strings.EqualFold(query[tok.Start:tok.End], "optimize") {
				cur.optimize, cur.kwEnd = true, int(tok.End)
				ok = true
			}
		}
	}
	if cur.start >= 0 {
		cur.end = len(query)
		spans = append(spans, cur)
	}
	if !ok {
		return nil, false, nil
	}
	for _, sp := range spans {
		text := query[sp.start:sp.end]
		src := text
		if sp.optimize {
			src = "VACUUM (" + OptimizeOption + ") " + query[sp.kwEnd:sp.end]
		}
		tree, err := pg_query.Parse(src)
		if err != nil {
			e := translateError(err)
			if pe, isPG := e.(*pgerr.Error); isPG && pe.Position > 0 && !sp.optimize {
				pe.Position += int32(sp.start)
			}
			return nil, true, e
		}
		for _, raw := range tree.Stmts {
			out = append(out, Statement{SQL: strings.TrimSpace(text), AST: raw.Stmt, Offset: sp.start})
		}
	}
	return out, true, nil
}
