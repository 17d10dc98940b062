// Package verdict applies the policy to check findings: the rule's action,
// exceptions for authenticated users and the global audit mode, and writes
// the message a user reads. The plugin and `ci-authz check` share it, so a
// finding reads the same at run time and in a repository scan.
package verdict

import (
	"fmt"
	"strings"

	"github.com/ci-authz/ci-authz/internal/checks"
	"github.com/ci-authz/ci-authz/internal/policy"
)

// Outcome is a finding with what the policy made of it.
type Outcome struct {
	checks.Finding
	Action policy.Action // deny, audit or allow
	Note   string        // why, when not the rule's own action
}

// Apply turns a finding into an outcome: the rule's action, then an
// exception for the authenticated user (empty: none), then the global
// audit mode.
func Apply(p *policy.Policy, user string, f checks.Finding) Outcome {
	o := Outcome{Finding: f, Action: p.Action(f.Rule)}
	if o.Action == policy.Allow {
		return o // logged at debug level only: the policy says this is fine
	}
	if e, ok := p.ExemptionFor(user, f.Rule); ok {
		o.Action, o.Note = policy.Allow, fmt.Sprintf("exception for user %q (%s line %d)", user, p.Source, e.Line)
		return o
	}
	if o.Action == policy.Deny && p.Mode == policy.AuditOnly {
		o.Action, o.Note = policy.Audit, "would deny (audit mode)"
	}
	return o
}

// maxMsgValue keeps messages short enough to read in a CI log.
const maxMsgValue = 120

// Line is one finding as a user reads it:
// "[rule] Field=Value: reason. Instead: fix."
func Line(f checks.Finding) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s", f.Rule, f.Field)
	if f.Value != "" {
		b.WriteString("=" + Truncate(f.Value, maxMsgValue))
	}
	fmt.Fprintf(&b, ": %s. Instead: %s.", f.Reason, f.Fix)
	return b.String()
}

// DenyMessage is what the CI user reads after "authorization denied by
// plugin ci-authz: ": the first denied finding in full, then how many more.
func DenyMessage(denied []Outcome) string {
	if len(denied) == 0 {
		return ""
	}
	msg := Line(denied[0].Finding)
	if len(denied) > 1 {
		var more []string
		for _, o := range denied[1:] {
			more = append(more, fmt.Sprintf("[%s] %s", o.Rule, o.Field))
		}
		msg += fmt.Sprintf(" Also denied: %s.", strings.Join(more, ", "))
	}
	return msg
}

// Truncate cuts s to n bytes and marks the cut.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
