package checks

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ci-authz/ci-authz/internal/policy"
)

// checkSecurityOpt finds SecurityOpt entries that switch off a confinement,
// read the way the daemon's parseSecurityOpt (daemon/daemon_unix.go) reads
// them: bare "no-new-privileges", "writable-cgroups" and "disable" (a label
// option), else key and value split at the first "=" or, if there is none,
// at the first ":" (the legacy separator the daemon still accepts).
func checkSecurityOpt(c *Request, _ *policy.Policy) []Finding {
	var out []Finding
	for _, hc := range c.HostConfigs {
		for i, opt := range hc.SecurityOpt {
			if reason := securityOptReason(opt); reason != "" {
				out = append(out, Finding{
					Rule:   policy.SecurityOpt,
					Field:  hc.Field(fmt.Sprintf("SecurityOpt[%d]", i)),
					Value:  opt,
					Reason: reason,
					Fix:    "remove --security-opt " + opt + "; jobs run under Docker's default seccomp, AppArmor and SELinux confinement",
				})
			}
		}
	}
	return out
}

// confinedSELinuxTypes are the process types Kubernetes' baseline Pod
// Security Standard allows; others (spc_t, unconfined_t) are unconfined.
var confinedSELinuxTypes = []string{"container_t", "container_init_t", "container_kvm_t", "container_engine_t"}

// securityOptReason says why one SecurityOpt entry is refused, or "".
func securityOptReason(opt string) string {
	switch opt {
	case "no-new-privileges":
		return ""
	case "writable-cgroups":
		return "writable-cgroups lets the container change its own cgroup limits and, with cgroup v1, reach cgroup release agents"
	case "disable":
		return "label disable switches SELinux confinement off"
	}
	var k, v string
	var ok bool
	if strings.Contains(opt, "=") {
		k, v, ok = strings.Cut(opt, "=")
	} else {
		k, v, ok = strings.Cut(opt, ":")
	}
	if !ok {
		return "" // the daemon rejects it: invalid --security-opt
	}
	switch k {
	case "no-new-privileges":
		return ""
	case "seccomp":
		switch v {
		case "", "builtin":
			return ""
		case "unconfined":
			return "seccomp=unconfined allows every system call, including those used to escape containers"
		}
		return "a seccomp profile sent with the request is chosen by the client and can allow every system call"
	case "apparmor":
		if strings.EqualFold(v, "unconfined") {
			return "apparmor=unconfined switches AppArmor confinement off"
		}
		return "" // a profile the host's administrator loaded
	case "label":
		return labelReason(v)
	case "writable-cgroups":
		if b, err := strconv.ParseBool(v); err == nil && !b {
			return ""
		}
		return "writable-cgroups lets the container change its own cgroup limits and, with cgroup v1, reach cgroup release agents"
	case "systempaths":
		return "systempaths=unconfined unmasks /proc and /sys paths that expose the host kernel (the CLI sends it as empty MaskedPaths and ReadonlyPaths)"
	}
	return fmt.Sprintf("ci-authz does not know security option %q and cannot tell what it changes", k)
}

// labelReason judges an SELinux label option (go-selinux InitLabels):
// disable, user: and role: leave confinement, and type: must name a
// confined container type.
func labelReason(v string) string {
	if v == "disable" {
		return "label disable switches SELinux confinement off"
	}
	k, val, _ := strings.Cut(v, ":")
	switch k {
	case "level", "filetype", "nested":
		return ""
	case "type":
		if slices.Contains(confinedSELinuxTypes, val) {
			return ""
		}
		return fmt.Sprintf("SELinux type %s is not a confined container type (%s)", val, strings.Join(confinedSELinuxTypes, ", "))
	case "user", "role":
		return "setting the SELinux " + k + " can leave container confinement"
	}
	return fmt.Sprintf("ci-authz does not know SELinux label option %q", v)
}
