//go:build e2e

package e2e

// The main legacy-plugin daemon: ci-authz serve with the default policy on
// /run/docker/plugins/<name>.sock, one dockerd that uses it, and the cases
// seen through the real docker CLI and through raw API requests.

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	legacyOnce sync.Once
	legacyD    *daemon
	enforceP   *authzPlugin
	legacyErr  error
)

// legacyEnv starts (once) the enforcing plugin with the default policy, and
// the daemon "legacy" that uses it.
func legacyEnv() (*daemon, error) {
	legacyOnce.Do(func() {
		pol, err := defaultPolicy()
		if err != nil {
			legacyErr = err
			return
		}
		polFile := filepath.Join(work, "enforce-policy.yaml")
		if err := os.WriteFile(polFile, []byte(pol), 0o644); err != nil {
			legacyErr = err
			return
		}
		if enforceP, legacyErr = startPlugin(uniq("enforce"), polFile, nil); legacyErr != nil {
			return
		}
		legacyD, legacyErr = startDaemon("legacy", []string{enforceP.name})
	})
	return legacyD, legacyErr
}

func mustLegacy(t *testing.T) (*daemon, *authzPlugin) {
	t.Helper()
	d, err := legacyEnv()
	if err != nil {
		t.Fatalf("legacy daemon: %v", err)
	}
	dumpOnFailure(t, d, enforceP)
	return d, enforceP
}

func TestLegacyStartupLog(t *testing.T) {
	_, p := mustLegacy(t)
	e := p.waitLog(t, 0, 0, `"policy loaded"`, func(e logEntry) bool { return e.s("msg") == "policy loaded" })
	if e.s("policy") != p.policy || e.s("mode") != "enforce" || len(e.s("sha256")) != 64 {
		t.Errorf("startup line: want policy=%s mode=enforce and a sha256, got %v", p.policy, e)
	}
}

// The brief's headline cases through the real docker CLI.
func TestCLIDenied(t *testing.T) {
	d, p := mustLegacy(t)
	cases := []struct {
		name string
		args []string
		rule string
		subs []string
	}{
		{"privileged", []string{"--privileged"}, "privileged", []string{"HostConfig.Privileged=true", "BuildKit"}},
		{"docker.sock -v", []string{"-v", "/var/run/docker.sock:/var/run/docker.sock"}, "hostSockets", []string{"HostConfig.Binds[0]=/var/run/docker.sock:/var/run/docker.sock"}},
		{"docker.sock --mount", []string{"--mount", "type=bind,source=/var/run/docker.sock,target=/s"}, "hostSockets", []string{"HostConfig.Mounts[0].Source=/var/run/docker.sock"}},
		{"var-run dir", []string{"-v", "/var/run:/h"}, "hostSockets", []string{"/var/run:/h"}},
		{"host root", []string{"-v", "/:/h"}, "hostSockets", []string{"=/:/h"}},
		{"SYS_ADMIN", []string{"--cap-add", "SYS_ADMIN"}, "capabilities", []string{"HostConfig.CapAdd[0]=", "SYS_ADMIN"}},
		{"ALL", []string{"--cap-add", "ALL"}, "capabilities", []string{"HostConfig.CapAdd[0]=", "ALL"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := uniq("cli-" + strings.NewReplacer("/", "", " ", "-", ".", "").Replace(c.name))
			args := append(append([]string{"run", "--rm", "--name", name}, c.args...), image, "true")
			r := d.docker(args...)
			wantDeniedCLI(t, r, p.name, c.rule, c.subs...)
			if strings.Contains(r.stderr, "Instead") == false && !strings.Contains(r.stderr, "instead") {
				t.Errorf("deny message says nothing about what to do instead: %s", r.stderr)
			}
			if d.rawAPI().exists(t, d.api, name) {
				t.Errorf("container %s exists although its create was denied", name)
				d.rawAPI().remove(t, d.api, name)
			}
		})
	}
	// The decision is logged with the fields the brief fixes.
	e := p.waitLog(t, 0, 0, "deny/privileged", decisionIs("deny", "privileged"))
	for _, k := range []string{"field", "value", "method", "uri", "image", "container"} {
		if e.s(k) == "" {
			t.Errorf("deny log line lacks %q: %v", k, e)
		}
	}
	if e.s("field") != "HostConfig.Privileged" || e.s("image") != image || e.s("method") != "POST" {
		t.Errorf("deny log line: want field HostConfig.Privileged, image %s, method POST: %v", image, e)
	}
}

// Legitimate runs are allowed and really run.
func TestCLIAllowedRuns(t *testing.T) {
	d, _ := mustLegacy(t)
	t.Run("plain", func(t *testing.T) {
		r := d.docker("run", "--rm", image, "true")
		wantOK(t, r)
		r = d.docker("run", "--rm", image, "echo", "hello from ci-authz e2e")
		wantOK(t, r)
		if strings.TrimSpace(r.stdout) != "hello from ci-authz e2e" {
			t.Errorf("want the echo back, got %q", r.stdout)
		}
	})
	t.Run("data bind", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "in.txt"), []byte("payload-42\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		r := d.docker("run", "--rm", "-v", dir+":/data", image, "sh", "-c", "cat /data/in.txt && echo written > /data/out.txt")
		wantOK(t, r)
		if strings.TrimSpace(r.stdout) != "payload-42" {
			t.Errorf("want payload-42 from the bind mount, got %q", r.stdout)
		}
		if got := readFile(filepath.Join(dir, "out.txt")); strings.TrimSpace(got) != "written" {
			t.Errorf("container did not write through the bind mount: %q", got)
		}
		r = d.docker("run", "--rm", "--mount", "type=bind,source="+dir+",target=/data,readonly", image, "cat", "/data/in.txt")
		wantOK(t, r)
		if strings.TrimSpace(r.stdout) != "payload-42" {
			t.Errorf("--mount bind: want payload-42, got %q", r.stdout)
		}
	})
	t.Run("cap-add CHOWN", func(t *testing.T) {
		r := d.docker("run", "--rm", "--cap-add", "CHOWN", image, "sh", "-c", "touch /tmp/f && chown 1:1 /tmp/f && stat -c %u /tmp/f")
		wantOK(t, r)
		if strings.TrimSpace(r.stdout) != "1" {
			t.Errorf("want uid 1 after chown, got %q", r.stdout)
		}
		// Docker's default set, spelled the other ways the daemon accepts.
		wantOK(t, d.docker("run", "--rm", "--cap-add", "cap_net_bind_service", "--cap-add", "kill", image, "true"))
		// Dropping is always fine.
		wantOK(t, d.docker("run", "--rm", "--cap-drop", "ALL", image, "true"))
	})
	t.Run("named volume", func(t *testing.T) {
		vol := uniq("vol")
		r := d.docker("run", "--rm", "-v", vol+":/v", image, "sh", "-c", "echo ok > /v/f && cat /v/f")
		wantOK(t, r)
		if strings.TrimSpace(r.stdout) != "ok" {
			t.Errorf("want ok, got %q", r.stdout)
		}
		d.docker("volume", "rm", vol)
	})
}

// Edge spellings through the real CLI that the daemon turns into the same
// privilege (create only: nothing here is started).
func TestCLIDeniedSpellings(t *testing.T) {
	d, p := mustLegacy(t)
	cases := []struct {
		name string
		args []string
		rule string
	}{
		{"cap lowercase", []string{"--cap-add", "sys_admin"}, "capabilities"},
		{"cap CAP_ prefix mixed case", []string{"--cap-add", "Cap_Sys_Admin"}, "capabilities"},
		{"cap long s", []string{"--cap-add", "ſys_admin"}, "capabilities"}, // U+017F: strings.ToUpper makes it SYS_ADMIN
		{"cap all lowercase", []string{"--cap-add", "all"}, "capabilities"},
		{"cap second of two", []string{"--cap-add", "CHOWN", "--cap-add", "NET_ADMIN"}, "capabilities"},
		{"/run/docker.sock", []string{"-v", "/run/docker.sock:/s"}, "hostSockets"},
		{"unclean path", []string{"-v", "//var/run/../run/./docker.sock:/s"}, "hostSockets"},
		{"sock ro", []string{"-v", "/var/run/docker.sock:/s:ro"}, "hostSockets"},
		{"/run", []string{"-v", "/run:/h"}, "hostSockets"},
		{"/var", []string{"-v", "/var:/h"}, "hostSockets"},
		{"/run/containerd", []string{"-v", "/run/containerd:/h"}, "hostSockets"},
		{"inside /run/containerd", []string{"--mount", "type=bind,source=/run/containerd/containerd.sock,target=/h"}, "hostSockets"},
		{"/var/run/containerd", []string{"-v", "/var/run/containerd:/h"}, "hostSockets"},
		{"/run/docker (plugins)", []string{"-v", "/run/docker/plugins:/h"}, "hostSockets"},
		{"mount second", []string{"--mount", "type=tmpfs,target=/t", "--mount", "type=bind,src=/var/run,dst=/h"}, "hostSockets"},
		{"local volume o=bind", []string{"--mount", "type=volume,dst=/h,volume-driver=local,volume-opt=type=none,volume-opt=o=bind,volume-opt=device=/var/run"}, "hostSockets"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := uniq("sp")
			args := append(append([]string{"create", "--name", name}, c.args...), image, "true")
			r := d.docker(args...)
			wantDeniedCLI(t, r, p.name, c.rule)
			if r.code == 0 {
				d.rawAPI().remove(t, d.api, name)
			}
		})
	}
}

// Binds near, but not at, the sensitive paths must stay allowed (false
// denies break CI jobs). Create only: a Binds source that does not exist
// would be created on the host at start.
func TestCLINoFalseDeny(t *testing.T) {
	d, _ := mustLegacy(t)
	for _, src := range []string{"/var/runner-cache", "/run-data", "/var/lib/ci-cache", "/tmp"} {
		t.Run(src, func(t *testing.T) {
			_, statErr := os.Stat(src)
			name := uniq("nf")
			r := d.docker("create", "--name", name, "-v", src+":/h", image, "true")
			wantOK(t, r)
			d.rawAPI().remove(t, d.api, name)
			if os.IsNotExist(statErr) {
				os.Remove(src) // only if empty and only if we made it appear
			}
		})
	}
}

// Raw API requests with bodies the docker CLI would never send.
func TestRawAPIDenied(t *testing.T) {
	d, p := mustLegacy(t)
	c := d.rawAPI()
	create := d.api + "/containers/create"
	priv := fmt.Sprintf(`{"Image":%q,"Cmd":["true"],"HostConfig":{"Privileged":true}}`, image)

	// Sanity: the same client creates a harmless container.
	t.Run("sanity allowed", func(t *testing.T) {
		name := uniq("raw-ok")
		r := c.create(t, create+"?name="+name, fmt.Sprintf(`{"Image":%q,"Cmd":["true"]}`, image))
		if r.status != http.StatusCreated {
			t.Fatalf("want 201 for a plain create, got %s", r)
		}
		c.remove(t, d.api, name)
	})

	pad := func(n int) string { return strings.Repeat("A", n) }
	cases := []struct {
		name string
		req  rawReq
		rule string
	}{
		{"lowercase keys", rawReq{target: create, header: jsonHeader(), body: []byte(fmt.Sprintf(`{"image":%q,"hostconfig":{"privileged":true}}`, image))}, "privileged"},
		{"uppercase keys", rawReq{target: create, header: jsonHeader(), body: []byte(fmt.Sprintf(`{"IMAGE":%q,"HOSTCONFIG":{"PRIVILEGED":true}}`, image))}, "privileged"},
		{"chunked body", rawReq{target: create, header: jsonHeader(), body: []byte(priv), chunked: true}, "privileged"},
		{"empty body", rawReq{target: create, header: jsonHeader()}, "malformedRequest"},
		{"empty body no content-type", rawReq{target: create}, "malformedRequest"},
		{"text/plain content-type", rawReq{target: create, header: http.Header{"Content-Type": {"text/plain"}}, body: []byte(priv)}, "malformedRequest"},
		{"truncated JSON", rawReq{target: create, header: jsonHeader(), body: []byte(priv[:len(priv)-5])}, "malformedRequest"},
		{"trailing second object", rawReq{target: create, header: jsonHeader(), body: []byte(fmt.Sprintf(`{"Image":%q} {"HostConfig":{"Privileged":true}}`, image))}, "malformedRequest"},
		{"JSON array", rawReq{target: create, header: jsonHeader(), body: []byte(`[` + priv + `]`)}, "malformedRequest"},
		{"json;charset", rawReq{target: create, header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, body: []byte(priv)}, "privileged"},
		{"two content-types json first", rawReq{target: create, header: http.Header{"Content-Type": {"application/json", "text/plain"}}, body: []byte(priv)}, ""},
		{"encoded slash", rawReq{target: d.api + "/containers%2Fcreate", header: jsonHeader(), body: []byte(priv)}, "privileged"},
		{"encoded letter", rawReq{target: d.api + "/%63ontainers/create", header: jsonHeader(), body: []byte(priv)}, "privileged"},
		{"no version", rawReq{target: "/containers/create?name=" + uniq("nv"), header: jsonHeader(), body: []byte(priv)}, "privileged"},
		{"absolute-form", rawReq{target: "//evil" + create, header: jsonHeader(), body: []byte(priv)}, "privileged"},
		{"duplicate HostConfig", rawReq{target: create, header: jsonHeader(), body: []byte(fmt.Sprintf(`{"Image":%q,"HostConfig":{"Privileged":false},"HostConfig":{"Privileged":true}}`, image))}, "privileged"},
		{"duplicate Privileged", rawReq{target: create, header: jsonHeader(), body: []byte(fmt.Sprintf(`{"Image":%q,"HostConfig":{"Privileged":true,"Privileged":false,"privileged":true}}`, image))}, "privileged"},
		{"merged HostConfig", rawReq{target: create, header: jsonHeader(), body: []byte(fmt.Sprintf(`{"Image":%q,"HostConfig":{"Privileged":true},"HostConfig":{"Binds":[]}}`, image))}, "privileged"},
		{"unicode-folded Binds", rawReq{target: create, header: jsonHeader(), body: []byte(fmt.Sprintf(`{"Image":%q,"HostConfig":{"Bindſ":["/var/run/docker.sock:/s"]}}`, image))}, "hostSockets"},
		{"unicode-folded Mounts", rawReq{target: create, header: jsonHeader(), body: []byte(fmt.Sprintf(`{"Image":%q,"HostConfig":{"Mountſ":[{"Type":"bind","Source":"/run","Target":"/h"}]}}`, image))}, "hostSockets"},
		{"cap dotless i", rawReq{target: create, header: jsonHeader(), body: []byte(fmt.Sprintf(`{"Image":%q,"HostConfig":{"CapAdd":["sys_admın"]}}`, image))}, "capabilities"},
		{"padded 1.1MiB Env", rawReq{target: create, header: jsonHeader(), body: []byte(fmt.Sprintf(`{"Image":%q,"Env":["PAD=%s"],"HostConfig":{"Privileged":true}}`, image, pad(1100*1024)))}, ""},
		{"padded 1.1MiB whitespace", rawReq{target: create, header: jsonHeader(), body: []byte(fmt.Sprintf(`{"Image":%q,%s"HostConfig":{"Privileged":true}}`, image, strings.Repeat(" ", 1100*1024)))}, ""},
		{"padded 1.1MiB chunked", rawReq{target: create, header: jsonHeader(), chunked: true, body: []byte(fmt.Sprintf(`{"Image":%q,"Labels":{"pad":"%s"},"HostConfig":{"Binds":["/var/run/docker.sock:/s"]}}`, image, pad(1100*1024)))}, ""},
		{"just under 1MiB", rawReq{target: create, header: jsonHeader(), body: []byte(fmt.Sprintf(`{"Image":%q,"Env":["PAD=%s"],"HostConfig":{"Privileged":true}}`, image, pad(1<<20-200)))}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := uniq("raw")
			req := tc.req
			if !strings.Contains(req.target, "?") {
				req.target += "?name=" + name
			} else {
				name = req.target[strings.Index(req.target, "name=")+5:]
			}
			r := c.do(t, req)
			wantDeniedAPI(t, r, p.name, tc.rule)
			if c.exists(t, d.api, name) {
				t.Errorf("BYPASS: container %s was created by %s", name, r)
				c.remove(t, d.api, name)
			}
		})
	}
}
