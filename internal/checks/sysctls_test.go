package checks

import (
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/ci-authz/ci-authz/internal/policy"
)

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
