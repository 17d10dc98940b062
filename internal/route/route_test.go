package route

import (
	"regexp"
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
		{"POST", "/v1.47/CONTAINERS/create", Other, "1.47", false},
		{"POST", "/v1.47/containers/create/", Other, "1.47", false},
		{"post", "/v1.47/containers/create", Other, "1.47", false},
		{"GET", "/v1.47/containers/create", Other, "1.47", false},
		{"POST", "/v1.47/containers/abc/start", ContainerStart, "1.47", false},
		{"POST", "/v1.47/containers/a/b/exec", ExecCreate, "1.47", false},
		{"POST", "/v1.47/containers/abc%2Fexec", ExecCreate, "1.47", false}, // mux routes the decoded path
		{"POST", "/v1.47/containers/create?name=%zz", ContainerCreate, "1.47", true},
		{"POST", "/v1.47/containers/create?a=1;b=2", ContainerCreate, "1.47", true},
		{"GET", "/v1.47/containers/json?a=%zz", Other, "1.47", false},
		{"POST", "/v1.47/containers/create%3Fname=x", Other, "1.47", false},
		{"POST", "containers/create", Other, "", true},
		{"POST", "/v1.47/containers/create#frag", Other, "1.47", false}, // ParseRequestURI keeps "#frag" in the path: no route
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

// TestContainerRoute pins containerRoute to the regexps it replaces.
func TestContainerRoute(t *testing.T) {
	for _, suffix := range []string{"/start", "/exec"} {
		re := regexp.MustCompile(`^/containers/(.*)` + suffix + `$`)
		for _, p := range []string{"/containers/abc" + suffix, "/containers/a/b" + suffix, "/containers/" + suffix, "/containers" + suffix,
			"/containers/abc" + suffix + "/", "/containers/a\nb" + suffix, "/containers/abc" + suffix + "\n", "/Containers/abc" + suffix,
			"/containers/abc/wait", "/containers/start", "/containers/exec", "x/containers/abc" + suffix, ""} {
			if got, want := containerRoute(p, suffix), re.MatchString(p); got != want {
				t.Errorf("containerRoute(%q, %q) = %v, regexp says %v", p, suffix, got, want)
			}
		}
	}
}

// TestAdminPrefixes checks that the literal prefixes that spare other
// requests the admin regexps are found (an empty one would only cost time).
func TestAdminPrefixes(t *testing.T) {
	want := map[string]string{"plugins": "/plugins/", "swarm": "/swarm/", "nodes": "/nodes/", "services": "/services/"}
	for i, r := range adminRoutes {
		if adminPrefixes[i] != want[r.family] {
			t.Errorf("prefix of %s = %q, want %q", r.path, adminPrefixes[i], want[r.family])
		}
	}
	for _, expr := range []string{`(?i)^/plugins/x$`, `/plugins/x$`, `^(a|b)/x`, `^.*`} {
		if p := literalPrefix(expr); p != "" {
			t.Errorf("literalPrefix(%q) = %q; no case-sensitive literal must start every match", expr, p)
		}
	}
}
