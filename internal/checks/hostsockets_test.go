package checks

import (
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/volume"

	"github.com/ci-authz/ci-authz/internal/hostpath"
	"github.com/ci-authz/ci-authz/internal/policy"
)

func TestHostSockets(t *testing.T) {
	binds := func(b ...string) *Request { return hc(container.HostConfig{Binds: b}) }
	mounts := func(m ...mount.Mount) *Request { return hc(container.HostConfig{Mounts: m}) }
	localBind := func(device string) mount.Mount {
		return mount.Mount{Type: mount.TypeVolume, Target: "/x", VolumeOptions: &mount.VolumeOptions{
			DriverConfig: &mount.Driver{Name: "local", Options: map[string]string{"type": "none", "o": "bind", "device": device}}}}
	}
	cases := []struct {
		name string
		c    *Request
		want []string
	}{
		// allowed
		{"no mounts", hc(container.HostConfig{}), nil},
		{"data bind", binds("/srv/ci/cache:/cache"), nil},
		{"named volume", binds("docker.sock:/var/run/docker.sock"), nil}, // relative: a volume name, not a host path
		{"anonymous volume", binds("/var/run/docker.sock"), nil},         // one part: a container path
		{"similar name", binds("/run/docker.socket:/s", "/var/running:/r", "/run/docker-data:/d"), nil},
		{"tmpfs mount", mounts(mount.Mount{Type: mount.TypeTmpfs, Target: "/run"}), nil},
		{"volume without options", mounts(mount.Mount{Type: mount.TypeVolume, Source: "cache", Target: "/c"}), nil},
		{"local volume bind of data", mounts(localBind("/srv/data")), nil},
		{"proc sys is not a magic link", binds("/proc/sys/kernel:/k:ro"), nil},
		{"volume create of data", &Request{Volume: &volume.CreateRequest{Driver: "local", DriverOpts: map[string]string{"type": "none", "o": "bind", "device": "/srv/data"}}}, nil},
		{"volume create tmpfs", &Request{Volume: &volume.CreateRequest{Driver: "local", DriverOpts: map[string]string{"type": "tmpfs", "device": "tmpfs", "o": "size=100m"}}}, nil},
		{"plain volume create", &Request{Volume: &volume.CreateRequest{Name: "cache"}}, nil},
		{"volume create overlay of data", &Request{Volume: &volume.CreateRequest{Driver: "local", DriverOpts: map[string]string{"type": "overlay", "device": "overlay",
			"o": "lowerdir=/srv/a:/srv/b,upperdir=/srv/u,workdir=/srv/w"}}}, nil},
		{"volume create nfs", &Request{Volume: &volume.CreateRequest{Driver: "local", DriverOpts: map[string]string{"type": "nfs", "device": ":/export", "o": "addr=10.0.0.1,rw"}}}, nil},
		// denied
		{"docker.sock", binds("/var/run/docker.sock:/var/run/docker.sock"), []string{"HostConfig.Binds[0]"}},
		{"run docker.sock", binds("/run/docker.sock:/d.sock:ro"), []string{"HostConfig.Binds[0]"}},
		{"unclean path", binds("//var/run/../run/./docker.sock:/d"), []string{"HostConfig.Binds[0]"}},
		{"trailing slash", binds("/var/run/docker.sock/:/d"), []string{"HostConfig.Binds[0]"}},
		{"dotdot from elsewhere", binds("/tmp/../var/run/docker.sock:/d"), []string{"HostConfig.Binds[0]"}},
		{"parent /var/run", binds("/var/run:/h"), []string{"HostConfig.Binds[0]"}},
		{"parent /run", binds("/run:/h"), []string{"HostConfig.Binds[0]"}},
		{"parent /var", binds("/var:/h"), []string{"HostConfig.Binds[0]"}},
		{"root", binds("/:/host"), []string{"HostConfig.Binds[0]"}},
		{"containerd socket", binds("/run/containerd/containerd.sock:/c"), []string{"HostConfig.Binds[0]"}},
		{"containerd dir", binds("/var/run/containerd:/c"), []string{"HostConfig.Binds[0]"}},
		{"inside containerd dir", binds("/run/containerd/s/0123:/c"), []string{"HostConfig.Binds[0]"}},
		{"dockerd exec-root containerd", binds("/var/run/docker/containerd/containerd.sock:/c"), []string{"HostConfig.Binds[0]"}},
		{"rootless socket", binds("/run/user/1000/docker.sock:/d"), []string{"HostConfig.Binds[0]"}},
		{"rootless dir", binds("/run/user/1000:/d"), []string{"HostConfig.Binds[0]"}},
		{"proc root", binds("/proc/1/root/run/docker.sock:/d"), []string{"HostConfig.Binds[0]"}},
		{"proc", binds("/proc:/hostproc"), []string{"HostConfig.Binds[0]"}},
		{"proc self", binds("/proc/self/root:/r"), []string{"HostConfig.Binds[0]"}},
		{"mode with propagation", binds("/run:/h:rshared"), []string{"HostConfig.Binds[0]"}},
		{"four parts (daemon rejects)", binds("/run:/h:ro:x"), []string{"HostConfig.Binds[0]"}},
		{"second of many", binds("/srv:/srv", "/var/run/docker.sock:/s"), []string{"HostConfig.Binds[1]"}},
		{"mount bind", mounts(mount.Mount{Type: mount.TypeBind, Source: "/var/run/docker.sock", Target: "/s"}), []string{"HostConfig.Mounts[0].Source"}},
		{"mount bind parent", mounts(mount.Mount{Type: mount.TypeBind, Source: "/var/run", Target: "/s"}), []string{"HostConfig.Mounts[0].Source"}},
		{"inline local volume bind", mounts(localBind("/var/run")), []string{"HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options.device"}},
		{"mount without a type still judged", mounts(mount.Mount{Source: "/var/run/docker.sock", Target: "/s"}), []string{"HostConfig.Mounts[0].Source"}},
		{"volume options on a mount of another type", mounts(mount.Mount{Type: "BIND", VolumeOptions: &mount.VolumeOptions{
			DriverConfig: &mount.Driver{Options: map[string]string{"device": "/"}}}}), []string{"HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options.device"}},
		{"inline volume odd case key", mounts(mount.Mount{Type: mount.TypeVolume, VolumeOptions: &mount.VolumeOptions{
			DriverConfig: &mount.Driver{Options: map[string]string{"Device": "/"}}}}), []string{"HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options.Device"}},
		{"both binds and mounts", &Request{HostConfigs: []HostConfig{{Path: "HostConfig", HostConfig: &container.HostConfig{
			Binds:  []string{"/run/docker.sock:/a"},
			Mounts: []mount.Mount{{Type: mount.TypeBind, Source: "/", Target: "/b"}},
		}}}}, []string{"HostConfig.Binds[0]", "HostConfig.Mounts[0].Source"}},
		{"volume create binding /run", &Request{Volume: &volume.CreateRequest{Driver: "local", DriverOpts: map[string]string{"type": "none", "o": "bind", "device": "/run"}}},
			[]string{"DriverOpts.device"}},
		{"volume create with default driver", &Request{Volume: &volume.CreateRequest{DriverOpts: map[string]string{"o": "bind", "device": "/var/run/docker.sock"}}},
			[]string{"DriverOpts.device"}},
		{"volume create overlay lower /run", &Request{Volume: &volume.CreateRequest{Driver: "local", DriverOpts: map[string]string{"type": "overlay", "device": "overlay",
			"o": "lowerdir=/srv/a:/var/run,upperdir=/srv/u,workdir=/srv/w"}}}, []string{"DriverOpts.o"}},
		{"inline overlay upperdir", mounts(mount.Mount{Type: mount.TypeVolume, Target: "/x", VolumeOptions: &mount.VolumeOptions{DriverConfig: &mount.Driver{Name: "local",
			Options: map[string]string{"type": "overlay", "device": "overlay", "o": "lowerdir=/srv/a,upperdir=/run/containerd,workdir=/srv/w"}}}}),
			[]string{"HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options.o"}},
		{"volume create, relative bind device", &Request{Volume: &volume.CreateRequest{Driver: "local", DriverOpts: map[string]string{"type": "none", "o": "bind", "device": "../../../../run"}}},
			[]string{"DriverOpts.device"}},
		{"volume create, relative rbind of anything", &Request{Volume: &volume.CreateRequest{DriverOpts: map[string]string{"type": "none", "o": "rbind,ro", "device": "data"}}},
			[]string{"DriverOpts.device"}},
		{"inline volume, relative overlay lowerdir", mounts(mount.Mount{Type: mount.TypeVolume, Target: "/x", VolumeOptions: &mount.VolumeOptions{DriverConfig: &mount.Driver{
			Options: map[string]string{"type": "overlay", "device": "overlay", "o": "lowerdir=run,upperdir=/srv/u,workdir=/srv/w"}}}}),
			[]string{"HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options.o"}},
		{"legacy top-level binds", &Request{HostConfigs: []HostConfig{{Path: "", HostConfig: &container.HostConfig{Binds: []string{"/:/h"}}}}}, []string{"Binds[0]"}},
	}
	for _, c := range cases {
		wantFields(t, c.name, checkHostSockets, c.c, policy.Default(), c.want)
	}
}

func TestHostSocketsMessage(t *testing.T) {
	f := checkHostSockets(hc(container.HostConfig{Binds: []string{"/var/run:/h"}}), policy.Default())
	if len(f) != 1 || !strings.Contains(f[0].Reason, "/run contains /run/docker.sock") || !strings.Contains(f[0].Fix, "BuildKit") {
		t.Fatalf("message should say which protected path and what to do: %+v", f)
	}
}

func TestHostSocketsCustomPaths(t *testing.T) {
	p, err := policy.Parse([]byte("rules:\n  hostSockets:\n    paths: [/srv/agent/agent.sock]\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, "custom denied", checkHostSockets, hc(container.HostConfig{Binds: []string{"/srv/agent:/a"}}), p, []string{"HostConfig.Binds[0]"})
	wantFields(t, "custom replaces default", checkHostSockets, hc(container.HostConfig{Binds: []string{"/run/containerd:/a"}}), p, nil)
	wantFields(t, "proc always denied", checkHostSockets, hc(container.HostConfig{Binds: []string{"/proc/1/root:/a"}}), p, []string{"HostConfig.Binds[0]"})
}

func TestHostSocketsFollowsSymlinks(t *testing.T) {
	root, with := fakeHostRoot(t, []string{"run", "builds/ws/data"}, map[string]string{
		"builds/ws/link": "/run",
		"builds/ws/sock": "/var/run/docker.sock",
		"builds/ws/loop": "/builds/ws/loop",
		"builds/ws/ok":   "/builds/ws/data",
	})
	cases := []struct {
		name string
		r    *Request
		want []string
	}{
		{"plain data dir", with("/builds/ws/data:/d"), nil},
		{"symlink to a data dir", with("/builds/ws/ok:/d"), nil},
		{"symlink to /run", with("/builds/ws/link:/h"), []string{"HostConfig.Binds[0]"}},
		{"path through a symlink", with("/builds/ws/link/containerd:/h"), []string{"HostConfig.Binds[0]"}},
		{"symlink to the socket", with("/builds/ws/sock:/s"), []string{"HostConfig.Binds[0]"}},
		{"symlink loop", with("/builds/ws/loop:/s"), []string{"HostConfig.Binds[0]"}},
		{"volume device through a symlink", &Request{HostPaths: hostpath.Resolver{Root: root},
			Volume: &volume.CreateRequest{DriverOpts: map[string]string{"o": "bind", "device": "/builds/ws/link"}}}, []string{"DriverOpts.device"}},
	}
	for _, c := range cases {
		wantFields(t, c.name, checkHostSockets, c.r, policy.Default(), c.want)
	}
	f := checkHostSockets(with("/builds/ws/link:/h"), policy.Default())
	if !strings.Contains(f[0].Reason, "is a symlink to /run") {
		t.Errorf("message should name the target: %s", f[0].Reason)
	}
	if got := checkHostSockets(hc(container.HostConfig{Binds: []string{"/builds/ws/link:/h"}}), policy.Default()); len(got) != 0 {
		t.Error("without a resolver, paths are judged as written")
	}
}

func TestHostSocketsRelativeVolumePaths(t *testing.T) {
	f := checkHostSockets(&Request{Volume: &volume.CreateRequest{DriverOpts: map[string]string{"o": "bind", "device": "x/y"}}}, policy.Default())
	if len(f) != 1 || !strings.Contains(f[0].Reason, "relative to its working directory") || f[0].Fix != unresolvedFix {
		t.Errorf("a relative bind device is refused with a reason: %+v", f)
	}
	// Non-bind names that are no paths stay allowed.
	for _, opts := range []map[string]string{
		{"type": "tmpfs", "device": "tmpfs", "o": "size=64m,uid=1000"},
		{"type": "nfs", "device": "server:/export", "o": "addr=10.0.0.1,nfsvers=4"},
		{"type": "cifs", "device": "//server/share", "o": "addr=10.0.0.1,username=ci"},
	} {
		wantFields(t, opts["type"], checkHostSockets, &Request{Volume: &volume.CreateRequest{DriverOpts: opts}}, policy.Default(), nil)
		wantFields(t, opts["type"], checkSensitivePaths, &Request{Volume: &volume.CreateRequest{DriverOpts: opts}}, policy.Default(), nil)
	}
}
