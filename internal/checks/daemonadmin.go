package checks

import "github.com/ci-authz/ci-authz/internal/policy"

// checkDaemonAdmin finds API calls that change the daemon itself. They carry
// no container to judge; they are doors around every other rule:
//   - plugins: a managed plugin runs with whatever its config.json asks for
//     (host network, devices, mounts, capabilities), and disabling the authz
//     plugin removes it from the daemon's chain (Manager.Disable calls
//     AuthzMiddleware.RemovePlugin) — through the very API it guards;
//   - swarm, nodes, services: swarm tasks are created by the node's
//     executor, never through the HTTP API, so their mounts and capabilities
//     reach no authorization plugin; joining a swarm hands that power to
//     whoever runs its managers.
func checkDaemonAdmin(r *Request, _ *policy.Policy) []Finding {
	if r.AdminAction == "" {
		return nil
	}
	f := Finding{
		Rule:  policy.DaemonAdmin,
		Field: "endpoint",
		Value: r.AdminAction,
		Fix:   "CI jobs do not manage the Docker daemon; ask the host's administrator",
	}
	switch r.AdminFamily {
	case "plugins":
		f.Reason = "plugins run with the privileges their manifest asks for, and disabling or removing ci-authz switches authorization off"
	default:
		f.Reason = "swarm tasks are started without asking authorization plugins, so swarm membership and services bypass every rule"
	}
	return []Finding{f}
}
