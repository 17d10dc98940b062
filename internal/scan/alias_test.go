package scan

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestAliasBombs: a file that merges a mapping into itself or nests
// aliases to expand exponentially is scanned with bounded work.
func TestAliasBombs(t *testing.T) {
	dir := t.TempDir()
	var bomb strings.Builder
	bomb.WriteString("a0: &a0 [\"docker run --privileged x\", \"true\"]\n")
	for i := 1; i < 40; i++ {
		fmt.Fprintf(&bomb, "a%d: &a%d [*a%d, *a%d]\n", i, i, i-1, i-1)
	}
	bomb.WriteString("job:\n  script: *a39\n")
	os.WriteFile(filepath.Join(dir, "bomb.gitlab-ci.yml"), []byte(bomb.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "self.gitlab-ci.yml"), []byte("a: &a\n  <<: *a\n  script: [docker run --privileged x]\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "seq.gitlab-ci.yml"), []byte("s: &s [*s]\n"), 0o644)
	r := Run([]string{dir}, nil)
	if r.Failed() {
		t.Fatalf("problems: %+v", r.Problems)
	}
	if len(r.Findings) != 2 {
		t.Fatalf("want the privileged run once per file that has it, got %d findings", len(r.Findings))
	}
	if got := len(items(mustDoc(t, bomb.String(), "a39"))); got != maxExpanded {
		t.Fatalf("a39 expands to %d items, want the bound %d", got, maxExpanded)
	}
}

func mustDoc(t *testing.T, src, key string) *yaml.Node {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.yml")
	os.WriteFile(p, []byte(src), 0o644)
	f, err := readYAML(p)
	if err != nil {
		t.Fatal(err)
	}
	return value(f.docs[0], key)
}
