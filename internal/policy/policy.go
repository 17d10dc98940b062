// Package policy holds the ci-authz policy: its model, the strict YAML
// parser with file:line:col errors, and the embedded default.
package policy

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"

	"github.com/ci-authz/ci-authz/internal/hostpath"
)

// Mode is the global mode.
type Mode string

const (
	// Enforce denies what the rules deny.
	Enforce Mode = "enforce"
	// AuditOnly denies nothing and logs what would have been denied.
	AuditOnly Mode = "audit"
)

// ParseMode validates a mode given outside the policy file (flag or env).
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case Enforce, AuditOnly:
		return Mode(s), nil
	}
	return "", fmt.Errorf("mode %q is not valid; use enforce or audit", s)
}

// Profile picks the action of every rule the policy file does not set.
type Profile string

const (
	// Baseline blocks known privilege escalations while ordinary CI jobs
	// (plain runs, data binds, default capabilities, named volumes, bridge
	// and host networks, --init, ulimits, tmpfs) still run. The default.
	Baseline Profile = "baseline"
	// Restricted is for hosts that run untrusted jobs: every rule denies.
	Restricted Profile = "restricted"
	// Custom sets no actions: the file must give every rule one, so that a
	// custom policy never changes meaning when ci-authz gains a rule.
	Custom Profile = "custom"
)

// Action is what a rule does when it matches.
type Action string

const (
	Deny  Action = "deny"
	Audit Action = "audit"
	Allow Action = "allow"
)

// RuleName names a rule in the policy file, in log lines and deny messages.
type RuleName string

const (
	Privileged  RuleName = "privileged"
	HostSockets RuleName = "hostSockets"
	// SensitivePaths: binds of host paths that hold the host's system.
	SensitivePaths RuleName = "sensitivePaths"
	Capabilities   RuleName = "capabilities"
	DaemonAdmin    RuleName = "daemonAdmin"

	HostNamespaces   RuleName = "hostNamespaces"
	HostNetwork      RuleName = "hostNetwork"
	SharedNamespaces RuleName = "sharedNamespaces"

	Devices           RuleName = "devices"
	DeviceCgroupRules RuleName = "deviceCgroupRules"
	DeviceRequests    RuleName = "deviceRequests"

	SecurityOpt RuleName = "securityOpt"
	SystemPaths RuleName = "systemPaths"
	Sysctls     RuleName = "sysctls"

	Cgroups     RuleName = "cgroups"
	Runtime     RuleName = "runtime"
	VolumesFrom RuleName = "volumesFrom"

	Checkpoints      RuleName = "checkpoints"
	BuildKit         RuleName = "buildkit"
	UnknownEndpoints RuleName = "unknownEndpoints"
	// MalformedRequest is not configurable: a request on an endpoint that can
	// grant privilege whose body ci-authz cannot read is always denied
	// (logged only, in audit mode).
	MalformedRequest RuleName = "malformedRequest"
)

// ruleDefault is a rule's action under the baseline and restricted profiles.
type ruleDefault struct {
	rule                 RuleName
	baseline, restricted Action
}

// ruleDefaults is every configurable rule, in file order, with its action
// under each profile. README's rule table shows the same columns.
var ruleDefaults = []ruleDefault{
	{Privileged, Deny, Deny},
	{HostSockets, Deny, Deny},
	{SensitivePaths, Deny, Deny},
	{Capabilities, Deny, Deny},
	{DaemonAdmin, Deny, Deny},
	{HostNamespaces, Deny, Deny},
	{HostNetwork, Allow, Deny},
	{SharedNamespaces, Allow, Deny},
	{Devices, Deny, Deny},
	{DeviceCgroupRules, Deny, Deny},
	{DeviceRequests, Deny, Deny},
	{SecurityOpt, Deny, Deny},
	{SystemPaths, Deny, Deny},
	{Sysctls, Deny, Deny},
	{Cgroups, Deny, Deny},
	{Runtime, Deny, Deny},
	{VolumesFrom, Allow, Deny},
	{Checkpoints, Deny, Deny},
	{BuildKit, Allow, Deny},
	{UnknownEndpoints, Allow, Deny},
}

// ConfigurableRules are the rules a policy file can set, in file order.
var ConfigurableRules = func() []RuleName {
	out := make([]RuleName, len(ruleDefaults))
	for i, d := range ruleDefaults {
		out[i] = d.rule
	}
	return out
}()

// ProfileAction is the action of rule r under profile pr when the policy
// file does not set one. Custom policies set every rule; an unknown rule or
// profile denies.
func ProfileAction(pr Profile, r RuleName) Action {
	for _, d := range ruleDefaults {
		if d.rule != r {
			continue
		}
		switch pr {
		case Baseline:
			return d.baseline
		case Restricted:
			return d.restricted
		}
	}
	return Deny
}

// Policy is a loaded, validated policy.
type Policy struct {
	// Source is the file the policy came from, or "embedded default".
	Source string
	// SHA256 is the hex digest of the file's bytes.
	SHA256  string
	Mode    Mode
	Profile Profile

	// actions are the actions the file sets; the profile gives the rest.
	actions map[RuleName]Action

	// SocketPaths are the protected host paths of the hostSockets rule.
	SocketPaths []hostpath.Pattern
	// SensitivePaths are the protected host paths of the sensitivePaths
	// rule; SensitiveReadOnly may be bound read-only and SensitiveAllowed
	// in any mode even though they are inside one.
	SensitivePaths    []hostpath.Pattern
	SensitiveReadOnly []hostpath.Pattern
	SensitiveAllowed  []hostpath.Pattern
	// AllowedCaps are the normalized (CAP_*) capabilities CapAdd may name.
	AllowedCaps map[string]bool
	// AllowedDevices are the host device paths (cleaned) Devices may name.
	AllowedDevices []string
	// AllowedSysctls are the sysctl names (path.Match globs, * within a
	// name) Sysctls may set.
	AllowedSysctls []string
	// AllowedCgroupParents are the CgroupParent values jobs may use.
	AllowedCgroupParents []string
	// AllowedRuntimes are the OCI runtimes Runtime may name.
	AllowedRuntimes []string

	Exceptions []Exception
}

// Exception exempts users from rules.
type Exception struct {
	Users []string
	Rules []RuleName
	// Line is where the exception starts in the policy file, for log lines.
	Line int
}

// Action returns the action of a rule: the file's, else the profile's.
// MalformedRequest always denies.
func (p *Policy) Action(r RuleName) Action {
	if a, ok := p.actions[r]; ok {
		return a
	}
	return ProfileAction(p.Profile, r)
}

// ActionFromProfile reports whether rule r takes its action from the
// profile (the file does not set it).
func (p *Policy) ActionFromProfile(r RuleName) bool {
	_, set := p.actions[r]
	return !set
}

// ExemptionFor returns the exception that exempts an authenticated user from
// a rule. user is the daemon-verified TLS identity; an empty user (unix
// socket) is never exempt, and MalformedRequest is never exempt.
func (p *Policy) ExemptionFor(user string, r RuleName) (Exception, bool) {
	if user == "" || r == MalformedRequest {
		return Exception{}, false
	}
	for _, e := range p.Exceptions {
		if contains(e.Users, user) && contains(e.Rules, r) {
			return e, true
		}
	}
	return Exception{}, false
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// WithMode returns a copy of p in mode m (the --mode / CI_AUTHZ_MODE override).
func (p *Policy) WithMode(m Mode) *Policy {
	c := *p
	c.Mode = m
	return &c
}

// AllowedCapList returns the allowed capabilities sorted, short names.
func (p *Policy) AllowedCapList() []string {
	out := make([]string, 0, len(p.AllowedCaps))
	for c := range p.AllowedCaps {
		out = append(out, strings.TrimPrefix(c, "CAP_"))
	}
	sort.Strings(out)
	return out
}

//go:embed default.yaml
var defaultYAML []byte

// DefaultSource is the Source of the embedded default policy.
const DefaultSource = "embedded default"

// DefaultYAML returns the embedded default policy file.
func DefaultYAML() []byte { return append([]byte(nil), defaultYAML...) }

// Default returns the embedded default policy.
func Default() *Policy {
	p, err := parse(defaultYAML, DefaultSource, &Policy{actions: map[RuleName]Action{}})
	if err != nil {
		panic("embedded default policy is invalid: " + err.Error())
	}
	return p
}
