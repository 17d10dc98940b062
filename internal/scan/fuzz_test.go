package scan

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzScan: whatever a repository holds, scanning it does not panic, and
// every finding and problem names the file it is about, at a line of it.
func FuzzScan(f *testing.F) {
	for _, dir := range []string{"gitlab", "github", "compose-anchors-extends", "scripts"} {
		files, _ := filepath.Glob(filepath.Join("testdata/fixtures", dir, "*"))
		more, _ := filepath.Glob(filepath.Join("testdata/fixtures", dir, ".*/*/*"))
		for _, p := range append(files, more...) {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(uint8(0), string(data))
			}
		}
	}
	f.Add(uint8(1), "a: [\n")
	f.Add(uint8(2), "jobs:\n  x:\n    steps:\n      - run: docker run -t\x9b0 ${{ x }}\n")
	names := []string{".gitlab-ci.yml", ".github/workflows/ci.yml", "compose.yaml", "run.sh"}
	f.Fuzz(func(t *testing.T, kind uint8, content string) {
		dir := t.TempDir()
		p := filepath.Join(dir, names[int(kind)%len(names)])
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		r := Run([]string{dir}, nil)
		for _, x := range r.Findings {
			if x.File == "" || x.Line < 1 || x.Column < 1 {
				t.Fatalf("finding without a place: %+v", x)
			}
		}
		for _, x := range r.Problems {
			if x.File == "" {
				t.Fatalf("problem without a file: %+v", x)
			}
		}
	})
}
