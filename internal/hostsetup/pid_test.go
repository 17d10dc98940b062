package hostsetup

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// fakeProc makes a /proc with the given pid -> comm entries (and a stat
// line in state R, or state if comm is "dockerd:Z").
func fakeProc(t *testing.T, procs map[int]string) {
	t.Helper()
	root := t.TempDir()
	for pid, comm := range procs {
		state := "S"
		if c, s, ok := strings.Cut(comm, ":"); ok {
			comm, state = c, s
		}
		dir := filepath.Join(root, strconv.Itoa(pid))
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "comm"), []byte(comm+"\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "stat"), []byte(strconv.Itoa(pid)+" ("+comm+") "+state+" 1 2 3\n"), 0o644)
	}
	old := procRoot
	procRoot = root
	t.Cleanup(func() { procRoot = old })
}

func TestReadPidfile(t *testing.T) {
	tests := []struct {
		name    string
		content *string
		want    int
		wantErr string
	}{
		{"plain", ptr("1234"), 1234, ""},
		{"newline and spaces", ptr("  42 \n"), 42, ""},
		{"missing", nil, 0, "does not exist"},
		{"empty", ptr(""), 0, "does not hold a pid"},
		{"text", ptr("dockerd\n"), 0, "does not hold a pid"},
		{"zero", ptr("0"), 0, "does not hold a pid"},
		{"negative", ptr("-1"), 0, "does not hold a pid"},
		{"two numbers", ptr("12 34"), 0, "does not hold a pid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "docker.pid")
			if tc.content != nil {
				os.WriteFile(path, []byte(*tc.content), 0o644)
			}
			got, err := ReadPidfile(path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("err = %v, want one naming %s and containing %q", err, path, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("= %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func TestResolvePid(t *testing.T) {
	fakeProc(t, map[int]string{100: "dockerd", 200: "bash", 300: "dockerd:Z"})
	tests := []struct {
		name    string
		pid     int
		pidfile *string // content; nil: no pidfile
		want    int
		wantErr string
	}{
		{"pidfile names dockerd", 0, ptr("100\n"), 100, ""},
		{"--pid wins over the pidfile", 100, ptr("200"), 100, ""},
		{"--pid without a pidfile", 100, nil, 100, ""},
		{"no pid, no pidfile", 0, nil, 0, "does not exist"},
		{"stale pidfile: no such process", 0, ptr("999"), 0, "no such process"},
		{"pidfile names another process", 0, ptr("200"), 0, `is "bash", not dockerd`},
		{"--pid names another process", 200, ptr("100"), 0, `(from --pid): process is "bash"`},
		{"negative --pid", -3, ptr("100"), 0, "not a pid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "docker.pid")
			if tc.pidfile != nil {
				os.WriteFile(path, []byte(*tc.pidfile), 0o644)
			}
			got, err := ResolvePid(tc.pid, path)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("= %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func TestAlive(t *testing.T) {
	fakeProc(t, map[int]string{100: "dockerd", 200: "bash", 300: "dockerd:Z"})
	for pid, want := range map[int]bool{100: true, 200: false, 300: false, 400: false} {
		if got := alive(pid); got != want {
			t.Errorf("alive(%d) = %v, want %v", pid, got, want)
		}
	}
}

func TestResolvePidRealProcess(t *testing.T) {
	// This test binary is a live process that is not dockerd.
	_, err := ResolvePid(os.Getpid(), "/nonexistent")
	if err == nil || !strings.Contains(err.Error(), "not dockerd") {
		t.Fatalf("err = %v, want 'not dockerd'", err)
	}
}

func TestCheckDaemonArgs(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "daemon.json")
	other := filepath.Join(dir, "other.json")
	tests := []struct {
		name    string
		args    []string
		cwd     string
		def     string
		wantErr string
	}{
		{"no flags, root default matches", []string{"dockerd"}, "/", cfg, ""},
		{"no flags, default unknown", []string{"dockerd"}, "/", "", ""},
		{"no flags, default is another file", []string{"dockerd", "-H", "fd://"}, "/", other, "(its default), not " + cfg},
		{"--config-file X", []string{"dockerd", "--config-file", cfg}, "/", "", ""},
		{"--config-file=X", []string{"dockerd", "--config-file=" + cfg}, "/", other, ""},
		{"relative --config-file", []string{"dockerd", "--config-file", "daemon.json"}, dir, "", ""},
		{"--config-file elsewhere", []string{"dockerd", "--config-file", other}, "/", "", "pass --daemon-config " + other},
		{"--authorization-plugin=x", []string{"dockerd", "--authorization-plugin=opa"}, "/", cfg, "--authorization-plugin=opa"},
		{"--authorization-plugin x", []string{"dockerd", "--authorization-plugin", "opa"}, "/", cfg, "remove that flag"},
		{"flag-looking value after --", []string{"dockerd", "--", "--authorization-plugin"}, "/", cfg, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkDaemonArgs(tc.args, tc.cwd, cfg, tc.def)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}
