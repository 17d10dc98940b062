package checks

import (
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/ci-authz/ci-authz/internal/policy"
)

func TestDeviceRequests(t *testing.T) {
	wantFields(t, "none", checkDeviceRequests, hc(container.HostConfig{}), policy.Default(), nil)
	gpus := hc(container.HostConfig{Resources: container.Resources{DeviceRequests: []container.DeviceRequest{{Count: -1, Capabilities: [][]string{{"gpu"}}}}}})
	wantFields(t, "--gpus all", checkDeviceRequests, gpus, policy.Default(), []string{"HostConfig.DeviceRequests[0]"})
	cdi := hc(container.HostConfig{Resources: container.Resources{DeviceRequests: []container.DeviceRequest{{Driver: "cdi", DeviceIDs: []string{"vendor.com/class=x"}}}}})
	f := checkDeviceRequests(cdi, policy.Default())
	if len(f) != 1 || !strings.Contains(f[0].Value, `driver="cdi"`) || !strings.Contains(f[0].Value, "vendor.com/class=x") {
		t.Errorf("value should say which driver and devices: %+v", f)
	}
}
