package pgtest

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// BuildConflux builds the conflux binary into a temporary directory and
// returns its path (for tests that run the server as a real process).
func BuildConflux(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "conflux")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/conflux-db/conflux/cmd/conflux")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/conflux: %v\n%s", err, out)
	}
	return bin
}
