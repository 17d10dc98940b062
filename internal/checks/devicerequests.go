package checks

import (
	"fmt"

	"github.com/ci-authz/ci-authz/internal/policy"
)

// checkDeviceRequests finds HostConfig.DeviceRequests (--gpus, CDI devices
// --device vendor.com/class=name). The device driver or CDI spec on the host
// decides what the container gets: device nodes, and for CDI also mounts
// and hooks run by the runtime. On GPU hosts the administrator sets this
// rule to allow.
func checkDeviceRequests(c *Request, _ *policy.Policy) []Finding {
	var out []Finding
	for _, hc := range c.HostConfigs {
		for i, r := range hc.DeviceRequests {
			out = append(out, Finding{
				Rule:   policy.DeviceRequests,
				Field:  hc.Field(fmt.Sprintf("DeviceRequests[%d]", i)),
				Value:  fmt.Sprintf("driver=%q count=%d ids=%v capabilities=%v", r.Driver, r.Count, r.DeviceIDs, r.Capabilities),
				Reason: "a device request hands host devices (GPUs, CDI devices with their mounts and hooks) to the container",
				Fix:    "remove --gpus / the CDI --device; GPU hosts set rules.deviceRequests.action to allow",
			})
		}
	}
	return out
}
