package hostpath

import (
	"path"
	"testing"
)

func TestClean(t *testing.T) {
	cases := []struct{ in, want string }{
		{"/var/run/docker.sock", "/run/docker.sock"},
		{"//var/run/../run/./docker.sock", "/run/docker.sock"},
		{"/var//run///docker.sock/", "/run/docker.sock"},
		{"/var/run", "/run"},
		{"/var/running", "/var/running"},
		{"/var/lib/../run/docker.sock", "/run/docker.sock"},
		{"/../../var/run/docker.sock", "/run/docker.sock"},
		{"/", "/"},
		{"/tmp/data", "/tmp/data"},
	}
	for _, c := range cases {
		if got := Clean(c.in); got != c.want {
			t.Errorf("Clean(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestRelate(t *testing.T) {
	cases := []struct {
		pattern, source string
		want            Relation
	}{
		{"/var/run/docker.sock", "/run/docker.sock", Same},
		{"/run/docker.sock", "/run", Ancestor},
		{"/run/docker.sock", "/", Ancestor},
		{"/run/containerd/containerd.sock", "/run/containerd", Ancestor},
		{"/run/containerd", "/run/containerd/s/abc", Descendant},
		{"/run/docker.sock", "/run/docker", Unrelated},
		{"/run/docker.sock", "/run/docker.socket", Unrelated},
		{"/run/docker.sock", "/var", Ancestor},
		{"/var/run/docker.sock", "/var/", Ancestor},
		{"/run/docker.sock", "/var/lib", Unrelated},
		{"/run/containerd", "/var", Ancestor},
		{"/run/user/*/docker.sock", "/run/user/1000/docker.sock", Same},
		{"/run/user/*/docker.sock", "/run/user/1000", Ancestor},
		{"/run/user/*/docker.sock", "/run/user", Ancestor},
		{"/run/user/*/docker.sock", "/run/user/1000/other.sock", Unrelated},
		{"/run/docker.sock", "/tmp", Unrelated},
	}
	for _, c := range cases {
		p, err := NewPattern(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Relate(Clean(c.source)); got != c.want {
			t.Errorf("%s vs %s = %v, want %v", c.pattern, c.source, got, c.want)
		}
	}
}

func TestNewPatternErrors(t *testing.T) {
	for _, p := range []string{"run/docker.sock", "", "/run/[/x"} {
		if _, err := NewPattern(p); err == nil {
			t.Errorf("NewPattern(%q): want error", p)
		}
	}
}

func TestReachesAnyPath(t *testing.T) {
	cases := map[string]bool{
		"/proc":                 true,
		"/proc/1":               true,
		"/proc/1/root":          true,
		"/proc/self/root/run":   true,
		"/proc/thread-self/cwd": true,
		"/proc/42/fd/3":         true,
		"/proc/sys/kernel":      false,
		"/proc/cpuinfo":         false,
		"/processes":            false,
		"/tmp":                  false,
	}
	for in, want := range cases {
		if got := ReachesAnyPath(in); got != want {
			t.Errorf("ReachesAnyPath(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestRelateMatchesSplitting pins relate, which walks the source in place,
// to the plain definition: split both paths and compare segment by segment.
func TestRelateMatchesSplitting(t *testing.T) {
	reference := func(pattern []segment, src string) Relation {
		s := split(src)
		for i := 0; i < min(len(s), len(pattern)); i++ {
			if ok, _ := path.Match(pattern[i].text, s[i]); !ok {
				return Unrelated
			}
		}
		switch {
		case len(s) == len(pattern):
			return Same
		case len(s) < len(pattern):
			return Ancestor
		}
		return Descendant
	}
	patterns := []string{"/", "/run", "/run/docker.sock", "/run/user/*/docker", "/var/run/containerd/containerd.sock", `/run/[a-c]x/\\*`, "/run/us?r"}
	sources := []string{"/", "", "/run", "/run/", "/run/docker.sock", "/run/docker.sock/x", "/run/user/1000/docker", "/run/bx/*", "/run/bx/a", "/run/usar",
		"/run/user/1000/docker/a/b", "/run/user", "/var", "/var/run", "/var/run/containerd", "/tmp/a", "run", "//run"}
	for _, ps := range patterns {
		p, err := NewPattern(ps)
		if err != nil {
			t.Fatal(err)
		}
		for _, src := range sources {
			for _, segs := range [][]segment{p.segments, p.varRun} {
				if got, want := relate(segs, src), reference(segs, src); got != want {
					t.Errorf("relate(%v, %q) = %v, want %v", segs, src, got, want)
				}
			}
		}
	}
}
