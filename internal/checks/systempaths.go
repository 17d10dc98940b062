package checks

import (
	"fmt"

	"github.com/ci-authz/ci-authz/internal/policy"
)

// checkSystemPaths finds MaskedPaths and ReadonlyPaths set at all: any
// non-nil value, even [], replaces the daemon's defaults (daemon/oci_linux.go
// "if c.HostConfig.MaskedPaths != nil"), so [] unmasks /proc/kcore,
// /proc/sysrq-trigger, /sys/firmware and makes /proc/sys writable. It is
// what the CLI sends for --security-opt systempaths=unconfined; null (what
// the CLI sends otherwise) keeps the defaults.
func checkSystemPaths(c *Request, _ *policy.Policy) []Finding {
	var out []Finding
	for _, hc := range c.HostConfigs {
		for _, f := range []struct {
			name  string
			paths []string
		}{{"MaskedPaths", hc.MaskedPaths}, {"ReadonlyPaths", hc.ReadonlyPaths}} {
			if f.paths == nil {
				continue
			}
			out = append(out, Finding{
				Rule:   policy.SystemPaths,
				Field:  hc.Field(f.name),
				Value:  fmt.Sprintf("%q", f.paths),
				Reason: "any " + f.name + " replaces Docker's defaults, which keep the host kernel's /proc and /sys files masked or read-only",
				Fix:    "remove --security-opt systempaths=unconfined (and do not send " + f.name + ")",
			})
		}
	}
	return out
}
