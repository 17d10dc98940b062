// Package checks holds the policy checks, one file per rule. A check reads
// a decoded request (Request) and reports Findings; what a finding leads
// to (deny, audit, allow) is the policy's business, not the check's.
package checks

import (
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/volume"

	"github.com/ci-authz/ci-authz/internal/hostpath"
	"github.com/ci-authz/ci-authz/internal/policy"
	"github.com/ci-authz/ci-authz/internal/route"
)

// Request is what one request asks the daemon to do, in the shape the checks judge.
type Request struct {
	// HostConfigs are every host configuration the daemon may apply, each with
	// the JSON path it came from. A create body has "HostConfig" and, for
	// daemons that still read the legacy top-level fields, "" (see
	// plugin/decode.go).
	HostConfigs []HostConfig
	// Exec is set for exec create.
	Exec *container.ExecCreateRequest
	// Volume is set for volume create.
	Volume *volume.CreateRequest
	// AdminAction is set, to e.g. "POST /plugins/ci-authz/disable", for
	// requests that change the daemon itself (route.DaemonAdmin).
	AdminAction string
	// AdminFamily is "plugins", "swarm", "nodes" or "services".
	AdminFamily string
	// Method and Route are the request's method and endpoint.
	Method string
	Route  route.Endpoint
	// Build is set for a classic POST /build, from its query.
	Build *BuildOptions
	// HostPaths follows symlinks in host paths; the zero value judges paths
	// as written only.
	HostPaths hostpath.Resolver

	// sources caches hostSources: several checks read them. A Request
	// does not change once the checks run.
	sources     []hostSource
	haveSources bool
}

// BuildOptions are the options of a classic build (POST /build query) that
// grant more than a plain build, read like the daemon's
// newImageBuildOptions (r.FormValue: the first value, case-sensitive keys).
type BuildOptions struct {
	NetworkMode  string
	CgroupParent string
}

// HostConfig is a host configuration and where in the request it came from.
type HostConfig struct {
	Path string
	*container.HostConfig
}

// Field names a field of this host configuration for messages.
func (h HostConfig) Field(name string) string {
	if h.Path == "" {
		return name
	}
	return h.Path + "." + name
}

// endpoint names the request's endpoint for messages: "POST /grpc".
func (c *Request) endpoint() string { return c.Method + " " + c.Route.Path }

// Finding is one thing a check found. Field and Value name what in the
// request matched; Reason says why it matters; Fix what to do instead.
type Finding struct {
	Rule   policy.RuleName
	Field  string
	Value  string
	Reason string
	Fix    string
}

// Check is one rule's check.
type Check struct {
	Rule policy.RuleName
	Run  func(c *Request, p *policy.Policy) []Finding
}

// All is every check, in the order their findings are reported.
var All = []Check{
	{policy.Privileged, checkPrivileged},
	{policy.HostSockets, checkHostSockets},
	{policy.SensitivePaths, checkSensitivePaths},
	{policy.Capabilities, checkCapabilities},
	{policy.DaemonAdmin, checkDaemonAdmin},
	{policy.HostNamespaces, checkHostNamespaces},
	{policy.HostNetwork, checkHostNetwork},
	{policy.SharedNamespaces, checkSharedNamespaces},
	{policy.Devices, checkDevices},
	{policy.DeviceCgroupRules, checkDeviceCgroupRules},
	{policy.DeviceRequests, checkDeviceRequests},
	{policy.SecurityOpt, checkSecurityOpt},
	{policy.SystemPaths, checkSystemPaths},
	{policy.Sysctls, checkSysctls},
	{policy.Cgroups, checkCgroups},
	{policy.Runtime, checkRuntime},
	{policy.VolumesFrom, checkVolumesFrom},
	{policy.Checkpoints, checkCheckpoints},
	{policy.BuildKit, checkBuildKit},
	{policy.UnknownEndpoints, checkUnknownEndpoints},
}

// Run runs every check on c.
func Run(c *Request, p *policy.Policy) []Finding {
	var out []Finding
	for _, ch := range All {
		out = append(out, ch.Run(c, p)...)
	}
	return out
}

// buildFix is the advice for jobs that reach for the host's Docker.
const buildFix = "to build images use rootless BuildKit, kaniko or a remote builder; to run containers use a daemon that is not the host's"
