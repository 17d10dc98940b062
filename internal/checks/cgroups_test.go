package checks

import (
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/ci-authz/ci-authz/internal/policy"
)

func TestCgroups(t *testing.T) {
	p, err := policy.Parse([]byte("rules:\n  cgroups:\n    allowedParents: [/ci-jobs, ci.slice]\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	parent := func(v string) *Request {
		return hc(container.HostConfig{Resources: container.Resources{CgroupParent: v}})
	}
	cases := []struct {
		name string
		p    *policy.Policy
		c    *Request
		want []string
	}{
		{"none", policy.Default(), hc(container.HostConfig{}), nil},
		{"parent, default allows none", policy.Default(), parent("/ci-jobs"), []string{"HostConfig.CgroupParent"}},
		{"allowed parent", p, parent("/ci-jobs"), nil},
		{"allowed systemd slice", p, parent("ci.slice"), nil},
		{"daemon's cgroup", p, parent("/system.slice/docker.service"), []string{"HostConfig.CgroupParent"}},
		{"lookalike", p, parent("/ci-jobs/../"), []string{"HostConfig.CgroupParent"}},
		{"another container's cgroup", p, hc(container.HostConfig{Cgroup: "container:job2"}), []string{"HostConfig.Cgroup"}},
		{"build", p, &Request{Build: &BuildOptions{CgroupParent: "/"}}, []string{"cgroupparent"}},
		{"build allowed", p, &Request{Build: &BuildOptions{CgroupParent: "/ci-jobs"}}, nil},
		{"legacy top level", p, &Request{HostConfigs: []HostConfig{{HostConfig: &container.HostConfig{Resources: container.Resources{CgroupParent: "/"}}}}}, []string{"CgroupParent"}},
	}
	for _, c := range cases {
		wantFields(t, c.name, checkCgroups, c.c, c.p, c.want)
	}
	if f := checkCgroups(parent("/x"), p); !strings.Contains(f[0].Fix, "/ci-jobs, ci.slice") {
		t.Errorf("fix should list the allowed parents: %s", f[0].Fix)
	}
}

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

func TestVolumesFrom(t *testing.T) {
	wantFields(t, "none", checkVolumesFrom, hc(container.HostConfig{}), policy.Default(), nil)
	wantFields(t, "cache container", checkVolumesFrom, hc(container.HostConfig{VolumesFrom: []string{"cache:ro", "other"}}), policy.Default(),
		[]string{"HostConfig.VolumesFrom[0]", "HostConfig.VolumesFrom[1]"})
}
