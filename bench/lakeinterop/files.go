package lakeinterop

import (
	"io/fs"
	"path/filepath"
	"strings"
)

// ParquetFiles lists the *.parquet files under dir (Conflux's lake
// directory), in name order, skipping dot files (in-flight writes).
func ParquetFiles(dir string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".parquet") && !strings.HasPrefix(d.Name(), ".") {
			files = append(files, p)
		}
		return nil
	})
	return files, err
}

// ReadParquet is the DuckDB table expression read_parquet([...]) over
// files, quoted as SQL string literals.
func ReadParquet(files []string) string {
	q := make([]string, len(files))
	for i, f := range files {
		q[i] = "'" + strings.ReplaceAll(f, "'", "''") + "'"
	}
	return "read_parquet([" + strings.Join(q, ", ") + "])"
}
