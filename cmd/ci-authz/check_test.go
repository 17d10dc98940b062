package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fixtures = "../../internal/scan/testdata/fixtures/"

func runCheckTest(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := check(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestCheckExitStatus(t *testing.T) {
	audit := filepath.Join(t.TempDir(), "audit.yaml")
	os.WriteFile(audit, []byte("mode: audit\n"), 0o644)
	broken := filepath.Join(t.TempDir(), "compose.yaml")
	os.WriteFile(broken, []byte("services: [\n"), 0o644)
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string
	}{
		{"clean", []string{fixtures + "clean"}, 0, "0 findings"},
		{"denied", []string{fixtures + "compose-basic"}, 1, "deny: service \"builder\""},
		{"audit mode reports but passes", []string{"--policy", audit, fixtures + "compose-basic"}, 0, "audit (would deny (audit mode))"},
		{"flags after paths", []string{fixtures + "compose-basic", "--format", "json"}, 1, `"rule": "privileged"`},
		{"unreadable file wins, the rest is scanned", []string{broken, fixtures + "compose-basic"}, 2, "1 file could not be read"},
		{"missing path", []string{"no/such/dir"}, 2, "no/such/dir: error: cannot read"},
		{"unknown format", []string{"--format", "xml", "."}, 2, ""},
		{"bad policy", []string{"--policy", broken, "."}, 2, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out, errOut := runCheckTest(t, c.args...)
			if code != c.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.code, out, errOut)
			}
			if !strings.Contains(out, c.stdout) {
				t.Errorf("stdout lacks %q:\n%s", c.stdout, out)
			}
		})
	}
}

func TestCheckOutputFile(t *testing.T) {
	sarif := filepath.Join(t.TempDir(), "ci-authz.sarif")
	code, out, _ := runCheckTest(t, "--format", "sarif", "--output", sarif, fixtures+"github")
	if code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(out, "jobs.test.container.options") {
		t.Errorf("the text report goes to stdout when --output is set:\n%s", out)
	}
	data, err := os.ReadFile(sarif)
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil || log.Version != "2.1.0" || len(log.Runs[0].Results) == 0 {
		t.Fatalf("SARIF file: %v %+v", err, log)
	}
}
