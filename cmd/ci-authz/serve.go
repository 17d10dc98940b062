package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/docker/go-connections/sockets"

	"github.com/ci-authz/ci-authz/internal/audit"
	"github.com/ci-authz/ci-authz/internal/metrics"
	"github.com/ci-authz/ci-authz/internal/policy"
	"github.com/ci-authz/ci-authz/internal/policyfile"
	"github.com/ci-authz/ci-authz/plugin"
)

// DefaultSocket is where the daemon discovers a legacy plugin named ci-authz
// (dockerd --authorization-plugin=ci-authz).
const DefaultSocket = "/run/docker/plugins/ci-authz.sock"

func init() {
	register("serve", "serve the authorization plugin on a unix socket", runServe)
}

func runServe(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	policyPath := fs.String("policy", "", "policy file (default "+policyfile.DefaultPath+" if it exists, else the embedded default policy)")
	socket := fs.String("socket", DefaultSocket, "unix socket to listen on")
	mode := fs.String("mode", "", "enforce or audit; overrides CI_AUTHZ_MODE and the policy file's mode")
	logFormat := fs.String("log-format", "json", "json or text")
	logLevel := fs.String("log-level", envOr("CI_AUTHZ_LOG_LEVEL", "info"), "debug (every decision), info, warn or error; env CI_AUTHZ_LOG_LEVEL")
	logFile := fs.String("log-file", "", "append the log to this file instead of stderr")
	metricsAddr := fs.String("metrics", os.Getenv("CI_AUTHZ_METRICS"), "serve Prometheus metrics on unix:///path.sock or a loopback host:port (127.0.0.1:9323); off when empty; env CI_AUTHZ_METRICS")
	hostRoot := fs.String("host-root", "/", "where the host's root filesystem is visible, to follow symlinks in bind sources (the managed plugin mounts it read-only at /host); empty: judge paths as written")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "ci-authz serve: unexpected argument %q\n", fs.Arg(0))
		return 2
	}

	out := os.Stderr
	if *logFile != "" {
		f, err := os.OpenFile(*logFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
		if err != nil {
			fmt.Fprintf(os.Stderr, "ci-authz serve: --log-file: %v\n", err)
			return 1
		}
		defer f.Close()
		out = f
	}
	log, err := audit.New(out, *logFormat, *logLevel)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ci-authz serve: %v\n", err)
		return 2
	}

	src := &policyfile.Source{Path: policyfile.DefaultPath, Log: log}
	if *policyPath != "" {
		src.Path, src.Explicit = *policyPath, true
	}
	m, from := *mode, "--mode"
	if m == "" {
		m, from = os.Getenv("CI_AUTHZ_MODE"), "CI_AUTHZ_MODE"
	}
	if m != "" {
		if src.Mode, err = policy.ParseMode(m); err != nil {
			fmt.Fprintf(os.Stderr, "ci-authz serve: %s: %v\n", from, err)
			return 2
		}
	}

	if *hostRoot != "" {
		if fi, err := os.Stat(*hostRoot); err != nil || !fi.IsDir() {
			fmt.Fprintf(os.Stderr, "ci-authz serve: --host-root %s is not a directory; it must show the host's root filesystem\n", *hostRoot)
			return 2
		}
	}
	h := plugin.NewHandler(nil, log, plugin.Options{HostRoot: *hostRoot})
	src.Apply = h.SetPolicy
	var ml net.Listener
	if *metricsAddr != "" {
		m := metrics.New()
		h.Observe, src.Observe = m.ObserveDecision, m.ObservePolicy
		if ml, err = metrics.Listen(*metricsAddr); err != nil {
			fmt.Fprintf(os.Stderr, "ci-authz serve: %v\n", err)
			return 2
		}
		defer ml.Close()
		go func() {
			if err := m.Serve(ml); err != nil {
				log.WithError(err).Error("serving metrics failed")
			}
		}()
		log.WithField("metrics", *metricsAddr).Info("serving metrics")
	}
	if err := src.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "ci-authz serve: %v\nFix the policy (check it with `ci-authz validate FILE`) and start again.\n", err)
		return 1
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := src.Watch(ctx); err != nil {
		log.WithError(err).WithField("dir", filepath.Dir(src.Path)).Warn("not watching the policy directory; SIGHUP reloads the policy")
	}

	l, err := listen(*socket)
	if err != nil {
		fmt.Fprintf(os.Stderr, "ci-authz serve: %v\n", err)
		return 1
	}
	defer os.Remove(*socket)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for s := range sigs {
			if s == syscall.SIGHUP {
				src.Reload(true)
				continue
			}
			log.WithField("signal", s.String()).Info("shutting down")
			l.Close()
			return
		}
	}()

	log.WithFields(map[string]any{"socket": *socket, "version": version, "hostRoot": *hostRoot}).Info("serving")
	if err := h.Serve(l); err != nil && !errors.Is(err, net.ErrClosed) {
		log.WithError(err).Error("serving failed")
		return 1
	}
	return 0
}

// listen creates the plugin socket: mode 0660, owned by root, replacing a
// stale socket file from an earlier run.
func listen(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("creating the socket directory: %w", err)
	}
	l, err := sockets.NewUnixSocket(path, 0)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", path, err)
	}
	return l, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
