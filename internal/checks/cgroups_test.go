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
