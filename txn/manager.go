package txn

// Manager is the deterministic core that orders commits (no I/O).
type Manager struct{}
