// Package testhost holds what the end-to-end tests and the benchmarks need
// to run private Docker daemons on this host and leave nothing behind: a
// busybox image without a registry, an environment that cannot redirect the
// docker CLI or ci-authz, and clean-up of stray processes and mounts.
package testhost

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Logf reports what a clean-up did; nil discards it.
type Logf func(format string, args ...any)

func (l Logf) printf(format string, args ...any) {
	if l != nil {
		l(format, args...)
	}
}

// BusyboxPath finds the host's static busybox (Debian: busybox-static).
func BusyboxPath() (string, error) {
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("busybox"); err == nil {
		return p, nil
	}
	return "", errors.New("no busybox (apt-get install busybox-static)")
}

// applets are the busybox commands the tests and benchmarks run.
var applets = []string{"sh", "true", "false", "echo", "cat", "ls", "id", "sleep", "grep", "stat", "touch", "mkdir", "test", "head", "wc", "ln", "chown"}

// BusyboxTar is a rootfs tarball for `docker import`: the host's busybox
// with a few applets, /tmp and /etc.
func BusyboxTar() ([]byte, error) {
	bb, err := BusyboxPath()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(bb)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	hdrs := []*tar.Header{
		{Typeflag: tar.TypeDir, Name: "bin/", Mode: 0o755, ModTime: now},
		{Typeflag: tar.TypeDir, Name: "etc/", Mode: 0o755, ModTime: now},
		{Typeflag: tar.TypeDir, Name: "tmp/", Mode: 0o1777, ModTime: now},
		{Typeflag: tar.TypeReg, Name: "bin/busybox", Mode: 0o755, Size: int64(len(data)), ModTime: now},
	}
	for _, a := range applets {
		hdrs = append(hdrs, &tar.Header{Typeflag: tar.TypeSymlink, Name: "bin/" + a, Linkname: "busybox", Mode: 0o777, ModTime: now})
	}
	for _, h := range hdrs {
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(data); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// CleanEnv is this process's environment without DOCKER_* and CI_AUTHZ_*
// variables, which could redirect the docker CLI or change ci-authz's mode
// behind a test's back, plus extra.
func CleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DOCKER_") || strings.HasPrefix(kv, "CI_AUTHZ_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// KillStragglers SIGKILLs processes whose command line names dir
// (containerd, shims, plugins that survived their parent). They are the
// caller's by construction: dir is unique to its run.
func KillStragglers(dir string, logf Logf) {
	ents, _ := os.ReadDir("/proc")
	killed := false
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || !bytes.Contains(b, []byte(dir+"/")) {
			continue
		}
		logf.printf("killing straggler pid %d: %s", pid, strings.ReplaceAll(string(b), "\x00", " "))
		_ = syscall.Kill(pid, syscall.SIGKILL)
		killed = true
	}
	if killed {
		time.Sleep(200 * time.Millisecond)
	}
}

// UnmountUnder lazily unmounts every mount point at or below dir, deepest
// first.
func UnmountUnder(dir string, logf Logf) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var mps []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := unescapeMount(f[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			mps = append(mps, mp)
		}
	}
	sort.Slice(mps, func(i, j int) bool { return len(mps[i]) > len(mps[j]) })
	for _, mp := range mps {
		if err := syscall.Unmount(mp, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
			logf.printf("unmount %s: %v", mp, err)
		}
	}
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var out strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				out.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		out.WriteByte(s[i])
	}
	return out.String()
}
