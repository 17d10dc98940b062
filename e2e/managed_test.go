//go:build e2e

package e2e

// Managed (v2) plugin mode: build/plugin is created and enabled on a private
// daemon (through `ci-authz install` when it exists), enforces, and is
// removed again (`ci-authz uninstall`).

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// installFlags returns the flags `ci-authz install` accepts, or nil if the
// subcommand does not exist in this build.
func installFlags() map[string]bool {
	out, _ := exec.Command(ciAuthz, "install", "-h").CombinedOutput()
	if !strings.Contains(string(out), "-daemon-config") {
		return nil
	}
	flags := map[string]bool{}
	for _, f := range strings.Fields(string(out)) {
		if strings.HasPrefix(f, "-") {
			flags[strings.TrimLeft(f, "-")] = true
		}
	}
	return flags
}

func TestManagedPlugin(t *testing.T) {
	if pluginErr != nil {
		t.Fatalf("no managed-plugin directory: %v", pluginErr)
	}
	if _, err := legacyEnv(); err != nil {
		t.Fatal(err)
	}
	d, err := startDaemon("managed", nil)
	if err != nil {
		t.Fatal(err)
	}
	dumpOnFailure(t, d)
	name := uniq("managed") + ":latest"
	policyDir := filepath.Join(work, "managed-policy")
	if err := os.MkdirAll(policyDir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Whatever happens, remove the plugin's socket directory once the daemon
	// is gone: managed plugin sockets live in /run/docker/plugins/<id>/ for
	// every daemon (getPluginExecRoot), not under our exec-root.
	var pluginID string
	addCleanup(func() {
		d.proc.stop(20 * time.Second)
		if pluginID != "" {
			os.RemoveAll(filepath.Join(legacyPluginDir, pluginID))
		}
	})

	flags := installFlags()
	common := []string{"--daemon-config", d.cfgFile, "--pidfile", d.pidFile, "--host", d.host, "--name", name}
	if flags["policy-dir"] {
		common = append(common, "--policy-dir", policyDir)
	} else if _, err := os.Stat("/etc/ci-authz"); os.IsNotExist(err) {
		// install creates the plugin's policy mount source; leave the host as found.
		addCleanup(func() { os.Remove("/etc/ci-authz") }) // only if still empty
	}
	// --- install
	installed := false
	if flags != nil {
		before := d.reloads()
		args := append([]string{"install", "--plugin-dir", pluginDir}, common...)
		out, err := exec.Command(ciAuthz, args...).CombinedOutput()
		if err != nil {
			t.Logf("ci-authz %s:\n%s", strings.Join(args, " "), out)
			t.Errorf("ci-authz install failed: %v; continuing with plugin create/enable + daemon.json + SIGHUP by hand", err)
		} else {
			installed = true
			if d.reloads() <= before {
				t.Errorf("ci-authz install returned before dockerd reloaded its configuration")
				if err := d.waitReloaded(before); err != nil {
					t.Fatal(err)
				}
			}
		}
	} else {
		t.Logf("bin/ci-authz has no install subcommand yet: plugin create/enable + daemon.json + SIGHUP by hand")
	}
	if !installed {
		if r := d.docker("plugin", "inspect", name); r.code != 0 {
			if r := d.docker("plugin", "create", name, pluginDir); r.code != 0 {
				t.Fatalf("%s", r)
			}
		}
		if r := d.docker("plugin", "inspect", "--format", "{{.Enabled}}", name); strings.TrimSpace(r.stdout) != "true" {
			for _, args := range [][]string{{"plugin", "set", name, "policy.source=" + policyDir}, {"plugin", "enable", name}} {
				if r := d.docker(args...); r.code != 0 {
					t.Fatalf("%s", r)
				}
			}
		}
		if err := d.loadConfig(); err != nil {
			t.Fatal(err)
		}
		d.setAuthz(t, name)
	}
	if r := d.docker("plugin", "inspect", "--format", "{{.Id}} {{.Enabled}}", name); r.code != 0 || !strings.HasSuffix(strings.TrimSpace(r.stdout), " true") {
		t.Fatalf("plugin not installed and enabled: %s", r)
	} else {
		pluginID = strings.Fields(r.stdout)[0]
	}
	cfg := readFile(d.cfgFile)
	if !strings.Contains(cfg, name) && !strings.Contains(cfg, strings.TrimSuffix(name, ":latest")) {
		t.Errorf("daemon.json does not list the plugin:\n%s", cfg)
	}

	// --- enforcement through the managed plugin
	// The daemon names a managed plugin by its reference, with or without tag.
	shortName := strings.TrimSuffix(name, ":latest")
	t.Run("denials", func(t *testing.T) {
		cases := []struct {
			rule string
			args []string
			subs []string
		}{
			{"privileged", []string{"--privileged"}, []string{"BuildKit"}},
			{"hostSockets", []string{"-v", "/var/run/docker.sock:/var/run/docker.sock"}, nil},
			{"hostSockets", []string{"--mount", "type=bind,source=/var/run/docker.sock,target=/s"}, nil},
			{"capabilities", []string{"--cap-add", "SYS_ADMIN"}, nil},
		}
		for _, c := range cases {
			r := d.docker(append(append([]string{"run", "--rm"}, c.args...), image, "true")...)
			wantDeniedCLI(t, r, shortName, c.rule, c.subs...)
		}
	})
	t.Run("allowed run", func(t *testing.T) {
		r := d.docker("run", "--rm", "--cap-add", "CHOWN", image, "echo", "managed-ok")
		wantOK(t, r)
		if r.stdout != "managed-ok\n" {
			t.Errorf("want managed-ok, got %q", r.stdout)
		}
	})
	t.Run("decision in dockerd log", func(t *testing.T) {
		// A managed plugin's stdout/stderr go to dockerd's log, one line each,
		// as msg="<the plugin's JSON line>" plugin=<id>.
		deadline := time.Now().Add(10 * time.Second)
		for {
			var seen []logEntry
			for _, e := range managedEntries(readFile(d.logFile), pluginID) {
				seen = append(seen, e)
				if decisionIs("deny", "privileged")(e) && e.s("field") == "HostConfig.Privileged" {
					return
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("no deny/privileged line of plugin %s in dockerd's log; plugin lines seen: %v", pluginID, seen)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	// --- switching the control off through the API it guards is denied
	t.Run("disable and remove through the API are denied", func(t *testing.T) {
		wantDeniedCLI(t, d.docker("plugin", "disable", name), shortName, "daemonAdmin", "authorization off")
		wantDeniedCLI(t, d.docker("plugin", "rm", "-f", name), shortName, "daemonAdmin")
		wantDeniedCLI(t, d.docker("create", "--privileged", image, "true"), shortName, "privileged")
	})

	// --- the managed plugin sees the host root read-only at /host and follows
	// symlinks in bind sources there
	t.Run("symlinked bind source", func(t *testing.T) {
		ws := filepath.Join(work, uniq("managed-ws"))
		if err := os.MkdirAll(ws, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/run", filepath.Join(ws, "link")); err != nil {
			t.Fatal(err)
		}
		wantDeniedCLI(t, d.docker("create", "-v", ws+"/link:/h:ro", image, "true"), shortName, "hostSockets", "symlink to /run")
		wantOK(t, d.docker("run", "--rm", "-v", ws+":/ws:ro", image, "true"))
	})

	// --- uninstall
	if installed {
		before := d.reloads()
		args := append([]string{"uninstall"}, common...)
		out, err := exec.Command(ciAuthz, args...).CombinedOutput()
		if err != nil {
			t.Logf("ci-authz %s:\n%s", strings.Join(args, " "), out)
			t.Fatalf("ci-authz uninstall failed: %v", err)
		}
		if d.reloads() <= before {
			t.Errorf("ci-authz uninstall did not reload dockerd")
		}
	} else {
		if err := d.loadConfig(); err != nil {
			t.Fatal(err)
		}
		d.setAuthz(t) // the safe order: out of the chain first, then disable and remove
		for _, args := range [][]string{{"plugin", "disable", name}, {"plugin", "rm", name}} {
			if r := d.docker(args...); r.code != 0 {
				t.Fatalf("%s", r)
			}
		}
	}
	if d.proc.exited() {
		t.Fatalf("dockerd died during uninstall: %v\n%s", d.proc.err, tail(readFile(d.logFile), 20))
	}
	if r := d.docker("version", "--format", "{{.Server.APIVersion}}"); r.code != 0 {
		t.Fatalf("daemon does not answer after uninstall: %s", r)
	}
	if r := d.docker("plugin", "ls", "--format", "{{.Name}}"); strings.Contains(r.stdout, shortName) {
		t.Errorf("plugin still installed after uninstall: %s", r.stdout)
	}
	r := d.docker("run", "--rm", image, "echo", "after-uninstall")
	wantOK(t, r)
	// No authorization plugin any more: what was denied is created again.
	pr := d.docker("create", "--privileged", image, "true")
	if pr.code != 0 {
		t.Errorf("after uninstall, privileged create should no longer be denied: %s", pr)
	} else {
		d.docker("rm", "-f", strings.TrimSpace(pr.stdout))
	}
}

var logrusMsg = regexp.MustCompile(`msg="((?:[^"\\]|\\.)*)"`)

// managedEntries extracts the JSON log lines of managed plugin id from
// dockerd's (logrus text) log.
func managedEntries(log, id string) []logEntry {
	var out []logEntry
	for _, line := range strings.Split(log, "\n") {
		if id == "" || !strings.Contains(line, "plugin="+id) {
			continue
		}
		m := logrusMsg.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if msg, err := strconv.Unquote(`"` + m[1] + `"`); err == nil {
			out = append(out, parseLogEntries(msg)...)
		}
	}
	return out
}
