package txn

import (
	"fmt"
	"testing"
)

func BenchmarkPointGet(b *testing.B) {
	db, e := openDB(b, b.TempDir())
	defer e.Close()
	tx := db.Begin(Options{})
	for i := 0; i < 10000; i++ {
		tx.Put(ctx, []byte(fmt.Sprintf("key%06d", i)), []byte("value"))
	}
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r := db.Begin(Options{})
		if _, ok, err := r.Get(ctx, []byte(fmt.Sprintf("key%06d", i%10000))); !ok || err != nil {
			b.Fatal("missing")
		}
		r.Commit(ctx)
		i++
	}
}

func BenchmarkCommitSync(b *testing.B) {
	db, e := openDB(b, b.TempDir())
	defer e.Close()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		tx := db.Begin(Options{})
		tx.Put(ctx, []byte(fmt.Sprintf("key%06d", i%1000)), []byte("value"))
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
