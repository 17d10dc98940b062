package checks

import (
	"fmt"
	"sort"

	"github.com/ci-authz/ci-authz/internal/hostpath"
	"github.com/ci-authz/ci-authz/internal/policy"
)

// checkHostSockets finds binds whose host source is a protected socket, a
// directory above one or a path inside a protected directory, by every way
// a request can bind a host path (hostSources), judged as written and by
// where its symlinks lead.
func checkHostSockets(c *Request, p *policy.Policy) []Finding {
	var out []Finding
	j := pathJudge{resolver: c.HostPaths, why: func(_ hostSource, clean string) string { return socketReason(p, clean) }}
	for _, s := range hostSources(c) {
		if reason, unresolved := j.judge(s); reason != "" {
			fix := buildFix
			if unresolved {
				fix = unresolvedFix
			}
			out = append(out, Finding{Rule: policy.HostSockets, Field: s.Field, Value: s.Value, Reason: reason, Fix: fix})
		}
	}
	return out
}

// socketReason says why a cleaned host path gives access to a protected
// socket path, or "".
func socketReason(p *policy.Policy, clean string) string {
	if hostpath.ReachesAnyPath(clean) {
		return fmt.Sprintf("host path %s reaches every host path, the Docker socket included, through /proc/<pid>/root", clean)
	}
	const root = "access to the Docker or containerd socket is root on the host"
	for _, pat := range p.SocketPaths {
		switch pat.Relate(clean) {
		case hostpath.Same:
			return fmt.Sprintf("host path %s is a protected socket path, and %s", clean, root)
		case hostpath.Ancestor:
			return fmt.Sprintf("host path %s contains %s, and %s", clean, pat.Text, root)
		case hostpath.Descendant:
			return fmt.Sprintf("host path %s is inside %s, and %s", clean, pat.Text, root)
		}
	}
	return ""
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
