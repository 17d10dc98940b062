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
	KeepPlugin   bool   // uninstall: disable the plugin but keep it

	Out io.Writer // progress and next steps

	// Timeouts of the waits; zero means the default.
	ProbeTimeout  time.Duration // plugin answering (10 s)
	ReloadTimeout time.Duration // daemon reloaded (10 s)
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
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.ProbeTimeout == 0 {
		o.ProbeTimeout = 10 * time.Second
	}
	if o.ReloadTimeout == 0 {
		o.ReloadTimeout = 10 * time.Second
	}
}

func (o *Options) say(format string, a ...any) {
	fmt.Fprintf(o.Out, format+"\n", a...)
}

func (o *Options) docker() docker { return docker{bin: o.Docker, host: o.Host} }

// begin fills in defaults and reads what install and uninstall both need:
// the docker CLI and daemon.json.
func (o *Options) begin() (docker, *ConfigFile, error) {
	o.setDefaults()
	if _, err := exec.LookPath(o.Docker); err != nil {
		return docker{}, nil, fmt.Errorf("docker CLI %q not found: %w; install it or pass --docker PATH", o.Docker, err)
	}
	cfg, err := ReadConfig(o.DaemonConfig)
	if err != nil {
		return docker{}, nil, rootHint(err)
	}
	return o.docker(), cfg, nil
}

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
	// 1. Preconditions, before anything is changed.
	d, cfg, err := o.begin()
	if err != nil {
		return err
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
	if err := o.checkOtherPlugins(ctx, cfg); err != nil {
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
	// plugin does not start. An existing policy is never touched. An
	// installed plugin may have been pointed elsewhere (docker plugin set
	// NAME policy.source=DIR).
	if ref != nil {
		info, err := d.inspectPlugin(ctx, ref.ID)
		if err != nil {
			return err
		}
		if src := info.mountSource("policy"); src != "" && src != o.PolicyDir {
			o.say("plugin %s reads its policy from %s (its policy.source setting)", ref.Name, src)
			o.PolicyDir = src
		}
	}
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
	sock, err := o.waitAnswering(ctx, info, o.ProbeTimeout)
	if err != nil {
		return fmt.Errorf("%w\nci-authz is NOT added to the daemon configuration.", err)
	}
	o.say("plugin answers on %s and allows GET /_ping", sock)
	v, err := o.newVerifier(ctx, sock, cfg.Plugins)
	if err != nil {
		return err
	}

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
	confirmed := false
	if !edit.Changed {
		if st, _, err := v.state(ctx); err == nil && st == inUse {
			o.say("dockerd already consults %s (it denied the probe `docker create --privileged %s`); no reload needed", o.Name, ProbeImage)
			confirmed = true
		}
	}
	if !confirmed {
		// Also when daemon.json did not change: it may have been edited
		// without a reload, and a reload of a valid configuration is harmless.
		if confirmed, err = o.reload(ctx, dm, edit, v, inUse); err != nil {
			return err
		}
	}
	o.say("")
	if !confirmed {
		o.say("%s", unconfirmed(&o, v, "consults"))
		o.say("")
	}
	o.say("%s", installDone(&o))
	return nil
}

// verifier tells whether the daemon consults the plugin, by sending it the
// probe container create (see probeDaemon).
type verifier struct {
	d       docker
	names   []string // how the plugin can be named in the daemon's denial
	canTell bool     // the plugin denies the probe, so the daemon's answer is conclusive
	other   bool     // another authorization plugin is configured
}

// newVerifier asks the plugin on sock whether it denies the probe. Without a
// denial (audit mode, or privileged containers allowed by the policy), the
// daemon's answer to the probe is the same with and without the plugin.
func (o *Options) newVerifier(ctx context.Context, sock string, configured []string) (*verifier, error) {
	v := &verifier{d: o.docker(), names: spellings(o.Name, configured)}
	for _, n := range configured {
		v.other = v.other || !SamePlugin(n, o.Name)
	}
	if sock == "" {
		return v, nil
	}
	deny, err := pluginDeniesProbe(ctx, sock)
	if err != nil {
		return nil, fmt.Errorf("asking the plugin on %s about the probe request: %w", sock, err)
	}
	v.canTell = deny
	return v, nil
}

func (v *verifier) state(ctx context.Context) (usage, string, error) {
	if !v.canTell {
		return unknown, "", nil
	}
	st, msg, err := v.d.probeDaemon(ctx, v.names)
	if err == nil && st == unknown && v.other {
		// Another authorization plugin denied the probe before ours was
		// asked; nothing can be concluded from the outside.
		v.canTell = false
	}
	return st, msg, err
}

// spellings lists the names under which the daemon can know the plugin: the
// one given and every equivalent one in daemon.json.
func spellings(name string, configured []string) []string {
	out := []string{name}
	cands := append(append([]string{}, configured...), strings.TrimSuffix(name, ":latest"), canonicalPlugin(name))
	for _, n := range cands {
		if !SamePlugin(n, name) {
			continue
		}
		dup := false
		for _, o := range out {
			dup = dup || o == n
		}
		if !dup {
			out = append(out, n)
		}
	}
	return out
}

// reload sends SIGHUP to dockerd, makes sure it survives, and waits until
// the probe shows the plugin consulted (want inUse) or not (notInUse). It
// returns whether that could be confirmed (see verifier). If dockerd dies,
// the daemon configuration is put back so that the daemon can be started
// again.
func (o *Options) reload(ctx context.Context, dm *daemon, edit *Edit, v *verifier, want usage) (bool, error) {
	o.say("reloading dockerd (SIGHUP to pid %d)", dm.pid)
	if err := syscall.Kill(dm.pid, syscall.SIGHUP); err != nil {
		return false, fmt.Errorf("sending SIGHUP to dockerd (pid %d): %w", dm.pid, err)
	}
	start := time.Now()
	deadline := start.Add(o.ReloadTimeout)
	var last usage
	var lastMsg string
	var lastErr error
	for {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
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
			return false, errors.New(msg)
		}
		last, lastMsg, lastErr = v.state(ctx)
		if lastErr == nil && last == want {
			break
		}
		if !v.canTell && time.Since(start) > 2*time.Second {
			// Nothing to wait for; dockerd handled the signal and lives.
			// One probe anyway: in audit mode the plugin logs it.
			v.d.probeDaemon(ctx, v.names)
			if !alive(dm.pid) {
				continue // reported above
			}
			o.say("dockerd reloaded and is running")
			return false, nil
		}
		if time.Now().After(deadline) {
			if lastErr != nil {
				return false, fmt.Errorf("after the reload of dockerd (pid %d): %w", dm.pid, lastErr)
			}
			verb := "still does not consult"
			if want == notInUse {
				verb = "still consults"
			}
			return false, fmt.Errorf("dockerd (pid %d) runs, but %s %s after the reload (the probe `docker create --privileged %s` got: %s); is %s the configuration file it reads? Check the daemon log for \"unable to configure the Docker daemon\"", dm.pid, verb, o.Name, ProbeImage, lastMsg, edit.Path)
		}
	}
	if !alive(dm.pid) {
		return false, fmt.Errorf("dockerd (pid %d) exited after the reload; check the daemon log", dm.pid)
	}
	if want == inUse {
		o.say("dockerd reloaded; verified: it denies `docker create --privileged` through %s", o.Name)
	} else {
		o.say("dockerd reloaded; verified: %s is no longer asked (the probe got \"No such image\")", o.Name)
	}
	return true, nil
}

// unconfirmed explains why the reload could not be checked from outside.
func unconfirmed(o *Options, v *verifier, verb string) string {
	why := "ci-authz would allow the probe `docker create --privileged` (audit mode, or the privileged rule is not deny)"
	if v.other {
		why = "another authorization plugin in the daemon configuration can answer the probe first, or " + why
	}
	return fmt.Sprintf(`NOTE: could not confirm from outside that dockerd now %s %s: %s.
dockerd reloaded and runs. The plugin logs the probe it was just sent (image %s)
to the daemon log when asked: journalctl -u docker | grep ci-authz-probe`, verb, o.Name, why, ProbeImage)
}

// pluginSockets lists where the socket of plugin info is. On Linux dockerd
// keeps plugin state in /run/docker/plugins/ID whatever its --exec-root
// (getPluginExecRoot: socket paths must stay under 108 bytes).
func (o *Options) pluginSockets(info *pluginInfo) []string {
	return []string{filepath.Join("/run/docker/plugins", info.ID, info.Config.Interface.Socket)}
}

// waitAnswering waits until the plugin's socket exists and the plugin
// allows a harmless request.
func (o *Options) waitAnswering(ctx context.Context, info *pluginInfo, timeout time.Duration) (string, error) {
	cands := o.pluginSockets(info)
	deadline := time.Now().Add(timeout)
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
			lastErr = fmt.Errorf("no socket at %s", strings.Join(cands, " or "))
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("plugin %s (%.12s) is enabled but does not answer within %s: %v. Its log is in the daemon log (journalctl -u docker | grep %.12s)", info.Name, info.ID, timeout, lastErr, info.ID)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// legacyPluginDirs are where dockerd discovers legacy plugins by name.
var legacyPluginDirs = []string{"/run/docker/plugins", "/etc/docker/plugins", "/usr/lib/docker/plugins"}

// checkOtherPlugins makes sure every other authorization plugin the daemon
// configuration names can be found: on reload dockerd validates the whole
// list and exits if one is missing or disabled, so ci-authz must not send
// SIGHUP to a daemon whose configuration is already broken that way.
func (o *Options) checkOtherPlugins(ctx context.Context, cfg *ConfigFile) error {
	var others []string
	for _, n := range cfg.Plugins {
		if !SamePlugin(n, o.Name) {
			others = append(others, n)
		}
	}
	if len(others) == 0 {
		return nil
	}
	all, err := o.docker().listPlugins(ctx)
	if err != nil {
		return err
	}
	for _, n := range others {
		if p := lookup(all, n); p != nil {
			if !p.Enabled {
				return fmt.Errorf("%s also lists the authorization plugin %q, which is disabled; dockerd validates every listed plugin on reload and exits if one is disabled, so ci-authz will not reload it. Enable that plugin (docker plugin enable %s) or remove it from %s first", cfg.Path, n, p.Name, AuthzKey)
			}
			continue
		}
		if !legacyPluginExists(n) {
			return fmt.Errorf("%s also lists the authorization plugin %q, which is neither an installed managed plugin nor a legacy plugin (no %s.sock or %s.spec/.json in %s); dockerd validates every listed plugin on reload and exits if one is missing, so ci-authz will not reload it. Start that plugin or remove it from %s first", cfg.Path, n, n, n, strings.Join(legacyPluginDirs, ", "), AuthzKey)
		}
	}
	return nil
}

func legacyPluginExists(name string) bool {
	if name == "" || strings.ContainsAny(name, "/\x00") {
		return false
	}
	for _, dir := range legacyPluginDirs {
		for _, ext := range []string{".sock", ".spec", ".json"} {
			for _, p := range []string{filepath.Join(dir, name+ext), filepath.Join(dir, name, name+ext)} {
				if _, err := os.Stat(p); err == nil {
					return true
				}
			}
		}
	}
	return false
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
// reloaded and no longer consulting it, and only then the plugin disabled
// and removed (a daemon.json naming a plugin that is disabled or gone makes
// dockerd exit on its next reload and fail to start). /etc/ci-authz is kept.
// Running it when ci-authz is not installed changes nothing.
func Uninstall(ctx context.Context, o Options) error {
	d, cfg, err := o.begin()
	if err != nil {
		return err
	}
	if cfg.Has(o.Name) {
		if err := checkWritableDir(filepath.Dir(cfg.Real), "daemon configuration "+cfg.Real); err != nil {
			return err
		}
	}
	ref, err := d.findPlugin(ctx, o.Name)
	if err != nil {
		return o.uninstallOffline(cfg, err)
	}
	enabled := ref != nil && ref.Enabled

	// The daemon can only consult an enabled plugin (disabling one removes
	// it from the daemon's authorization chain).
	v := &verifier{d: d, names: spellings(o.Name, cfg.Plugins)}
	var info *pluginInfo
	if ref != nil {
		if info, err = d.inspectPlugin(ctx, ref.ID); err != nil {
			return err
		}
		if src := info.mountSource("policy"); src != "" {
			o.PolicyDir = src
		}
	}
	if enabled {
		sock, err := o.waitAnswering(ctx, info, 3*time.Second)
		if err != nil {
			o.say("warning: %v", err)
			sock = ""
		}
		if v, err = o.newVerifier(ctx, sock, cfg.Plugins); err != nil {
			return err
		}
	}
	var dm *daemon
	if cfg.Has(o.Name) || enabled {
		if dm, err = o.checkDaemon(); err != nil {
			return err
		}
		if err := o.checkOtherPlugins(ctx, cfg); err != nil {
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
	if dm != nil {
		confirmed, err := o.reload(ctx, dm, edit, v, notInUse)
		if err != nil {
			return fmt.Errorf("%w\nThe plugin is left installed and enabled, so the daemon keeps working either way.", err)
		}
		if !confirmed && enabled {
			o.say("%s", unconfirmed(&o, v, "no longer consults"))
		}
	}

	// 2. Only now the plugin itself.
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

// uninstallOffline handles a daemon that does not answer. If it is not
// running either, daemon.json is the only thing to fix, and it must be
// fixed: dockerd refuses to start while it names a plugin that is disabled
// or gone, which is how a host ends up here.
func (o *Options) uninstallOffline(cfg *ConfigFile, cause error) error {
	if _, perr := ResolvePid(o.Pid, o.Pidfile); perr == nil {
		return fmt.Errorf("dockerd runs but does not answer at %s (pass --host?): %w", o.Host, cause)
	}
	if !cfg.Has(o.Name) {
		return fmt.Errorf("dockerd is not running and %s does not list %s; nothing to do until it runs: %w", cfg.Path, o.Name, cause)
	}
	if err := checkWritableDir(filepath.Dir(cfg.Real), "daemon configuration "+cfg.Real); err != nil {
		return err
	}
	edit, err := RemoveAuthzPlugin(o.DaemonConfig, o.Name, time.Now())
	if err != nil {
		return rootHint(err)
	}
	o.say("dockerd is not running (%v)", cause)
	o.say("removed %s from %s in %s (backup: %s), so that dockerd can start", o.Name, AuthzKey, edit.Path, edit.Backup)
	return fmt.Errorf("start docker (systemctl start docker), then run `ci-authz uninstall` again to remove the plugin, or `ci-authz install` to use it again")
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
(` + "`docker info`" + ` keeps listing the authorization plugins dockerd started with;
it does not show a change made by a reload.)

Policy: POLICY (without it, the built-in default;
` + "`SELF policy default`" + ` prints it). The plugin watches that directory, so an
edited policy applies at once; check it first with ` + "`SELF validate FILE`" + `.

Audit mode (log what would be denied, deny nothing):
  - simplest: put "mode: audit" in POLICY; it applies at once, and
    "mode: enforce" switches back the same way.
  - or the plugin setting CI_AUTHZ_MODE. Docker changes settings of disabled
    plugins only, and an authorization plugin must never be disabled while
    dockerd uses it (dockerd drops it from the chain at once, then exits on
    its next reload and refuses to start while daemon.json names it), so:
      SELF uninstall --keep-plugin` + "FLAGS" + `   (daemon stops using it, plugin disabled)
      DOCKER plugin set NAME CI_AUTHZ_MODE=audit
      SELF install` + "FLAGS" + `                 (enables, checks and re-adds it)
    Requests are not authorized between the first and the last command.

Uninstall: SELF uninstall` + "FLAGS" + ` (keeps /etc/ci-authz).`)
}
