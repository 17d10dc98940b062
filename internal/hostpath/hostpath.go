// Package hostpath canonicalizes host paths the way the Docker daemon's mount
// code does and matches them against protected paths.
package hostpath

import (
	"path"
	"strings"
)

// Clean returns the host path the daemon will actually bind for source.
//
// The daemon cleans bind sources lexically (daemon/volume/mounts
// linux_parser.go: mp.Source = path.Clean(filepath.ToSlash(src))) and does not
// resolve symlinks; the kernel then follows /var/run -> /run, which is a
// symlink on every FHS 3.0 distribution. So /var/run and /run are one tree.
func Clean(source string) string {
	p := path.Clean(source)
	if p == "/var/run" || strings.HasPrefix(p, "/var/run/") {
		p = "/run" + strings.TrimPrefix(p, "/var/run")
	}
	return p
}

// IsAbs reports whether the daemon treats a bind source as a host path rather
// than a volume name (daemon/volume/mounts: path.IsAbs decides).
func IsAbs(source string) bool { return path.IsAbs(source) }

// Relation says how a bind source relates to a protected path.
type Relation int

const (
	// Unrelated: the source gives no access to the protected path.
	Unrelated Relation = iota
	// Same: the source is the protected path.
	Same
	// Ancestor: the source is a directory above the protected path, so the
	// protected path is reachable inside the container.
	Ancestor
	// Descendant: the source lies inside a protected directory.
	Descendant
)

// Pattern is a protected path, cleaned and split into segments; a segment
// may be a path.Match glob (e.g. /run/user/*/docker.sock).
type Pattern struct {
	Text     string
	segments []string
	// varRun is the same path spelled under /var/run, for patterns under /run:
	// /var is a directory above /var/run/docker.sock even though Clean maps
	// /var/run to /run (and on hosts where /var/run is a real directory, the
	// socket really lives there).
	varRun []string
}

// NewPattern compiles an absolute protected path. It returns an error for a
// relative path or a malformed glob.
func NewPattern(p string) (Pattern, error) {
	if !path.IsAbs(p) {
		return Pattern{}, errNotAbsolute
	}
	c := Clean(p)
	for _, seg := range split(c) {
		if _, err := path.Match(seg, ""); err != nil {
			return Pattern{}, err
		}
	}
	pt := Pattern{Text: c, segments: split(c)}
	if c == "/run" || strings.HasPrefix(c, "/run/") {
		pt.varRun = split("/var" + c)
	}
	return pt, nil
}

type constError string

func (e constError) Error() string { return string(e) }

const errNotAbsolute = constError("must be an absolute path")

func split(p string) []string {
	if p == "/" {
		return nil
	}
	return strings.Split(strings.TrimPrefix(p, "/"), "/")
}

// Relate tells how the cleaned source relates to the pattern.
func (pt Pattern) Relate(cleanSource string) Relation {
	if r := relate(pt.segments, cleanSource); r != Unrelated {
		return r
	}
	if pt.varRun != nil && relate(pt.varRun, cleanSource) == Ancestor {
		return Ancestor
	}
	return Unrelated
}

// relate compares a cleaned absolute path with pattern segments, walking
// the path's segments without splitting it (checks run for every source
// against every protected path).
func relate(pattern []string, src string) Relation {
	rest := strings.TrimPrefix(src, "/")
	i := 0
	for rest != "" {
		if i == len(pattern) {
			return Descendant
		}
		seg, tail, _ := strings.Cut(rest, "/")
		if ok, _ := path.Match(pattern[i], seg); !ok {
			return Unrelated
		}
		i, rest = i+1, tail
	}
	if i == len(pattern) {
		return Same
	}
	return Ancestor
}

// ReachesAnyPath reports whether a cleaned source under /proc can lead to an
// arbitrary host path through the kernel's magic links (/proc/<pid>/root,
// /proc/<pid>/cwd, /proc/<pid>/fd/*, /proc/self/...): binding /proc/1/root
// binds the host's /, and binding /proc binds every process's root.
func ReachesAnyPath(cleanSource string) bool {
	if cleanSource == "/proc" {
		return true
	}
	if !strings.HasPrefix(cleanSource, "/proc/") {
		return false
	}
	first, _, _ := strings.Cut(strings.TrimPrefix(cleanSource, "/proc/"), "/")
	if first == "self" || first == "thread-self" {
		return true
	}
	for _, r := range first {
		if r < '0' || r > '9' {
			return false
		}
	}
	return first != ""
}
