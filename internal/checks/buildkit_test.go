package checks

import (
	"strings"
	"testing"

	"github.com/ci-authz/ci-authz/internal/policy"
)

func TestBuildKit(t *testing.T) {
	wantFields(t, "build", checkBuildKit, routed(t, "POST", "/v1.41/build"), policy.Default(), nil)
	wantFields(t, "session", checkBuildKit, routed(t, "POST", "/session"), policy.Default(), []string{"endpoint"})
	wantFields(t, "grpc", checkBuildKit, routed(t, "POST", "/v1.41/grpc"), policy.Default(), []string{"endpoint"})
	if f := checkBuildKit(routed(t, "POST", "/grpc"), policy.Default()); !strings.Contains(f[0].Fix, "DOCKER_BUILDKIT=0") {
		t.Errorf("fix: %s", f[0].Fix)
	}
}
