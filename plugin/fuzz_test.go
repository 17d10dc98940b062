package plugin

import (
	"encoding/json"
	"path"
	"strings"
	"testing"

	"github.com/docker/go-plugins-helpers/authorization"
	"github.com/moby/moby/api/types/container"

	"github.com/ci-authz/ci-authz/internal/capability"
	"github.com/ci-authz/ci-authz/internal/policy"
	"github.com/ci-authz/ci-authz/internal/route"
)

// FuzzDecide feeds arbitrary requests to the decision engine. Decide must
// never panic, and whenever it allows a container create, an independent
// reading of the body, done the way current daemons (CreateRequest) and
// legacy daemons (top-level HostConfig) do it, must find nothing the default
// policy forbids. The seed corpus is in testdata/fuzz/FuzzDecide.
func FuzzDecide(f *testing.F) {
	seeds := []struct{ method, uri, ctype, body string }{
		{"POST", "/v1.41/containers/create", "application/json", `{"Image":"busybox","HostConfig":{"Binds":["/srv:/srv"],"CapAdd":["CHOWN"]}}`},
		{"POST", "/v1.41/containers/create", "application/json", `{"image":"x","hostconfig":{"privileged":true}}`},
		{"POST", "/containers%2Fcreate", "application/json", `{"Image":"x","Privileged":true}`},
		{"POST", "/v1.41/containers/create", "application/json", `{"Image":"x","HostConfig":{"Mounts":[{"Type":"volume","VolumeOptions":{"DriverConfig":{"Options":{"device":"/run"}}}}]}}`},
		{"POST", "/v1.41/containers/create", "application/json; charset=utf-8", `{"Image":"x","HostConfig":{"CapAdd":["\u017fys_admin"]}}`},
		{"POST", "/v1.41/containers/abc/exec", "application/json", `{"Cmd":["sh"],"Privileged":true}`},
		{"POST", "http://h/v1.23/containers/abc/start", "application/json", `{"Privileged":true}`},
		{"POST", "/v1.41/containers/create", "application/json", `{"Image":"x","HostConfig":{"PidMode":"host","SecurityOpt":["seccomp:unconfined"],"MaskedPaths":[]}}`},
		{"POST", "/v1.41/containers/create", "application/json", `{"Image":"x","Devices":[{"PathOnHost":"/dev/sda"}],"Binds":["/etc:/e"]}`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.uri, s.ctype, []byte(s.body))
	}
	p := policy.Default()
	f.Fuzz(func(t *testing.T, method, uri, ctype string, body []byte) {
		req := &authorization.Request{
			RequestMethod:  method,
			RequestURI:     uri,
			RequestBody:    body,
			RequestHeaders: map[string]string{"Content-Type": ctype},
		}
		d := Decide(p, req)
		if !d.Allow && !strings.HasPrefix(d.Msg, "[") {
			t.Fatalf("deny message without a rule: %q", d.Msg)
		}
		if !d.Allow {
			return
		}
		ep, err := route.Identify(method, uri)
		if err != nil || ep.Kind != route.ContainerCreate {
			return
		}
		var modern container.CreateRequest
		if json.Unmarshal(body, &modern) == nil && modern.HostConfig != nil {
			assertHarmless(t, "HostConfig", modern.HostConfig)
		}
		var legacy container.HostConfig
		if json.Unmarshal(body, &legacy) == nil {
			assertHarmless(t, "top-level", &legacy)
		}
	})
}

// assertHarmless is a deliberately plain re-statement of the default policy.
func assertHarmless(t *testing.T, where string, hc *container.HostConfig) {
	t.Helper()
	if hc.Privileged {
		t.Fatalf("allowed a privileged create (%s)", where)
	}
	defaults := map[string]bool{}
	for _, c := range capability.Defaults {
		defaults[c] = true
	}
	for _, c := range hc.CapAdd {
		u := strings.ToUpper(c)
		if !strings.HasPrefix(u, "CAP_") {
			u = "CAP_" + u
		}
		if !defaults[u] {
			t.Fatalf("allowed CapAdd %q (%s)", c, where)
		}
	}
	var sources []string
	for _, b := range hc.Binds {
		if parts := strings.SplitN(b, ":", 4); len(parts) > 1 {
			sources = append(sources, parts[0])
		}
	}
	for _, m := range hc.Mounts {
		sources = append(sources, m.Source)
		if m.VolumeOptions != nil && m.VolumeOptions.DriverConfig != nil {
			sources = append(sources, m.VolumeOptions.DriverConfig.Options["device"])
		}
	}
	for _, s := range sources {
		if !path.IsAbs(s) {
			continue
		}
		c := path.Clean(s)
		switch c {
		case "/", "/var", "/run", "/var/run", "/run/docker.sock", "/var/run/docker.sock", "/proc", "/etc", "/root", "/var/lib/docker", "/dev", "/sys":
			t.Fatalf("allowed bind of %q (%s)", s, where)
		}
	}
	// The baseline's other container rules.
	for _, mode := range []string{string(hc.PidMode), string(hc.IpcMode), string(hc.UTSMode), string(hc.UsernsMode), string(hc.CgroupnsMode)} {
		if strings.EqualFold(mode, "host") {
			t.Fatalf("allowed a host namespace %q (%s)", mode, where)
		}
	}
	if len(hc.Devices) > 0 || len(hc.DeviceCgroupRules) > 0 || len(hc.DeviceRequests) > 0 {
		t.Fatalf("allowed devices (%s)", where)
	}
	if hc.MaskedPaths != nil || hc.ReadonlyPaths != nil {
		t.Fatalf("allowed MaskedPaths/ReadonlyPaths (%s)", where)
	}
	for _, o := range hc.SecurityOpt {
		if strings.Contains(o, "unconfined") || strings.Contains(o, "disable") {
			t.Fatalf("allowed security option %q (%s)", o, where)
		}
	}
	if hc.CgroupParent != "" || hc.Cgroup != "" || len(hc.Annotations) > 0 {
		t.Fatalf("allowed a cgroup or annotations (%s)", where)
	}
	if hc.Runtime != "" && hc.Runtime != "runc" && hc.Runtime != "io.containerd.runc.v2" {
		t.Fatalf("allowed runtime %q (%s)", hc.Runtime, where)
	}
}
