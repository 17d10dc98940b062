package load

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/ci-authz/ci-authz/bench/workload"
)

// pluginHeader is what dockerd's plugin client sends (pkg/plugins/transport).
var pluginHeader = http.Header{"Accept": {"application/vnd.docker.plugins.v1.2+json"}}

// mixEntry is one API request of the protocol mix, encoded once.
type mixEntry struct {
	name     string
	req, res []byte // AuthZReq and AuthZRes bodies; res nil: none sent
	allow    bool
}

// Mix is the protocol-level request mix: the kinds of workload.All with a
// weight, interleaved by weight so that every run of 100 consecutive
// operations has each kind's share.
type Mix struct {
	order []mixEntry
}

// NewMix encodes the weighted kinds of workload.All the way dockerd
// encodes plugin requests (encoding/json; the body as base64).
func NewMix() (*Mix, error) {
	var entries []mixEntry
	var weights []int
	for _, k := range workload.All() {
		if k.Weight == 0 {
			continue
		}
		e := mixEntry{name: k.Name, allow: k.Allow}
		var err error
		if e.req, err = json.Marshal(k.Req); err != nil {
			return nil, err
		}
		if k.Res != nil {
			if e.res, err = json.Marshal(k.Res); err != nil {
				return nil, err
			}
		}
		entries = append(entries, e)
		weights = append(weights, k.Weight)
	}
	return &Mix{order: interleave(entries, weights)}, nil
}

// interleave spreads each entry over a cycle of sum(weights) slots, evenly
// (smooth weighted round robin), so that rare kinds do not bunch up.
func interleave[T any](items []T, weights []int) []T {
	total := 0
	for _, w := range weights {
		total += w
	}
	current := make([]int, len(items))
	out := make([]T, 0, total)
	for range total {
		best := 0
		for i, w := range weights {
			current[i] += w
			if current[i] > current[best] {
				best = i
			}
		}
		current[best] -= total
		out = append(out, items[best])
	}
	return out
}

// Kinds lists the mix's kinds with their share of operations.
func (m *Mix) Kinds() map[string]float64 {
	out := map[string]float64{}
	for _, e := range m.order {
		out[e.name] += 1 / float64(len(m.order))
	}
	return out
}

// PluginOp returns the operation of one API request as dockerd forwards it
// to an authorization plugin: AuthZReq, then, if the daemon would go on and
// reqOnly is false, AuthZRes. The script is the same for every plugin, so
// that each gets the same traffic; strict checks that the plugin answers as
// ci-authz must (the null plugin allows everything).
func (m *Mix) PluginOp(strict, reqOnly bool) Op {
	return func(ctx context.Context, c *http.Client, n int) (string, error) {
		e := m.order[n%len(m.order)]
		allow, err := authz(ctx, c, "/AuthZPlugin.AuthZReq", e.req)
		if err != nil {
			return e.name, err
		}
		if want := e.allow || !strict; allow != want {
			return e.name, fmt.Errorf("%s: AuthZReq answered allow=%v, want %v", e.name, allow, want)
		}
		if e.res == nil || reqOnly {
			return e.name, nil
		}
		if allow, err = authz(ctx, c, "/AuthZPlugin.AuthZRes", e.res); err == nil && !allow {
			err = fmt.Errorf("%s: AuthZRes denied", e.name)
		}
		return e.name, err
	}
}

func authz(ctx context.Context, c *http.Client, path string, body []byte) (bool, error) {
	b, err := Call(ctx, c, http.MethodPost, "http://plugin"+path, pluginHeader, body, http.StatusOK)
	if err != nil {
		return false, err
	}
	var r struct{ Allow bool }
	if err := decodeJSON(b, &r); err != nil {
		return false, err
	}
	return r.Allow, nil
}
