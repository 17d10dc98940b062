package checks

import (
	"strings"

	"github.com/ci-authz/ci-authz/internal/policy"
)

// checkHostNamespaces finds containers that share a namespace with the host
// (the daemon's IsHost methods compare with "host" exactly; any case is
// judged here, which can only deny more):
//   - PidMode: every host process is visible, and root in the container
//     reaches host files and sockets through /proc/<pid>/root;
//   - IpcMode: the host's shared memory and semaphores;
//   - UTSMode: the host's hostname, which CAP_SYS_ADMIN can change;
//   - UsernsMode: opts out of the daemon's userns-remap, so root in the
//     container is root on the host (a no-op on hosts without remapping);
//   - CgroupnsMode: the host's whole cgroup tree.
//
// NetworkMode host is the hostNetwork rule.
func checkHostNamespaces(c *Request, _ *policy.Policy) []Finding {
	var out []Finding
	for _, hc := range c.HostConfigs {
		for _, ns := range []struct{ field, value, flag, reason string }{
			{"PidMode", string(hc.PidMode), "--pid host", "the host's PID namespace shows every host process, and root in the container reaches host files and sockets through /proc/<pid>/root"},
			{"IpcMode", string(hc.IpcMode), "--ipc host", "the host's IPC namespace gives access to the shared memory and semaphores of host processes"},
			{"UTSMode", string(hc.UTSMode), "--uts host", "the host's UTS namespace lets the container change the host's hostname"},
			{"UsernsMode", string(hc.UsernsMode), "--userns host", "it opts out of the daemon's user-namespace remapping, so root in the container is root on the host"},
			{"CgroupnsMode", string(hc.CgroupnsMode), "--cgroupns host", "the host's cgroup namespace exposes the host's whole cgroup tree"},
		} {
			if strings.EqualFold(ns.value, "host") {
				out = append(out, Finding{
					Rule:   policy.HostNamespaces,
					Field:  hc.Field(ns.field),
					Value:  ns.value,
					Reason: ns.reason,
					Fix:    "drop " + ns.flag + "; a CI job runs in its own namespaces",
				})
			}
		}
	}
	return out
}
