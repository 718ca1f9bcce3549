package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config configures an S3-compatible Store.
type S3Config struct {
	// Endpoint is "host[:port]" or a URL ("http://127.0.0.1:9000"); an
	// http:// URL disables TLS. Empty means AWS S3 (s3.amazonaws.com).
	Endpoint string
	Region   string
	Bucket   string
	// Prefix is prepended (with a slash) to every object name.
	Prefix string
	// PathStyle addresses buckets as endpoint/bucket rather than
	// bucket.endpoint, as MinIO and most self-hosted servers need.
	PathStyle bool
	// Static credentials. When AccessKeyID is empty, credentials come from
	// AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, ~/.aws/credentials, or the
	// EC2/ECS instance role, in that order.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// Transport overrides the HTTP transport (tests).
	Transport http.RoundTripper
}

// s3Store maps object names to keys under a bucket prefix. S3 PUTs (and
// completed multipart uploads) are atomic, listing is in UTF-8 byte order,
// and deleting a missing key succeeds, so the Store contract maps directly.
type s3Store struct {
	client *minio.Client
	bucket string
	prefix string // "" or ends in "/"
	url    string
}

// NewS3 connects to an S3-compatible server and checks that the bucket
// exists, so a misconfiguration fails at startup rather than at first write.
func NewS3(ctx context.Context, cfg S3Config) (Store, error) {
	if cfg.Bucket == "" {
		return nil, fmt.Errorf("objstore: s3: no bucket")
	}
	host, secure := cfg.Endpoint, true
	if host == "" {
		host = "s3.amazonaws.com"
	} else if strings.Contains(host, "://") {
		u, err := url.Parse(host)
		if err != nil {
			return nil, fmt.Errorf("objstore: s3: endpoint: %w", err)
		}
		switch u.Scheme {
		case "http":
			secure = false
		case "https":
		default:
			return nil, fmt.Errorf("objstore: s3: endpoint %q: scheme must be http or https", cfg.Endpoint)
		}
		host = u.Host
	}
	var creds *credentials.Credentials
	if cfg.AccessKeyID != "" {
		creds = credentials.NewStaticV4(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken)
	} else {
		creds = credentials.NewChainCredentials([]credentials.Provider{
			&credentials.EnvAWS{},
			&credentials.FileAWSCredentials{},
			&credentials.IAM{},
		})
	}
	lookup := minio.BucketLookupAuto
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(host, &minio.Options{
		Creds:        creds,
		Secure:       secure,
		Region:       cfg.Region,
		BucketLookup: lookup,
		Transport:    cfg.Transport,
	})
	if err != nil {
		return nil, fmt.Errorf("objstore: s3: %w", err)
	}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("objstore: s3: bucket %q: %w", cfg.Bucket, err)
	}
	if !ok {
		return nil, fmt.Errorf("objstore: s3: bucket %q does not exist", cfg.Bucket)
	}
	prefix := strings.Trim(cfg.Prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return &s3Store{client: client, bucket: cfg.Bucket, prefix: prefix, url: s3URL(cfg, prefix)}, nil
}

// s3URL renders the configuration as an Open-able URL without credentials.
func s3URL(cfg S3Config, prefix string) string {
	u := url.URL{Scheme: "s3", Host: cfg.Bucket, Path: "/" + strings.TrimSuffix(prefix, "/")}
	q := url.Values{}
	if cfg.Endpoint != "" {
		q.Set("endpoint", cfg.Endpoint)
	}
	if cfg.Region != "" {
		q.Set("region", cfg.Region)
	}
	if cfg.PathStyle {
		q.Set("path_style", "true")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (s *s3Store) key(name string) string { return s.prefix + name }

func (s *s3Store) Put(ctx context.Context, name string, r io.Reader, size int64) error {
	if err := checkName(name); err != nil {
		return err
	}
	// Count what minio consumes so a reader shorter than size is an error
	// even if the server accepted what it got; a reader longer than size
	// fails the upload itself (exactReader), so no object appears.
	var body io.Reader = ctxReader{ctx, r}
	var exact *exactReader
	if size >= 0 {
		exact = &exactReader{r: body, left: size}
		body = exact
	}
	cr := &countingReader{r: body}
	_, err := s.client.PutObject(ctx, s.bucket, s.key(name), cr, size,
		minio.PutObjectOptions{ContentType: "application/octet-stream", DisableContentSha256: true})
	if err != nil {
		if exact != nil && exact.tooLong {
			// net/http probes for extra bytes only after sending
			// Content-Length of them, so the server may already hold a
			// complete object of the first size bytes.
			_ = s.client.RemoveObject(ctx, s.bucket, s.key(name), minio.RemoveObjectOptions{})
		}
		return fmt.Errorf("objstore: put %q: %w", name, err)
	}
	if size >= 0 && cr.n != size {
		_ = s.client.RemoveObject(ctx, s.bucket, s.key(name), minio.RemoveObjectOptions{})
		return fmt.Errorf("objstore: put %q: read %d bytes, expected %d", name, cr.n, size)
	}
	return nil
}

// exactReader yields at most left bytes and then fails instead of
// reporting EOF if r still has data (tooLong), so the upload fails.
type exactReader struct {
	r       io.Reader
	left    int64
	tooLong bool
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		var b [1]byte
		for {
			n, err := e.r.Read(b[:])
			if n > 0 {
				e.tooLong = true
				return 0, errors.New("objstore: reader holds more bytes than the declared size")
			}
			if err != nil {
				return 0, io.EOF
			}
		}
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left == 0 {
		err = nil // checked for extra bytes on the next call
	}
	return n, err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func isNoSuchKey(err error) bool {
	code := minio.ToErrorResponse(err).Code
	return code == minio.NoSuchKey || code == "NotFound"
}

// Open stats the object (existence and size) and returns a File whose
// ReadAt issues one ranged GET per call. Reads use ctx, so the File must
// not outlive the operation that opened it.
func (s *s3Store) Open(ctx context.Context, name string) (File, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	info, err := s.client.StatObject(ctx, s.bucket, s.key(name), minio.StatObjectOptions{})
	if err != nil {
		if isNoSuchKey(err) {
			return nil, notExist(name, nil)
		}
		return nil, fmt.Errorf("objstore: open %q: %w", name, err)
	}
	return &s3File{ctx: ctx, s: s, name: name, size: info.Size, etag: info.ETag}, nil
}

// s3File reads by ranged GETs. It is stateless apart from its identity, so
// concurrent ReadAt calls (parallel column-chunk reads) do not serialize,
// unlike minio.Object which funnels reads through one stream.
type s3File struct {
	ctx  context.Context
	s    *s3Store
	name string
	size int64
	etag string
}

func (f *s3File) Size() int64  { return f.size }
func (f *s3File) Close() error { return nil }

func (f *s3File) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("objstore: read %q: negative offset", f.name)
	}
	if off >= f.size {
		return 0, io.EOF
	}
	want := min(int64(len(p)), f.size-off)
	if want == 0 {
		return 0, nil
	}
	var opts minio.GetObjectOptions
	if err := opts.SetRange(off, off+want-1); err != nil {
		return 0, err
	}
	obj, err := f.s.client.GetObject(f.ctx, f.s.bucket, f.s.key(f.name), opts)
	if err != nil {
		return 0, f.err(err)
	}
	defer obj.Close()
	n, err := io.ReadFull(obj, p[:want])
	if err != nil {
		return n, f.err(err)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *s3File) err(err error) error {
	if isNoSuchKey(err) {
		return notExist(f.name, nil)
	}
	return fmt.Errorf("objstore: read %q: %w", f.name, err)
}

func (s *s3Store) List(ctx context.Context, prefix string, fn func(ObjectInfo) error) error {
	// Cancel the listing goroutine when fn stops early.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for obj := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{
		Prefix:    s.key(prefix),
		Recursive: true,
	}) {
		if obj.Err != nil {
			return fmt.Errorf("objstore: list %q: %w", prefix, obj.Err)
		}
		name := strings.TrimPrefix(obj.Key, s.prefix)
		if checkName(name) != nil {
			continue // not an object this store could have written
		}
		if err := fn(ObjectInfo{Name: name, Size: obj.Size, ModTime: obj.LastModified}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (s *s3Store) Delete(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	err := s.client.RemoveObject(ctx, s.bucket, s.key(name), minio.RemoveObjectOptions{})
	if err != nil && !isNoSuchKey(err) {
		return fmt.Errorf("objstore: delete %q: %w", name, err)
	}
	return nil
}

func (s *s3Store) URL() string { return s.url }
