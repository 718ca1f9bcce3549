package planner

import (
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// typeCategory mirrors pg_type.typcategory for the types Conflux has.
func typeCategory(t *types.T) byte {
	switch t.Family {
	case types.BoolFamily:
		return 'B'
	case types.IntFamily, types.FloatFamily, types.DecimalFamily:
		return 'N'
	case types.StringFamily:
		return 'S'
	case types.DateFamily, types.TimestampFamily, types.TimestampTZFamily, types.TimeFamily:
		return 'D'
	case types.IntervalFamily:
		return 'T'
	case types.ArrayFamily:
		return 'A'
	case types.UnknownFamily:
		return 'X'
	case types.JSONFamily:
		return 'U'
	}
	return 'U'
}

// numericRank orders the numeric types by PostgreSQL's implicit-cast direction.
func numericRank(t *types.T) int {
	switch t.Oid {
	case types.OidInt2:
		return 1
	case types.OidInt4:
		return 2
	case types.OidInt8:
		return 3
	case types.OidNumeric:
		return 4
	case types.OidFloat4:
		return 5
	case types.OidFloat8:
		return 6
	}
	return 3 // oid & friends behave like int8 here
}

func dateRank(t *types.T) int {
	switch t.Family {
	case types.DateFamily:
		return 1
	case types.TimestampFamily:
		return 2
	case types.TimestampTZFamily:
		return 3
	}
	return 0
}

// commonType implements PostgreSQL's select_common_type for UNION, CASE,
// COALESCE, VALUES, IN lists and ARRAY[]. ctx names the construct in errors.
func commonType(ts []*types.T, ctx string) (*types.T, error) {
	var res *types.T
	for _, t := range ts {
		if t == nil || t.Family == types.UnknownFamily {
			continue
		}
		if res == nil {
			res = t
			continue
		}
		if res.Equivalent(t) {
			if res.Typmod != t.Typmod {
				res = res.WithTypmod(-1)
			}
			continue
		}
		cr, ct := typeCategory(res), typeCategory(t)
		if cr != ct {
			return nil, pgerr.New(pgerr.DatatypeMismatch, "%s types %s and %s cannot be matched", ctx, res.SQLString(), t.SQLString())
		}
		switch cr {
		case 'N':
			if numericRank(t) > numericRank(res) {
				res = t
			}
		case 'S':
			res = types.Text
		case 'D':
			if res.Family == types.TimeFamily || t.Family == types.TimeFamily {
				return nil, pgerr.New(pgerr.DatatypeMismatch, "%s types %s and %s cannot be matched", ctx, res.SQLString(), t.SQLString())
			}
			if dateRank(t) > dateRank(res) {
				res = t
			}
		case 'A':
			e, err := commonType([]*types.T{res.Elem, t.Elem}, ctx)
			if err != nil {
				return nil, err
			}
			res = types.ArrayOf(e)
		default:
			return nil, pgerr.New(pgerr.DatatypeMismatch, "%s types %s and %s cannot be matched", ctx, res.SQLString(), t.SQLString())
		}
	}
	if res == nil {
		return types.Text, nil
	}
	if res.Oid == types.OidBPChar || res.Oid == types.OidName || res.Oid == types.OidChar {
		// Mixed string kinds resolve to text unless all agree (handled above).
		return res, nil
	}
	return res, nil
}

// implicitCastOK reports whether PostgreSQL would apply from->to implicitly
// (function argument and operator resolution).
func implicitCastOK(from, to *types.T) bool {
	if from.Equivalent(to) || from.Family == types.UnknownFamily {
		return true
	}
	switch {
	case typeCategory(from) == 'N' && typeCategory(to) == 'N':
		return numericRank(from) <= numericRank(to)
	case from.Family == types.StringFamily && to.Family == types.StringFamily:
		return true
	case typeCategory(from) == 'D' && typeCategory(to) == 'D':
		return from.Family != types.TimeFamily && to.Family != types.TimeFamily && dateRank(from) <= dateRank(to)
	case from.Family == types.JSONFamily && to.Family == types.JSONFamily:
		return true
	}
	return false
}

// assignmentCastOK reports whether an INSERT/UPDATE may store from in to.
func assignmentCastOK(from, to *types.T) bool {
	if implicitCastOK(from, to) {
		return true
	}
	cf, ct := typeCategory(from), typeCategory(to)
	switch {
	case cf == 'N' && ct == 'N':
		return true
	case cf == 'D' && ct == 'D':
		return true
	case ct == 'S':
		return true // every type has an assignment cast to text via its output function
	case cf == 'A' && ct == 'A':
		return assignmentCastOK(from.Elem, to.Elem)
	}
	return false
}

// resolveTypeName converts a pg_query TypeName (with typmods and array
// bounds) into a *types.T.
func resolveTypeName(tn *pg_query.TypeName) (*types.T, error) {
	var parts []string
	for _, n := range tn.Names {
		if s := n.GetString_(); s != nil {
			parts = append(parts, s.Sval)
		}
	}
	name := strings.Join(parts, ".")
	base := strings.TrimPrefix(name, "pg_catalog.")
	t := types.ByName(base)
	if t == nil {
		switch base {
		case "varbit", "bit", "money", "xml", "point", "inet", "cidr", "macaddr", "tsvector":
			return nil, pgerr.Unsupported("type " + base)
		}
		return nil, pgerr.New(pgerr.UndefinedObject, "type \"%s\" does not exist", name)
	}
	if len(tn.Typmods) > 0 {
		var mods []int
		for _, m := range tn.Typmods {
			c := m.GetAConst()
			if c == nil || c.GetIval() == nil {
				return nil, pgerr.New(pgerr.SyntaxError, "type modifiers must be simple constants or identifiers")
			}
			mods = append(mods, int(c.GetIval().Ival))
		}
		switch t.Oid {
		case types.OidVarchar, types.OidBPChar:
			if mods[0] < 1 {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "length for type %s must be at least 1", t.Name())
			}
			t = t.WithTypmod(int32(mods[0] + 4))
		case types.OidNumeric:
			p, s := mods[0], 0
			if len(mods) > 1 {
				s = mods[1]
			}
			if p < 1 || p > 1000 {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "NUMERIC precision %d must be between 1 and 1000", p)
			}
			t = t.WithTypmod(types.NumericTypmod(p, s))
		case types.OidTimestamp, types.OidTimestampTZ, types.OidTime, types.OidInterval:
			t = t.WithTypmod(int32(mods[len(mods)-1]))
		}
	} else if t.Oid == types.OidBPChar && (base == "char" || base == "character" || base == "bpchar") && base != "bpchar" {
		t = t.WithTypmod(5) // char = char(1)
	}
	if len(tn.ArrayBounds) > 0 {
		t = types.ArrayOf(t)
	}
	return t, nil
}

// constFromAConst builds the constant for a literal: integers are int4
// (int8 if they overflow, numeric beyond that), other numbers numeric,
// strings stay unknown until context types them.
func constFromAConst(c *pg_query.A_Const) (*Const, error) {
	if c.Isnull {
		return &Const{Val: types.DNull, Typ: types.Unknown}, nil
	}
	switch v := c.Val.(type) {
	case *pg_query.A_Const_Ival:
		return &Const{Val: types.DInt(v.Ival.Ival), Typ: types.Int4}, nil
	case *pg_query.A_Const_Fval:
		s := v.Fval.Fval
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			if i >= -1<<31 && i < 1<<31 {
				return &Const{Val: types.DInt(i), Typ: types.Int4}, nil
			}
			return &Const{Val: types.DInt(i), Typ: types.Int8}, nil
		}
		d, err := types.ParseText(s, types.Numeric, nil)
		if err != nil {
			return nil, err
		}
		return &Const{Val: d, Typ: types.Numeric}, nil
	case *pg_query.A_Const_Boolval:
		return &Const{Val: types.DBool(v.Boolval.Boolval), Typ: types.Bool}, nil
	case *pg_query.A_Const_Sval:
		return &Const{Val: types.DString(v.Sval.Sval), Typ: types.Unknown}, nil
	case *pg_query.A_Const_Bsval:
		return nil, pgerr.Unsupported("bit string literals")
	}
	return &Const{Val: types.DNull, Typ: types.Unknown}, nil
}

func datumString(d types.Datum) string {
	if d == types.DNull {
		return "NULL"
	}
	switch v := d.(type) {
	case types.DString:
		return string(v)
	case types.DInt:
		return strconv.FormatInt(int64(v), 10)
	case types.DBool:
		if v {
			return "true"
		}
		return "false"
	}
	return types.FormatText(d, inferDatumType(d), nil)
}

func inferDatumType(d types.Datum) *types.T {
	switch d.(type) {
	case types.DBool:
		return types.Bool
	case types.DInt:
		return types.Int8
	case types.DFloat:
		return types.Float8
	case *types.DDecimal:
		return types.Numeric
	case types.DString:
		return types.Text
	case types.DBytes:
		return types.Bytea
	case types.DDate:
		return types.Date
	case types.DTime:
		return types.Time
	case types.DTimestamp:
		return types.Timestamp
	case types.DTimestampTZ:
		return types.TimestampTZ
	case types.DInterval:
		return types.Interval
	case types.DUUID:
		return types.UUID
	case *types.DJSON:
		return types.JSONB
	case *types.DArray:
		return types.ArrayOf(d.(*types.DArray).Elem)
	}
	return types.Text
}

// Interval field masks of PostgreSQL's INTERVAL typmod (datetime.h).
const (
	ivMaskMonth     = 1 << 1
	ivMaskYear      = 1 << 2
	ivMaskDay       = 1 << 3
	ivMaskHour      = 1 << 10
	ivMaskMinute    = 1 << 11
	ivMaskSecond    = 1 << 12
	ivFullRange     = 0x7FFF
	microsPerHour   = 3600e6
	microsPerMinute = 60e6
)

// intervalRange returns the field range of an INTERVAL type name
// (INTERVAL '90' DAY, INTERVAL YEAR TO MONTH): the first typmod, as the
// grammar emits it, or the full range.
func intervalRange(tn *pg_query.TypeName) int {
	if len(tn.Typmods) == 0 {
		return ivFullRange
	}
	if c := tn.Typmods[0].GetAConst(); c != nil && c.GetIval() != nil {
		return int(c.GetIval().Ival)
	}
	return ivFullRange
}

// intervalUnitless gives a unit to a bare number in an interval literal
// with a field range, as PostgreSQL's DecodeInterval does: '90' is 90
// days under DAY, 3 months under MONTH; without a range it is seconds.
func intervalUnitless(s string, rng int) string {
	t := strings.TrimSpace(s)
	if _, err := strconv.ParseFloat(t, 64); err != nil {
		return s
	}
	unit := ""
	switch rng {
	case ivMaskYear:
		unit = "year"
	case ivMaskMonth, ivMaskYear | ivMaskMonth:
		unit = "month"
	case ivMaskDay:
		unit = "day"
	case ivMaskHour, ivMaskDay | ivMaskHour:
		unit = "hour"
	case ivMaskMinute, ivMaskHour | ivMaskMinute, ivMaskDay | ivMaskHour | ivMaskMinute:
		unit = "minute"
	}
	if unit == "" {
		return s
	}
	return t + " " + unit
}

// truncateInterval drops the fields below an interval's range, as
// PostgreSQL's AdjustIntervalForTypmod: INTERVAL '1 day 3 hours' DAY is
// 1 day.
func truncateInterval(iv types.DInterval, rng int) types.DInterval {
	switch rng {
	case ivMaskYear:
		return types.DInterval{Months: iv.Months / 12 * 12}
	case ivMaskMonth, ivMaskYear | ivMaskMonth:
		return types.DInterval{Months: iv.Months}
	case ivMaskDay:
		return types.DInterval{Months: iv.Months, Days: iv.Days}
	case ivMaskHour, ivMaskDay | ivMaskHour:
		iv.Micros = iv.Micros / microsPerHour * microsPerHour
	case ivMaskMinute, ivMaskHour | ivMaskMinute, ivMaskDay | ivMaskHour | ivMaskMinute:
		iv.Micros = iv.Micros / microsPerMinute * microsPerMinute
	}
	return iv
}
