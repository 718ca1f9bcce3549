package pgcatalog

import (
	"strings"
	"sync"

	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/types"
)

// proc is one pg_proc row: a function overload with its OID.
type proc struct {
	oid   uint32
	name  string
	class builtins.Class
	ov    *builtins.Overload
	args  []uint32
	ret   uint32
}

// firstSyntheticProcOID is where overloads without a PostgreSQL OID are
// numbered from (above the relations' OIDs, below user objects).
const firstSyntheticProcOID = 14000

// procTable numbers the registry's overloads once. The registry is frozen
// before any query runs, so the first use fixes the numbering for the
// life of the process and every pg_proc read agrees with it.
type procTable struct {
	reg   *builtins.Registry
	once  sync.Once
	list  []proc
	byOID map[uint32]*proc
}

func newProcTable(reg *builtins.Registry) *procTable { return &procTable{reg: reg} }

func (p *procTable) load() {
	p.once.Do(func() {
		reg := p.reg
		if reg == nil {
			reg = builtins.Default()
		}
		used := map[uint32]bool{}
		funcs := reg.All()
		for _, f := range funcs {
			for _, ov := range f.Overloads {
				if ov.Oid != 0 {
					used[ov.Oid] = true
				}
			}
		}
		next := uint32(firstSyntheticProcOID)
		p.byOID = map[uint32]*proc{}
		for _, f := range funcs {
			for _, ov := range f.Overloads {
				oid := ov.Oid
				if oid == 0 || p.byOID[oid] != nil {
					for used[next] {
						next++
					}
					oid = next
					used[oid] = true
				}
				pr := proc{oid: oid, name: f.Name, class: f.Class, ov: ov, ret: retOID(f, ov)}
				for _, a := range ov.Args {
					pr.args = append(pr.args, argOID(a))
				}
				p.list = append(p.list, pr)
				p.byOID[oid] = &p.list[len(p.list)-1]
			}
		}
		// The type I/O functions are catalog rows only; the registry never
		// defines them, so their PostgreSQL OIDs are free.
		for _, io := range append(append([]ioProcRow(nil), pgTypeIOProcs...), domainIOProcs...) {
			if p.byOID[io.oid] != nil {
				continue
			}
			ov := &builtins.Overload{Volatility: builtins.Volatility(io.volatile), Oid: io.oid}
			p.list = append(p.list, proc{oid: io.oid, name: io.name, class: builtins.ScalarClass, ov: ov, args: io.args, ret: io.ret})
			p.byOID[io.oid] = &p.list[len(p.list)-1]
		}
		// Re-point the map: appends may have moved the slice.
		for i := range p.list {
			p.byOID[p.list[i].oid] = &p.list[i]
		}
	})
}

// ioProcRow is a pg_proc row of a type I/O function (pg15_procs.go).
type ioProcRow struct {
	oid      uint32
	name     string
	args     []uint32
	ret      uint32
	volatile byte
}

func (p *procTable) all() []proc {
	p.load()
	return p.list
}

func (p *procTable) byOid(oid uint32) *proc {
	p.load()
	return p.byOID[oid]
}

// byName returns the overloads of a function name.
func (p *procTable) byName(name string) []*proc {
	p.load()
	var out []*proc
	for i := range p.list {
		if p.list[i].name == name {
			out = append(out, &p.list[i])
		}
	}
	return out
}

func argOID(t *types.T) uint32 {
	if t == nil {
		return types.OidAnyElement
	}
	return t.Oid
}

func retOID(f *builtins.Func, ov *builtins.Overload) uint32 {
	if ov.Ret != nil {
		return ov.Ret.Oid
	}
	if f.Class == builtins.GeneratorClass && len(ov.GenCols) > 1 {
		return types.OidRecord
	}
	return types.OidAnyElement
}

// Pseudo-type OIDs of the type I/O functions' arguments.
const (
	oidCstring  = 2275
	oidInternal = 2281
)

// argTypesString is pg_get_function_arguments: "integer, text" (the
// variadic parameter printed as "VARIADIC text[]").
func (pr *proc) argTypesString() string {
	parts := make([]string, len(pr.args))
	for i, a := range pr.args {
		s := typeOIDName(a)
		if pr.ov.Variadic && i == len(pr.args)-1 {
			s = "VARIADIC " + s + "[]"
		}
		parts[i] = s
	}
	return strings.Join(parts, ", ")
}

// resultString is pg_get_function_result.
func (pr *proc) resultString() string {
	if pr.class == builtins.GeneratorClass {
		if len(pr.ov.GenCols) > 1 {
			cols := make([]string, len(pr.ov.GenCols))
			for i, c := range pr.ov.GenCols {
				cols[i] = quoteIdent(c.Name) + " " + typeOIDName(c.Type.Oid)
			}
			return "TABLE(" + strings.Join(cols, ", ") + ")"
		}
		return "SETOF " + typeOIDName(pr.ret)
	}
	return typeOIDName(pr.ret)
}

// typeOIDName is format_type(oid, NULL) for a type OID, including pseudo-types.
func typeOIDName(oid uint32) string {
	switch oid {
	case types.OidAnyElement:
		return "anyelement"
	case types.OidAny:
		return "\"any\""
	case types.OidAnyArray:
		return "anyarray"
	case 2776:
		return "anynonarray"
	case oidCstring:
		return "cstring"
	case oidInternal:
		return "internal"
	}
	return formatType(oid, -1, true)
}
