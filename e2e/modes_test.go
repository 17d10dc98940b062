//go:build e2e

package e2e

// Audit mode, mode precedence and policy hot reload. These swap the legacy
// daemon's authorization plugin with a SIGHUP of dockerd (the way an
// operator would) and put the enforcing one back when done.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func sha(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

// policyFile writes content to a fresh directory (the plugin watches the
// directory, so each plugin gets its own) and returns the path.
func policyFile(t *testing.T, role, content string) string {
	t.Helper()
	dir := filepath.Join(work, "policy-"+role)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func mustDefaultPolicy(t *testing.T) string {
	t.Helper()
	pol, err := defaultPolicy()
	if err != nil {
		t.Fatal(err)
	}
	return pol
}

func isLoaded(e logEntry) bool { return e.s("msg") == "policy loaded" }

func TestAuditMode(t *testing.T) {
	d, _ := mustLegacy(t)
	f := policyFile(t, "audit", mustDefaultPolicy(t))
	// The environment says enforce, the flag says audit: the flag wins.
	ap, err := startPlugin(uniq("audit"), f, []string{"CI_AUTHZ_MODE=enforce"}, "--mode", "audit")
	if err != nil {
		t.Fatal(err)
	}
	dumpOnFailure(t, d, ap)
	if e := ap.waitLog(t, 0, 10*time.Second, `"policy loaded"`, isLoaded); e.s("mode") != "audit" {
		t.Errorf("--mode audit with CI_AUTHZ_MODE=enforce: want mode audit, got %v", e)
	}
	d.setAuthz(t, ap.name)
	d.restoreAuthz(t, enforceP.name)

	name := uniq("audit-priv")
	r := d.docker("create", "--name", name, "--privileged", image, "true")
	wantOK(t, r) // created (not started: privileged containers may not start in this VM)
	defer d.docker("rm", "-f", name)
	if !d.rawAPI().exists(t, d.api, name) {
		t.Errorf("audit mode: privileged container %s was not created", name)
	}
	e := ap.waitLog(t, 0, 10*time.Second, "decision=audit rule=privileged for "+name, func(e logEntry) bool {
		return decisionIs("audit", "privileged")(e) && e.s("container") == name
	})
	if !strings.Contains(e.s("msg"), "would deny") || e.s("field") != "HostConfig.Privileged" {
		t.Errorf(`audit line: want msg "would deny" and field HostConfig.Privileged, got %v`, e)
	}
	// Every rule only audits; nothing is denied.
	name2 := uniq("audit-cap")
	wantOK(t, d.docker("create", "--name", name2, "--cap-add", "SYS_ADMIN", "-v", "/var/run/docker.sock:/s", image, "true"))
	d.docker("rm", "-f", name2)
	ap.waitLog(t, 0, 10*time.Second, "decision=audit rule=capabilities", decisionIs("audit", "capabilities"))
	ap.waitLog(t, 0, 10*time.Second, "decision=audit rule=hostSockets", decisionIs("audit", "hostSockets"))
	// An unreadable body is only audited too (the daemon then refuses it itself).
	rr := d.rawAPI().do(t, rawReq{target: d.api + "/containers/create", header: jsonHeader()})
	if rr.status/100 == 2 || strings.Contains(rr.body, deniedPrefix) {
		t.Errorf("audit mode, empty create body: want the daemon's own error, got %s", rr)
	}
	ap.waitLog(t, 0, 10*time.Second, "decision=audit rule=malformedRequest", decisionIs("audit", "malformedRequest"))
}

// Mode precedence without a daemon: --mode > CI_AUTHZ_MODE > the file.
func TestModePrecedence(t *testing.T) {
	if _, err := legacyEnv(); err != nil {
		t.Fatal(err)
	}
	def := mustDefaultPolicy(t)
	auditPol := strings.Replace(def, "\nmode: enforce", "\nmode: audit", 1)
	if auditPol == def {
		t.Fatalf("default policy has no top-level `mode: enforce` line:\n%s", def)
	}
	cases := []struct {
		name, file string
		env        []string
		args       []string
		want       string
	}{
		{"file audit", auditPol, nil, nil, "audit"},
		{"env audit over file enforce", def, []string{"CI_AUTHZ_MODE=audit"}, nil, "audit"},
		{"flag enforce over env and file audit", auditPol, []string{"CI_AUTHZ_MODE=audit"}, []string{"--mode", "enforce"}, "enforce"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := policyFile(t, "prec"+string(rune('a'+i)), c.file)
			p, err := startPlugin(uniq("prec"+string(rune('a'+i))), f, c.env, c.args...)
			if err != nil {
				t.Fatal(err)
			}
			defer p.proc.stop(10 * time.Second)
			e := p.waitLog(t, 0, 10*time.Second, `"policy loaded"`, isLoaded)
			if e.s("mode") != c.want || e.s("sha256") != sha(c.file) {
				t.Errorf("want mode %s and sha256 of the file, got %v", c.want, e)
			}
		})
	}
}

// Hot reload: a policy change is picked up without restarting dockerd, a
// broken file keeps the last good policy, SIGHUP reloads too.
func TestHotReload(t *testing.T) {
	d, _ := mustLegacy(t)
	def := mustDefaultPolicy(t)
	f := policyFile(t, "reload", def)
	rp, err := startPlugin(uniq("reload"), f, nil)
	if err != nil {
		t.Fatal(err)
	}
	dumpOnFailure(t, d, rp)
	rp.waitLog(t, 0, 10*time.Second, `"policy loaded"`, isLoaded)
	d.setAuthz(t, rp.name)
	d.restoreAuthz(t, enforceP.name)
	dockerdPID := d.proc.pid()

	capCreate := func() cliResult {
		name := uniq("reload-cap")
		r := d.docker("create", "--name", name, "--cap-add", "SYS_ADMIN", image, "true")
		if r.code == 0 {
			d.docker("rm", "-f", name)
		}
		return r
	}
	privDenied := func(t *testing.T) {
		t.Helper()
		wantDeniedCLI(t, d.docker("create", "--privileged", image, "true"), rp.name, "privileged")
	}
	reloaded := func(e logEntry) bool { return e.s("msg") == "policy reloaded" }
	failed := func(e logEntry) bool {
		return strings.Contains(e.s("msg"), "reload failed") && e.s("level") == "error"
	}

	wantDeniedCLI(t, capCreate(), rp.name, "capabilities", "SYS_ADMIN")

	// 1. Allow SYS_ADMIN. Keys left out keep their defaults.
	allowSysAdmin := `mode: enforce
rules:
  capabilities:
    action: deny
    allowed: [CHOWN, DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW, SETGID, SETUID,
              SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE, SYS_ADMIN]
`
	writeAtomic(t, f, allowSysAdmin)
	rp.waitLog(t, 0, 15*time.Second, `"policy reloaded" with the new sha256`, func(e logEntry) bool {
		return reloaded(e) && e.s("sha256") == sha(allowSysAdmin)
	})
	wantOK(t, capCreate())
	privDenied(t)

	// 2. A broken file: logged, and the last good policy stays in force.
	for i, broken := range []string{
		"mode: enforce\nrules: [this is not\n",            // YAML syntax
		"rules:\n  privileged:\n    action: maybe\n",      // bad value
		"rules:\n  hostSockets:\n    paths: [relative]\n", // not absolute
	} {
		n := rp.count(failed)
		writeAtomic(t, f, broken)
		e := rp.waitLog(t, n, 15*time.Second, fmt.Sprintf("reload failed (broken file %d)", i), failed)
		if e.s("error") == "" {
			t.Errorf("reload failure line has no error field: %v", e)
		}
		wantOK(t, capCreate())
		privDenied(t)
	}

	// 3. Back to the default: SYS_ADMIN denied again.
	writeAtomic(t, f, def)
	rp.waitLog(t, 0, 15*time.Second, `"policy reloaded" of the default`, func(e logEntry) bool {
		return reloaded(e) && e.s("sha256") == sha(def)
	})
	wantDeniedCLI(t, capCreate(), rp.name, "capabilities")

	// 4. SIGHUP reloads.
	n := rp.count(reloaded)
	if err := rp.proc.signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	rp.waitLog(t, n, 15*time.Second, `"policy reloaded" after SIGHUP`, reloaded)
	wantDeniedCLI(t, capCreate(), rp.name, "capabilities")
	if rp.proc.exited() {
		t.Errorf("plugin exited on SIGHUP: %v", rp.proc.err)
	}

	// 5. A change SIGHUP picks up even when the watcher cannot see it: the
	// policy file is a symlink into another directory and the target changes.
	realDir := filepath.Join(work, "policy-reload-target")
	if err := os.MkdirAll(realDir, 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(realDir, "real.yaml")
	if err := os.WriteFile(target, []byte(def), 0o644); err != nil {
		t.Fatal(err)
	}
	tmpLink := f + ".lnk"
	if err := os.Symlink(target, tmpLink); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmpLink, f); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond) // let any watcher event settle (not asserted)
	if err := os.WriteFile(target, []byte(allowSysAdmin), 0o644); err != nil {
		t.Fatal(err)
	}
	newAllow := func(e logEntry) bool { return reloaded(e) && e.s("sha256") == sha(allowSysAdmin) }
	n = rp.count(newAllow)
	if err := rp.proc.signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	rp.waitLog(t, n, 15*time.Second, `"policy reloaded" of the symlink target after SIGHUP`, newAllow)
	wantOK(t, capCreate())

	if d.proc.pid() != dockerdPID || d.proc.exited() {
		t.Errorf("dockerd was restarted or died during the reloads")
	}
}
