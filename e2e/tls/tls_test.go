package tls

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/conflux-db/conflux/internal/pgtest"
	"github.com/conflux-db/conflux/server/tlstest"
)

// jdbcJar is where Debian's libpostgresql-jdbc-java puts pgJDBC.
const jdbcJar = "/usr/share/java/postgresql.jar"

// hostsslOnly admits TLS connections only: postgres without a password
// (to set up roles), everyone else with SCRAM.
const hostsslOnly = `
# TYPE    DATABASE  USER      ADDRESS        METHOD
hostssl   all       postgres  127.0.0.1/32   trust
hostssl   all       all       127.0.0.1/32   scram-sha-256
`

// binDir holds the conflux binary, built once for all tests (TestMain).
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "conflux-tls-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// binary builds cmd/conflux on first use and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		bin := filepath.Join(binDir, "conflux")
		out, err := exec.Command("go", "build", "-o", bin, "github.com/conflux-db/conflux/cmd/conflux").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/conflux: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(binDir, "conflux")
}

var (
	buildOnce sync.Once
	buildErr  error
)

// server is a running conflux binary.
type server struct {
	port int
	log  *strings.Builder
}

// startServer runs `conflux serve` with args and waits until postgres can
// connect with readyParams.
func startServer(t *testing.T, bin, readyParams string, args ...string) *server {
	t.Helper()
	s := &server{port: pgtest.FreePort(t), log: &strings.Builder{}}
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:" + strconv.Itoa(s.port),
		"--data-dir", t.TempDir()}, args...)...)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("conflux log:\n%s", s.log)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := s.connect("postgres", "", readyParams)
		if err == nil {
			_ = c.Close(context.Background())
			return s
		}
		select {
		case err := <-done:
			done <- err
			t.Fatalf("conflux exited during startup: %v\n%s", err, s.log)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("conflux not accepting connections: %v\n%s", err, s.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *server) url(user, password, params string) string {
	return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/postgres?%s", user, password, s.port, params)
}

func (s *server) connect(user, password, params string) (*pgconn.PgConn, error) {
	return s.connectFrom("", user, password, params)
}

// connectFrom connects from source address src (any 127.x address is
// loopback on Linux), or the default one when src is empty.
func (s *server) connectFrom(src, user, password, params string) (*pgconn.PgConn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cfg, err := pgconn.ParseConfig(s.url(user, password, params))
	if err != nil {
		return nil, err
	}
	if src != "" {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}
		cfg.DialFunc = d.DialContext
	}
	return pgconn.ConnectConfig(ctx, cfg)
}

// sslQuery asks the server whether this connection is encrypted.
const sslQuery = "select ssl from pg_stat_ssl where pid = pg_backend_pid()"

// sslDetailQuery is this connection's whole pg_stat_ssl row.
const sslDetailQuery = `select ssl, version, cipher, bits, client_dn, client_serial, issuer_dn
	from pg_stat_ssl where pid = pg_backend_pid()`

// queryLine runs one query and renders its rows as "a|b" lines (NULL as
// <null>), joined by newlines.
func queryLine(t *testing.T, c *pgconn.PgConn, sql string) string {
	t.Helper()
	res, err := c.Exec(context.Background(), sql).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var lines []string
	for _, row := range res[0].Rows {
		cols := make([]string, len(row))
		for i, v := range row {
			if v == nil {
				cols[i] = "<null>"
			} else {
				cols[i] = string(v)
			}
		}
		lines = append(lines, strings.Join(cols, "|"))
	}
	return strings.Join(lines, "\n")
}

// tlsVersionName and cipherBits name a negotiated connection as
// PostgreSQL (OpenSSL) does in pg_stat_ssl.
func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS12:
		return "TLSv1.2"
	case tls.VersionTLS13:
		return "TLSv1.3"
	}
	return tls.VersionName(v)
}

func cipherBits(suite uint16) int {
	name := tls.CipherSuiteName(suite)
	switch {
	case strings.Contains(name, "AES_128"):
		return 128
	case strings.Contains(name, "AES_256"), strings.Contains(name, "CHACHA20"):
		return 256
	}
	return 0
}

// setup starts a server with a CA-signed certificate and the
// hostssl-only rules, and creates the SCRAM role app/apppw.
func setup(t *testing.T) (s *server, ca, wrongCA *tlstest.CA) {
	t.Helper()
	bin := binary(t)
	ca = tlstest.NewCA(t, "conflux-e2e")
	wrongCA = tlstest.NewCA(t, "not-the-server-ca")
	cert := ca.Issue(t, "127.0.0.1", "localhost")
	hbaFile := filepath.Join(t.TempDir(), "hba.conf")
	if err := os.WriteFile(hbaFile, []byte(hostsslOnly), 0o600); err != nil {
		t.Fatal(err)
	}
	s = startServer(t, bin, "sslmode=require", "--tls-cert", cert.CertFile, "--tls-key", cert.KeyFile, "--hba-file", hbaFile)
	admin, err := s.connect("postgres", "", "sslmode=require")
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	if _, err := admin.Exec(context.Background(), "CREATE ROLE app LOGIN PASSWORD 'apppw'").ReadAll(); err != nil {
		t.Fatal(err)
	}
	return s, ca, wrongCA
}

const noEntryPlain = `no pg_hba.conf entry for host "127.0.0.1", user "%s", database "postgres", no encryption`

func TestPgx(t *testing.T) {
	s, ca, wrongCA := setup(t)
	for _, tc := range []struct {
		name, user, password, params string
	}{
		{"require", "postgres", "", "sslmode=require"},
		{"verify-full", "app", "apppw", "sslmode=verify-full&sslrootcert=" + ca.CertFile},
		{"verify-full by host name", "app", "apppw", "sslmode=verify-full&sslrootcert=" + ca.CertFile + "&host=localhost"},
		{"direct TLS", "app", "apppw", "sslmode=verify-full&sslnegotiation=direct&sslrootcert=" + ca.CertFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := s.connect(tc.user, tc.password, tc.params)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(context.Background())
			tc, ok := c.Conn().(*tls.Conn)
			if !ok {
				t.Fatalf("connection is %T, not TLS", c.Conn())
			}
			if v := tc.ConnectionState().Version; v < tls.VersionTLS12 {
				t.Errorf("TLS version %#x", v)
			}
			// The server's view must agree with the client's handshake.
			st := tc.ConnectionState()
			want := fmt.Sprintf("t|%s|%s|%d|<null>|<null>|<null>", tlsVersionName(st.Version), tls.CipherSuiteName(st.CipherSuite), cipherBits(st.CipherSuite))
			if got := queryLine(t, c, sslDetailQuery); got != want {
				t.Errorf("pg_stat_ssl = %q, want %q", got, want)
			}
			if got := queryLine(t, c, "SHOW ssl"); got != "on" {
				t.Errorf("SHOW ssl = %q on a server with a certificate", got)
			}
		})
	}

	t.Run("wrong CA", func(t *testing.T) {
		_, err := s.connect("app", "apppw", "sslmode=verify-full&sslrootcert="+wrongCA.CertFile)
		if err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("plain text refused", func(t *testing.T) {
		_, err := s.connect("app", "apppw", "sslmode=disable")
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "28000" || pe.Severity != "FATAL" || pe.Message != fmt.Sprintf(noEntryPlain, "app") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("wrong password over TLS", func(t *testing.T) {
		_, err := s.connect("app", "nope", "sslmode=require")
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "28P01" {
			t.Fatalf("got %v", err)
		}
	})
}

// psql runs psql with a libpq connection string and extra environment,
// returning stdout, stderr and whether it succeeded.
func psql(t *testing.T, conninfo string, env []string, args ...string) (string, string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "psql", append([]string{"-X", "-At", "-d", conninfo}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Env = append(cmd.Env, "PGCONNECT_TIMEOUT=20")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err == nil
}

func TestPsql(t *testing.T) {
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("psql not found: install postgresql-client (CI does)")
	}
	s, ca, wrongCA := setup(t)
	conninfo := func(user, sslmode string) string {
		return fmt.Sprintf("host=127.0.0.1 port=%d user=%s dbname=postgres sslmode=%s", s.port, user, sslmode)
	}
	for _, tc := range []struct {
		name, conninfo string
		env            []string
	}{
		{"require", conninfo("postgres", "require"), nil},
		{"verify-full", conninfo("app", "verify-full"), []string{"PGSSLROOTCERT=" + ca.CertFile, "PGPASSWORD=apppw"}},
		{"verify-full by host name", strings.Replace(conninfo("app", "verify-full"), "127.0.0.1", "localhost", 1),
			[]string{"PGSSLROOTCERT=" + ca.CertFile, "PGPASSWORD=apppw"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, ok := psql(t, tc.conninfo, tc.env, "-c", sslQuery, "-c", `\conninfo`)
			if !ok {
				t.Fatalf("psql failed: %s", errOut)
			}
			if !strings.Contains(out, "SSL connection (protocol: TLSv1.") {
				t.Errorf(`\conninfo does not report TLS:\n%s`, out)
			}
			if first, _, _ := strings.Cut(out, "\n"); first != "t" {
				t.Errorf("pg_stat_ssl.ssl = %q on a TLS connection", first)
			}
		})
	}
	t.Run("wrong CA", func(t *testing.T) {
		_, errOut, ok := psql(t, conninfo("app", "verify-full"), []string{"PGSSLROOTCERT=" + wrongCA.CertFile, "PGPASSWORD=apppw"}, "-c", "select 1")
		if ok || !strings.Contains(errOut, "certificate verify failed") {
			t.Fatalf("psql with the wrong CA: ok=%v %s", ok, errOut)
		}
	})
	t.Run("plain text refused", func(t *testing.T) {
		_, errOut, ok := psql(t, conninfo("postgres", "disable"), nil, "-c", "select 1")
		if ok || !strings.Contains(errOut, "FATAL:  "+fmt.Sprintf(noEntryPlain, "postgres")) {
			t.Fatalf("psql sslmode=disable: ok=%v %s", ok, errOut)
		}
	})
}

func TestJDBC(t *testing.T) {
	javac, err := exec.LookPath("javac")
	if err != nil {
		t.Skip("javac not found: install a JDK (CI installs default-jdk-headless)")
	}
	if _, err := os.Stat(jdbcJar); err != nil {
		t.Skip("pgJDBC not found at " + jdbcJar + ": install libpostgresql-jdbc-java (CI does)")
	}
	classes := t.TempDir()
	if out, err := exec.Command(javac, "-d", classes, filepath.Join("testdata", "TLSCheck.java")).CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	s, ca, wrongCA := setup(t)
	jdbc := func(host, params string) string {
		out, err := exec.Command("java", "-cp", jdbcJar+":"+classes, "TLSCheck",
			fmt.Sprintf("jdbc:postgresql://%s:%d/postgres?%s", host, s.port, params)).CombinedOutput()
		if err != nil {
			t.Fatalf("java: %v\n%s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for _, tc := range []struct{ name, host, params, want string }{
		{"verify-full", "127.0.0.1", "user=app&password=apppw&ssl=true&sslmode=verify-full&sslrootcert=" + ca.CertFile, "OK"},
		{"verify-full by host name", "localhost", "user=app&password=apppw&ssl=true&sslmode=verify-full&sslrootcert=" + ca.CertFile, "OK"},
		{"require", "127.0.0.1", "user=postgres&ssl=true&sslmode=require", "OK"},
		{"wrong CA", "127.0.0.1", "user=app&password=apppw&ssl=true&sslmode=verify-full&sslrootcert=" + wrongCA.CertFile, "ERROR 08006"},
		{"plain text refused", "127.0.0.1", "user=app&password=apppw&sslmode=disable",
			"ERROR 28000 FATAL: " + fmt.Sprintf(noEntryPlain, "app")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := jdbc(tc.host, tc.params)
			if !strings.HasPrefix(got, tc.want) {
				t.Fatalf("got %q, want %q...", got, tc.want)
			}
			if strings.HasPrefix(got, "OK") && got != "OK ssl=true" {
				t.Errorf("pg_stat_ssl on a TLS connection: %s", got)
			}
		})
	}
}

// TestHBARules runs the binary with rules that choose the method by user
// and client address, without TLS.
func TestHBARules(t *testing.T) {
	bin := binary(t)
	hbaFile := filepath.Join(t.TempDir(), "hba.conf")
	if err := os.WriteFile(hbaFile, []byte(`
host       all  postgres  127.0.0.1/32  trust
host       all  app       127.0.0.2/32  trust
host       all  app       127.0.0.0/8   scram-sha-256
hostnossl  all  legacy    all           password
host       all  all       all           reject
`), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, bin, "sslmode=disable", "--hba-file", hbaFile)
	admin, err := s.connect("postgres", "", "sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(context.Background(),
		"CREATE ROLE app LOGIN PASSWORD 'apppw'; CREATE ROLE legacy LOGIN PASSWORD 'oldpw'; CREATE ROLE other LOGIN PASSWORD 'x'").ReadAll(); err != nil {
		t.Fatal(err)
	}
	// Without a certificate the server reports ssl off, and the backend
	// has a pg_stat_ssl row saying it is not encrypted.
	if got := queryLine(t, admin, "SHOW ssl"); got != "off" {
		t.Errorf("SHOW ssl = %q on a server without a certificate", got)
	}
	if got := queryLine(t, admin, sslDetailQuery); got != "f|<null>|<null>|<null>|<null>|<null>|<null>" {
		t.Errorf("pg_stat_ssl without TLS = %q", got)
	}
	_ = admin.Close(context.Background())

	for _, tc := range []struct {
		name, src, user, password string
		code, msg                 string // empty: must connect
	}{
		{"trusted address", "127.0.0.2", "app", "", "", ""},
		{"scram address without password", "127.0.0.3", "app", "", "28P01", `password authentication failed for user "app"`},
		{"scram address with password", "127.0.0.3", "app", "apppw", "", ""},
		{"cleartext password", "", "legacy", "oldpw", "", ""},
		{"wrong cleartext password", "", "legacy", "nope", "28P01", `password authentication failed for user "legacy"`},
		{"postgres from another address", "127.0.0.4", "postgres", "", "28000",
			`pg_hba.conf rejects connection for host "127.0.0.4", user "postgres", database "postgres", no encryption`},
		{"rejected user", "", "other", "x", "28000",
			`pg_hba.conf rejects connection for host "127.0.0.1", user "other", database "postgres", no encryption`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := s.connectFrom(tc.src, tc.user, tc.password, "sslmode=disable")
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				_ = c.Close(context.Background())
				return
			}
			var pe *pgconn.PgError
			if !errors.As(err, &pe) || pe.Code != tc.code || pe.Message != tc.msg {
				t.Fatalf("got %v, want %s %s", err, tc.code, tc.msg)
			}
		})
	}

	if _, err := exec.LookPath("psql"); err == nil {
		out, errOut, ok := psql(t, fmt.Sprintf("host=127.0.0.1 port=%d user=legacy dbname=postgres sslmode=disable", s.port),
			[]string{"PGPASSWORD=oldpw"}, "-c", "select 42")
		if !ok || strings.TrimSpace(out) != "42" {
			t.Errorf("psql with the password method: %q %s", out, errOut)
		}
	}
}
