package checks

import (
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"

	"github.com/ci-authz/ci-authz/internal/policy"
)

func TestDaemonAdmin(t *testing.T) {
	cases := []struct {
		name   string
		r      *Request
		want   []string
		reason string
	}{
		{"container create", hc(container.HostConfig{}), nil, ""},
		{"exec", &Request{Exec: &container.ExecCreateRequest{}}, nil, ""},
		{"plugin disable", &Request{AdminAction: "POST /plugins/ci-authz:latest/disable", AdminFamily: "plugins"}, []string{"endpoint"}, "switches authorization off"},
		{"plugin remove", &Request{AdminAction: "DELETE /plugins/ci-authz:latest", AdminFamily: "plugins"}, []string{"endpoint"}, "privileges their manifest"},
		{"swarm init", &Request{AdminAction: "POST /swarm/init", AdminFamily: "swarm"}, []string{"endpoint"}, "swarm tasks"},
		{"service create", &Request{AdminAction: "POST /services/create", AdminFamily: "services"}, []string{"endpoint"}, "swarm tasks"},
	}
	for _, c := range cases {
		wantFields(t, c.name, checkDaemonAdmin, c.r, policy.Default(), c.want)
		if c.reason != "" {
			if f := checkDaemonAdmin(c.r, policy.Default()); !strings.Contains(f[0].Reason, c.reason) || f[0].Value != c.r.AdminAction {
				t.Errorf("%s: %+v", c.name, f[0])
			}
		}
	}
}
