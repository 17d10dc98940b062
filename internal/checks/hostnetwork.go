package checks

import (
	"strings"

	"github.com/ci-authz/ci-authz/internal/policy"
)

// checkHostNetwork finds containers on the host's network namespace
// (NetworkMode "host"; the daemon's IsHost is an exact comparison, any case
// is judged here). They can reach every service listening on the host's
// loopback (including a dockerd or containerd TCP socket, cloud metadata
// proxies) and bind host ports. A classic build with networkmode=host runs
// its RUN steps so. Baseline allows it, restricted denies it.
func checkHostNetwork(c *Request, _ *policy.Policy) []Finding {
	var out []Finding
	if c.Build != nil && strings.EqualFold(c.Build.NetworkMode, "host") {
		out = append(out, Finding{
			Rule:   policy.HostNetwork,
			Field:  "networkmode",
			Value:  c.Build.NetworkMode,
			Reason: "RUN steps on the host's network namespace reach every service on the host's loopback",
			Fix:    "build without --network host",
		})
	}
	for _, hc := range c.HostConfigs {
		if strings.EqualFold(string(hc.NetworkMode), "host") {
			out = append(out, Finding{
				Rule:   policy.HostNetwork,
				Field:  hc.Field("NetworkMode"),
				Value:  string(hc.NetworkMode),
				Reason: "the host's network namespace reaches every service on the host's loopback and binds host ports",
				Fix:    "drop --network host; publish ports with -p or use a user-defined network",
			})
		}
	}
	return out
}
