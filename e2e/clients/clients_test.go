package clients

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conflux-db/conflux/internal/pgtest"
)

// jdbcJar is where Debian's libpostgresql-jdbc-java puts pgJDBC.
const jdbcJar = "/usr/share/java/postgresql.jar"

// run executes a client program with a deadline and returns its stdout.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\nstdout:\n%s\nstderr:\n%s", name, args, err, out, stderr.String())
	}
	return string(out)
}

// hostPort extracts host:port from a postgres:// connection string.
func hostPort(t *testing.T, connStr string) string {
	u, err := url.Parse(connStr)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// compare fails the test on every line where Conflux's output differs from
// PostgreSQL's, and on any FAIL line the program printed itself.
func compare(t *testing.T, pg, cfx string) {
	t.Helper()
	for _, l := range strings.Split(cfx, "\n") {
		if strings.HasPrefix(l, "FAIL") {
			t.Errorf("conflux: %s", l)
		}
	}
	for _, l := range strings.Split(pg, "\n") {
		if strings.HasPrefix(l, "FAIL") {
			t.Errorf("postgresql (the program's own expectation is wrong): %s", l)
		}
	}
	if pg != cfx {
		t.Errorf("output differs from PostgreSQL's (- postgresql, + conflux):\n%s", lineDiff(pg, cfx))
	}
}

// lineDiff renders a minimal line diff (longest common subsequence); the
// outputs are a few hundred lines, so the quadratic table is fine.
func lineDiff(a, b string) string {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var sb strings.Builder
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			i, j = i+1, j+1
		case j < len(y) && (i == len(x) || lcs[i][j+1] >= lcs[i+1][j]):
			sb.WriteString("+ " + y[j] + "\n")
			j++
		default:
			sb.WriteString("- " + x[i] + "\n")
			i++
		}
	}
	return sb.String()
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
	run(t, javac, "-d", classes, filepath.Join("testdata", "ClientsJDBC.java"))
	jdbc := func(connStr string) string {
		return "jdbc:postgresql://" + hostPort(t, connStr) + "/postgres?user=postgres&sslmode=disable"
	}
	pg := run(t, "java", "-cp", jdbcJar+":"+classes, "ClientsJDBC", jdbc(pgtest.StartPostgres(t)))
	cfx := run(t, "java", "-cp", jdbcJar+":"+classes, "ClientsJDBC", jdbc(pgtest.StartConflux(t)))
	compare(t, pg, cfx)
}

// debianPython is the interpreter Debian's python3-psycopg2 installs
// into; a python3 earlier on PATH (pyenv) would not see it.
const debianPython = "/usr/bin/python3"

func TestPsycopg2(t *testing.T) {
	if err := exec.Command(debianPython, "-c", "import psycopg2").Run(); err != nil {
		t.Skip("psycopg2 not importable by " + debianPython + ": install python3-psycopg2 (CI does)")
	}
	script := filepath.Join("testdata", "clients_psycopg2.py")
	dsn := func(connStr string) string {
		u, err := url.Parse(connStr)
		if err != nil {
			t.Fatal(err)
		}
		return "host=" + u.Hostname() + " port=" + u.Port() + " user=postgres dbname=postgres sslmode=disable"
	}
	pg := run(t, debianPython, script, dsn(pgtest.StartPostgres(t)))
	cfx := run(t, debianPython, script, dsn(pgtest.StartConflux(t)))
	compare(t, pg, cfx)
}
