package checks

import (
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/ci-authz/ci-authz/internal/policy"
)

func TestCapabilities(t *testing.T) {
	caps := func(c ...string) *Request { return hc(container.HostConfig{CapAdd: c}) }
	cases := []struct {
		name string
		c    *Request
		want []string
	}{
		{"none", caps(), nil},
		{"default cap", caps("CHOWN"), nil},
		{"default cap lower", caps("net_bind_service"), nil},
		{"default cap prefixed", caps("CAP_KILL", "cap_audit_write"), nil},
		{"drop anything", hc(container.HostConfig{CapDrop: []string{"ALL"}}), nil},
		{"SYS_ADMIN", caps("SYS_ADMIN"), []string{"HostConfig.CapAdd[0]"}},
		{"sys_admin lower", caps("sys_admin"), []string{"HostConfig.CapAdd[0]"}},
		{"mixed case prefix", caps("Cap_Sys_Admin"), []string{"HostConfig.CapAdd[0]"}},
		{"ALL", caps("ALL"), []string{"HostConfig.CapAdd[0]"}},
		{"all lower", caps("aLl"), []string{"HostConfig.CapAdd[0]"}},
		{"unicode long s", caps("ſys_admin"), []string{"HostConfig.CapAdd[0]"}},
		{"unicode dotless i", caps("sys_admın"), []string{"HostConfig.CapAdd[0]"}},
		{"unicode in allowed-looking name", caps("ſetuid"), nil}, // the daemon grants CAP_SETUID: a default, so allowed
		{"unknown", caps("NOT_A_CAP"), []string{"HostConfig.CapAdd[0]"}},
		{"second entry", caps("CHOWN", "NET_ADMIN"), []string{"HostConfig.CapAdd[1]"}},
		{"legacy top-level", &Request{HostConfigs: []HostConfig{{HostConfig: &container.HostConfig{CapAdd: []string{"SYS_PTRACE"}}}}}, []string{"CapAdd[0]"}},
	}
	for _, c := range cases {
		wantFields(t, c.name, checkCapabilities, c.c, policy.Default(), c.want)
	}
}

func TestCapabilitiesMessages(t *testing.T) {
	f := checkCapabilities(hc(container.HostConfig{CapAdd: []string{"ſys_admin"}}), policy.Default())
	if len(f) != 1 || !strings.Contains(f[0].Reason, "CAP_SYS_ADMIN") {
		t.Fatalf("a Unicode spelling should say what the daemon reads: %+v", f)
	}
	f = checkCapabilities(hc(container.HostConfig{CapAdd: []string{"SYS_ADMIN"}}), policy.Default())
	if len(f) != 1 || !strings.Contains(f[0].Fix, "CHOWN") || strings.Contains(f[0].Reason, "reads") {
		t.Fatalf("fix should list allowed caps: %+v", f)
	}
}

func TestCapabilitiesCustomAllowed(t *testing.T) {
	p, err := policy.Parse([]byte("rules:\n  capabilities:\n    allowed: [NET_ADMIN]\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, "allowed by policy", checkCapabilities, hc(container.HostConfig{CapAdd: []string{"net_admin"}}), p, nil)
	wantFields(t, "default no longer allowed", checkCapabilities, hc(container.HostConfig{CapAdd: []string{"CHOWN"}}), p, []string{"HostConfig.CapAdd[0]"})
}
