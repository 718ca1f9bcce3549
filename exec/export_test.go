package exec

// KeptTree reports whether r keeps an operator tree and whether an
// execution is using it (tests).
func (r *Reuse) KeptTree() (kept, inUse bool) { return r.kept.root != nil, r.kept.inUse }
