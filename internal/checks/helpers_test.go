package checks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/ci-authz/ci-authz/internal/hostpath"
	"github.com/ci-authz/ci-authz/internal/policy"
	"github.com/ci-authz/ci-authz/internal/route"
)

// hc wraps a HostConfig as the create body's "HostConfig".
func hc(h container.HostConfig) *Request {
	return &Request{HostConfigs: []HostConfig{{Path: "HostConfig", HostConfig: &h}}}
}

// wantFields runs a check and compares the fields of its findings.
func wantFields(t *testing.T, name string, run func(*Request, *policy.Policy) []Finding, c *Request, p *policy.Policy, want []string) {
	t.Helper()
	got := run(c, p)
	if len(got) != len(want) {
		t.Fatalf("%s: got %d findings %+v, want fields %v", name, len(got), got, want)
	}
	for i, f := range got {
		if f.Field != want[i] {
			t.Errorf("%s: finding %d field %q, want %q", name, i, f.Field, want[i])
		}
		if f.Reason == "" || f.Fix == "" || f.Rule == "" {
			t.Errorf("%s: finding %d lacks rule, reason or fix: %+v", name, i, f)
		}
	}
}

// routed builds a Request for method and uri the way the plugin does.
func routed(t *testing.T, method, uri string) *Request {
	t.Helper()
	ep, err := route.Identify(method, uri)
	if err != nil {
		t.Fatalf("%s %s: %v", method, uri, err)
	}
	return &Request{Method: method, Route: ep}
}

// fakeHostRoot makes a directory tree standing for the host's root: dirs,
// then symlinks (name -> target, targets absolute as on the host). bindsIn
// returns a create binding binds, judged with that root.
func fakeHostRoot(t *testing.T, dirs []string, links map[string]string) (root string, bindsIn func(binds ...string) *Request) {
	t.Helper()
	root = t.TempDir()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	return root, func(binds ...string) *Request {
		r := hc(container.HostConfig{Binds: binds})
		r.HostPaths = hostpath.Resolver{Root: root}
		return r
	}
}
