package checks

import (
	"testing"

	"github.com/ci-authz/ci-authz/internal/policy"
)

func TestUnknownEndpoints(t *testing.T) {
	for _, known := range [][2]string{{"GET", "/v1.41/containers/json"}, {"POST", "/v1.41/containers/x/kill"}, {"POST", "/v1.41/networks/create"}, {"POST", "/v1.41/containers/create"}, {"OPTIONS", "/x"}} {
		wantFields(t, known[0]+" "+known[1], checkUnknownEndpoints, routed(t, known[0], known[1]), policy.Default(), nil)
	}
	for _, unknown := range [][2]string{{"POST", "/v1.99/containers/x/snapshot"}, {"PATCH", "/containers/x"}, {"post", "/containers/create"}, {"GET", "/nosuch"}} {
		wantFields(t, unknown[0]+" "+unknown[1], checkUnknownEndpoints, routed(t, unknown[0], unknown[1]), policy.Default(), []string{"endpoint"})
	}
}
