package sql

import (
	"context"
	"strings"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// Table storage options (CREATE TABLE ... WITH (...)). A lake table keeps
// its format and partitioning for life: files are laid out by them, so
// ALTER TABLE may change only the compression of files written later.
const (
	optFormat      = "format"
	optPartitionBy = "partition_by"
	optCompression = "compression"
)

// lakeOnlyHint explains why lake tables refuse keys and indexes.
const lakeOnlyHint = "Lake tables have no unique constraints or secondary indexes (as in Delta Lake and Iceberg); use a row table for keyed data."

// validateTableOptions checks and normalises the WITH options of a new
// table, before its columns are known.
func validateTableOptions(t *catalog.Table) error {
	f, ok := t.Options[optFormat]
	switch {
	case !ok || strings.EqualFold(f, "row"):
		if ok {
			t.Options[optFormat] = "row"
		}
		for _, o := range []string{optPartitionBy, optCompression} {
			if _, set := t.Options[o]; set {
				return pgerr.New(pgerr.InvalidParameterValue, "option \"%s\" is only valid for lake tables", o).
					WithHint("Add format = 'lake' to the WITH clause.")
			}
		}
		return nil
	case strings.EqualFold(f, "lake"):
		t.Options[optFormat] = "lake"
	default:
		return pgerr.New(pgerr.InvalidParameterValue, "unrecognized table format \"%s\"", f).WithHint("Valid formats are \"row\" and \"lake\".")
	}
	for k, v := range t.Options {
		switch k {
		case optFormat, optPartitionBy:
		case optCompression:
			c, err := checkCompression(v)
			if err != nil {
				return err
			}
			t.Options[k] = c
		default:
			return pgerr.New(pgerr.InvalidParameterValue, "unrecognized parameter \"%s\" for a lake table", k).
				WithHint("Lake tables accept format, partition_by and compression.")
		}
	}
	return nil
}

func checkCompression(v string) (string, error) {
	switch c := strings.ToLower(strings.TrimSpace(v)); c {
	case "zstd", "snappy", "none":
		return c, nil
	}
	return "", pgerr.New(pgerr.InvalidParameterValue, "invalid value for compression: \"%s\"", v).
		WithHint("Valid values are \"zstd\", \"snappy\" and \"none\".")
}

// finishLakeTable checks the partition columns of a lake table whose
// columns are built and adds its hidden lake_rowid column with the
// primary index over it (never stored: it names the row's place in a
// file or its inlined key).
func (s *Session) finishLakeTable(ctx context.Context, t *catalog.Table) error {
	if spec, ok := t.Options[optPartitionBy]; ok {
		parts := t.PartitionBy()
		if len(parts) == 0 {
			return pgerr.New(pgerr.InvalidParameterValue, "invalid value for partition_by: \"%s\"", spec).
				WithHint("List partition columns separated by commas, e.g. partition_by = 'region, day'.")
		}
		seen := map[string]bool{}
		norm := make([]string, 0, len(parts))
		for _, p := range parts {
			name := partitionColumnName(p)
			c := t.ColumnByName(name)
			if c == nil || c.Hidden {
				return pgerr.New(pgerr.UndefinedColumn, "partition column \"%s\" does not exist", name)
			}
			if seen[name] {
				return pgerr.New(pgerr.DuplicateColumn, "partition column \"%s\" appears more than once", name)
			}
			if !partitionableType(c.Type) {
				return pgerr.New(pgerr.FeatureNotSupported, "column \"%s\" of type %s cannot be a partition column", name, c.Type.SQLString())
			}
			seen[name] = true
			norm = append(norm, name)
		}
		t.Options[optPartitionBy] = strings.Join(norm, ", ")
	}
	rowid := catalog.Column{ID: t.NextColumnID, Name: catalog.LakeRowIDColumn, Type: types.Bytea, Hidden: true}
	t.NextColumnID++
	t.Columns = append(t.Columns, rowid)
	ixID, err := allocateID(ctx, s.txn)
	if err != nil {
		return err
	}
	t.Primary = catalog.Index{ID: ixID, Name: t.Name + "_" + catalog.LakeRowIDColumn, ColumnIDs: []uint32{rowid.ID}, Desc: []bool{false}, Unique: true, Primary: true}
	return nil
}

// partitionColumnName reads one name of partition_by: unquoted names fold
// to lower case, "Quoted" ones keep theirs, as identifiers in SQL do.
func partitionColumnName(p string) string {
	if len(p) >= 2 && p[0] == '"' && p[len(p)-1] == '"' {
		return strings.ReplaceAll(p[1:len(p)-1], `""`, `"`)
	}
	return strings.ToLower(p)
}

// partitionableType reports whether values of t have a stable text form
// and key encoding fit to name a partition (no floats, arrays, json).
func partitionableType(t *types.T) bool {
	switch t.Family {
	case types.IntFamily, types.StringFamily, types.BoolFamily, types.DateFamily,
		types.TimestampFamily, types.TimestampTZFamily, types.DecimalFamily, types.UUIDFamily:
		return true
	}
	return false
}

// lakeConstraintError is the 0A000 for a key or index on a lake table.
func lakeConstraintError(what string) error {
	return pgerr.New(pgerr.FeatureNotSupported, "lake tables do not support %s", what).WithHint("%s", lakeOnlyHint)
}

// lakeHasRows reports whether a lake table holds any row at the
// transaction's snapshot (files with live rows, or inlined rows).
func (s *Session) lakeHasRows(ctx context.Context, t *catalog.Table) (bool, error) {
	lt, err := s.lakeTable(t)
	if err != nil {
		return false, err
	}
	n, err := lt.InlinedRows(ctx, s.txn)
	if err != nil || n > 0 {
		return n > 0, err
	}
	files, err := lt.Files(ctx, s.txn)
	if err != nil {
		return false, err
	}
	for _, f := range files {
		if f.Rows > f.Deleted {
			return true, nil
		}
	}
	return false, nil
}

// checkLakeAddColumn allows ADD COLUMN on a lake table when old rows can
// read the new column as NULL: files are immutable and carry no value
// for it. A non-null default is only possible while the table is empty.
func (s *Session) checkLakeAddColumn(ctx context.Context, t *catalog.Table, col catalog.Column) error {
	if col.Default == "" || strings.EqualFold(col.Default, "NULL") {
		if col.NotNull {
			if has, err := s.lakeHasRows(ctx, t); err != nil {
				return err
			} else if has {
				return &pgerr.Error{Code: pgerr.NotNullViolation, Table: t.Name, Column: col.Name,
					Message: "column \"" + col.Name + "\" of relation \"" + t.Name + "\" contains null values"}
			}
		}
		return nil
	}
	has, err := s.lakeHasRows(ctx, t)
	if err != nil {
		return err
	}
	if has {
		return pgerr.New(pgerr.FeatureNotSupported, "cannot add column \"%s\" with a non-null default to lake table \"%s\" that has rows", col.Name, t.Name).
			WithHint("Add the column without a default, then set one with ALTER COLUMN ... SET DEFAULT: existing rows read it as NULL.")
	}
	return nil
}

// checkLakeNotNull fails with 23502 when a lake table has a NULL in c
// (SET NOT NULL), found by a scan through the planner.
func (s *Session) checkLakeNotNull(ctx context.Context, t *catalog.Table, c *catalog.Column) error {
	found, err := s.anyRowWhere(ctx, t, quoteIdent(c.Name)+" IS NULL")
	if err != nil || !found {
		return err
	}
	return &pgerr.Error{Code: pgerr.NotNullViolation, Table: t.Name, Column: c.Name,
		Message: "column \"" + c.Name + "\" of relation \"" + t.Name + "\" contains null values"}
}

// checkAlterOptions validates ALTER TABLE SET/RESET (...) on any table:
// format and partition_by are fixed at creation.
func checkAlterOptions(t *catalog.Table, name, value string, reset bool) (string, error) {
	switch strings.ToLower(name) {
	case optFormat, optPartitionBy:
		return "", pgerr.New(pgerr.FeatureNotSupported, "cannot change option \"%s\" of an existing table", name).
			WithHint("Create a new table with the wanted options and copy the rows (INSERT INTO ... SELECT).")
	case optCompression:
		if !t.IsLake() {
			return "", pgerr.New(pgerr.InvalidParameterValue, "option \"%s\" is only valid for lake tables", name)
		}
		if reset {
			return "", nil
		}
		return checkCompression(value)
	}
	if t.IsLake() {
		return "", pgerr.New(pgerr.InvalidParameterValue, "unrecognized parameter \"%s\" for a lake table", name)
	}
	return value, nil
}
