package parser

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/conflux-db/conflux/sql/pgerr"
	"github.com/conflux-db/conflux/sql/types"
)

// ResolveTypeName turns a parsed type name (int4, varchar(10),
// numeric(12,2), timestamptz[], "char", ...) into a *types.T, applying
// typmods the way PostgreSQL does. Unknown names are 42704.
func ResolveTypeName(tn *pg_query.TypeName) (*types.T, error) {
	if tn == nil {
		return nil, pgerr.New(pgerr.SyntaxError, "missing type name")
	}
	var parts []string
	for _, n := range tn.Names {
		parts = append(parts, n.GetString_().GetSval())
	}
	name := strings.Join(parts, ".")
	base := strings.TrimPrefix(name, "pg_catalog.")
	if base == "char" && len(parts) == 1 {
		// The bare identifier "char" (quoted in SQL) is the one-byte type;
		// CHAR(n) arrives as pg_catalog.bpchar.
		base = "\"char\""
	}
	t := types.ByName(base)
	if t == nil {
		return nil, pgerr.New(pgerr.UndefinedObject, "type \"%s\" does not exist", name)
	}
	mods, err := typmodArgs(tn.Typmods)
	if err != nil {
		return nil, err
	}
	switch t.Oid {
	case types.OidVarchar, types.OidBPChar:
		if len(mods) > 1 {
			return nil, pgerr.New(pgerr.SyntaxError, "invalid type modifier")
		}
		if len(mods) == 1 {
			if mods[0] < 1 {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "length for type %s must be at least 1", t.Name())
			}
			if mods[0] > 10485760 {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "length for type %s cannot exceed 10485760", t.Name())
			}
			t = t.WithTypmod(int32(mods[0]) + 4)
		} else if t.Oid == types.OidBPChar && base != "bpchar" {
			// CHAR without a length means CHAR(1).
			t = t.WithTypmod(1 + 4)
		}
	case types.OidNumeric:
		switch len(mods) {
		case 0:
		case 1, 2:
			p, s := mods[0], int64(0)
			if len(mods) == 2 {
				s = mods[1]
			}
			if p < 1 || p > 1000 {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "NUMERIC precision %d must be between 1 and 1000", p)
			}
			if s < 0 || s > p {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "NUMERIC scale %d must be between 0 and precision %d", s, p)
			}
			t = t.WithTypmod(types.NumericTypmod(int(p), int(s)))
		default:
			return nil, pgerr.New(pgerr.SyntaxError, "invalid NUMERIC type modifier")
		}
	case types.OidFloat8:
		// float(p): 1..24 is real, 25..53 double precision.
		if len(mods) == 1 {
			switch p := mods[0]; {
			case p < 1:
				return nil, pgerr.New(pgerr.InvalidParameterValue, "precision for type float must be at least 1 bit")
			case p <= 24:
				t = types.Float4
			case p <= 53:
			default:
				return nil, pgerr.New(pgerr.InvalidParameterValue, "precision for type float must be less than 54 bits")
			}
		}
	case types.OidTimestamp, types.OidTimestampTZ, types.OidTime, types.OidInterval:
		// Fractional-second precision is accepted; values keep microseconds.
		if len(mods) == 1 && (mods[0] < 0 || mods[0] > 6) && t.Oid != types.OidInterval {
			return nil, pgerr.New(pgerr.InvalidParameterValue, "%s(%d) precision must be between 0 and 6", t.Name(), mods[0])
		}
	default:
		if len(mods) > 0 {
			return nil, pgerr.New(pgerr.SyntaxError, "type modifier is not allowed for type \"%s\"", t.Name())
		}
	}
	if len(tn.ArrayBounds) > 0 {
		t = types.ArrayOf(t)
	}
	return t, nil
}

func typmodArgs(nodes []*pg_query.Node) ([]int64, error) {
	var out []int64
	for _, n := range nodes {
		c := n.GetAConst()
		if c == nil || c.GetIval() == nil {
			if c != nil && c.Isnull {
				return nil, pgerr.New(pgerr.SyntaxError, "type modifiers must be simple constants or identifiers")
			}
			if c != nil && c.GetIval() == nil && c.GetFval() == nil && c.GetSval() == nil {
				// Ival of 0 is encoded as an empty Integer node.
				out = append(out, 0)
				continue
			}
			return nil, pgerr.New(pgerr.SyntaxError, "type modifiers must be simple constants or identifiers")
		}
		out = append(out, int64(c.GetIval().Ival))
	}
	return out, nil
}
