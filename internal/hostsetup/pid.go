package hostsetup

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// procRoot is /proc; tests point it elsewhere.
var procRoot = "/proc"

// ReadPidfile reads the pid dockerd wrote to path (--pidfile, default
// /var/run/docker.pid).
func ReadPidfile(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, fmt.Errorf("pidfile %s does not exist: is dockerd running? If it writes its pid elsewhere, pass --pidfile FILE or --pid N", path)
		}
		return 0, fmt.Errorf("reading pidfile %s: %w", path, err)
	}
	s := strings.TrimSpace(string(data))
	pid, err := strconv.Atoi(s)
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pidfile %s does not hold a pid (it holds %q); pass --pid N with dockerd's pid", path, truncate(s, 40))
	}
	return pid, nil
}

// ResolvePid returns dockerd's pid: pid if it is set (> 0), otherwise the
// content of pidfile. It checks that the process exists and is dockerd, so
// that a stale pidfile never makes ci-authz signal an unrelated process.
func ResolvePid(pid int, pidfile string) (int, error) {
	from := "--pid"
	if pid < 0 {
		return 0, fmt.Errorf("--pid %d is not a pid", pid)
	}
	if pid == 0 {
		var err error
		if pid, err = ReadPidfile(pidfile); err != nil {
			return 0, err
		}
		from = "pidfile " + pidfile
	}
	if err := checkDockerd(pid); err != nil {
		return 0, fmt.Errorf("pid %d (from %s): %w", pid, from, err)
	}
	return pid, nil
}

// checkDockerd makes sure pid is a running dockerd.
func checkDockerd(pid int) error {
	comm, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "comm"))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("no such process (a stale pidfile? is dockerd running?); pass --pid N with dockerd's pid")
		}
		return fmt.Errorf("reading %s/%d/comm: %w", procRoot, pid, err)
	}
	name := strings.TrimSpace(string(comm))
	if name != "dockerd" {
		return fmt.Errorf("process is %q, not dockerd; pass --pid N with dockerd's pid", name)
	}
	return nil
}

// alive reports whether pid still runs dockerd (a zombie counts as dead).
func alive(pid int) bool {
	if checkDockerd(pid) != nil {
		return false
	}
	stat, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	// pid (comm) S ...: the state follows the last ')'.
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) {
		if st := stat[i+2]; st == 'Z' || st == 'X' {
			return false
		}
	}
	return true
}

// canSignal checks that we may send signals to pid.
func canSignal(pid int) error {
	err := syscall.Kill(pid, 0)
	if errors.Is(err, syscall.EPERM) {
		return fmt.Errorf("not allowed to signal dockerd (pid %d); run as root (sudo)", pid)
	}
	if err != nil {
		return fmt.Errorf("signalling dockerd (pid %d): %w", pid, err)
	}
	return nil
}

// daemonCmdline returns dockerd's argv and working directory, from /proc.
func daemonCmdline(pid int) (args []string, cwd string, err error) {
	data, err := os.ReadFile(filepath.Join(procRoot, strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return nil, "", err
	}
	data = bytes.TrimRight(data, "\x00")
	for _, a := range bytes.Split(data, []byte{0}) {
		args = append(args, string(a))
	}
	cwd, _ = os.Readlink(filepath.Join(procRoot, strconv.Itoa(pid), "cwd"))
	return args, cwd, nil
}

// checkDaemonArgs catches two set-ups in which editing daemonConfig cannot
// work: dockerd reads another configuration file (--config-file), or it has
// --authorization-plugin flags (dockerd refuses a daemon.json that sets
// authorization-plugins too, and on SIGHUP it would ignore the file).
//
// defaultConfig is the file dockerd reads without --config-file
// (DefaultDaemonConfig for a root dockerd, "" when unknown).
func checkDaemonArgs(args []string, cwd, daemonConfig, defaultConfig string) error {
	if len(args) > 0 {
		args = args[1:]
	}
	configFile := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		name, val, hasVal := strings.Cut(a, "=")
		switch name {
		case "--config-file":
			if !hasVal && i+1 < len(args) {
				i++
				val = args[i]
			}
			configFile = val
		case "--authorization-plugin":
			return fmt.Errorf("dockerd was started with %s; remove that flag from its command line (systemd unit or init script) and restart docker, then run again: authorization plugins must be configured in one place, and ci-authz manages them in %s", a, daemonConfig)
		}
	}
	how := "--config-file"
	if configFile == "" {
		if defaultConfig == "" {
			return nil
		}
		configFile, how = defaultConfig, "its default"
	}
	if !filepath.IsAbs(configFile) && cwd != "" {
		configFile = filepath.Join(cwd, configFile)
	}
	if !sameFile(configFile, daemonConfig) {
		return fmt.Errorf("dockerd reads its configuration from %s (%s), not %s; pass --daemon-config %s", configFile, how, daemonConfig, configFile)
	}
	return nil
}

// processUID is the owner of /proc/PID, the process's real uid.
func processUID(pid int) (int, bool) {
	fi, err := os.Stat(filepath.Join(procRoot, strconv.Itoa(pid)))
	if err != nil {
		return 0, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// sameFile compares two paths: the same inode if both exist, else the same
// absolute cleaned path.
func sameFile(a, b string) bool {
	fa, erra := os.Stat(a)
	fb, errb := os.Stat(b)
	if erra == nil && errb == nil {
		return os.SameFile(fa, fb)
	}
	aa, _ := filepath.Abs(a)
	ab, _ := filepath.Abs(b)
	return aa == ab
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
