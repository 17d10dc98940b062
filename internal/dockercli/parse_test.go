package dockercli

import (
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
)

func words(s string) []string { return strings.Fields(s) }

func mustParse(t *testing.T, line string) *Command {
	t.Helper()
	c, err := Parse(words(line))
	if err != nil {
		t.Fatalf("Parse(%q): %v", line, err)
	}
	if c == nil {
		t.Fatalf("Parse(%q): no command", line)
	}
	return c
}

func hostConfig(c *Command) *container.HostConfig { return c.Request.HostConfigs[0].HostConfig }

func TestParseRunFlags(t *testing.T) {
	c := mustParse(t, "run --rm --privileged -itv /var/run/docker.sock:/var/run/docker.sock "+
		"--mount type=bind,src=/run,dst=/h --cap-add SYS_ADMIN --cap-add=NET_ADMIN --device /dev/fuse "+
		"--pid=host --net host --security-opt seccomp=unconfined --security-opt systempaths=unconfined "+
		"--sysctl net.ipv4.ip_forward=1 -v cache:/cache -v /data alpine sh -c 'docker ps --privileged'")
	hc := hostConfig(c)
	if c.Verb != "run" || c.Image != "alpine" {
		t.Fatalf("verb %q image %q", c.Verb, c.Image)
	}
	if !hc.Privileged {
		t.Error("Privileged not set")
	}
	if want := []string{"/var/run/docker.sock:/var/run/docker.sock", "cache:/cache"}; !reflect.DeepEqual(hc.Binds, want) {
		t.Errorf("Binds %q, want %q (an anonymous volume is not a bind)", hc.Binds, want)
	}
	if len(hc.Mounts) != 1 || hc.Mounts[0].Type != mount.TypeBind || hc.Mounts[0].Source != "/run" || hc.Mounts[0].Target != "/h" {
		t.Errorf("Mounts %+v", hc.Mounts)
	}
	if want := []string{"SYS_ADMIN", "NET_ADMIN"}; !reflect.DeepEqual(hc.CapAdd, want) {
		t.Errorf("CapAdd %q", hc.CapAdd)
	}
	if len(hc.Devices) != 1 || hc.Devices[0].PathOnHost != "/dev/fuse" || hc.Devices[0].CgroupPermissions != "rwm" {
		t.Errorf("Devices %+v", hc.Devices)
	}
	if hc.PidMode != "host" || hc.NetworkMode != "host" {
		t.Errorf("PidMode %q NetworkMode %q", hc.PidMode, hc.NetworkMode)
	}
	if want := []string{"seccomp=unconfined"}; !reflect.DeepEqual(hc.SecurityOpt, want) || hc.MaskedPaths == nil || len(hc.MaskedPaths) != 0 {
		t.Errorf("SecurityOpt %q MaskedPaths %#v", hc.SecurityOpt, hc.MaskedPaths)
	}
	if hc.Sysctls["net.ipv4.ip_forward"] != "1" {
		t.Errorf("Sysctls %v", hc.Sysctls)
	}
	args := words("run --rm --privileged -itv /var/run/docker.sock:/var/run/docker.sock " +
		"--mount type=bind,src=/run,dst=/h --cap-add SYS_ADMIN --cap-add=NET_ADMIN --device /dev/fuse " +
		"--pid=host --net host --security-opt seccomp=unconfined --security-opt systempaths=unconfined " +
		"--sysctl net.ipv4.ip_forward=1 -v cache:/cache")
	for field, word := range map[string]string{
		"HostConfig.Privileged":                  "--privileged",
		"HostConfig.Binds[0]":                    "-itv",
		"HostConfig.Mounts[0].Source":            "--mount",
		"HostConfig.CapAdd[0]":                   "--cap-add",
		"HostConfig.CapAdd[1]":                   "--cap-add=NET_ADMIN",
		"HostConfig.Devices[0].PathOnHost":       "--device",
		"HostConfig.PidMode":                     "--pid=host",
		"HostConfig.NetworkMode":                 "--net",
		"HostConfig.MaskedPaths":                 "--security-opt",
		"HostConfig.Sysctls.net.ipv4.ip_forward": "--sysctl",
		"HostConfig.Binds[1]":                    "-v",
	} {
		i, ok := c.Origin(field)
		if !ok || args[i] != word {
			t.Errorf("origin of %s: argument %d (%q), want %q", field, i, at(args, i), word)
		}
	}
	if i, _ := c.Origin("HostConfig.CapAdd[1]"); i != 9 {
		t.Errorf("second --cap-add is argument 9, got %d", i)
	}
	if i, _ := c.Origin("HostConfig.Binds[1]"); i != 21 {
		t.Errorf("the second -v is argument 21, got %d", i)
	}
}

func at(a []string, i int) string {
	if i < 0 || i >= len(a) {
		return "<out of range>"
	}
	return a[i]
}

func TestParseForms(t *testing.T) {
	cases := []struct {
		line  string
		check func(*Command) bool
	}{
		{"container run --privileged=true x", func(c *Command) bool { return hostConfig(c).Privileged }},
		{"run --privileged=false x", func(c *Command) bool { return !hostConfig(c).Privileged }},
		{"-H unix:///run/user/1000/docker.sock --log-level debug create --name j x", func(c *Command) bool {
			return c.Verb == "create" && len(c.Hosts) == 1 && c.Hosts[0].Value == "unix:///run/user/1000/docker.sock" && c.Hosts[0].Index == 0
		}},
		{"run x --privileged", func(c *Command) bool { return !hostConfig(c).Privileged }}, // an argument of the container's command
		{"run --use-api-socket x", func(c *Command) bool {
			m := hostConfig(c).Mounts
			return len(m) == 1 && m[0].Type == mount.TypeBind && m[0].Source == "/var/run/docker.sock"
		}},
		{"-H unix:///srv/d.sock run --use-api-socket x", func(c *Command) bool { return hostConfig(c).Mounts[0].Source == "/srv/d.sock" }},
		{"run --mount type=volume,dst=/x,volume-driver=local,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/run x", func(c *Command) bool {
			m := hostConfig(c).Mounts[0]
			return m.VolumeOptions.DriverConfig.Options["device"] == "/run" && m.VolumeOptions.DriverConfig.Name == "local"
		}},
		{"run --network name=host,alias=a x", func(c *Command) bool { return hostConfig(c).NetworkMode == "host" }},
		{"run --device vendor.com/gpu=all x", func(c *Command) bool { return hostConfig(c).DeviceRequests[0].Driver == "cdi" }},
		{"run --device /dev/sda:/dev/xvda:r x", func(c *Command) bool {
			d := hostConfig(c).Devices[0]
			return d.PathOnHost == "/dev/sda" && d.PathInContainer == "/dev/xvda" && d.CgroupPermissions == "r"
		}},
		{"run --mount type=bind,target=/x,unknown=1 -v ::: x", func(c *Command) bool { return len(c.Ignored) == 2 && len(hostConfig(c).Mounts) == 0 }},
		{"exec -it --privileged box sh", func(c *Command) bool { return c.Request.Exec != nil && c.Request.Exec.Privileged }},
		{"run -e A=1 --unknown-flag x", nil},
	}
	for _, tc := range cases {
		c, err := Parse(words(tc.line))
		if tc.check == nil {
			if err == nil {
				t.Errorf("%q: want an error", tc.line)
			}
			continue
		}
		if err != nil || c == nil || !tc.check(c) {
			t.Errorf("%q: got %+v, %v", tc.line, c, err)
		}
	}
	for _, line := range []string{"ps -a", "build --privileged .", "", "--version", "compose up"} {
		if c, err := Parse(words(line)); c != nil || err != nil {
			t.Errorf("%q creates nothing: got %+v, %v", line, c, err)
		}
	}
}

func TestParseCreateOptions(t *testing.T) {
	c, err := ParseCreateOptions(words("--privileged --cap-add SYS_ADMIN -v /var/run/docker.sock:/var/run/docker.sock"))
	if err != nil {
		t.Fatal(err)
	}
	hc := hostConfig(c)
	if !hc.Privileged || len(hc.CapAdd) != 1 || len(hc.Binds) != 1 {
		t.Fatalf("%+v", hc)
	}
	if i, _ := c.Origin("HostConfig.Binds[0]"); i != 3 {
		t.Fatalf("origin %d", i)
	}
}

func TestHasFieldPrefix(t *testing.T) {
	for _, c := range []struct {
		field, prefix string
		want          bool
	}{
		{"HostConfig.Binds[1]", "HostConfig.Binds[1]", true},
		{"HostConfig.Mounts[1].Source", "HostConfig.Mounts[1]", true},
		{"HostConfig.Binds[10]", "HostConfig.Binds[1]", false},
		{"HostConfig.PidModeX", "HostConfig.PidMode", false},
	} {
		if got := HasFieldPrefix(c.field, c.prefix); got != c.want {
			t.Errorf("HasFieldPrefix(%q, %q) = %v", c.field, c.prefix, got)
		}
	}
}

// TestFlagsMatchDockerHelp compares the copied flag tables with the flags
// the installed docker CLI lists, so that a flag taking a value is never
// read as a boolean (which would shift every later word).
func TestFlagsMatchDockerHelp(t *testing.T) {
	docker, err := exec.LookPath("docker")
	if err != nil {
		t.Skip("no docker CLI installed")
	}
	line := regexp.MustCompile(`^\s+(?:-(\w), )?--([a-z0-9-]+)(?: (\S+))?\s`)
	for cmd, defs := range map[string][]flagDef{"run": containerFlags, "create": containerFlags, "exec": execFlags} {
		out, err := exec.Command(docker, cmd, "--help").Output()
		if err != nil {
			t.Fatalf("docker %s --help: %v", cmd, err)
		}
		byName := map[string]flagDef{}
		for _, d := range defs {
			byName[d.name] = d
		}
		for _, l := range strings.Split(string(out), "\n") {
			m := line.FindStringSubmatch(l)
			if m == nil {
				continue
			}
			d, ok := byName[m[2]]
			if !ok {
				t.Errorf("docker %s has --%s, which ci-authz does not declare", cmd, m[2])
				continue
			}
			if d.short != m[1] || d.bool != (m[3] == "") {
				t.Errorf("docker %s --%s: shorthand %q bool %v, ci-authz has %q %v", cmd, m[2], m[1], m[3] == "", d.short, d.bool)
			}
		}
	}
}

func TestParseAdmin(t *testing.T) {
	for line, want := range map[string]string{
		"plugin disable ci-authz":                              "POST /plugins/ci-authz/disable",
		"plugin rm -f ci-authz:latest":                         "DELETE /plugins/ci-authz:latest",
		"plugin install --grant-all-permissions vieux/sshfs":   "POST /plugins/pull",
		"swarm init --advertise-addr 10.0.0.1":                 "POST /swarm/init",
		"service create --mount type=bind,src=/,dst=/h alpine": "POST /services/create",
		"stack deploy -c stack.yml app":                        "POST /services/create",
		"node promote worker1":                                 "POST /nodes/worker1/update",
	} {
		c := mustParse(t, line)
		if c.Request.AdminAction != want || c.Request.AdminFamily == "" {
			t.Errorf("%q: %q (%s), want %q", line, c.Request.AdminAction, c.Request.AdminFamily, want)
		}
		if i, ok := c.Origin("endpoint"); !ok || i != 1 {
			t.Errorf("%q: origin %d", line, i)
		}
	}
	for _, line := range []string{"plugin ls", "service ps web", "node ls", "stack rm app", "swarm"} {
		if c, err := Parse(words(line)); c != nil || err != nil {
			t.Errorf("%q administers nothing: %+v %v", line, c, err)
		}
	}
}
