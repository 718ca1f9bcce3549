package txn

// Unlocked writes for bulk paths. A row lock per key is what makes a
// second writer wait instead of failing at COMMIT; for keys no other
// transaction can write concurrently it is pure cost (1M rows of COPY or
// ALTER TABLE ADD PRIMARY KEY meant 1M lock-table entries). These writes
// skip the lock table; a concurrent writer of the same key is still caught
// by the commit-time first-committer-wins check (40001), never lost.
//
// Callers: a row keyed by a fresh generated row id; a non-unique index
// entry (it embeds the row's primary key, whose lock the caller holds);
// the rows of a table rewritten under a DDL statement (ADD PRIMARY KEY,
// CREATE INDEX backfill, TRUNCATE), whose descriptor lock serialises DDL;
// COPY FROM, where PostgreSQL's wait for a concurrent inserter of the same
// key becomes a 40001 at COMMIT (documented deviation).

// PutUnlocked buffers a write without taking a row lock.
func (t *Txn) PutUnlocked(key, value []byte) error {
	return t.write("", key, t.readTS, entry{value: append([]byte{}, value...)})
}

// DeleteUnlocked buffers a deletion without taking a row lock.
func (t *Txn) DeleteUnlocked(key []byte) error {
	return t.write("", key, t.readTS, entry{del: true})
}

// GetBuffered reads only the transaction's own writes: for keys under a
// prefix known to be empty in the snapshot (a new index being filled), it
// answers a uniqueness check without a storage seek.
func (t *Txn) GetBuffered(key []byte) (value []byte, found bool) {
	value, found, _ = t.buffered(key)
	return value, found
}

// buffered looks key up among the transaction's own writes: ok says the
// transaction wrote it, found whether that write is a value (not a
// deletion).
func (t *Txn) buffered(key []byte) (value []byte, found, ok bool) {
	if t.buf == nil {
		return nil, false, false
	}
	_, e, ok := t.buf.Get(unsafeString(key))
	if !ok || e.del {
		return nil, false, ok
	}
	return e.value, true, true
}
