package dockerd

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestSweepStale removes directories of runs that are gone and keeps
// those of runs still going.
func TestSweepStale(t *testing.T) {
	base := t.TempDir()
	gone, alive := filepath.Join(base, "run-gone"), filepath.Join(base, "run-alive")
	for dir, pid := range map[string]string{gone: "999999999", alive: strconv.Itoa(os.Getpid())} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(pid), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	SweepStale(filepath.Join(base, "run-*"))
	if _, err := os.Stat(gone); !os.IsNotExist(err) {
		t.Error("the directory of a run that is gone is still there")
	}
	if _, err := os.Stat(alive); err != nil {
		t.Error("the directory of a running run was removed")
	}
}
