package checks

import (
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/ci-authz/ci-authz/internal/policy"
)

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
