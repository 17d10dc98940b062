package hostsetup

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestLegacyPluginExists(t *testing.T) {
	run, etc := t.TempDir(), t.TempDir()
	old := legacyPluginDirs
	legacyPluginDirs = []string{run, etc}
	t.Cleanup(func() { legacyPluginDirs = old })
	os.WriteFile(filepath.Join(run, "sock-authz.sock"), nil, 0o644)
	os.MkdirAll(filepath.Join(run, "nested"), 0o755)
	os.WriteFile(filepath.Join(run, "nested", "nested.sock"), nil, 0o644)
	os.WriteFile(filepath.Join(etc, "spec-authz.spec"), []byte("unix:///x.sock"), 0o644)
	os.WriteFile(filepath.Join(etc, "json-authz.json"), []byte(`{}`), 0o644)

	for name, want := range map[string]bool{
		"sock-authz": true, "nested": true, "spec-authz": true, "json-authz": true,
		"missing": false, "": false, "../etc/passwd": false, "nested/nested": false,
	} {
		if got := legacyPluginExists(name); got != want {
			t.Errorf("legacyPluginExists(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestSpellings(t *testing.T) {
	got := spellings("ci-authz:latest", []string{"opa", "ci-authz", "docker.io/library/ci-authz:latest"})
	want := []string{"ci-authz:latest", "ci-authz", "docker.io/library/ci-authz:latest"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("spellings = %q, want %q", got, want)
	}
}

func TestIsAuthz(t *testing.T) {
	for types, want := range map[string]bool{
		"docker.authz/1.0":        true,
		"docker.volumedriver/1.0": false,
		"authz/1.0":               false,
		"docker.authzx/1.0":       false,
	} {
		p := &pluginInfo{}
		p.Config.Interface.Types = []string{types}
		if got := p.isAuthz(); got != want {
			t.Errorf("isAuthz(%q) = %v, want %v", types, got, want)
		}
	}
}
