package checks

import (
	"github.com/ci-authz/ci-authz/internal/policy"
	"github.com/ci-authz/ci-authz/internal/route"
)

// checkBuildKit finds POST /grpc and POST /session: the HTTP upgrade that
// carries BuildKit's gRPC (docker buildx, and docker build on current
// CLIs). Authorization plugins see this one request and none of the gRPC
// calls after it, so what a build may do is up to the daemon's
// builder.entitlements (network-host and device default to on). Baseline
// allows it and README says which daemon.json closes that door; restricted
// denies it, which leaves the classic builder.
func checkBuildKit(c *Request, _ *policy.Policy) []Finding {
	if c.Route.Kind != route.BuildKit {
		return nil
	}
	return []Finding{{
		Rule:   policy.BuildKit,
		Field:  "endpoint",
		Value:  c.endpoint(),
		Reason: "BuildKit's gRPC calls are not visible to authorization plugins, so ci-authz cannot judge what the build asks for",
		Fix:    "build with the classic builder (DOCKER_BUILDKIT=0 docker build), or rootless BuildKit, kaniko or a remote builder",
	}}
}
