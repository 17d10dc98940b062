package checks

import (
	"github.com/ci-authz/ci-authz/internal/policy"
	"github.com/ci-authz/ci-authz/internal/route"
)

// checkCheckpoints finds checkpoint create (POST /containers/{name}/
// checkpoints, experimental daemons) and container start from a checkpoint
// (?checkpoint=, ?checkpoint-dir=, read with r.Form.Get: the first value).
// The create body names any host directory for CRIU to write to, and a
// restore replays process images the job can craft, as root, through CRIU.
// CI jobs never need either.
func checkCheckpoints(c *Request, _ *policy.Policy) []Finding {
	f := Finding{
		Rule:   policy.Checkpoints,
		Field:  "endpoint",
		Value:  c.endpoint(),
		Reason: "checkpoints write process images to a host directory the request names, and restoring one replays images the job can craft, as root",
		Fix:    "CI jobs do not checkpoint or restore containers; start it without --checkpoint",
	}
	switch c.Route.Kind {
	case route.Checkpoint:
		return []Finding{f}
	case route.ContainerStart:
		for _, q := range []string{"checkpoint", "checkpoint-dir"} {
			if v := c.Route.Query.Get(q); v != "" {
				f.Field, f.Value = q, v
				return []Finding{f}
			}
		}
	}
	return nil
}
