package testhost

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"strings"
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
	b, err := BusyboxTar()
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
	for _, n := range []string{"bin/busybox", "bin/sh", "bin/true", "tmp/"} {
		if !names[n] {
			t.Errorf("the image lacks %s", n)
		}
	}
}

func TestCleanEnv(t *testing.T) {
	t.Setenv("DOCKER_HOST", "tcp://elsewhere")
	t.Setenv("CI_AUTHZ_MODE", "audit")
	env := CleanEnv("X=1")
	joined := strings.Join(env, "\n")
	if strings.Contains(joined, "DOCKER_HOST") || strings.Contains(joined, "CI_AUTHZ_MODE") || env[len(env)-1] != "X=1" {
		t.Errorf("CleanEnv: %v", env)
	}
	if len(env) > len(os.Environ()) {
		t.Error("CleanEnv added more than extra")
	}
}
