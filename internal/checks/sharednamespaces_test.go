package checks

import (
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/ci-authz/ci-authz/internal/policy"
)

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
