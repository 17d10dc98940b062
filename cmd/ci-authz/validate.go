package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/ci-authz/ci-authz/internal/policy"
)

func init() {
	register("validate", "check a policy file (exit 0 valid, 1 invalid)", runValidate)
}

func runValidate(args []string) int {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(os.Stderr, "usage: ci-authz validate FILE")
		return 2
	}
	p, err := policy.Load(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var rules []string
	for _, r := range policy.ConfigurableRules {
		rules = append(rules, fmt.Sprintf("%s=%s", r, p.Action(r)))
	}
	fmt.Printf("%s: valid (mode %s; profile %s; %s; %d exception(s))\n", args[0], p.Mode, p.Profile, strings.Join(rules, ", "), len(p.Exceptions))
	return 0
}
