package pgcatalog

import (
	"github.com/conflux-db/conflux/sql/types"
)

// IsRegType reports whether t is one of the OID alias types whose text
// form is an object name (regclass, regtype, regproc).
func IsRegType(t *types.T) bool {
	switch t.Oid {
	case types.OidRegclass, types.OidRegtype, types.OidRegproc:
		return true
	}
	return false
}

// RegIn converts an object name to the OID value of reg type t
// ('users'::regclass). Numeric strings are taken as OIDs.
func RegIn(name string, t *types.T, env NameEnv) (types.Datum, error) {
	var oid uint32
	var err error
	switch t.Oid {
	case types.OidRegclass:
		oid, err = RegclassIn(name, env)
	case types.OidRegtype:
		oid, err = RegtypeIn(name, env)
	default:
		oid, err = RegprocIn(name, env)
	}
	if err != nil {
		return nil, err
	}
	return types.DInt(oid), nil
}

// RegOut prints the OID value d of reg type t as its object name.
func RegOut(d types.Datum, t *types.T, env NameEnv) string {
	oid := uint32(d.(types.DInt))
	switch t.Oid {
	case types.OidRegclass:
		return RegclassOut(oid, env)
	case types.OidRegtype:
		return RegtypeOut(oid)
	}
	return RegprocOut(oid, env)
}
