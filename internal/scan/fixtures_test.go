package scan

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ci-authz/ci-authz/internal/policy"
)

// coreRules are the rules these fixtures plant issues for. Rules added
// later (issue 5) may find more in the same lines; the clean fixture must
// stay clean under every rule.
var coreRules = []policy.RuleName{policy.Privileged, policy.HostSockets, policy.Capabilities, policy.DaemonAdmin}

// TestFixtures scans each directory of testdata/fixtures and compares
// what it finds with the directory's "expected" file: one line per
// finding, "file:line:col rule field", file relative to the directory.
func TestFixtures(t *testing.T) {
	dirs, err := filepath.Glob("testdata/fixtures/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			r := Run([]string{dir}, policy.Default())
			var got []string
			for _, f := range r.Findings {
				if !slices.Contains(coreRules, f.Rule) && filepath.Base(dir) != "clean" {
					continue
				}
				rel, _ := filepath.Rel(dir, f.File)
				got = append(got, strings.Join([]string{
					rel + ":" + itoa(f.Line) + ":" + itoa(f.Column), string(f.Rule), f.Field}, " "))
			}
			for _, p := range r.Problems {
				if !p.Warning {
					t.Errorf("problem: %s: %s", p.File, p.Message)
				}
			}
			data, err := os.ReadFile(filepath.Join(dir, "expected"))
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, l := range strings.Split(string(data), "\n") {
				if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
					want = append(want, l)
				}
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("findings differ\n got:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
				for _, f := range r.Findings {
					t.Logf("%s:%d:%d %s %s %s", f.File, f.Line, f.Column, f.Subject, f.Key, f.Message())
				}
			}
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
