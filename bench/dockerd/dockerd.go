// Package dockerd runs a private Docker daemon for the benchmark, the way
// the end-to-end suite does (e2e/harness_test.go): its own data-root,
// exec-root, socket and config, no bridge, no iptables, stopped by PID, and
// everything it leaves (mounts, shims) removed with its directory.
package dockerd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ci-authz/ci-authz/bench/load"
	"github.com/ci-authz/ci-authz/internal/testhost"
)

// Daemon is a running private dockerd.
type Daemon struct {
	Dir     string
	Socket  string
	API     string // "/v1.41"
	Version string // "20.10.24+dfsg1"
	cfgFile string
	logFile string
	cfg     map[string]any
	cmd     *exec.Cmd
	done    chan struct{}
	client  *http.Client
}

// Start starts dockerd in dir (created; it must be unique to this run) and
// waits until it answers /_ping.
func Start(dir string) (*Daemon, error) {
	if err := os.MkdirAll(dir, 0o711); err != nil {
		return nil, err
	}
	d := &Daemon{
		Dir:     dir,
		Socket:  filepath.Join(dir, "docker.sock"),
		cfgFile: filepath.Join(dir, "daemon.json"),
		logFile: filepath.Join(dir, "dockerd.log"),
		cfg:     map[string]any{"bridge": "none", "iptables": false},
		done:    make(chan struct{}),
	}
	d.client = load.UnixClient(d.Socket, time.Minute)
	if err := d.writeConfig(); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(d.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	d.cmd = exec.Command("dockerd",
		"--config-file", d.cfgFile,
		"--data-root", filepath.Join(dir, "root"),
		"--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "docker.pid"),
		"-H", "unix://"+d.Socket)
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	d.cmd.Env = testhost.CleanEnv()
	// Its own process group; SIGTERM if the benchmark dies.
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := d.cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	go func() {
		d.cmd.Wait()
		logf.Close()
		close(d.done)
	}()
	deadline := time.Now().Add(90 * time.Second)
	for {
		if d.exited() {
			return d, fmt.Errorf("dockerd exited: %s", d.LogTail(20))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		b, err := load.Call(ctx, d.client, "GET", "http://docker/_ping", nil, nil, 200)
		cancel()
		if err == nil && string(b) == "OK" {
			break
		}
		if time.Now().After(deadline) {
			return d, fmt.Errorf("dockerd did not answer /_ping within 90 s: %v\n%s", err, d.LogTail(20))
		}
		time.Sleep(150 * time.Millisecond)
	}
	var v struct{ Version, ApiVersion string }
	if err := d.GetJSON("/version", &v); err != nil {
		return d, err
	}
	d.API, d.Version = "/v"+v.ApiVersion, v.Version
	return d, nil
}

// PID is dockerd's process id.
func (d *Daemon) PID() int { return d.cmd.Process.Pid }

func (d *Daemon) exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// Client is a new keep-alive client on the daemon's socket.
func (d *Daemon) Client() *http.Client { return load.UnixClient(d.Socket, time.Minute) }

// GetJSON decodes GET path's answer into v.
func (d *Daemon) GetJSON(path string, v any) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := load.Call(ctx, d.client, "GET", "http://docker"+path, nil, nil, 200)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// Do sends one request and returns the status and body.
func (d *Daemon) Do(method, path, contentType string, body []byte) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, "http://docker"+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// SetAuthz points authorization-plugins at plugins (none: no plugin) and
// reloads dockerd, waiting until it logged the reload.
func (d *Daemon) SetAuthz(plugins ...string) error {
	if len(plugins) == 0 {
		delete(d.cfg, "authorization-plugins")
	} else {
		d.cfg["authorization-plugins"] = plugins
	}
	if err := d.writeConfig(); err != nil {
		return err
	}
	before := d.reloads()
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		return err
	}
	deadline := time.Now().Add(30 * time.Second)
	for d.reloads() <= before {
		if d.exited() {
			return fmt.Errorf("dockerd died on reload: %s", d.LogTail(20))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dockerd did not log a reload within 30 s: %s", d.LogTail(20))
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

func (d *Daemon) reloads() int {
	b, _ := os.ReadFile(d.logFile)
	return bytes.Count(b, []byte("Reloaded configuration"))
}

func (d *Daemon) writeConfig() error {
	b, err := json.MarshalIndent(d.cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(d.cfgFile, b, 0o644)
}

// ImportBusybox imports an image holding the host's busybox as name.
func (d *Daemon) ImportBusybox(name string) error {
	tarball, err := testhost.BusyboxTar()
	if err != nil {
		return err
	}
	repo, tag, _ := strings.Cut(name, ":")
	status, b, err := d.Do("POST", d.API+"/images/create?fromSrc=-&repo="+repo+"&tag="+tag, "application/x-tar", tarball)
	if err != nil || status != 200 || bytes.Contains(b, []byte(`"error"`)) {
		return fmt.Errorf("importing %s: HTTP %d %v %.300s", name, status, err, b)
	}
	return nil
}

// LogTail is the end of dockerd's log.
func (d *Daemon) LogTail(lines int) string {
	b, _ := os.ReadFile(d.logFile)
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

// Stop stops dockerd (SIGTERM, then SIGKILL after grace), removes what it
// left behind and its directory.
func (d *Daemon) Stop(grace time.Duration) {
	if d.cmd != nil && d.cmd.Process != nil && !d.exited() {
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(grace):
			_ = d.cmd.Process.Kill()
			select {
			case <-d.done:
			case <-time.After(10 * time.Second):
			}
		}
	}
	Remove(d.Dir)
}

// Remove kills what still runs from dir (containerd, shims), unmounts
// everything below it and deletes it.
func Remove(dir string) {
	testhost.UnmountUnder(dir, benchLog)
	testhost.KillStragglers(dir, nil)
	testhost.UnmountUnder(dir, benchLog)
	_ = os.RemoveAll(dir)
}

// SweepStale removes directories matching glob whose owner.pid names a
// process that is gone: what a killed earlier run left.
func SweepStale(glob string) {
	dirs, _ := filepath.Glob(glob)
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "owner.pid"))
		if err != nil {
			continue
		}
		if _, err := os.Stat("/proc/" + strings.TrimSpace(string(b))); err == nil {
			continue // its run is still going
		}
		Remove(dir)
	}
}

// benchLog reports clean-up problems on stderr.
func benchLog(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
}
