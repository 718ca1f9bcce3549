package sql

import (
	"context"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// TestLakeS3: with LakeURL naming an S3 bucket (an in-process gofakes3
// server), a COPY large enough to write files puts them in the bucket and
// reads them back.
func TestLakeS3(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("lake"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	q := url.Values{"endpoint": {srv.URL}, "region": {"us-east-1"}, "access_key_id": {"test"}, "secret_access_key": {"testsecret"}}
	e, err := Open(context.Background(), Config{InMemory: true, LakeURL: "s3://lake/db?" + q.Encode(), Lake: lakeOptions(10)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	s, err := e.NewSession(context.Background(), SessionParams{User: "postgres"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	if _, err := run(t, s, "CREATE TABLE s3t (id int, v text) WITH (format = 'lake')"); err != nil {
		t.Fatal(err)
	}
	if tag, err := copyIn(t, s, "COPY s3t FROM STDIN", "1\ta\n2\tb\n3\tc\n4\td\n5\te\n6\tf\n7\tg\n8\th\n9\ti\n10\tj\n11\tk\n"); err != nil || tag != "COPY 11" {
		t.Fatalf("copy: %q %v", tag, err)
	}
	got, err := run(t, s, "SELECT count(*), sum(id) FROM s3t")
	if err != nil || got != "11|66\nSELECT 1" {
		t.Fatalf("select: %q %v", got, err)
	}
	var objects int
	list, err := backend.ListBucket("lake", nil, gofakes3.ListBucketPage{})
	if err != nil {
		t.Fatal(err)
	}
	objects = len(list.Contents)
	if objects == 0 {
		t.Fatalf("no objects in the bucket")
	}
}
