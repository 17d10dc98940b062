package hostpath

import (
	"fmt"
	"path"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
)

// Resolver follows symlinks in host paths. The daemon does not resolve bind
// sources, but the kernel follows symlinks when runc bind-mounts them, so
// a bind of /builds/ws/link where link -> /run mounts the host's /run.
//
// Root is where the host's root filesystem is visible to ci-authz: "/" for
// the legacy plugin, which runs on the host, and the read-only view the
// managed plugin's manifest mounts. An empty Root disables resolution.
//
// Resolution is a check at one instant: a job that can write a directory it
// is allowed to bind can replace a path with a symlink after the check
// (README: which bind sources are safe).
type Resolver struct {
	Root string
}

// Enabled reports whether r follows symlinks.
func (r Resolver) Enabled() bool { return r.Root != "" }

// Resolve returns where the cleaned host path leads once every symlink in it
// is followed, scoped to the host's root as the kernel would see it. Missing
// trailing components are kept as written.
func (r Resolver) Resolve(clean string) (string, error) {
	if !r.Enabled() {
		return clean, nil
	}
	root := path.Clean(r.Root)
	if noSymlinks(root, clean) {
		return clean, nil
	}
	joined, err := securejoin.SecureJoin(root, clean)
	if err != nil {
		return "", fmt.Errorf("cannot follow the symlinks in %s: %w", clean, err)
	}
	if root != "/" {
		joined = strings.TrimPrefix(joined, root)
	}
	return Clean("/" + joined), nil
}

// noSymlinks reports whether SecureJoin would give back clean unchanged
// because no component of it is a symlink, with one lstat per component
// and no other work: most bind sources are plain directories, and
// SecureJoin costs some 20 allocations per path. A component that does not
// exist ends the walk (nothing below it exists either; SecureJoin keeps
// such components as written). Anything else — a symlink, any other lstat
// error, a path that is not clean and absolute — is left to SecureJoin.
func noSymlinks(root, clean string) bool {
	if !path.IsAbs(clean) || Clean(clean) != clean {
		return false
	}
	full := clean
	if root != "/" {
		full = root + clean
	}
	start := len(full) - len(clean) // where clean begins in full
	for i := start + 1; i <= len(full); i++ {
		if i < len(full) && full[i] != '/' {
			continue
		}
		var st syscall.Stat_t
		err := syscall.Lstat(full[:i], &st)
		switch {
		case err == syscall.ENOENT || err == syscall.ENOTDIR:
			return true
		case err != nil, st.Mode&syscall.S_IFMT == syscall.S_IFLNK:
			return false
		}
	}
	return true
}
