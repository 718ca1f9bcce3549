// Package rowenc encodes SQL datums for storage: an order-preserving key
// encoding for index columns and a compact, schema-evolution-friendly value
// encoding for the other columns.
//
// # Keys
//
// AppendKey writes one column so that bytes.Compare on the concatenated
// key columns orders rows like PostgreSQL's btree would (ASC NULLS LAST,
// DESC NULLS FIRST; see package keys). Per family:
//
//	bool, int*, date, time, timestamp(tz)   keys varint (timestamps' ±infinity are the int64 extremes)
//	float4/8                                keys float; -0 = +0, NaN above +Infinity as in PostgreSQL
//	numeric                                 sign tag, then for non-zero values the decimal exponent E of
//	                                        0.d1d2d3... × 10^E as a varint and the digits packed two per
//	                                        byte (trailing zeros dropped); negatives invert that body.
//	                                        NaN sorts above everything, as in PostgreSQL.
//	text, varchar, bpchar, name, bytea      escaped, terminated bytes (byte order = "C" collation)
//	interval                                PostgreSQL's comparison value (months*30 days + days, in
//	                                        micros, 128-bit) then the three fields, so values decode
//	                                        exactly; '1 month' and '30 days' order together but are
//	                                        distinct keys
//	uuid                                    the 16 bytes
//	jsonb                                   its canonical JSON text (deterministic, not PostgreSQL's order)
//	arrays                                  the elements' key encodings then a terminator, so arrays
//	                                        compare element-wise and a prefix sorts first
//
// Numeric keys drop trailing zeros (1.50 and 1.5 are equal in PostgreSQL
// and must collide in a unique index). DecodeKey restores the scale of a
// numeric(p,s) column; an unconstrained numeric key decodes to its
// shortest form. Columns for which the key does not round-trip the exact
// value (IsComposite) should also be stored in the row value when the
// displayed value matters, as CockroachDB does for "composite" types.
//
// # Values
//
// A row value is a sequence of (column-ID delta, kind) headers, each
// followed by a payload whose length the kind determines (varint, 8
// fixed bytes, or length-prefixed bytes). NULLs are omitted. Because every
// payload can be skipped without knowing the column's type, values written
// before a column was dropped still decode, and columns added later read
// as NULL. Column IDs are written in ascending order so a decoder
// interested in a few columns walks the value once without maps.
package rowenc
