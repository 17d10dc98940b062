// Package metrics exposes ci-authz's Prometheus metrics: decisions by rule
// and result, policy reloads, decode failures and decision latency. It is
// off unless `serve --metrics` names a unix socket or a loopback address,
// so that nothing of the host's API traffic is published by default.
package metrics

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ci-authz/ci-authz/internal/policy"
	"github.com/ci-authz/ci-authz/plugin"
)

// Metrics holds ci-authz's collectors in their own registry.
type Metrics struct {
	Registry *prometheus.Registry

	decisions      *prometheus.CounterVec
	requests       *prometheus.CounterVec
	decodeFailures *prometheus.CounterVec
	latency        prometheus.Histogram
	reloads        *prometheus.CounterVec
	policyInfo     *prometheus.GaugeVec
}

// New returns the metrics, registered with a new registry together with
// the Go runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ci_authz_decisions_total",
			Help: `Findings by rule and result (deny, audit, allow); a request without findings counts as rule="none", result="allow".`,
		}, []string{"rule", "result"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ci_authz_requests_total",
			Help: "Authorization requests by answer (allow, deny).",
		}, []string{"result"}),
		decodeFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ci_authz_decode_failures_total",
			Help: "Requests ci-authz could not read (rule malformedRequest), by endpoint kind.",
		}, []string{"endpoint"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ci_authz_decision_duration_seconds",
			Help:    "Time to decide one authorization request.",
			Buckets: prometheus.ExponentialBuckets(5e-6, 4, 9), // 5µs .. ~330ms
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ci_authz_policy_reloads_total",
			Help: "Policy loads and reloads by result (success, failure; a failure keeps the last good policy).",
		}, []string{"result"}),
		policyInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "ci_authz_policy_info",
			Help: "The policy in force (value 1): source file, SHA-256, mode and profile.",
		}, []string{"source", "sha256", "mode", "profile"}),
	}
	m.Registry.MustRegister(m.decisions, m.requests, m.decodeFailures, m.latency, m.reloads, m.policyInfo,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveDecision records one decision and how long it took.
func (m *Metrics) ObserveDecision(d plugin.Decision, took time.Duration) {
	m.latency.Observe(took.Seconds())
	result := "deny"
	if d.Allow {
		result = "allow"
	}
	m.requests.WithLabelValues(result).Inc()
	if len(d.Outcomes) == 0 {
		m.decisions.WithLabelValues("none", string(policy.Allow)).Inc()
		return
	}
	for _, o := range d.Outcomes {
		m.decisions.WithLabelValues(string(o.Rule), string(o.Action)).Inc()
		if o.Rule == policy.MalformedRequest {
			m.decodeFailures.WithLabelValues(strings.ReplaceAll(d.Endpoint, " ", "_")).Inc()
		}
	}
}

// ObservePolicy records a policy load or reload: the policy now in force,
// or the error that kept the last good one.
func (m *Metrics) ObservePolicy(p *policy.Policy, err error) {
	if err != nil {
		m.reloads.WithLabelValues("failure").Inc()
		return
	}
	m.reloads.WithLabelValues("success").Inc()
	m.policyInfo.Reset()
	m.policyInfo.WithLabelValues(p.Source, p.SHA256, string(p.Mode), string(p.Profile)).Set(1)
}

// Listen opens the metrics listener. addr is "unix:///path/to.sock" or a
// loopback "host:port" (127.0.0.1:9323, [::1]:9323, localhost:9323):
// decisions name users, images and endpoints, which must not be published
// beyond the host.
func Listen(addr string) (net.Listener, error) {
	if path, ok := strings.CutPrefix(addr, "unix://"); ok {
		if !filepath.IsAbs(path) {
			return nil, fmt.Errorf("--metrics %s: the socket path must be absolute", addr)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("--metrics: %w", err)
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("--metrics: removing a stale socket: %w", err)
		}
		l, err := net.Listen("unix", path)
		if err != nil {
			return nil, fmt.Errorf("--metrics: %w", err)
		}
		if err := os.Chmod(path, 0o660); err != nil {
			l.Close()
			return nil, fmt.Errorf("--metrics: %w", err)
		}
		return l, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics %q: want unix:///path or a loopback host:port such as 127.0.0.1:9323", addr)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("--metrics %q: only loopback addresses (127.0.0.1, ::1, localhost) or a unix socket; decisions must not be published beyond the host", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics: %w", err)
	}
	return l, nil
}

// Serve answers GET /metrics on l until l is closed.
func (m *Metrics) Serve(l net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.Serve(l); err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}
