package planner

import (
	"github.com/conflux-db/conflux/catalog"
	"github.com/conflux-db/conflux/sql/builtins"
	"github.com/conflux-db/conflux/sql/types"
)

// Env is what binding needs from the session.
type Env interface {
	// Catalog is the catalog as the statement's transaction sees it.
	Catalog() catalog.Reader
	// SearchPath lists the schemas unqualified names resolve in, in order
	// (pg_catalog is searched first unless listed explicitly, as in PostgreSQL).
	SearchPath() []string
	// ParamTypes are the types the client declared for $1..$n; nil or
	// Unknown entries are inferred.
	ParamTypes() []*types.T
}

// StaticEnv is a plain Env (tests, internal statements).
type StaticEnv struct {
	Cat    catalog.Reader
	Path   []string
	Params []*types.T
}

func (e *StaticEnv) Catalog() catalog.Reader { return e.Cat }
func (e *StaticEnv) SearchPath() []string {
	if e.Path == nil {
		return []string{"public"}
	}
	return e.Path
}
func (e *StaticEnv) ParamTypes() []*types.T { return e.Params }

// RegistryEnv is implemented by environments that resolve functions in
// their own registry (the engine's, which adds catalog and session
// functions) instead of builtins.Default().
type RegistryEnv interface {
	Registry() *builtins.Registry
}
