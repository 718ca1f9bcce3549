// Package builtins holds Conflux's functions and operators: their
// signatures (for the planner's overload resolution and pg_proc) and their
// implementations (for the executor), all with PostgreSQL 15 semantics.
//
// Resolution is PostgreSQL's own algorithm (parse_func.c / parse_oper.c),
// not an approximation: candidates are filtered by implicit coercibility,
// then ranked by exact matches, preferred types of each type category, and
// finally unknown-typed literals are resolved by category with a bias to
// string. Mirroring it is what makes 'a' || 'b' text, 2 ^ 3 double
// precision and 1 + 1.5 numeric, exactly as psql users expect. The
// category and implicit-cast tables live in resolve.go.
//
// A Registry is built once and then frozen: the built-ins plus whatever
// catalog- or session-aware functions other packages Register before
// Freeze. Default() is the frozen built-in-only registry. Functions whose
// behaviour depends on the resolved argument types (concat, format,
// pg_typeof, anything || text, array functions) carry a private bind hook;
// ResolveFunc/ResolveBinaryOp return copies of the overload with Fn bound,
// so the executor never needs the types at call time.
//
// Numeric results follow numeric.c's scale rules (select_div_scale, the
// power/sqrt/ln/exp result scales) because clients see the display scale;
// floats use Go's math library, which can differ from glibc in the last
// ulp for transcendental functions. Strings use the C collation: lower,
// upper, initcap and ILIKE fold ASCII only. Regular expressions run on Go's
// RE2 after translating the ARE escapes that differ (\m \M \y \Y [[:<:]]);
// back-references and lookaround are not supported.
package builtins
