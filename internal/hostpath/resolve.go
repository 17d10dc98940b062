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
	// memo, when set (ForRequest), remembers what lstat found on the way,
	// so that binds below the same directories cost no new syscalls.
	memo *lstatMemo
}

// ForRequest returns a Resolver like r that remembers what it saw while one
// request is judged; take a new one for each request.
func (r Resolver) ForRequest() Resolver {
	if r.Enabled() {
		r.memo = &lstatMemo{}
	}
	return r
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
	if noSymlinks(root, clean, r.memo) {
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
// (or what memo remembers of it) and no other work: most bind sources are
// plain directories, and SecureJoin costs some 20 allocations per path. A
// component that does not exist ends the walk (nothing below it exists
// either; SecureJoin keeps such components as written). Anything else — a
// symlink, any other lstat error, a path that is not clean and absolute —
// is left to SecureJoin. memo may be nil.
func noSymlinks(root, clean string, memo *lstatMemo) bool {
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
		st, ok := memo.get(full[:i])
		if !ok {
			st = lstat(full[:i])
			memo.put(full[:i], st)
		}
		switch st {
		case missing:
			return true
		case other:
			return false
		}
	}
	return true
}

// lstatState is what lstat says of a path, as far as noSymlinks cares.
type lstatState uint8

const (
	plain   lstatState = iota // exists and is not a symlink
	missing                   // ENOENT or ENOTDIR
	other                     // a symlink, or another error
)

func lstat(p string) lstatState {
	var st syscall.Stat_t
	err := syscall.Lstat(p, &st)
	switch {
	case err == syscall.ENOENT || err == syscall.ENOTDIR:
		return missing
	case err != nil, st.Mode&syscall.S_IFMT == syscall.S_IFLNK:
		return other
	}
	return plain
}

// lstatMemo remembers the lstat results of a few paths. A request with
// hundreds of binds below the same directories then costs a few syscalls,
// not hundreds; it is bounded so that a request naming thousands of
// different directories does not make it slow to search.
type lstatMemo struct {
	n       int
	entries [16]struct {
		path  string
		state lstatState
	}
}

func (m *lstatMemo) get(p string) (lstatState, bool) {
	if m == nil {
		return 0, false
	}
	for i := range m.n {
		if m.entries[i].path == p {
			return m.entries[i].state, true
		}
	}
	return 0, false
}

func (m *lstatMemo) put(p string, st lstatState) {
	if m == nil || m.n == len(m.entries) {
		return
	}
	m.entries[m.n].path, m.entries[m.n].state = p, st
	m.n++
}
