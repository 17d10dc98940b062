package checks

import (
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/ci-authz/ci-authz/internal/policy"
)

func TestPrivileged(t *testing.T) {
	legacy := &Request{HostConfigs: []HostConfig{
		{Path: "HostConfig", HostConfig: &container.HostConfig{}},
		{Path: "", HostConfig: &container.HostConfig{Privileged: true}},
	}}
	cases := []struct {
		name string
		c    *Request
		want []string
	}{
		{"plain create", hc(container.HostConfig{}), nil},
		{"privileged create", hc(container.HostConfig{Privileged: true}), []string{"HostConfig.Privileged"}},
		{"legacy top-level Privileged", legacy, []string{"Privileged"}},
		{"exec", &Request{Exec: &container.ExecCreateRequest{Cmd: []string{"sh"}}}, nil},
		{"privileged exec", &Request{Exec: &container.ExecCreateRequest{Privileged: true}}, []string{"Privileged"}},
		{"caps are not privileged", hc(container.HostConfig{CapAdd: []string{"ALL"}}), nil},
	}
	for _, c := range cases {
		wantFields(t, c.name, checkPrivileged, c.c, policy.Default(), c.want)
	}
}
