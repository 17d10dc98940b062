// Package route identifies which daemon endpoint a request will reach, the
// way the daemon's router (gorilla/mux) does.
package route

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Kind is what ci-authz does with an endpoint.
type Kind int

const (
	// Other is an endpoint of the daemon that grants nothing beyond what the
	// containers ci-authz judged already have (harmlessRoutes).
	Other Kind = iota
	// ContainerCreate is POST /containers/create.
	ContainerCreate
	// ContainerStart is POST /containers/{name}/start.
	ContainerStart
	// ExecCreate is POST /containers/{name}/exec.
	ExecCreate
	// VolumeCreate is POST /volumes/create.
	VolumeCreate
	// DaemonAdmin is a request that changes the daemon itself: plugin
	// install/enable/disable/set/upgrade/push/remove, swarm init/join/
	// update/unlock, node update, service create/update. Endpoint.Family
	// says which.
	DaemonAdmin
	// ContainerUpdate is POST /containers/{name}/update.
	ContainerUpdate
	// Build is the classic builder's POST /build.
	Build
	// BuildKit is POST /grpc or /session: BuildKit's gRPC, whose calls no
	// authorization plugin sees.
	BuildKit
	// Checkpoint is POST /containers/{name}/checkpoints (experimental).
	Checkpoint
	// Unknown is any request that reaches no route ci-authz knows: a route
	// of a newer daemon, or none at all (the daemon answers 404).
	Unknown
)

func (k Kind) String() string {
	switch k {
	case ContainerCreate:
		return "container create"
	case ContainerStart:
		return "container start"
	case ExecCreate:
		return "exec create"
	case VolumeCreate:
		return "volume create"
	case DaemonAdmin:
		return "daemon administration"
	case ContainerUpdate:
		return "container update"
	case Build:
		return "build"
	case BuildKit:
		return "BuildKit session"
	case Checkpoint:
		return "checkpoint create"
	case Unknown:
		return "unknown endpoint"
	}
	return "other"
}

// Endpoint is a routed request.
type Endpoint struct {
	Kind Kind
	// Version is the API version from the optional /vX.Y prefix, "" if none.
	Version string
	// Path is the decoded path without the version prefix.
	Path string
	// Query holds the parsed query string.
	Query url.Values
	// Family is, for DaemonAdmin, "plugins", "swarm", "nodes" or "services".
	Family string
}

// Name is the container name (?name=) of a create, as the daemon reads it
// (r.Form.Get: the first value).
func (e Endpoint) Name() string { return e.Query.Get("name") }

// The daemon registers each route with and without "/v{version:[0-9.]+}"
// (daemon/server/server.go CreateMux), and matches routes case-sensitively on
// the decoded path.
//
// splitVersion splits that prefix from the rest of the path as the regexp
// ^/v([0-9.]+)(/.*)$ would: the rest starts with "/" and, as "." does not
// match a newline, holds none. It runs on every request, hence no regexp
// (TestSplitVersion compares the two).
func splitVersion(p string) (version, rest string, ok bool) {
	if !strings.HasPrefix(p, "/v") {
		return "", "", false
	}
	i := 2
	for i < len(p) && (p[i] >= '0' && p[i] <= '9' || p[i] == '.') {
		i++
	}
	if i == 2 || i == len(p) || p[i] != '/' || strings.IndexByte(p[i:], '\n') >= 0 {
		return "", "", false
	}
	return p[2:i], p[i:], true
}

// route is one of the daemon's routes as it registers it
// (daemon/server/router/*/*.go initRoutes): method and mux path template.
type route struct {
	method, template string
	kind             Kind
	family           string // for DaemonAdmin
	path             *regexp.Regexp
	// prefix and suffix are the template's text before its first and after
	// its last variable: every match starts and ends with them, so the
	// regexp only runs for paths that do (routes are matched on every
	// request). literal: the template has no variable, path must equal it.
	prefix, suffix string
	literal        bool
}

// matches is r.path.MatchString(p), without the regexp where the literal
// text of the template decides.
func (r *route) matches(p string) bool {
	if r.literal {
		return p == r.template
	}
	if len(p) < len(r.prefix)+len(r.suffix) || !strings.HasPrefix(p, r.prefix) || !strings.HasSuffix(p, r.suffix) {
		return false
	}
	return r.path.MatchString(p)
}

// routes are the daemon's routes (dockerd 20.10 to current), each with
// what ci-authz does with it. mux tries routes in order and the first that
// matches wins; these templates end in distinct literals, so no path
// matches two routes of different kinds. Every route not listed judged or
// admin is harmless: reads, container lifecycle (kill, stop, attach, exec
// start, rename, archive), images, networks, volume listing and removal,
// swarm reads, secrets and configs, debug.
var routes = compile([]route{
	// Judged.
	{method: "POST", template: "/containers/create", kind: ContainerCreate},
	{method: "POST", template: "/containers/{name:.*}/start", kind: ContainerStart},
	{method: "POST", template: "/containers/{name:.*}/exec", kind: ExecCreate},
	{method: "POST", template: "/containers/{name:.*}/update", kind: ContainerUpdate},
	{method: "POST", template: "/containers/{name:.*}/checkpoints", kind: Checkpoint},
	{method: "POST", template: "/volumes/create", kind: VolumeCreate},
	{method: "POST", template: "/build", kind: Build},
	{method: "POST", template: "/grpc", kind: BuildKit},
	{method: "POST", template: "/session", kind: BuildKit},

	// Daemon administration (router/plugin, router/swarm).
	{method: "POST", template: "/plugins/pull", kind: DaemonAdmin, family: "plugins"},
	{method: "POST", template: "/plugins/create", kind: DaemonAdmin, family: "plugins"},
	{method: "POST", template: "/plugins/{name:.*}/enable", kind: DaemonAdmin, family: "plugins"},
	{method: "POST", template: "/plugins/{name:.*}/disable", kind: DaemonAdmin, family: "plugins"},
	{method: "POST", template: "/plugins/{name:.*}/set", kind: DaemonAdmin, family: "plugins"},
	{method: "POST", template: "/plugins/{name:.*}/upgrade", kind: DaemonAdmin, family: "plugins"},
	{method: "POST", template: "/plugins/{name:.*}/push", kind: DaemonAdmin, family: "plugins"},
	{method: "DELETE", template: "/plugins/{name:.*}", kind: DaemonAdmin, family: "plugins"},
	{method: "POST", template: "/swarm/init", kind: DaemonAdmin, family: "swarm"},
	{method: "POST", template: "/swarm/join", kind: DaemonAdmin, family: "swarm"},
	{method: "POST", template: "/swarm/update", kind: DaemonAdmin, family: "swarm"},
	{method: "POST", template: "/swarm/unlock", kind: DaemonAdmin, family: "swarm"},
	{method: "POST", template: "/nodes/{id}/update", kind: DaemonAdmin, family: "nodes"},
	{method: "POST", template: "/services/create", kind: DaemonAdmin, family: "services"},
	{method: "POST", template: "/services/{id}/update", kind: DaemonAdmin, family: "services"},

	// Harmless: router/container.
	{method: "HEAD", template: "/containers/{name:.*}/archive"},
	{method: "GET", template: "/containers/json"},
	{method: "GET", template: "/containers/{name:.*}/export"},
	{method: "GET", template: "/containers/{name:.*}/changes"},
	{method: "GET", template: "/containers/{name:.*}/json"},
	{method: "GET", template: "/containers/{name:.*}/top"},
	{method: "GET", template: "/containers/{name:.*}/logs"},
	{method: "GET", template: "/containers/{name:.*}/stats"},
	{method: "GET", template: "/containers/{name:.*}/attach/ws"},
	{method: "GET", template: "/exec/{id:.*}/json"},
	{method: "GET", template: "/containers/{name:.*}/archive"},
	{method: "POST", template: "/containers/{name:.*}/kill"},
	{method: "POST", template: "/containers/{name:.*}/pause"},
	{method: "POST", template: "/containers/{name:.*}/unpause"},
	{method: "POST", template: "/containers/{name:.*}/restart"},
	{method: "POST", template: "/containers/{name:.*}/stop"},
	{method: "POST", template: "/containers/{name:.*}/wait"},
	{method: "POST", template: "/containers/{name:.*}/resize"},
	{method: "POST", template: "/containers/{name:.*}/attach"},
	{method: "POST", template: "/containers/{name:.*}/copy"}, // dockerd 20.10: reads a file out of a container (API < 1.24)
	{method: "POST", template: "/exec/{name:.*}/start"},
	{method: "POST", template: "/exec/{name:.*}/resize"},
	{method: "POST", template: "/containers/{name:.*}/rename"},
	{method: "POST", template: "/containers/prune"},
	{method: "POST", template: "/commit"},
	{method: "PUT", template: "/containers/{name:.*}/archive"},
	{method: "DELETE", template: "/containers/{name:.*}"},
	// router/checkpoint (experimental).
	{method: "GET", template: "/containers/{name:.*}/checkpoints"},
	{method: "DELETE", template: "/containers/{name}/checkpoints/{checkpoint}"},
	// router/image.
	{method: "GET", template: "/images/json"},
	{method: "GET", template: "/images/search"},
	{method: "GET", template: "/images/get"},
	{method: "GET", template: "/images/{name:.*}/get"},
	{method: "GET", template: "/images/{name:.*}/history"},
	{method: "GET", template: "/images/{name:.*}/json"},
	{method: "POST", template: "/images/load"},
	{method: "POST", template: "/images/create"},
	{method: "POST", template: "/images/{name:.*}/push"},
	{method: "POST", template: "/images/{name:.*}/tag"},
	{method: "POST", template: "/images/prune"},
	{method: "DELETE", template: "/images/{name:.*}"},
	// router/volume.
	{method: "GET", template: "/volumes"},
	{method: "GET", template: "/volumes/{name:.*}"},
	{method: "POST", template: "/volumes/prune"},
	{method: "PUT", template: "/volumes/{name:.*}"},
	{method: "DELETE", template: "/volumes/{name:.*}"},
	// router/network.
	{method: "GET", template: "/networks"},
	{method: "GET", template: "/networks/"},
	{method: "GET", template: "/networks/{id:.+}"},
	{method: "POST", template: "/networks/create"},
	{method: "POST", template: "/networks/{id:.*}/connect"},
	{method: "POST", template: "/networks/{id:.*}/disconnect"},
	{method: "POST", template: "/networks/prune"},
	{method: "DELETE", template: "/networks/{id:.*}"},
	// router/system.
	{method: "OPTIONS", template: "/{anyroute:.*}"},
	{method: "GET", template: "/_ping"},
	{method: "HEAD", template: "/_ping"},
	{method: "GET", template: "/events"},
	{method: "GET", template: "/info"},
	{method: "GET", template: "/version"},
	{method: "GET", template: "/system/df"},
	{method: "POST", template: "/auth"},
	// router/build.
	{method: "POST", template: "/build/prune"},
	{method: "POST", template: "/build/cancel"},
	// router/swarm.
	{method: "POST", template: "/swarm/leave"},
	{method: "GET", template: "/swarm"},
	{method: "GET", template: "/swarm/unlockkey"},
	{method: "GET", template: "/services"},
	{method: "GET", template: "/services/{id}"},
	{method: "DELETE", template: "/services/{id}"},
	{method: "GET", template: "/services/{id}/logs"},
	{method: "GET", template: "/nodes"},
	{method: "GET", template: "/nodes/{id}"},
	{method: "DELETE", template: "/nodes/{id}"},
	{method: "GET", template: "/tasks"},
	{method: "GET", template: "/tasks/{id}"},
	{method: "GET", template: "/tasks/{id}/logs"},
	{method: "GET", template: "/secrets"},
	{method: "POST", template: "/secrets/create"},
	{method: "DELETE", template: "/secrets/{id}"},
	{method: "GET", template: "/secrets/{id}"},
	{method: "POST", template: "/secrets/{id}/update"},
	{method: "GET", template: "/configs"},
	{method: "POST", template: "/configs/create"},
	{method: "DELETE", template: "/configs/{id}"},
	{method: "GET", template: "/configs/{id}"},
	{method: "POST", template: "/configs/{id}/update"},
	// router/plugin reads, router/distribution.
	{method: "GET", template: "/plugins"},
	{method: "GET", template: "/plugins/{name:.*}/json"},
	{method: "GET", template: "/plugins/privileges"},
	{method: "GET", template: "/distribution/{name:.*}/json"},
	// router/debug (debug mode only).
	{method: "GET", template: "/debug/vars"},
	{method: "GET", template: "/debug/pprof/"},
	{method: "GET", template: "/debug/pprof/{name}"},
})

// compile turns mux path templates into anchored regexps: {v} matches one
// path segment, {v:re} matches re.
func compile(rs []route) []route {
	variable := regexp.MustCompile(`\{[a-z]+(:[^}]*)?\}`)
	for i, r := range rs {
		var b strings.Builder
		b.WriteString("^")
		last := 0
		for _, m := range variable.FindAllStringSubmatchIndex(r.template, -1) {
			b.WriteString(regexp.QuoteMeta(r.template[last:m[0]]))
			if m[2] >= 0 {
				b.WriteString("(?:" + r.template[m[2]+1:m[3]] + ")")
			} else {
				b.WriteString("[^/]+")
			}
			last = m[1]
		}
		b.WriteString(regexp.QuoteMeta(r.template[last:]) + "$")
		rs[i].path = regexp.MustCompile(b.String())
		if vars := variable.FindAllStringIndex(r.template, -1); len(vars) == 0 {
			rs[i].literal = true
		} else {
			rs[i].prefix, rs[i].suffix = r.template[:vars[0][0]], r.template[vars[len(vars)-1][1]:]
		}
	}
	return rs
}

// Identify routes a request. requestURI is the raw request-target the client
// sent (RequestURI in the plugin request): origin- or absolute-form, not
// unescaped, query kept. An error means the daemon would not route it to a
// handler either, or would fail to parse it; callers deny.
func Identify(method, requestURI string) (Endpoint, error) {
	// The daemon's HTTP server parses the target with url.ParseRequestURI
	// (net/http readRequest); url.Parse would read "//x/y" as host x.
	u, err := url.ParseRequestURI(requestURI)
	if err != nil {
		return Endpoint{}, fmt.Errorf("request URI cannot be parsed: %v", err)
	}
	// mux matches on the decoded URL.Path (useEncodedPath is off), so
	// /v1.41/containers%2Fcreate reaches the create handler.
	p := u.Path
	if c := cleanPath(p); c != p {
		// mux answers a non-clean path with a 301 redirect and runs no
		// handler; deny rather than rely on that.
		return Endpoint{}, fmt.Errorf("request path %q is not clean (the daemon would redirect to %q)", p, c)
	}
	ep := Endpoint{Path: p}
	if v, rest, ok := splitVersion(p); ok {
		ep.Version, ep.Path = v, rest
	}
	q, qerr := url.ParseQuery(u.RawQuery)
	ep.Query = q
	ep.Kind = Unknown
	for i := range routes {
		r := &routes[i]
		// mux matches methods exactly: "post" reaches nothing.
		if method == r.method && r.matches(ep.Path) {
			ep.Kind, ep.Family = r.kind, r.family
			break
		}
	}
	if qerr != nil && ep.Kind != Other && ep.Kind != Unknown {
		// The daemon's ParseForm fails on the same query, or its FormValue
		// reads values ci-authz would not; deny before it.
		return ep, fmt.Errorf("query string cannot be parsed: %v", qerr)
	}
	return ep, nil
}

// cleanPath is gorilla/mux's cleanPath: path.Clean that keeps a trailing
// slash. A path it changes is redirected, never handled.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

// VersionBefore reports whether API version v is older than want, comparing
// dot-separated numbers like the daemon's api/types/versions.LessThan (a
// missing or non-numeric part counts as 0). An empty v means the daemon's
// own, current version, which is never "before".
func VersionBefore(v, want string) bool {
	if v == "" {
		return false
	}
	a, b := strings.Split(v, "."), strings.Split(want, ".")
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y int
		if i < len(a) {
			x, _ = strconv.Atoi(a[i])
		}
		if i < len(b) {
			y, _ = strconv.Atoi(b[i])
		}
		if x != y {
			return x < y
		}
	}
	return false
}
