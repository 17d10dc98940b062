package checks

import (
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/ci-authz/ci-authz/internal/policy"
)

func TestRuntime(t *testing.T) {
	cases := []struct {
		name string
		c    *Request
		want []string
	}{
		{"default", hc(container.HostConfig{}), nil},
		{"runc", hc(container.HostConfig{Runtime: "runc"}), nil},
		{"runc v2 shim", hc(container.HostConfig{Runtime: "io.containerd.runc.v2"}), nil},
		{"other shim", hc(container.HostConfig{Runtime: "io.containerd.evil.v1"}), []string{"HostConfig.Runtime"}},
		{"nvidia", hc(container.HostConfig{Runtime: "nvidia"}), []string{"HostConfig.Runtime"}},
		{"case", hc(container.HostConfig{Runtime: "RUNC"}), []string{"HostConfig.Runtime"}},
		{"annotations", hc(container.HostConfig{Annotations: map[string]string{"cdi.k8s.io/x": "vendor.com/gpu=all", "a": "b"}}),
			[]string{"HostConfig.Annotations.a", "HostConfig.Annotations.cdi.k8s.io/x"}},
		{"legacy top level", &Request{HostConfigs: []HostConfig{{HostConfig: &container.HostConfig{Runtime: "x"}}}}, []string{"Runtime"}},
	}
	for _, c := range cases {
		wantFields(t, c.name, checkRuntime, c.c, policy.Default(), c.want)
	}
	p, err := policy.Parse([]byte("rules:\n  runtime:\n    allowed: [runsc]\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, "custom list", checkRuntime, hc(container.HostConfig{Runtime: "runsc"}), p, nil)
	wantFields(t, "custom list replaces the default", checkRuntime, hc(container.HostConfig{Runtime: "runc"}), p, []string{"HostConfig.Runtime"})
	if _, err := policy.Parse([]byte("rules:\n  runtime:\n    allowed: [\"\"]\n"), "p.yaml"); err == nil || !strings.Contains(err.Error(), "rules.runtime.allowed[0]") {
		t.Errorf("an empty runtime name is an error: %v", err)
	}
}
