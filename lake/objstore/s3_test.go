package objstore

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// fakeS3 starts an in-process S3 server with the given buckets and returns
// its endpoint.
func fakeS3(t *testing.T, buckets ...string) string {
	t.Helper()
	backend := s3mem.New()
	for _, b := range buckets {
		if err := backend.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return srv.URL
}

func s3TestURL(endpoint, bucket, prefix string) string {
	q := url.Values{
		"endpoint":          {endpoint},
		"region":            {"us-east-1"},
		"access_key_id":     {"test"},
		"secret_access_key": {"testsecret"},
	}
	return "s3://" + bucket + "/" + prefix + "?" + q.Encode()
}

func TestS3(t *testing.T) {
	ctx := context.Background()
	endpoint := fakeS3(t, "lake")
	s, err := Open(ctx, s3TestURL(endpoint, "lake", "tables/db1"))
	if err != nil {
		t.Fatal(err)
	}
	// An object beside the store's prefix must not leak into listings.
	other, err := Open(ctx, s3TestURL(endpoint, "lake", "tables/db10"))
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Put(ctx, "ls/a-0", strings.NewReader("x"), 1); err != nil {
		t.Fatal(err)
	}
	testConformance(t, s)
	if u := s.URL(); strings.Contains(u, "testsecret") || !strings.HasPrefix(u, "s3://lake/tables/db1?") {
		t.Fatalf("URL() = %q", u)
	}
}

func TestOpenURL(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	endpoint := fakeS3(t, "lake")
	for _, tc := range []struct {
		url     string
		wantURL string // prefix of Store.URL(); "" means Open must fail
	}{
		{dir, "file://" + dir},
		{"file://" + dir, "file://" + dir},
		{"mem://", "mem://"},
		{s3TestURL(endpoint, "lake", ""), "s3://lake/?"},
		{s3TestURL(endpoint, "missing", "p"), ""},
		{"file://host/dir", ""},
		{"gs://bucket/x", ""},
		{"s3:///nobucket", ""},
		{s3TestURL(endpoint, "lake", "p") + "&path_style=maybe", ""},
		{"", ""},
	} {
		s, err := Open(ctx, tc.url)
		if tc.wantURL == "" {
			if err == nil {
				t.Errorf("Open(%q) succeeded, want error", tc.url)
			}
			continue
		}
		if err != nil {
			t.Errorf("Open(%q): %v", tc.url, err)
			continue
		}
		if got := s.URL(); !strings.HasPrefix(got, tc.wantURL) {
			t.Errorf("Open(%q).URL() = %q, want prefix %q", tc.url, got, tc.wantURL)
		}
	}
}
