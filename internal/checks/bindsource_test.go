package checks

import (
	"path"
	"slices"
	"strings"
	"testing"
)

// TestBindSourceSplitsLikeTheDaemon pins bindSource and modeReadOnly to
// the daemon's linux parser: strings.SplitN(raw, ":", 4), an absolute
// first part of two or more is a host path, the third of exactly three is
// the mode, read-only when one of its comma-separated options is "ro".
func TestBindSourceSplitsLikeTheDaemon(t *testing.T) {
	for _, raw := range []string{"/a:/b", "/a:/b:ro", "/a:/b:ro,z", "/a:/b:z,ro", "/a:/b:ro:x", "/a::", "/a:", ":/b", "/a",
		"vol:/b", "", ":", "/a:/b:c:d:e", "relative/x:/y", "/a:/b:", "/a:/b:rw"} {
		parts := strings.SplitN(raw, ":", 4)
		wantOK := len(parts) >= 2 && path.IsAbs(parts[0])
		wantMode := ""
		if len(parts) == 3 {
			wantMode = parts[2]
		}
		src, mode, ok := bindSource(raw)
		if ok != wantOK || ok && (src != parts[0] || mode != wantMode) {
			t.Errorf("bindSource(%q) = %q, %q, %v; the daemon's split gives %q", raw, src, mode, ok, parts)
		}
		if got, want := modeReadOnly(wantMode), slices.Contains(strings.Split(wantMode, ","), "ro"); got != want {
			t.Errorf("modeReadOnly(%q) = %v, want %v", wantMode, got, want)
		}
	}
}
