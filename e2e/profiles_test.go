//go:build e2e

package e2e

// The baseline and restricted profiles against the real daemon: every
// container-create door through the real docker CLI, what ordinary jobs
// need, volumes/create, container update, classic build, and the
// restricted profile (with its metrics) on a second plugin the daemon is
// switched to.

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The baseline profile (the default policy) denies each door at create.
func TestBaselineDeniesCLI(t *testing.T) {
	d, p := mustLegacy(t)
	cases := []struct {
		name string
		args []string
		rule string
		subs []string
	}{
		{"pid host", []string{"--pid", "host"}, "hostNamespaces", []string{"HostConfig.PidMode=host", "drop --pid host"}},
		{"ipc host", []string{"--ipc", "host"}, "hostNamespaces", []string{"HostConfig.IpcMode=host"}},
		{"uts host", []string{"--uts", "host"}, "hostNamespaces", []string{"HostConfig.UTSMode=host"}},
		{"userns host", []string{"--userns", "host"}, "hostNamespaces", []string{"HostConfig.UsernsMode=host"}},
		{"cgroupns host", []string{"--cgroupns", "host"}, "hostNamespaces", []string{"HostConfig.CgroupnsMode=host"}},
		{"device", []string{"--device", "/dev/mem"}, "devices", []string{"HostConfig.Devices[0].PathOnHost=/dev/mem"}},
		{"device cgroup rule", []string{"--device-cgroup-rule", "b 8:* rwm"}, "deviceCgroupRules", []string{"MKNOD"}},
		{"gpus", []string{"--gpus", "all"}, "deviceRequests", nil},
		{"seccomp unconfined", []string{"--security-opt", "seccomp=unconfined"}, "securityOpt", []string{"seccomp=unconfined"}},
		{"seccomp legacy separator", []string{"--security-opt", "seccomp:unconfined"}, "securityOpt", nil},
		{"apparmor unconfined", []string{"--security-opt", "apparmor=unconfined"}, "securityOpt", nil},
		{"label disable", []string{"--security-opt", "label=disable"}, "securityOpt", nil},
		{"label:disable", []string{"--security-opt", "label:disable"}, "securityOpt", nil},
		{"systempaths unconfined", []string{"--security-opt", "systempaths=unconfined"}, "systemPaths", []string{"HostConfig.MaskedPaths"}},
		{"sysctl", []string{"--sysctl", "kernel.shmmax=1"}, "sysctls", []string{"kernel.shmmax"}},
		{"cgroup parent", []string{"--cgroup-parent", "/"}, "cgroups", nil},
		{"runtime", []string{"--runtime", "io.containerd.evil.v1"}, "runtime", nil},
		{"etc", []string{"-v", "/etc:/h"}, "sensitivePaths", []string{"HostConfig.Binds[0]=/etc:/h"}},
		{"root ssh keys read-only", []string{"-v", "/root/.ssh:/k:ro"}, "sensitivePaths", nil},
		{"usr bin mount", []string{"--mount", "type=bind,src=/usr/bin,dst=/b"}, "sensitivePaths", []string{"HostConfig.Mounts[0].Source=/usr/bin"}},
		{"docker data", []string{"-v", "/var/lib/docker:/d"}, "sensitivePaths", nil},
		{"var lib", []string{"-v", "/var/lib:/d"}, "sensitivePaths", []string{"contains /var/lib/docker"}},
		{"localtime writable", []string{"-v", "/etc/localtime:/etc/localtime"}, "sensitivePaths", nil},
		{"local volume of /etc", []string{"--mount", "type=volume,dst=/h,volume-driver=local,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/etc"}, "sensitivePaths", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := uniq("bl")
			r := d.docker(append(append([]string{"create", "--name", name}, c.args...), image, "true")...)
			wantDeniedCLI(t, r, p.name, c.rule, append(c.subs, "Instead:")...)
			if r.code == 0 {
				d.rawAPI().remove(t, d.api, name)
			}
		})
	}
}

// What ordinary jobs need passes the baseline, and really runs.
func TestBaselineAllowsCLI(t *testing.T) {
	d, _ := mustLegacy(t)
	t.Run("host network", func(t *testing.T) {
		wantOK(t, d.docker("run", "--rm", "--network", "host", image, "true"))
	})
	t.Run("volumes-from", func(t *testing.T) {
		base, vol := uniq("vf-base"), uniq("vf-vol")
		wantOK(t, d.docker("create", "--name", base, "-v", vol+":/cache", image, "true"))
		defer d.docker("rm", "-f", "-v", base)
		defer d.docker("volume", "rm", "-f", vol)
		wantOK(t, d.docker("run", "--rm", "--volumes-from", base, image, "sh", "-c", "echo ok > /cache/f && cat /cache/f"))
	})
	t.Run("localtime read-only", func(t *testing.T) {
		if _, err := os.Stat("/etc/localtime"); err != nil {
			t.Skip("no /etc/localtime on this host") // a missing Binds source would be created
		}
		wantOK(t, d.docker("run", "--rm", "-v", "/etc/localtime:/etc/localtime:ro", image, "true"))
	})
	t.Run("safe options", func(t *testing.T) {
		name := uniq("safe")
		r := d.docker("create", "--name", name, "--init", "--ulimit", "nofile=1024:2048", "--tmpfs", "/t", "-e", "CI=true", "--label", "job=1",
			"--sysctl", "net.ipv4.ping_group_range=0 0", "--security-opt", "no-new-privileges=false", "--runtime", "runc", image, "true")
		wantOK(t, r)
		d.docker("rm", "-f", name)
	})
	t.Run("workspace under home", func(t *testing.T) {
		src := "/home/" + uniq("ws") + "/work"
		name := uniq("home")
		wantOK(t, d.docker("create", "--name", name, "-v", src+":/w", image, "true")) // create only: nothing is made on the host
		d.docker("rm", "-f", name)
		os.RemoveAll(filepath.Dir(src)) // in case a daemon made it
	})
}

// POST /volumes/create: volumes that a later create would mount by name,
// where their options are invisible, are judged when they are made.
func TestVolumeCreate(t *testing.T) {
	d, p := mustLegacy(t)
	lower := filepath.Join(work, uniq("ovl"))
	for _, dir := range []string{"u", "w"} {
		if err := os.MkdirAll(filepath.Join(lower, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	denied := []struct {
		name string
		opts []string
		rule string
	}{
		{"bind of /etc", []string{"type=none", "o=bind", "device=/etc"}, "sensitivePaths"},
		{"raw disk", []string{"type=ext4", "device=/dev/sda1"}, "sensitivePaths"},
		// mount(2) resolves a relative device against dockerd's working
		// directory: without this rule this volume mounts the host's /run.
		{"relative bind of /run", []string{"type=none", "o=bind", "device=" + strings.Repeat("../", 20) + "run"}, "hostSockets"},
		{"relative overlay lowerdir", []string{"type=overlay", "device=overlay", "o=lowerdir=" + strings.Repeat("../", 20) + "etc,upperdir=" + lower + "/u,workdir=" + lower + "/w"}, "sensitivePaths"},
		{"overlay over /run", []string{"type=overlay", "device=overlay", "o=lowerdir=/run,upperdir=" + lower + "/u,workdir=" + lower + "/w"}, "hostSockets"},
		{"overlay over /", []string{"type=overlay", "device=overlay", "o=lowerdir=/,upperdir=" + lower + "/u,workdir=" + lower + "/w"}, "hostSockets"},
	}
	for _, c := range denied {
		t.Run(c.name, func(t *testing.T) {
			vol := uniq("vc")
			args := []string{"volume", "create", "--driver", "local"}
			for _, o := range c.opts {
				args = append(args, "--opt", o)
			}
			r := d.docker(append(args, vol)...)
			wantDeniedCLI(t, r, p.name, c.rule)
			if r.code == 0 {
				d.docker("volume", "rm", "-f", vol)
			}
		})
	}
	t.Run("tmpfs and plain volumes", func(t *testing.T) {
		for _, opts := range [][]string{nil, {"--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=10m"}} {
			vol := uniq("vc-ok")
			wantOK(t, d.docker(append(append([]string{"volume", "create", "--driver", "local"}, opts...), vol)...))
			wantOK(t, d.docker("run", "--rm", "-v", vol+":/v", image, "true"))
			d.docker("volume", "rm", "-f", vol)
		}
	})
}

// POST /containers/{id}/update: limits pass, resources that widen access
// and unreadable bodies do not.
func TestContainerUpdate(t *testing.T) {
	d, p := mustLegacy(t)
	name := uniq("upd")
	wantOK(t, d.docker("run", "-d", "--name", name, image, "sleep", "300"))
	defer d.docker("rm", "-f", name)
	if r := d.docker("update", "--restart", "on-failure:2", name); strings.Contains(r.stderr, deniedPrefix) {
		t.Errorf("FALSE DENY of docker update: %s", r)
	}
	c := d.rawAPI()
	target := d.api + "/containers/" + name + "/update"
	wantDeniedAPI(t, c.create(t, target, `{"Devices":[{"PathOnHost":"/dev/mem","PathInContainer":"/dev/mem","CgroupPermissions":"rwm"}]}`), p.name, "devices")
	wantDeniedAPI(t, c.create(t, target, `{"CgroupParent":"/"}`), p.name, "cgroups")
	wantDeniedAPI(t, c.do(t, rawReq{target: target, header: jsonHeader(), body: []byte(`{"devicecgrouprules":["a *:* rwm"]}`), chunked: true}), p.name, "deviceCgroupRules")
	wantDeniedAPI(t, c.create(t, target, ``), p.name, "malformedRequest")
}

// buildContext is a tar with a Dockerfile.
func buildContext(t *testing.T, dockerfile string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile)), ModTime: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write([]byte(dockerfile)); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Classic POST /build: its options come from the query, and a form body
// (which the daemon would read options from) is refused.
func TestClassicBuild(t *testing.T) {
	d, p := mustLegacy(t)
	c := d.rawAPI()
	ctx := buildContext(t, "FROM "+image+"\nLABEL ci-authz-e2e=1\n")
	tarHeader := http.Header{"Content-Type": {"application/x-tar"}}
	tag := uniq("build")
	r := c.do(t, rawReq{target: d.api + "/build?t=" + tag + "&networkmode=none", header: tarHeader, body: ctx})
	if r.status != http.StatusOK || strings.Contains(r.body, deniedPrefix) {
		t.Errorf("plain classic build: %s", r)
	}
	d.docker("rmi", "-f", tag)
	wantDeniedAPI(t, c.do(t, rawReq{target: d.api + "/build?cgroupparent=/", header: tarHeader, body: ctx}), p.name, "cgroups", "cgroupparent=/")
	wantDeniedAPI(t, c.do(t, rawReq{target: d.api + "/build", header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		body: []byte("remote=http://127.0.0.1:1/ctx.tar&cgroupparent=/")}), p.name, "malformedRequest", "form body")
}

// The restricted profile, on a second plugin with metrics on a unix socket.
func TestRestrictedProfile(t *testing.T) {
	d, _ := mustLegacy(t)
	f := policyFile(t, "restricted", "profile: restricted\n")
	msock := filepath.Join(work, uniq("metrics")+".sock")
	rp, err := startPlugin(uniq("restricted"), f, nil, "--metrics", "unix://"+msock)
	if err != nil {
		t.Fatal(err)
	}
	dumpOnFailure(t, d, rp)
	if e := rp.waitLog(t, 0, 10*time.Second, `"policy loaded"`, isLoaded); e.s("profile") != "restricted" {
		t.Errorf("startup line should name the profile: %v", e)
	}
	d.setAuthz(t, rp.name)
	d.restoreAuthz(t, enforceP.name)

	// Ordinary jobs still run.
	wantOK(t, d.docker("run", "--rm", image, "true"))
	name := uniq("rs")
	wantOK(t, d.docker("run", "-d", "--name", name, image, "sleep", "300"))
	defer d.docker("rm", "-f", name)
	wantOK(t, d.docker("exec", name, "true"))
	wantOK(t, d.docker("ps"))
	wantOK(t, d.docker("logs", name))
	wantOK(t, d.docker("images"))
	vol := uniq("rs-vol")
	wantOK(t, d.docker("volume", "create", vol))
	wantOK(t, d.docker("volume", "rm", vol))

	// What restricted adds to baseline.
	wantDeniedCLI(t, d.docker("create", "--network", "host", image, "true"), rp.name, "hostNetwork", "HostConfig.NetworkMode=host")
	wantDeniedCLI(t, d.docker("create", "--volumes-from", name, image, "true"), rp.name, "volumesFrom")
	wantDeniedCLI(t, d.docker("create", "--pid", "container:"+name, image, "true"), rp.name, "sharedNamespaces")
	c := d.rawAPI()
	upgrade := http.Header{"Connection": {"Upgrade"}, "Upgrade": {"h2c"}}
	wantDeniedAPI(t, c.do(t, rawReq{target: d.api + "/grpc", header: upgrade}), rp.name, "buildkit", "endpoint=POST /grpc")
	wantDeniedAPI(t, c.do(t, rawReq{target: "/session", header: upgrade}), rp.name, "buildkit")
	ctx := buildContext(t, "FROM "+image+"\n")
	wantDeniedAPI(t, c.do(t, rawReq{target: d.api + "/build?networkmode=host", header: http.Header{"Content-Type": {"application/x-tar"}}, body: ctx}), rp.name, "hostNetwork")
	// A request that matches none of the daemon's routes never reaches a
	// plugin: the daemon answers 404 itself (so unknownEndpoints is about
	// routes of newer daemons, covered by unit tests).
	n := rp.count(func(e logEntry) bool { return e.s("rule") == "unknownEndpoints" })
	if r := c.create(t, d.api+"/containers/"+name+"/snapshot", `{}`); r.status != http.StatusNotFound {
		t.Errorf("a request to no route: want the daemon's 404, got %s", r)
	}
	if rp.count(func(e logEntry) bool { return e.s("rule") == "unknownEndpoints" }) != n {
		t.Errorf("the plugin was asked about a request that matches no route")
	}

	// Metrics saw the decisions and the policy load.
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var dl net.Dialer
		return dl.DialContext(ctx, "unix", msock)
	}}}
	resp, err := hc.Get("http://metrics/metrics")
	if err != nil {
		t.Fatalf("metrics on %s: %v", msock, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`ci_authz_decisions_total{result="deny",rule="hostNetwork"}`,
		`ci_authz_decisions_total{result="deny",rule="buildkit"} 2`,
		`ci_authz_requests_total{result="allow"}`,
		`ci_authz_policy_reloads_total{result="success"} 1`,
		`profile="restricted"`,
		"ci_authz_decision_duration_seconds_count",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %q:\n%s", want, grepLines(string(b), "ci_authz_"))
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// Services in a single-node swarm: the administrator creates the swarm (here
// with a policy that allows daemonAdmin for that moment), then jobs under
// the default policy cannot create services, whose tasks would start
// without asking any authorization plugin.
func TestSwarmServicesDenied(t *testing.T) {
	d, _ := mustLegacy(t)
	f := policyFile(t, "swarm-admin", "rules:\n  daemonAdmin: {action: allow}\n")
	sp, err := startPlugin(uniq("swarm"), f, nil)
	if err != nil {
		t.Fatal(err)
	}
	dumpOnFailure(t, d, sp)
	d.setAuthz(t, sp.name)
	d.restoreAuthz(t, enforceP.name)
	lport, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	dport, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	if r := d.docker("swarm", "init", "--advertise-addr", "127.0.0.1", "--listen-addr", fmt.Sprintf("127.0.0.1:%d", lport), "--data-path-port", fmt.Sprint(dport)); r.code != 0 {
		t.Fatalf("swarm init with daemonAdmin allowed: %s", r)
	}
	defer func() {
		if r := d.docker("swarm", "leave", "--force"); r.code != 0 {
			t.Errorf("swarm leave (a harmless endpoint): %s", r)
		}
	}()

	def := mustDefaultPolicy(t)
	writeAtomic(t, f, def)
	sp.waitLog(t, 0, 15*time.Second, `"policy reloaded" of the default`, func(e logEntry) bool {
		return e.s("msg") == "policy reloaded" && e.s("sha256") == sha(def)
	})
	svc := uniq("svc")
	r := d.docker("service", "create", "--detach", "--name", svc, "--restart-condition", "none",
		"--mount", "type=bind,src=/run,dst=/h,readonly", "--cap-add", "SYS_ADMIN", image, "true")
	wantDeniedCLI(t, r, sp.name, "daemonAdmin", "swarm tasks")
	if r.code == 0 {
		d.docker("service", "rm", svc)
	}
	plain := d.docker("service", "create", "--detach", "--name", svc, image, "true")
	wantDeniedCLI(t, plain, sp.name, "daemonAdmin")
	if plain.code == 0 {
		d.docker("service", "rm", svc)
	}
	wantDeniedCLI(t, d.docker("swarm", "update", "--task-history-limit", "3"), sp.name, "daemonAdmin")
	wantOK(t, d.docker("service", "ls"))
	wantOK(t, d.docker("node", "ls"))
}

// A classic build whose request repeats Content-Type, a form type first:
// the daemon parses the first (Header.Get), plugins are told the last.
// Recorded, not asserted: it shows whether the daemon reads build options
// from a body no plugin sees (README: Not covered).
func TestBuildRepeatedContentTypeRecorded(t *testing.T) {
	d, p := mustLegacy(t)
	r := d.rawAPI().do(t, rawReq{target: d.api + "/build", header: http.Header{"Content-Type": {"application/x-www-form-urlencoded", "application/x-tar"}},
		body: []byte("remote=http://127.0.0.1:1/ctx.tar")})
	switch {
	case strings.Contains(r.body, deniedPrefix):
		t.Logf("RECORD: denied: %s", r)
	case strings.Contains(r.body, "127.0.0.1:1"):
		t.Logf("FINDING: the daemon read remote= from a form body while %s was told application/x-tar: %s", p.name, r)
	default:
		t.Logf("RECORD: the daemon did not read the form body: %s", r)
	}
}
