package sqllogictest

import (
	"context"
	"strings"
	"testing"
)

func TestTmpRepro(t *testing.T) {
	ctx := context.Background()
	ex, _ := NewEngineExecutor(ctx, openLakeEngine(t, lakeModes[1].opts))
	for _, q := range strings.Split(`CREATE TABLE t (id int NOT NULL, name text NOT NULL) WITH (format='lake');INSERT INTO t (id, name) VALUES (2, NULL);INSERT INTO t VALUES (3, NULL);INSERT INTO t (id) VALUES (4);INSERT INTO t VALUES (5,'a'),(6,NULL),(7,'b'),(8,'c');SELECT * FROM t`, ";") {
		r, err := ex.Query(ctx, q)
		t.Log(q, "=>", r.Rows, err)
	}
}
