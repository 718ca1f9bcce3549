package sql

import (
	"context"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/pgcatalog"
)

// The conflux_lake_* views read lake metadata in the querying session's
// transaction (pgcatalog.LakeState), so they agree with what the
// session's queries see, time travel included.

func (ss sessionView) LakeFiles(ctx context.Context, t *catalog.Table) ([]pgcatalog.LakeFile, error) {
	s := ss.s
	if s.txn == nil || s.e.lake == nil {
		return nil, nil
	}
	lt, err := s.lakeTable(t)
	if err != nil {
		return nil, err
	}
	files, err := lt.Files(ctx, s.txn)
	if err != nil {
		return nil, err
	}
	out := make([]pgcatalog.LakeFile, len(files))
	for i, f := range files {
		out[i] = pgcatalog.LakeFile{ID: f.ID, Path: f.Path, Rows: f.Rows, Bytes: f.Bytes,
			DeletedRows: f.Deleted, Partition: f.Partition, Created: f.Created}
	}
	return out, nil
}

func (ss sessionView) LakeSnapshots(ctx context.Context, t *catalog.Table) ([]pgcatalog.LakeSnapshot, error) {
	s := ss.s
	if s.txn == nil || s.e.lake == nil {
		return nil, nil
	}
	lt, err := s.lakeTable(t)
	if err != nil {
		return nil, err
	}
	snaps, err := lt.Snapshots(ctx, s.txn)
	if err != nil {
		return nil, err
	}
	out := make([]pgcatalog.LakeSnapshot, len(snaps))
	for i, sn := range snaps {
		out[i] = pgcatalog.LakeSnapshot{CommitTS: sn.CommitTS, Time: sn.Time, Operation: sn.Operation,
			RowsAdded: sn.RowsAdded, RowsDeleted: sn.RowsDeleted,
			FilesAdded: int64(sn.FilesAdded), FilesRemoved: int64(sn.FilesRemoved)}
	}
	return out, nil
}

func (ss sessionView) LakeJobs() []pgcatalog.LakeJob {
	if ss.s.e.lake == nil {
		return nil
	}
	jobs := ss.s.e.lake.Jobs()
	out := make([]pgcatalog.LakeJob, len(jobs))
	for i, j := range jobs {
		out[i] = pgcatalog.LakeJob{Table: j.Table, Job: j.Job, Phase: j.Phase, Done: j.Done, Total: j.Total,
			Unit: j.Unit, Started: j.Started, Finished: j.Finished, Err: j.Err}
	}
	return out
}
