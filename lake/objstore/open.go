package objstore

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// Open returns the Store a URL describes (the --lake-url flag):
//
//	/abs/dir or rel/dir        local directory
//	file:///abs/dir            local directory
//	mem://                     in-memory (tests)
//	s3://bucket[/prefix]?endpoint=http://127.0.0.1:9000&region=us-east-1
//
// S3 query parameters: endpoint, region, path_style (default true when an
// endpoint is given, as self-hosted servers need), and for tests
// access_key_id, secret_access_key, session_token; without them credentials
// come from the AWS environment variables or profile.
func Open(ctx context.Context, rawURL string) (Store, error) {
	if rawURL == "" {
		return nil, fmt.Errorf("objstore: empty store URL")
	}
	if !strings.Contains(rawURL, "://") {
		return NewLocal(rawURL)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("objstore: store URL: %w", err)
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" {
			return nil, fmt.Errorf("objstore: file URL %q: want file:///absolute/path", rawURL)
		}
		if u.Path == "" {
			return nil, fmt.Errorf("objstore: file URL %q has no path", rawURL)
		}
		return NewLocal(u.Path)
	case "mem":
		return NewMemory(), nil
	case "s3":
		q := u.Query()
		cfg := S3Config{
			Endpoint:        q.Get("endpoint"),
			Region:          q.Get("region"),
			Bucket:          u.Host,
			Prefix:          strings.TrimPrefix(u.Path, "/"),
			AccessKeyID:     q.Get("access_key_id"),
			SecretAccessKey: q.Get("secret_access_key"),
			SessionToken:    q.Get("session_token"),
		}
		if cfg.AccessKeyID == "" {
			// Explicit environment credentials win over profile/instance
			// credentials, as in the AWS CLI.
			cfg.AccessKeyID = os.Getenv("AWS_ACCESS_KEY_ID")
			cfg.SecretAccessKey = os.Getenv("AWS_SECRET_ACCESS_KEY")
			cfg.SessionToken = os.Getenv("AWS_SESSION_TOKEN")
		}
		cfg.PathStyle = cfg.Endpoint != ""
		if v := q.Get("path_style"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fmt.Errorf("objstore: store URL: path_style=%q: %w", v, err)
			}
			cfg.PathStyle = b
		}
		return NewS3(ctx, cfg)
	default:
		return nil, fmt.Errorf("objstore: store URL %q: unsupported scheme %q (want file, s3 or a path)", rawURL, u.Scheme)
	}
}
