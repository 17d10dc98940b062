package checks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/volume"

	"github.com/ci-authz/ci-authz/internal/policy"
)

func TestSensitivePaths(t *testing.T) {
	binds := func(b ...string) *Request { return hc(container.HostConfig{Binds: b}) }
	cases := []struct {
		name string
		c    *Request
		want []string
	}{
		// allowed: ordinary CI binds
		{"workspace", binds("/builds/project:/builds/project"), nil},
		{"cache", binds("/srv/cache/go:/root/go:rw", "/var/cache/ci:/c", "/var/lib/ci-cache:/c2", "/tmp/x:/x"), nil},
		{"runner workspace under /home", binds("/home/runner/work:/__w", "/home/jenkins/agent/workspace/job:/ws"), nil},
		{"similar names", binds("/etcd-data:/d", "/rootfs-cache:/r", "/usr-local-cache:/u", "/var/lib/dockerhub:/d2", "/devices-data:/d3"), nil},
		{"named volume", binds("etc:/etc"), nil},
		{"localtime read-only", binds("/etc/localtime:/etc/localtime:ro"), nil},
		{"passwd and group read-only", binds("/etc/passwd:/etc/passwd:ro", "/etc/group:/etc/group:ro"), nil},
		{"passwd writable", binds("/etc/passwd:/etc/passwd"), []string{"HostConfig.Binds[0]"}},
		{"shadow read-only", binds("/etc/shadow:/etc/shadow:ro"), []string{"HostConfig.Binds[0]"}},
		{"CA certificates read-only (mount)", hc(container.HostConfig{Mounts: []mount.Mount{{Type: mount.TypeBind, Source: "/etc/ssl/certs", Target: "/etc/ssl/certs", ReadOnly: true}}}), nil},
		{"zoneinfo read-only with other options", binds("/usr/share/zoneinfo:/usr/share/zoneinfo:ro,rslave"), nil},
		// denied
		{"root", binds("/:/host"), []string{"HostConfig.Binds[0]"}},
		{"etc", binds("/etc:/h"), []string{"HostConfig.Binds[0]"}},
		{"cron.d", binds("/etc/cron.d:/c"), []string{"HostConfig.Binds[0]"}},
		{"shadow read-only", binds("/etc/shadow:/s:ro"), []string{"HostConfig.Binds[0]"}},
		{"localtime writable", binds("/etc/localtime:/etc/localtime"), []string{"HostConfig.Binds[0]"}},
		{"certs writable", binds("/etc/ssl/certs:/c:rw"), []string{"HostConfig.Binds[0]"}},
		{"ro in a mode word is not ro", binds("/etc/localtime:/l:z"), []string{"HostConfig.Binds[0]"}},
		{"root's home", binds("/root:/r:ro"), []string{"HostConfig.Binds[0]"}},
		{"ssh keys", binds("/home/ubuntu/.ssh:/k"), []string{"HostConfig.Binds[0]"}},
		{"bashrc", binds("/home/runner/.bashrc:/b"), []string{"HostConfig.Binds[0]"}},
		{"user bin", binds("/home/runner/bin:/b"), []string{"HostConfig.Binds[0]"}},
		{"a user's home", binds("/home/runner:/h"), []string{"HostConfig.Binds[0]"}},
		{"home", binds("/home:/h"), []string{"HostConfig.Binds[0]"}},
		{"docker data", binds("/var/lib/docker:/d"), []string{"HostConfig.Binds[0]"}},
		{"inside docker data", binds("/var/lib/docker/volumes/x/_data:/d"), []string{"HostConfig.Binds[0]"}},
		{"above docker data", binds("/var/lib:/d"), []string{"HostConfig.Binds[0]"}},
		{"containerd data", binds("/var/lib/containerd:/d"), []string{"HostConfig.Binds[0]"}},
		{"proc sys", binds("/proc/sys:/p"), []string{"HostConfig.Binds[0]"}},
		{"sys", binds("/sys/kernel:/k"), []string{"HostConfig.Binds[0]"}},
		{"dev shm", binds("/dev/shm:/dev/shm"), []string{"HostConfig.Binds[0]"}},
		{"disk", hc(container.HostConfig{Mounts: []mount.Mount{{Type: mount.TypeBind, Source: "/dev/sda", Target: "/d"}}}), []string{"HostConfig.Mounts[0].Source"}},
		{"boot", binds("/boot:/b:ro"), []string{"HostConfig.Binds[0]"}},
		{"usr bin", binds("/usr/bin:/b"), []string{"HostConfig.Binds[0]"}},
		{"usr local", binds("/usr/local/bin:/b"), []string{"HostConfig.Binds[0]"}},
		{"crontabs", binds("/var/spool/cron/crontabs:/c"), []string{"HostConfig.Binds[0]"}},
		{"systemd socket", binds("/run/systemd/private:/s"), []string{"HostConfig.Binds[0]"}},
		{"dbus via /var/run", binds("/var/run/dbus/system_bus_socket:/s"), []string{"HostConfig.Binds[0]"}},
		{"unclean", binds("/srv/../etc/./sudoers.d:/s"), []string{"HostConfig.Binds[0]"}},
		{"second", binds("/srv:/srv", "/etc:/e"), []string{"HostConfig.Binds[1]"}},
		{"inline local volume", hc(container.HostConfig{Mounts: []mount.Mount{{Type: mount.TypeVolume, Target: "/x", VolumeOptions: &mount.VolumeOptions{
			DriverConfig: &mount.Driver{Name: "local", Options: map[string]string{"type": "none", "o": "bind", "device": "/etc"}}}}}}),
			[]string{"HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options.device"}},
		{"volume create of a disk", &Request{Volume: &volume.CreateRequest{Driver: "local", DriverOpts: map[string]string{"type": "ext4", "device": "/dev/sda1"}}},
			[]string{"DriverOpts.device"}},
		{"volume create overlay of /", &Request{Volume: &volume.CreateRequest{Driver: "local", DriverOpts: map[string]string{"type": "overlay", "device": "overlay",
			"o": "lowerdir=/,upperdir=/srv/u,workdir=/srv/w"}}}, []string{"DriverOpts.o"}},
		{"volume of localtime is never read-only", &Request{Volume: &volume.CreateRequest{DriverOpts: map[string]string{"o": "bind", "device": "/etc/localtime"}}},
			[]string{"DriverOpts.device"}},
		{"volume create of a disk, relative", &Request{Volume: &volume.CreateRequest{DriverOpts: map[string]string{"type": "ext4", "device": "../../../dev/sda1"}}},
			[]string{"DriverOpts.device"}},
		{"volume create, relative bind", &Request{Volume: &volume.CreateRequest{DriverOpts: map[string]string{"o": "bind", "device": "etc"}}},
			[]string{"DriverOpts.device"}},
		{"legacy top level", &Request{HostConfigs: []HostConfig{{HostConfig: &container.HostConfig{Binds: []string{"/etc:/e"}}}}}, []string{"Binds[0]"}},
	}
	for _, c := range cases {
		wantFields(t, c.name, checkSensitivePaths, c.c, policy.Default(), c.want)
	}
	f := checkSensitivePaths(binds("/var/lib:/d"), policy.Default())
	if !strings.Contains(f[0].Reason, "/var/lib contains /var/lib/docker") {
		t.Errorf("message should name the protected path: %s", f[0].Reason)
	}
}

func TestSensitivePathsPolicy(t *testing.T) {
	p, err := policy.Parse([]byte(`rules:
  sensitivePaths:
    paths: [/etc, /home, /opt/agent]
    readOnly: [/etc/hosts]
    allowed: [/home/jenkins/workspace]
`), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	binds := func(b ...string) *Request { return hc(container.HostConfig{Binds: b}) }
	wantFields(t, "workspace allowed", checkSensitivePaths, binds("/home/jenkins/workspace/job:/w"), p, nil)
	wantFields(t, "above the workspace", checkSensitivePaths, binds("/home/jenkins:/w"), p, []string{"HostConfig.Binds[0]"})
	wantFields(t, "read-only entry", checkSensitivePaths, binds("/etc/hosts:/etc/hosts:ro"), p, nil)
	wantFields(t, "read-only entry, writable bind", checkSensitivePaths, binds("/etc/hosts:/etc/hosts"), p, []string{"HostConfig.Binds[0]"})
	wantFields(t, "default list replaced", checkSensitivePaths, binds("/usr/bin:/b"), p, nil)
	wantFields(t, "custom path", checkSensitivePaths, binds("/opt/agent/keys:/k"), p, []string{"HostConfig.Binds[0]"})

	allowAbove, err := policy.Parse([]byte("rules:\n  sensitivePaths:\n    allowed: [/var/lib]\n"), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	wantFields(t, "allowed never covers a directory above a protected one", checkSensitivePaths, binds("/var/lib:/v"), allowAbove, []string{"HostConfig.Binds[0]"})

	for _, bad := range []string{"etc", "/etc/[x"} {
		for _, key := range []string{"paths", "readOnly", "allowed"} {
			if _, err := policy.Parse([]byte("rules:\n  sensitivePaths:\n    "+key+": [\""+bad+"\"]\n"), "p.yaml"); err == nil || !strings.Contains(err.Error(), "rules.sensitivePaths."+key+"[0]") {
				t.Errorf("%s %q: want an error naming the entry, got %v", key, bad, err)
			}
		}
	}
}

func TestSensitivePathsFollowsSymlinks(t *testing.T) {
	root, with := fakeHostRoot(t, []string{"etc", "usr/share/zoneinfo/Etc", "builds/ws/data", "home/runner/work"}, map[string]string{
		"etc/localtime":         "/usr/share/zoneinfo/Etc/UTC",
		"builds/ws/etc":         "/etc",
		"builds/ws/ssh":         "/home/runner/.ssh",
		"builds/ws/loop":        "/builds/ws/loop",
		"home/runner/work/link": "/home/runner/work",
	})
	if err := os.WriteFile(filepath.Join(root, "usr/share/zoneinfo/Etc/UTC"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		r    *Request
		want []string
	}{
		{"localtime symlink into zoneinfo, read-only", with("/etc/localtime:/etc/localtime:ro"), nil},
		{"plain workspace", with("/builds/ws/data:/d"), nil},
		{"symlink inside the workspace", with("/home/runner/work/link:/w"), nil},
		{"symlink to /etc", with("/builds/ws/etc:/e"), []string{"HostConfig.Binds[0]"}},
		{"through a symlink", with("/builds/ws/etc/cron.d:/c"), []string{"HostConfig.Binds[0]"}},
		{"symlink to ssh keys", with("/builds/ws/ssh:/k:ro"), []string{"HostConfig.Binds[0]"}},
		{"loop", with("/builds/ws/loop:/l"), []string{"HostConfig.Binds[0]"}},
	}
	for _, c := range cases {
		wantFields(t, c.name, checkSensitivePaths, c.r, policy.Default(), c.want)
	}
	if f := checkSensitivePaths(with("/builds/ws/etc:/e"), policy.Default()); !strings.Contains(f[0].Reason, "is a symlink to /etc") {
		t.Errorf("message should name the target: %s", f[0].Reason)
	}
	if f := checkSensitivePaths(with("/builds/ws/loop:/l"), policy.Default()); f[0].Fix != unresolvedFix {
		t.Errorf("unresolvable: %+v", f[0])
	}
}
