package checks

import (
	"fmt"
	"sort"
	"strings"

	"github.com/moby/moby/api/types/mount"

	"github.com/ci-authz/ci-authz/internal/hostpath"
	"github.com/ci-authz/ci-authz/internal/policy"
)

// checkHostSockets finds binds whose host source is a protected socket, a
// directory above one or a path inside a protected directory, by every way a
// create body can bind a host path:
//   - HostConfig.Binds "src:dst[:mode]": an absolute src is a host path;
//   - HostConfig.Mounts type "bind": Source;
//   - HostConfig.Mounts type "volume" with inline DriverConfig options: the
//     local driver mounts Options["device"] (o=bind makes it a host bind),
//     and the daemon creates that volume on the fly (daemon/volumes.go);
//   - POST /volumes/create with the same DriverOpts, for a volume that a
//     later create mounts by name, where its options are invisible.
func checkHostSockets(c *Request, p *policy.Policy) []Finding {
	var out []Finding
	j := socketJudge{p: p, resolver: c.HostPaths}
	if c.Volume != nil {
		out = j.devices(out, "DriverOpts", c.Volume.DriverOpts)
	}
	for _, hc := range c.HostConfigs {
		for i, b := range hc.Binds {
			if src, ok := bindSource(b); ok {
				out = j.source(out, hc.Field(fmt.Sprintf("Binds[%d]", i)), b, src)
			}
		}
		for i, m := range hc.Mounts {
			field := hc.Field(fmt.Sprintf("Mounts[%d]", i))
			switch m.Type {
			case mount.TypeBind:
				out = j.source(out, field+".Source", m.Source, m.Source)
			case mount.TypeVolume:
				if m.VolumeOptions == nil || m.VolumeOptions.DriverConfig == nil {
					continue
				}
				out = j.devices(out, field+".VolumeOptions.DriverConfig.Options", m.VolumeOptions.DriverConfig.Options)
			}
		}
	}
	return out
}

// bindSource returns the host source of a Binds entry the way the daemon's
// linux parser splits it (strings.SplitN(raw, ":", 4)); only an absolute
// source is a host path, anything else names a volume. An entry of two
// parts whose second is a mode ("/data:ro") is an anonymous volume to the
// daemon; treating its first part as a source can only deny more.
func bindSource(raw string) (string, bool) {
	// strings.Cut gives the daemon's parts[0], and ok when len(parts) >= 2.
	src, _, ok := strings.Cut(raw, ":")
	if !ok || !hostpath.IsAbs(src) {
		return "", false
	}
	return src, true
}

// socketJudge judges host sources against the protected paths.
type socketJudge struct {
	p        *policy.Policy
	resolver hostpath.Resolver
}

// source judges one host source: as written (cleaned like the daemon), then,
// when resolution is on, where its symlinks lead on the host.
func (j socketJudge) source(out []Finding, field, value, source string) []Finding {
	if !hostpath.IsAbs(source) {
		return out
	}
	clean := hostpath.Clean(source)
	if reason := j.why(clean); reason != "" {
		return append(out, Finding{Rule: policy.HostSockets, Field: field, Value: value, Reason: reason, Fix: buildFix})
	}
	if !j.resolver.Enabled() {
		return out
	}
	resolved, err := j.resolver.Resolve(clean)
	if err != nil {
		return append(out, Finding{Rule: policy.HostSockets, Field: field, Value: value,
			Reason: err.Error() + ", so ci-authz cannot tell what it binds", Fix: "bind a real directory, not a symlink"})
	}
	if resolved == clean {
		return out
	}
	if reason := j.why(resolved); reason != "" {
		return append(out, Finding{Rule: policy.HostSockets, Field: field, Value: value,
			Reason: fmt.Sprintf("host path %s is a symlink to %s: %s", clean, resolved, reason), Fix: buildFix})
	}
	return out
}

// why says why a cleaned host path gives access to a protected path, or "".
func (j socketJudge) why(clean string) string {
	if hostpath.ReachesAnyPath(clean) {
		return fmt.Sprintf("host path %s reaches every host path, the Docker socket included, through /proc/<pid>/root", clean)
	}
	const root = "access to the Docker or containerd socket is root on the host"
	for _, pat := range j.p.SocketPaths {
		switch pat.Relate(clean) {
		case hostpath.Same:
			return fmt.Sprintf("host path %s is a protected socket path, and %s", clean, root)
		case hostpath.Ancestor:
			return fmt.Sprintf("host path %s contains %s, and %s", clean, pat.Text, root)
		case hostpath.Descendant:
			return fmt.Sprintf("host path %s is inside %s, and %s", clean, pat.Text, root)
		}
	}
	return ""
}

// devices judges the "device" option of volume driver options: the local
// driver mounts it (mount(device, path, type, o); with o=bind it is a host
// bind). The local driver's keys are exact; any case is matched so that a
// driver that folds case cannot hide one.
func (j socketJudge) devices(out []Finding, field string, opts map[string]string) []Finding {
	for _, k := range sortedKeys(opts) {
		if strings.EqualFold(k, "device") {
			out = j.source(out, field+"."+k, opts[k], opts[k])
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
