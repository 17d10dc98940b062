package verdict

import (
	"strings"
	"testing"

	"github.com/ci-authz/ci-authz/internal/checks"
	"github.com/ci-authz/ci-authz/internal/policy"
)

func mustParse(t *testing.T, y string) *policy.Policy {
	t.Helper()
	p, err := policy.Parse([]byte(y), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var priv = checks.Finding{Rule: policy.Privileged, Field: "HostConfig.Privileged", Value: "true", Reason: "r", Fix: "f"}

func TestApply(t *testing.T) {
	cases := []struct {
		name, policy, user string
		f                  checks.Finding
		want               policy.Action
		note               string
	}{
		{"rule action", "mode: enforce\n", "", priv, policy.Deny, ""},
		{"rule allow", "rules:\n  privileged: {action: allow}\n", "", priv, policy.Allow, ""},
		{"rule audit", "rules:\n  privileged: {action: audit}\n", "", priv, policy.Audit, ""},
		{"audit mode", "mode: audit\n", "", priv, policy.Audit, "would deny (audit mode)"},
		{"exception", "exceptions:\n  - users: [ci-admin]\n    rules: [privileged]\n", "ci-admin", priv, policy.Allow, `exception for user "ci-admin" (p.yaml line 2)`},
		{"no user, no exception", "exceptions:\n  - users: [ci-admin]\n    rules: [privileged]\n", "", priv, policy.Deny, ""},
		{"malformed is never exempt", "exceptions:\n  - users: [ci-admin]\n    rules: [privileged]\n", "ci-admin",
			checks.Finding{Rule: policy.MalformedRequest}, policy.Deny, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := Apply(mustParse(t, c.policy), c.user, c.f)
			if o.Action != c.want || o.Note != c.note {
				t.Fatalf("got %s %q, want %s %q", o.Action, o.Note, c.want, c.note)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	if got, want := Line(priv), "[privileged] HostConfig.Privileged=true: r. Instead: f."; got != want {
		t.Fatalf("Line = %q, want %q", got, want)
	}
	noValue := checks.Finding{Rule: policy.DaemonAdmin, Field: "endpoint", Reason: "r", Fix: "f"}
	if got := Line(noValue); got != "[daemonAdmin] endpoint: r. Instead: f." {
		t.Fatalf("Line without value = %q", got)
	}
	long := priv
	long.Value = strings.Repeat("x", 200)
	if got := Line(long); !strings.Contains(got, strings.Repeat("x", maxMsgValue)+"...:") {
		t.Fatalf("long values are cut: %q", got)
	}
	caps := checks.Finding{Rule: policy.Capabilities, Field: "HostConfig.CapAdd[0]", Value: "SYS_ADMIN", Reason: "r", Fix: "f"}
	msg := DenyMessage([]Outcome{{Finding: priv}, {Finding: caps}})
	if want := Line(priv) + " Also denied: [capabilities] HostConfig.CapAdd[0]."; msg != want {
		t.Fatalf("DenyMessage = %q, want %q", msg, want)
	}
	if DenyMessage(nil) != "" {
		t.Fatal("no denied outcomes, no message")
	}
}
