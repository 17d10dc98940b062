package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefault(t *testing.T) {
	p := Default()
	if p.Mode != Enforce || p.Profile != Baseline {
		t.Errorf("mode = %q profile = %q", p.Mode, p.Profile)
	}
	for _, r := range ConfigurableRules {
		if p.Action(r) != ProfileAction(Baseline, r) || !p.ActionFromProfile(r) {
			t.Errorf("%s action = %q, want the baseline's %q from the profile", r, p.Action(r), ProfileAction(Baseline, r))
		}
	}
	if len(p.AllowedCaps) != 14 || !p.AllowedCaps["CAP_CHOWN"] || p.AllowedCaps["CAP_SYS_ADMIN"] {
		t.Errorf("allowed caps = %v", p.AllowedCapList())
	}
	var texts []string
	for _, s := range p.SocketPaths {
		texts = append(texts, s.Text)
	}
	for _, want := range []string{"/run/docker.sock", "/run/containerd", "/run/user/*/docker.sock"} {
		if !contains(texts, want) {
			t.Errorf("default socket paths %v lack %s", texts, want)
		}
	}
	if len(p.Exceptions) != 0 {
		t.Errorf("default has exceptions: %v", p.Exceptions)
	}
}

func TestParseOverridesKeepDefaults(t *testing.T) {
	p, err := Parse([]byte("mode: audit\nrules:\n  privileged: {action: audit}\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Mode != AuditOnly || p.Action(Privileged) != Audit {
		t.Errorf("mode %q privileged %q", p.Mode, p.Action(Privileged))
	}
	if p.Action(HostSockets) != Deny || len(p.SocketPaths) == 0 || len(p.AllowedCaps) != 14 {
		t.Error("rules left out of the file must keep the default")
	}
	if p.Source != "p.yaml" || len(p.SHA256) != 64 {
		t.Errorf("source %q sha %q", p.Source, p.SHA256)
	}
}

func TestProfiles(t *testing.T) {
	restricted, err := Parse([]byte("profile: restricted\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range ConfigurableRules {
		if restricted.Action(r) != Deny {
			t.Errorf("restricted: %s = %s, want deny", r, restricted.Action(r))
		}
		if ProfileAction(Restricted, r) == Allow && ProfileAction(Baseline, r) != Allow {
			t.Errorf("%s: restricted must never be looser than baseline", r)
		}
	}
	over, err := Parse([]byte("profile: restricted\nrules:\n  privileged: {action: audit}\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if over.Action(Privileged) != Audit || over.ActionFromProfile(Privileged) || over.Action(Capabilities) != Deny {
		t.Errorf("a rule's action wins over the profile: privileged %s, capabilities %s", over.Action(Privileged), over.Action(Capabilities))
	}
	if got := ProfileAction(Custom, Privileged); got != Deny {
		t.Errorf("custom gives no defaults; anything unset denies, got %s", got)
	}
	if got := ProfileAction(Baseline, "noSuchRule"); got != Deny {
		t.Errorf("an unknown rule denies, got %s", got)
	}

	// custom: every rule must be set.
	_, err = Parse([]byte("profile: custom\nrules:\n  privileged: {action: deny}\n"), "p.yaml")
	if err == nil {
		t.Fatal("custom with rules left out must be refused")
	}
	for _, r := range ConfigurableRules[1:] {
		if !strings.Contains(err.Error(), "p.yaml:1:10: rules."+string(r)+".action: profile custom gives no rule a default") {
			t.Errorf("error should name rules.%s.action at the profile key: %v", r, err)
		}
	}
	if strings.Contains(err.Error(), "rules.privileged.action") {
		t.Errorf("privileged is set: %v", err)
	}
	var full strings.Builder
	full.WriteString("profile: custom\nrules:\n")
	for _, r := range ConfigurableRules {
		full.WriteString("  " + string(r) + ": {action: allow}\n")
	}
	custom, err := Parse([]byte(full.String()), "p.yaml")
	if err != nil {
		t.Fatalf("a custom policy that sets every rule is valid: %v", err)
	}
	if custom.Profile != Custom || custom.Action(DaemonAdmin) != Allow {
		t.Errorf("custom: profile %s daemonAdmin %s", custom.Profile, custom.Action(DaemonAdmin))
	}
}

func TestParseDaemonAdmin(t *testing.T) {
	p, err := Parse([]byte("rules:\n  daemonAdmin: {action: audit}\nexceptions:\n  - users: [ops]\n    rules: [daemonAdmin]\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Action(DaemonAdmin) != Audit || p.Action(Privileged) != Deny {
		t.Errorf("daemonAdmin %q privileged %q", p.Action(DaemonAdmin), p.Action(Privileged))
	}
	if _, ok := p.ExemptionFor("ops", DaemonAdmin); !ok {
		t.Error("ops is exempt from daemonAdmin")
	}
}

func TestParseFull(t *testing.T) {
	src := `
mode: enforce
rules:
  hostSockets:
    action: deny
    paths: [/var/run/docker.sock, /srv/agent.sock]
  capabilities:
    action: audit
    allowed: [chown, CAP_NET_ADMIN, Sys_Ptrace]
exceptions:
  - users: [ci-admin, "123"]
    rules: [privileged, hostSockets]
`
	p, err := Parse([]byte(src), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.AllowedCapList(), ","); got != "CHOWN,NET_ADMIN,SYS_PTRACE" {
		t.Errorf("allowed = %s", got)
	}
	if len(p.SocketPaths) != 2 || p.SocketPaths[0].Text != "/run/docker.sock" {
		t.Errorf("paths = %v", p.SocketPaths)
	}
	if _, ok := p.ExemptionFor("ci-admin", Privileged); !ok {
		t.Error("ci-admin should be exempt from privileged")
	}
	if _, ok := p.ExemptionFor("ci-admin", Capabilities); ok {
		t.Error("ci-admin is not exempt from capabilities")
	}
	if _, ok := p.ExemptionFor("someone", Privileged); ok {
		t.Error("someone is not exempt")
	}
	if _, ok := p.ExemptionFor("", Privileged); ok {
		t.Error("an unauthenticated request is never exempt")
	}
	if _, ok := p.ExemptionFor("ci-admin", MalformedRequest); ok {
		t.Error("malformed requests are never exempt")
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ name, src, want string }{
		{"empty", "", "p.yaml: the policy file is empty"},
		{"comment only", "# nothing\n", "p.yaml: the policy file is empty"},
		{"bad yaml", "mode: [", "p.yaml: not valid YAML"},
		{"two docs", "mode: audit\n---\nmode: enforce\n", "single YAML document"},
		{"not a mapping", "- a\n", "p.yaml:1:1: : must be a mapping"},
		{"unknown top", "mode: audit\nmodes: x\n", "p.yaml:2:1: modes: unknown field; allowed here: mode, profile, rules, exceptions"},
		{"bad mode", "mode: permissive\n", `p.yaml:1:7: mode: "permissive" is not allowed; use one of: enforce, audit`},
		{"mode not string", "mode: true\n", "p.yaml:1:7: mode: must be a string"},
		{"bad profile", "profile: strict\n", `p.yaml:1:10: profile: "strict" is not allowed; use one of: baseline, restricted, custom`},
		{"duplicate key", "mode: audit\nmode: enforce\n", "p.yaml:2:1: mode: is set twice"},
		{"unknown rule", "rules:\n  privilegd: {action: deny}\n", "p.yaml:2:3: rules.privilegd: unknown field; allowed here: privileged, hostSockets, sensitivePaths, capabilities"},
		{"bad action", "rules:\n  privileged: {action: block}\n", `p.yaml:2:24: rules.privileged.action: "block" is not allowed; use one of: deny, audit, allow`},
		{"unknown rule key", "rules:\n  privileged: {action: deny, paths: []}\n", "p.yaml:2:30: rules.privileged.paths: unknown field; allowed here: action"},
		{"rule not mapping", "rules:\n  privileged: deny\n", "p.yaml:2:15: rules.privileged: must be a mapping"},
		{"relative path", "rules:\n  hostSockets:\n    paths: [run/docker.sock]\n", `p.yaml:3:13: rules.hostSockets.paths[0]: "run/docker.sock": must be an absolute path`},
		{"bad glob", "rules:\n  hostSockets:\n    paths: [\"/run/[x\"]\n", "rules.hostSockets.paths[0]"},
		{"paths not list", "rules:\n  hostSockets:\n    paths: /run/docker.sock\n", "p.yaml:3:12: rules.hostSockets.paths: must be a list"},
		{"unknown cap", "rules:\n  capabilities:\n    allowed: [SYS_ADMINN]\n", `p.yaml:3:15: rules.capabilities.allowed[0]: "SYS_ADMINN" is not a Linux capability`},
		{"cap ALL", "rules:\n  capabilities:\n    allowed: [all]\n", "ALL cannot be allowed"},
		{"non-ascii cap", "rules:\n  capabilities:\n    allowed: [ſys_admin]\n", "non-ASCII"},
		{"image exception", "exceptions:\n  - images: [docker:dind]\n    rules: [privileged]\n", "p.yaml:2:5: exceptions[0].images: exceptions can only name users"},
		{"label exception", "exceptions:\n  - users: [a]\n    labels: {x: y}\n    rules: [privileged]\n", "exceptions[0].labels: exceptions can only name users"},
		{"exception bad rule", "exceptions:\n  - users: [a]\n    rules: [everything]\n", `p.yaml:3:13: exceptions[0].rules[0]: "everything" is not a rule`},
		{"exception no rules", "exceptions:\n  - users: [a]\n", "p.yaml:2:5: exceptions[0]: needs a non-empty users list and a non-empty rules list"},
		{"exception numeric user", "exceptions:\n  - users: [123]\n    rules: [privileged]\n", "exceptions[0].users[0]: must be a string (quote it"},
		{"exception empty user", "exceptions:\n  - users: [\"\"]\n    rules: [privileged]\n", "a user name cannot be empty"},
		{"malformed not configurable", "rules:\n  malformedRequest: {action: allow}\n", "rules.malformedRequest: unknown field"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.src), "p.yaml")
			if err == nil {
				t.Fatalf("want error containing %q, got none", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q does not contain %q", err, c.want)
			}
		})
	}
}

func TestParseAlias(t *testing.T) {
	src := "x: &caps [NET_ADMIN]\n"
	if _, err := Parse([]byte(src), "p.yaml"); err == nil {
		t.Fatal("unknown top-level key x must be rejected")
	}
	src = "rules:\n  capabilities:\n    allowed: &c [NET_ADMIN]\n"
	p, err := Parse([]byte(src), "p.yaml")
	if err != nil || !p.AllowedCaps["CAP_NET_ADMIN"] {
		t.Fatalf("anchors are plain YAML and must work: %v", err)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(f, DefaultYAML(), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	if p.Source != f || p.Mode != Enforce {
		t.Errorf("source %q mode %q", p.Source, p.Mode)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file error should name it: %v", err)
	}
}

func TestParseMode(t *testing.T) {
	for _, ok := range []string{"enforce", "audit"} {
		if _, err := ParseMode(ok); err != nil {
			t.Error(err)
		}
	}
	for _, bad := range []string{"", "Audit", "off"} {
		if _, err := ParseMode(bad); err == nil {
			t.Errorf("ParseMode(%q) should fail", bad)
		}
	}
}

func TestWithModeCopies(t *testing.T) {
	p := Default()
	a := p.WithMode(AuditOnly)
	if p.Mode != Enforce || a.Mode != AuditOnly {
		t.Error("WithMode must not change the original")
	}
}
