package checks

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ci-authz/ci-authz/internal/hostpath"
)

// hostSource is a host path a request makes the daemon mount.
type hostSource struct {
	// Field and Value name it in the request for messages.
	Field, Value string
	// Path is the host path as written (absolute, not yet cleaned).
	Path string
	// ReadOnly is true when the container gets it read-only.
	ReadOnly bool
	// Relative is true for a volume option that names a host path relative
	// to dockerd's working directory; Path is then that path taken from
	// "/", where systemd starts dockerd.
	Relative bool
	// Bind is true for a local volume mounted with o=bind or rbind.
	Bind bool
}

// hostSources lists every host path a request mounts, by every way a
// request can bind one:
//   - HostConfig.Binds "src:dst[:mode]": an absolute src is a host path;
//   - HostConfig.Mounts type "bind": Source (an absolute Source of any type);
//   - HostConfig.Mounts type "volume" with inline DriverConfig options, which
//     the daemon creates on the fly (daemon/volumes.go) (of any type);
//   - POST /volumes/create DriverOpts, for a volume a later create mounts by
//     name, where its options are invisible.
//
// The local volume driver calls mount(device, path, type, o)
// (daemon/volume/local): "device" with o=bind is a host bind, and "o" can
// name host directories itself (overlay lowerdir=/a:/b,upperdir=,workdir=).
func hostSources(c *Request) []hostSource {
	if !c.haveSources {
		c.sources, c.haveSources = listHostSources(c), true
	}
	return c.sources
}

func listHostSources(c *Request) []hostSource {
	var out []hostSource
	if c.Volume != nil {
		out = append(out, volumeOptionSources("DriverOpts", c.Volume.DriverOpts)...)
	}
	for _, hc := range c.HostConfigs {
		for i, b := range hc.Binds {
			if src, mode, ok := bindSource(b); ok {
				out = append(out, hostSource{Field: hc.Field("Binds[" + strconv.Itoa(i) + "]"), Value: b, Path: src, ReadOnly: modeReadOnly(mode)})
			}
		}
		for i, m := range hc.Mounts {
			field := hc.Field("Mounts[" + strconv.Itoa(i) + "]")
			// Whatever the Type says: only "bind" takes a host Source and only
			// "volume" uses DriverConfig, but the daemon rejects the types it
			// does not know, so judging every mount can only deny requests
			// the daemon would refuse anyway, and no spelling of Type can
			// hide a source.
			if hostpath.IsAbs(m.Source) {
				out = append(out, hostSource{Field: field + ".Source", Value: m.Source, Path: m.Source, ReadOnly: m.ReadOnly})
			}
			if m.VolumeOptions != nil && m.VolumeOptions.DriverConfig != nil {
				out = append(out, volumeOptionSources(field+".VolumeOptions.DriverConfig.Options", m.VolumeOptions.DriverConfig.Options)...)
			}
		}
	}
	return out
}

// bindSource returns the host source and mode of a Binds entry the way the
// daemon's linux parser splits it (strings.SplitN(raw, ":", 4)); only an
// absolute source is a host path, anything else names a volume. An entry of
// two parts whose second is a mode ("/data:ro") is an anonymous volume to
// the daemon; treating its first part as a source can only deny more.
func bindSource(raw string) (src, mode string, ok bool) {
	// The parts of SplitN, without building them: src is parts[0], rest
	// holds parts[1:], and mode is parts[2] when there are exactly three.
	src, rest, ok := strings.Cut(raw, ":")
	if !ok || !hostpath.IsAbs(src) {
		return "", "", false
	}
	if _, m, ok := strings.Cut(rest, ":"); ok && !strings.Contains(m, ":") {
		mode = m
	}
	return src, mode, true
}

// modeReadOnly reads a Binds mode like the daemon's ReadWrite: read-only
// when one of its comma-separated options is "ro".
func modeReadOnly(mode string) bool {
	for {
		o, rest, more := strings.Cut(mode, ",")
		if o == "ro" {
			return true
		}
		if !more {
			return false
		}
		mode = rest
	}
}

// volumeOptionSources returns the host paths in volume driver options: the
// "device" option, and paths given as values in "o" (overlay's lowerdir,
// upperdir and workdir, a colon-separated list for lowerdir; any other
// value containing a slash). The local driver hands them to mount(2)
// unchanged, which resolves a relative path against dockerd's working
// directory: "../../run" is the host's /run. So a relative path is judged
// as if taken from "/" (and refused outright for a bind, below). Names
// such as "tmpfs" or "overlay" become "/tmpfs", which protects nothing.
// The local driver's keys are exact; any case is read so that a driver
// that folds case cannot hide one. Volumes are mounted later with whatever
// mode the container asks for, so they are never read-only here.
func volumeOptionSources(field string, opts map[string]string) []hostSource {
	var out []hostSource
	bind := false
	for _, k := range sortedKeys(opts) {
		if strings.EqualFold(k, "o") {
			for _, opt := range strings.Split(opts[k], ",") {
				if opt == "bind" || opt == "rbind" {
					bind = true
				}
			}
		}
	}
	add := func(field, value, p string) {
		s := hostSource{Field: field, Value: value, Path: p, Bind: bind}
		if !hostpath.IsAbs(p) {
			s.Path, s.Relative = "/"+p, true
		}
		out = append(out, s)
	}
	for _, k := range sortedKeys(opts) {
		v := opts[k]
		switch {
		case strings.EqualFold(k, "device"):
			if v != "" {
				add(field+"."+k, v, v)
			}
		case strings.EqualFold(k, "o"):
			for _, opt := range strings.Split(v, ",") {
				key, val, ok := strings.Cut(opt, "=")
				if !ok {
					continue
				}
				overlayDir := key == "lowerdir" || key == "upperdir" || key == "workdir"
				for _, p := range strings.Split(val, ":") {
					if p != "" && (overlayDir || strings.Contains(p, "/")) {
						add(field+"."+k, v, p)
					}
				}
			}
		}
	}
	return out
}

// pathJudge judges host paths as written (cleaned like the daemon) and,
// when resolution is on, where their symlinks lead on the host.
type pathJudge struct {
	resolver hostpath.Resolver
	// why says why a cleaned host path is refused, or "".
	why func(s hostSource, clean string) string
}

// judge returns why a source is refused ("" if it is not) and whether the
// reason is that its symlinks cannot be followed.
func (j pathJudge) judge(s hostSource) (reason string, unresolved bool) {
	if s.Relative && s.Bind {
		return fmt.Sprintf("relative host path %q: the daemon binds it relative to its working directory, which ci-authz cannot see", s.Value), true
	}
	clean := hostpath.Clean(s.Path)
	if reason := j.why(s, clean); reason != "" {
		return reason, false
	}
	if !j.resolver.Enabled() {
		return "", false
	}
	resolved, err := j.resolver.Resolve(clean)
	if err != nil {
		return err.Error() + ", so ci-authz cannot tell what it binds", true
	}
	if resolved == clean {
		return "", false
	}
	if reason := j.why(s, resolved); reason != "" {
		return fmt.Sprintf("host path %s is a symlink to %s: %s", clean, resolved, reason), false
	}
	return "", false
}

// unresolvedFix is the advice for a source ci-authz cannot follow.
const unresolvedFix = "bind a real directory by its absolute path, not a symlink or a relative path"
