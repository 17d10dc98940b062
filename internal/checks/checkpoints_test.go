package checks

import (
	"testing"

	"github.com/ci-authz/ci-authz/internal/policy"
)

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
