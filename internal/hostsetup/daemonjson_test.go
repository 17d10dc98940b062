package hostsetup

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 24, 16, 30, 0, 0, time.UTC)

const backupSuffix = ".ci-authz-20261124T163000Z.bak"

// others is a daemon.json with settings ci-authz must keep exactly.
const others = `{
    "log-driver": "json-file",
    "log-opts": {"max-size": "10m",   "max-file": "3"},
    "registry-mirrors": [
        "https://mirror.example.com"
    ],
    "default-address-pools": [{"base":"10.200.0.0/16","size":24}],
    "max-concurrent-downloads": 1e1,
    "labels": ["caf\u00e9=1", "a<b"],
    "debug": false%s
}
`

func othersWith(extra string) string { return strings.Replace(others, "%s", extra, 1) }

// rawValues returns every top-level value of a daemon.json as raw bytes.
func rawValues(t *testing.T, data []byte) map[string]string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("result is not a JSON object: %v\n%s", err, data)
	}
	out := map[string]string{}
	for k, v := range m {
		out[k] = string(v)
	}
	return out
}

func plugins(t *testing.T, data []byte) []string {
	t.Helper()
	var c struct {
		P *[]string `json:"authorization-plugins"`
	}
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	if c.P == nil {
		return nil
	}
	return *c.P
}

func backups(t *testing.T, dir string) []string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*.bak"))
	return m
}

func TestEditDaemonConfig(t *testing.T) {
	type op func(path, name string, now time.Time) (*Edit, error)
	tests := []struct {
		name    string
		op      op
		plugin  string
		content *string // nil: no file
		mode    os.FileMode

		wantErr     string // substring; the file must then be untouched
		wantChanged bool
		wantPlugins []string // authorization-plugins after; nil: key absent
		wantExact   string   // whole file after, if set
	}{
		{
			name: "add to a missing file creates it", op: AddAuthzPlugin, plugin: "ci-authz:latest",
			wantChanged: true, wantPlugins: []string{"ci-authz:latest"},
			wantExact: "{\n  \"authorization-plugins\": [\"ci-authz:latest\"]\n}\n",
		},
		{
			name: "add to an empty file", op: AddAuthzPlugin, plugin: "ci-authz:latest", content: ptr("  \n"),
			wantChanged: true, wantPlugins: []string{"ci-authz:latest"},
		},
		{
			name: "add to {}", op: AddAuthzPlugin, plugin: "ci-authz:latest", content: ptr("{}"),
			wantChanged: true, wantPlugins: []string{"ci-authz:latest"},
		},
		{
			name: "add keeps every other key byte for byte", op: AddAuthzPlugin, plugin: "ci-authz:latest",
			content: ptr(othersWith("")), mode: 0o600,
			wantChanged: true, wantPlugins: []string{"ci-authz:latest"},
		},
		{
			name: "add appends to another authz plugin", op: AddAuthzPlugin, plugin: "ci-authz:latest",
			content:     ptr(othersWith(`, "authorization-plugins": ["opa-docker-authz"]`)),
			wantChanged: true, wantPlugins: []string{"opa-docker-authz", "ci-authz:latest"},
		},
		{
			name: "add with null list", op: AddAuthzPlugin, plugin: "ci-authz:latest",
			content:     ptr(`{"authorization-plugins": null, "debug": true}`),
			wantChanged: true, wantPlugins: []string{"ci-authz:latest"},
		},
		{
			name: "add is a no-op when listed with the tag", op: AddAuthzPlugin, plugin: "ci-authz:latest",
			content:     ptr(othersWith(`, "authorization-plugins": ["ci-authz:latest"]`)),
			wantPlugins: []string{"ci-authz:latest"},
		},
		{
			name: "add is a no-op when listed without the tag", op: AddAuthzPlugin, plugin: "ci-authz:latest",
			content:     ptr(`{"authorization-plugins":["ci-authz"]}`),
			wantPlugins: []string{"ci-authz"},
		},
		{
			name: "add refuses a syntax error", op: AddAuthzPlugin, plugin: "ci-authz:latest",
			content: ptr("{\n  \"debug\": true,\n}\n"),
			wantErr: "line 3, column 1",
		},
		{
			name: "add refuses a truncated file", op: AddAuthzPlugin, plugin: "ci-authz:latest",
			content: ptr(`{"debug": true`),
			wantErr: "invalid JSON",
		},
		{
			name: "add refuses trailing data", op: AddAuthzPlugin, plugin: "ci-authz:latest",
			content: ptr(`{"debug": true} {}`),
			wantErr: "invalid JSON",
		},
		{
			name: "add refuses a top-level array", op: AddAuthzPlugin, plugin: "ci-authz:latest",
			content: ptr(`["ci-authz"]`),
			wantErr: "must hold a JSON object",
		},
		{
			name: "add refuses authorization-plugins that is not a list", op: AddAuthzPlugin, plugin: "ci-authz:latest",
			content: ptr(`{"authorization-plugins": "ci-authz"}`),
			wantErr: `"authorization-plugins" must be a list`,
		},
		{
			name: "remove the only entry drops the key", op: RemoveAuthzPlugin, plugin: "ci-authz:latest",
			content:     ptr(othersWith(`, "authorization-plugins": ["ci-authz:latest"]`)),
			wantChanged: true, wantPlugins: nil,
		},
		{
			name: "remove both spellings, keep other plugins", op: RemoveAuthzPlugin, plugin: "ci-authz:latest",
			content:     ptr(`{"authorization-plugins": ["ci-authz", "opa-docker-authz", "ci-authz:latest"], "debug": true}`),
			wantChanged: true, wantPlugins: []string{"opa-docker-authz"},
		},
		{
			name: "remove by the short name", op: RemoveAuthzPlugin, plugin: "ci-authz",
			content:     ptr(`{"authorization-plugins": ["docker.io/library/ci-authz:latest"]}`),
			wantChanged: true, wantPlugins: nil,
			wantExact: "{}\n",
		},
		{
			name: "remove from a file without the plugin is a no-op", op: RemoveAuthzPlugin, plugin: "ci-authz:latest",
			content:     ptr(othersWith(`, "authorization-plugins": ["ci-authz-other:latest"]`)),
			wantPlugins: []string{"ci-authz-other:latest"},
		},
		{
			name: "remove from a missing file is a no-op", op: RemoveAuthzPlugin, plugin: "ci-authz:latest",
		},
		{
			name: "remove refuses a syntax error", op: RemoveAuthzPlugin, plugin: "ci-authz:latest",
			content: ptr(`{"authorization-plugins": ["ci-authz:latest",]}`),
			wantErr: "line 1, column 46",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "daemon.json")
			mode := tc.mode
			if mode == 0 {
				mode = 0o644
			}
			if tc.content != nil {
				if err := os.WriteFile(path, []byte(*tc.content), mode); err != nil {
					t.Fatal(err)
				}
				os.Chmod(path, mode)
			}

			e, err := tc.op(path, tc.plugin, now)

			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("err = %v, want one naming %s and containing %q", err, path, tc.wantErr)
				}
				var ce *ConfigError
				if !errors.As(err, &ce) {
					t.Errorf("err is %T, want *ConfigError", err)
				}
				got, _ := os.ReadFile(path)
				if string(got) != *tc.content {
					t.Errorf("file changed after an error:\n%s", got)
				}
				if b := backups(t, dir); len(b) != 0 {
					t.Errorf("backups written after an error: %v", b)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Changed != tc.wantChanged {
				t.Errorf("Changed = %v, want %v", e.Changed, tc.wantChanged)
			}

			got, readErr := os.ReadFile(path)
			if tc.content == nil && !tc.wantChanged {
				if !errors.Is(readErr, os.ErrNotExist) {
					t.Fatalf("a no-op created %s", path)
				}
				return
			}
			if readErr != nil {
				t.Fatal(readErr)
			}
			if !tc.wantChanged {
				if string(got) != *tc.content {
					t.Errorf("a no-op rewrote the file:\n%s", got)
				}
				if b := backups(t, dir); len(b) != 0 {
					t.Errorf("a no-op wrote backups: %v", b)
				}
				return
			}

			if p := plugins(t, got); !reflect.DeepEqual(p, tc.wantPlugins) {
				t.Errorf("authorization-plugins = %q, want %q", p, tc.wantPlugins)
			}
			if tc.wantPlugins == nil {
				if _, ok := rawValues(t, got)[AuthzKey]; ok {
					t.Errorf("%s left in the file:\n%s", AuthzKey, got)
				}
			}
			if tc.wantExact != "" && string(got) != tc.wantExact {
				t.Errorf("file =\n%s\nwant\n%s", got, tc.wantExact)
			}
			// Every other key: same raw bytes, same order.
			before, after := map[string]string{}, rawValues(t, got)
			if tc.content != nil && strings.TrimSpace(*tc.content) != "" {
				before = rawValues(t, []byte(*tc.content))
			}
			for k, v := range before {
				if k == AuthzKey {
					continue
				}
				if after[k] != v {
					t.Errorf("key %q changed: %s -> %s", k, v, after[k])
				}
			}
			for k := range after {
				if _, ok := before[k]; !ok && k != AuthzKey {
					t.Errorf("key %q appeared", k)
				}
			}
			if tc.content != nil && strings.Contains(*tc.content, "log-driver") {
				if i, j := strings.Index(string(got), "log-driver"), strings.Index(string(got), `"debug"`); i > j {
					t.Errorf("key order not kept:\n%s", got)
				}
			}

			// Mode kept; backup of the old content next to the file.
			fi, _ := os.Stat(path)
			if fi.Mode().Perm() != mode {
				t.Errorf("mode = %v, want %v", fi.Mode().Perm(), mode)
			}
			if tc.content == nil {
				if e.Backup != "" || !e.Created {
					t.Errorf("new file: Backup = %q, Created = %v", e.Backup, e.Created)
				}
			} else {
				if e.Backup != path+backupSuffix {
					t.Errorf("Backup = %q, want %q", e.Backup, path+backupSuffix)
				}
				b, err := os.ReadFile(e.Backup)
				if err != nil || string(b) != *tc.content {
					t.Errorf("backup = %q, %v; want the old content", b, err)
				}
			}
			if m, _ := filepath.Glob(filepath.Join(dir, ".daemon.json.tmp-*")); len(m) != 0 {
				t.Errorf("temporary files left: %v", m)
			}

			// Idempotent: the same operation again changes nothing.
			e2, err := tc.op(path, tc.plugin, now)
			if err != nil || e2.Changed {
				t.Errorf("second run: Changed = %v, err = %v", e2 != nil && e2.Changed, err)
			}
			again, _ := os.ReadFile(path)
			if string(again) != string(got) {
				t.Errorf("second run changed the file:\n%s", again)
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestAddThenRemoveRestoresSettings(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "daemon.json")
	orig := othersWith("")
	os.WriteFile(path, []byte(orig), 0o644)
	if _, err := AddAuthzPlugin(path, "ci-authz:latest", now); err != nil {
		t.Fatal(err)
	}
	if _, err := RemoveAuthzPlugin(path, "ci-authz", now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	// A file in the usual one-key-per-line layout comes back byte for byte.
	got, _ := os.ReadFile(path)
	if string(got) != orig {
		t.Errorf("file differs after install+uninstall:\n%s\nwant\n%s", got, orig)
	}
	if b := backups(t, dir); len(b) != 2 {
		t.Errorf("want two backups, got %v", b)
	}
}

func TestBackupNamesDoNotCollide(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "daemon.json")
	os.WriteFile(path, []byte(`{}`), 0o644)
	for i := 0; i < 3; i++ {
		var err error
		if i%2 == 0 {
			_, err = AddAuthzPlugin(path, "ci-authz:latest", now)
		} else {
			_, err = RemoveAuthzPlugin(path, "ci-authz:latest", now)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if b := backups(t, dir); len(b) != 3 {
		t.Errorf("want 3 distinct backups in the same second, got %v", b)
	}
}

func TestEditFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.json")
	link := filepath.Join(dir, "daemon.json")
	os.WriteFile(real, []byte(`{"debug": true}`), 0o644)
	if err := os.Symlink("real.json", link); err != nil {
		t.Fatal(err)
	}
	e, err := AddAuthzPlugin(link, "ci-authz:latest", now)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("symlink replaced by a file")
	}
	got, _ := os.ReadFile(real)
	if p := plugins(t, got); !reflect.DeepEqual(p, []string{"ci-authz:latest"}) {
		t.Errorf("target not edited: %s", got)
	}
	if e.Backup != real+backupSuffix {
		t.Errorf("Backup = %q, want next to the target", e.Backup)
	}
}

func TestRestore(t *testing.T) {
	for _, existed := range []bool{true, false} {
		dir := t.TempDir()
		path := filepath.Join(dir, "daemon.json")
		orig := `{"debug":true}`
		if existed {
			os.WriteFile(path, []byte(orig), 0o600)
		}
		e, err := AddAuthzPlugin(path, "ci-authz:latest", now)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Restore(); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if existed {
			fi, _ := os.Stat(path)
			if string(got) != orig || fi.Mode().Perm() != 0o600 {
				t.Errorf("restored %q mode %v, want %q 0600", got, fi.Mode().Perm(), orig)
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("Restore left a file the edit created: %q", got)
		}
	}
}

func TestSamePlugin(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"ci-authz", "ci-authz:latest", true},
		{"ci-authz:latest", "ci-authz:latest", true},
		{"docker.io/library/ci-authz:latest", "ci-authz", true},
		{"library/ci-authz", "ci-authz:latest", true},
		{"ci-authz:v1", "ci-authz:latest", false},
		{"ci-authz-x", "ci-authz", false},
		{"registry.example.com:5000/ci-authz", "registry.example.com:5000/ci-authz:latest", true},
		{"registry.example.com:5000/ci-authz", "ci-authz", false},
		{"example/ci-authz", "ci-authz", false},
	}
	for _, tc := range tests {
		if got := SamePlugin(tc.a, tc.b); got != tc.want {
			t.Errorf("SamePlugin(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestLineCol(t *testing.T) {
	data := []byte("ab\ncd\n")
	for _, tc := range []struct {
		off       int64
		line, col int
	}{{0, 1, 1}, {1, 1, 1}, {2, 1, 2}, {3, 2, 1}, {5, 2, 2}, {99, 3, 1}} {
		if l, c := lineCol(data, tc.off); l != tc.line || c != tc.col {
			t.Errorf("lineCol(%d) = %d:%d, want %d:%d", tc.off, l, c, tc.line, tc.col)
		}
	}
}
