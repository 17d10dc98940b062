package checks

import (
	"fmt"

	"github.com/ci-authz/ci-authz/internal/policy"
)

// checkDeviceCgroupRules finds HostConfig.DeviceCgroupRules
// (--device-cgroup-rule). A rule such as "b 8:* rwm" or "a *:* rwm" lets the
// container open those device numbers, and CAP_MKNOD is one of Docker's
// default capabilities (daemon/pkg/oci/caps defaults.go), so the container
// can mknod the host's disks and read or write them.
func checkDeviceCgroupRules(c *Request, _ *policy.Policy) []Finding {
	var out []Finding
	for _, hc := range c.HostConfigs {
		for i, r := range hc.DeviceCgroupRules {
			out = append(out, Finding{
				Rule:   policy.DeviceCgroupRules,
				Field:  hc.Field(fmt.Sprintf("DeviceCgroupRules[%d]", i)),
				Value:  r,
				Reason: "a device cgroup rule, with the default CAP_MKNOD, lets the container create and open host devices such as disks",
				Fix:    "remove --device-cgroup-rule; ask the host's administrator for the one device the job needs (rules.devices.allowed)",
			})
		}
	}
	return out
}
