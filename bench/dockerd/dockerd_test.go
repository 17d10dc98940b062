package dockerd

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{`/tmp/a\040b`: "/tmp/a b", "/plain": "/plain", `/x\134y`: `/x\y`} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBusyboxTar(t *testing.T) {
	b, err := busyboxTar()
	if err != nil {
		t.Skip(err)
	}
	names := map[string]bool{}
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names[h.Name] = true
	}
	for _, n := range []string{"bin/busybox", "bin/sh", "bin/true"} {
		if !names[n] {
			t.Errorf("the image lacks %s", n)
		}
	}
}

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
