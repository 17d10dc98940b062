package checks

import (
	"github.com/ci-authz/ci-authz/internal/policy"
	"github.com/ci-authz/ci-authz/internal/route"
)

// checkUnknownEndpoints finds requests that reach no route ci-authz knows
// (route.routes lists the daemon's routes, each judged or known to be
// harmless): a route a newer daemon added, whose body may carry privilege
// ci-authz cannot read, or no route at all (the daemon answers 404).
// Baseline allows them, restricted denies them.
func checkUnknownEndpoints(c *Request, _ *policy.Policy) []Finding {
	if c.Route.Kind != route.Unknown {
		return nil
	}
	return []Finding{{
		Rule:   policy.UnknownEndpoints,
		Field:  "endpoint",
		Value:  c.endpoint(),
		Reason: "ci-authz does not know this endpoint, so it cannot tell what it grants",
		Fix:    "use the endpoints the docker CLI uses; if a newer daemon added this one, ask the host's administrator",
	}}
}
