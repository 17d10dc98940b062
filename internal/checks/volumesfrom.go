package checks

import (
	"fmt"

	"github.com/ci-authz/ci-authz/internal/policy"
)

// checkVolumesFrom finds VolumesFrom (--volumes-from): the new container
// gets every mount of the other one, host binds included. That container's
// mounts were judged when it was created, unless it was created before
// ci-authz, by an exempt user or under an older policy, and on a shared host
// it may be another job's. Baseline allows it (CI runners use it for cache
// containers); restricted denies it.
func checkVolumesFrom(c *Request, _ *policy.Policy) []Finding {
	var out []Finding
	for _, hc := range c.HostConfigs {
		for i, v := range hc.VolumesFrom {
			out = append(out, Finding{
				Rule:   policy.VolumesFrom,
				Field:  hc.Field(fmt.Sprintf("VolumesFrom[%d]", i)),
				Value:  v,
				Reason: "the container would get every mount of " + v + ", host binds included, which ci-authz cannot see here",
				Fix:    "mount named volumes (-v name:/path) instead of --volumes-from",
			})
		}
	}
	return out
}
