package checks

import (
	"fmt"

	"github.com/ci-authz/ci-authz/internal/hostpath"
	"github.com/ci-authz/ci-authz/internal/policy"
)

// checkSensitivePaths finds binds of host paths that hold the host's
// system: a protected path itself, a directory above one (binding /var
// binds /var/lib/docker) or a path inside one (/etc/cron.d, /root/.ssh),
// by every way a request can bind a host path (hostSources), judged as
// written and, like the kernel will, by where its symlinks lead. "/" is
// protected only as itself: everything is inside it.
//
// rules.sensitivePaths.readOnly lists paths inside protected ones that may
// be bound read-only (/etc/localtime, CA certificates); allowed lists
// paths that may be bound in any mode (a CI agent's workspace under /home).
// Neither ever allows a directory above a protected path.
func checkSensitivePaths(c *Request, p *policy.Policy) []Finding {
	var out []Finding
	j := pathJudge{resolver: c.HostPaths, why: func(s hostSource, clean string) string { return sensitiveReason(p, s, clean) }}
	for _, s := range hostSources(c) {
		if reason, unresolved := j.judge(s); reason != "" {
			fix := "bind a directory made for the job (a workspace or cache), or use a named volume"
			if unresolved {
				fix = unresolvedFix
			}
			out = append(out, Finding{Rule: policy.SensitivePaths, Field: s.Field, Value: s.Value, Reason: reason, Fix: fix})
		}
	}
	return out
}

// sensitiveReason says why a cleaned host path reaches a protected one, or "".
func sensitiveReason(p *policy.Policy, s hostSource, clean string) string {
	const why = "it holds the host's system (configuration, binaries, kernel interfaces, the daemons' data)"
	for _, pat := range p.SensitivePaths {
		switch pat.Relate(clean) {
		case hostpath.Same:
			if !exempt(p, s, clean) {
				return fmt.Sprintf("host path %s is protected: %s", clean, why)
			}
		case hostpath.Ancestor:
			return fmt.Sprintf("host path %s contains %s, which is protected: %s", clean, pat.Text, why)
		case hostpath.Descendant:
			if pat.Text != "/" && !exempt(p, s, clean) {
				return fmt.Sprintf("host path %s is inside %s, which is protected: %s", clean, pat.Text, why)
			}
		}
	}
	return ""
}

// exempt reports whether a path inside a protected one is listed as
// allowed, or as read-only and bound read-only.
func exempt(p *policy.Policy, s hostSource, clean string) bool {
	within := func(pats []hostpath.Pattern) bool {
		for _, pat := range pats {
			if r := pat.Relate(clean); r == hostpath.Same || r == hostpath.Descendant {
				return true
			}
		}
		return false
	}
	return within(p.SensitiveAllowed) || s.ReadOnly && within(p.SensitiveReadOnly)
}
