package checks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ci-authz/ci-authz/internal/policy"
)

// checkRuntime finds Runtime outside rules.runtime.allowed, and
// Annotations. The daemon runs a container with any runtime it knows and,
// on current versions, with any containerd shim named io.containerd.X.vN
// that is on its PATH; Annotations go to the OCI runtime verbatim, and
// runtimes and their hooks act on them (CDI and GPU runtimes inject
// devices for some). An empty Runtime is the daemon's default.
func checkRuntime(c *Request, p *policy.Policy) []Finding {
	var out []Finding
	for _, hc := range c.HostConfigs {
		if hc.Runtime != "" && !slices.Contains(p.AllowedRuntimes, hc.Runtime) {
			out = append(out, Finding{
				Rule:   policy.Runtime,
				Field:  hc.Field("Runtime"),
				Value:  hc.Runtime,
				Reason: "runtime " + hc.Runtime + " is not in the allowed runtimes, and a runtime decides how the container is isolated",
				Fix:    "remove --runtime; allowed: " + strings.Join(p.AllowedRuntimes, ", "),
			})
		}
		for _, k := range sortedKeys(hc.Annotations) {
			out = append(out, Finding{
				Rule:   policy.Runtime,
				Field:  hc.Field(fmt.Sprintf("Annotations.%s", k)),
				Value:  hc.Annotations[k],
				Reason: "annotations go to the OCI runtime verbatim, and runtimes and their hooks act on some of them (device injection)",
				Fix:    "remove --annotation " + k,
			})
		}
	}
	return out
}
