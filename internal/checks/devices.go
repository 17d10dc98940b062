package checks

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/ci-authz/ci-authz/internal/policy"
)

// checkDevices finds HostConfig.Devices (docker run --device) whose host
// path is not an allowed device. The daemon follows PathOnHost's symlinks
// and, for a directory, adds every device below it (daemon/oci_linux.go,
// devices.go getDevicesFromPath), so only exact, cleaned paths are allowed,
// and with resolution on, a path whose symlinks lead elsewhere is judged
// by its target too. A host block device is the host's disk; /dev/mem,
// /dev/kmsg and the like are the kernel.
func checkDevices(c *Request, p *policy.Policy) []Finding {
	var out []Finding
	for _, hc := range c.HostConfigs {
		for i, d := range hc.Devices {
			reason := deviceReason(c, p, d.PathOnHost)
			if reason == "" {
				continue
			}
			allowed := "none"
			if len(p.AllowedDevices) > 0 {
				allowed = strings.Join(p.AllowedDevices, ", ")
			}
			out = append(out, Finding{
				Rule:   policy.Devices,
				Field:  hc.Field(fmt.Sprintf("Devices[%d].PathOnHost", i)),
				Value:  d.PathOnHost,
				Reason: reason,
				Fix:    "remove --device " + d.PathOnHost + "; allowed devices: " + allowed,
			})
		}
	}
	return out
}

// deviceReason says why a device path is refused, or "".
func deviceReason(c *Request, p *policy.Policy, pathOnHost string) string {
	clean := path.Clean(pathOnHost)
	if !path.IsAbs(clean) || !slices.Contains(p.AllowedDevices, clean) {
		return fmt.Sprintf("host device %s is not in the allowed devices, and a host device can be the host's disk or memory", pathOnHost)
	}
	if !c.HostPaths.Enabled() {
		return ""
	}
	resolved, err := c.HostPaths.Resolve(clean)
	if err != nil {
		return err.Error() + ", so ci-authz cannot tell which device it is"
	}
	if resolved != clean && !slices.Contains(p.AllowedDevices, resolved) {
		return fmt.Sprintf("host path %s is a symlink to %s, which is not in the allowed devices", clean, resolved)
	}
	return ""
}
