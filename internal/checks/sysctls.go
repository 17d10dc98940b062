package checks

import (
	"path"
	"strings"

	"github.com/ci-authz/ci-authz/internal/policy"
)

// checkSysctls finds Sysctls whose name is not on the allowed list. runc
// only accepts namespaced sysctls, but several of those still reach beyond
// the container (kernel.shm*, kernel.msg* limits taken from host memory,
// net.* settings that weaken isolation). The default list is Kubernetes'
// safe set plus disabling IPv6. Names are matched as written; one spelled
// any other way (slashes, empty parts) is never allowed.
func checkSysctls(c *Request, p *policy.Policy) []Finding {
	var out []Finding
	for _, hc := range c.HostConfigs {
		for _, name := range sortedKeys(hc.Sysctls) {
			if sysctlAllowed(p, name) {
				continue
			}
			out = append(out, Finding{
				Rule:   policy.Sysctls,
				Field:  hc.Field("Sysctls." + name),
				Value:  hc.Sysctls[name],
				Reason: "sysctl " + name + " is not in the allowed sysctls",
				Fix:    "remove --sysctl " + name + "; allowed: " + strings.Join(p.AllowedSysctls, ", "),
			})
		}
	}
	return out
}

func sysctlAllowed(p *policy.Policy, name string) bool {
	if !policy.ValidSysctlName(name) {
		return false
	}
	for _, pat := range p.AllowedSysctls {
		if ok, _ := path.Match(pat, name); ok {
			return true
		}
	}
	return false
}
