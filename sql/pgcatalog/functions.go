package pgcatalog

import (
	"strconv"
	"strings"
	"time"

	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// Version is what version() returns. Clients parse the leading
// "PostgreSQL N.M", so it names the protocol-compatible release first.
const Version = "PostgreSQL 16.4 (Conflux 0.1) on x86_64-pc-linux-gnu, compiled by Go"

type evalFn = func(ctx *builtins.EvalContext, args []types.Datum) (types.Datum, error)

// sig builds one overload.
func sig(oid uint32, args []*types.T, ret *types.T, vol builtins.Volatility, fn evalFn) *builtins.Overload {
	return &builtins.Overload{Args: args, Ret: ret, Fn: fn, Volatility: vol, Oid: oid}
}

// onNull marks an overload as called with NULL arguments (not STRICT).
func onNull(o *builtins.Overload) *builtins.Overload {
	o.CalledOnNull = true
	return o
}

func targs(ts ...*types.T) []*types.T { return ts }

func scalar(name string, ovs ...*builtins.Overload) *builtins.Func {
	return &builtins.Func{Name: name, Class: builtins.ScalarClass, Overloads: ovs}
}

const stable = builtins.Stable

func constant(d types.Datum) evalFn {
	return func(*builtins.EvalContext, []types.Datum) (types.Datum, error) { return d, nil }
}

func argOIDValue(d types.Datum) uint32 {
	if v, ok := d.(types.DInt); ok {
		return uint32(v)
	}
	return 0
}

func argString(d types.Datum) string {
	if s, ok := d.(types.DString); ok {
		return string(s)
	}
	return ""
}

func argBool(d types.Datum) bool {
	b, ok := d.(types.DBool)
	return ok && bool(b)
}

// currentUser is the session user as builtins see it.
func currentUser(ctx *builtins.EvalContext) string {
	if ctx.Session != nil {
		return ctx.Session.CurrentUser()
	}
	return ""
}

func currentDatabase(ctx *builtins.EvalContext) string {
	if ctx.Session != nil {
		return ctx.Session.CurrentDatabase()
	}
	return ""
}

// Functions returns the builtins that need the catalog or the session.
// reg is the registry they are registered into (pg_get_function_* and
// regproc resolve in it; nil means builtins.Default()).
func Functions(reg *builtins.Registry) []*builtins.Func {
	procs := newProcTable(reg)
	T, N, O, B, I4, I8 := types.Text, types.Name, types.Oid, types.Bool, types.Int4, types.Int8
	RC := types.Regclass
	alwaysTrue := constant(types.DBool(true))

	privileges := func(name string, oids ...uint32) *builtins.Func {
		// (user, object, privilege) and (object, privilege) with the user
		// and the object given by name or by OID. Conflux grants everything
		// for now, so every variant is true.
		shapes := [][]*types.T{
			{N, T, T}, {N, O, T}, {O, T, T}, {O, O, T}, {T, T}, {O, T},
		}
		f := scalar(name)
		for i, s := range shapes {
			var oid uint32
			if i < len(oids) {
				oid = oids[i]
			}
			f.Overloads = append(f.Overloads, sig(oid, s, B, stable, alwaysTrue))
		}
		return f
	}

	fs := []*builtins.Func{
		scalar("format_type", onNull(sig(1081, targs(O, I4), T, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			if types.IsNull(a[0]) {
				return types.DNull, nil
			}
			if types.IsNull(a[1]) {
				return types.DString(formatType(argOIDValue(a[0]), -1, true)), nil
			}
			return types.DString(formatType(argOIDValue(a[0]), int32(a[1].(types.DInt)), false)), nil
		}))),
		scalar("pg_table_is_visible", sig(2079, targs(O), B, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			env := EvalNameEnv(ctx)
			rel, ok := relationByOID(env.Catalog, catalog.ID(argOIDValue(a[0])))
			if !ok {
				return types.DNull, nil
			}
			return types.DBool(env.path().relationVisible(rel)), nil
		})),
		scalar("pg_type_is_visible", sig(2080, targs(O), B, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			if isInfoSchemaDomain(argOIDValue(a[0])) {
				return types.DBool(false), nil // information_schema is not on the path
			}
			if typeRow(argOIDValue(a[0])) == nil {
				return types.DNull, nil
			}
			return types.DBool(true), nil // every type lives in pg_catalog, always on the path
		})),
		scalar("pg_function_is_visible", sig(2081, targs(O), B, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			if procs.byOid(argOIDValue(a[0])) == nil {
				return types.DNull, nil
			}
			return types.DBool(true), nil
		})),
		scalar("pg_collation_is_visible", sig(3815, targs(O), B, stable, alwaysTrue)),
		scalar("pg_get_userbyid", sig(1642, targs(O), N, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			oid := argOIDValue(a[0])
			if ctx.Catalog != nil {
				for _, r := range allRoles(ctx.Catalog) {
					if uint32(r.ID) == oid {
						return types.DString(r.Name), nil
					}
				}
				if oid == bootstrapSuperuserID {
					return types.DString(ownerName(ctx.Catalog, "")), nil
				}
			}
			return types.DString("unknown (OID=" + strconv.FormatUint(uint64(oid), 10) + ")"), nil
		})),
		// Expressions are stored as SQL text (adbin, relpartbound...), so
		// deparsing is the identity.
		scalar("pg_get_expr",
			sig(1716, targs(T, O), T, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) { return a[0], nil }),
			sig(2509, targs(T, O, B), T, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
				return getExprPretty(ctx, a[0], argOIDValue(a[1]), argBool(a[2])), nil
			})),
		scalar("pg_get_indexdef",
			sig(1643, targs(O), T, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
				return getIndexDef(ctx, argOIDValue(a[0]), 0, false), nil
			}),
			sig(2507, targs(O, I4, B), T, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
				return getIndexDef(ctx, argOIDValue(a[0]), int(a[1].(types.DInt)), argBool(a[2])), nil
			})),
		scalar("pg_get_constraintdef",
			sig(1387, targs(O), T, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
				return getConstraintDef(ctx, argOIDValue(a[0])), nil
			}),
			sig(2508, targs(O, B), T, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
				return getConstraintDefPretty(ctx, argOIDValue(a[0]), argBool(a[1])), nil
			})),
		scalar("pg_get_viewdef",
			sig(1641, targs(O), T, stable, viewDefByOID),
			sig(2506, targs(O, B), T, stable, viewDefByOID),
			sig(3159, targs(O, I4), T, stable, viewDefByOID),
			sig(1640, targs(T), T, stable, viewDefByName),
			sig(2505, targs(T, B), T, stable, viewDefByName)),
		scalar("pg_get_serial_sequence", sig(1665, targs(T, T), T, stable, serialSequence)),
		scalar("pg_get_partkeydef", sig(3352, targs(O), T, stable, constant(types.DNull))),
		scalar("pg_get_statisticsobjdef_columns", sig(6174, targs(O), T, stable, constant(types.DNull))),
		scalar("pg_get_triggerdef",
			sig(1662, targs(O), T, stable, constant(types.DNull)),
			sig(2730, targs(O, B), T, stable, constant(types.DNull))),
		scalar("pg_get_ruledef",
			sig(1573, targs(O), T, stable, constant(types.DNull)),
			sig(2504, targs(O, B), T, stable, constant(types.DNull))),
		scalar("pg_relation_is_publishable", sig(6121, targs(RC), B, stable, constant(types.DBool(false)))),
		scalar("obj_description",
			sig(1215, targs(O, N), T, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
				return objDescription(ctx, argOIDValue(a[0]), argString(a[1])), nil
			}),
			sig(1348, targs(O), T, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
				return objDescription(ctx, argOIDValue(a[0]), "pg_class"), nil
			})),
		scalar("col_description", sig(1216, targs(O, I4), T, stable, constant(types.DNull))),
		scalar("shobj_description", sig(1993, targs(O, N), T, stable, constant(types.DNull))),
		scalar("pg_encoding_to_char", sig(1597, targs(I4), N, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			if a[0].(types.DInt) == encodingUTF8 {
				return types.DString("UTF8"), nil
			}
			if a[0].(types.DInt) == 0 {
				return types.DString("SQL_ASCII"), nil
			}
			return types.DString(""), nil
		})),
		scalar("pg_char_to_encoding", sig(1264, targs(N), I4, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			switch strings.ToUpper(strings.ReplaceAll(argString(a[0]), "-", "")) {
			case "UTF8", "UNICODE":
				return types.DInt(encodingUTF8), nil
			case "SQL_ASCII":
				return types.DInt(0), nil
			}
			return types.DInt(-1), nil
		})),
		hasTablePrivilege(),
		hasSchemaPrivilege(),
		privileges("has_database_privilege", 2250, 2251, 2252, 2253, 2254, 2255),
		hasSequencePrivilege(),
		privileges("has_function_privilege", 2256, 2257, 2258, 2259, 2260, 2261),
		scalar("has_column_privilege",
			sig(3020, targs(T, T, T), B, stable, alwaysTrue),
			sig(3021, targs(T, types.Int2, T), B, stable, alwaysTrue),
			sig(3022, targs(O, T, T), B, stable, alwaysTrue),
			sig(3023, targs(O, types.Int2, T), B, stable, alwaysTrue)),
		scalar("pg_has_role",
			sig(2705, targs(N, N, T), B, stable, alwaysTrue),
			sig(2706, targs(N, O, T), B, stable, alwaysTrue),
			sig(2707, targs(O, N, T), B, stable, alwaysTrue),
			sig(2708, targs(O, O, T), B, stable, alwaysTrue),
			sig(2709, targs(N, T), B, stable, alwaysTrue),
			sig(2710, targs(O, T), B, stable, alwaysTrue)),
		scalar("current_schema", sig(1402, nil, N, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			ex := EvalNameEnv(ctx).path().explicit
			if len(ex) == 0 {
				return types.DNull, nil
			}
			return types.DString(ex[0].Name), nil
		})),
		scalar("current_schemas", sig(1403, targs(B), nameArray, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			sp := EvalNameEnv(ctx).path()
			list := sp.explicit
			if argBool(a[0]) {
				list = sp.schemas
			}
			el := make([]types.Datum, len(list))
			for i, s := range list {
				el[i] = types.DString(s.Name)
			}
			return &types.DArray{Elem: types.Name, Elems: el}, nil
		})),
		scalar("current_database", sig(861, nil, N, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			return types.DString(currentDatabase(ctx)), nil
		})),
		scalar("current_user", sig(745, nil, N, stable, userFn)),
		scalar("session_user", sig(746, nil, N, stable, sessionUserFn)),
		scalar("current_role", sig(0, nil, N, stable, userFn)),
		scalar("user", sig(0, nil, N, stable, userFn)),
		scalar("version", sig(89, nil, T, stable, constant(types.DString(Version)))),
		scalar("current_setting",
			sig(2077, targs(T), T, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
				return currentSetting(ctx, argString(a[0]), false)
			}),
			sig(3294, targs(T, B), T, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
				return currentSetting(ctx, argString(a[0]), argBool(a[1]))
			})),
		scalar("set_config", onNull(sig(2078, targs(T, T, B), T, builtins.Volatile, setConfig))),
		scalar("pg_backend_pid", sig(2026, nil, I4, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			if ctx.Session == nil {
				return types.DInt(0), nil
			}
			return types.DInt(ctx.Session.BackendPID()), nil
		})),
		scalar("inet_server_addr", onNull(sig(2198, nil, T, stable, constant(types.DNull)))),
		scalar("inet_server_port", onNull(sig(2199, nil, I4, stable, constant(types.DNull)))),
		scalar("pg_postmaster_start_time", sig(2560, nil, types.TimestampTZ, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			// The process start is not in the EvalContext; the transaction
			// start is a stable lower bound clients accept.
			return types.MakeTimestampTZ(ctx.TxnTime), nil
		})),
		scalar("pg_conf_load_time", sig(2034, nil, types.TimestampTZ, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			return types.MakeTimestampTZ(ctx.TxnTime), nil
		})),
		scalar("pg_is_in_recovery", sig(3810, nil, B, builtins.Volatile, constant(types.DBool(false)))),
		scalar("pg_tablespace_location", sig(3778, targs(O), T, stable, constant(types.DString("")))),
		scalar("pg_relation_size",
			sig(2325, targs(RC), I8, builtins.Volatile, relationSize(sizeRelation)),
			sig(2332, targs(RC, T), I8, builtins.Volatile, relationSize(sizeRelation))),
		scalar("pg_total_relation_size", sig(2286, targs(RC), I8, builtins.Volatile, relationSize(sizeTotal))),
		scalar("pg_table_size", sig(2997, targs(RC), I8, builtins.Volatile, relationSize(sizeTable))),
		scalar("pg_indexes_size", sig(2998, targs(RC), I8, builtins.Volatile, relationSize(sizeIndexes))),
		// Per-index scan counters are not kept; DBeaver's index list reads them.
		scalar("pg_stat_get_numscans", sig(1928, targs(O), I8, stable, constant(types.DInt(0)))),
		scalar("pg_size_pretty", sig(2288, targs(I8), T, builtins.Immutable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			return types.DString(sizePretty(int64(a[0].(types.DInt)))), nil
		})),
		{Name: "pg_get_keywords", Class: builtins.GeneratorClass, Overloads: []*builtins.Overload{{
			Oid: 1686, Ret: types.Record, Volatility: stable,
			GenCols: []catalog.Column{
				{Name: "word", Type: T}, {Name: "catcode", Type: types.QChar}, {Name: "barelabel", Type: B},
				{Name: "catdesc", Type: T}, {Name: "baredesc", Type: T},
			},
			Gen: func(ctx *builtins.EvalContext, a []types.Datum) (builtins.Generator, error) {
				return &keywordGen{}, nil
			},
		}}},
		expandArray(),
		scalar("pg_get_function_arguments", sig(2162, targs(O), T, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			if p := procs.byOid(argOIDValue(a[0])); p != nil {
				return types.DString(p.argTypesString()), nil
			}
			return types.DNull, nil
		})),
		scalar("pg_get_function_identity_arguments", sig(2232, targs(O), T, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			if p := procs.byOid(argOIDValue(a[0])); p != nil {
				return types.DString(p.argTypesString()), nil
			}
			return types.DNull, nil
		})),
		scalar("pg_get_function_result", sig(2165, targs(O), T, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			if p := procs.byOid(argOIDValue(a[0])); p != nil {
				return types.DString(p.resultString()), nil
			}
			return types.DNull, nil
		})),
		scalar("txid_current", sig(2943, nil, I8, stable, txid)),
		scalar("pg_current_xact_id", sig(5059, nil, I8, stable, txid)),
		scalar("pg_my_temp_schema", sig(2854, nil, O, stable, constant(types.DInt(0)))),
		scalar("pg_is_other_temp_schema", sig(2855, targs(O), B, stable, constant(types.DBool(false)))),
		scalar("to_regclass", sig(3495, targs(T), types.Regclass, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			oid, err := RegclassIn(argString(a[0]), EvalNameEnv(ctx))
			if err != nil {
				return types.DNull, nil
			}
			return types.DInt(oid), nil
		})),
		scalar("to_regtype", sig(3493, targs(T), types.Regtype, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			oid, err := RegtypeIn(argString(a[0]), EvalNameEnv(ctx))
			if err != nil {
				return types.DNull, nil
			}
			return types.DInt(oid), nil
		})),
		scalar("to_regproc", sig(3494, targs(T), types.Regproc, stable, func(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
			env := EvalNameEnv(ctx)
			env.Registry = procs.reg
			oid, err := RegprocIn(argString(a[0]), env)
			if err != nil {
				return types.DNull, nil
			}
			return types.DInt(oid), nil
		})),
	}
	return fs
}

// expandArray is information_schema._pg_expandarray(anyarray): one row
// (x, n) per element, n counting from 1 whatever the array's lower bound.
// pgJDBC's getPrimaryKeys and getIndexInfo and SQLAlchemy's reflection
// expand indkey and conkey with it. Its x column takes the element type,
// which a generator's columns cannot compute, so there is one overload per
// key-array type the catalogs have.
func expandArray() *builtins.Func {
	gen := func(ctx *builtins.EvalContext, a []types.Datum) (builtins.Generator, error) {
		arr, ok := a[0].(*types.DArray)
		if !ok {
			return &rowsGen{}, nil
		}
		rows := make([]types.Row, len(arr.Elems))
		for i, e := range arr.Elems {
			rows[i] = types.Row{e, types.DInt(i + 1)}
		}
		return &rowsGen{rows: rows}, nil
	}
	f := &builtins.Func{Name: "_pg_expandarray", Class: builtins.GeneratorClass}
	for _, at := range []*types.T{types.Int2Vector, types.OidVector, types.ArrayOf(types.Int2), types.ArrayOf(types.Int4)} {
		f.Overloads = append(f.Overloads, &builtins.Overload{
			Args: targs(at), Ret: types.Record, Volatility: builtins.Immutable, Gen: gen,
			GenCols: []catalog.Column{{Name: "x", Type: at.Elem}, {Name: "n", Type: types.Int4}},
		})
	}
	return f
}

// rowsGen yields precomputed rows.
type rowsGen struct {
	rows []types.Row
	i    int
}

func (g *rowsGen) Next(*builtins.EvalContext) (types.Row, bool, error) {
	if g.i >= len(g.rows) {
		return nil, false, nil
	}
	g.i++
	return g.rows[g.i-1], true, nil
}

func userFn(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
	return types.DString(currentUser(ctx)), nil
}

// SessionUserer is implemented by a session whose session_user can differ
// from current_user (after SET ROLE).
type SessionUserer interface {
	SessionUser() string
}

func sessionUserFn(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
	if su, ok := ctx.Session.(SessionUserer); ok {
		return types.DString(su.SessionUser()), nil
	}
	return userFn(ctx, a)
}

// txid is the transaction's start time in microseconds: unique per
// transaction within a process, monotonic, and stable inside it, which
// is what callers of txid_current() rely on.
func txid(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
	if ctx.TxnTime.IsZero() {
		return types.DInt(time.Now().UnixMicro()), nil
	}
	return types.DInt(ctx.TxnTime.UnixMicro()), nil
}

func currentSetting(ctx *builtins.EvalContext, name string, missingOK bool) (types.Datum, error) {
	if ctx.Session != nil {
		if v, ok := ctx.Session.Setting(strings.ToLower(name)); ok {
			return types.DString(v), nil
		}
	}
	if s, ok := presetSetting(name); ok {
		return types.DString(s.Value), nil
	}
	if missingOK {
		return types.DNull, nil
	}
	return nil, pgerr.New(pgerr.UndefinedObject, "unrecognized configuration parameter %q", name)
}

func setConfig(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
	if types.IsNull(a[0]) {
		return nil, pgerr.New(pgerr.NullValueNotAllowed, "SET requires parameter name")
	}
	name := strings.ToLower(argString(a[0]))
	value := ""
	if !types.IsNull(a[1]) {
		value = argString(a[1])
	}
	if ctx.Session == nil {
		return nil, pgerr.New(pgerr.InternalError, "set_config: no session")
	}
	if err := ctx.Session.SetSetting(name, value, argBool(a[2])); err != nil {
		return nil, err
	}
	if v, ok := ctx.Session.Setting(name); ok {
		return types.DString(v), nil
	}
	return types.DString(value), nil
}

func getIndexDef(ctx *builtins.EvalContext, oid uint32, colno int, pretty bool) types.Datum {
	if ctx.Catalog == nil {
		return types.DNull
	}
	env := EvalNameEnv(ctx)
	rel, ok := relationByOID(ctx.Catalog, catalog.ID(oid))
	if !ok || rel.index == nil {
		return types.DNull
	}
	if colno > 0 {
		return types.DString(indexColumnDef(rel, colno))
	}
	return types.DString(indexDef(env.path(), rel, pretty))
}

func getConstraintDef(ctx *builtins.EvalContext, oid uint32) types.Datum {
	return getConstraintDefPretty(ctx, oid, false)
}

func getConstraintDefPretty(ctx *builtins.EvalContext, oid uint32, pretty bool) types.Datum {
	if ctx.Catalog == nil {
		return types.DNull
	}
	if t, ck := checkByOID(ctx.Catalog, catalog.ID(oid)); ck != nil {
		return types.DString(deparseCheck(ck.Expr, tableColumnTypes(t), pretty))
	}
	t, ix := constraintIndex(ctx.Catalog, catalog.ID(oid))
	if t == nil {
		return types.DNull
	}
	return types.DString(constraintDef(t, ix))
}

// getExprPretty is pg_get_expr(expr, relid, pretty). Stored expression
// text (adbin, conbin) is already in the non-pretty form; pretty output
// re-prints it with the relation's column types.
func getExprPretty(ctx *builtins.EvalContext, expr types.Datum, relid uint32, pretty bool) types.Datum {
	s, ok := expr.(types.DString)
	if !ok || !pretty || ctx.Catalog == nil {
		return expr
	}
	var cols map[string]*types.T
	if t := ctx.Catalog.TableByID(catalog.ID(relid)); t != nil {
		cols = tableColumnTypes(t)
	}
	return types.DString(deparseExprText(string(s), cols, nil, true))
}

func viewDef(ctx *builtins.EvalContext, t *catalog.Table, a []types.Datum) types.Datum {
	if t == nil || t.Kind != catalog.KindView {
		return types.DNull
	}
	// The second argument is pretty (boolean) or a wrap column (integer,
	// which implies pretty).
	pretty := false
	if len(a) > 1 {
		switch v := a[1].(type) {
		case types.DBool:
			pretty = bool(v)
		case types.DInt:
			pretty = true
		}
	}
	return types.DString(viewDefinition(EvalNameEnv(ctx), t, pretty))
}

func viewDefByOID(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
	if ctx.Catalog == nil {
		return types.DNull, nil
	}
	return viewDef(ctx, ctx.Catalog.TableByID(catalog.ID(argOIDValue(a[0]))), a), nil
}

func viewDefByName(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
	rel, err := lookupRelationName(argString(a[0]), EvalNameEnv(ctx))
	if err != nil {
		return nil, err
	}
	return viewDef(ctx, rel.table, a), nil
}

// serialSequence is pg_get_serial_sequence(table, column): the qualified
// name of the sequence a serial or identity column draws from.
func serialSequence(ctx *builtins.EvalContext, a []types.Datum) (types.Datum, error) {
	env := EvalNameEnv(ctx)
	rel, err := lookupRelationName(argString(a[0]), env)
	if err != nil {
		return nil, err
	}
	if rel.table == nil || rel.index != nil {
		return types.DNull, nil
	}
	colName := argString(a[1])
	if strings.HasPrefix(colName, `"`) && strings.HasSuffix(colName, `"`) && len(colName) > 1 {
		colName = strings.ReplaceAll(colName[1:len(colName)-1], `""`, `"`)
	} else {
		colName = strings.ToLower(colName)
	}
	c := rel.table.ColumnByName(colName)
	if c == nil || c.Hidden {
		return nil, pgerr.New(pgerr.UndefinedColumn, "column %q of relation %q does not exist", colName, rel.name)
	}
	if c.Sequence == "" {
		return types.DNull, nil
	}
	seqName := c.Sequence
	if strings.Contains(seqName, ".") {
		return types.DString(seqName), nil
	}
	return types.DString(qualifiedName(schemaName(env.Catalog, rel.schema), seqName)), nil
}

func objDescription(ctx *builtins.EvalContext, oid uint32, class string) types.Datum {
	if ctx.Catalog == nil {
		return types.DNull
	}
	if class == "pg_namespace" {
		// \dn+ shows the built-in schemas' comments through here.
		for _, d := range builtinSchemaComments {
			if uint32(d.oid) == oid && schemaName(ctx.Catalog, d.oid) != "" {
				return types.DString(d.desc)
			}
		}
		return types.DNull
	}
	if class != "pg_class" {
		return types.DNull
	}
	if t := ctx.Catalog.TableByID(catalog.ID(oid)); t != nil && t.Comment != "" {
		return types.DString(t.Comment)
	}
	return types.DNull
}

// keywordGen yields pg_get_keywords() rows.
type keywordGen struct{ i int }

func (g *keywordGen) Next(ctx *builtins.EvalContext) (types.Row, bool, error) {
	if g.i >= len(pgKeywords) {
		return nil, false, nil
	}
	k := &pgKeywords[g.i]
	g.i++
	return types.Row{types.DString(k.word), types.DString(string(k.catcode)), types.DBool(k.barelabel),
		types.DString(k.catdesc()), types.DString(k.baredesc())}, true, nil
}
