package txn

import (
	"context"
	"strings"

	"github.com/conflux-db/conflux/storage"
)

type bufKV struct {
	key string
	e   entry
}

// mergeIter merges a snapshot iterator with the transaction's buffered
// writes (captured when the scan started, in scan order). A buffered entry
// shadows the snapshot's version of the same key; buffered deletions hide it.
type mergeIter struct {
	ctx     context.Context
	eng     *storage.Iter
	buf     []bufKV
	bi      int
	reverse bool

	started  bool
	engOK    bool
	advEng   bool
	advBuf   bool
	n        int
	key, val []byte
	scratch  []byte
	err      error

	// For SERIALIZABLE: the read span to narrow on Close to what was read.
	txn     *Txn
	spanIdx int
}

// ctxCheckEvery bounds how often Next polls for cancellation.
const ctxCheckEvery = 256

func (m *mergeIter) Next() bool {
	if m.err != nil || m.eng == nil {
		return false
	}
	if !m.started {
		m.started = true
		m.engOK = m.eng.Next()
	} else {
		if m.advEng {
			m.engOK = m.eng.Next()
		}
		if m.advBuf {
			m.bi++
		}
	}
	m.advEng, m.advBuf = false, false
	if m.n++; m.n%ctxCheckEvery == 0 {
		if err := m.ctx.Err(); err != nil {
			m.err = err
			return false
		}
	}
	for {
		haveBuf := m.bi < len(m.buf)
		if !m.engOK {
			if err := m.eng.Err(); err != nil {
				m.err = err
				return false
			}
		}
		switch {
		case !m.engOK && !haveBuf:
			m.key, m.val = nil, nil
			return false
		case m.engOK && !haveBuf:
			return m.fromEng()
		}
		b := &m.buf[m.bi]
		c := 1 // >0: buffer entry comes first
		if m.engOK {
			c = strings.Compare(unsafeString(m.eng.Key()), b.key)
			if m.reverse {
				c = -c
			}
		}
		if c < 0 {
			return m.fromEng()
		}
		if b.e.del {
			m.bi++
			if c == 0 {
				m.engOK = m.eng.Next()
			}
			continue
		}
		m.scratch = append(m.scratch[:0], b.key...)
		m.key, m.val = m.scratch, b.e.value
		m.advBuf, m.advEng = true, c == 0
		return true
	}
}

func (m *mergeIter) fromEng() bool {
	m.key, m.val = m.eng.Key(), m.eng.Value()
	m.advEng = true
	return true
}

func (m *mergeIter) Key() []byte   { return m.key }
func (m *mergeIter) Value() []byte { return m.val }
func (m *mergeIter) Err() error    { return m.err }

func (m *mergeIter) Close() {
	if m.eng == nil {
		return
	}
	// Narrow a serializable read span to the keys actually visited: a scan
	// stopped early (LIMIT) did not depend on keys beyond its last one.
	if t := m.txn; t != nil && m.key != nil && m.spanIdx < len(t.spans) {
		s := &t.spans[m.spanIdx]
		if m.reverse {
			s.Lower = append([]byte(nil), m.key...)
		} else {
			s.Upper = append(append([]byte(nil), m.key...), 0)
		}
	}
	if err := m.eng.Close(); err != nil && m.err == nil {
		m.err = err
	}
	m.eng = nil
	m.key, m.val = nil, nil
}
