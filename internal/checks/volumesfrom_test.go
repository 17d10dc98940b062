package checks

import (
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/ci-authz/ci-authz/internal/policy"
)

func TestVolumesFrom(t *testing.T) {
	wantFields(t, "none", checkVolumesFrom, hc(container.HostConfig{}), policy.Default(), nil)
	wantFields(t, "cache container", checkVolumesFrom, hc(container.HostConfig{VolumesFrom: []string{"cache:ro", "other"}}), policy.Default(),
		[]string{"HostConfig.VolumesFrom[0]", "HostConfig.VolumesFrom[1]"})
}
