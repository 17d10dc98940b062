// Package hostsetup sets ci-authz up on a Docker host, and removes it again:
// the managed plugin, /etc/ci-authz, the authorization-plugins entry of
// daemon.json and the daemon reload, each step checked before the next.
package hostsetup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Defaults of Options.
const (
	DefaultDaemonConfig = "/etc/docker/daemon.json"
	DefaultPidfile      = "/var/run/docker.pid"
	DefaultHost         = "unix:///var/run/docker.sock"
	DefaultPluginDir    = "build/plugin"
	DefaultName         = "ci-authz:latest"
	DefaultPolicyDir    = "/etc/ci-authz"
	DefaultExecRoot     = "/run/docker"
)

// Options says which daemon to set up and how to reach it.
type Options struct {
	DaemonConfig string // daemon.json
	Pidfile      string // dockerd's pidfile, read when Pid is 0
	Pid          int    // dockerd's pid; overrides Pidfile
	Host         string // docker API host for the CLI
	PluginDir    string // managed-plugin directory (config.json + rootfs)
	Name         string // plugin name
	Docker       string // docker CLI
	PolicyDir    string // host directory mounted into the plugin
	ExecRoot     string // dockerd's --exec-root; plugin sockets are in EXEC-ROOT/plugins/ID/
	KeepPlugin   bool   // uninstall: disable the plugin but keep it

	Out io.Writer // progress and next steps

	// Timeouts of the waits; zero means the default.
	ProbeTimeout time.Duration // plugin answering (10 s)
	InfoTimeout  time.Duration // daemon reloaded (10 s)
}

func (o *Options) setDefaults() {
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&o.DaemonConfig, DefaultDaemonConfig)
	def(&o.Pidfile, DefaultPidfile)
	def(&o.Host, os.Getenv("DOCKER_HOST"))
	def(&o.Host, DefaultHost)
	def(&o.PluginDir, DefaultPluginDir)
	def(&o.Name, DefaultName)
	def(&o.Docker, "docker")
	def(&o.PolicyDir, DefaultPolicyDir)
	def(&o.ExecRoot, DefaultExecRoot)
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.ProbeTimeout == 0 {
		o.ProbeTimeout = 10 * time.Second
	}
	if o.InfoTimeout == 0 {
		o.InfoTimeout = 10 * time.Second
	}
}

func (o *Options) say(format string, a ...any) {
	fmt.Fprintf(o.Out, format+"\n", a...)
}

func (o *Options) docker() docker { return docker{bin: o.Docker, host: o.Host} }

// rootHint is appended to permission errors when we are not root.
func rootHint(err error) error {
	if err != nil && errors.Is(err, fs.ErrPermission) && os.Geteuid() != 0 {
		return fmt.Errorf("%w (run as root, e.g. with sudo)", err)
	}
	return err
}

// checkWritableDir makes sure files can be created in dir (or, if it does
// not exist, in its nearest existing parent).
func checkWritableDir(dir, what string) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("%s: %s is not a directory", what, d)
			}
			if err := syscall.Access(d, 2 /* W_OK */); err != nil {
				return rootHint(fmt.Errorf("%s: cannot write in %s: %w", what, d, &fs.PathError{Op: "access", Path: d, Err: err}))
			}
			return nil
		}
		if filepath.Dir(d) == d {
			return fmt.Errorf("%s: no existing directory above %s", what, dir)
		}
	}
}

// daemon is the running dockerd, checked.
type daemon struct {
	pid int
}

// checkDaemon resolves dockerd's pid and checks that editing daemonConfig
// and sending SIGHUP will reconfigure it.
func (o *Options) checkDaemon() (*daemon, error) {
	pid, err := ResolvePid(o.Pid, o.Pidfile)
	if err != nil {
		return nil, err
	}
	if err := canSignal(pid); err != nil {
		return nil, err
	}
	if args, cwd, err := daemonCmdline(pid); err == nil {
		def := ""
		if uid, ok := processUID(pid); ok && uid == 0 {
			def = DefaultDaemonConfig
		}
		if err := checkDaemonArgs(args, cwd, o.DaemonConfig, def); err != nil {
			return nil, fmt.Errorf("dockerd (pid %d): %w", pid, err)
		}
	}
	return &daemon{pid: pid}, nil
}

// Install sets ci-authz up; see the package documentation. Running it again
// on a host where it is set up changes nothing.
func Install(ctx context.Context, o Options) error {
	o.setDefaults()
	d := o.docker()

	// 1. Preconditions, before anything is changed.
	if _, err := exec.LookPath(o.Docker); err != nil {
		return fmt.Errorf("docker CLI %q not found: %w; install it or pass --docker PATH", o.Docker, err)
	}
	cfg, err := ReadConfig(o.DaemonConfig)
	if err != nil {
		return rootHint(err)
	}
	if err := checkWritableDir(filepath.Dir(cfg.Real), "daemon configuration "+cfg.Real); err != nil {
		return err
	}
	if err := checkWritableDir(o.PolicyDir, "policy directory "+o.PolicyDir); err != nil {
		return err
	}
	dm, err := o.checkDaemon()
	if err != nil {
		return err
	}
	ref, err := d.findPlugin(ctx, o.Name)
	if err != nil {
		return fmt.Errorf("cannot list the daemon's plugins (is dockerd at %s up? pass --host): %w", o.Host, err)
	}
	if ref == nil {
		if err := checkPluginDir(o.PluginDir); err != nil {
			return err
		}
	}

	// 2. The policy directory: the plugin's mount source must exist or the
	// plugin does not start. An existing policy is never touched.
	if err := ensurePolicyDir(&o); err != nil {
		return err
	}

	// 3. The plugin, created and enabled unless it already is.
	switch {
	case ref != nil && ref.Enabled:
		o.say("plugin %s (%.12s) is installed and enabled; using it", ref.Name, ref.ID)
	case ref != nil:
		o.say("plugin %s (%.12s) is installed but disabled; enabling it", ref.Name, ref.ID)
		if _, err := d.run(ctx, "plugin", "enable", ref.Name); err != nil {
			return fmt.Errorf("%w\nThe daemon log (journalctl -u docker) says why the plugin did not start.", err)
		}
	default:
		o.say("creating plugin %s from %s", o.Name, o.PluginDir)
		if _, err := d.run(ctx, "plugin", "create", o.Name, o.PluginDir); err != nil {
			return err
		}
		o.say("enabling plugin %s", o.Name)
		if _, err := d.run(ctx, "plugin", "enable", o.Name); err != nil {
			return fmt.Errorf("%w\nThe daemon log (journalctl -u docker) says why the plugin did not start; `docker plugin rm %s` removes it again.", err, o.Name)
		}
	}

	// 4. The plugin must be enabled and answer before the daemon depends
	// on it: a configured authz plugin that does not answer fails every
	// API request, and one that is missing on reload makes dockerd exit.
	info, err := d.inspectPlugin(ctx, o.Name)
	if err != nil {
		return err
	}
	if !info.isAuthz() {
		return fmt.Errorf("plugin %s is not an authorization plugin (interface types %v); pass --name with ci-authz's plugin name", o.Name, info.Config.Interface.Types)
	}
	if !info.Enabled {
		return fmt.Errorf("plugin %s is not enabled after `docker plugin enable`; see the daemon log", o.Name)
	}
	sock, err := o.waitAnswering(ctx, info)
	if err != nil {
		return err
	}
	o.say("plugin answers on %s and allows GET /_ping", sock)

	// 5. daemon.json, then the reload.
	edit, err := AddAuthzPlugin(o.DaemonConfig, o.Name, time.Now())
	if err != nil {
		return rootHint(err)
	}
	if edit.Changed {
		if edit.Created {
			o.say("created %s with %s: %q", edit.Path, AuthzKey, edit.Plugins)
		} else {
			o.say("added %s to %s in %s (backup: %s)", o.Name, AuthzKey, edit.Path, edit.Backup)
		}
	} else {
		o.say("%s already lists %s in %s", edit.Path, o.Name, AuthzKey)
	}
	active, err := d.authzPlugins(ctx)
	if err != nil {
		return err
	}
	if edit.Changed || !containsPlugin(active, o.Name) {
		if err := o.reload(ctx, dm, edit, true); err != nil {
			return err
		}
	} else {
		o.say("dockerd already uses %s; no reload needed", o.Name)
	}
	o.say("")
	o.say("%s", installDone(&o))
	return nil
}

// reload sends SIGHUP to dockerd and waits until `docker info` shows the
// plugin listed (want) or not listed (!want). If dockerd dies, the daemon
// configuration is put back so that the daemon can be started again.
func (o *Options) reload(ctx context.Context, dm *daemon, edit *Edit, want bool) error {
	d := o.docker()
	o.say("reloading dockerd (SIGHUP to pid %d)", dm.pid)
	if err := syscall.Kill(dm.pid, syscall.SIGHUP); err != nil {
		return fmt.Errorf("sending SIGHUP to dockerd (pid %d): %w", dm.pid, err)
	}
	deadline := time.Now().Add(o.InfoTimeout)
	var last []string
	var lastErr error
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
		}
		if !alive(dm.pid) {
			msg := fmt.Sprintf("dockerd (pid %d) exited after the reload; the daemon log says why", dm.pid)
			if rerr := edit.Restore(); rerr != nil {
				msg += fmt.Sprintf("; restoring %s failed too (%v): restore it by hand", edit.Path, rerr)
				if edit.Backup != "" {
					msg += " from " + edit.Backup
				}
			} else if edit.Changed {
				msg += fmt.Sprintf("; %s is restored to what it was, so docker can be started again (systemctl start docker)", edit.Path)
			}
			return errors.New(msg)
		}
		last, lastErr = d.authzPlugins(ctx)
		if lastErr == nil && containsPlugin(last, o.Name) == want {
			break
		}
		if time.Now().After(deadline) {
			if lastErr != nil {
				return fmt.Errorf("dockerd did not pick up %s within %s: %w", edit.Path, o.InfoTimeout, lastErr)
			}
			return fmt.Errorf("dockerd (pid %d) still runs but its authorization plugins are %q after the reload, not what %s says (%q); check the daemon log for \"unable to configure the Docker daemon\"", dm.pid, last, edit.Path, edit.Plugins)
		}
	}
	if !alive(dm.pid) {
		return fmt.Errorf("dockerd (pid %d) exited after the reload; check the daemon log", dm.pid)
	}
	o.say("dockerd reloaded; its authorization plugins are now %q", last)
	return nil
}

// pluginSockets lists where the socket of plugin info can be: daemons up to
// 20.10 keep plugin sockets in /run/docker/plugins, later ones in
// EXEC-ROOT/plugins.
func (o *Options) pluginSockets(info *pluginInfo) []string {
	var out []string
	for _, root := range []string{filepath.Join(o.ExecRoot, "plugins"), "/run/docker/plugins", "/var/run/docker/plugins"} {
		p := filepath.Join(root, info.ID, info.Config.Interface.Socket)
		dup := false
		for _, q := range out {
			dup = dup || sameFile(p, q)
		}
		if !dup {
			out = append(out, p)
		}
	}
	return out
}

// waitAnswering waits until the plugin's socket exists and the plugin
// allows a harmless request.
func (o *Options) waitAnswering(ctx context.Context, info *pluginInfo) (string, error) {
	cands := o.pluginSockets(info)
	deadline := time.Now().Add(o.ProbeTimeout)
	var lastErr error
	for {
		found := false
		for _, s := range cands {
			if _, err := os.Stat(s); err != nil {
				continue
			}
			found = true
			if lastErr = probePlugin(ctx, s); lastErr == nil {
				return s, nil
			}
			lastErr = fmt.Errorf("%s: %w", s, lastErr)
		}
		if !found {
			lastErr = fmt.Errorf("no socket at %s (if dockerd runs with --exec-root DIR, pass --exec-root DIR)", strings.Join(cands, " or "))
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("plugin %s (%.12s) is enabled but does not answer within %s: %v; it is NOT added to the daemon configuration. Its log is in the daemon log (journalctl -u docker | grep %.12s)", info.Name, info.ID, o.ProbeTimeout, lastErr, info.ID)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func checkPluginDir(dir string) error {
	for _, p := range []string{"config.json", "rootfs/ci-authz"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			return fmt.Errorf("plugin directory %s is incomplete (%v); build it with `make plugin` or pass --plugin-dir DIR", dir, err)
		}
	}
	return nil
}

func ensurePolicyDir(o *Options) error {
	fi, err := os.Stat(o.PolicyDir)
	switch {
	case err == nil && !fi.IsDir():
		return fmt.Errorf("%s exists but is not a directory; the plugin mounts that directory, move the file away", o.PolicyDir)
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(o.PolicyDir, 0o755); err != nil {
			return rootHint(fmt.Errorf("creating the policy directory: %w", err))
		}
		if err := os.Chmod(o.PolicyDir, 0o755); err != nil { // umask
			return rootHint(err)
		}
		o.say("created %s (mode 0755)", o.PolicyDir)
	default:
		return rootHint(err)
	}
	pol := filepath.Join(o.PolicyDir, "policy.yaml")
	if _, err := os.Stat(pol); err == nil {
		o.say("keeping the existing policy %s", pol)
	} else {
		o.say("no %s: the plugin uses its built-in default policy", pol)
	}
	return nil
}

// Uninstall removes ci-authz in the safe order: out of daemon.json, daemon
// reloaded and no longer using it, and only then the plugin disabled and
// removed (disabling an authorization plugin the daemon still uses would
// make its next reload or start fail). /etc/ci-authz is kept. Running it
// when ci-authz is not installed changes nothing.
func Uninstall(ctx context.Context, o Options) error {
	o.setDefaults()
	d := o.docker()

	if _, err := exec.LookPath(o.Docker); err != nil {
		return fmt.Errorf("docker CLI %q not found: %w; install it or pass --docker PATH", o.Docker, err)
	}
	cfg, err := ReadConfig(o.DaemonConfig)
	if err != nil {
		return rootHint(err)
	}
	if cfg.Has(o.Name) {
		if err := checkWritableDir(filepath.Dir(cfg.Real), "daemon configuration "+cfg.Real); err != nil {
			return err
		}
	}
	active, err := d.authzPlugins(ctx)
	if err != nil {
		return fmt.Errorf("cannot ask the daemon which authorization plugins it uses (is dockerd at %s up? pass --host): %w", o.Host, err)
	}
	inUse := containsPlugin(active, o.Name)
	var dm *daemon
	if cfg.Has(o.Name) || inUse {
		if dm, err = o.checkDaemon(); err != nil {
			return err
		}
	}

	// 1. Out of daemon.json, and the daemon reloaded without it.
	edit, err := RemoveAuthzPlugin(o.DaemonConfig, o.Name, time.Now())
	if err != nil {
		return rootHint(err)
	}
	if edit.Changed {
		o.say("removed %s from %s in %s (backup: %s)", o.Name, AuthzKey, edit.Path, edit.Backup)
	} else {
		o.say("%s does not list %s", edit.Path, o.Name)
	}
	if edit.Changed || inUse {
		if err := o.reload(ctx, dm, edit, false); err != nil {
			return fmt.Errorf("%w\nThe plugin is left installed and enabled, so the daemon keeps working either way.", err)
		}
	}

	// 2. Only now the plugin itself.
	ref, err := d.findPlugin(ctx, o.Name)
	if err != nil {
		return err
	}
	if ref == nil {
		o.say("plugin %s is not installed", o.Name)
	} else {
		if ref.Enabled {
			o.say("disabling plugin %s", ref.Name)
			if _, err := d.run(ctx, "plugin", "disable", ref.Name); err != nil {
				return err
			}
		}
		if o.KeepPlugin {
			o.say("keeping plugin %s (disabled); change its settings with `docker plugin set %s KEY=VALUE`, then run `ci-authz install` again", ref.Name, ref.Name)
		} else {
			o.say("removing plugin %s", ref.Name)
			if _, err := d.run(ctx, "plugin", "rm", ref.Name); err != nil {
				return err
			}
		}
	}
	o.say("kept %s (remove it yourself if you do not need the policy any more)", o.PolicyDir)
	o.say("ci-authz is no longer authorizing requests to this daemon")
	return nil
}

func installDone(o *Options) string {
	host := ""
	if o.Host != DefaultHost {
		host = " --host " + o.Host
	}
	pid := ""
	if o.Pid != 0 {
		pid = fmt.Sprintf(" --pid %d", o.Pid)
	} else if o.Pidfile != DefaultPidfile {
		pid = " --pidfile " + o.Pidfile
	}
	cfg := ""
	if o.DaemonConfig != DefaultDaemonConfig {
		cfg = " --daemon-config " + o.DaemonConfig
	}
	self := "ci-authz"
	flags := cfg + pid + host
	if o.Name != DefaultName {
		flags += " --name " + o.Name
	}
	pol := filepath.Join(o.PolicyDir, "policy.yaml")
	return strings.NewReplacer("NAME", o.Name, "POLICY", pol, "DOCKER", "docker"+host, "SELF", self, "FLAGS", flags).Replace(`ci-authz is installed: dockerd asks plugin NAME about every API request.

Check that it works (any small image will do):
  DOCKER run --rm --privileged busybox true
      -> denied: "authorization denied by plugin NAME: ..."
  DOCKER run --rm -v /var/run/docker.sock:/var/run/docker.sock busybox true
      -> denied
  DOCKER run --rm busybox true
      -> runs as before
Decisions are logged to the daemon log (journalctl -u docker), one JSON line each.

Policy: POLICY (without it, the built-in default;
` + "`SELF policy default`" + ` prints it). The plugin watches that directory, so an
edited policy applies at once; check it first with ` + "`SELF validate FILE`" + `.

Audit mode (log what would be denied, deny nothing):
  - simplest: put "mode: audit" in POLICY; it applies at once, and
    "mode: enforce" switches back the same way.
  - or the plugin setting CI_AUTHZ_MODE. Docker changes settings of disabled
    plugins only, and an authorization plugin must never be disabled while
    dockerd uses it, so:
      SELF uninstall --keep-plugin` + "FLAGS" + `   (daemon stops using it, plugin disabled)
      DOCKER plugin set NAME CI_AUTHZ_MODE=audit
      SELF install` + "FLAGS" + `                 (enables, checks and re-adds it)
    Requests are not authorized between the first and the last command.

Uninstall: SELF uninstall` + "FLAGS" + ` (keeps /etc/ci-authz).`)
}
