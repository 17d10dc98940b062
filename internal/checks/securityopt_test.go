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

func TestSystemPaths(t *testing.T) {
	cases := []struct {
		name string
		c    *Request
		want []string
	}{
		{"null keeps the defaults", hc(container.HostConfig{}), nil},
		{"empty masked", hc(container.HostConfig{MaskedPaths: []string{}}), []string{"HostConfig.MaskedPaths"}},
		{"empty readonly", hc(container.HostConfig{ReadonlyPaths: []string{}}), []string{"HostConfig.ReadonlyPaths"}},
		{"systempaths=unconfined", hc(container.HostConfig{MaskedPaths: []string{}, ReadonlyPaths: []string{}}), []string{"HostConfig.MaskedPaths", "HostConfig.ReadonlyPaths"}},
		{"a longer list still replaces", hc(container.HostConfig{MaskedPaths: []string{"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/sys/firmware", "/proc/scsi", "/extra"}}),
			[]string{"HostConfig.MaskedPaths"}},
		{"legacy top level", &Request{HostConfigs: []HostConfig{{HostConfig: &container.HostConfig{ReadonlyPaths: []string{}}}}}, []string{"ReadonlyPaths"}},
	}
	for _, c := range cases {
		wantFields(t, c.name, checkSystemPaths, c.c, policy.Default(), c.want)
	}
}

func TestSysctls(t *testing.T) {
	sys := func(kv ...string) *Request {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return hc(container.HostConfig{Sysctls: m})
	}
	cases := []struct {
		name string
		c    *Request
		want []string
	}{
		{"none", hc(container.HostConfig{}), nil},
		{"safe", sys("net.ipv4.tcp_syncookies", "1", "net.ipv4.ping_group_range", "0 2147483647", "kernel.shm_rmid_forced", "1"), nil},
		{"ipv6 off", sys("net.ipv6.conf.all.disable_ipv6", "1", "net.ipv6.conf.eth0.disable_ipv6", "1"), nil},
		{"ip_forward", sys("net.ipv4.ip_forward", "1"), []string{"HostConfig.Sysctls.net.ipv4.ip_forward"}},
		{"kernel shm limits", sys("kernel.shmmax", "1"), []string{"HostConfig.Sysctls.kernel.shmmax"}},
		{"slash spelling of a safe one", sys("net/ipv4/tcp_syncookies", "1"), []string{"HostConfig.Sysctls.net/ipv4/tcp_syncookies"}},
		{"empty part", sys("net.ipv4..tcp_syncookies", "1"), []string{"HostConfig.Sysctls.net.ipv4..tcp_syncookies"}},
		{"glob does not cross into other names", sys("net.ipv6.conf.all.forwarding", "1"), []string{"HostConfig.Sysctls.net.ipv6.conf.all.forwarding"}},
		{"sorted", sys("z.y", "1", "a.b", "1"), []string{"HostConfig.Sysctls.a.b", "HostConfig.Sysctls.z.y"}},
	}
	for _, c := range cases {
		wantFields(t, c.name, checkSysctls, c.c, policy.Default(), c.want)
	}
	p, err := policy.Parse([]byte("rules:\n  sysctls:\n    allowed: [net.ipv4.ip_forward, \"net.core.*\"]\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, "custom list", checkSysctls, sys("net.ipv4.ip_forward", "1", "net.core.somaxconn", "1024"), p, nil)
	wantFields(t, "custom list replaces the default", checkSysctls, sys("net.ipv4.tcp_syncookies", "1"), p, []string{"HostConfig.Sysctls.net.ipv4.tcp_syncookies"})
	for _, bad := range []string{"net/ipv4/x", "net..x", "", "net.[x"} {
		if _, err := policy.Parse([]byte("rules:\n  sysctls:\n    allowed: [\""+bad+"\"]\n"), "p.yaml"); err == nil || !strings.Contains(err.Error(), "rules.sysctls.allowed[0]") {
			t.Errorf("%q: want an error naming rules.sysctls.allowed[0], got %v", bad, err)
		}
	}
}
