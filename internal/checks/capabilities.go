package checks

import (
	"fmt"
	"strings"

	"github.com/ci-authz/ci-authz/internal/capability"
	"github.com/ci-authz/ci-authz/internal/policy"
)

// checkCapabilities finds CapAdd entries outside the allowed set, read the
// way the daemon reads them (capability.Normalize: Unicode-aware upper case,
// CAP_ prefix, ALL). CapDrop cannot add anything (TweakCapabilities), so it
// is not read.
func checkCapabilities(c *Request, p *policy.Policy) []Finding {
	var out []Finding
	for _, hc := range c.HostConfigs {
		for i, raw := range hc.CapAdd {
			name := capability.Normalize(raw)
			if name != capability.All && p.AllowedCaps[name] {
				continue
			}
			reason := fmt.Sprintf("%s is not in the allowed capabilities", capability.Short(name))
			if name == capability.All {
				reason = "ALL adds every capability, which controls the host"
			}
			if !capability.IsASCII(raw) || !strings.EqualFold(raw, name) && !strings.EqualFold("CAP_"+raw, name) {
				reason += fmt.Sprintf(" (the daemon reads %q as %s)", raw, name)
			}
			out = append(out, Finding{
				Rule:   policy.Capabilities,
				Field:  hc.Field(fmt.Sprintf("CapAdd[%d]", i)),
				Value:  raw,
				Reason: reason,
				Fix:    "remove --cap-add " + raw + "; allowed: " + strings.Join(p.AllowedCapList(), ", "),
			})
		}
	}
	return out
}
