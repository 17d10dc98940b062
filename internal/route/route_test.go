package route

import (
	"regexp"
	"strings"
	"testing"
)

func TestIdentify(t *testing.T) {
	cases := []struct {
		method, uri string
		kind        Kind
		version     string
		wantErr     bool
	}{
		{"POST", "/v1.47/containers/create", ContainerCreate, "1.47", false},
		{"POST", "/containers/create?name=x", ContainerCreate, "", false},
		{"POST", "/v1.47/containers%2Fcreate", ContainerCreate, "1.47", false},
		{"POST", "/v1.47/%63ontainers/create", ContainerCreate, "1.47", false},
		{"POST", "http://evil/v1.47/containers/create", ContainerCreate, "1.47", false},
		{"POST", "/v1.47.0/containers/create", ContainerCreate, "1.47.0", false},
		{"POST", "/v./containers/create", ContainerCreate, ".", false},
		{"POST", "/v1/containers/create", ContainerCreate, "1", false},
		{"POST", "/v1.47//containers/create", Other, "", true},
		{"POST", "/v1.47/containers/./create", Other, "", true},
		{"POST", "/v1.47/containers/x/../create", Other, "", true},
		{"POST", "//containers/create", Other, "", true},
		{"POST", "/v1.47/CONTAINERS/create", Unknown, "1.47", false},
		{"POST", "/v1.47/containers/create/", Unknown, "1.47", false},
		{"post", "/v1.47/containers/create", Unknown, "1.47", false},
		{"GET", "/v1.47/containers/create", Unknown, "1.47", false},
		{"POST", "/v1.47/containers/abc/start", ContainerStart, "1.47", false},
		{"POST", "/v1.47/containers/a/b/exec", ExecCreate, "1.47", false},
		{"POST", "/v1.47/containers/abc%2Fexec", ExecCreate, "1.47", false}, // mux routes the decoded path
		{"POST", "/v1.47/containers/create?name=%zz", ContainerCreate, "1.47", true},
		{"POST", "/v1.47/containers/create?a=1;b=2", ContainerCreate, "1.47", true},
		{"GET", "/v1.47/containers/json?a=%zz", Other, "1.47", false},
		{"POST", "/v1.47/containers/create%3Fname=x", Unknown, "1.47", false},
		{"POST", "containers/create", Other, "", true},
		{"POST", "/v1.47/containers/create#frag", Unknown, "1.47", false}, // ParseRequestURI keeps "#frag" in the path: no route
		{"POST", "/v1.41/volumes/create", VolumeCreate, "1.41", false},
		{"POST", "/v1.41/plugins/ci-authz:latest/disable", DaemonAdmin, "1.41", false},
		{"POST", "/plugins/some/org/plugin:1/enable", DaemonAdmin, "", false},
		{"POST", "/v1.41/plugins/pull?remote=x", DaemonAdmin, "1.41", false},
		{"POST", "/v1.41/plugins/create?name=x", DaemonAdmin, "1.41", false},
		{"POST", "/v1.41/plugins/x/set", DaemonAdmin, "1.41", false},
		{"POST", "/v1.41/plugins/x/upgrade", DaemonAdmin, "1.41", false},
		{"POST", "/v1.41/plugins/x/push", DaemonAdmin, "1.41", false},
		{"DELETE", "/v1.41/plugins/ci-authz:latest", DaemonAdmin, "1.41", false},
		{"GET", "/v1.41/plugins", Other, "1.41", false},
		{"GET", "/v1.41/plugins/x/json", Other, "1.41", false},
		{"POST", "/v1.41/swarm/init", DaemonAdmin, "1.41", false},
		{"POST", "/v1.41/swarm/join", DaemonAdmin, "1.41", false},
		{"POST", "/v1.41/swarm/update?version=1", DaemonAdmin, "1.41", false},
		{"POST", "/v1.41/swarm/unlock", DaemonAdmin, "1.41", false},
		{"POST", "/v1.41/swarm/leave", Other, "1.41", false},
		{"POST", "/v1.41/nodes/abc/update", DaemonAdmin, "1.41", false},
		{"POST", "/v1.41/services/create", DaemonAdmin, "1.41", false},
		{"POST", "/v1.41/services/abc/update", DaemonAdmin, "1.41", false},
		{"GET", "/v1.41/services", Other, "1.41", false},
		{"POST", "/v1.41/plugins%2Fx%2Fdisable", DaemonAdmin, "1.41", false},

		// Judged endpoints beyond create.
		{"POST", "/v1.41/containers/abc/update", ContainerUpdate, "1.41", false},
		{"POST", "/v1.41/containers/x/start/update", ContainerUpdate, "1.41", false}, // {name:.*} = "x/start"
		{"POST", "/v1.41/containers/x/update/start", ContainerStart, "1.41", false},
		{"POST", "/v1.41/containers/abc/checkpoints", Checkpoint, "1.41", false},
		{"GET", "/v1.41/containers/abc/checkpoints", Other, "1.41", false},
		{"POST", "/v1.41/build?networkmode=host", Build, "1.41", false},
		{"POST", "/build", Build, "", false},
		{"POST", "/v1.41/build?networkmode=host;x", Build, "1.41", true},
		{"POST", "/v1.41/build/prune", Other, "1.41", false},
		{"POST", "/v1.41/grpc", BuildKit, "1.41", false},
		{"POST", "/session", BuildKit, "", false},
		{"GET", "/grpc", Unknown, "", false},

		// Harmless routes, and what is not one.
		{"GET", "/_ping", Other, "", false},
		{"HEAD", "/_ping", Other, "", false},
		{"GET", "/v1.41/info", Other, "1.41", false},
		{"GET", "/v1.41/events?filters=%7B%7D", Other, "1.41", false},
		{"POST", "/v1.41/containers/abc/kill", Other, "1.41", false},
		{"POST", "/v1.41/containers/abc/attach?stream=1", Other, "1.41", false},
		{"POST", "/v1.41/exec/abc/start", Other, "1.41", false},
		{"PUT", "/v1.41/containers/abc/archive?path=/tmp", Other, "1.41", false},
		{"DELETE", "/v1.41/containers/abc?force=1", Other, "1.41", false},
		{"POST", "/v1.41/images/create?fromImage=busybox", Other, "1.41", false},
		{"POST", "/v1.41/networks/create", Other, "1.41", false},
		{"GET", "/v1.41/networks/", Other, "1.41", false},
		{"OPTIONS", "/v1.41/containers/create", Other, "1.41", false},
		{"GET", "/v1.41/services/abc", Other, "1.41", false},
		{"GET", "/v1.41/services/a/b", Unknown, "1.41", false}, // {id} is one segment
		{"DELETE", "/v1.41/containers/abc/checkpoints/cp1", Other, "1.41", false},
		{"GET", "/debug/pprof/heap", Other, "", false},
		{"POST", "/v1.41/containers/abc/unknownaction", Unknown, "1.41", false},
		{"POST", "/v1.41/images/abc/delete", Unknown, "1.41", false},
		{"PATCH", "/v1.41/containers/abc", Unknown, "1.41", false},
		{"GET", "/v1.41/nosuch?a=%zz", Unknown, "1.41", false},
	}
	for _, c := range cases {
		ep, err := Identify(c.method, c.uri)
		if (err != nil) != c.wantErr {
			t.Errorf("%s %s: err = %v, wantErr %v", c.method, c.uri, err, c.wantErr)
			continue
		}
		if c.wantErr {
			continue
		}
		if ep.Kind != c.kind || ep.Version != c.version {
			t.Errorf("%s %s: got kind %v version %q, want %v %q", c.method, c.uri, ep.Kind, ep.Version, c.kind, c.version)
		}
	}
}

func TestName(t *testing.T) {
	ep, err := Identify("POST", "/containers/create?name=first&name=second")
	if err != nil || ep.Name() != "first" {
		t.Fatalf("name = %q, %v; the daemon reads the first value", ep.Name(), err)
	}
}

func TestVersionBefore(t *testing.T) {
	cases := []struct {
		v, want string
		before  bool
	}{
		{"1.23", "1.24", true},
		{"1.24", "1.24", false},
		{"1.24.0", "1.24", false},
		{"1.3", "1.24", true},
		{"1.023", "1.24", true},
		{"1.41", "1.24", false},
		{"", "1.24", false},
		{".", "1.24", true},
		{"2", "1.24", false},
	}
	for _, c := range cases {
		if got := VersionBefore(c.v, c.want); got != c.before {
			t.Errorf("VersionBefore(%q, %q) = %v, want %v", c.v, c.want, got, c.before)
		}
	}
}

func TestTemplates(t *testing.T) {
	for _, r := range routes {
		if !strings.HasPrefix(r.path.String(), "^/") || !strings.HasSuffix(r.path.String(), "$") {
			t.Errorf("%s %s compiled to %s", r.method, r.template, r.path)
		}
		if (r.kind == DaemonAdmin) != (r.family != "") {
			t.Errorf("%s %s: family %q for kind %v", r.method, r.template, r.family, r.kind)
		}
	}
	// Each route matches its own template with variables filled in, and
	// no earlier route of another kind takes it.
	fill := strings.NewReplacer("{name:.*}", "a/b", "{id:.*}", "x", "{id:.+}", "x", "{id}", "x", "{name}", "x", "{checkpoint}", "c", "{anyroute:.*}", "anything")
	for _, r := range routes {
		p := fill.Replace(r.template)
		ep, err := Identify(r.method, p)
		if err != nil || ep.Kind != r.kind {
			t.Errorf("%s %s (%s): kind %v, %v; want %v", r.method, p, r.template, ep.Kind, err, r.kind)
		}
	}
}

// TestSplitVersion pins splitVersion to the regexp it replaces.
func TestSplitVersion(t *testing.T) {
	re := regexp.MustCompile(`^/v([0-9.]+)(/.*)$`)
	for _, p := range []string{"/v1.41/containers/json", "/v1.41/", "/v1.41", "/v/x", "/v./x", "/v1..2/x", "/vx/y",
		"/v1.41/a\nb", "/v1.41/a\n", "/v1.41\n/x", "/v1a/x", "/containers/json", "/", "", "/v", "/v1.41//x", "v1.41/x"} {
		v, rest, ok := splitVersion(p)
		m := re.FindStringSubmatch(p)
		if ok != (m != nil) || ok && (v != m[1] || rest != m[2]) {
			t.Errorf("splitVersion(%q) = %q, %q, %v; regexp says %q", p, v, rest, ok, m)
		}
	}
}

// TestRouteMatchesLikeRegexp: the literal prefix, suffix and equality tests
// that spare most requests the route regexps never change a result.
func TestRouteMatchesLikeRegexp(t *testing.T) {
	var paths []string
	for _, r := range routes {
		for _, name := range []string{"abc", "", "a/b", "a\nb", "x.y"} {
			p := regexp.MustCompile(`\{[a-z]+(:[^}]*)?\}`).ReplaceAllString(r.template, name)
			paths = append(paths, p, p+"/", p+"\n", "/x"+p, p[:len(p)/2], strings.ToUpper(p))
		}
	}
	for i := range routes {
		r := &routes[i]
		for _, p := range paths {
			if got, want := r.matches(p), r.path.MatchString(p); got != want {
				t.Errorf("route %s %s on %q: matches %v, regexp %v", r.method, r.template, p, got, want)
			}
		}
	}
}
