package checks

import (
	"strings"

	"github.com/ci-authz/ci-authz/internal/policy"
)

// checkSharedNamespaces finds containers that join another container's PID,
// IPC or network namespace ("container:<name|id>", split by the daemon with
// strings.Cut(val, ":") and an exact "container"; any case is judged here).
// On a shared CI host the other container may be another job's: its
// processes, environment and loopback services become reachable. Baseline
// allows it, restricted denies it.
func checkSharedNamespaces(c *Request, _ *policy.Policy) []Finding {
	var out []Finding
	if c.Build != nil {
		if k, _, ok := strings.Cut(c.Build.NetworkMode, ":"); ok && strings.EqualFold(k, "container") {
			out = append(out, Finding{
				Rule:   policy.SharedNamespaces,
				Field:  "networkmode",
				Value:  c.Build.NetworkMode,
				Reason: "RUN steps in another container's network namespace reach its services, which may belong to another job",
				Fix:    "build without --network container:...",
			})
		}
	}
	for _, hc := range c.HostConfigs {
		for _, ns := range []struct{ field, value, flag string }{
			{"PidMode", string(hc.PidMode), "--pid"},
			{"IpcMode", string(hc.IpcMode), "--ipc"},
			{"NetworkMode", string(hc.NetworkMode), "--network"},
		} {
			if k, _, ok := strings.Cut(ns.value, ":"); ok && strings.EqualFold(k, "container") {
				out = append(out, Finding{
					Rule:   policy.SharedNamespaces,
					Field:  hc.Field(ns.field),
					Value:  ns.value,
					Reason: "joining another container's namespace reaches its processes and services, which may belong to another job",
					Fix:    "drop " + ns.flag + " container:...; connect containers over a user-defined network",
				})
			}
		}
	}
	return out
}
