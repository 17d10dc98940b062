package checks

import (
	"slices"
	"strings"

	"github.com/ci-authz/ci-authz/internal/policy"
)

// checkCgroups finds containers placed in a cgroup the job chooses:
// Cgroup "container:<x>" (another container's cgroup) and CgroupParent
// outside rules.cgroups.allowedParents (docker run --cgroup-parent, and
// classic docker build --cgroup-parent). Either escapes the limits the host
// sets for CI containers, and a parent such as the daemon's own cgroup
// shares its accounting.
func checkCgroups(c *Request, p *policy.Policy) []Finding {
	var out []Finding
	allowed := "none"
	if len(p.AllowedCgroupParents) > 0 {
		allowed = strings.Join(p.AllowedCgroupParents, ", ")
	}
	parent := func(field, value string) {
		if value == "" || slices.Contains(p.AllowedCgroupParents, value) {
			return
		}
		out = append(out, Finding{
			Rule:   policy.Cgroups,
			Field:  field,
			Value:  value,
			Reason: "a cgroup parent chosen by the job escapes the resource limits the host sets",
			Fix:    "remove --cgroup-parent; allowed parents: " + allowed,
		})
	}
	for _, hc := range c.HostConfigs {
		if hc.Cgroup != "" {
			out = append(out, Finding{
				Rule:   policy.Cgroups,
				Field:  hc.Field("Cgroup"),
				Value:  string(hc.Cgroup),
				Reason: "joining another container's cgroup escapes the limits the host sets for this one",
				Fix:    "remove --cgroup",
			})
		}
		parent(hc.Field("CgroupParent"), hc.CgroupParent)
	}
	if c.Build != nil {
		parent("cgroupparent", c.Build.CgroupParent)
	}
	return out
}
