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
		return stdout.String(), fmt.Errorf("`%s` failed: %s", d.String(a...), msg)
	}
	return stdout.String(), nil
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
	out, err := d.run(ctx, "plugin", "ls", "--no-trunc", "--format", "{{.ID}}\t{{.Name}}\t{{.Enabled}}")
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 3 {
			continue
		}
		if SamePlugin(f[1], name) {
			return &pluginRef{ID: f[0], Name: f[1], Enabled: f[2] == "true"}, nil
		}
	}
	return nil, nil
}

// pluginInfo is the part of `docker plugin inspect` ci-authz uses.
type pluginInfo struct {
	ID      string `json:"Id"`
	Name    string
	Enabled bool
	Config  struct {
		Interface struct {
			Socket string
			Types  []struct{ Prefix, Capability, Version string }
		}
	}
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
		if t.Capability == "authz" {
			return true
		}
	}
	return false
}

// authzPlugins returns the authorization plugins the running daemon uses.
func (d docker) authzPlugins(ctx context.Context) ([]string, error) {
	out, err := d.run(ctx, "info", "--format", "{{json .Plugins.Authorization}}")
	if err != nil {
		return nil, err
	}
	var names []string
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &names); err != nil {
		return nil, fmt.Errorf("`%s`: unexpected output %q: %v", d.String("info"), strings.TrimSpace(out), err)
	}
	return names, nil
}

// probeRequest is what the daemon would send for `GET /_ping`.
const probeRequest = `{"RequestMethod":"GET","RequestUri":"/_ping","RequestHeaders":{}}`

// probePlugin asks the plugin listening on sock to authorize GET /_ping,
// exactly as dockerd would, and wants {"Allow":true}.
func probePlugin(ctx context.Context, sock string) error {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
		DisableKeepAlives: true,
	}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 3 * time.Second}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://plugin/AuthZPlugin.AuthZReq", strings.NewReader(probeRequest))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/vnd.docker.plugins.v1.2+json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	var r struct {
		Allow bool
		Msg   string
		Err   string
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("undecodable answer %q: %v", truncate(string(body), 200), err)
	}
	if !r.Allow {
		return errors.New("it denied GET /_ping: " + r.Msg + r.Err + " (check /etc/ci-authz/policy.yaml)")
	}
	return nil
}
