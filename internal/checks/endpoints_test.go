package checks

import (
	"strings"
	"testing"

	"github.com/ci-authz/ci-authz/internal/policy"
	"github.com/ci-authz/ci-authz/internal/route"
)

// routed builds a Request for method and uri the way the plugin does.
func routed(t *testing.T, method, uri string) *Request {
	t.Helper()
	ep, err := route.Identify(method, uri)
	if err != nil {
		t.Fatalf("%s %s: %v", method, uri, err)
	}
	return &Request{Method: method, Route: ep}
}

func TestCheckpoints(t *testing.T) {
	cases := []struct {
		name, method, uri string
		want              []string
	}{
		{"start", "POST", "/v1.41/containers/job/start", nil},
		{"start, empty first value", "POST", "/v1.41/containers/job/start?checkpoint=&checkpoint=cp", nil}, // the daemon reads ""
		{"list", "GET", "/v1.41/containers/job/checkpoints", nil},
		{"create", "POST", "/v1.41/containers/job/checkpoints", []string{"endpoint"}},
		{"restore", "POST", "/v1.41/containers/job/start?checkpoint=cp1", []string{"checkpoint"}},
		{"restore from a host directory", "POST", "/containers/job/start?checkpoint-dir=/builds/ws/cp", []string{"checkpoint-dir"}},
	}
	for _, c := range cases {
		wantFields(t, c.name, checkCheckpoints, routed(t, c.method, c.uri), policy.Default(), c.want)
	}
	if f := checkCheckpoints(routed(t, "POST", "/v1.41/containers/job/checkpoints"), policy.Default()); f[0].Value != "POST /containers/job/checkpoints" {
		t.Errorf("value should name the endpoint: %+v", f[0])
	}
}

func TestBuildKit(t *testing.T) {
	wantFields(t, "build", checkBuildKit, routed(t, "POST", "/v1.41/build"), policy.Default(), nil)
	wantFields(t, "session", checkBuildKit, routed(t, "POST", "/session"), policy.Default(), []string{"endpoint"})
	wantFields(t, "grpc", checkBuildKit, routed(t, "POST", "/v1.41/grpc"), policy.Default(), []string{"endpoint"})
	if f := checkBuildKit(routed(t, "POST", "/grpc"), policy.Default()); !strings.Contains(f[0].Fix, "DOCKER_BUILDKIT=0") {
		t.Errorf("fix: %s", f[0].Fix)
	}
}

func TestUnknownEndpoints(t *testing.T) {
	for _, known := range [][2]string{{"GET", "/v1.41/containers/json"}, {"POST", "/v1.41/containers/x/kill"}, {"POST", "/v1.41/networks/create"}, {"POST", "/v1.41/containers/create"}, {"OPTIONS", "/x"}} {
		wantFields(t, known[0]+" "+known[1], checkUnknownEndpoints, routed(t, known[0], known[1]), policy.Default(), nil)
	}
	for _, unknown := range [][2]string{{"POST", "/v1.99/containers/x/snapshot"}, {"PATCH", "/containers/x"}, {"post", "/containers/create"}, {"GET", "/nosuch"}} {
		wantFields(t, unknown[0]+" "+unknown[1], checkUnknownEndpoints, routed(t, unknown[0], unknown[1]), policy.Default(), []string{"endpoint"})
	}
}
