// Package route identifies which daemon endpoint a request will reach, the
// way the daemon's router (gorilla/mux) does.
package route

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
)

// Kind is an endpoint the decision engine treats specially.
type Kind int

const (
	// Other is any endpoint ci-authz does not inspect.
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

// splitVersion splits the optional "/v{version:[0-9.]+}" prefix the daemon
// registers every route with (daemon/server/server.go CreateMux) from the
// rest of the path, as the regexp ^/v([0-9.]+)(/.*)$ would: the rest starts
// with "/" and, as "." does not match a newline, holds none. It runs on every
// request, hence no regexp.
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

// adminRoutes are the daemon's routes (daemon/server/router/{plugin,swarm})
// that change the daemon itself; {name:.*} spans slashes as in mux.
var adminRoutes = []struct {
	method, family string
	path           *regexp.Regexp
}{
	{"POST", "plugins", regexp.MustCompile(`^/plugins/(pull|create)$`)},
	{"POST", "plugins", regexp.MustCompile(`^/plugins/.*/(enable|disable|set|upgrade|push)$`)},
	{"DELETE", "plugins", regexp.MustCompile(`^/plugins/.*$`)},
	{"POST", "swarm", regexp.MustCompile(`^/swarm/(init|join|update|unlock)$`)},
	{"POST", "nodes", regexp.MustCompile(`^/nodes/.*/update$`)},
	{"POST", "services", regexp.MustCompile(`^/services/(create|.*/update)$`)},
}

// adminPrefixes holds, for each of adminRoutes, the literal text every match
// starts with ("" if the regexp does not start with one), so that requests
// elsewhere do not run the regexps.
var adminPrefixes = func() []string {
	out := make([]string, len(adminRoutes))
	for i, r := range adminRoutes {
		out[i] = literalPrefix(r.path.String())
	}
	return out
}()

// literalPrefix returns the case-sensitive literal that follows "^" at the
// start of expr, or "".
func literalPrefix(expr string) string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return ""
	}
	re = re.Simplify()
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 || re.Sub[0].Op != syntax.OpBeginText {
		return ""
	}
	if lit := re.Sub[1]; lit.Op == syntax.OpLiteral && lit.Flags&syntax.FoldCase == 0 {
		return string(lit.Rune)
	}
	return ""
}

// containerRoute reports whether p is /containers/{name:.*}<suffix>, as mux's
// regexp ^/containers/(.*)<suffix>$ matches it: the name may be empty or span
// slashes, and "." matches no newline.
func containerRoute(p, suffix string) bool {
	const prefix = "/containers/"
	return len(p) >= len(prefix)+len(suffix) && strings.HasPrefix(p, prefix) && strings.HasSuffix(p, suffix) &&
		strings.IndexByte(p, '\n') < 0
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
	// Routes match case-sensitively on the decoded path.
	if v, rest, ok := splitVersion(p); ok {
		ep.Version, ep.Path = v, rest
	}
	q, qerr := url.ParseQuery(u.RawQuery)
	ep.Query = q
	if method == "POST" { // mux matches methods exactly: "post" reaches nothing
		switch {
		case ep.Path == "/containers/create":
			ep.Kind = ContainerCreate
		case containerRoute(ep.Path, "/start"):
			ep.Kind = ContainerStart
		case containerRoute(ep.Path, "/exec"):
			ep.Kind = ExecCreate
		case ep.Path == "/volumes/create":
			ep.Kind = VolumeCreate
		}
	}
	for i, r := range adminRoutes {
		if ep.Kind == Other && method == r.method && strings.HasPrefix(ep.Path, adminPrefixes[i]) && r.path.MatchString(ep.Path) {
			ep.Kind, ep.Family = DaemonAdmin, r.family
		}
	}
	if qerr != nil && ep.Kind != Other {
		// The daemon's ParseForm fails on the same query; deny before it.
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
