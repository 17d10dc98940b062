package checks

import (
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/ci-authz/ci-authz/internal/policy"
)

func TestHostNamespaces(t *testing.T) {
	cases := []struct {
		name string
		c    *Request
		want []string
	}{
		// allowed
		{"defaults", hc(container.HostConfig{}), nil},
		{"private and shareable", hc(container.HostConfig{PidMode: "", IpcMode: "shareable", UTSMode: "", UsernsMode: "", CgroupnsMode: "private"}), nil},
		{"ipc private", hc(container.HostConfig{IpcMode: "private"}), nil},
		{"another container's", hc(container.HostConfig{PidMode: "container:db", IpcMode: "container:db"}), nil}, // sharedNamespaces
		{"host network is another rule", hc(container.HostConfig{NetworkMode: "host"}), nil},
		{"a container named host", hc(container.HostConfig{PidMode: "container:host"}), nil},
		// denied
		{"pid host", hc(container.HostConfig{PidMode: "host"}), []string{"HostConfig.PidMode"}},
		{"ipc host", hc(container.HostConfig{IpcMode: "host"}), []string{"HostConfig.IpcMode"}},
		{"uts host", hc(container.HostConfig{UTSMode: "host"}), []string{"HostConfig.UTSMode"}},
		{"userns host", hc(container.HostConfig{UsernsMode: "host"}), []string{"HostConfig.UsernsMode"}},
		{"cgroupns host", hc(container.HostConfig{CgroupnsMode: "host"}), []string{"HostConfig.CgroupnsMode"}},
		{"odd case", hc(container.HostConfig{PidMode: "HOST"}), []string{"HostConfig.PidMode"}},
		{"all of them", hc(container.HostConfig{PidMode: "host", IpcMode: "host", UTSMode: "host", UsernsMode: "host", CgroupnsMode: "host"}),
			[]string{"HostConfig.PidMode", "HostConfig.IpcMode", "HostConfig.UTSMode", "HostConfig.UsernsMode", "HostConfig.CgroupnsMode"}},
		{"legacy top level", &Request{HostConfigs: []HostConfig{{Path: "", HostConfig: &container.HostConfig{PidMode: "host"}}}}, []string{"PidMode"}},
	}
	for _, c := range cases {
		wantFields(t, c.name, checkHostNamespaces, c.c, policy.Default(), c.want)
	}
	f := checkHostNamespaces(hc(container.HostConfig{PidMode: "host"}), policy.Default())
	if !strings.Contains(f[0].Reason, "/proc/<pid>/root") || !strings.Contains(f[0].Fix, "--pid host") {
		t.Errorf("message: %+v", f[0])
	}
}
