package sqllogictest

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// FindCorpus looks for shared/sqllogictest in dir and each of its
// ancestors (the corpus lives beside the repository, in ../shared).
// It returns "" when there is none.
func FindCorpus(dir string) string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "shared", "sqllogictest")
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// ReadKeyList reads a list of "file:line" keys, one per line; '#' starts a
// comment. A missing file is an empty list.
func ReadKeyList(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	keys := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); line != "" {
			keys[line] = true
		}
	}
	return keys, sc.Err()
}
