package scan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestIsDind(t *testing.T) {
	for image, want := range map[string]bool{
		"docker:dind": true, "docker:27-dind": true, "docker:dind-rootless": true,
		"registry.example.com:5000/mirror/docker:24.0-dind@sha256:abc": true,
		"library/docker-dind:latest":                                   true, "docker:27": false, "docker:27-cli": false,
		"golang:1.26": false, "postgres": false, "dind-tools/helper:1": false,
	} {
		if got := isDind(image); got != want {
			t.Errorf("isDind(%q) = %v, want %v", image, got, want)
		}
	}
}

func TestGitHubExpressions(t *testing.T) {
	in := `docker run -v ${{ env.SOCK }}:/s ${{ matrix.image }} --x`
	out, back := githubExpressions(in, map[string]string{"SOCK": "/var/run/docker.sock"})
	if want := "docker run -v /var/run/docker.sock:/s __gh" + strings.Repeat("_", 15) + " --x"; out != want { // as long as the expression
		t.Fatalf("got  %q\nwant %q", out, want)
	}
	for _, c := range []struct{ word, orig string }{{"/var", "${{ env.SOCK }}"}, {":/s", ":/s"}, {"__gh", "${{ matrix.image }}"}, {"--x", "--x"}} {
		o := back(indexOf(out, c.word))
		if got := in[o : o+len(c.orig)]; got != c.orig {
			t.Errorf("offset of %q maps to %q, want %q", c.word, got, c.orig)
		}
	}
}

func indexOf(s, sub string) int { return strings.Index(s, sub) }

// TestTextOrigin places offsets of a scalar's text in the file for each
// YAML scalar style.
func TestTextOrigin(t *testing.T) {
	src := `a: docker run --privileged x
b: "docker run --privileged x"
c: |
  echo
  docker run \
    --privileged x
d: >-
  docker run
  --privileged x
e: docker run
  --privileged x
`
	path := filepath.Join(t.TempDir(), "x.yml")
	os.WriteFile(path, []byte(src), 0o644)
	f, err := readYAML(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int{"a": {1, 15}, "b": {2, 16}, "c": {6, 5}, "d": {9, 3}, "e": {10, 4}}
	for _, e := range pairs(f.docs[0]) {
		n := e.value
		off := indexOf(n.Value, "--privileged")
		l, c := newTextOrigin(f, n).pos(off)
		if w := want[e.key.Value]; l != w[0] || c != w[1] {
			t.Errorf("%s (style %v): --privileged at %d:%d, want %d:%d", e.key.Value, n.Style, l, c, w[0], w[1])
		}
	}
}

func TestPairsMergeKeys(t *testing.T) {
	var doc yaml.Node
	src := "base: &b {x: 1, y: 2}\nother: &o {z: 3}\nm:\n  <<: [*b, *o]\n  y: own\n"
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	m := value(doc.Content[0], "m")
	got := map[string]string{}
	for _, p := range pairs(m) {
		got[p.key.Value] = str(p.value)
	}
	if got["x"] != "1" || got["y"] != "own" || got["z"] != "3" || len(got) != 3 {
		t.Fatalf("merged pairs: %v", got)
	}
}

func TestComposeGroups(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"compose.yaml", "compose.override.yaml", "docker-compose.ci.yml"} {
		os.WriteFile(filepath.Join(dir, n), []byte("services: {}\n"), 0o644)
	}
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "docker-compose.prod.yml"), []byte("services: {}\n"), 0o644)
	groups := composeGroups([]string{
		filepath.Join(dir, "compose.yaml"), filepath.Join(dir, "compose.override.yaml"),
		filepath.Join(dir, "docker-compose.ci.yml"), filepath.Join(other, "docker-compose.prod.yml"),
	})
	want := [][]string{
		{filepath.Join(dir, "compose.yaml"), filepath.Join(dir, "compose.override.yaml")},
		{filepath.Join(dir, "compose.yaml"), filepath.Join(dir, "docker-compose.ci.yml")},
		{filepath.Join(other, "docker-compose.prod.yml")},
	}
	if len(groups) != len(want) {
		t.Fatalf("groups %v", groups)
	}
	for i := range want {
		if len(groups[i]) != len(want[i]) || groups[i][0] != want[i][0] || groups[i][len(want[i])-1] != want[i][len(want[i])-1] {
			t.Errorf("group %d: %v, want %v", i, groups[i], want[i])
		}
	}
}

func TestKindOfAndSniff(t *testing.T) {
	for p, want := range map[string]Kind{
		"compose.yaml": Compose, "x/docker-compose.override.yml": Compose, "docker-compose-dev.yaml": Compose,
		".gitlab-ci.yml": GitLab, "ci/templates.gitlab-ci.yml": GitLab,
		"repo/.github/workflows/ci.yaml": GitHub, "scripts/build.sh": Shell,
		"composer.json": "", "workflows/ci.yml": "", "README.md": "",
	} {
		if got := kindOf(p); got != want {
			t.Errorf("kindOf(%q) = %q, want %q", p, got, want)
		}
	}
	dir := t.TempDir()
	files := map[string]string{
		"stack.yml":    "services:\n  x:\n    image: x\n",
		"pipeline.yml": "build:\n  script: [make]\n",
		"wf.yml":       "on: push\njobs:\n  a:\n    runs-on: x\n",
		"notes.yml":    "a: 1\n",
	}
	want := map[string]Kind{"stack.yml": Compose, "pipeline.yml": GitLab, "wf.yml": GitHub}
	for n, c := range files {
		p := filepath.Join(dir, n)
		os.WriteFile(p, []byte(c), 0o644)
		k, err := sniff(p)
		if k != want[n] || (err != nil) != (want[n] == "") {
			t.Errorf("sniff(%s) = %q, %v", n, k, err)
		}
	}
}
