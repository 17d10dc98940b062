package metrics

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/go-plugins-helpers/authorization"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/ci-authz/ci-authz/internal/policy"
	"github.com/ci-authz/ci-authz/plugin"
)

func decide(method, uri, body string) plugin.Decision {
	return plugin.Decide(policy.Default(), &authorization.Request{
		RequestMethod: method, RequestURI: uri, RequestBody: []byte(body),
		RequestHeaders: map[string]string{"Content-Type": "application/json"},
	})
}

func TestObserveDecision(t *testing.T) {
	m := New()
	m.ObserveDecision(decide("GET", "/v1.41/containers/json", ""), time.Millisecond)
	m.ObserveDecision(decide("POST", "/v1.41/containers/create", `{"Image":"x","HostConfig":{"Privileged":true,"CapAdd":["SYS_ADMIN"]}}`), time.Millisecond)
	m.ObserveDecision(decide("POST", "/v1.41/containers/create", ``), time.Millisecond)
	m.ObserveDecision(decide("POST", "/v1.41/containers/create", `{"Image":"x","HostConfig":{"NetworkMode":"host"}}`), time.Millisecond)

	for _, c := range []struct {
		got  float64
		want float64
		what string
	}{
		{testutil.ToFloat64(m.decisions.WithLabelValues("none", "allow")), 1, "plain allow"},
		{testutil.ToFloat64(m.decisions.WithLabelValues("privileged", "deny")), 1, "privileged deny"},
		{testutil.ToFloat64(m.decisions.WithLabelValues("capabilities", "deny")), 1, "capabilities deny"},
		{testutil.ToFloat64(m.decisions.WithLabelValues("hostNetwork", "allow")), 1, "hostNetwork allowed by baseline"},
		{testutil.ToFloat64(m.decisions.WithLabelValues("malformedRequest", "deny")), 1, "malformed"},
		{testutil.ToFloat64(m.requests.WithLabelValues("allow")), 2, "requests allowed"},
		{testutil.ToFloat64(m.requests.WithLabelValues("deny")), 2, "requests denied"},
		{testutil.ToFloat64(m.decodeFailures.WithLabelValues("container_create")), 1, "decode failures of container create"},
	} {
		if c.got != c.want {
			t.Errorf("%s: %v, want %v", c.what, c.got, c.want)
		}
	}
	if n := testutil.CollectAndCount(m.latency); n != 1 {
		t.Errorf("latency histogram: %d series", n)
	}
}

func TestObservePolicy(t *testing.T) {
	m := New()
	p := policy.Default()
	m.ObservePolicy(p, nil)
	m.ObservePolicy(nil, errors.New("broken"))
	if testutil.ToFloat64(m.reloads.WithLabelValues("success")) != 1 || testutil.ToFloat64(m.reloads.WithLabelValues("failure")) != 1 {
		t.Error("reloads by result")
	}
	if v := testutil.ToFloat64(m.policyInfo.WithLabelValues(p.Source, p.SHA256, "enforce", "baseline")); v != 1 {
		t.Errorf("policy info: %v", v)
	}
	r, _ := policy.Parse([]byte("profile: restricted\n"), "p.yaml")
	m.ObservePolicy(r, nil)
	if n := testutil.CollectAndCount(m.policyInfo); n != 1 {
		t.Errorf("policy info keeps only the policy in force, has %d series", n)
	}
}

func TestListen(t *testing.T) {
	for _, bad := range []string{"0.0.0.0:9323", ":9323", "10.0.0.1:9323", "example.com:9323", "9323", "unix://relative.sock"} {
		if l, err := Listen(bad); err == nil {
			l.Close()
			t.Errorf("Listen(%q) must be refused", bad)
		}
	}
	l, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
}

func TestServeUnix(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "m", "metrics.sock")
	l, err := Listen("unix://" + sock)
	if err != nil {
		t.Fatal(err)
	}
	m := New()
	m.ObserveDecision(decide("GET", "/_ping", ""), time.Microsecond)
	done := make(chan error, 1)
	go func() { done <- m.Serve(l) }()
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	resp, err := hc.Get("http://metrics/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`ci_authz_decisions_total{result="allow",rule="none"} 1`, "ci_authz_decision_duration_seconds_bucket", "go_goroutines"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	l.Close()
	if err := <-done; err != nil {
		t.Errorf("Serve after Close: %v", err)
	}
}
