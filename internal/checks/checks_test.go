package checks

import (
	"testing"

	"github.com/ci-authz/ci-authz/internal/policy"
)

// Every configurable rule has exactly one check, and every check is a rule
// the policy file can set.
func TestEveryRuleHasOneCheck(t *testing.T) {
	seen := map[policy.RuleName]int{}
	for _, c := range All {
		seen[c.Rule]++
	}
	for _, r := range policy.ConfigurableRules {
		if seen[r] != 1 {
			t.Errorf("rule %s has %d checks, want 1", r, seen[r])
		}
		delete(seen, r)
	}
	for r := range seen {
		t.Errorf("check for %s, which is not a configurable rule", r)
	}
}
