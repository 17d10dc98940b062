package main

import "fmt"

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func init() {
	register("version", "print the version", func([]string) int {
		fmt.Println("ci-authz", version)
		return 0
	})
}
