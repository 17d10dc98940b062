//go:build e2e

package e2e

// Beyond the headline cases: exec, request shapes the daemon still honours,
// two-step ways to reach a socket, ordinary options that must not be denied,
// and endpoints ci-authz does not guard (recorded only).

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExecPrivileged(t *testing.T) {
	d, p := mustLegacy(t)
	name := uniq("exec")
	wantOK(t, d.docker("run", "-d", "--name", name, image, "sleep", "300"))
	defer d.docker("rm", "-f", name)
	wantDeniedCLI(t, d.docker("exec", "--privileged", name, "true"), p.name, "privileged")
	r := d.docker("exec", name, "echo", "exec-ok")
	wantOK(t, r)
	if r.stdout != "exec-ok\n" {
		t.Errorf("want exec-ok, got %q", r.stdout)
	}
	// Raw: lowercase key, chunked.
	c := d.rawAPI()
	body := `{"cmd":["true"],"privileged":true}`
	wantDeniedAPI(t, c.create(t, d.api+"/containers/"+name+"/exec", body), p.name, "privileged")
	wantDeniedAPI(t, c.do(t, rawReq{target: d.api + "/containers/" + name + "/exec", header: jsonHeader(), body: []byte(body), chunked: true}), p.name, "privileged")
}

// dockerd 20.10 still reads HostConfig fields at the top level of a create
// body (runconfig ContainerConfigWrapper) when "HostConfig" is absent.
func TestRawAPITopLevelHostConfig(t *testing.T) {
	d, p := mustLegacy(t)
	c := d.rawAPI()
	for rule, body := range map[string]string{
		"privileged":   fmt.Sprintf(`{"Image":%q,"Privileged":true}`, image),
		"hostSockets":  fmt.Sprintf(`{"Image":%q,"Binds":["/run:/h"]}`, image),
		"capabilities": fmt.Sprintf(`{"Image":%q,"CapAdd":["SYS_ADMIN"]}`, image),
	} {
		t.Run(rule, func(t *testing.T) {
			name := uniq("top")
			r := c.create(t, d.api+"/containers/create?name="+name, body)
			wantDeniedAPI(t, r, p.name, rule)
			if c.exists(t, d.api, name) {
				c.remove(t, d.api, name)
			}
		})
	}
}

// Ordinary options of CI jobs must pass the decoder and the checks.
func TestNoFalseDenyKitchenSink(t *testing.T) {
	d, p := mustLegacy(t)
	name := uniq("sink")
	r := d.docker("create", "--name", name,
		"-p", "127.0.0.1:18080:80", "-p", "8443:443/udp", "--expose", "9000",
		"--dns", "1.1.1.1", "--dns-search", "example.com", "--dns-option", "ndots:1",
		"--add-host", "db:10.0.0.2", "--add-host", "v6:fd00::1", "--hostname", "job",
		"-e", "A=1", "--label", "l=v", "--memory", "64m", "--cpus", "0.5", "--pids-limit", "64",
		"--ulimit", "nofile=1024:2048", "--tmpfs", "/t:size=1m", "--shm-size", "8m",
		"--user", "1000:1000", "--group-add", "100", "--workdir", "/tmp",
		"--health-cmd", "true", "--restart", "on-failure:2", "--log-opt", "max-size=1m",
		"--security-opt", "no-new-privileges", "--read-only", "--stop-signal", "SIGTERM",
		"--cap-drop", "NET_RAW", "--cap-add", "CHOWN", "--sysctl", "net.ipv4.tcp_syncookies=1",
		"--device-read-bps", "/dev/null:1mb", "--mount", "type=tmpfs,target=/cache",
		"--entrypoint", "sh", image, "-c", "true")
	if strings.Contains(r.stderr, deniedPrefix) {
		t.Fatalf("FALSE DENY of ordinary options: %s", r)
	}
	if r.code != 0 {
		t.Logf("daemon refused the create for its own reasons (not authz): %s", r)
	} else {
		d.docker("rm", "-f", name)
	}
	// ...and the same over the API with the network fields set explicitly.
	body := fmt.Sprintf(`{"Image":%q,"Cmd":["true"],"MacAddress":"","HostConfig":{"NetworkMode":"none","Dns":["8.8.8.8","2001:4860:4860::8888"],"PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}]},"ExtraHosts":["a:1.2.3.4"]},"NetworkingConfig":{"EndpointsConfig":{"none":{"IPAMConfig":{"IPv4Address":""},"Aliases":[]}}}}`, image)
	name2 := uniq("sink-api")
	rr := d.rawAPI().create(t, d.api+"/containers/create?name="+name2, body)
	if rr.status == http.StatusForbidden {
		t.Errorf("FALSE DENY: %s", rr)
	}
	if rr.status == http.StatusCreated {
		d.rawAPI().remove(t, d.api, name2)
	} else {
		t.Logf("daemon answer: %s", rr)
	}
	_ = p
}

// Two steps that each look harmless and together bind a socket directory.
// Each must be stopped at one of its steps; if both pass, the test proves
// the bypass by listing the host's /run/docker/plugins from a container.
func TestBypassNamedBindVolume(t *testing.T) {
	d, p := mustLegacy(t)
	vol := uniq("bindvol")
	r := d.docker("volume", "create", "--driver", "local", "--opt", "type=none", "--opt", "o=bind", "--opt", "device=/run", vol)
	if r.code != 0 {
		wantDeniedCLI(t, r, p.name, "")
		return
	}
	defer d.docker("volume", "rm", "-f", vol)
	t.Logf("step 1 allowed: `docker volume create --driver local --opt type=none --opt o=bind --opt device=/run %s`", vol)
	for _, args := range [][]string{
		{"-v", vol + ":/h:ro"},
		{"--mount", "type=volume,src=" + vol + ",dst=/h,readonly"},
	} {
		name := uniq("bindvol-c")
		cr := d.docker(append(append([]string{"create", "--name", name}, args...), image, "true")...)
		if cr.code != 0 {
			wantDeniedCLI(t, cr, p.name, "hostSockets")
			continue
		}
		d.docker("rm", "-f", name)
		run := d.docker(append(append([]string{"run", "--rm"}, args...), image, "ls", "/h/docker/plugins")...)
		if strings.Contains(run.stdout, p.name+".sock") {
			t.Errorf("BYPASS (hostSockets): a local volume with o=bind device=/run, then `docker run %s`, mounts the host's /run: the container lists %s.sock in /h/docker/plugins", strings.Join(args, " "), p.name)
		} else {
			t.Errorf("BYPASS (hostSockets): create with %v allowed on a bind volume of /run: %s", args, run)
		}
	}
}

func TestBypassSymlinkInBoundDir(t *testing.T) {
	d, p := mustLegacy(t)
	ws := filepath.Join(work, uniq("ws"))
	if err := os.MkdirAll(ws, 0o755); err != nil {
		t.Fatal(err)
	}
	// Step 1: an ordinary job with a workspace bind plants a symlink.
	wantOK(t, d.docker("run", "--rm", "-v", ws+":/ws", image, "ln", "-s", "/run", "/ws/link"))
	if tgt, err := os.Readlink(filepath.Join(ws, "link")); err != nil || tgt != "/run" {
		t.Fatalf("symlink not planted: %q %v", tgt, err)
	}
	// Step 2: bind the symlink; the kernel follows it on the host.
	src := ws + "/link"
	name := uniq("symlink")
	cr := d.docker("create", "--name", name, "-v", src+":/h:ro", image, "true")
	if cr.code != 0 {
		wantDeniedCLI(t, cr, p.name, "hostSockets")
		return
	}
	d.docker("rm", "-f", name)
	run := d.docker("run", "--rm", "-v", src+":/h:ro", image, "ls", "/h/docker/plugins")
	if strings.Contains(run.stdout, p.name+".sock") {
		t.Errorf("BYPASS (hostSockets): `docker run -v %s:/h` where %s -> /run (planted by an earlier allowed container through its workspace bind) mounts the host's /run; the container lists %s.sock", src, src, p.name)
	} else {
		t.Errorf("BYPASS (hostSockets): bind of a symlink to /run was allowed: %s", run)
	}
}

// Endpoints that change the daemon itself are denied by daemonAdmin.
// Requests are chosen so that one wrongly allowed fails harmlessly in the
// daemon.
func TestDaemonAdminEndpointsDenied(t *testing.T) {
	d, p := mustLegacy(t)
	c := d.rawAPI()
	for _, rq := range []rawReq{
		{target: d.api + "/plugins/" + uniq("nope") + "/disable"},
		{method: http.MethodDelete, target: d.api + "/plugins/" + uniq("nope")},
		{target: d.api + "/plugins/" + uniq("nope") + "/set", header: jsonHeader(), body: []byte(`["x.source=/run"]`)},
		{target: d.api + "/swarm/init", header: jsonHeader(), body: []byte(`{"ListenAddr":"not an address:::"}`)},
		{target: d.api + "/swarm/join", header: jsonHeader(), body: []byte(`{"ListenAddr":"not an address:::","RemoteAddrs":[]}`)},
	} {
		wantDeniedAPI(t, c.do(t, rq), p.name, "daemonAdmin")
	}
}

// dockerd 20.10 still applies a HostConfig sent with start for API < 1.24
// (daemon/start.go setHostConfig): a harmless create, then a privileged
// start, must be stopped at the start.
func TestRawAPIOldVersionStart(t *testing.T) {
	d, p := mustLegacy(t)
	c := d.rawAPI()
	name := uniq("oldstart")
	if r := c.create(t, d.api+"/containers/create?name="+name, fmt.Sprintf(`{"Image":%q,"Cmd":["true"]}`, image)); r.status != http.StatusCreated {
		t.Fatalf("plain create: %s", r)
	}
	defer c.remove(t, d.api, name)
	for _, rq := range []rawReq{
		{target: "/v1.23/containers/" + name + "/start", header: jsonHeader(), body: []byte(`{"Privileged":true,"Binds":["/run:/h"]}`)},
		{target: "/v1.23/containers/" + name + "/start", header: jsonHeader(), body: []byte(`{"Privileged":true}`), chunked: true},
		{target: "/v1.12/containers/" + name + "/start", header: jsonHeader(), body: []byte(`{"CapAdd":["SYS_ADMIN"]}`)},
	} {
		wantDeniedAPI(t, c.do(t, rq), p.name, "")
	}
}

// The host's PID namespace reaches host files and sockets through
// /proc/1/root without any bind: hostNamespaces denies it.
func TestHostPIDDenied(t *testing.T) {
	d, p := mustLegacy(t)
	r := d.docker("run", "--rm", "--pid", "host", image, "ls", "/proc/1/root/run/docker/plugins")
	wantDeniedCLI(t, r, p.name, "hostNamespaces", "HostConfig.PidMode=host")
	if strings.Contains(r.stdout, p.name+".sock") {
		t.Errorf("BYPASS (hostNamespaces): --pid host listed the host's plugin sockets: %s", r)
	}
}
