package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ci-authz/ci-authz/internal/policy"
	"github.com/ci-authz/ci-authz/internal/report"
	"github.com/ci-authz/ci-authz/internal/scan"
)

func init() {
	register("check", "scan Compose files, CI configurations and scripts with the policy (exit 0 clean, 1 denied, 2 unreadable)", runCheck)
}

func runCheck(args []string) int { return check(args, os.Stdout, os.Stderr) }

// check is `ci-authz check`. Exit status: 2 when the command line or the
// policy is wrong or a file could not be read or parsed (the rest is still
// scanned and reported), else 1 when a finding is denied, else 0.
func check(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	policyPath := fs.String("policy", "", "policy file (default: the embedded default policy)")
	format := fs.String("format", "text", "output format: "+strings.Join(report.Formats, ", "))
	output := fs.String("output", "", "write the report to this file; the text report still goes to stdout")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ci-authz check [--policy FILE] [--format text|json|sarif|codequality] [--output FILE] [PATH...]")
		fmt.Fprintln(stderr, "\nPATH is a file or a directory (default .), walked for compose.yaml, docker-compose*.yml,")
		fmt.Fprintln(stderr, ".gitlab-ci.yml, .github/workflows/*.yml and *.sh; .git, node_modules and vendor are skipped.")
		fmt.Fprintln(stderr, "Exit status: 0 nothing denied, 1 a finding is denied, 2 a file could not be read or parsed.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	// Flags may come after the paths too: parse until every word is used.
	var paths []string
	for {
		if err := fs.Parse(args); err != nil {
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		paths = append(paths, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	if !validFormat(*format) {
		fmt.Fprintf(stderr, "ci-authz check: --format %q is not known; use %s\n", *format, strings.Join(report.Formats, ", "))
		return 2
	}
	p := policy.Default()
	if *policyPath != "" {
		var err error
		if p, err = policy.Load(*policyPath); err != nil {
			fmt.Fprintf(stderr, "ci-authz check: %v\n", err)
			return 2
		}
	}

	r := scan.Run(paths, p)
	cwd, _ := os.Getwd()
	opts := report.Options{Policy: p.Source, Version: version, BaseDir: cwd}
	out := stdout
	if *output != "" {
		f, err := os.Create(*output)
		if err != nil {
			fmt.Fprintf(stderr, "ci-authz check: --output: %v\n", err)
			return 2
		}
		defer f.Close()
		out = f
		if *format != "text" {
			report.Write(stdout, "text", r, opts)
		}
	}
	if err := report.Write(out, *format, r, opts); err != nil {
		fmt.Fprintf(stderr, "ci-authz check: %v\n", err)
		return 2
	}
	if *output != "" {
		if err := out.(*os.File).Close(); err != nil {
			fmt.Fprintf(stderr, "ci-authz check: --output: %v\n", err)
			return 2
		}
	}
	if *format != "text" {
		// Machine-readable output on stdout stays clean; say what failed here.
		for _, pr := range r.Problems {
			if !pr.Warning {
				fmt.Fprintf(stderr, "ci-authz check: %s: %s\n", pr.File, pr.Message)
			}
		}
	}
	switch {
	case r.Failed():
		return 2
	case r.Denied():
		return 1
	}
	return 0
}

func validFormat(f string) bool {
	for _, x := range report.Formats {
		if f == x {
			return true
		}
	}
	return false
}
