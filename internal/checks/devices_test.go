package checks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/ci-authz/ci-authz/internal/hostpath"
	"github.com/ci-authz/ci-authz/internal/policy"
)

func fusePolicy(t *testing.T) *policy.Policy {
	t.Helper()
	p, err := policy.Parse([]byte("rules:\n  devices:\n    allowed: [/dev/fuse, /dev/kvm/]\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDevices(t *testing.T) {
	dev := func(paths ...string) *Request {
		var ds []container.DeviceMapping
		for _, p := range paths {
			ds = append(ds, container.DeviceMapping{PathOnHost: p, PathInContainer: p, CgroupPermissions: "rwm"})
		}
		return hc(container.HostConfig{Resources: container.Resources{Devices: ds}})
	}
	cases := []struct {
		name string
		p    *policy.Policy
		c    *Request
		want []string
	}{
		{"no devices", policy.Default(), hc(container.HostConfig{}), nil},
		{"default allows none", policy.Default(), dev("/dev/fuse"), []string{"HostConfig.Devices[0].PathOnHost"}},
		{"allowed", fusePolicy(t), dev("/dev/fuse", "/dev/kvm"), nil},
		{"allowed, unclean spelling", fusePolicy(t), dev("/dev/./fuse"), nil},
		{"disk", fusePolicy(t), dev("/dev/sda"), []string{"HostConfig.Devices[0].PathOnHost"}},
		{"directory of every device", fusePolicy(t), dev("/dev"), []string{"HostConfig.Devices[0].PathOnHost"}},
		{"second", fusePolicy(t), dev("/dev/fuse", "/dev/mem"), []string{"HostConfig.Devices[1].PathOnHost"}},
		{"relative", fusePolicy(t), dev("fuse"), []string{"HostConfig.Devices[0].PathOnHost"}},
		{"empty", fusePolicy(t), dev(""), []string{"HostConfig.Devices[0].PathOnHost"}},
		{"legacy top level", fusePolicy(t), &Request{HostConfigs: []HostConfig{{HostConfig: &container.HostConfig{Resources: container.Resources{
			Devices: []container.DeviceMapping{{PathOnHost: "/dev/sda1"}}}}}}}, []string{"Devices[0].PathOnHost"}},
	}
	for _, c := range cases {
		wantFields(t, c.name, checkDevices, c.c, c.p, c.want)
	}
	f := checkDevices(dev("/dev/sda"), fusePolicy(t))
	if !strings.Contains(f[0].Fix, "/dev/fuse, /dev/kvm") {
		t.Errorf("fix should list the allowed devices: %s", f[0].Fix)
	}

	// An allowed name that is a symlink on the host is judged by its target.
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "dev"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/sda", filepath.Join(root, "dev", "fuse")); err != nil {
		t.Fatal(err)
	}
	r := dev("/dev/fuse")
	r.HostPaths = hostpath.Resolver{Root: root}
	wantFields(t, "allowed name, symlink to a disk", checkDevices, r, fusePolicy(t), []string{"HostConfig.Devices[0].PathOnHost"})
	r = dev("/dev/kvm")
	r.HostPaths = hostpath.Resolver{Root: root}
	wantFields(t, "allowed name, missing on this host", checkDevices, r, fusePolicy(t), nil)
}

func TestDevicesPolicy(t *testing.T) {
	for _, bad := range []string{"dev/fuse", "/dev/*", "/dev/sd[a-z]"} {
		if _, err := policy.Parse([]byte("rules:\n  devices:\n    allowed: [\""+bad+"\"]\n"), "p.yaml"); err == nil || !strings.Contains(err.Error(), "rules.devices.allowed[0]") {
			t.Errorf("%q: want an error naming rules.devices.allowed[0], got %v", bad, err)
		}
	}
}
