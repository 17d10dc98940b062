package checks

import (
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/ci-authz/ci-authz/internal/policy"
)

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

func TestBuildNetworkMode(t *testing.T) {
	build := func(mode string) *Request { return &Request{Build: &BuildOptions{NetworkMode: mode}} }
	wantFields(t, "default", checkHostNetwork, build(""), policy.Default(), nil)
	wantFields(t, "bridge", checkHostNetwork, build("bridge"), policy.Default(), nil)
	wantFields(t, "host", checkHostNetwork, build("host"), policy.Default(), []string{"networkmode"})
	wantFields(t, "HOST", checkHostNetwork, build("HOST"), policy.Default(), []string{"networkmode"})
	wantFields(t, "host is not shared", checkSharedNamespaces, build("host"), policy.Default(), nil)
	wantFields(t, "container", checkSharedNamespaces, build("container:job2"), policy.Default(), []string{"networkmode"})
}
