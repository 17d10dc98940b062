package hostpath

import (
	"os"
	"path/filepath"
	"testing"
)

func TestResolve(t *testing.T) {
	root := t.TempDir()
	mk := func(p string) {
		if err := os.MkdirAll(filepath.Join(root, p), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	link := func(name, target string) {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	mk("run")
	mk("var")
	mk("builds/ws")
	link("var/run", "/run")
	link("builds/ws/link", "/run")
	link("builds/ws/rel", "../../run")
	link("builds/ws/deep", "/builds/ws/link")
	link("builds/ws/loop", "/builds/ws/loop")
	link("builds/ws/up", "../../../../../..")

	r := Resolver{Root: root}
	cases := []struct{ in, want string }{
		{"/builds/ws/link", "/run"},
		{"/builds/ws/link/docker.sock", "/run/docker.sock"},
		{"/builds/ws/rel", "/run"},
		{"/builds/ws/deep", "/run"},
		{"/builds/ws/up", "/"}, // cannot climb above the host root
		{"/builds/ws/data", "/builds/ws/data"},
		{"/var/run/docker.sock", "/run/docker.sock"},
		{"/does/not/exist", "/does/not/exist"},
	}
	for _, c := range cases {
		got, err := r.Resolve(c.in)
		if err != nil || got != c.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := r.Resolve("/builds/ws/loop"); err == nil {
		t.Error("a symlink loop must be an error")
	}
	if got, _ := (Resolver{}).Resolve("/builds/ws/link"); got != "/builds/ws/link" {
		t.Error("a zero Resolver does not resolve")
	}
}
