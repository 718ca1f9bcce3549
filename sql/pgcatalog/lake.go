package pgcatalog

import (
	"context"
	"strings"
	"time"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/types"
)

// Lake tables in the catalog: pg_am has a 'lake' table access method that
// pg_class.relam of lake tables points to (psql's \d+ prints "Access
// method: lake"), and three views show their files, snapshots and
// maintenance jobs. Files and snapshots are read at the querying
// transaction's snapshot (so time travel shows the past too); this
// package does not import package lake, the SQL layer converts.

// amLake is the OID of the lake table access method, from the range
// PostgreSQL reserves for development (like the conflux_* views).
const amLake = 8900

// LakeFile is one data file of a lake table (conflux_lake_files).
type LakeFile struct {
	ID          uint64
	Path        string
	Rows        int64
	Bytes       int64
	DeletedRows int64
	Partition   []string // values of the partition columns, text form
	Created     time.Time
}

// LakeSnapshot is one commit that changed a lake table (conflux_lake_snapshots).
type LakeSnapshot struct {
	CommitTS     uint64
	Time         time.Time
	Operation    string
	RowsAdded    int64
	RowsDeleted  int64
	FilesAdded   int64
	FilesRemoved int64
}

// LakeJob is one running or recently finished maintenance job
// (conflux_lake_maintenance).
type LakeJob struct {
	Table    catalog.ID
	Job      string
	Phase    string
	Done     int64
	Total    int64
	Unit     string
	Started  time.Time
	Finished time.Time
	Err      string
}

// LakeState is implemented by a SessionState that can read lake tables
// in the querying session's transaction.
type LakeState interface {
	LakeFiles(ctx context.Context, t *catalog.Table) ([]LakeFile, error)
	LakeSnapshots(ctx context.Context, t *catalog.Table) ([]LakeSnapshot, error)
	LakeJobs() []LakeJob
}

func lakeStateOf(env catalog.VirtualEnv) LakeState {
	if ls, ok := sessionStateOf(env).(LakeState); ok {
		return ls
	}
	return nil
}

var lakeRelations = []relDef{
	{id: 9002, schema: catalog.PgCatalogSchemaID, name: "conflux_lake_files", kind: 'v', cols: []colDef{
		{"relid", types.Oid},
		{"schemaname", types.Name},
		{"relname", types.Name},
		{"file_id", types.Int8},
		{"path", types.Text},
		{"rows", types.Int8},
		{"bytes", types.Int8},
		{"deleted_rows", types.Int8},
		{"partition", types.Text},
		{"created", types.TimestampTZ},
	}},
	{id: 9003, schema: catalog.PgCatalogSchemaID, name: "conflux_lake_snapshots", kind: 'v', cols: []colDef{
		{"relid", types.Oid},
		{"schemaname", types.Name},
		{"relname", types.Name},
		{"commit_ts", types.Int8},
		{"time", types.TimestampTZ},
		{"operation", types.Text},
		{"rows_added", types.Int8},
		{"rows_deleted", types.Int8},
		{"files_added", types.Int8},
		{"files_removed", types.Int8},
	}},
	{id: 9004, schema: catalog.PgCatalogSchemaID, name: "conflux_lake_maintenance", kind: 'v', cols: []colDef{
		{"relid", types.Oid},
		{"schemaname", types.Name},
		{"relname", types.Name},
		{"job", types.Text},
		{"phase", types.Text},
		{"done", types.Int8},
		{"total", types.Int8},
		{"unit", types.Text},
		{"started", types.TimestampTZ},
		{"finished", types.TimestampTZ},
		{"error", types.Text},
	}},
}

// lakeTables lists the lake tables of the catalog, by OID.
func lakeTables(cat catalog.Reader) []*catalog.Table {
	var out []*catalog.Table
	for _, t := range cat.Tables() {
		if t.IsLake() {
			out = append(out, t)
		}
	}
	return out
}

func setTableName(cat catalog.Reader, t *catalog.Table, set func(string, types.Datum)) {
	set("relid", dOid(t.ID))
	if sc := cat.SchemaByID(t.SchemaID); sc != nil {
		set("schemaname", dText(sc.Name))
	}
	set("relname", dText(t.Name))
}

func genLakeFiles(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	ls := lakeStateOf(env)
	if ls == nil {
		return nil
	}
	cat := env.Catalog()
	for _, t := range lakeTables(cat) {
		files, err := ls.LakeFiles(ctx, t)
		if err != nil {
			return err
		}
		parts := t.PartitionBy()
		for _, f := range files {
			set := r.add()
			setTableName(cat, t, set)
			set("file_id", dInt(int64(f.ID)))
			set("path", dText(f.Path))
			set("rows", dInt(f.Rows))
			set("bytes", dInt(f.Bytes))
			set("deleted_rows", dInt(f.DeletedRows))
			if len(f.Partition) > 0 {
				set("partition", dText(partitionText(parts, f.Partition)))
			}
			if !f.Created.IsZero() {
				set("created", dTimestampTZ(f.Created))
			}
		}
	}
	return nil
}

// partitionText renders partition values as Hive-style "col=value" pairs.
func partitionText(cols, vals []string) string {
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteByte('/')
		}
		if i < len(cols) {
			b.WriteString(cols[i])
			b.WriteByte('=')
		}
		b.WriteString(v)
	}
	return b.String()
}

func genLakeSnapshots(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	ls := lakeStateOf(env)
	if ls == nil {
		return nil
	}
	cat := env.Catalog()
	for _, t := range lakeTables(cat) {
		snaps, err := ls.LakeSnapshots(ctx, t)
		if err != nil {
			return err
		}
		for _, sn := range snaps {
			set := r.add()
			setTableName(cat, t, set)
			set("commit_ts", dInt(int64(sn.CommitTS)))
			if !sn.Time.IsZero() {
				set("time", dTimestampTZ(sn.Time))
			}
			set("operation", dText(sn.Operation))
			set("rows_added", dInt(sn.RowsAdded))
			set("rows_deleted", dInt(sn.RowsDeleted))
			set("files_added", dInt(sn.FilesAdded))
			set("files_removed", dInt(sn.FilesRemoved))
		}
	}
	return nil
}

func genLakeMaintenance(ctx context.Context, env catalog.VirtualEnv, r *rows) error {
	ls := lakeStateOf(env)
	if ls == nil {
		return nil
	}
	cat := env.Catalog()
	for _, j := range ls.LakeJobs() {
		set := r.add()
		if t := cat.TableByID(j.Table); t != nil {
			setTableName(cat, t, set)
		} else {
			set("relid", dOid(j.Table))
		}
		set("job", dText(j.Job))
		set("phase", dText(j.Phase))
		set("done", dInt(j.Done))
		set("total", dInt(j.Total))
		set("unit", dText(j.Unit))
		if !j.Started.IsZero() {
			set("started", dTimestampTZ(j.Started))
		}
		if !j.Finished.IsZero() {
			set("finished", dTimestampTZ(j.Finished))
		}
		if j.Err != "" {
			set("error", dText(j.Err))
		}
	}
	return nil
}
