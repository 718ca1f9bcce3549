package lake

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/conflux-db/conflux/storage/keys"
	"github.com/conflux-db/conflux/txn"
)

// Forwarding records let a transaction whose snapshot predates a flush or
// a rewrite delete a row it saw at its old place: the row now lives at a
// new file position, unchanged, so the delete goes there instead of
// failing with a serialization error (maintenance never aborts users).
//
//	/lake/<table>/m/<file>            OPTIMIZE replaced file <file>
//	/lake/<table>/n/<part>/<max id>   FLUSH moved inlined rows (ids <= max id)
//	/lake/<table>/n/<part>/<id>       UPDATE replaced inlined row <id> (To)
//
// They are written in the maintenance commit and vacuumed once no live
// snapshot predates them. The third kind is an update link (epq.go): an
// inlined row's deletion is a tombstone, which cannot carry the new row's
// locator the way a file row's deletion key does, so the UPDATE leaves it
// here, where vacuum and DROP already clean up.
const (
	secForwardFile   = 'm'
	secForwardInline = 'n'
)

// forward maps old row places to positions in new files: global index g
// is position g - (rows of the files before) of the file it falls in.
type forward struct {
	Files []fwdFile `json:"files,omitempty"`
	// OPTIMIZE: position p of the old file went to global index
	// Base + p - (number of Dels below p); Dels were already deleted.
	Base int64   `json:"base,omitempty"`
	Dels []int64 `json:"dels,omitempty"`
	// FLUSH: the moved inline ids, ascending; the i-th went to global index i.
	IDs []uint64 `json:"ids,omitempty"`
	// UPDATE: the single id in IDs was replaced by the row at locator To.
	To []byte `json:"to,omitempty"`
}

type fwdFile struct {
	ID   uint64 `json:"id"`
	Rows int64  `json:"rows"`
}

// at returns the file and position of global index g.
func (f *forward) at(g int64) (uint64, int64, bool) {
	for _, file := range f.Files {
		if g < file.Rows {
			return file.ID, g, true
		}
		g -= file.Rows
	}
	return 0, 0, false
}

// ofFilePos maps a position of the replaced file; false when the row had
// been deleted before the rewrite.
func (f *forward) ofFilePos(pos int64) (uint64, int64, bool) {
	i, deleted := slices.BinarySearch(f.Dels, pos)
	if deleted {
		return 0, 0, false
	}
	return f.at(f.Base + pos - int64(i))
}

func forwardFileKey(table uint32, file uint64) []byte {
	return appendID(sectionPrefix(table, secForwardFile), file)
}

func forwardInlineKey(table uint32, part []byte, maxID uint64) []byte {
	return appendID(append(sectionPrefix(table, secForwardInline), part...), maxID)
}

func putForward(tx *txn.Txn, key []byte, f *forward) error {
	v, err := json.Marshal(f)
	if err != nil {
		return err
	}
	return tx.PutUnlocked(key, v)
}

// forwardedFile finds where row pos of a replaced file went, reading the
// newest commit (the caller learnt that the file's manifest entry is gone).
func (t *Table) forwardedFile(ctx context.Context, tx *txn.Txn, file uint64, pos int64) (newFile uint64, newPos int64, ok bool, err error) {
	v, found, err := tx.GetLatest(ctx, forwardFileKey(t.id, file))
	if err != nil || !found {
		return 0, 0, false, err
	}
	var f forward
	if err := json.Unmarshal(v, &f); err != nil {
		return 0, 0, false, fmt.Errorf("%w: lake forwarding record: %v", keys.ErrCorrupt, err)
	}
	newFile, newPos, ok = f.ofFilePos(pos)
	return newFile, newPos, ok, nil
}

// forwardedInline finds where inlined row id went after the caller
// learnt it is gone: the file position a flush moved it to, or the
// locator of the row an UPDATE replaced it by (update set). It reads in a
// fresh transaction, which sees the commit the caller's lock reported.
// ok is false when neither happened (a plain DELETE, or TRUNCATE).
func (t *Table) forwardedInline(ctx context.Context, part []byte, id uint64) (to locator, update, ok bool, err error) {
	rtx := t.s.db.Begin(txn.Options{Isolation: txn.ReadCommitted, ReadOnly: true})
	defer rtx.Rollback()
	sec := append(sectionPrefix(t.id, secForwardInline), part...)
	it := rtx.Scan(ctx, appendID(append([]byte(nil), sec...), id), keys.PrefixEnd(sec), false)
	defer it.Close()
	for it.Next() {
		// Only this partition's records: same length as ours.
		if len(it.Key()) != len(sec)+8 {
			continue
		}
		var f forward
		if err := json.Unmarshal(it.Value(), &f); err != nil {
			return locator{}, false, false, fmt.Errorf("%w: lake forwarding record: %v", keys.ErrCorrupt, err)
		}
		i, found := slices.BinarySearch(f.IDs, id)
		if !found {
			continue
		}
		if f.To != nil {
			to, err := parseLocator(f.To)
			if err != nil {
				return locator{}, false, false, fmt.Errorf("%w: %v", keys.ErrCorrupt, err)
			}
			return to, true, true, nil
		}
		file, pos, ok := f.at(int64(i))
		return locator{kind: locFile, part: part, id: file, pos: pos}, false, ok, nil
	}
	return locator{}, false, false, it.Err()
}
