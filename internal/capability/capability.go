// Package capability normalizes Linux capability names exactly as the Docker
// daemon does and knows Docker's default capability set.
package capability

import (
	"sort"
	"strings"
)

// All is the magic value that adds (or drops) every capability.
const All = "ALL"

// Normalize returns the name the daemon will use for a CapAdd/CapDrop entry.
//
// It mirrors daemon/pkg/oci/caps NormalizeLegacyCapabilities: strings.ToUpper
// (which is Unicode-aware, so "ſys_admin" becomes "SYS_ADMIN"), "ALL" kept as
// is, otherwise a "CAP_" prefix added. Using any other case folding would let
// "ſys_admin" slip past a comparison against "SYS_ADMIN".
func Normalize(name string) string {
	c := strings.ToUpper(name)
	if c == All {
		return c
	}
	if !strings.HasPrefix(c, "CAP_") {
		c = "CAP_" + c
	}
	return c
}

// IsASCII reports whether s is plain ASCII; policy files accept only those.
func IsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// Defaults is Docker's default capability set (daemon/pkg/oci/caps
// defaults.go DefaultCapabilities): what a container gets without CapAdd.
var Defaults = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// known is every capability of current Linux kernels (capability.h, up to
// CAP_CHECKPOINT_RESTORE), the set containerd's cap.Known() reports.
var known = map[string]bool{}

func init() {
	for _, c := range []string{
		"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
		"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
		"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
		"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
		"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
		"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
		"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
		"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
		"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
		"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
		"CAP_CHECKPOINT_RESTORE",
	} {
		known[c] = true
	}
}

// Known reports whether a normalized name is a Linux capability.
func Known(normalized string) bool { return known[normalized] }

// KnownNames lists every known capability, sorted, for error messages.
func KnownNames() []string {
	out := make([]string, 0, len(known))
	for c := range known {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Short strips the CAP_ prefix, the spelling docker run --cap-add uses.
func Short(normalized string) string { return strings.TrimPrefix(normalized, "CAP_") }
