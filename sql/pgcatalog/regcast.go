package pgcatalog

import (
	"github.com/conflux-db/conflux/sql/types"
)

// OIDs of the reg* types sql/types may not define yet. They are handled
// here by number so that psql's stxnamespace::regnamespace works as soon
// as the type system knows the names.
const (
	oidRegnamespace = 4089
	oidRegrole      = 4096
)

// IsRegType reports whether t is one of the OID alias types whose text
// form is an object name (regclass, regtype, regproc, regnamespace,
// regrole).
func IsRegType(t *types.T) bool {
	switch t.Oid {
	case types.OidRegclass, types.OidRegtype, types.OidRegproc, oidRegnamespace, oidRegrole:
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
	case oidRegnamespace:
		oid, err = RegnamespaceIn(name, env)
	case oidRegrole:
		oid, err = RegroleIn(name, env)
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
	case oidRegnamespace:
		return RegnamespaceOut(oid, env)
	case oidRegrole:
		return RegroleOut(oid, env)
	}
	return RegprocOut(oid, env)
}
