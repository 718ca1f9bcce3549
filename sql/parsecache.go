package sql

import (
	"container/list"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// Simple-protocol query strings are parsed on every execution, and the
// parser is PostgreSQL's own C code behind cgo plus a protobuf decode of
// the tree: tens of microseconds, which is most of what a BEGIN or COMMIT
// costs. Two shortcuts avoid it. The exact common spellings of
// transaction control are recognised by hand; anything else (options,
// comments, AND CHAIN, several statements) goes to the real parser. And a
// small per-session LRU keeps the parse of recently seen strings, which
// is safe because statement trees are never modified after parsing
// (prepared statements already re-plan from the same tree).

// txnControlWords lists the fast path's spellings and their statement kind.
var txnControlWords = [...]struct {
	text string
	kind pg_query.TransactionStmtKind
}{
	{"begin", pg_query.TransactionStmtKind_TRANS_STMT_BEGIN},
	{"begin work", pg_query.TransactionStmtKind_TRANS_STMT_BEGIN},
	{"begin transaction", pg_query.TransactionStmtKind_TRANS_STMT_BEGIN},
	{"start transaction", pg_query.TransactionStmtKind_TRANS_STMT_START},
	{"commit", pg_query.TransactionStmtKind_TRANS_STMT_COMMIT},
	{"commit work", pg_query.TransactionStmtKind_TRANS_STMT_COMMIT},
	{"commit transaction", pg_query.TransactionStmtKind_TRANS_STMT_COMMIT},
	{"end", pg_query.TransactionStmtKind_TRANS_STMT_COMMIT},
	{"end work", pg_query.TransactionStmtKind_TRANS_STMT_COMMIT},
	{"end transaction", pg_query.TransactionStmtKind_TRANS_STMT_COMMIT},
	{"rollback", pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK},
	{"rollback work", pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK},
	{"rollback transaction", pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK},
	{"abort", pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK},
	{"abort work", pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK},
	{"abort transaction", pg_query.TransactionStmtKind_TRANS_STMT_ROLLBACK},
}

// parseTxnControl recognises a query string that is exactly one bare
// transaction-control statement (any case, surrounding whitespace, one
// optional trailing semicolon). ok is false for anything else.
func parseTxnControl(query string) (Statement, bool) {
	if len(query) > 40 {
		return Statement{}, false
	}
	q := strings.TrimSpace(query)
	q = strings.TrimSuffix(q, ";")
	q = strings.TrimSpace(q)
	if q == "" {
		return Statement{}, false
	}
	// Only a single space between words matches; other spellings are
	// rare enough to leave to the parser.
	for _, w := range txnControlWords {
		if len(w.text) == len(q) && strings.EqualFold(w.text, q) {
			ast := &pg_query.Node{Node: &pg_query.Node_TransactionStmt{TransactionStmt: &pg_query.TransactionStmt{Kind: w.kind, Location: -1}}}
			return Statement{SQL: q, ast: ast}, true
		}
	}
	return Statement{}, false
}

const (
	// parseCacheEntries bounds each session's parse cache.
	parseCacheEntries = 128
	// parseCacheMaxLen keeps huge one-off strings (bulk INSERTs) out.
	parseCacheMaxLen = 8 << 10
)

// parseCache is a bounded LRU of parsed query strings.
type parseCache struct {
	lru   list.List // of *parseEntry, most recent first
	index map[string]*list.Element
}

type parseEntry struct {
	query string
	stmts []Statement
}

func (c *parseCache) get(query string) ([]Statement, bool) {
	el, ok := c.index[query]
	if !ok {
		return nil, false
	}
	c.lru.MoveToFront(el)
	return el.Value.(*parseEntry).stmts, true
}

func (c *parseCache) put(query string, stmts []Statement) {
	if len(query) > parseCacheMaxLen {
		return
	}
	if c.index == nil {
		c.index = map[string]*list.Element{}
	}
	if el, ok := c.index[query]; ok {
		c.lru.MoveToFront(el)
		return
	}
	c.index[query] = c.lru.PushFront(&parseEntry{query: query, stmts: stmts})
	if c.lru.Len() > parseCacheEntries {
		last := c.lru.Back()
		c.lru.Remove(last)
		delete(c.index, last.Value.(*parseEntry).query)
	}
}
