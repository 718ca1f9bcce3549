package lake

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/lake/objstore"
	"github.com/conflux-db/conflux/lake/pqfile"
	"github.com/conflux-db/conflux/sql/types"
	"github.com/conflux-db/conflux/storage/keys"
	"github.com/conflux-db/conflux/storage/rowenc"
	"github.com/conflux-db/conflux/txn"
)

// Maintenance runs in its own READ COMMITTED transactions: they are not
// SSI nodes, so rewriting files (which changes no row) never gives a
// serializable user transaction a conflict, and first-committer-wins
// conflicts are avoided by taking every lock NOWAIT or SKIP LOCKED and
// giving up instead of waiting.

// secRemoved records files removed from the manifest (OPTIMIZE, TRUNCATE)
// so vacuum keeps them while a retained snapshot may still read them:
// /lake/<table>/r/<file> -> path. The record's commit timestamp is the
// removal's: snapshots below it still list the file.
const secRemoved = 'r'

func removedKey(table uint32, file uint64) []byte {
	return appendID(sectionPrefix(table, secRemoved), file)
}

// markRemoved records that m left the manifest in tx.
func (t *Table) markRemoved(tx *txn.Txn, m *manifestEntry) error {
	return tx.PutUnlocked(removedKey(t.id, m.ID), []byte(m.Path))
}

// jobLog keeps the running and the recently finished maintenance jobs.
type jobLog struct {
	mu   sync.Mutex
	jobs []*Progress
}

const keepFinishedJobs = 64

func (l *jobLog) start(table catalog.ID, job, unit string) *Progress {
	p := &Progress{Table: table, Job: job, Phase: "starting", Unit: unit, Started: time.Now()}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.jobs = append(l.jobs, p)
	// Forget the oldest finished jobs beyond the bound.
	finished := 0
	for _, j := range l.jobs {
		if !j.Finished.IsZero() {
			finished++
		}
	}
	for i := 0; finished > keepFinishedJobs && i < len(l.jobs); {
		if !l.jobs[i].Finished.IsZero() {
			l.jobs = slices.Delete(l.jobs, i, i+1)
			finished--
			continue
		}
		i++
	}
	return p
}

// update changes a job under the lock and reports a copy.
func (l *jobLog) update(p *Progress, report func(Progress), f func(*Progress)) {
	l.mu.Lock()
	f(p)
	c := *p
	l.mu.Unlock()
	if report != nil {
		report(c)
	}
}

func (l *jobLog) finish(p *Progress, report func(Progress), err error) {
	l.update(p, report, func(p *Progress) {
		p.Finished = time.Now()
		p.Phase = "done"
		if err != nil {
			p.Err = err.Error()
			p.Phase = "failed"
		}
	})
}

func (l *jobLog) list() []Progress {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Progress, len(l.jobs))
	for i, j := range l.jobs {
		out[i] = *j
	}
	return out
}

// maintenanceTxn is a transaction maintenance reads in.
func (s *Store) maintenanceTxn() *txn.Txn {
	return s.db.Begin(txn.Options{Isolation: txn.ReadCommitted})
}

// maintenanceWriter is the transaction a flush or rewrite commits in. It
// is SERIALIZABLE so SSI sees its writes (a serializable reader of the
// old places gets an rw-edge to it, standing in for the edge to a later
// deleter of the moved row), but it reads nothing itself (the reads are
// done by maintenanceTxn transactions): without reads it has no
// out-edges, so SSI never aborts it nor makes it a pivot that would
// abort a user in its place.
func (s *Store) maintenanceWriter() *txn.Txn {
	return s.db.Begin(txn.Options{Isolation: txn.Serializable})
}

// inlineEntry is one inlined row read by the flusher (all columns).
type inlineEntry struct {
	key  []byte
	part []byte
	id   uint64
	row  types.Row
}

// flush moves inlined rows into files. It takes each row's lock with
// SKIP LOCKED, so a row a user is deleting or updating stays inlined until
// a later flush; the rows are deleted from Pebble and the files published
// in one commit, so readers see the same rows before and after.
func (s *Store) flush(ctx context.Context, desc *catalog.Table) (err error) {
	t, err := s.table(desc)
	if err != nil {
		return err
	}
	job := s.jobs.start(desc.ID, "flush", "rows")
	defer func() { s.jobs.finish(job, nil, err) }()
	// The writer's snapshot is taken first: a row the reader sees that
	// changed after it (inserted or deleted in between) is reported by
	// its Lock as LockedNewer and skipped.
	tx := s.maintenanceWriter()
	defer tx.Rollback()
	rtx := s.maintenanceTxn()
	defer rtx.Rollback()

	sec := sectionPrefix(t.id, secInline)
	it := rtx.Scan(ctx, sec, keys.PrefixEnd(sec), false)
	dec := rowenc.NewRowDecoder(t.colIDs, t.typs)
	var rows []inlineEntry
	for int64(len(rows)) < s.opts.TargetFileRows && it.Next() {
		part, id, err := splitPartID(it.Key()[len(sec):])
		if err != nil {
			it.Close()
			return err
		}
		row := make(types.Row, len(t.colIDs))
		if err := dec.Decode(it.Value(), row); err != nil {
			it.Close()
			return err
		}
		key := append([]byte(nil), it.Key()...)
		rows = append(rows, inlineEntry{key: key, part: key[len(sec) : len(sec)+len(part)], id: id, row: row})
	}
	err = it.Err()
	it.Close()
	rtx.Rollback()
	if err != nil || len(rows) == 0 {
		return err
	}
	s.jobs.update(job, nil, func(p *Progress) { p.Phase, p.Total = "writing", int64(len(rows)) })

	writers := map[string]*fileWriter{}
	defer func() {
		for _, w := range writers {
			w.abort()
		}
	}()
	fwds := map[string]*forward{}
	var moved int64
	files := 0
	for _, r := range rows {
		res, err := tx.Lock(ctx, r.key, txn.LockExclusive, txn.WaitSkipLocked)
		if err != nil {
			return err
		}
		if res != txn.Locked {
			continue // busy, or changed since our snapshot: a later flush
		}
		w := writers[string(r.part)]
		if w == nil {
			_, text, err := t.partKey(r.row)
			if err != nil {
				return err
			}
			fwd := &forward{}
			fwds[string(r.part)] = fwd
			w = t.newFileWriter(r.part, text, func(m FileMeta, part []byte) error {
				files++
				fwd.Files = append(fwd.Files, fwdFile{ID: m.ID, Rows: m.Rows})
				return t.publish(tx, &m, part)
			})
			writers[string(r.part)] = w
		}
		fwds[string(r.part)].IDs = append(fwds[string(r.part)].IDs, r.id)
		if err := w.add(ctx, r.row); err != nil {
			return err
		}
		if err := tx.Delete(ctx, r.key); err != nil {
			return err
		}
		moved++
	}
	for _, w := range writers {
		if err := w.finish(ctx); err != nil {
			return err
		}
	}
	if moved == 0 {
		return nil
	}
	for part, f := range fwds {
		if err := putForward(tx, forwardInlineKey(t.id, []byte(part), f.IDs[len(f.IDs)-1]), f); err != nil {
			return err
		}
	}
	if err := t.writeSnapshot(tx, SnapshotRecord{Operation: "FLUSH", RowsAdded: moved, RowsDeleted: moved, FilesAdded: files}); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}
	s.jobs.update(job, nil, func(p *Progress) { p.Done = moved })
	return nil
}

// optimizeCandidate reports whether OPTIMIZE rewrites a file: small, or
// with at least a fifth of its rows deleted.
func (s *Store) optimizeCandidate(m *manifestEntry, deleted int64) (small, dirty bool) {
	return m.Rows < s.opts.TargetFileRows/4, deleted*5 >= m.Rows && deleted > 0
}

// optimize is OPTIMIZE / VACUUM FULL: it flushes inlined rows first --
// the statement promises a table of compacted files, a superset of what
// plain VACUUM's flush does -- then compacts (the flushed file is merged
// with the other small ones).
func (s *Store) optimize(ctx context.Context, desc *catalog.Table, report func(Progress)) error {
	t, err := s.table(desc)
	if err != nil {
		return err
	}
	// Only a table with inlined rows gets a flush job (and its log entry).
	if n, _, err := s.inlineStats(ctx, t); err != nil {
		return err
	} else if n > 0 {
		if err := s.flush(ctx, desc); err != nil {
			return err
		}
	}
	return s.compact(ctx, desc, report)
}

// compact rewrites each partition's small files into one and every file
// with many deletions, one transaction per partition. Protocol (doc.go):
// read at a snapshot and write the new file, then lock the old manifest
// entries exclusively with NOWAIT (a deleter holds KEY SHARE on them),
// move the snapshot forward and re-read their deletions; a partition
// whose files are busy or whose deletions changed is left for later and
// its new file deleted. The background loop calls it directly: inlined
// rows are flushed there by their own thresholds.
func (s *Store) compact(ctx context.Context, desc *catalog.Table, report func(Progress)) (err error) {
	t, err := s.table(desc)
	if err != nil {
		return err
	}
	job := s.jobs.start(desc.ID, "optimize", "files")
	defer func() { s.jobs.finish(job, report, err) }()

	plan, err := s.optimizePlan(ctx, t)
	if err != nil {
		return err
	}
	total := 0
	for _, g := range plan {
		total += len(g)
	}
	s.jobs.update(job, report, func(p *Progress) { p.Phase, p.Total = "rewriting", int64(total) })
	for _, g := range plan {
		if err := s.rewrite(ctx, t, g); err != nil && !errors.Is(err, errGaveUp) {
			return err
		}
		s.jobs.update(job, report, func(p *Progress) { p.Done += int64(len(g)) })
	}
	return nil
}

// optimizePlan groups the files to rewrite by partition.
func (s *Store) optimizePlan(ctx context.Context, t *Table) ([][]manifestEntry, error) {
	tx := s.maintenanceTxn()
	defer tx.Rollback()
	files, err := t.manifest(ctx, tx, nil, nil)
	if err != nil {
		return nil, err
	}
	byPart := map[string][]manifestEntry{}
	var order []string
	dirtyIn := map[string]bool{}
	for _, f := range files {
		dels, err := t.deletions(ctx, tx, f.ID)
		if err != nil {
			return nil, err
		}
		small, dirty := s.optimizeCandidate(&f, int64(len(dels)))
		if !small && !dirty {
			continue
		}
		k := string(f.part)
		if _, ok := byPart[k]; !ok {
			order = append(order, k)
		}
		byPart[k] = append(byPart[k], f)
		dirtyIn[k] = dirtyIn[k] || dirty
	}
	var plan [][]manifestEntry
	for _, k := range order {
		// One small clean file alone gains nothing from a rewrite.
		if g := byPart[k]; len(g) > 1 || dirtyIn[k] {
			plan = append(plan, g)
		}
	}
	return plan, nil
}

// errGaveUp: a rewrite met a busy or changed file; it is retried later.
var errGaveUp = errors.New("lake: rewrite gave up")

// rewrite replaces the files of one partition by one (or a few) new files
// holding their live rows.
func (s *Store) rewrite(ctx context.Context, t *Table, group []manifestEntry) (err error) {
	var written []FileMeta
	defer func() {
		if err != nil {
			for _, m := range written { // never published
				s.obj.Delete(context.WithoutCancel(ctx), m.Path)
			}
		}
	}()
	part := group[0].part
	w := t.newFileWriter(part, group[0].Partition, func(m FileMeta, _ []byte) error {
		written = append(written, m)
		return nil
	})
	defer w.abort()

	// 1. Read the files and their deletions at a snapshot, write the new file.
	rtx := s.maintenanceTxn()
	defer rtx.Rollback()
	before := make([][]int64, len(group))
	base := make([]int64, len(group))
	var rows int64
	for i, f := range group {
		dels, err := t.deletions(ctx, rtx, f.ID)
		if err != nil {
			return err
		}
		before[i], base[i] = dels, rows
		n, err := s.copyLive(ctx, t, &f, dels, w)
		if err != nil {
			return err
		}
		rows += n
	}
	if err := w.finish(ctx); err != nil {
		return err
	}
	rtx.Rollback()
	if s.testHookBeforeLock != nil {
		s.testHookBeforeLock()
	}

	// 2. Lock the old entries: NOWAIT, so we never wait on a user and a
	// deleter is never made to wait on us for long.
	tx := s.maintenanceWriter()
	defer tx.Rollback()
	for _, f := range group {
		res, err := tx.Lock(ctx, f.key, txn.LockExclusive, txn.WaitNoWait)
		if err != nil || res != txn.Locked {
			return errGaveUp // busy or replaced: retried later
		}
	}
	// 3. No deleter can start on them now; re-check at the newest
	// snapshot that none committed since step 1.
	rtx = s.maintenanceTxn()
	defer rtx.Rollback()
	for i, f := range group {
		_, live, err := rtx.Get(ctx, f.key)
		if err != nil {
			return err
		}
		dels, err := t.deletions(ctx, rtx, f.ID)
		if err != nil {
			return err
		}
		if !live || !slices.Equal(dels, before[i]) {
			return errGaveUp
		}
	}
	rtx.Rollback()

	// 4. Swap, leaving forwarding records for older snapshots' deleters.
	newFiles := make([]fwdFile, len(written))
	for i, m := range written {
		newFiles[i] = fwdFile{ID: m.ID, Rows: m.Rows}
	}
	var deleted int64
	for i, f := range group {
		if err := tx.Delete(ctx, f.key); err != nil {
			return err
		}
		for _, p := range before[i] {
			if err := tx.DeleteUnlocked(deleteKey(t.id, f.ID, p)); err != nil {
				return err
			}
		}
		if err := t.markRemoved(tx, &f); err != nil {
			return err
		}
		fwd := &forward{Files: newFiles, Base: base[i], Dels: before[i]}
		if err := putForward(tx, forwardFileKey(t.id, f.ID), fwd); err != nil {
			return err
		}
		deleted += int64(len(before[i]))
	}
	for i := range written {
		if err := t.publish(tx, &written[i], part); err != nil {
			return err
		}
	}
	rec := SnapshotRecord{Operation: "OPTIMIZE", RowsAdded: rows, RowsDeleted: rows + deleted, FilesAdded: len(written), FilesRemoved: len(group)}
	if err := t.writeSnapshot(tx, rec); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// copyLive writes the rows of f not in dels (ascending) to w.
func (s *Store) copyLive(ctx context.Context, t *Table, f *manifestEntry, dels []int64, w *fileWriter) (int64, error) {
	of, err := s.files.acquire(ctx, f.Path, t.cols)
	if err != nil {
		return 0, err
	}
	defer s.files.release(of)
	rgs := make([]int, len(of.r.RowGroups()))
	for i := range rgs {
		rgs[i] = i
	}
	it, err := of.r.Read(ctx, rgs, t.colIDs, defaultBatchRows)
	if err != nil {
		return 0, err
	}
	defer it.Close()
	var n int64
	var rows []types.Row
	for {
		rec, pos, err := it.Next(ctx)
		if err != nil {
			return n, err
		}
		if rec == nil {
			return n, nil
		}
		rows, err = pqfile.AppendRows(rows[:0], rec, t.typs)
		rec.Release()
		if err != nil {
			return n, err
		}
		for _, r := range keptRuns(dels, pos, int64(len(rows))) {
			for _, row := range rows[r[0]:r[1]] {
				if err := w.add(ctx, row); err != nil {
					return n, err
				}
				n++
			}
		}
	}
}

// vacuum deletes the table's objects that no retained snapshot can read:
// files removed from the manifest longer ago than the retention period,
// and orphans (never published: aborted or crashed writers) older than
// the grace period.
func (s *Store) vacuum(ctx context.Context, desc *catalog.Table, report func(Progress)) (err error) {
	job := s.jobs.start(desc.ID, "vacuum", "files")
	defer func() { s.jobs.finish(job, report, err) }()
	t, err := s.table(desc)
	if err != nil {
		return err
	}
	tx := s.maintenanceTxn()
	defer tx.Rollback()
	files, err := t.manifest(ctx, tx, nil, nil)
	if err != nil {
		return err
	}
	live := map[string]bool{}
	for _, f := range files {
		live[f.Path] = true
	}
	// A removed file goes once no readable snapshot precedes its
	// removal: the removal committed at or below the lake horizon (which
	// accounts for the retention period and for live snapshots).
	horizon := s.db.LakeHorizon()
	sec := sectionPrefix(t.id, secRemoved)
	removedAt, err := commitTimestamps(ctx, tx, sec)
	if err != nil {
		return err
	}
	type removal struct {
		key     []byte
		expired bool
	}
	removed := map[string]removal{}
	it := tx.Scan(ctx, sec, keys.PrefixEnd(sec), false)
	for it.Next() {
		ts := removedAt[string(it.Key())]
		removed[string(it.Value())] = removal{key: append([]byte(nil), it.Key()...), expired: ts != 0 && ts <= horizon}
	}
	err = it.Err()
	it.Close()
	if err != nil {
		return err
	}
	now := time.Now()
	var doomed []string
	var forget [][]byte
	err = s.obj.List(ctx, objectPrefix(t.id), func(o objstore.ObjectInfo) error {
		if live[o.Name] {
			return nil
		}
		if r, ok := removed[o.Name]; ok {
			if r.expired {
				doomed = append(doomed, o.Name)
			}
			return nil
		}
		if now.Sub(o.ModTime) >= s.opts.VacuumGrace {
			doomed = append(doomed, o.Name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Expired removal records are forgotten, their object deleted or
	// already gone.
	for _, r := range removed {
		if r.expired {
			forget = append(forget, r.key)
		}
	}
	// So are snapshot-log records no readable snapshot can go back to.
	snapSec := sectionPrefix(t.id, secSnapshot)
	snapAt, err := commitTimestamps(ctx, tx, snapSec)
	if err != nil {
		return err
	}
	for k, ts := range snapAt {
		if ts < horizon {
			forget = append(forget, []byte(k))
		}
	}
	// And forwarding records no live snapshot predates.
	gcHorizon := s.db.GCHorizon()
	for _, sec := range []byte{secForwardFile, secForwardInline} {
		at, err := commitTimestamps(ctx, tx, sectionPrefix(t.id, sec))
		if err != nil {
			return err
		}
		for k, ts := range at {
			if ts <= gcHorizon {
				forget = append(forget, []byte(k))
			}
		}
	}
	s.jobs.update(job, report, func(p *Progress) { p.Phase, p.Total = "deleting", int64(len(doomed)) })
	for _, name := range doomed {
		if err := s.obj.Delete(ctx, name); err != nil {
			return err
		}
		s.files.forget(name)
		s.jobs.update(job, report, func(p *Progress) { p.Done++ })
	}
	if len(forget) == 0 {
		return nil
	}
	for _, k := range forget {
		if err := tx.DeleteUnlocked(k); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// vacuumDropped deletes the objects of tables that no longer exist (DROP
// TABLE deleted their metadata) once they are older than the retention
// period and the grace period.
func (s *Store) vacuumDropped(ctx context.Context, liveTables map[uint32]bool) error {
	now := time.Now()
	keep := max(s.db.LakeRetention(), s.opts.VacuumGrace)
	var doomed []string
	err := s.obj.List(ctx, "", func(o objstore.ObjectInfo) error {
		dir, _, ok := strings.Cut(o.Name, "/")
		if !ok {
			return nil
		}
		id, err := strconv.ParseUint(dir, 10, 32)
		if err != nil || liveTables[uint32(id)] {
			return nil
		}
		if now.Sub(o.ModTime) >= keep {
			doomed = append(doomed, o.Name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// Belt and braces: a table whose manifest still has entries is not
	// dropped, whatever the catalog callback said.
	tx := s.maintenanceTxn()
	defer tx.Rollback()
	hasFiles := map[uint32]bool{}
	for _, name := range doomed {
		dir, _, _ := strings.Cut(name, "/")
		id64, _ := strconv.ParseUint(dir, 10, 32)
		id := uint32(id64)
		has, checked := hasFiles[id]
		if !checked {
			p := sectionPrefix(id, secManifest)
			it := tx.Scan(ctx, p, keys.PrefixEnd(p), false)
			has = it.Next()
			err := it.Err()
			it.Close()
			if err != nil {
				return err
			}
			hasFiles[id] = has
		}
		if has {
			continue
		}
		if err := s.obj.Delete(ctx, name); err != nil {
			return err
		}
		s.files.forget(name)
	}
	return nil
}

// How many maintenance rounds pass between looks for files to optimize
// (it reads every file's deletions) and between vacuums.
const (
	optimizeEvery = 6
	vacuumEvery   = 30
)

// optimizeSmallFiles is how many small files in a table trigger an
// automatic OPTIMIZE.
const optimizeSmallFiles = 8

// loop is the background maintenance: flush tables with enough or old
// enough inlined rows, optimize tables with many small or dirty files,
// vacuum now and then.
func (s *Store) loop(ctx context.Context, tables func() []*catalog.Table) {
	tick := time.NewTicker(s.opts.MaintenanceInterval)
	defer tick.Stop()
	for round := 1; ; round++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		live := map[uint32]bool{}
		for _, desc := range tables() {
			if !desc.IsLake() {
				continue
			}
			live[uint32(desc.ID)] = true
			if err := s.maintainTable(ctx, desc, round%optimizeEvery == 0, round%vacuumEvery == 0); err != nil && ctx.Err() == nil {
				slog.Warn("lake maintenance failed", "table", desc.Name, "err", err)
			}
		}
		if round%vacuumEvery == 0 {
			if err := s.vacuumDropped(ctx, live); err != nil && ctx.Err() == nil {
				slog.Warn("lake vacuum of dropped tables failed", "err", err)
			}
		}
	}
}

func (s *Store) maintainTable(ctx context.Context, desc *catalog.Table, optimize, vacuum bool) error {
	t, err := s.table(desc)
	if err != nil {
		return err
	}
	n, oldest, err := s.inlineStats(ctx, t)
	if err != nil {
		return err
	}
	if n >= int64(s.opts.InlineFlushRows) || (n > 0 && time.Since(oldest) >= s.opts.FlushAge) {
		if err := s.flush(ctx, desc); err != nil {
			return fmt.Errorf("flush: %w", err)
		}
	}
	if optimize {
		plan, err := s.optimizePlan(ctx, t)
		if err != nil {
			return err
		}
		small := 0
		for _, g := range plan {
			small += len(g)
		}
		if small >= optimizeSmallFiles {
			if err := s.compact(ctx, desc, nil); err != nil {
				return fmt.Errorf("optimize: %w", err)
			}
		}
	}
	if vacuum {
		if err := s.vacuum(ctx, desc, nil); err != nil {
			return fmt.Errorf("vacuum: %w", err)
		}
	}
	return nil
}

// inlineStats counts a table's inlined rows and finds the oldest one's
// creation time (ids are time-based).
func (s *Store) inlineStats(ctx context.Context, t *Table) (int64, time.Time, error) {
	tx := s.maintenanceTxn()
	defer tx.Rollback()
	sec := sectionPrefix(t.id, secInline)
	it := tx.Scan(ctx, sec, keys.PrefixEnd(sec), false)
	defer it.Close()
	var n int64
	oldest := uint64(1<<64 - 1)
	for it.Next() {
		_, id, err := splitPartID(it.Key()[len(sec):])
		if err != nil {
			return 0, time.Time{}, err
		}
		n++
		oldest = min(oldest, id)
	}
	return n, idTime(oldest), it.Err()
}
