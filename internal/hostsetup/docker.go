package hostsetup

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// docker runs the docker CLI against one daemon.
type docker struct {
	bin  string
	host string
}

// cmdTimeout bounds one docker CLI call. It is long because a daemon whose
// authorization plugin does not answer retries it for about 30 s before it
// fails the request.
const cmdTimeout = 90 * time.Second

func (d docker) args(a ...string) []string {
	return append([]string{"--host", d.host}, a...)
}

func (d docker) String(a ...string) string {
	return d.bin + " " + strings.Join(d.args(a...), " ")
}

// run runs one docker command and returns its stdout. The error names the
// command and carries its stderr.
func (d docker) run(ctx context.Context, a ...string) (string, error) {
	stdout, _, err := d.run2(ctx, a...)
	return stdout, err
}

// run2 is run that also returns stderr.
func (d docker) run2(ctx context.Context, a ...string) (string, string, error) {
	ctx, cancel := context.WithTimeout(ctx, cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, d.bin, d.args(a...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		if ctx.Err() != nil {
			msg = fmt.Sprintf("no answer within %s (%s)", cmdTimeout, msg)
		}
		return stdout.String(), stderr.String(), fmt.Errorf("`%s` failed: %s", d.String(a...), msg)
	}
	return stdout.String(), stderr.String(), nil
}

// pluginRef is one line of `docker plugin ls`.
type pluginRef struct {
	ID      string
	Name    string
	Enabled bool
}

// findPlugin looks name up among the installed plugins ("ci-authz" and
// "ci-authz:latest" are the same plugin).
func (d docker) findPlugin(ctx context.Context, name string) (*pluginRef, error) {
	all, err := d.listPlugins(ctx)
	if err != nil {
		return nil, err
	}
	return lookup(all, name), nil
}

func lookup(all []pluginRef, name string) *pluginRef {
	for i := range all {
		if SamePlugin(all[i].Name, name) {
			return &all[i]
		}
	}
	return nil
}

// listPlugins lists the managed plugins.
func (d docker) listPlugins(ctx context.Context) ([]pluginRef, error) {
	out, err := d.run(ctx, "plugin", "ls", "--no-trunc", "--format", "{{.ID}}\t{{.Name}}\t{{.Enabled}}")
	if err != nil {
		return nil, err
	}
	var all []pluginRef
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) == 3 {
			all = append(all, pluginRef{ID: f[0], Name: f[1], Enabled: f[2] == "true"})
		}
	}
	return all, nil
}

// pluginInfo is the part of `docker plugin inspect` ci-authz uses.
type pluginInfo struct {
	ID      string `json:"Id"`
	Name    string
	Enabled bool
	Config  struct {
		Interface struct {
			Socket string
			Types  []string // "docker.authz/1.0"
		}
	}
	Settings struct {
		Mounts []struct{ Name, Source string }
		Env    []string
	}
}

// mountSource returns the host source of the plugin's mount name.
func (p *pluginInfo) mountSource(name string) string {
	for _, m := range p.Settings.Mounts {
		if m.Name == name {
			return m.Source
		}
	}
	return ""
}

func (d docker) inspectPlugin(ctx context.Context, ref string) (*pluginInfo, error) {
	out, err := d.run(ctx, "plugin", "inspect", "--format", "{{json .}}", ref)
	if err != nil {
		return nil, err
	}
	var p pluginInfo
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		return nil, fmt.Errorf("`%s`: unexpected output: %v", d.String("plugin", "inspect", ref), err)
	}
	if p.ID == "" || p.Config.Interface.Socket == "" {
		return nil, fmt.Errorf("`%s`: the plugin has no id or no socket", d.String("plugin", "inspect", ref))
	}
	return &p, nil
}

func (p *pluginInfo) isAuthz() bool {
	for _, t := range p.Config.Interface.Types {
		// prefix.capability/version
		t, _, _ = strings.Cut(t, "/")
		if i := strings.LastIndexByte(t, '.'); i >= 0 && t[i+1:] == "authz" {
			return true
		}
	}
	return false
}

// pingRequest is what the daemon sends the plugin for `GET /_ping`.
const pingRequest = `{"RequestMethod":"GET","RequestUri":"/_ping","RequestHeaders":{}}`

// ProbeImage is the image of the probe container create (see probeDaemon).
// The .invalid domain (RFC 2606) makes sure no such image exists, so the
// request can never create a container.
const ProbeImage = "ci-authz-probe.invalid/none:none"

// probeCreateRequest is what the daemon sends the plugin for the probe
// `docker create --privileged ProbeImage`.
var probeCreateRequest = func() string {
	body := `{"Image":"` + ProbeImage + `","HostConfig":{"Privileged":true}}`
	req, _ := json.Marshal(map[string]any{
		"RequestMethod":  "POST",
		"RequestUri":     "/v1.41/containers/create",
		"RequestHeaders": map[string]string{"Content-Type": "application/json", "Content-Length": strconv.Itoa(len(body))},
		"RequestBody":    []byte(body),
	})
	return string(req)
}()

// probePlugin asks the plugin listening on sock to authorize GET /_ping,
// exactly as dockerd would, and wants {"Allow":true}.
func probePlugin(ctx context.Context, sock string) error {
	allow, msg, err := askPlugin(ctx, sock, pingRequest)
	if err != nil {
		return err
	}
	if !allow {
		return errors.New("it denied GET /_ping: " + msg + " (check /etc/ci-authz/policy.yaml)")
	}
	return nil
}

// pluginDeniesProbe reports whether the plugin on sock denies the probe
// container create (it does in enforce mode with the privileged rule on).
func pluginDeniesProbe(ctx context.Context, sock string) (bool, error) {
	allow, _, err := askPlugin(ctx, sock, probeCreateRequest)
	return !allow, err
}

// askPlugin sends one AuthZReq to the plugin listening on sock.
func askPlugin(ctx context.Context, sock, request string) (allow bool, msg string, err error) {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
		DisableKeepAlives: true,
	}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 3 * time.Second}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://plugin/AuthZPlugin.AuthZReq", strings.NewReader(request))
	if err != nil {
		return false, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/vnd.docker.plugins.v1.2+json")
	resp, err := c.Do(req)
	if err != nil {
		return false, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return false, "", fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	var r struct {
		Allow bool
		Msg   string
		Err   string
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return false, "", fmt.Errorf("undecodable answer %q: %v", truncate(string(body), 200), err)
	}
	return r.Allow, r.Msg + r.Err, nil
}

// usage is whether the daemon consults the plugin.
type usage int

const (
	unknown usage = iota // cannot tell (the plugin would allow the probe, or another plugin denied it first)
	inUse
	notInUse
)

func (u usage) String() string {
	return [...]string{"unknown", "in use", "not in use"}[u]
}

// probeDaemon sends the daemon `docker create --pull never --privileged
// ProbeImage` and reads who answered. When the plugin denies that request
// (see pluginDeniesProbe), a denial by it proves the daemon consults it and
// "No such image" proves it does not. This is the only way to tell from the
// outside: `docker info` shows the authorization plugins dockerd started
// with, and a SIGHUP reload does not update it (moby daemon.Reload). The
// request cannot create anything: the image does not exist and the CLI is
// told not to pull.
func (d docker) probeDaemon(ctx context.Context, names []string) (usage, string, error) {
	stdout, stderr, err := d.run2(ctx, "create", "--pull", "never", "--privileged", ProbeImage)
	if err == nil { // cannot happen; never leave a container behind
		if id := strings.TrimSpace(stdout); id != "" {
			d.run(ctx, "rm", "-f", id)
		}
		return unknown, "", fmt.Errorf("`%s` created a container; is there an image %s?", d.String("create", "--privileged", ProbeImage), ProbeImage)
	}
	msg := strings.TrimSpace(stderr)
	const denied = "authorization denied by plugin "
	for _, n := range names {
		if strings.Contains(msg, denied+n+": ") {
			return inUse, msg, nil
		}
	}
	switch {
	case strings.Contains(msg, denied):
		return unknown, msg, nil
	case strings.Contains(msg, "No such image"):
		return notInUse, msg, nil
	}
	return unknown, msg, err
}
