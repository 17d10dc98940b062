package checks

import "github.com/ci-authz/ci-authz/internal/policy"

// checkPrivileged finds HostConfig.Privileged and privileged exec. A
// privileged container gets every capability and device and runs without
// seccomp, AppArmor or masked paths (daemon TweakCapabilities,
// oci_linux.go); a privileged exec gets every capability
// (daemon/exec_linux.go) even in an unprivileged container.
func checkPrivileged(c *Request, _ *policy.Policy) []Finding {
	var out []Finding
	for _, hc := range c.HostConfigs {
		if hc.Privileged {
			out = append(out, Finding{
				Rule:   policy.Privileged,
				Field:  hc.Field("Privileged"),
				Value:  "true",
				Reason: "a privileged container controls the host",
				Fix:    "drop --privileged; for docker-in-docker builds use rootless BuildKit, kaniko or a remote builder",
			})
		}
	}
	if c.Exec != nil && c.Exec.Privileged {
		out = append(out, Finding{
			Rule:   policy.Privileged,
			Field:  "Privileged",
			Value:  "true",
			Reason: "a privileged exec gets every capability on the host",
			Fix:    "run docker exec without --privileged",
		})
	}
	return out
}
