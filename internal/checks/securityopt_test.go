package checks

import (
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/ci-authz/ci-authz/internal/policy"
)

func TestSecurityOpt(t *testing.T) {
	allowed := []string{
		"no-new-privileges", "no-new-privileges=true", "no-new-privileges=false", "no-new-privileges:true",
		"seccomp=builtin", "seccomp=", "apparmor=docker-default", "apparmor:my-profile", "apparmor=",
		"label=level:s0:c100,c200", "label:level:s0", "label=type:container_t", "label=type:container_engine_t",
		"label=filetype:container_file_t", "label=nested", "writable-cgroups=false",
		"invalid", // no separator: the daemon rejects it
	}
	for _, opt := range allowed {
		wantFields(t, opt, checkSecurityOpt, hc(container.HostConfig{SecurityOpt: []string{opt}}), policy.Default(), nil)
	}
	denied := map[string]string{
		"seccomp=unconfined":                         "every system call",
		"seccomp:unconfined":                         "every system call",
		`seccomp={"defaultAction":"SCMP_ACT_ALLOW"}`: "chosen by the client",
		`seccomp:{"defaultAction":"SCMP_ACT_ALLOW"}`: "chosen by the client",
		"seccomp=Unconfined":                         "chosen by the client",
		"apparmor=unconfined":                        "AppArmor confinement off",
		"apparmor:unconfined":                        "AppArmor confinement off",
		"apparmor=Unconfined":                        "AppArmor confinement off",
		"label=disable":                              "SELinux confinement off",
		"label:disable":                              "SELinux confinement off",
		"disable":                                    "SELinux confinement off",
		"label=type:spc_t":                           "spc_t is not a confined container type",
		"label:type:unconfined_t":                    "unconfined_t is not a confined container type",
		"label=user:system_u":                        "SELinux user",
		"label=role:system_r":                        "SELinux role",
		"label=bogus:x":                              "does not know SELinux label option",
		"writable-cgroups":                           "cgroup",
		"writable-cgroups=true":                      "cgroup",
		"writable-cgroups=maybe":                     "cgroup",
		"systempaths=unconfined":                     "unmasks",
		"Seccomp=unconfined":                         `does not know security option "Seccomp"`,
		"credentialspec=file://x":                    "does not know security option",
	}
	for opt, reason := range denied {
		f := checkSecurityOpt(hc(container.HostConfig{SecurityOpt: []string{"no-new-privileges", opt}}), policy.Default())
		if len(f) != 1 || f[0].Field != "HostConfig.SecurityOpt[1]" || f[0].Value != opt || !strings.Contains(f[0].Reason, reason) || f[0].Fix == "" {
			t.Errorf("%s: want one finding at HostConfig.SecurityOpt[1] with reason %q, got %+v", opt, reason, f)
		}
	}
	wantFields(t, "legacy top level", checkSecurityOpt, &Request{HostConfigs: []HostConfig{{HostConfig: &container.HostConfig{SecurityOpt: []string{"apparmor=unconfined"}}}}},
		policy.Default(), []string{"SecurityOpt[0]"})
}
