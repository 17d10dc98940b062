package checks

import (
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/ci-authz/ci-authz/internal/policy"
)

func TestDeviceCgroupRules(t *testing.T) {
	wantFields(t, "none", checkDeviceCgroupRules, hc(container.HostConfig{}), policy.Default(), nil)
	wantFields(t, "empty list", checkDeviceCgroupRules, hc(container.HostConfig{Resources: container.Resources{DeviceCgroupRules: []string{}}}), policy.Default(), nil)
	wantFields(t, "block devices", checkDeviceCgroupRules, hc(container.HostConfig{Resources: container.Resources{DeviceCgroupRules: []string{"c 10:229 rwm", "b 8:* rwm"}}}),
		policy.Default(), []string{"HostConfig.DeviceCgroupRules[0]", "HostConfig.DeviceCgroupRules[1]"})
	f := checkDeviceCgroupRules(hc(container.HostConfig{Resources: container.Resources{DeviceCgroupRules: []string{"a *:* rwm"}}}), policy.Default())
	if len(f) != 1 || f[0].Value != "a *:* rwm" || !strings.Contains(f[0].Reason, "MKNOD") {
		t.Errorf("message: %+v", f)
	}
}
