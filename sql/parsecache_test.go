package sql

import (
	"context"
	"fmt"
	"testing"

	"github.com/conflux-db/conflux/sql/parser"
	"github.com/conflux-db/conflux/sql/types"
)

// TestTxnControlFastPath checks that every spelling the fast path takes
// gives the statement PostgreSQL's grammar gives, and that everything
// else is left to the parser.
func TestTxnControlFastPath(t *testing.T) {
	for _, q := range []string{
		"BEGIN", "begin", "Begin;", "  begin work  ", "BEGIN TRANSACTION;\n", "start transaction",
		"COMMIT", "commit;", "COMMIT WORK", "commit transaction", "END", "end;", "END WORK", "end transaction",
		"ROLLBACK", "rollback ;", "ROLLBACK WORK", "rollback transaction", "ABORT", "abort work", "ABORT TRANSACTION;",
	} {
		st, ok := parseTxnControl(q)
		if !ok {
			t.Errorf("%q: fast path not taken", q)
			continue
		}
		want, err := parser.ParseOne(q)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := st.ast.GetTransactionStmt().Kind, want.AST.GetTransactionStmt().Kind; got != want {
			t.Errorf("%q: kind %v, parser says %v", q, got, want)
		}
		if st.SQL != want.SQL {
			t.Errorf("%q: SQL %q, parser says %q", q, st.SQL, want.SQL)
		}
	}
	for _, q := range []string{
		"", ";", "BEGIN ISOLATION LEVEL SERIALIZABLE", "begin read only", "commit and chain",
		"rollback to savepoint a", "begin; select 1", "BEGIN;;", "begin  work", "/* c */ begin",
		"begin -- c", "beginx", "savepoint a", "end if",
	} {
		if _, ok := parseTxnControl(q); ok {
			t.Errorf("%q: fast path taken", q)
		}
	}
}

func TestParseCacheLRU(t *testing.T) {
	var c parseCache
	for i := 0; i < parseCacheEntries+10; i++ {
		c.put(fmt.Sprint(i), []Statement{{SQL: fmt.Sprint(i)}})
		if i == 5 {
			c.get("0") // keep 0 recent
		}
	}
	if c.lru.Len() != parseCacheEntries || len(c.index) != parseCacheEntries {
		t.Fatalf("cache holds %d/%d entries, want %d", c.lru.Len(), len(c.index), parseCacheEntries)
	}
	if _, ok := c.get("1"); ok {
		t.Error("least recently used entry was kept")
	}
	if st, ok := c.get(fmt.Sprint(parseCacheEntries + 9)); !ok || st[0].SQL != fmt.Sprint(parseCacheEntries+9) {
		t.Error("newest entry missing")
	}
	big := string(make([]byte, parseCacheMaxLen+1))
	c.put(big, nil)
	if _, ok := c.get(big); ok {
		t.Error("oversized query string was cached")
	}
}

// BenchmarkParseCommit compares the fast path with the parser it skips.
func BenchmarkParseCommit(b *testing.B) {
	b.Run("fastpath", func(b *testing.B) {
		for b.Loop() {
			if _, ok := parseTxnControl("COMMIT"); !ok {
				b.Fatal("not taken")
			}
		}
	})
	b.Run("parser", func(b *testing.B) {
		for b.Loop() {
			if _, err := parser.Parse("COMMIT"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cached-insert", func(b *testing.B) {
		var s Session
		q := "INSERT INTO t1 (id, v) VALUES (1, 'x')"
		for b.Loop() {
			if _, err := s.Parse(q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parser-insert", func(b *testing.B) {
		for b.Loop() {
			if _, err := parser.Parse("INSERT INTO t1 (id, v) VALUES (1, 'x')"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTxnOverhead runs the txoverhead unit of work in process: ten
// single-row INSERTs (prepared once, as drivers do) into ten tables,
// either autocommitted or between BEGIN and COMMIT sent as simple
// queries. "txn-parsed" defeats the fast path and the parse cache with
// a unique comment, which is what every BEGIN/COMMIT cost before them.
func BenchmarkTxnOverhead(b *testing.B) {
	ctx := context.Background()
	e, err := Open(ctx, Config{InMemory: true})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	s, err := e.NewSession(ctx, SessionParams{User: "postgres", Database: "postgres"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	simple := func(q string) {
		st, err := s.Parse(q)
		if err != nil {
			b.Fatal(err)
		}
		p, err := s.Prepare(ctx, st[0], nil)
		if err != nil {
			b.Fatal(err)
		}
		cur, err := s.Execute(ctx, p, nil)
		if err != nil {
			b.Fatal(err)
		}
		cur.Close()
	}
	var inserts []*Prepared
	for i := 0; i < 10; i++ {
		simple(fmt.Sprintf("CREATE TABLE ov%d (id bigint PRIMARY KEY, v text)", i))
		st, _ := s.Parse(fmt.Sprintf("INSERT INTO ov%d VALUES ($1, $2)", i))
		p, err := s.Prepare(ctx, st[0], nil)
		if err != nil {
			b.Fatal(err)
		}
		inserts = append(inserts, p)
	}
	id := int64(0)
	unit := func() {
		id++
		for _, p := range inserts {
			cur, err := s.Execute(ctx, p, []types.Datum{types.DInt(id), types.DString("x")})
			if err != nil {
				b.Fatal(err)
			}
			cur.Close()
		}
	}
	b.Run("autocommit", func(b *testing.B) {
		for b.Loop() {
			unit()
		}
	})
	b.Run("txn", func(b *testing.B) {
		for b.Loop() {
			simple("BEGIN")
			unit()
			simple("COMMIT")
		}
	})
	b.Run("txn-parsed", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			simple(fmt.Sprintf("BEGIN /* %d */", i))
			unit()
			simple(fmt.Sprintf("COMMIT /* %d */", i))
		}
	})
}
