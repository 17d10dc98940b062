package workload

import (
	"encoding/json"
	"testing"

	"github.com/moby/moby/api/types/container"
)

func TestRequests(t *testing.T) {
	weight := 0
	for _, r := range All() {
		weight += r.Weight
		if r.Req.RequestMethod == "POST" {
			var c container.CreateRequest
			if err := json.Unmarshal(r.Req.RequestBody, &c); err != nil || c.Config == nil || c.HostConfig == nil {
				t.Errorf("%s: the body is not a container create request: %v", r.Name, err)
			}
		}
		if (r.Res == nil) == r.Allow {
			t.Errorf("%s: the daemon sends AuthZRes exactly for allowed requests", r.Name)
		}
		if r.Res != nil && r.Res.ResponseStatusCode == 0 {
			t.Errorf("%s: AuthZRes without a status", r.Name)
		}
	}
	if weight != 100 {
		t.Errorf("the mix's weights add up to %d%%", weight)
	}
	if n := len(ByName("create-allowed").Req.RequestBody); n < 1800 || n > 2400 {
		t.Errorf("the typical create is %d bytes, not about 2 KB", n)
	}
	var list []map[string]any
	if err := json.Unmarshal([]byte(ContainerList(3)), &list); err != nil || len(list) != 3 {
		t.Errorf("ContainerList: %v", err)
	}
}
