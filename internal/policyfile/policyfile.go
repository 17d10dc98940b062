// Package policyfile finds the policy file the plugin serves, loads it, and
// reloads it on SIGHUP or when the file changes, keeping the last good
// policy when a new one is broken.
package policyfile

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/sirupsen/logrus"

	"github.com/ci-authz/ci-authz/internal/policy"
)

// DefaultPath is where serve looks for a policy when --policy is not given.
const DefaultPath = "/etc/ci-authz/policy.yaml"

// Source is where the served policy comes from.
type Source struct {
	// Path is the policy file.
	Path string
	// Explicit is true when the path was given (--policy): then it must
	// exist. Otherwise a missing file means the embedded default policy.
	Explicit bool
	// Mode, if set, overrides the file's mode (--mode, CI_AUTHZ_MODE).
	Mode policy.Mode
	// Log receives load and reload events.
	Log *logrus.Logger
	// Apply installs a newly loaded policy.
	Apply func(*policy.Policy)
	// Observe, if set, is told every load and reload: the policy now in
	// force, or the error that kept the last good one (metrics).
	Observe func(*policy.Policy, error)

	mu      sync.Mutex
	current *policy.Policy
}

// Load reads the policy once. It does not call Apply.
func (s *Source) Load() (*policy.Policy, error) {
	p, err := policy.Load(s.Path)
	if errors.Is(err, fs.ErrNotExist) && !s.Explicit {
		p, err = policy.Default(), nil
	}
	if err != nil {
		return nil, err
	}
	if s.Mode != "" {
		p = p.WithMode(s.Mode)
	}
	return p, nil
}

// Start loads the policy, applies it and logs which one is in force.
func (s *Source) Start() error {
	p, err := s.Load()
	s.observe(p, err)
	if err != nil {
		return err
	}
	s.install(p, "policy loaded")
	return nil
}

func (s *Source) install(p *policy.Policy, msg string) {
	s.mu.Lock()
	s.current = p
	s.mu.Unlock()
	s.Apply(p)
	f := logrus.Fields{"policy": p.Source, "sha256": p.SHA256, "mode": p.Mode, "profile": p.Profile}
	if p.Source == policy.DefaultSource {
		f["missingFile"] = s.Path
	}
	s.Log.WithFields(f).Info(msg)
}

// Reload loads the policy again. force is for SIGHUP: it logs even when
// the file has not changed. A broken file is reported and the last good
// policy stays in force.
func (s *Source) Reload(force bool) {
	p, err := s.Load()
	s.observe(p, err)
	if err != nil {
		s.mu.Lock()
		cur := s.current
		s.mu.Unlock()
		s.Log.WithFields(logrus.Fields{"error": err.Error(), "policy": cur.Source, "sha256": cur.SHA256}).
			Error("policy reload failed, keeping the last good policy")
		return
	}
	s.mu.Lock()
	same := s.current != nil && s.current.SHA256 == p.SHA256 && s.current.Source == p.Source
	s.mu.Unlock()
	if same && !force {
		return
	}
	s.install(p, "policy reloaded")
}

func (s *Source) observe(p *policy.Policy, err error) {
	if s.Observe != nil {
		s.Observe(p, err)
	}
}

// Watch reloads the policy whenever its file's directory changes (editors
// and config managers replace files by rename, so the directory is watched,
// not the file), until ctx ends. It returns an error only if watching
// cannot start.
func (s *Source) Watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	dir := filepath.Dir(s.Path)
	if err := w.Add(dir); err != nil {
		w.Close()
		return err
	}
	go func() {
		defer w.Close()
		// Writes come as bursts of events; settle before reading the file.
		const settle = 200 * time.Millisecond
		timer := time.NewTimer(time.Hour)
		timer.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if relevant(ev, s.Path) {
					timer.Reset(settle)
				}
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				s.Log.WithError(err).Warn("watching the policy file failed; SIGHUP still reloads it")
			case <-timer.C:
				s.Reload(false)
			}
		}
	}()
	return nil
}

// relevant reports whether a directory event may have changed the policy:
// the file itself, or (for Kubernetes-style ..data symlink swaps) any
// entry when the file is a symlink.
func relevant(ev fsnotify.Event, path string) bool {
	if filepath.Clean(ev.Name) == filepath.Clean(path) {
		return true
	}
	fi, err := os.Lstat(path)
	return err == nil && fi.Mode()&os.ModeSymlink != 0
}
