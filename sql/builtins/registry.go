package builtins

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/conflux-db/conflux/sql/types"
)

// Pseudo-types usable in Overload.Args besides concrete types. A nil entry
// is anyelement (all anyelement/anyarray arguments of one call must agree);
// Any accepts every type independently ("any" in pg_proc, used by concat
// and format); AnyArray is anyarray, whose element type is the call's
// anyelement; AnyNonArray is anyelement restricted to non-arrays.
var (
	Any         = &types.T{Family: types.UnknownFamily, Oid: types.OidAny, Typmod: -1}
	AnyArray    = &types.T{Family: types.ArrayFamily, Oid: types.OidAnyArray, Typmod: -1}
	AnyNonArray = &types.T{Family: types.UnknownFamily, Oid: 2776, Typmod: -1}
)

func isPolyElem(t *types.T) bool { return t == nil || t == AnyNonArray }
func isPseudo(t *types.T) bool   { return t == nil || t == Any || t == AnyArray || t == AnyNonArray }

// Registry holds functions and operators. It is built once (NewRegistry
// plus Register calls by the packages that add catalog- or session-aware
// functions) and is read-only afterwards, so it is shared by every session
// without locking. Register after Freeze returns an error.
type Registry struct {
	funcs  map[string]*Func
	binOps map[string][]*Overload
	unOps  map[string][]*Overload
	frozen bool
}

// NewRegistry returns a mutable registry holding all built-in functions
// and operators.
func NewRegistry() *Registry {
	r := &Registry{funcs: map[string]*Func{}, binOps: map[string][]*Overload{}, unOps: map[string][]*Overload{}}
	registerOperators(r)
	registerAll(r)
	return r
}

var (
	defaultOnce sync.Once
	defaultReg  *Registry
)

// Default returns the frozen registry of built-ins (no catalog functions).
func Default() *Registry {
	defaultOnce.Do(func() {
		defaultReg = NewRegistry()
		defaultReg.Freeze()
	})
	return defaultReg
}

// Freeze makes the registry read-only.
func (r *Registry) Freeze() { r.frozen = true }

// Register adds f. When a function of the same name exists, f's overloads
// are appended to it (the classes must agree).
func (r *Registry) Register(f *Func) error {
	if r.frozen {
		return fmt.Errorf("builtins: Register(%s) on a frozen registry", f.Name)
	}
	name := strings.ToLower(f.Name)
	if old, ok := r.funcs[name]; ok {
		if old.Class != f.Class {
			return fmt.Errorf("builtins: %s registered with two classes", name)
		}
		old.Overloads = append(old.Overloads, f.Overloads...)
		return nil
	}
	c := *f
	c.Name = name
	c.Overloads = append([]*Overload(nil), f.Overloads...)
	r.funcs[name] = &c
	return nil
}

func (r *Registry) mustRegister(f *Func) {
	if err := r.Register(f); err != nil {
		panic(err) // programming error in the built-in tables
	}
}

// RegisterBinaryOp adds an operator overload (op is the symbol, e.g. "+").
func (r *Registry) RegisterBinaryOp(op string, ov *Overload) error {
	if r.frozen {
		return fmt.Errorf("builtins: RegisterBinaryOp(%s) on a frozen registry", op)
	}
	r.binOps[op] = append(r.binOps[op], ov)
	return nil
}

// RegisterUnaryOp adds a prefix operator overload.
func (r *Registry) RegisterUnaryOp(op string, ov *Overload) error {
	if r.frozen {
		return fmt.Errorf("builtins: RegisterUnaryOp(%s) on a frozen registry", op)
	}
	r.unOps[op] = append(r.unOps[op], ov)
	return nil
}

func (r *Registry) binOp(op string, ov *Overload) {
	if ov.Volatility == 0 {
		ov.Volatility = Immutable
	}
	r.binOps[op] = append(r.binOps[op], ov)
}

func (r *Registry) unOp(op string, ov *Overload) {
	if ov.Volatility == 0 {
		ov.Volatility = Immutable
	}
	r.unOps[op] = append(r.unOps[op], ov)
}

// Lookup returns the function with the given name (case-insensitive, an
// optional "pg_catalog." prefix is ignored), or nil.
func (r *Registry) Lookup(name string) *Func {
	name = strings.TrimPrefix(strings.ToLower(name), "pg_catalog.")
	return r.funcs[name]
}

// All lists every function, sorted by name (for pg_proc and \df).
func (r *Registry) All() []*Func {
	out := make([]*Func, 0, len(r.funcs))
	for _, f := range r.funcs {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// BinaryOps lists the overloads of each binary operator symbol.
func (r *Registry) BinaryOps() map[string][]*Overload { return r.binOps }

// Package-level conveniences over Default().

// Lookup is Default().Lookup.
func Lookup(name string) *Func { return Default().Lookup(name) }

// All is Default().All.
func All() []*Func { return Default().All() }

// ResolveFunc is Default().ResolveFunc.
func ResolveFunc(name string, argTypes []*types.T) (*Func, *Overload, []*types.T, error) {
	return Default().ResolveFunc(name, argTypes)
}

// ResolveBinaryOp is Default().ResolveBinaryOp.
func ResolveBinaryOp(op string, l, r *types.T) (*Overload, error) {
	return Default().ResolveBinaryOp(op, l, r)
}

// ResolveUnaryOp is Default().ResolveUnaryOp.
func ResolveUnaryOp(op string, t *types.T) (*Overload, error) {
	return Default().ResolveUnaryOp(op, t)
}

// ReturnType returns the result type of ov called with the resolved
// argument types.
func (ov *Overload) ReturnType(args []*types.T) *types.T {
	if ov.RetFn != nil {
		return ov.RetFn(args)
	}
	return ov.Ret
}
