package txn

import "unsafe"

// unsafeString views b as a string for lookups that do not retain it.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
