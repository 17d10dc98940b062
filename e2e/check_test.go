//go:build e2e

package e2e

// `ci-authz check` must give the verdict the plugin gives: the same docker
// command lines are judged by check (from a script) and sent by the real
// docker CLI to the legacy daemon, and every rule check denies must be the
// rule the plugin denies, and nothing else.

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// ruleInMessage finds the rules a deny message names: "[rule] Field" (the
// first finding and each "Also denied" one), not "Binds[0]".
var ruleInMessage = regexp.MustCompile(`\[([a-zA-Z]+)\]`)

func TestCheckAgreesWithPlugin(t *testing.T) {
	d, p := mustLegacy(t)
	lines := []string{
		"create --name %s " + image + " true",
		"create --name %s --privileged " + image + " true",
		"create --name %s -v /var/run/docker.sock:/var/run/docker.sock " + image + " true",
		"create --name %s -itv /run/containerd:/c " + image + " true",
		"create --name %s --mount type=bind,source=/run,target=/h " + image + " true",
		"create --name %s --mount type=volume,dst=/x,volume-driver=local,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/run " + image + " true",
		"create --name %s --cap-add SYS_ADMIN " + image + " true",
		"create --name %s --cap-drop ALL --cap-add=chown " + image + " true",
		"create --name %s --pid host " + image + " true",
		"create --name %s --network host " + image + " true",
		"create --name %s --security-opt seccomp=unconfined " + image + " true",
		"create --name %s --security-opt systempaths=unconfined " + image + " true",
		"create --name %s --device /dev/fuse " + image + " true",
		"container create --name %s --privileged=false -v /tmp:/t:ro " + image + " true",
	}
	var script strings.Builder
	names := make([]string, len(lines))
	for i, l := range lines {
		names[i] = uniq(fmt.Sprintf("check-%d", i))
		lines[i] = fmt.Sprintf(l, names[i])
		script.WriteString("docker " + lines[i] + "\n")
	}
	path := filepath.Join(t.TempDir(), "jobs.sh")
	if err := os.WriteFile(path, []byte(script.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(ciAuthz, "check", "--format", "json", path).Output()
	var rep struct {
		Findings []struct {
			Line   int    `json:"line"`
			Rule   string `json:"rule"`
			Action string `json:"action"`
		} `json:"findings"`
		Problems []struct{ Message string } `json:"problems"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("ci-authz check --format json: %v\n%s", err, out)
	}
	if len(rep.Problems) > 0 {
		t.Fatalf("check could not judge the script: %+v", rep.Problems)
	}
	denied := make([][]string, len(lines))
	for _, f := range rep.Findings {
		if f.Action == "deny" && !slices.Contains(denied[f.Line-1], f.Rule) {
			denied[f.Line-1] = append(denied[f.Line-1], f.Rule)
		}
	}
	for i, l := range lines {
		r := d.docker(strings.Fields(l)...)
		if len(denied[i]) == 0 {
			wantOK(t, r)
			d.docker("rm", "-f", names[i])
			continue
		}
		wantDeniedCLI(t, r, p.name, "")
		var named []string
		for _, m := range ruleInMessage.FindAllStringSubmatch(r.stderr, -1) {
			if !slices.Contains(named, m[1]) {
				named = append(named, m[1])
			}
		}
		slices.Sort(named)
		slices.Sort(denied[i])
		if !slices.Equal(named, denied[i]) {
			t.Errorf("check denies %q under %v; the plugin under %v: %s", l, denied[i], named, r)
		}
	}
}
