package hostpath

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	securejoin "github.com/cyphar/filepath-securejoin"
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

// TestNoSymlinksAgreesWithSecureJoin: the lstat walk that spares SecureJoin
// may only say "unchanged" where SecureJoin would give the path back as is.
func TestNoSymlinksAgreesWithSecureJoin(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"builds/ws/data", "run", "srv/cache"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "builds/file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{"builds/ws/link": "/run", "srv/rel": "../run", "srv/cache/self": "."} {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	paths := []string{"/", "/builds", "/builds/ws/data", "/builds/ws/data/new/deeper", "/builds/file", "/builds/file/x",
		"/builds/ws/link", "/builds/ws/link/docker.sock", "/srv/rel", "/srv/cache/self/x", "/nope/a/b", "/var/run/x", "relative", "/a/../b"}
	for _, r := range []string{root, root + "/"} {
		for _, p := range paths {
			if !noSymlinks(path.Clean(r), p, nil) {
				continue
			}
			joined, err := securejoin.SecureJoin(path.Clean(r), p)
			if err != nil || path.Clean("/"+strings.TrimPrefix(joined, path.Clean(r))) != p {
				t.Errorf("noSymlinks(%q) says unchanged, SecureJoin gives %q, %v", p, joined, err)
			}
		}
	}
	for _, p := range []string{"/builds/ws/link", "/builds/ws/link/docker.sock", "/srv/rel", "/srv/cache/self/x", "/var/run/x", "relative", "/a/../b"} {
		if noSymlinks(root, p, nil) {
			t.Errorf("noSymlinks(%q) = true; it must leave symlinks and unclean paths to SecureJoin", p)
		}
	}
	// On the real root, as the legacy plugin runs.
	for _, p := range []string{"/", "/tmp", "/proc/self/root", "/does/not/exist"} {
		got, err := (Resolver{Root: "/"}).Resolve(p)
		joined, jerr := securejoin.SecureJoin("/", p)
		if err != nil || jerr != nil || got != Clean(joined) {
			t.Errorf("Resolve(%q) on / = %q, %v; SecureJoin %q, %v", p, got, err, joined, jerr)
		}
	}
}

// TestResolveForRequest: a Resolver that remembers lstat results resolves
// exactly as one that does not, also when its memory is full.
func TestResolveForRequest(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "srv/data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/run", filepath.Join(root, "srv/link")); err != nil {
		t.Fatal(err)
	}
	var paths []string
	for i := range 40 {
		paths = append(paths, fmt.Sprintf("/srv/data/%d/x", i), fmt.Sprintf("/srv/d%d", i), "/srv/link/docker.sock", "/srv/data", "/nope")
	}
	plain, remembering := Resolver{Root: root}, Resolver{Root: root}.ForRequest()
	for _, p := range paths {
		want, werr := plain.Resolve(p)
		got, gerr := remembering.Resolve(p)
		if got != want || (gerr == nil) != (werr == nil) {
			t.Errorf("Resolve(%q) remembering = %q, %v; without = %q, %v", p, got, gerr, want, werr)
		}
	}
	if remembering.memo.n != len(remembering.memo.entries) {
		t.Errorf("the memory holds %d paths; this test means to fill it", remembering.memo.n)
	}
	if (Resolver{}).ForRequest().memo != nil {
		t.Error("a Resolver that does not resolve needs no memory")
	}
}
