//go:build e2e

package e2e

// Harness: private dockerd instances, ci-authz plugin processes, the docker
// CLI and raw API requests over the daemon's socket. Everything started here
// is registered for cleanup and stopped by PID in TestMain, even on failure.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ci-authz/ci-authz/internal/testhost"
)

const (
	// image is the busybox image imported into every private daemon.
	image = "cia-e2e-busybox:latest"
	// legacyPluginDir is where dockerd discovers legacy (v1) plugin sockets.
	// It is shared with every other dockerd of the host, hence unique names.
	legacyPluginDir = "/run/docker/plugins"
)

var (
	repoRoot   string // repository root (parent of e2e/)
	ciAuthz    string // bin/ci-authz
	pluginDir  string // build/plugin (managed-plugin directory)
	pluginErr  error  // why build/plugin could not be made, if it could not
	work       string // temporary directory holding everything of this run
	dockerCfg  string // DOCKER_CONFIG for the CLI, so ~/.docker is not used
	busyboxTar []byte // rootfs tarball of the test image
	inCI       = os.Getenv("CI") == "true"
	runID      = strconv.Itoa(os.Getpid())

	cleanupMu sync.Mutex
	cleanups  []func()
)

// addCleanup registers f to run (LIFO) when the suite ends, also on failure
// and on SIGINT/SIGTERM.
func addCleanup(f func()) {
	cleanupMu.Lock()
	defer cleanupMu.Unlock()
	cleanups = append(cleanups, f)
}

func runCleanups() {
	cleanupMu.Lock()
	fs := cleanups
	cleanups = nil
	cleanupMu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// uniq returns a name unique to this run, usable for plugins and containers.
func uniq(role string) string { return "cia-e2e-" + runID + "-" + role }

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "e2e: "+format+"\n", args...)
}

// setupFailed ends the run before any test: skip outside CI, fail in CI.
func setupFailed(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	runCleanups()
	if inCI {
		fmt.Fprintf(os.Stderr, "FAIL: e2e setup: %s\n", msg)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "SKIP: e2e tests skipped: %s (set CI=true to make this a failure)\n", msg)
	os.Exit(0)
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) (code int) {
	if os.Geteuid() != 0 {
		setupFailed("they need root (they start private dockerd instances); run e.g. `sudo -E go test -tags e2e -count=1 -v ./e2e/`")
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sigs
		logf("got %v, cleaning up", s)
		runCleanups()
		os.Exit(2)
	}()
	defer func() {
		if r := recover(); r != nil {
			runCleanups()
			panic(r)
		}
		runCleanups()
	}()

	if err := findRepo(); err != nil {
		setupFailed("%v", err)
	}
	if err := ensureTools(); err != nil {
		setupFailed("%v", err)
	}
	if err := buildArtifacts(); err != nil {
		// A broken build is never a reason to skip.
		fmt.Fprintf(os.Stderr, "FAIL: e2e: %v\n", err)
		return 1
	}
	sweepStale()
	var err error
	if work, err = os.MkdirTemp("/tmp", "cia-e2e-"); err != nil {
		setupFailed("temp dir: %v", err)
	}
	_ = os.WriteFile(filepath.Join(work, "owner.pid"), []byte(runID), 0o644)
	addCleanup(func() {
		testhost.UnmountUnder(work, logf)
		testhost.KillStragglers(work, logf)
		testhost.UnmountUnder(work, logf)
		if os.Getenv("E2E_KEEP") != "" {
			logf("keeping %s (E2E_KEEP set)", work)
			return
		}
		if err := os.RemoveAll(work); err != nil {
			logf("removing %s: %v", work, err)
		}
	})
	dockerCfg = filepath.Join(work, "docker-cli")
	if err := os.MkdirAll(dockerCfg, 0o700); err != nil {
		setupFailed("%v", err)
	}
	if busyboxTar, err = testhost.BusyboxTar(); err != nil {
		setupFailed("busybox image: %v", err)
	}
	// The main legacy daemon is started eagerly: if dockerd cannot run here,
	// that is a setup problem (skip outside CI), not a test failure.
	if _, err := legacyEnv(); err != nil {
		setupFailed("cannot start a private dockerd with ci-authz: %v", err)
	}
	start := time.Now()
	code = m.Run()
	logf("tests took %s", time.Since(start).Round(time.Millisecond))
	return code
}

// sweepStale removes what an earlier run left behind when it was killed
// before its cleanup could run (go test -timeout, SIGKILL): temp dirs whose
// owner process is gone, with whatever still runs or is mounted from them,
// and that run's legacy plugin sockets. Only this suite's names are touched.
func sweepStale() {
	dirs, _ := filepath.Glob("/tmp/cia-e2e-*")
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "owner.pid"))
		if err != nil {
			continue // not ours, or still being set up
		}
		owner := strings.TrimSpace(string(b))
		if cmd, err := os.ReadFile("/proc/" + owner + "/cmdline"); err == nil && bytes.Contains(cmd, []byte(".test")) {
			continue // its run is still going
		}
		logf("removing %s left by an earlier run (pid %s)", dir, owner)
		testhost.KillStragglers(dir, logf)
		testhost.UnmountUnder(dir, logf)
		os.RemoveAll(dir)
		socks, _ := filepath.Glob(filepath.Join(legacyPluginDir, "cia-e2e-"+owner+"-*.sock"))
		for _, s := range socks {
			os.Remove(s)
		}
	}
}

func findRepo() error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && bytes.Contains(b, []byte("module github.com/ci-authz/ci-authz")) {
			repoRoot = d
			break
		}
		if filepath.Dir(d) == d {
			return fmt.Errorf("cannot find the ci-authz repository above %s", wd)
		}
	}
	ciAuthz = filepath.Join(repoRoot, "bin", "ci-authz")
	pluginDir = filepath.Join(repoRoot, "build", "plugin")
	return nil
}

// ensureTools installs docker.io and busybox-static with apt when dockerd,
// the docker CLI or busybox are missing.
func ensureTools() error {
	need := func() []string {
		var miss []string
		for _, b := range []string{"dockerd", "docker", "containerd", "runc"} {
			if _, err := exec.LookPath(b); err != nil {
				miss = append(miss, b)
			}
		}
		if _, err := testhost.BusyboxPath(); err != nil {
			miss = append(miss, "busybox")
		}
		return miss
	}
	miss := need()
	if len(miss) == 0 {
		return nil
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return fmt.Errorf("missing %v and no apt-get to install docker.io busybox-static", miss)
	}
	logf("missing %v: installing docker.io busybox-static with apt-get", miss)
	env := append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	// Keep the package's postinst from starting the host's docker service.
	const policyRC = "/usr/sbin/policy-rc.d"
	if _, err := os.Stat(policyRC); errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile(policyRC, []byte("#!/bin/sh\nexit 101\n"), 0o755); err == nil {
			defer os.Remove(policyRC)
		}
	}
	for _, args := range [][]string{{"update"}, {"install", "-y", "--no-install-recommends", "docker.io", "busybox-static"}} {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get %s: %v\n%s", strings.Join(args, " "), err, tail(string(out), 20))
		}
	}
	if miss = need(); len(miss) > 0 {
		return fmt.Errorf("still missing %v after apt-get install", miss)
	}
	return nil
}

// buildArtifacts (re)builds bin/ci-authz and build/plugin so that a plain
// `go test -tags e2e ./e2e/` tests the current tree. E2E_NO_BUILD=1 skips it
// (then both must exist).
func buildArtifacts() error {
	if os.Getenv("E2E_NO_BUILD") == "" {
		out, err := exec.Command("make", "-C", repoRoot, "build").CombinedOutput()
		if err != nil {
			return fmt.Errorf("make build: %v\n%s", err, tail(string(out), 30))
		}
		if out, err := exec.Command("make", "-C", repoRoot, "plugin").CombinedOutput(); err != nil {
			pluginErr = fmt.Errorf("make plugin: %v\n%s", err, tail(string(out), 30))
		}
	}
	if _, err := os.Stat(ciAuthz); err != nil {
		return fmt.Errorf("no %s: %v", ciAuthz, err)
	}
	if out, err := exec.Command(ciAuthz, "serve", "-h").CombinedOutput(); err != nil && !strings.Contains(string(out), "-socket") {
		return fmt.Errorf("%s serve -h does not work yet: %v\n%s", ciAuthz, err, tail(string(out), 10))
	}
	if pluginErr == nil {
		if _, err := os.Stat(filepath.Join(pluginDir, "config.json")); err != nil {
			pluginErr = fmt.Errorf("no managed-plugin directory: %v", err)
		}
	}
	return nil
}

// ---------------------------------------------------------------- processes

type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// startProc starts argv with stdout+stderr appended to logPath. The process
// gets SIGTERM if the test binary dies (Pdeathsig) and is stopped by PID by
// the suite's cleanup.
func startProc(name, logPath string, env []string, argv ...string) (*proc, error) {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, err
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	addCleanup(func() { p.stop(20 * time.Second) })
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *proc) signal(s syscall.Signal) error { return p.cmd.Process.Signal(s) }

// stop sends SIGTERM, waits up to grace, then SIGKILLs. Idempotent.
func (p *proc) stop(grace time.Duration) {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return
	case <-time.After(grace):
	}
	logf("%s (pid %d) did not stop in %s; SIGKILL", p.name, p.pid(), grace)
	_ = p.cmd.Process.Kill()
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		logf("%s (pid %d) still not reaped", p.name, p.pid())
	}
}

// ------------------------------------------------------------------ plugins

// authzPlugin is a `ci-authz serve` process listening as a legacy plugin.
type authzPlugin struct {
	name    string // plugin name as dockerd knows it
	sock    string
	policy  string // --policy file ("" if none)
	logFile string // --log-file
	outFile string // stdout+stderr of the process
	proc    *proc
}

// startPlugin runs `ci-authz serve` on /run/docker/plugins/<name>.sock with
// JSON logs. args are extra serve flags; env extra environment (KEY=VALUE).
func startPlugin(name, policy string, env []string, args ...string) (*authzPlugin, error) {
	if err := os.MkdirAll(legacyPluginDir, 0o755); err != nil {
		return nil, err
	}
	p := &authzPlugin{
		name:    name,
		sock:    filepath.Join(legacyPluginDir, name+".sock"),
		policy:  policy,
		logFile: filepath.Join(work, name+".log"),
		outFile: filepath.Join(work, name+".out"),
	}
	argv := []string{ciAuthz, "serve", "--socket", p.sock, "--log-format", "json", "--log-level", "info", "--log-file", p.logFile}
	if policy != "" {
		argv = append(argv, "--policy", policy)
	}
	argv = append(argv, args...)
	// Registered first so that it runs after the process is stopped (LIFO).
	addCleanup(func() { _ = os.Remove(p.sock) })
	pr, err := startProc("plugin "+name, p.outFile, testhost.CleanEnv(env...), argv...)
	if err != nil {
		return nil, err
	}
	p.proc = pr
	// Wait until it answers the activation handshake.
	hc := unixHTTPClient(p.sock)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if pr.exited() {
			return nil, fmt.Errorf("ci-authz serve exited early: %v\n%s", pr.err, tail(p.logs(), 20))
		}
		resp, err := hc.Post("http://plugin/Plugin.Activate", "application/vnd.docker.plugins.v1.2+json", nil)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && bytes.Contains(b, []byte("authz")) {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("plugin %s did not answer /Plugin.Activate on %s: %v\n%s", name, p.sock, err, tail(p.logs(), 20))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logs returns everything the plugin wrote (log file and stdout/stderr).
func (p *authzPlugin) logs() string {
	a, _ := os.ReadFile(p.logFile)
	b, _ := os.ReadFile(p.outFile)
	return string(a) + string(b)
}

// logEntry is one JSON log line.
type logEntry map[string]any

func (e logEntry) s(k string) string {
	v, ok := e[k]
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

func (e logEntry) String() string { b, _ := json.Marshal(map[string]any(e)); return string(b) }

func parseLogEntries(text string) []logEntry {
	var out []logEntry
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var e logEntry
		if json.Unmarshal(line, &e) == nil {
			out = append(out, e)
		}
	}
	return out
}

func (p *authzPlugin) entries() []logEntry { return parseLogEntries(p.logs()) }

func (p *authzPlugin) count(pred func(logEntry) bool) int {
	n := 0
	for _, e := range p.entries() {
		if pred(e) {
			n++
		}
	}
	return n
}

// waitLog waits (bounded) for the (after+1)-th entry matching pred and returns it.
func (p *authzPlugin) waitLog(t *testing.T, after int, timeout time.Duration, what string, pred func(logEntry) bool) logEntry {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		n := 0
		for _, e := range p.entries() {
			if pred(e) {
				n++
				if n > after {
					return e
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("plugin %s: no log line %s within %s; log tail:\n%s", p.name, what, timeout, tail(p.logs(), 25))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func decisionIs(decision, rule string) func(logEntry) bool {
	return func(e logEntry) bool { return e.s("decision") == decision && e.s("rule") == rule }
}

// ------------------------------------------------------------------ daemons

type daemon struct {
	name    string
	dir     string
	sock    string // unix socket path
	host    string // unix://...
	cfgFile string
	pidFile string
	logFile string
	api     string // "/v1.41"
	tcp     string // 127.0.0.1:port when TLS is on
	tlsDir  string // CA and client certs when TLS is on
	cfg     map[string]any
	proc    *proc
	mu      sync.Mutex
}

// startDaemon starts a private dockerd with the given authorization plugins
// and extra flags, waits for /_ping and imports the busybox image.
func startDaemon(name string, authz []string, extra ...string) (*daemon, error) {
	dir := filepath.Join(work, name)
	if err := os.MkdirAll(dir, 0o711); err != nil {
		return nil, err
	}
	d := &daemon{
		name:    name,
		dir:     dir,
		sock:    filepath.Join(dir, "docker.sock"),
		cfgFile: filepath.Join(dir, "daemon.json"),
		pidFile: filepath.Join(dir, "docker.pid"),
		logFile: filepath.Join(dir, "dockerd.log"),
		cfg:     map[string]any{"bridge": "none", "iptables": false},
	}
	d.host = "unix://" + d.sock
	if len(authz) > 0 {
		d.cfg["authorization-plugins"] = authz
	}
	if err := d.writeConfig(); err != nil {
		return nil, err
	}
	argv := append([]string{"dockerd",
		"--config-file", d.cfgFile,
		"--data-root", filepath.Join(dir, "root"),
		"--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", d.pidFile,
		"-H", d.host,
	}, extra...)
	// Registered before the process so that it runs after the stop (LIFO):
	// unmount what the daemon left behind, kill its orphans.
	addCleanup(func() {
		testhost.UnmountUnder(dir, logf)
		testhost.KillStragglers(dir, logf)
		testhost.UnmountUnder(dir, logf)
	})
	p, err := startProc("dockerd "+name, d.logFile, testhost.CleanEnv(), argv...)
	if err != nil {
		return nil, err
	}
	d.proc = p
	hc := unixHTTPClient(d.sock)
	deadline := time.Now().Add(90 * time.Second)
	for {
		if p.exited() {
			return nil, fmt.Errorf("dockerd %s exited: %v\n%s", name, p.err, tail(readFile(d.logFile), 25))
		}
		resp, err := hc.Get("http://docker/_ping")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 && string(b) == "OK" {
				break
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("dockerd %s: no /_ping answer within 90s (last error %v)\n%s", name, err, tail(readFile(d.logFile), 25))
		}
		time.Sleep(150 * time.Millisecond)
	}
	var v struct{ ApiVersion string }
	resp, err := hc.Get("http://docker/version")
	if err != nil {
		return nil, err
	}
	err = json.NewDecoder(resp.Body).Decode(&v)
	resp.Body.Close()
	if err != nil || v.ApiVersion == "" {
		return nil, fmt.Errorf("GET /version: %v", err)
	}
	d.api = "/v" + v.ApiVersion
	if r := d.dockerIn(bytes.NewReader(busyboxTar), "import", "-", image); r.code != 0 {
		return nil, fmt.Errorf("docker import on %s: %s", name, r)
	}
	return d, nil
}

// loadConfig re-reads daemon.json (after a tool other than the test edited it).
func (d *daemon) loadConfig() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	m := map[string]any{}
	if err := json.Unmarshal([]byte(readFile(d.cfgFile)), &m); err != nil {
		return fmt.Errorf("%s: %v", d.cfgFile, err)
	}
	d.cfg = m
	return nil
}

func (d *daemon) writeConfig() error {
	b, err := json.MarshalIndent(d.cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(d.cfgFile, b, 0o644)
}

// setAuthz points authorization-plugins at names and reloads dockerd with
// SIGHUP, waiting until the daemon logged the reload.
func (d *daemon) setAuthz(t *testing.T, names ...string) {
	t.Helper()
	if err := d.setAuthzErr(names...); err != nil {
		t.Fatal(err)
	}
}

// restoreAuthz is for t.Cleanup: it puts names back and reports failure
// with t.Error.
func (d *daemon) restoreAuthz(t *testing.T, names ...string) {
	t.Cleanup(func() {
		if err := d.setAuthzErr(names...); err != nil {
			t.Errorf("restoring the authorization plugins of %s: %v", d.name, err)
		}
	})
}

func (d *daemon) setAuthzErr(names ...string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(names) == 0 {
		delete(d.cfg, "authorization-plugins")
	} else {
		d.cfg["authorization-plugins"] = names
	}
	if err := d.writeConfig(); err != nil {
		return err
	}
	return d.reload()
}

// reload sends SIGHUP to dockerd and waits for "Reloaded configuration".
func (d *daemon) reload() error {
	before := strings.Count(readFile(d.logFile), "Reloaded configuration")
	if err := d.proc.signal(syscall.SIGHUP); err != nil {
		return fmt.Errorf("SIGHUP dockerd %s: %v", d.name, err)
	}
	return d.waitReloaded(before)
}

// waitReloaded waits until dockerd logged more than before reloads.
func (d *daemon) waitReloaded(before int) error {
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(readFile(d.logFile), "Reloaded configuration") <= before {
		if d.proc.exited() {
			return fmt.Errorf("dockerd %s died on reload: %v\n%s", d.name, d.proc.err, tail(readFile(d.logFile), 20))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dockerd %s did not log a configuration reload within 30s\n%s", d.name, tail(readFile(d.logFile), 20))
		}
		time.Sleep(100 * time.Millisecond)
	}
	return nil
}

func (d *daemon) reloads() int { return strings.Count(readFile(d.logFile), "Reloaded configuration") }

// ---------------------------------------------------------------------- CLI

type cliResult struct {
	args   []string
	stdout string
	stderr string
	code   int
}

func (r cliResult) String() string {
	return fmt.Sprintf("`docker %s` exit %d\nstdout: %s\nstderr: %s", strings.Join(r.args, " "), r.code, strings.TrimSpace(r.stdout), strings.TrimSpace(r.stderr))
}

// runDocker runs the real docker CLI with the given global flags.
func runDocker(global []string, stdin io.Reader, args ...string) cliResult {
	all := append(append([]string{}, global...), args...)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "docker", all...)
	cmd.Env = testhost.CleanEnv("DOCKER_CONFIG="+dockerCfg, "DOCKER_CLI_HINTS=false")
	cmd.Stdin = stdin
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	r := cliResult{args: all, stdout: so.String(), stderr: se.String()}
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			r.code = ee.ExitCode()
		} else {
			r.code = -1
			r.stderr += "\n" + err.Error()
		}
	}
	return r
}

func (d *daemon) dockerIn(stdin io.Reader, args ...string) cliResult {
	return runDocker([]string{"-H", d.host}, stdin, args...)
}

// docker runs the CLI against the daemon's unix socket.
func (d *daemon) docker(args ...string) cliResult { return d.dockerIn(nil, args...) }

// ---------------------------------------------------------------- raw API

func unixHTTPClient(sock string) *http.Client {
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			DisableKeepAlives: true,
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var dl net.Dialer
				return dl.DialContext(ctx, "unix", sock)
			},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

type apiClient struct {
	dial func(ctx context.Context) (net.Conn, error)
	host string // Host header
}

func (d *daemon) rawAPI() *apiClient {
	return &apiClient{
		host: "docker",
		dial: func(ctx context.Context) (net.Conn, error) {
			var dl net.Dialer
			return dl.DialContext(ctx, "unix", d.sock)
		},
	}
}

func tlsAPI(addr string, cfg *tls.Config) *apiClient {
	return &apiClient{
		host: addr,
		dial: func(ctx context.Context) (net.Conn, error) {
			dl := tls.Dialer{Config: cfg}
			return dl.DialContext(ctx, "tcp", addr)
		},
	}
}

type rawReq struct {
	method  string
	target  string      // request-target sent verbatim ("/v1.41/containers%2Fcreate", "//evil/x" for absolute-form)
	header  http.Header // sent as is (repeated values are repeated header lines)
	body    []byte
	chunked bool // send the body with Transfer-Encoding: chunked
}

type rawResp struct {
	req    rawReq
	status int
	body   string
}

func (r rawResp) String() string {
	return fmt.Sprintf("%s %s (%d body bytes, chunked=%v) -> HTTP %d %s", r.req.method, r.req.target, len(r.req.body), r.req.chunked, r.status, strings.TrimSpace(r.body))
}

// do sends one request on a fresh connection with the exact request-target
// and headers given, and reads the answer while the body is still being
// written: the daemon answers a denied request without reading a large body
// to its end and closes the connection, which is not an error here.
func (c *apiClient) do(t *testing.T, r rawReq) rawResp {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodPost
	}
	req, err := http.NewRequest(r.method, "http://"+c.host+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.Opaque = r.target // written verbatim as the request-target ("//h/p" becomes "http://h/p")
	for k, vs := range r.header {
		req.Header[k] = append([]string(nil), vs...)
	}
	switch {
	case r.chunked:
		req.Body = io.NopCloser(bytes.NewReader(r.body))
		req.ContentLength = -1
		req.TransferEncoding = []string{"chunked"}
	case r.body != nil:
		req.Body = io.NopCloser(bytes.NewReader(r.body))
		req.ContentLength = int64(len(r.body))
	default:
		req.Body = http.NoBody
		req.ContentLength = 0
	}
	req.Close = true
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := c.dial(ctx)
	if err != nil {
		t.Fatalf("%s %s: dial: %v", r.method, r.target, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	werr := make(chan error, 1)
	go func() { werr <- req.Write(conn) }()
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("%s %s: no response: %v (write: %v)", r.method, r.target, err, <-werr)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return rawResp{req: r, status: resp.StatusCode, body: string(b)}
}

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

// create sends POST <target> with a JSON body.
func (c *apiClient) create(t *testing.T, target, body string) rawResp {
	t.Helper()
	return c.do(t, rawReq{target: target, header: jsonHeader(), body: []byte(body)})
}

// exists reports whether a container of that name exists (GET .../json).
func (c *apiClient) exists(t *testing.T, api, name string) bool {
	t.Helper()
	r := c.do(t, rawReq{method: http.MethodGet, target: api + "/containers/" + name + "/json"})
	switch r.status {
	case 200:
		return true
	case 404:
		return false
	}
	t.Fatalf("inspect %s: %s", name, r)
	return false
}

func (c *apiClient) remove(t *testing.T, api, name string) {
	t.Helper()
	c.do(t, rawReq{method: http.MethodDelete, target: api + "/containers/" + name + "?force=1"})
}

// ---------------------------------------------------------------- asserts

const deniedPrefix = "authorization denied by plugin"

// wantDeniedAPI asserts HTTP 403 from the plugin with "[rule]" and the
// given substrings in the message.
func wantDeniedAPI(t *testing.T, r rawResp, plugin, rule string, subs ...string) {
	t.Helper()
	if r.status != http.StatusForbidden || !strings.Contains(r.body, deniedPrefix+" "+plugin) {
		t.Errorf("want HTTP 403 %q from plugin %s, got:\n  %s", "["+rule+"]", plugin, r)
		return
	}
	if rule != "" && !strings.Contains(r.body, "["+rule+"]") {
		t.Errorf("denied, but not under rule [%s]:\n  %s", rule, r)
	}
	for _, s := range subs {
		if !strings.Contains(r.body, s) {
			t.Errorf("deny message lacks %q:\n  %s", s, r)
		}
	}
}

// wantDeniedCLI asserts the CLI failed with the plugin's deny message.
func wantDeniedCLI(t *testing.T, r cliResult, plugin, rule string, subs ...string) {
	t.Helper()
	if r.code == 0 || !strings.Contains(r.stderr, deniedPrefix+" "+plugin) {
		t.Errorf("want denial by %s under [%s], got %s", plugin, rule, r)
		return
	}
	if rule != "" && !strings.Contains(r.stderr, "["+rule+"]") {
		t.Errorf("denied, but not under rule [%s]: %s", rule, r)
	}
	for _, s := range subs {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("deny message lacks %q: %s", s, r)
		}
	}
}

func wantOK(t *testing.T, r cliResult) {
	t.Helper()
	if r.code != 0 {
		t.Errorf("want success, got %s", r)
	}
}

// ---------------------------------------------------------------- helpers

func readFile(p string) string { b, _ := os.ReadFile(p); return string(b) }

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// writeAtomic replaces path the way config management does (temp + rename
// in the same directory), so a watcher never sees a half-written file.
func writeAtomic(t *testing.T, path, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// defaultPolicy returns `ci-authz policy default`.
func defaultPolicy() (string, error) {
	out, err := exec.Command(ciAuthz, "policy", "default").Output()
	if err != nil {
		return "", fmt.Errorf("ci-authz policy default: %v", err)
	}
	return string(out), nil
}

// dumpOnFailure prints the tails of the given logs when the test failed.
func dumpOnFailure(t *testing.T, d *daemon, ps ...*authzPlugin) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		if d != nil {
			var keep []string
			for _, l := range strings.Split(readFile(d.logFile), "\n") {
				if strings.Contains(l, "level=error") || strings.Contains(l, "level=warning") && strings.Contains(l, "plugin") {
					keep = append(keep, l)
				}
			}
			t.Logf("dockerd %s log, errors (tail):\n%s", d.name, tail(strings.Join(keep, "\n"), 12))
		}
		for _, p := range ps {
			if p != nil {
				t.Logf("plugin %s log tail:\n%s", p.name, tail(p.logs(), 15))
			}
		}
	})
}
