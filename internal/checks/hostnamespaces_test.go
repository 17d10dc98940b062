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

func TestHostNetwork(t *testing.T) {
	cases := []struct {
		name string
		c    *Request
		want []string
	}{
		{"default", hc(container.HostConfig{NetworkMode: "default"}), nil},
		{"bridge", hc(container.HostConfig{NetworkMode: "bridge"}), nil},
		{"none", hc(container.HostConfig{NetworkMode: "none"}), nil},
		{"user-defined", hc(container.HostConfig{NetworkMode: "ci-net"}), nil},
		{"a network named hostnet", hc(container.HostConfig{NetworkMode: "hostnet"}), nil},
		{"host", hc(container.HostConfig{NetworkMode: "host"}), []string{"HostConfig.NetworkMode"}},
		{"Host", hc(container.HostConfig{NetworkMode: "Host"}), []string{"HostConfig.NetworkMode"}},
		{"legacy top level", &Request{HostConfigs: []HostConfig{{HostConfig: &container.HostConfig{NetworkMode: "host"}}}}, []string{"NetworkMode"}},
	}
	for _, c := range cases {
		wantFields(t, c.name, checkHostNetwork, c.c, policy.Default(), c.want)
	}
}

func TestSharedNamespaces(t *testing.T) {
	cases := []struct {
		name string
		c    *Request
		want []string
	}{
		{"defaults", hc(container.HostConfig{}), nil},
		{"host is another rule", hc(container.HostConfig{PidMode: "host", NetworkMode: "host"}), nil},
		{"shareable ipc", hc(container.HostConfig{IpcMode: "shareable"}), nil},
		{"network named like a mode", hc(container.HostConfig{NetworkMode: "containers"}), nil},
		{"pid of another", hc(container.HostConfig{PidMode: "container:job2"}), []string{"HostConfig.PidMode"}},
		{"ipc of another", hc(container.HostConfig{IpcMode: "container:job2"}), []string{"HostConfig.IpcMode"}},
		{"network of another", hc(container.HostConfig{NetworkMode: "container:0123abcd"}), []string{"HostConfig.NetworkMode"}},
		{"odd case", hc(container.HostConfig{NetworkMode: "Container:x"}), []string{"HostConfig.NetworkMode"}},
	}
	for _, c := range cases {
		wantFields(t, c.name, checkSharedNamespaces, c.c, policy.Default(), c.want)
	}
}

func TestBuildNetworkMode(t *testing.T) {
	build := func(mode string) *Request { return &Request{Build: &BuildOptions{NetworkMode: mode}} }
	wantFields(t, "default", checkHostNetwork, build(""), policy.Default(), nil)
	wantFields(t, "bridge", checkHostNetwork, build("bridge"), policy.Default(), nil)
	wantFields(t, "host", checkHostNetwork, build("host"), policy.Default(), []string{"networkmode"})
	wantFields(t, "HOST", checkHostNetwork, build("HOST"), policy.Default(), []string{"networkmode"})
	wantFields(t, "host is not shared", checkSharedNamespaces, build("host"), policy.Default(), nil)
	wantFields(t, "container", checkSharedNamespaces, build("container:job2"), policy.Default(), []string{"networkmode"})
}
