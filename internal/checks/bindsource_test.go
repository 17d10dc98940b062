package checks

import (
	"path"
	"strings"
	"testing"
)

// TestBindSourceSplitsLikeTheDaemon pins bindSource to the daemon's linux
// parser: strings.SplitN(raw, ":", 4), an absolute first part of two or
// more is a host path.
func TestBindSourceSplitsLikeTheDaemon(t *testing.T) {
	for _, raw := range []string{"/a:/b", "/a:/b:ro", "/a:/b:ro:x", "/a::", "/a:", ":/b", "/a", "vol:/b", "", ":", "/a:/b:c:d:e", "relative/x:/y"} {
		parts := strings.SplitN(raw, ":", 4)
		wantOK := len(parts) >= 2 && path.IsAbs(parts[0])
		src, ok := bindSource(raw)
		if ok != wantOK || ok && src != parts[0] {
			t.Errorf("bindSource(%q) = %q, %v; the daemon's split gives %q", raw, src, ok, parts)
		}
	}
}
