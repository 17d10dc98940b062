package policyfile

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/ci-authz/ci-authz/internal/policy"
)

type recorder struct {
	mu  sync.Mutex
	got []*policy.Policy
	buf bytes.Buffer
}

func (r *recorder) apply(p *policy.Policy) { r.mu.Lock(); r.got = append(r.got, p); r.mu.Unlock() }
func (r *recorder) last() *policy.Policy {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.got[len(r.got)-1]
}
func (r *recorder) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.got) }
func (r *recorder) logs() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String()
}

type lockedWriter struct{ r *recorder }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.r.mu.Lock()
	defer w.r.mu.Unlock()
	return w.r.buf.Write(b)
}

func newSource(t *testing.T, path string, explicit bool) (*Source, *recorder) {
	r := &recorder{}
	l := logrus.New()
	l.SetOutput(lockedWriter{r})
	l.SetFormatter(&logrus.JSONFormatter{})
	return &Source{Path: path, Explicit: explicit, Log: l, Apply: r.apply}, r
}

func write(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestMissingDefaultFileMeansEmbeddedDefault(t *testing.T) {
	s, r := newSource(t, filepath.Join(t.TempDir(), "policy.yaml"), false)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if r.last().Source != policy.DefaultSource || r.last().Mode != policy.Enforce {
		t.Fatalf("got %+v", r.last())
	}
	if !strings.Contains(r.logs(), `"missingFile"`) {
		t.Errorf("log should say which file was missing: %s", r.logs())
	}
}

func TestMissingExplicitFileIsAnError(t *testing.T) {
	s, _ := newSource(t, filepath.Join(t.TempDir(), "policy.yaml"), true)
	if err := s.Start(); err == nil {
		t.Fatal("an explicit --policy that does not exist must fail")
	}
}

func TestModeOverride(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	write(t, path, "mode: enforce\n")
	s, r := newSource(t, path, true)
	s.Mode = policy.AuditOnly
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if r.last().Mode != policy.AuditOnly {
		t.Fatal("override not applied")
	}
}

func TestReloadKeepsLastGood(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	write(t, path, "mode: enforce\n")
	s, r := newSource(t, path, true)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	write(t, path, "mode: nonsense\n")
	s.Reload(true)
	if r.count() != 1 {
		t.Fatal("a broken file must not be applied")
	}
	if !strings.Contains(r.logs(), "policy reload failed, keeping the last good policy") || !strings.Contains(r.logs(), "policy.yaml:1:7: mode") {
		t.Fatalf("the failure should be logged with file:line:col: %s", r.logs())
	}
	write(t, path, "mode: audit\n")
	s.Reload(true)
	if r.count() != 2 || r.last().Mode != policy.AuditOnly {
		t.Fatal("a good file must be applied")
	}
	s.Reload(false)
	if r.count() != 2 {
		t.Fatal("an unchanged file is not reapplied by the watcher")
	}
	s.Reload(true)
	if r.count() != 3 {
		t.Fatal("SIGHUP always reapplies")
	}
}

func TestWatchReloadsOnChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	write(t, path, "mode: enforce\n")
	s, r := newSource(t, path, true)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.Watch(ctx); err != nil {
		t.Fatal(err)
	}
	write(t, path, "mode: audit\n")
	deadline := time.Now().Add(10 * time.Second)
	for r.last().Mode != policy.AuditOnly {
		if time.Now().After(deadline) {
			t.Fatal("the watcher did not reload the changed file within 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(r.logs(), "policy reloaded") {
		t.Errorf("reload not logged: %s", r.logs())
	}
}

func TestObserveEveryLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	write(t, path, "mode: enforce\n")
	s, _ := newSource(t, path, true)
	var ok, failed int
	s.Observe = func(p *policy.Policy, err error) {
		if err != nil {
			failed++
		} else if p != nil {
			ok++
		}
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	write(t, path, "mode: nonsense\n")
	s.Reload(true)
	write(t, path, "profile: restricted\n")
	s.Reload(false)
	if ok != 2 || failed != 1 {
		t.Errorf("observed %d loads and %d failures, want 2 and 1", ok, failed)
	}
}
