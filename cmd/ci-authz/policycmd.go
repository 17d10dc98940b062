package main

import (
	"fmt"
	"os"

	"github.com/ci-authz/ci-authz/internal/policy"
)

func init() {
	register("policy", "'policy default' prints the embedded default policy", runPolicy)
}

func runPolicy(args []string) int {
	if len(args) != 1 || args[0] != "default" {
		fmt.Fprintln(os.Stderr, "usage: ci-authz policy default")
		return 2
	}
	os.Stdout.Write(policy.DefaultYAML())
	return 0
}
