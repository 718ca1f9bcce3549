package pgcatalog

import (
	"context"
	"fmt"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/types"
)

// relDef is a system relation: its fixed OID, schema, relkind and columns.
type relDef struct {
	id     catalog.ID
	schema catalog.ID
	name   string
	kind   byte
	cols   []colDef
}

type colDef struct {
	name string
	typ  *types.T
}

var (
	textArray    = types.ArrayOf(types.Text)
	oidArray     = types.ArrayOf(types.Oid)
	int2Array    = types.ArrayOf(types.Int2)
	qcharArray   = types.ArrayOf(types.QChar)
	regtypeArray = types.ArrayOf(types.Regtype)
	nameArray    = types.ArrayOf(types.Name)
)

// bootstrapSuperuserID is the OID PostgreSQL gives the initdb superuser;
// objects whose owner is unknown are reported as owned by it.
const bootstrapSuperuserID = 10

// rows accumulates the rows of one relation, filling columns by name so
// generators stay readable next to PostgreSQL's wide catalogs.
type rows struct {
	def  *relDef
	idx  map[string]int
	out  []types.Row
	bad  []string // column names a generator used that the relation lacks (tests check it is empty)
	last types.Row
}

func newRows(def *relDef) *rows {
	idx := make(map[string]int, len(def.cols))
	for i, c := range def.cols {
		idx[c.name] = i
	}
	return &rows{def: def, idx: idx}
}

// add starts a new row with every column NULL and returns a setter for it.
func (r *rows) add() func(col string, d types.Datum) {
	row := make(types.Row, len(r.def.cols))
	for i := range row {
		row[i] = types.DNull
	}
	r.out = append(r.out, row)
	return func(col string, d types.Datum) {
		i, ok := r.idx[col]
		if !ok {
			r.bad = append(r.bad, col)
			return
		}
		row[i] = d
	}
}

// generator produces the rows of one relation.
type generator func(ctx context.Context, env catalog.VirtualEnv, r *rows) error

// procSource is what pg_proc and the function-describing builtins read.
type procSource struct {
	reg *builtins.Registry
}

// VirtualTables returns the pg_catalog and information_schema relations.
// reg is the function registry pg_proc and information_schema.routines
// describe (the one Functions are registered into; nil means
// builtins.Default()). The returned tables are safe for concurrent use.
func VirtualTables(reg *builtins.Registry) []*catalog.VirtualTable {
	procs := newProcTable(reg)
	gens := generators(procs)
	defs := make([]*relDef, 0, len(pg15Relations)+len(confluxRelations)+len(lakeRelations))
	for i := range pg15Relations {
		defs = append(defs, &pg15Relations[i])
	}
	for i := range confluxRelations {
		defs = append(defs, &confluxRelations[i])
	}
	for i := range lakeRelations {
		defs = append(defs, &lakeRelations[i])
	}
	out := make([]*catalog.VirtualTable, 0, len(defs))
	for _, def := range defs {
		gen := gens[def.name]
		out = append(out, &catalog.VirtualTable{
			ID:       def.id,
			SchemaID: def.schema,
			Name:     def.name,
			Columns:  def.columns(),
			Generate: func(ctx context.Context, env catalog.VirtualEnv) ([]types.Row, error) {
				if gen == nil {
					return nil, nil
				}
				r := newRows(def)
				if err := gen(ctx, env, r); err != nil {
					return nil, err
				}
				if len(r.bad) > 0 {
					return nil, fmt.Errorf("pgcatalog: %s has no column %q", def.name, r.bad[0])
				}
				return r.out, nil
			},
		})
	}
	return out
}

func (d *relDef) columns() []catalog.Column {
	cols := make([]catalog.Column, len(d.cols))
	for i, c := range d.cols {
		cols[i] = catalog.Column{ID: uint32(i + 1), Name: c.name, Type: c.typ}
	}
	return cols
}

// Datum helpers.

func dOid[T ~uint32 | ~int | ~int32 | ~int64](v T) types.Datum { return types.DInt(int64(v)) }
func dText(s string) types.Datum                               { return types.DString(s) }
func dBool(b bool) types.Datum                                 { return types.DBool(b) }
func dInt(v int64) types.Datum                                 { return types.DInt(v) }
func dChar(c byte) types.Datum                                 { return types.DString(string(c)) }

// dTextOrNull is NULL for the empty string.
func dTextOrNull(s string) types.Datum {
	if s == "" {
		return types.DNull
	}
	return types.DString(s)
}

func dInt2Vector(vals []int16) types.Datum {
	el := make([]types.Datum, len(vals))
	for i, v := range vals {
		el[i] = types.DInt(v)
	}
	return &types.DArray{Elem: types.Int2, Elems: el, LowerBound: 0}
}

func dInt2Array(vals []int16) types.Datum {
	el := make([]types.Datum, len(vals))
	for i, v := range vals {
		el[i] = types.DInt(v)
	}
	return &types.DArray{Elem: types.Int2, Elems: el, LowerBound: 1}
}

func dOidVector(vals []uint32) types.Datum {
	el := make([]types.Datum, len(vals))
	for i, v := range vals {
		el[i] = types.DInt(v)
	}
	return &types.DArray{Elem: types.Oid, Elems: el, LowerBound: 0}
}

func dTextArray(vals []string) types.Datum {
	el := make([]types.Datum, len(vals))
	for i, v := range vals {
		el[i] = types.DString(v)
	}
	return &types.DArray{Elem: types.Text, Elems: el, LowerBound: 1}
}

// roleOID maps an owner name to its role OID.
func roleOID(cat catalog.Reader, name string) types.Datum {
	if r := cat.RoleByName(name); r != nil {
		return dOid(r.ID)
	}
	return dOid(bootstrapSuperuserID)
}
